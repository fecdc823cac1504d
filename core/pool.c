/* pool: see pool.h. A generation counter under one mutex: pool_run bumps it
 * and wakes the workers; each worker runs its part and counts itself done. */
#include "pool.h"

#include <pthread.h>

#include "mem.h"

struct worker {
    struct pool *pool;
    size_t part;
    pthread_t thread;
};

struct pool {
    size_t n;
    struct worker *workers;   /* n - 1 of them */
    size_t started;           /* threads created (for cleanup) */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long generation;
    size_t remaining;
    int quit;
    pool_fn fn;
    void *ctx;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->generation;
        pool_fn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->mu);
        fn(ctx, w->part);
        pthread_mutex_lock(&p->mu);
        if (--p->remaining == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int pool_create(size_t n, struct pool **out, struct err *e)
{
    *out = NULL;
    struct pool *p = mem_calloc(1, sizeof *p);
    if (!p)
        return err_msg(e, ERR_NOMEM, "out of memory");
    p->n = n ? n : 1;
    p->workers = mem_calloc(p->n, sizeof *p->workers);
    if (!p->workers) {
        mem_free(p);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    for (size_t k = 1; k < p->n; k++) {
        struct worker *w = &p->workers[k];
        w->pool = p;
        w->part = k;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            pool_free(p);
            return err_msg(e, ERR_NOMEM, "cannot start worker thread %zu", k);
        }
        p->started = k;
    }
    *out = p;
    return 0;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (size_t k = 1; k <= p->started; k++)
        pthread_join(p->workers[k].thread, NULL);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    mem_free(p->workers);
    mem_free(p);
}

void pool_run(struct pool *p, pool_fn fn, void *ctx)
{
    if (p->n == 1) {
        fn(ctx, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->remaining = p->n - 1;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0);
    pthread_mutex_lock(&p->mu);
    while (p->remaining > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
