/* Tests for core/train.c, core/results.c and core/generate.c: a tiny model
 * trains, its run file has the SPEC layout, its stored weights reproduce its
 * stored perplexity, runs are bit-reproducible, divergence is caught, and
 * generation follows its strategy. */
#include "support.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <time.h>

#include "generate.h"
#include "mem.h"
#include "results.h"
#include "sine.h"
#include "train.h"

static int setup(void **state)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return support_dir_setup(state);
}

/* Config text written to support_dir()/name and loaded, with one
 * key=value override (or NULL). */
static void load_text(struct config *c, const char *name, const char *text,
                      const char *override)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", support_dir(), name);
    support_write_text(path, text);
    struct err e;
    char *over[1] = {(char *)override};
    if (config_load(c, path, override ? 1 : 0, over, &e) < 0)
        fail_msg("%s", e.msg);
}

/* The d2l time machine setting, shrunk: 2000 chars, hidden 32, 8 epochs. */
/* extra: YAML appended to the file; override: one key=value, or NULL. */
static void tiny_config(struct config *c, const char *extra, int threads,
                        const char *override)
{
    char text[2048];
    snprintf(text, sizeof text,
             "seed: 3\n"
             "dataset: {name: timemachine, max_tokens: 2000, valid_fraction: 0.1}\n"
             "sampler: {kind: sequential, batch_size: 8, num_steps: 10}\n"
             "model: {cell: gru, hidden: 32}\n"
             "optimizer: {kind: adam, lr: 0.01}\n"
             "clip: {max_norm: 1}\n"
             "train: {epochs: 8, eval_every: 4, threads: %d}\n"
             "output: {dir: %s/out}\n%s", threads, support_dir(), extra);
    load_text(c, "tiny.yaml", text, override);
}

struct run {
    struct config cfg;
    struct dataset *data;
    struct trainer *t;
    struct epoch_metrics m[64];
    int status;
    long epochs;
};

/* Loads the data of r->cfg and trains every epoch (until one fails). */
static void train_loaded(struct run *r)
{
    struct err e;
    assert_int_equal(dataset_load(&r->cfg.dataset, RNNLAB_DATA_DIR, &r->data, &e), 0);
    assert_int_equal(trainer_create(&r->cfg, r->data, &r->t, &e), 0);
    r->status = TRAIN_OK;
    while (r->epochs < r->cfg.train.epochs && r->status == TRAIN_OK) {
        r->status = trainer_epoch(r->t, &r->m[r->epochs], NULL, NULL);
        if (r->status == TRAIN_OK)
            r->epochs++;
    }
}

static void train_all(struct run *r, const char *extra, int threads,
                      const char *override)
{
    memset(r, 0, sizeof *r);
    tiny_config(&r->cfg, extra, threads, override);
    train_loaded(r);
}

static void free_run(struct run *r)
{
    trainer_free(r->t);
    dataset_free(r->data);
    config_free(&r->cfg);
}

static void test_loss_falls_and_runs_repeat_exactly(void **state)
{
    (void)state;
    struct run a, b;
    train_all(&a, "", 1, NULL);
    assert_int_equal(a.status, TRAIN_OK);
    assert_int_equal(a.epochs, 8);
    /* from about the vocabulary size (28) to well under half of it */
    assert_true(a.m[0].train_ppl > 12 && a.m[0].train_ppl < 30);
    assert_true(a.m[7].train_ppl < 0.6 * a.m[0].train_ppl);
    assert_true(isnan(a.m[0].valid_ppl) && !isnan(a.m[3].valid_ppl));
    assert_true(isnan(a.m[0].test_ppl)); /* no test split for timemachine */
    assert_true(a.m[7].grad_norm > 0 && a.m[7].tokens_per_s > 0);
    train_all(&b, "", 1, NULL);
    for (int i = 0; i < 8; i++) { /* same config and seed: the same bits */
        assert_memory_equal(&a.m[i].train_ppl, &b.m[i].train_ppl, sizeof(double));
        assert_memory_equal(&a.m[i].grad_norm, &b.m[i].grad_norm, sizeof(double));
    }
    assert_memory_equal(a.t->model->params, b.t->model->params,
                        a.t->model->nparams * sizeof(real));
    free_run(&a);
    free_run(&b);
}

/* Everything a run computes, bit for bit: every epoch's metrics but the
 * timing ones, and the parameters. */
static void expect_same_bits(const struct run *a, const struct run *b, long epochs)
{
    for (long i = 0; i < epochs; i++) {
        const struct epoch_metrics *x = &a->m[i], *y = &b->m[i];
        if (memcmp(&x->train_ppl, &y->train_ppl, sizeof x->train_ppl) ||
            memcmp(&x->valid_ppl, &y->valid_ppl, sizeof x->valid_ppl) ||
            memcmp(&x->test_ppl, &y->test_ppl, sizeof x->test_ppl) ||
            memcmp(&x->grad_norm, &y->grad_norm, sizeof x->grad_norm) ||
            memcmp(&x->lr, &y->lr, sizeof x->lr))
            fail_msg("epoch %ld: train ppl %.17g vs %.17g, |g| %.17g vs %.17g", i + 1,
                     x->train_ppl, y->train_ppl, x->grad_norm, y->grad_norm);
    }
    assert_int_equal(a->t->model->nparams, b->t->model->nparams);
    assert_memory_equal(a->t->model->params, b->t->model->params,
                        a->t->model->nparams * sizeof(real));
}

/* Tokens of a char-level text: "<unk>" is one, any other byte one (the
 * time machine's vocabulary is ASCII). Whatever the seed draws. */
static size_t count_char_tokens(const char *s)
{
    size_t n = 0;
    while (*s) {
        s += strncmp(s, VOCAB_UNK, strlen(VOCAB_UNK)) == 0 ? strlen(VOCAB_UNK) : 1;
        n++;
    }
    return n;
}

/* A sample drawn after training (strategy: sample), for comparisons. */
static char *sample_of(struct run *r)
{
    struct generate_config g = {.length = 20, .strategy = GEN_SAMPLE,
                                .temperature = 1, .alpha = 1};
    struct rng gen;
    rng_seed(&gen, 7, 3);
    char *text = NULL;
    size_t unknown;
    struct err e;
    assert_int_equal(generate_text(r->t->model, r->data->vocab, &r->cfg.dataset,
                                   "the ", &g, &gen, &text, &unknown, &e), 0);
    return text;
}

/* train.threads says how to run, never what is computed: for every cell
 * kind, with dropout between two layers, 1, 2 and 3 threads give the same
 * run id and the same bits (metrics, weights, samples); the batch's split
 * into gradient shards is the config's (train.grad_shards). */
static void test_threads_change_no_number(void **state)
{
    (void)state;
    static const char *const cells[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
    for (size_t c = 0; c < 4; c++) {
        char over[200];
        snprintf(over, sizeof over, "model={cell: %s, hidden: 24, layers: 2, "
                 "dropout: 0.3, input: embedding}", cells[c]);
        struct run r[3];
        char id[3][13], *text[3];
        for (int k = 0; k < 3; k++) {
            train_all(&r[k], "", k + 1, over);
            assert_int_equal(r[k].status, TRAIN_OK);
            assert_int_equal(r[k].t->nthreads, k < 2 ? (size_t)k + 1 : 2);
            assert_int_equal(config_run_id(&r[k].cfg, id[k]), 0);
            text[k] = sample_of(&r[k]);
        }
        for (int k = 1; k < 3; k++) {
            assert_string_equal(id[k], id[0]);
            expect_same_bits(&r[k], &r[0], 8);
            assert_string_equal(text[k], text[0]);
        }
        for (int k = 0; k < 3; k++) {
            mem_free(text[k]);
            free_run(&r[k]);
        }
    }
    /* more shards compute other (but equally valid) numbers: they are part
     * of the run id */
    struct run one, four;
    train_all(&one, "", 1, NULL);
    train_all(&four, "", 1, "train.grad_shards=4");
    char id1[13], id4[13];
    assert_int_equal(config_run_id(&one.cfg, id1), 0);
    assert_int_equal(config_run_id(&four.cfg, id4), 0);
    assert_string_not_equal(id1, id4);
    assert_true(one.m[7].train_ppl != four.m[7].train_ppl);
    free_run(&one);
    free_run(&four);
}

/* Replica 1's thread, once its chain is done and before it takes any of
 * its own weight-gradient tasks, waits until the other thread has run all
 * of them (the shared count grows by the step's task count). A fixed pause
 * of 2 ms used to stand in for that and lost the race under ASan (848 of
 * 1936 shared). Where sharing is broken the wait gives up after a second,
 * and from then on does not wait: the count then falls short. */
static void pause_replica_1(struct trainer *t, size_t k, void *ctx)
{
    static int gave_up;
    (void)ctx;
    if (k != 1 || gave_up)
        return;
    size_t before = trainer_tasks_shared(t);
    double deadline = train_now() + 1.0;
    while (trainer_tasks_shared(t) - before < t->ntasks[1])
        if (train_now() > deadline) {
            gave_up = 1;
            return;
        } else
            nanosleep(&(struct timespec){.tv_nsec = 20000}, NULL);
}

/* A thread done with its own replica takes another's weight-gradient tasks
 * (the decoder's and each layer's GEMM chunks, bias sums, the embedding
 * layer's input product): with replica 1's thread held back, every one of
 * them goes to the other thread, and the run is bit for bit the one-thread
 * run. */
static void test_threads_share_weight_gradients(void **state)
{
    (void)state;
    const char *model = "model={cell: lstm, hidden: 64, layers: 2, dropout: 0.2, "
                        "input: embedding}";
    struct run one, two;
    train_all(&one, "", 1, model);
    assert_int_equal(one.status, TRAIN_OK);
    assert_int_equal(trainer_tasks_shared(one.t), 0);
    struct err e;
    memset(&two, 0, sizeof two);
    tiny_config(&two.cfg, "", 2, model);
    assert_int_equal(dataset_load(&two.cfg.dataset, RNNLAB_DATA_DIR, &two.data, &e), 0);
    assert_int_equal(trainer_create(&two.cfg, two.data, &two.t, &e), 0);
    two.t->after_chain = pause_replica_1;
    for (two.status = TRAIN_OK; two.epochs < two.cfg.train.epochs; two.epochs++)
        assert_int_equal(trainer_epoch(two.t, &two.m[two.epochs], NULL, NULL), TRAIN_OK);
    /* both layers' dW_hh (4H = 256 rows) in two chunks */
    size_t tasks = two.t->ntasks[1], steps = two.t->sampler->num_batches * (size_t)two.epochs;
    if (!(tasks >= 10 && trainer_tasks_shared(two.t) == tasks * steps))
        fail_msg("%zu of %zu tasks of %zu steps shared", trainer_tasks_shared(two.t),
                 tasks * steps, steps);
    expect_same_bits(&two, &one, two.epochs);
    free_run(&one);
    free_run(&two);
}

/* The whole training step, threads and optimizer included, allocates
 * nothing: every buffer exists before the first batch. */
static void test_step_allocates_nothing(void **state)
{
    (void)state;
    struct run r;
    train_all(&r, "", 2, "model={cell: lstm, hidden: 16, dropout: 0.1, input: embedding}");
    double loss, norm;
    long before = mem_count();
    for (int i = 0; i < 5; i++) {
        if (!sampler_next(r.t->sampler, r.t->X, r.t->Y)) {
            sampler_begin_epoch(r.t->sampler);
            trainer_begin_state(r.t);
            assert_int_equal(sampler_next(r.t->sampler, r.t->X, r.t->Y), 1);
        }
        assert_int_equal(trainer_step(r.t, 0.01, &loss, &norm), TRAIN_OK);
    }
    assert_int_equal(mem_count(), before);
    free_run(&r);
}

/* Every step's gradient is that step's batch's alone: the replicas'
 * gradients are zeroed as the update uses them, not at the next step's
 * start, so a step that missed one would carry the last step's in. The
 * trainer's norm at the second step equals one model's on the whole batch
 * from the same weights (random batches: zero state), and every replica's
 * gradients are zero after each step. */
static void test_step_gradient_is_its_batch(void **state)
{
    (void)state;
    struct run r;
    struct err e;
    memset(&r, 0, sizeof r);
    tiny_config(&r.cfg, "", 2, "sampler={kind: random, batch_size: 8, num_steps: 10}");
    assert_int_equal(dataset_load(&r.cfg.dataset, RNNLAB_DATA_DIR, &r.data, &e), 0);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    struct trainer *t = r.t;
    assert_int_equal(t->nreplicas, 2);
    struct model_spec spec = model_spec_from_config(&r.cfg.model, vocab_size(r.data->vocab));
    struct model *ref;
    assert_int_equal(model_create(&spec, 8, 10, 1, &ref, &e), 0);
    sampler_begin_epoch(t->sampler);
    for (int step = 0; step < 3; step++) {
        assert_int_equal(trainer_next_batch(t), 1);
        memcpy(ref->params, t->model->params, ref->nparams * sizeof *ref->params);
        model_zero_grad(ref);
        model_forward(ref, NULL, t->X, 8, 10, 1);
        model_loss(ref, t->Y, 1);
        model_backward(ref);
        double sq = 0;
        for (size_t i = 0; i < ref->nparams; i++)
            sq += (double)ref->grads[i] * ref->grads[i];
        double loss, norm;
        assert_int_equal(trainer_step(t, 0.01, &loss, &norm), TRAIN_OK);
        if (!(fabs(norm - sqrt(sq)) <= 1e-5 * sqrt(sq)))
            fail_msg("step %d: gradient norm %.9g, the whole batch's %.9g", step,
                     norm, sqrt(sq));
        for (size_t k = 0; k < t->nreplicas; k++)
            for (size_t i = 0; i < t->model->nparams; i++)
                if (t->replicas[k]->grads[i] != 0)
                    fail_msg("step %d: replica %zu gradient %zu is %g after the "
                             "update", step, k, i, (double)t->replicas[k]->grads[i]);
    }
    model_free(ref);
    free_run(&r);
}

/* Two epochs of word-level training with plain SGD and clipping; sparse:
 * whether the update may skip the input table's untouched rows. */
static void sgd_words_run(struct run *r, const char *model, const char *optimizer,
                          int sparse)
{
    char text[1024];
    struct err e;
    memset(r, 0, sizeof *r);
    snprintf(text, sizeof text,
             "seed: 5\n"
             "dataset: {name: timemachine, tokens: word, max_tokens: 3000, "
             "valid_fraction: 0.1}\n"
             "sampler: {kind: sequential, batch_size: 8, num_steps: 10}\n"
             "model: %s\n"
             "optimizer: %s\n"
             "clip: {max_norm: 0.5}\n"
             "train: {epochs: 2, threads: 2}\n", model, optimizer);
    load_text(&r->cfg, "words.yaml", text, NULL);
    assert_int_equal(dataset_load(&r->cfg.dataset, RNNLAB_DATA_DIR, &r->data, &e), 0);
    assert_int_equal(trainer_create(&r->cfg, r->data, &r->t, &e), 0);
    if (!sparse)
        r->t->sparse = 0;
    for (; r->epochs < 2; r->epochs++)
        assert_int_equal(trainer_epoch(r->t, &r->m[r->epochs], NULL, NULL), TRAIN_OK);
}

/* Plain SGD skips the input table's rows no id of the step touched (their
 * gradient is zero in every replica): the same bits as visiting them all,
 * norm included. A skipped touched row, a replica's row left unzeroed or
 * a sum of squares in another order would make them differ. Embedding and
 * one-hot tables; the one-hot one (V x 48) spans two update blocks. */
static void test_sparse_update_changes_no_bit(void **state)
{
    (void)state;
    const char *models[] = {
        "{cell: lstm, hidden: 16, layers: 2, input: embedding, embed_dim: 12, dropout: 0.1}",
        "{cell: gru, hidden: 16}"};
    for (size_t i = 0; i < 2; i++) {
        struct run dense, sparse;
        sgd_words_run(&dense, models[i], "{kind: sgd, lr: 2}", 0);
        sgd_words_run(&sparse, models[i], "{kind: sgd, lr: 2}", 1);
        struct trainer *t = sparse.t;
        assert_int_equal(t->sparse, 1);
        size_t V = t->model->spec.V;
        if (!(V > 300 && t->nrows > 0 && t->nrows < 80 && t->nrows < V / 4))
            fail_msg("%s: %zu of %zu rows touched by the last step", models[i],
                     t->nrows, V);
        if (i == 1 && !(t->table_end - t->table_begin > TRAIN_UPDATE_BLOCK))
            fail_msg("the one-hot table fits one block");
        for (long ep = 0; ep < 2; ep++)
            if (sparse.m[ep].grad_norm != dense.m[ep].grad_norm ||
                sparse.m[ep].train_ppl != dense.m[ep].train_ppl)
                fail_msg("%s, epoch %ld: norm %.17g / %.17g, ppl %.17g / %.17g",
                         models[i], ep + 1, sparse.m[ep].grad_norm,
                         dense.m[ep].grad_norm, sparse.m[ep].train_ppl,
                         dense.m[ep].train_ppl);
        assert_memory_equal(t->model->params, dense.t->model->params,
                            t->model->nparams * sizeof *t->model->params);
        free_run(&dense);
        free_run(&sparse);
    }
}

/* The sparse update's reduce and update split the blocks between the
 * threads by the elements they visit, not by count: with the table's
 * untouched rows skipped, an even count would leave one thread the dense
 * layers and the other almost nothing. Each part's cost is within one
 * block of half, counted here from the touched rows. */
static void test_sparse_update_splits_work_evenly(void **state)
{
    (void)state;
    struct run r;
    sgd_words_run(&r, "{cell: rnn_tanh, hidden: 48, input: embedding, embed_dim: 64}",
                  "{kind: sgd, lr: 1}", 1);
    struct trainer *t = r.t;
    assert_int_equal(t->sparse, 1);
    assert_int_equal(t->nthreads, 2);
    if (!(t->table_end - t->table_begin > 3 * TRAIN_UPDATE_BLOCK))
        fail_msg("the table spans %zu elements", t->table_end - t->table_begin);
    double cost[2] = {0, 0}, largest = 0;
    assert_int_equal(t->part_first[0], 0);
    assert_int_equal(t->part_first[2], t->nblocks);
    for (size_t blk = 0; blk < t->nblocks; blk++) {
        size_t begin = blk * TRAIN_UPDATE_BLOCK, stop = begin + TRAIN_UPDATE_BLOCK;
        if (stop > t->model->nparams)
            stop = t->model->nparams;
        double c = 0;
        for (size_t i = begin; i < stop; i++) {
            int visited = i < t->table_begin || i >= t->table_end;
            for (size_t j = 0; !visited && j < t->nrows; j++)
                visited = (i - t->table_begin) / t->table_width == t->rows[j];
            c += visited;
        }
        cost[blk >= t->part_first[1]] += c;
        largest = c > largest ? c : largest;
    }
    if (!(fabs(cost[0] - cost[1]) <= largest))
        fail_msg("parts cost %.0f and %.0f elements, a block up to %.0f", cost[0],
                 cost[1], largest);
    free_run(&r);
}

/* Only where a zero gradient changes nothing: not with momentum, weight
 * decay, Adam, or a table tied to the decoder (whose gradient is dense). */
static void test_sparse_update_only_for_plain_sgd(void **state)
{
    (void)state;
    const char *emb = "{cell: rnn_tanh, hidden: 12, input: embedding, embed_dim: 12}";
    const char *cases[][2] = {
        {emb, "{kind: sgd, lr: 1, momentum: 0.5}"},
        {emb, "{kind: sgd, lr: 1, weight_decay: 0.001}"},
        {emb, "{kind: adam, lr: 0.01}"},
        {"{cell: rnn_tanh, hidden: 12, input: embedding, embed_dim: 12, tie_weights: true}",
         "{kind: sgd, lr: 1}"}};
    for (size_t i = 0; i < 4; i++) {
        struct run r;
        sgd_words_run(&r, cases[i][0], cases[i][1], 1);
        if (r.t->sparse)
            fail_msg("sparse update with %s, %s", cases[i][0], cases[i][1]);
        free_run(&r);
    }
}

static void test_divergence_is_detected(void **state)
{
    (void)state;
    struct run r;
    struct err e;
    /* lr 1e4 with no clipping: d2l exercise 8.6.1's failure, exaggerated */
    memset(&r, 0, sizeof r);
    tiny_config(&r.cfg, "", 1, NULL);
    r.cfg.optimizer.kind = OPTIM_SGD;
    r.cfg.optimizer.lr = 1e4;
    r.cfg.clip.max_norm = 0;
    r.cfg.model.cell = CELL_RNN_RELU;
    assert_int_equal(dataset_load(&r.cfg.dataset, RNNLAB_DATA_DIR, &r.data, &e), 0);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    int status = TRAIN_OK;
    for (int i = 0; i < 8 && status == TRAIN_OK; i++)
        status = trainer_epoch(r.t, &r.m[0], NULL, NULL);
    assert_int_equal(status, TRAIN_DIVERGED);
    assert_non_null(strstr(r.t->diverged_why, "in epoch 1"));
    free_run(&r);
    /* a perplexity above train.max_ppl at an epoch's end names that epoch */
    memset(&r, 0, sizeof r);
    tiny_config(&r.cfg, "", 1, NULL);
    r.cfg.train.max_ppl = 1.5;
    assert_int_equal(dataset_load(&r.cfg.dataset, RNNLAB_DATA_DIR, &r.data, &e), 0);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    assert_int_equal(trainer_epoch(r.t, &r.m[0], NULL, NULL), TRAIN_DIVERGED);
    assert_non_null(strstr(r.t->diverged_why, "training perplexity"));
    assert_non_null(strstr(r.t->diverged_why, "in epoch 1"));
    free_run(&r);
}

/* sampler.reset_state: never carries each replica's state from one epoch's
 * last batch into the next epoch's first: the first epoch is the default's,
 * later ones differ; evaluation (which uses the model's own state) does not
 * change training. */
static void test_state_carried_across_epochs(void **state)
{
    (void)state;
    struct run reset, carry, carry_eval, carry2;
    train_all(&reset, "", 1, NULL);
    train_all(&carry, "", 1, "sampler.reset_state=never");
    assert_memory_equal(&reset.m[0].train_ppl, &carry.m[0].train_ppl, sizeof(double));
    assert_true(reset.m[1].train_ppl != carry.m[1].train_ppl);
    /* an epoch begins from the state the last one ended with (never), or
     * from zeros (the default) */
    trainer_begin_state(carry.t);
    trainer_begin_state(reset.t);
    double kept = 0, zeroed = 0;
    for (size_t i = 0; i < carry.t->nstate; i++) {
        kept += (double)carry.t->state[i] * carry.t->state[i];
        zeroed += (double)reset.t->state[i] * reset.t->state[i];
    }
    assert_true(kept > 1);
    assert_true(zeroed == 0);
    /* evaluating every epoch instead of every 4th trains the same bits */
    memset(&carry_eval, 0, sizeof carry_eval);
    tiny_config(&carry_eval.cfg, "", 1, "sampler.reset_state=never");
    carry_eval.cfg.train.eval_every = 1;
    train_loaded(&carry_eval);
    for (int i = 0; i < 8; i++)
        assert_memory_equal(&carry.m[i].train_ppl, &carry_eval.m[i].train_ppl,
                            sizeof(double));
    /* each replica carries its own rows' state: one thread's numbers */
    train_all(&carry2, "", 2, "sampler.reset_state=never");
    expect_same_bits(&carry2, &carry, 8);
    free_run(&reset);
    free_run(&carry);
    free_run(&carry_eval);
    free_run(&carry2);
}

/* A run stopped after epoch 3 (checkpointed at every epoch, as runner
 * train does) and resumed from its checkpoint ends with the bits of the run
 * that never stopped; override adds state carried across epochs. */
static void resume_matches_straight_run(const char *override)
{
    struct run straight, r;
    struct err e;
    /* the straight run on 2 threads, the stopped one on 1, resumed on 3 */
    train_all(&straight, "", 2, override);
    memset(&r, 0, sizeof r);
    tiny_config(&r.cfg, "", 1, override);
    assert_int_equal(dataset_load(&r.cfg.dataset, RNNLAB_DATA_DIR, &r.data, &e), 0);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    char *text = config_emit(&r.cfg), id[13];
    assert_int_equal(config_run_id(&r.cfg, id), 0);
    struct results *res;
    struct state_block b[TRAIN_STATE_BLOCKS];
    size_t nb = trainer_state_blocks(r.t, b);
    assert_int_equal(results_create(r.cfg.output.dir, id, text, r.cfg.seed,
                                    r.data->vocab, r.t->model->nparams, &res, &e), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(trainer_epoch(r.t, &r.m[i], NULL, NULL), TRAIN_OK);
        assert_int_equal(results_append_epoch(res, &r.m[i], &e), 0);
        assert_int_equal(results_checkpoint(res, r.t->epoch, b, nb, &e), 0);
    }
    /* a fourth epoch, stopped before its checkpoint: its work is lost */
    assert_int_equal(trainer_epoch(r.t, &r.m[3], NULL, NULL), TRAIN_OK);
    assert_int_equal(results_append_epoch(res, &r.m[3], &e), 0);
    assert_int_equal(results_finish(res, "running", NULL, 1, NULL, &e), 0);
    trainer_free(r.t);
    r.cfg.train.threads = 3;
    char id3[13];
    assert_int_equal(config_run_id(&r.cfg, id3), 0);
    assert_string_equal(id3, id);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    nb = trainer_state_blocks(r.t, b);
    long epoch = -1;
    char note[512];
    assert_int_equal(results_resume(r.cfg.output.dir, id, b, nb, &res, &epoch,
                                    note, sizeof note, &e), 1);
    assert_string_equal(note, "");
    assert_int_equal(epoch, 3);
    assert_int_equal(r.t->epoch, 3);
    for (int i = 3; i < 8; i++) {
        assert_int_equal(trainer_epoch(r.t, &r.m[i], NULL, NULL), TRAIN_OK);
        assert_memory_equal(&r.m[i].train_ppl, &straight.m[i].train_ppl, sizeof(double));
    }
    assert_memory_equal(r.t->model->params, straight.t->model->params,
                        r.t->model->nparams * sizeof(real));
    assert_int_equal(results_finish(res, "completed", r.t->model, 1, NULL, &e), 0);
    mem_free(text);
    free_run(&r);
    free_run(&straight);
}

static void test_resume_is_bit_identical(void **state)
{
    (void)state;
    resume_matches_straight_run(NULL);
    resume_matches_straight_run("sampler.reset_state=never");
    /* the carry factors' generator is part of the checkpoint */
    resume_matches_straight_run("train.bptt=randomized");
    resume_matches_straight_run("train.bptt=full");
}

/* The test config trained 2 epochs into support_dir()/SUB, each epoch
 * appended, sampled and checkpointed as runner train does; the run file is
 * left open (returned), its id and folder written to id and dir. */
static struct results *checkpointed_run(struct run *r, const char *sub, char id[13],
                                        char *dir, size_t ndir, struct state_block *b,
                                        size_t *nb)
{
    struct err e;
    memset(r, 0, sizeof *r);
    tiny_config(&r->cfg, "", 1, NULL);
    assert_int_equal(dataset_load(&r->cfg.dataset, RNNLAB_DATA_DIR, &r->data, &e), 0);
    assert_int_equal(trainer_create(&r->cfg, r->data, &r->t, &e), 0);
    assert_int_equal(config_run_id(&r->cfg, id), 0);
    snprintf(dir, ndir, "%s/%s", support_dir(), sub);
    *nb = trainer_state_blocks(r->t, b);
    struct results *res;
    assert_int_equal(results_create(dir, id, "name: x\n", 3, r->data->vocab, 1, &res, &e), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(trainer_epoch(r->t, &r->m[i], NULL, NULL), TRAIN_OK);
        assert_int_equal(results_append_epoch(res, &r->m[i], &e), 0);
        assert_int_equal(results_add_sample(res, i + 1, "a", "b", &e), 0);
        assert_int_equal(results_checkpoint(res, r->t->epoch, b, *nb, &e), 0);
    }
    return res;
}

/* Writes a two-epoch run with a checkpoint, then damages it with `damage`
 * and checks that resuming refuses it: the note names why, both files are
 * set aside as .bad (never deleted), and the trainer's state is untouched. */
static void damaged_checkpoint_restarts(void (*damage)(const char *ckpt, const char *part),
                                        const char *why)
{
    struct run r;
    struct err e;
    char id[13], dir[256], part[512], ckpt[512], bad[600];
    struct state_block b[TRAIN_STATE_BLOCKS];
    size_t nb;
    struct results *res = checkpointed_run(&r, "damaged", id, dir, sizeof dir, b, &nb);
    snprintf(part, sizeof part, "%s/runs/%s.h5.part", dir, id);
    snprintf(ckpt, sizeof ckpt, "%s/runs/%s.h5.ckpt", dir, id);
    assert_int_equal(results_finish(res, "running", NULL, 1, NULL, &e), 0);
    damage(ckpt, part);
    trainer_free(r.t);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    nb = trainer_state_blocks(r.t, b);
    real first = r.t->model->params[0];
    long epoch = -1;
    char note[1024];
    assert_int_equal(results_resume(dir, id, b, nb, &res, &epoch, note, sizeof note, &e), 0);
    if (!strstr(note, why) || !strstr(note, "set aside as .bad, restarting the run "
                                             "from scratch"))
        fail_msg("note '%s' does not say '%s'", note, why);
    assert_int_equal(r.t->epoch, 0);
    assert_true(r.t->model->params[0] == first);
    assert_int_not_equal(access(part, F_OK), 0);
    snprintf(bad, sizeof bad, "%s.bad", part);
    assert_int_equal(access(bad, F_OK), 0);
    /* a fresh run file can now be made under the claim */
    assert_int_equal(results_create(dir, id, "name: x\n", 3, r.data->vocab, 1, &res, &e), 0);
    assert_int_equal(results_finish(res, "running", NULL, 1, NULL, &e), 0);
    support_rmtree(dir);
    free_run(&r);
}

/* One changed byte inside the parameters: a valid HDF5 file whose data
 * only the checksum can tell is wrong. */
static void flip_a_parameter(const char *ckpt, const char *part)
{
    (void)part;
    hid_t f = H5Fopen(ckpt, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "params", H5P_DEFAULT);
    hid_t space = H5Dget_space(d);
    hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(space);
    unsigned char *bytes = malloc(n);
    assert_true(H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes) >= 0);
    bytes[n / 2] ^= 0x10;
    assert_true(H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes) >= 0);
    free(bytes);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
}

static void truncate_checkpoint(const char *ckpt, const char *part)
{
    (void)part;
    assert_int_equal(truncate(ckpt, 1000), 0);
}

/* Overwrites the first bytes of path (an HDF5 file's signature). */
static void garble(const char *path)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite("garbage!garbage!", 1, 16, f), 16);
    assert_int_equal(fclose(f), 0);
}

static void garble_checkpoint_header(const char *ckpt, const char *part)
{
    (void)part;
    garble(ckpt);
}

static void garble_run_file(const char *ckpt, const char *part)
{
    (void)ckpt;
    garble(part);
}

static void remove_checkpoint(const char *ckpt, const char *part)
{
    (void)part;
    assert_int_equal(remove(ckpt), 0);
}

static void test_damaged_checkpoints_are_refused(void **state)
{
    (void)state;
    damaged_checkpoint_restarts(flip_a_parameter,
                                "its checkpoint fails verification (SHA-256 mismatch)");
    damaged_checkpoint_restarts(truncate_checkpoint,
                                "its checkpoint cannot be read (damaged or truncated)");
    damaged_checkpoint_restarts(garble_checkpoint_header,
                                "its checkpoint cannot be read (damaged or truncated)");
    damaged_checkpoint_restarts(remove_checkpoint, "it has epochs but no checkpoint");
}

/* A run file damaged after its checkpoint (a kill or a full disk in the
 * middle of an HDF5 write) is replaced by the copy the checkpoint holds:
 * the run resumes with every checkpointed epoch. */
static void test_damaged_run_file_resumes_from_checkpoint(void **state)
{
    (void)state;
    struct run r;
    struct err e;
    char id[13], dir[256], part[512];
    struct state_block b[TRAIN_STATE_BLOCKS];
    size_t nb;
    struct results *res = checkpointed_run(&r, "garbled", id, dir, sizeof dir, b, &nb);
    snprintf(part, sizeof part, "%s/runs/%s.h5.part", dir, id);
    size_t bytes = r.t->model->nparams * sizeof(real);
    real *checkpointed = malloc(bytes);
    memcpy(checkpointed, r.t->model->params, bytes);
    /* a third epoch and its sample reach the file, not a checkpoint */
    assert_int_equal(trainer_epoch(r.t, &r.m[2], NULL, NULL), TRAIN_OK);
    assert_int_equal(results_append_epoch(res, &r.m[2], &e), 0);
    assert_int_equal(results_add_sample(res, 3, "a", "b", &e), 0);
    assert_int_equal(results_finish(res, "running", NULL, 1, NULL, &e), 0);
    garble_run_file(NULL, part);
    trainer_free(r.t);
    assert_int_equal(trainer_create(&r.cfg, r.data, &r.t, &e), 0);
    nb = trainer_state_blocks(r.t, b);
    long epoch = -1;
    char note[1024];
    assert_int_equal(results_resume(dir, id, b, nb, &res, &epoch, note, sizeof note, &e), 1);
    assert_string_equal(note, "");
    assert_int_equal(epoch, 2);
    assert_int_equal(r.t->epoch, 2);
    assert_memory_equal(r.t->model->params, checkpointed, bytes);
    free(checkpointed);
    assert_int_equal(results_finish(res, "completed", r.t->model, 1, NULL, &e), 0);
    char final[512];
    snprintf(final, sizeof final, "%s/runs/%s.h5", dir, id);
    hid_t f = H5Fopen(final, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hsize_t rows;
    assert_int_equal(H5LTget_dataset_info(f, "/metrics/epoch", &rows, NULL, NULL), 0);
    assert_int_equal(rows, 2);
    H5G_info_t info;
    assert_true(H5Gget_info_by_name(f, "samples", &info, H5P_DEFAULT) >= 0);
    assert_int_equal(info.nlinks, 2);
    H5Fclose(f);
    support_rmtree(dir);
    free_run(&r);
}

static long long attr_ll(hid_t f, const char *name)
{
    long long v = -1;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0);
    H5Aclose(a);
    return v;
}

static void attr_string(hid_t f, const char *obj, const char *name, char *out, size_t n)
{
    hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *v = NULL;
    assert_true(H5Aread(a, t, &v) >= 0);
    snprintf(out, n, "%s", v);
    H5free_memory(v);
    H5Tclose(t);
    H5Aclose(a);
}

static void dims_of(hid_t f, const char *name, int rank, hsize_t d0, hsize_t d1)
{
    int r;
    hsize_t dims[2] = {0, 0};
    if (H5LTget_dataset_ndims(f, name, &r) < 0)
        fail_msg("missing dataset %s", name);
    assert_int_equal(r, rank);
    assert_true(H5LTget_dataset_info(f, name, dims, NULL, NULL) >= 0);
    if (dims[0] != d0 || (rank == 2 && dims[1] != d1))
        fail_msg("%s has shape (%llu, %llu)", name, (unsigned long long)dims[0],
                 (unsigned long long)dims[1]);
}

/* Writes a run file as runner train does and checks it against SPEC.md;
 * then the stored weights, loaded into a fresh model, give the stored final
 * validation perplexity exactly. */
static void test_run_file_layout_and_reload(void **state)
{
    (void)state;
    struct run r;
    struct err e;
    train_all(&r, "generate: {prefixes: [\"the \"], length: 10}\n", 1, NULL);
    char *text = config_emit(&r.cfg), id[13];
    assert_int_equal(config_run_id(&r.cfg, id), 0);
    struct results *res;
    assert_int_equal(results_create(r.cfg.output.dir, id, text, r.cfg.seed,
                                    r.data->vocab, r.t->model->nparams, &res, &e), 0);
    char part[600], final[512];
    snprintf(final, sizeof final, "%s/out/runs/%s.h5", support_dir(), id);
    snprintf(part, sizeof part, "%s.part", final);
    assert_string_equal(results_path(res), final);
    for (int i = 0; i < 8; i++)
        assert_int_equal(results_append_epoch(res, &r.m[i], &e), 0);
    /* flushed per epoch: another process (h5dump, from hdf5-tools) reads the
     * metrics while the writer still has the file open */
    char cmd[900];
    snprintf(cmd, sizeof cmd, "HDF5_USE_FILE_LOCKING=FALSE h5dump -H -d "
             "/metrics/train_ppl '%s' | grep -q 'SIMPLE { ( 8 )'", part);
    assert_int_equal(system(cmd), 0);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f;
    struct rng g;
    rng_seed(&g, 1, 3);
    char *sample;
    size_t unknown;
    assert_int_equal(generate_text(r.t->model, r.data->vocab, &r.cfg.dataset, "the ",
                                   &r.cfg.generate, &g, &sample, &unknown, &e), 0);
    assert_int_equal(unknown, 0);
    assert_int_equal(count_char_tokens(sample), 4 + 10); /* prefix + length */
    assert_int_equal(results_add_sample(res, 8, "the ", sample, &e), 0);
    assert_int_equal(results_finish(res, "completed", r.t->model, 1.5, NULL, &e), 0);
    assert_true(access(part, F_OK) != 0); /* renamed */

    f = H5Fopen(final, H5F_ACC_RDONLY, fapl);
    assert_true(f >= 0);
    char s[4096];
    attr_string(f, "/", "run_id", s, sizeof s);
    assert_string_equal(s, id);
    attr_string(f, "/", "status", s, sizeof s);
    assert_string_equal(s, "completed");
    attr_string(f, "/", "config", s, sizeof s);
    assert_string_equal(s, text);
    const char *names[] = {"runner_version", "started", "finished"};
    for (int i = 0; i < 3; i++)
        attr_string(f, "/", names[i], s, sizeof s);
    assert_int_equal(attr_ll(f, "seed"), 3);
    assert_int_equal(attr_ll(f, "vocab_size"), 28);
    assert_int_equal(attr_ll(f, "num_params"), (long long)r.t->model->nparams);
    double wall;
    assert_true(H5LTget_attribute_double(f, "/", "wall_seconds", &wall) >= 0);
    assert_true(wall == 1.5);
    const char *metrics[] = {"epoch", "train_ppl", "valid_ppl", "test_ppl",
                             "tokens_per_s", "seconds", "lr", "grad_norm"};
    for (int i = 0; i < 8; i++) {
        char name[64];
        snprintf(name, sizeof name, "/metrics/%s", metrics[i]);
        dims_of(f, name, 1, 8, 0);
    }
    int epochs[8];
    double valid[8];
    assert_true(H5LTread_dataset_int(f, "/metrics/epoch", epochs) >= 0);
    assert_true(H5LTread_dataset_double(f, "/metrics/valid_ppl", valid) >= 0);
    assert_int_equal(epochs[7], 8);
    assert_true(isnan(valid[0]) && valid[7] == r.m[7].valid_ppl);
    dims_of(f, "/vocab", 1, 28, 0);
    dims_of(f, "/weights/rnn.weight_ih_l0", 2, 96, 28);
    dims_of(f, "/weights/rnn.weight_hh_l0", 2, 96, 32);
    dims_of(f, "/weights/rnn.bias_ih_l0", 1, 96, 0);
    dims_of(f, "/weights/dense.weight", 2, 28, 32);
    dims_of(f, "/weights/dense.bias", 1, 28, 0);
    attr_string(f, "/samples/0", "prefix", s, sizeof s);
    assert_string_equal(s, "the ");
    H5Fclose(f);
    H5Pclose(fapl);

    /* reload: config text, vocabulary and weights rebuild the same model */
    char *stored;
    struct vocab *v;
    assert_int_equal(results_read_config(final, &stored, &e), 0);
    assert_string_equal(stored, text);
    assert_int_equal(results_read_vocab(final, &v, &e), 0);
    assert_int_equal(vocab_size(v), 28);
    assert_string_equal(vocab_token(v, 2), vocab_token(r.data->vocab, 2));
    struct trainer *t2;
    assert_int_equal(trainer_create(&r.cfg, r.data, &t2, &e), 0);
    assert_int_equal(results_load_weights(final, t2->model, &e), 0);
    double again = trainer_evaluate(t2, &r.data->valid);
    assert_memory_equal(&again, &r.m[7].valid_ppl, sizeof again);
    double train_a = trainer_evaluate(r.t, &r.data->train);
    double train_b = trainer_evaluate(t2, &r.data->train);
    assert_memory_equal(&train_a, &train_b, sizeof train_a);
    trainer_free(t2);
    vocab_free(v);
    mem_free(stored);
    mem_free(sample);
    mem_free(text);
    free_run(&r);
}

static void test_results_errors(void **state)
{
    (void)state;
    struct err e;
    struct results *res;
    struct vocab *v;
    const char *tokens[] = {"<unk>", "a"};
    assert_int_equal(vocab_from_list(&v, tokens, 2, &e), 0);
    char blocked[128];
    snprintf(blocked, sizeof blocked, "%s/file", support_dir());
    support_write_text(blocked, "not a folder");
    char out[160];
    snprintf(out, sizeof out, "%s/file/sub", support_dir());
    assert_int_equal(results_create(out, "abc", "x: 1\n", 0, v, 1, &res, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot create results folder"));
    char *text;
    assert_int_equal(results_read_config(blocked, &text, &e), ERR_IO);
    assert_string_equal(e.msg, "not a readable HDF5 run file");
    vocab_free(v);
}

/* A model whose logits are log p whatever the input: its decoder weight is
 * zero and its bias log p. */
static struct model *fixed_distribution(const double *p, size_t V)
{
    struct model_spec s = {.cell = CELL_RNN_TANH, .V = V, .H = 2, .L = 1};
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, 1, 1, 0, &m, &e), 0);
    for (size_t j = 0; j < V; j++)
        m->dec_b[j] = (real)log(p[j]);
    return m;
}

static void test_generation_strategies(void **state)
{
    (void)state;
    const double p[4] = {0.1, 0.2, 0.3, 0.4};
    const char *tokens[] = {"<unk>", "a", "b", "c"};
    struct vocab *v;
    struct err e;
    assert_int_equal(vocab_from_list(&v, tokens, 4, &e), 0);
    struct model *m = fixed_distribution(p, 4);
    const struct dataset_config chars = {.name = DATASET_TEXT, .tokens = TOKENS_CHAR};
    const struct dataset_config words = {.name = DATASET_TEXT, .tokens = TOKENS_WORD};
    struct generate_config g = {.length = 20000, .strategy = GEN_GREEDY,
                                .temperature = 1, .alpha = 1};
    struct rng rng;
    rng_seed(&rng, 5, 3);
    char *text;
    size_t unknown;
    assert_int_equal(generate_text(m, v, &chars, "ab", &g, &rng, &text,
                                   &unknown, &e), 0);
    assert_int_equal(strlen(text), 20002);
    assert_true(text[2] == 'c' && text[19999] == 'c'); /* argmax */
    mem_free(text);
    /* sampling: frequencies follow p; alpha 2 follows p^2 / sum p^2 */
    for (int alpha = 1; alpha <= 2; alpha++) {
        g.strategy = GEN_SAMPLE;
        g.alpha = alpha;
        assert_int_equal(generate_text(m, v, &chars, "a", &g, &rng, &text,
                                       &unknown, &e), 0);
        double count[4] = {0}, norm = 0, total = 0;
        for (const char *c = text + 1; *c; total++) {
            int unk = strncmp(c, "<unk>", 5) == 0;
            count[unk ? 0 : *c - 'a' + 1]++;
            c += unk ? 5 : 1;
        }
        assert_true(total == 20000);
        for (int j = 0; j < 4; j++)
            norm += pow(p[j], alpha);
        for (int j = 0; j < 4; j++) { /* 5 standard errors at most */
            double want = pow(p[j], alpha) / norm;
            double se = sqrt(want * (1 - want) / 20000);
            if (fabs(count[j] / 20000 - want) > 5 * se)
                fail_msg("alpha %d: token %d drawn %.4f, expected %.4f", alpha, j,
                         count[j] / 20000, want);
        }
        mem_free(text);
    }
    /* the same seed gives the same text; prefix tokens not in the vocabulary
     * are counted and read as <unk>; word tokens join with spaces */
    char *t1, *t2;
    struct rng r1, r2;
    rng_seed(&r1, 9, 3);
    rng_seed(&r2, 9, 3);
    g.length = 5;
    assert_int_equal(generate_text(m, v, &words, "a  zz b", &g, &r1, &t1,
                                   &unknown, &e), 0);
    assert_int_equal(unknown, 1);
    assert_int_equal(generate_text(m, v, &words, "a  zz b", &g, &r2, &t2,
                                   &unknown, &e), 0);
    assert_string_equal(t1, t2);
    assert_memory_equal(t1, "a <unk> b ", 10);
    assert_int_equal(strlen(t1), 10 + 5 * 2 - 1);
    mem_free(t1);
    mem_free(t2);
    assert_int_equal(generate_text(m, v, &words, "   ", &g, &r1, &t1,
                                   &unknown, &e), ERR_USAGE);
    assert_string_equal(e.msg, "generate: the prefix has no tokens");
    /* the prefix is cleaned by the dataset's recipe: timemachine lowercases
     * and reads every run of non-letters as one space; text keeps it */
    const struct dataset_config book = {.name = DATASET_TIMEMACHINE,
                                        .tokens = TOKENS_WORD};
    assert_int_equal(generate_text(m, v, &book, "A,  B!", &g, &r1, &t1,
                                   &unknown, &e), 0);
    assert_int_equal(unknown, 0);
    assert_memory_equal(t1, "a b ", 4);
    mem_free(t1);
    assert_int_equal(generate_text(m, v, &words, "A,  B!", &g, &r1, &t1,
                                   &unknown, &e), 0);
    assert_int_equal(unknown, 2);
    mem_free(t1);
    model_free(m);
    vocab_free(v);
}

/* train.bptt in the trainer: randomized with pi = 1 is truncated bit for
 * bit; its factors are 1/pi with probability pi, else 0; full takes one
 * optimizer step an epoch and learns; a full epoch too big for memory is
 * refused with the numbers. (The gradients themselves: test_gradbptt.) */
static void test_bptt_variants(void **state)
{
    (void)state;
    struct run a, b;
    train_all(&a, "", 1, "train.epochs=3");
    train_all(&b, "", 1, "train={epochs: 3, eval_every: 4, threads: 1, bptt: randomized, "
                         "bptt_keep: 1}");
    assert_int_equal(a.epochs, 3);
    assert_int_equal(b.epochs, 3);
    assert_memory_equal(a.t->model->params, b.t->model->params,
                        a.t->model->nparams * sizeof(real));
    free_run(&b);
    /* the factors drawn for a step */
    memset(&b, 0, sizeof b);
    tiny_config(&b.cfg, "", 1, "train={epochs: 1, threads: 1, bptt: randomized, "
                               "bptt_keep: 0.3}");
    struct err e;
    assert_int_equal(dataset_load(&b.cfg.dataset, RNNLAB_DATA_DIR, &b.data, &e), 0);
    assert_int_equal(trainer_create(&b.cfg, b.data, &b.t, &e), 0);
    size_t kept = 0, drawn = 0;
    for (int epoch = 0; epoch < 100; epoch++) {
        sampler_begin_epoch(b.t->sampler);
        while (trainer_next_batch(b.t))
            for (size_t i = 0; i < b.t->sampler->T; i++, drawn++) {
                real x = b.t->xi[i];
                assert_true(x == 0 || x == (real)(1 / 0.3));
                kept += x != 0;
            }
    }
    double p = (double)kept / (double)drawn, se = sqrt(0.3 * 0.7 / (double)drawn);
    assert_true(drawn > 1000 && fabs(p - 0.3) < 5 * se);
    free_run(&b);
    /* full: one step an epoch over the whole epoch's sequence */
    train_all(&b, "", 1, "train={epochs: 6, eval_every: 6, threads: 1, bptt: full}");
    assert_int_equal(b.epochs, 6);
    assert_int_equal(b.t->opt->t, 6);
    assert_true(b.t->steps == b.t->sampler->num_batches * b.t->sampler->T);
    assert_true(b.m[5].train_ppl < b.m[0].train_ppl);
    free_run(&b);
    free_run(&a);
    /* PTB's 929589 training tokens in one sequence per row */
    struct config c;
    char path[128];
    snprintf(path, sizeof path, "%s/full.yaml", support_dir());
    support_write_text(path, "dataset: {name: ptb, tokens: word}\n"
                             "sampler: {kind: sequential, batch_size: 20, num_steps: 35}\n"
                             "model: {cell: lstm, hidden: 200, input: embedding}\n"
                             "train: {bptt: full}\n");
    struct dataset *d;
    struct trainer *t;
    assert_int_equal(config_load(&c, path, 0, NULL, &e), 0);
    assert_int_equal(dataset_load(&c.dataset, RNNLAB_DATA_DIR, &d, &e), 0);
    assert_int_equal(trainer_create(&c, d, &t, &e), ERR_CONFIG);
    assert_non_null(strstr(e.msg, "train.bptt: full backpropagates through the whole "
                                  "epoch (20 x 46445 tokens), whose activations need "));
    assert_non_null(strstr(e.msg, "above the limit of 4 GiB"));
    dataset_free(d);
    config_free(&c);
}

/* ---- regression (d2l 8.1) -------------------------------------------- */

/* d2l 8.1's setting with an RNN: tau 4, batch 16, Adam lr 0.01. */
static void regression_run(struct run *r, int threads, const char *override,
                           long epochs)
{
    char text[1024];
    snprintf(text, sizeof text,
             "seed: 0\n"
             "dataset: {name: sine}\n"
             "model: {head: regression, cell: rnn_tanh, hidden: 10}\n"
             "sampler: {batch_size: 16}\n"
             "optimizer: {kind: adam, lr: 0.01}\n"
             "train: {epochs: %ld, threads: %d}\n"
             "output: {dir: %s/out}\n", epochs, threads, support_dir());
    memset(r, 0, sizeof *r);
    load_text(&r->cfg, "sine.yaml", text, override);
    train_loaded(r);
}

static void test_sine_series(void **state)
{
    (void)state;
    struct run r;
    regression_run(&r, 1, NULL, 1);
    const struct dataset *d = r.data;
    assert_null(d->vocab);
    assert_int_equal(d->series_n, 1000);
    assert_int_equal(sine_examples(d), 996);
    /* the noise around sin(0.01 t): mean 0, variance 0.04 (its standard
     * error over 1000 draws is 0.0018) */
    double sum = 0, sq = 0;
    for (size_t i = 0; i < d->series_n; i++) {
        double noise = d->series[i] - sin(0.01 * (double)(i + 1));
        sum += noise;
        sq += noise * noise;
    }
    double mean = sum / 1000, var = sq / 1000 - mean * mean;
    assert_true(fabs(mean) < 5 * 0.2 / sqrt(1000.0));
    assert_true(fabs(var - 0.04) < 5 * 0.0018);
    real x[4], y;
    sine_example(d, 10, x, &y);
    assert_true(x[0] == d->series[10] && x[3] == d->series[13] && y == d->series[14]);
    /* another seed, another series; the same seed, the same bits */
    struct run o, same;
    regression_run(&o, 1, "seed=1", 1);
    regression_run(&same, 1, NULL, 1);
    assert_true(memcmp(o.data->series, d->series, 1000 * sizeof(real)) != 0);
    assert_memory_equal(same.data->series, d->series, 1000 * sizeof(real));
    free_run(&o);
    free_run(&same);
    free_run(&r);
}

static void test_regression_trains(void **state)
{
    (void)state;
    struct run a, b;
    regression_run(&a, 1, NULL, 5);
    assert_int_equal(a.status, TRAIN_OK);
    assert_int_equal(a.epochs, 5);
    /* 600 examples in batches of 16: 37 full and one of 8, each a step */
    assert_int_equal(a.t->opt->t, 5 * 38);
    const struct epoch_metrics *last = &a.m[4];
    /* the noise variance 0.04 is the floor; d2l's MLP reaches 0.0487 */
    assert_true(last->train_mse > 0.035 && last->train_mse < 0.07);
    assert_true(last->valid_mse > 0.035 && last->valid_mse < 0.08);
    assert_true(isnan(last->train_ppl) && isnan(last->valid_ppl));
    /* the 1-step prediction of every validation target is valid_mse, and
     * feeding predictions back degrades them (d2l 8.1) */
    assert_true(fabs(last->kstep_mse[0] - last->valid_mse) < 1e-6 * last->valid_mse);
    assert_true(last->kstep_mse[3] > 2 * last->kstep_mse[0]);
    /* the same bits on two threads (two gradient shards either way) */
    regression_run(&b, 2, NULL, 5);
    for (int i = 0; i < 5; i++)
        assert_memory_equal(&a.m[i].train_mse, &b.m[i].train_mse, sizeof(double));
    assert_memory_equal(a.t->model->params, b.t->model->params,
                        a.t->model->nparams * sizeof(real));
    free_run(&b);
    /* the checkpoint's blocks carry a regression run: 2 epochs, restored
     * into a fresh trainer, 3 more equal the straight 5 */
    regression_run(&b, 1, "train.epochs=2", 2);
    struct state_block from[TRAIN_STATE_BLOCKS], to[TRAIN_STATE_BLOCKS];
    size_t n = trainer_state_blocks(b.t, from);
    struct trainer *t;
    struct err e;
    assert_int_equal(trainer_create(&a.cfg, b.data, &t, &e), 0);
    assert_int_equal(trainer_state_blocks(t, to), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(to[i].bytes, from[i].bytes);
        memcpy(to[i].data, from[i].data, from[i].bytes);
    }
    struct epoch_metrics m;
    for (int i = 2; i < 5; i++) {
        assert_int_equal(trainer_epoch(t, &m, NULL, NULL), TRAIN_OK);
        assert_memory_equal(&m.train_mse, &a.m[i].train_mse, sizeof(double));
    }
    assert_memory_equal(t->model->params, a.t->model->params,
                        t->model->nparams * sizeof(real));
    trainer_free(t);
    free_run(&b);
    free_run(&a);
}

static void test_regression_divergence(void **state)
{
    (void)state;
    struct run r;
    regression_run(&r, 1, "train.max_mse=0.001", 3);
    assert_int_equal(r.status, TRAIN_DIVERGED);
    assert_int_equal(r.epochs, 0);
    assert_non_null(strstr(r.t->diverged_why, "training MSE"));
    assert_non_null(strstr(r.t->diverged_why, "in epoch 1"));
    free_run(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_falls_and_runs_repeat_exactly),
        cmocka_unit_test(test_threads_change_no_number),
        cmocka_unit_test(test_threads_share_weight_gradients),
        cmocka_unit_test(test_state_carried_across_epochs),
        cmocka_unit_test(test_resume_is_bit_identical),
        cmocka_unit_test(test_damaged_checkpoints_are_refused),
        cmocka_unit_test(test_damaged_run_file_resumes_from_checkpoint),
        cmocka_unit_test(test_step_allocates_nothing),
        cmocka_unit_test(test_step_gradient_is_its_batch),
        cmocka_unit_test(test_sparse_update_changes_no_bit),
        cmocka_unit_test(test_sparse_update_splits_work_evenly),
        cmocka_unit_test(test_sparse_update_only_for_plain_sgd),
        cmocka_unit_test(test_divergence_is_detected),
        cmocka_unit_test(test_run_file_layout_and_reload),
        cmocka_unit_test(test_results_errors),
        cmocka_unit_test(test_generation_strategies),
        cmocka_unit_test(test_bptt_variants),
        cmocka_unit_test(test_sine_series),
        cmocka_unit_test(test_regression_trains),
        cmocka_unit_test(test_regression_divergence),
    };
    return cmocka_run_group_tests(tests, setup, support_dir_teardown);
}
