/* pool: see pool.h. pool_run publishes a new generation; a worker that is
 * waiting for it spins a short while before it sleeps on a condition
 * variable, and so does the caller waiting for the workers to finish. The
 * parts of a training step follow each other within microseconds, while
 * waking a sleeping thread took a scheduler round trip on every hand-off
 * (75 microseconds a pool_run on this project's 2-core virtual machine,
 * against 0.3 spinning): spinning keeps the threads on their cores between
 * the parts. A pool with more threads than cores does not spin: a thread
 * spinning there would hold a core another of its threads needs. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "mem.h"

/* How long a thread spins before it sleeps: long enough to cover the gap
 * between a step's parts and between steps, short enough that an idle pool
 * (evaluation, generation, I/O) soon stops using its cores. */
#define POOL_SPIN_NS 2000000L

struct worker {
    struct pool *pool;
    size_t part;
    pthread_t thread;
};

struct pool {
    size_t n;
    struct worker *workers;   /* n - 1 of them */
    size_t started;           /* threads created (for cleanup) */
    long spin_ns;             /* how long a waiting thread spins */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_ulong generation;  /* bumped under mu by pool_run */
    atomic_size_t remaining;  /* workers not yet done with this generation */
    atomic_int quit;
    pool_fn fn;               /* written before generation is bumped */
    void *ctx;
};

static long elapsed_ns(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

void pool_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spins until a new generation is published (or the pool quits), at most
 * p->spin_ns; returns whether it was. */
static int spin_for_generation(struct pool *p, unsigned long seen)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned i = 1; p->spin_ns > 0; i++) {
        if (atomic_load_explicit(&p->generation, memory_order_acquire) != seen ||
            atomic_load_explicit(&p->quit, memory_order_acquire))
            return 1;
        pool_relax();
        if (i % 64 == 0 && elapsed_ns(&start) > p->spin_ns)
            break;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    unsigned long seen = 0;
    for (;;) {
        if (!spin_for_generation(p, seen)) {
            pthread_mutex_lock(&p->mu);
            while (!atomic_load(&p->quit) && atomic_load(&p->generation) == seen)
                pthread_cond_wait(&p->go, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit))
            break;
        seen = atomic_load(&p->generation);
        p->fn(p->ctx, w->part);
        if (atomic_fetch_sub_explicit(&p->remaining, 1, memory_order_acq_rel) == 1) {
            /* under mu, so a caller that found work left and went to
             * sleep is woken */
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

int pool_create(size_t n, int spin, struct pool **out, struct err *e)
{
    *out = NULL;
    struct pool *p = mem_calloc(1, sizeof *p);
    if (!p)
        return err_msg(e, ERR_NOMEM, "out of memory");
    p->n = n ? n : 1;
    p->spin_ns = spin ? POOL_SPIN_NS : 0;
    p->workers = mem_calloc(p->n, sizeof *p->workers);
    if (!p->workers) {
        mem_free(p);
        return err_msg(e, ERR_NOMEM, "out of memory");
    }
    atomic_init(&p->generation, 0);
    atomic_init(&p->remaining, 0);
    atomic_init(&p->quit, 0);
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
    atomic_store(&p->quit, 1);
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

/* Spins until no worker is left on this generation, at most p->spin_ns;
 * returns whether they all finished. */
static int spin_until_done(struct pool *p)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned i = 1; p->spin_ns > 0; i++) {
        if (atomic_load_explicit(&p->remaining, memory_order_acquire) == 0)
            return 1;
        pool_relax();
        if (i % 64 == 0 && elapsed_ns(&start) > p->spin_ns)
            break;
    }
    return 0;
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
    atomic_store(&p->remaining, p->n - 1);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0);
    if (spin_until_done(p))
        return;
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->remaining) > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
