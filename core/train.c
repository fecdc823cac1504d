/* train: see train.h. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "train.h"

#include <sched.h>
#include <unistd.h>

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "mem.h"
#include "train_regress.h"

/* Who takes the replicas' weight-gradient tasks (step_part): next_task[k]
 * the next of replica k's not taken, chain_done[k] set once its chain is
 * done and they may be taken. */
struct task_board {
    atomic_size_t next_task[TRAIN_MAX_THREADS];
    atomic_int chain_done[TRAIN_MAX_THREADS];
    atomic_size_t tasks_shared; /* run by another replica's thread */
};

double train_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The CPUs this process may run on (its affinity: what a Slurm allocation
 * or taskset leaves it), at least 1. */
size_t train_usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (size_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

/* bptt: full: a step is the whole epoch, as long as the longest epoch the
 * sampler can give, if its activations fit under the limit. */
static int size_full_bptt(struct trainer *t, const struct model_spec *spec,
                          size_t B, size_t T, struct err *e)
{
    t->steps = sampler_max_batches(t->data->train.n, &t->cfg->sampler) * T;
    if (t->steps == 0)
        t->steps = T; /* no batch at all: sampler_create says so */
    size_t bytes = model_workspace_bytes(spec, B, t->steps);
    if (bytes > TRAIN_BPTT_FULL_MAX_BYTES)
        return err_set(e, ERR_CONFIG, t->cfg->src, 0, 0, "train.bptt: full "
                       "backpropagates through the whole epoch (%zu x %zu tokens), "
                       "whose activations need %.1f GiB, above the limit of %.0f "
                       "GiB; lower dataset.max_tokens or the model's size, or use "
                       "truncated or randomized", B, t->steps,
                       (double)bytes / (1 << 30),
                       (double)TRAIN_BPTT_FULL_MAX_BYTES / (1 << 30));
    return 0;
}

/* bptt: randomized: every replica's backward reads the trainer's factors. */
static int setup_randomized(struct trainer *t, size_t T, struct err *e)
{
    t->xi = mem_alloc(T * sizeof *t->xi);
    if (!t->xi)
        return err_msg(e, ERR_NOMEM, "out of memory");
    rng_seed(&t->bptt_rng, (uint64_t)t->cfg->seed, RNG_STREAM_BPTT);
    for (size_t k = 0; k < t->nreplicas; k++)
        t->replicas[k]->carry_scale = t->xi;
    return 0;
}

/* The sparse update (struct trainer): where it applies, the table's place
 * and the scratch of collect_rows. */
static int setup_sparse(struct trainer *t, size_t V, struct err *e)
{
    size_t offset, width;
    if (t->regression || !optim_zero_grad_is_no_op(t->opt) ||
        !model_input_table(t->model, &offset, &width))
        return 0;
    t->row_seen = mem_calloc(V, sizeof *t->row_seen);
    t->rows = mem_calloc(V, sizeof *t->rows);
    if (!t->row_seen || !t->rows)
        return err_msg(e, ERR_NOMEM, "out of memory");
    t->sparse = 1;
    t->table_begin = offset;
    t->table_end = offset + V * width;
    t->table_width = width;
    return 0;
}

static void even_parts(struct trainer *t);

/* One block for the replicas' states, one for evaluation's. */
static int create_states(struct trainer *t, struct err *e)
{
    for (size_t k = 0; k < t->nreplicas; k++)
        t->nstate += model_state_size(t->replicas[k]);
    t->state = mem_calloc(t->nstate, sizeof *t->state);
    t->eval_state = mem_calloc(model_state_size(t->model), sizeof *t->eval_state);
    if (!t->state || !t->eval_state)
        return err_msg(e, ERR_NOMEM, "out of memory");
    real *at = t->state;
    for (size_t k = 0; k < t->nreplicas; k++) {
        t->rstate[k] = at;
        at += model_state_size(t->replicas[k]);
    }
    return 0;
}

int trainer_create(const struct config *cfg, const struct dataset *d,
                   struct trainer **out, struct err *e)
{
    *out = NULL;
    struct trainer *t = mem_calloc(1, sizeof *t);
    if (!t)
        return err_msg(e, ERR_NOMEM, "out of memory");
    t->cfg = cfg;
    t->data = d;
    t->regression = cfg->model.head == HEAD_REGRESSION;
    size_t V = t->regression ? 1 : vocab_size(d->vocab);
    size_t B = (size_t)cfg->sampler.batch_size, T = (size_t)cfg->sampler.num_steps;
    if (t->regression)
        T = d->tau; /* a window of tau values, one a step */
    t->max_ppl = cfg->train.max_ppl > 0 ? cfg->train.max_ppl : 10.0 * (double)V;
    /* the batch splits into a number of gradient shards fixed by the config
     * (never by the thread count), summed in shard order: a run's numbers
     * are the same on any number of threads; threads beyond the shards
     * have nothing to do */
    size_t shards = (size_t)cfg->train.grad_shards;
    t->nreplicas = shards < B ? shards : B;
    if (t->nreplicas > TRAIN_MAX_THREADS)
        t->nreplicas = TRAIN_MAX_THREADS;
    size_t threads = cfg->train.threads ? (size_t)cfg->train.threads : train_usable_cpus();
    t->nthreads = threads < t->nreplicas ? threads : t->nreplicas;
    /* data parallelism owns the cores: each replica's BLAS runs alone */
    gemm_set_threads(1);
    rng_seed(&t->rng, (uint64_t)cfg->seed, RNG_STREAM_TRAIN);
    struct model_spec spec = model_spec_from_config(&cfg->model, V);
    int rc = 0;
    t->steps = T;
    if (cfg->train.bptt == BPTT_FULL)
        rc = size_full_bptt(t, &spec, B, T, e);
    if (rc == 0)
        rc = model_create(&spec, B, t->steps, (uint64_t)cfg->seed, &t->model, e);
    t->replicas[0] = t->model;
    for (size_t k = 0; k <= t->nreplicas; k++)
        t->first_row[k] = k * B / t->nreplicas;
    /* regression batches are cut anew each step (the last is short):
     * every replica can take a whole batch */
    for (size_t k = 1; rc == 0 && k < t->nreplicas; k++)
        rc = model_create_replica(t->model, t->regression ? B
                                  : t->first_row[k + 1] - t->first_row[k],
                                  (uint64_t)cfg->seed + 1000003 * k,
                                  &t->replicas[k], e);
    /* threads that each have a core spin: they may wait for each other's
     * chains (step_part); more threads than cores do not */
    t->share_tasks = t->nthreads <= train_usable_cpus();
    if (rc == 0 && !(t->board = mem_calloc(1, sizeof *t->board)))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = pool_create(t->nthreads, t->share_tasks, &t->pool, e);
    if (rc == 0) {
        model_init(t->model, &cfg->model.init, &t->rng);
        rc = optim_create(&cfg->optimizer, t->model->nparams, &t->opt, e);
    }
    if (rc == 0)
        rc = setup_sparse(t, V, e);
    if (rc == 0) {
        t->nblocks = (t->model->nparams + TRAIN_UPDATE_BLOCK - 1) / TRAIN_UPDATE_BLOCK;
        if (!(t->block_sq = mem_calloc(t->nblocks, sizeof *t->block_sq)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        else if (t->sparse &&
                 !(t->block_cost = mem_calloc(t->nblocks, sizeof *t->block_cost)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        else
            even_parts(t);
    }
    if (rc == 0 && t->regression)
        rc = regress_create(t, e);
    else if (rc == 0)
        rc = sampler_create(d->train.ids, d->train.n, &cfg->sampler, &t->rng,
                            &t->sampler, e);
    if (rc == 0 && cfg->train.bptt == BPTT_RANDOMIZED)
        rc = setup_randomized(t, T, e);
    if (rc == 0)
        rc = create_states(t, e);
    if (rc == 0) {
        t->X = mem_alloc(2 * B * t->steps * sizeof *t->X);
        if (!t->X)
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        else
            t->Y = t->X + B * t->steps;
    }
    if (rc == 0 && cfg->train.bptt == BPTT_FULL &&
        !(t->part = mem_alloc(2 * B * T * sizeof *t->part)))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc < 0) {
        trainer_free(t);
        return rc;
    }
    schedule_init(&t->sched, &cfg->schedule, cfg->optimizer.lr);
    *out = t;
    return 0;
}

void trainer_free(struct trainer *t)
{
    if (!t)
        return;
    for (size_t k = 1; k < t->nreplicas; k++)
        model_free(t->replicas[k]);
    pool_free(t->pool);
    model_free(t->model);
    optim_free(t->opt);
    mem_free(t->block_sq);
    mem_free(t->block_cost);
    mem_free(t->board);
    mem_free(t->row_seen);
    mem_free(t->rows);
    sampler_free(t->sampler);
    mem_free(t->X);
    mem_free(t->part);
    mem_free(t->xi);
    mem_free(t->state);
    mem_free(t->eval_state);
    regress_free(t);
    mem_free(t);
}

double trainer_evaluate(struct trainer *t, const struct split *s)
{
    struct model *m = t->model;
    if (!s->ids || s->n < 2)
        return NAN;
    /* B rows of nb tokens (each row needs one target past its inputs) */
    size_t B = m->Bmax < s->n / 2 ? m->Bmax : s->n / 2, nb = s->n / B;
    /* windows of num_steps, whatever the model was sized for (bptt: full) */
    size_t W = t->sampler->T;
    double total = 0, count = 0;
    memset(t->eval_state, 0, model_state_size(m) * sizeof *t->eval_state);
    for (size_t i = 0; i + 1 < nb; i += W) {
        size_t len = nb - 1 - i < W ? nb - 1 - i : W;
        for (size_t b = 0; b < B; b++)
            for (size_t k = 0; k < len; k++) {
                t->X[b * len + k] = s->ids[b * nb + i + k];
                t->Y[b * len + k] = s->ids[b * nb + i + k + 1];
            }
        model_forward(m, t->eval_state, t->X, B, len, 0);
        total += model_loss(m, t->Y, 0) * (double)(B * len);
        count += (double)(B * len);
        model_carry_state(m, t->eval_state);
    }
    return exp(total / count);
}

static void add_block(struct state_block *out, size_t *n, const char *name,
                      void *data, size_t bytes)
{
    if (!data || !bytes)
        return; /* absent in this run (no momentum buffer, ...) */
    struct state_block *b = &out[(*n)++];
    snprintf(b->name, sizeof b->name, "%s", name);
    b->data = data;
    b->bytes = bytes;
}

size_t trainer_state_blocks(struct trainer *t, struct state_block *out)
{
    size_t n = 0, nparams = t->model->nparams;
    struct optim *o = t->opt;
    add_block(out, &n, "epoch", &t->epoch, sizeof t->epoch);
    add_block(out, &n, "params", t->model->params, nparams * sizeof(real));
    add_block(out, &n, "optim_steps", &o->t, sizeof o->t);
    add_block(out, &n, "optim_buf", o->buf, o->buf ? o->n * sizeof(real) : 0);
    add_block(out, &n, "optim_sq", o->sq, o->sq ? o->n * sizeof(real) : 0);
    add_block(out, &n, "schedule_lr", &t->sched.plateau_lr, sizeof t->sched.plateau_lr);
    add_block(out, &n, "schedule_best", &t->sched.best, sizeof t->sched.best);
    add_block(out, &n, "schedule_bad", &t->sched.bad, sizeof t->sched.bad);
    add_block(out, &n, "rng_sampler", &t->rng, sizeof t->rng);
    for (size_t k = 0; k < t->nreplicas; k++) {
        char name[32];
        snprintf(name, sizeof name, "rng_dropout_%u", (unsigned)k % 1000u);
        add_block(out, &n, name, &t->replicas[k]->rng, sizeof t->replicas[k]->rng);
    }
    /* the state between epochs is part of a run only where it is kept */
    if (t->cfg->sampler.kind == SAMPLER_SEQUENTIAL &&
        t->cfg->sampler.reset_state == RESET_NEVER)
        add_block(out, &n, "carried_state", t->state, t->nstate * sizeof(real));
    if (t->xi)
        add_block(out, &n, "rng_bptt", &t->bptt_rng, sizeof t->bptt_rng);
    return n;
}

int trainer_diverged(struct trainer *t, const char *what, double value, long epoch)
{
    snprintf(t->diverged_why, sizeof t->diverged_why, "%s %g in epoch %ld",
             what, value, epoch);
    return TRAIN_DIVERGED;
}

void trainer_begin_state(struct trainer *t)
{
    if (t->cfg->sampler.reset_state != RESET_NEVER)
        memset(t->state, 0, t->nstate * sizeof *t->state);
}

/* Forward, loss and the backward's chain (model_backward_chain) of replica
 * k on its rows of the batch; its weight gradients are left as tasks
 * (t->ntasks[k]) into its gradients, which are zero: from model_create,
 * then from the last step's update (reduce_part, update_part) or
 * divergence (zero_grads). */
static void shard_chain(struct trainer *t, size_t k)
{
    struct model *m = t->replicas[k];
    size_t T = t->steps, row = t->first_row[k];
    size_t rows = t->first_row[k + 1] - row;
    t->ntasks[k] = 0;
    if (t->regression) {
        t->part_loss[k] = 0;
        if (rows == 0) /* a short last batch left this shard nothing */
            return;
        /* every example is its own window, from zero state */
        model_forward_values(m, NULL, t->Xr + row * T, rows, T, 1);
        t->part_loss[k] = model_loss_mse(m, t->Yr + row, 1);
        t->ntasks[k] = model_backward_chain(m);
        return;
    }
    /* random partitioning: every batch from zero state */
    real *state = sampler_is_sequential(t->sampler) ? t->rstate[k] : NULL;
    model_forward(m, state, t->X + row * T, rows, T, 1);
    t->part_loss[k] = model_loss(m, t->Y + row * T, 1);
    t->ntasks[k] = model_backward_chain(m);
    if (state)
        model_carry_state(m, state);
}

size_t trainer_tasks_shared(const struct trainer *t)
{
    return atomic_load(&t->board->tasks_shared);
}

/* Runs replica k's weight-gradient tasks not yet taken, one at a time;
 * helping: k is another thread's replica. */
static void run_tasks(struct trainer *t, size_t k, int helping)
{
    size_t i;
    while ((i = atomic_fetch_add_explicit(&t->board->next_task[k], 1, memory_order_relaxed)) <
           t->ntasks[k]) {
        model_grad_task(t->replicas[k], i);
        if (helping)
            atomic_fetch_add_explicit(&t->board->tasks_shared, 1, memory_order_relaxed);
    }
}

/* Thread `part` of the pool takes shards part, part + threads, ...: each
 * one's chain, then its tasks. A thread done with its own then takes the
 * other shards' remaining tasks, as their chains finish: two cores of this
 * machine differ in speed by up to 9% for seconds at a time, and a static
 * split left the faster one waiting. Which thread runs a task changes no
 * number (model_grad_task). */
static void step_part(void *ctx, size_t part)
{
    struct trainer *t = ctx;
    size_t K = t->nreplicas, P = t->nthreads;
    for (size_t k = part; k < K; k += P) {
        shard_chain(t, k);
        atomic_store_explicit(&t->board->chain_done[k], 1, memory_order_release);
        if (t->after_chain)
            t->after_chain(t, k, t->hook_ctx);
        run_tasks(t, k, 0);
    }
    if (!t->share_tasks)
        return;
    for (size_t j = 1; j < K; j++) {
        size_t k = (part + j) % K;
        if (k % P == part)
            continue;
        while (!atomic_load_explicit(&t->board->chain_done[k], memory_order_acquire))
            pool_relax();
        run_tasks(t, k, 1);
    }
}

/* The table rows the step's input ids touched, ascending, into t->rows
 * (a mark per row, then one pass over the marks: no sort). */
static void collect_rows(struct trainer *t)
{
    size_t n = t->first_row[t->nreplicas] * t->steps, V = t->model->spec.V;
    for (size_t i = 0; i < n; i++)
        t->row_seen[t->X[i]] = 1;
    t->nrows = 0;
    for (size_t v = 0; v < V; v++)
        if (t->row_seen[v]) {
            t->rows[t->nrows++] = (uint32_t)v;
            t->row_seen[v] = 0;
        }
}

typedef void (*range_fn)(struct trainer *t, size_t begin, size_t end, void *ctx);

/* Calls fn on the parts of parameters [begin, stop) the update must visit,
 * in ascending order: all of them, or with the sparse update all but the
 * table rows no input id touched. */
static void visit_block(struct trainer *t, size_t begin, size_t stop,
                        range_fn fn, void *ctx)
{
    size_t tb = t->table_begin, te = t->table_end, w = t->table_width;
    if (!t->sparse || stop <= tb || begin >= te) {
        fn(t, begin, stop, ctx);
        return;
    }
    if (begin < tb)
        fn(t, begin, tb, ctx);
    size_t lo = begin > tb ? begin : tb, hi = stop < te ? stop : te;
    size_t first = (lo - tb) / w, last = (hi - 1 - tb) / w;
    size_t i = 0, n = t->nrows; /* the first touched row >= first */
    while (i < n) {
        size_t mid = i + (n - i) / 2;
        if (t->rows[mid] < first)
            i = mid + 1;
        else
            n = mid;
    }
    for (; i < t->nrows && t->rows[i] <= last; i++) {
        size_t a = tb + t->rows[i] * w, b = a + w;
        fn(t, a > lo ? a : lo, b < hi ? b : hi, ctx);
    }
    if (stop > te)
        fn(t, te, stop, ctx);
}

/* Blocks [first, end) of the update that thread `part` takes. */
static void part_blocks(const struct trainer *t, size_t part, size_t *first,
                        size_t *end)
{
    *first = t->part_first[part];
    *end = t->part_first[part + 1];
}

static void block_range(const struct trainer *t, size_t blk, size_t *begin,
                        size_t *stop)
{
    size_t n = t->model->nparams;
    *begin = blk * TRAIN_UPDATE_BLOCK;
    *stop = *begin + TRAIN_UPDATE_BLOCK < n ? *begin + TRAIN_UPDATE_BLOCK : n;
}

/* Elements [a, z) of [begin, stop) */
static size_t overlap(size_t a, size_t z, size_t begin, size_t stop)
{
    size_t lo = a > begin ? a : begin, hi = z < stop ? z : stop;
    return hi > lo ? hi - lo : 0;
}

/* t->block_cost: how many elements the sparse reduce and update visit in
 * each block: those outside the table, and the touched rows'. */
static void cost_blocks(struct trainer *t)
{
    size_t tb = t->table_begin, te = t->table_end, w = t->table_width;
    for (size_t blk = 0; blk < t->nblocks; blk++) {
        size_t begin, stop;
        block_range(t, blk, &begin, &stop);
        t->block_cost[blk] = stop - begin - overlap(tb, te, begin, stop);
    }
    for (size_t i = 0; i < t->nrows; i++) {
        size_t a = tb + t->rows[i] * w, z = a + w;
        for (size_t blk = a / TRAIN_UPDATE_BLOCK; blk * TRAIN_UPDATE_BLOCK < z; blk++) {
            size_t begin, stop;
            block_range(t, blk, &begin, &stop);
            t->block_cost[blk] += overlap(a, z, begin, stop);
        }
    }
}

/* t->part_first: each thread's run of blocks, equal counts (the dense
 * update, whose blocks cost the same). */
static void even_parts(struct trainer *t)
{
    size_t P = t->nthreads;
    for (size_t part = 0; part <= P; part++)
        t->part_first[part] = part * t->nblocks / P;
}

/* The sparse update's: runs of about equal t->block_cost (a block goes to
 * the part its midpoint falls in), recut each step; the ends, part_first[0]
 * and [nthreads], stay where even_parts put them. */
static void cut_parts(struct trainer *t)
{
    size_t P = t->nthreads, n = t->nblocks;
    size_t total = 0, before = 0, part = 1;
    for (size_t blk = 0; blk < n; blk++)
        total += t->block_cost[blk];
    for (size_t blk = 0; blk < n && part < P; blk++) {
        size_t mid2 = 2 * before + t->block_cost[blk];
        while (part < P && mid2 * P >= 2 * part * total)
            t->part_first[part++] = blk;
        before += t->block_cost[blk];
    }
    while (part < P)
        t->part_first[part++] = n;
}

struct reduce_ctx {
    real w[TRAIN_MAX_THREADS]; /* replica k's share of the batch's tokens */
    double lanes[8];           /* the block's sum of squares so far */
    size_t begin, len;         /* the block */
};

static void reduce_range(struct trainer *t, size_t begin, size_t end, void *ctx)
{
    struct reduce_ctx *r = ctx;
    real *g0 = t->model->grads;
    if (t->nreplicas > 1) {
        for (size_t i = begin; i < end; i++)
            g0[i] *= r->w[0];
        for (size_t j = 1; j < t->nreplicas; j++) {
            real *g = t->replicas[j]->grads;
            for (size_t i = begin; i < end; i++)
                g0[i] += r->w[j] * g[i];
            memset(g + begin, 0, (end - begin) * sizeof *g);
        }
    }
    optim_sum_squares_piece(r->lanes, g0 + begin, begin - r->begin, end - begin,
                            r->len);
}

/* Replica 0's gradients become the token-weighted mean of all replicas'
 * (each replica's loss is the mean over its own rows), summed in replica
 * order for every element; then each block's sum of squares. The other
 * replicas' gradients are zeroed for the next step while their block is
 * in cache (one pass over memory fewer than a memset at the next step).
 * Thread `part` takes its share of the blocks (which changes no number). */
static void reduce_part(void *ctx, size_t part)
{
    struct trainer *t = ctx;
    size_t K = t->nreplicas, first, end;
    struct reduce_ctx r;
    for (size_t j = 0; j < K; j++)
        r.w[j] = (real)((double)(t->first_row[j + 1] - t->first_row[j]) /
                        (double)t->first_row[K]);
    part_blocks(t, part, &first, &end);
    for (size_t blk = first; blk < end; blk++) {
        size_t begin, stop;
        block_range(t, blk, &begin, &stop);
        memset(r.lanes, 0, sizeof r.lanes);
        r.begin = begin;
        r.len = stop - begin;
        visit_block(t, begin, stop, reduce_range, &r);
        t->block_sq[blk] = optim_sum_lanes(r.lanes);
    }
}

static void update_range(struct trainer *t, size_t begin, size_t end, void *ctx)
{
    (void)ctx;
    real *g0 = t->model->grads;
    optim_update_range(t->opt, t->model->params, g0, t->update_lr,
                       t->update_scale, begin, end);
    memset(g0 + begin, 0, (end - begin) * sizeof *g0);
}

/* The clipped optimizer step on thread `part`'s blocks, each block's
 * gradients zeroed for the next step once used (while in cache). */
static void update_part(void *ctx, size_t part)
{
    struct trainer *t = ctx;
    size_t first, end;
    part_blocks(t, part, &first, &end);
    for (size_t blk = first; blk < end; blk++) {
        size_t begin, stop;
        block_range(t, blk, &begin, &stop);
        visit_block(t, begin, stop, update_range, NULL);
    }
}

/* A step that stops before the update leaves the gradients zero too. */
static int zero_grads(struct trainer *t, int status)
{
    for (size_t k = 0; k < t->nreplicas; k++)
        model_zero_grad(t->replicas[k]);
    return status;
}

int trainer_step(struct trainer *t, double lr, double *loss, double *norm)
{
    for (size_t k = 0; k < t->nreplicas; k++) { /* published by pool_run */
        atomic_store_explicit(&t->board->chain_done[k], 0, memory_order_relaxed);
        atomic_store_explicit(&t->board->next_task[k], 0, memory_order_relaxed);
    }
    pool_run(t->pool, step_part, t);
    *loss = 0;
    size_t K = t->nreplicas;
    for (size_t k = 0; k < K; k++)
        *loss += t->part_loss[k] * (double)(t->first_row[k + 1] - t->first_row[k]) /
                 (double)t->first_row[K];
    if (!isfinite(*loss))
        return zero_grads(t, trainer_diverged(t, "training loss", *loss, t->epoch + 1));
    if (t->sparse) {
        collect_rows(t);
        cost_blocks(t);
        cut_parts(t);
    }
    pool_run(t->pool, reduce_part, t);
    double sq = 0;
    for (size_t blk = 0; blk < t->nblocks; blk++)
        sq += t->block_sq[blk];
    *norm = sqrt(sq);
    if (!isfinite(*norm))
        return zero_grads(t, trainer_diverged(t, "gradient norm", *norm, t->epoch + 1));
    /* clipping, folded into the update */
    t->update_scale = optim_clip_scale(*norm, t->cfg->clip.max_norm);
    t->update_lr = lr;
    optim_count_step(t->opt);
    pool_run(t->pool, update_part, t);
    for (size_t k = 0; k < K; k++) /* reduce_part and update_part zeroed them */
        t->replicas[k]->ddec_W_zero = 1;
    if (t->after_step)
        t->after_step(t, t->hook_ctx);
    return TRAIN_OK;
}

int trainer_next_batch(struct trainer *t)
{
    struct sampler *s = t->sampler;
    size_t B = s->B, T = s->T;
    if (!t->part) {
        if (!sampler_next(s, t->X, t->Y))
            return 0;
    } else {
        if (s->next > 0) /* the whole epoch went in one step */
            return 0;
        size_t nb = s->num_batches;
        t->steps = nb * T;
        t->Y = t->X + B * t->steps;
        for (size_t j = 0; sampler_next(s, t->part, t->part + B * T); j++)
            for (size_t b = 0; b < B; b++) {
                memcpy(t->X + b * t->steps + j * T, t->part + b * T, T * sizeof *t->X);
                memcpy(t->Y + b * t->steps + j * T, t->part + B * T + b * T,
                       T * sizeof *t->Y);
            }
    }
    if (t->xi) {
        double keep = t->cfg->train.bptt_keep;
        for (size_t i = 0; i < T; i++)
            t->xi[i] = rng_uniform(&t->bptt_rng) < keep ? (real)(1 / keep) : 0;
    }
    return 1;
}

int trainer_epoch(struct trainer *t, struct epoch_metrics *m,
                  train_progress_fn progress, void *ctx)
{
    if (t->regression)
        return regress_epoch(t, m, progress, ctx);
    const struct config *cfg = t->cfg;
    size_t B = t->sampler->B, T = t->sampler->T;
    long e = t->epoch + 1;
    double lr = schedule_lr(&t->sched, e), loss_sum = 0, norm_sum = 0;
    size_t batches = 0;
    double start = train_now();
    sampler_begin_epoch(t->sampler);
    trainer_begin_state(t); /* zeros (d2l), or the last epoch's (reset_state: never) */
    size_t per_step = B * T; /* tokens */
    while (trainer_next_batch(t)) {
        if (t->stop && *t->stop)
            return TRAIN_STOPPED;
        if (t->part)
            per_step = B * t->steps;
        double loss, norm;
        int status = trainer_step(t, lr, &loss, &norm);
        if (status != TRAIN_OK)
            return status;
        loss_sum += loss;
        norm_sum += norm;
        batches++;
        if (progress) {
            double secs = train_now() - start;
            struct train_progress p = {
                .epoch = e, .epochs = cfg->train.epochs, .batch = batches,
                .batches = t->part ? 1 : t->sampler->num_batches,
                .ppl = exp(loss_sum / (double)batches), .measure = "ppl",
                .tokens_per_s = (double)(batches * per_step) / (secs > 0 ? secs : 1e-9),
                .seconds = secs};
            progress(ctx, &p);
        }
    }
    double secs = train_now() - start;
    *m = metrics_of_pass(e, (double)(batches * per_step) / (secs > 0 ? secs : 1e-9),
                         secs, lr, norm_sum / (double)batches);
    m->train_ppl = exp(loss_sum / (double)batches);
    t->epoch = e;
    if (!isfinite(m->train_ppl) || m->train_ppl > t->max_ppl)
        return trainer_diverged(t, "training perplexity", m->train_ppl, e);
    if (e % cfg->train.eval_every == 0 || e == cfg->train.epochs) {
        m->valid_ppl = trainer_evaluate(t, &t->data->valid);
        m->test_ppl = trainer_evaluate(t, &t->data->test);
    }
    /* plateau watches validation perplexity, or training perplexity on a
     * dataset without a validation split */
    if (!isnan(m->valid_ppl))
        schedule_observe(&t->sched, m->valid_ppl);
    else if (!t->data->valid.ids)
        schedule_observe(&t->sched, m->train_ppl);
    return TRAIN_OK;
}
