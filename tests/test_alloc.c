/* A training step allocates nothing, counted where it cannot be missed:
 * this binary replaces the allocator's entry points themselves
 * (alloc_count.h: every library's calls come here, OpenBLAS's and the
 * thread pool's included),
 * and counts the calls made during steps on 1 and 2 threads, after a few
 * warm-up steps (OpenBLAS sizes its buffers on first use). Under
 * AddressSanitizer, which owns malloc, the count is skipped with a message.
 * Nor does a step fault a page in (getrusage's minor faults).
 */
#include "support.h"

#include <sys/resource.h>

#include "dataset.h"
#include "stepgemm.h"
#include "train.h"

#include "alloc_count.h"

static void next_batch(struct trainer *t)
{
    if (!sampler_next(t->sampler, t->X, t->Y)) {
        sampler_begin_epoch(t->sampler);
        trainer_begin_state(t);
        assert_int_equal(sampler_next(t->sampler, t->X, t->Y), 1);
    }
}

/* A trainer on a config written to a scratch folder (its output too),
 * warmed up by `warm` steps at rate lr */
struct scratch {
    char dir[64];
    struct config cfg;
    struct dataset *d;
    struct trainer *t;
};

static void scratch_step(struct scratch *b, double lr)
{
    double loss, norm;
    next_batch(b->t);
    assert_int_equal(trainer_step(b->t, lr, &loss, &norm), TRAIN_OK);
}

static void scratch_open(struct scratch *b, const char *yaml, int warm, double lr)
{
    char path[128], text[640];
    support_tmpdir(b->dir, sizeof b->dir);
    snprintf(path, sizeof path, "%s/c.yaml", b->dir);
    snprintf(text, sizeof text, "%soutput: {dir: %s/out}\n", yaml, b->dir);
    support_write_text(path, text);
    struct err e;
    b->d = NULL;
    b->t = NULL;
    assert_int_equal(config_load(&b->cfg, path, 0, NULL, &e), 0);
    assert_int_equal(dataset_load(&b->cfg.dataset, RNNLAB_DATA_DIR, &b->d, &e), 0);
    assert_int_equal(trainer_create(&b->cfg, b->d, &b->t, &e), 0);
    sampler_begin_epoch(b->t->sampler);
    trainer_begin_state(b->t);
    for (int i = 0; i < warm; i++)
        scratch_step(b, lr);
}

static void scratch_close(struct scratch *b)
{
    trainer_free(b->t);
    dataset_free(b->d);
    config_free(&b->cfg);
    support_rmtree(b->dir);
}

/* Steps of a 2-layer `cell` of `hidden` units with dropout and embedding
 * input (every buffer kind) on `threads` threads: no allocation call at all
 * once warm. Batches of 32 put 16 rows on each of the 2 shards, so a hidden
 * of 256 makes per-step products that stepgemm and libxsmm take. */
static void steps_allocate_nothing(int threads, const char *cell, int hidden)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "dataset: {name: timemachine, max_tokens: 3000}\n"
             "sampler: {batch_size: %d, num_steps: 10}\n"
             "model: {cell: %s, hidden: %d, layers: 2, dropout: 0.2, input: embedding}\n"
             "optimizer: {kind: adam, lr: 0.01}\n"
             "clip: {max_norm: 1}\n"
             "train: {threads: %d, grad_shards: 2}\n", hidden > 16 ? 32 : 8, cell,
             hidden, threads);
    struct scratch b;
    scratch_open(&b, yaml, 3, 0.01);
    assert_int_equal(b.t->nthreads, (size_t)threads);
#if ALLOC_COUNTING
    long before = alloc_count_allocations() + alloc_count_frees();
    for (int i = 0; i < 20; i++)
        scratch_step(&b, 0.01);
    long during = alloc_count_allocations() + alloc_count_frees() - before;
    if (during != 0)
        fail_msg("%s %d, %d thread(s): %ld allocation call(s) in 20 steps", cell, hidden,
                 threads, during);
    /* the counter counts: a step that allocated would be caught */
    before = alloc_count_allocations() + alloc_count_frees();
    void *volatile probe = malloc(16); /* volatile: the pair is not elided */
    free(probe);
    void *aligned = NULL;
    assert_int_equal(posix_memalign(&aligned, 64, 64), 0);
    free(aligned);
    assert_int_equal(alloc_count_allocations() + alloc_count_frees() - before, 4);
#else
    print_message("test_alloc: under AddressSanitizer malloc is not ours to count\n");
#endif
    scratch_close(&b);
}

static void test_one_thread(void **state)
{
    (void)state;
    steps_allocate_nothing(1, "lstm", 16);
    steps_allocate_nothing(1, "gru", 16);
    steps_allocate_nothing(1, "rnn_tanh", 256);
}

static void test_two_threads(void **state)
{
    (void)state;
    steps_allocate_nothing(2, "lstm", 16);
    steps_allocate_nothing(2, "rnn_tanh", 16);
    steps_allocate_nothing(2, "lstm", 256);
    steps_allocate_nothing(2, "rnn_tanh", 256);
}

static long minor_faults(void)
{
    struct rusage u;
    assert_int_equal(getrusage(RUSAGE_SELF, &u), 0);
    return u.ru_minflt;
}

/* Nor does a step map memory: PTB's embedding gradient rows are first
 * written when a batch first holds the word, and were they left to
 * calloc's lazy mapping each new page would fault there (model_build
 * writes them at creation; without that, 842 faults in these 30 steps).
 * The sparse SGD path, which visits only the touched rows, on two
 * threads. */
static void test_no_page_fault_in_a_step(void **state)
{
    (void)state;
#ifdef M_MMAP_THRESHOLD
    /* every block of 64 KB or more freshly mapped, as in a process that
     * trains once: glibc would otherwise hand out memory that earlier
     * tests in this binary freed, its pages mapped already */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
#endif
    struct scratch b;
    scratch_open(&b,
               "dataset: {name: ptb}\n"
               "sampler: {batch_size: 20, num_steps: 20}\n"
               "model: {cell: lstm, hidden: 16, input: embedding, embed_dim: 200}\n"
               "optimizer: {kind: sgd, lr: 1}\n"
               "train: {threads: 2, grad_shards: 2}\n", 3, 1);
    long before = minor_faults();
    for (int i = 0; i < 30; i++)
        scratch_step(&b, 1);
    long during = minor_faults() - before;
    if (during > 2)
        fail_msg("%ld page faults in 30 steps of PTB's embedding", during);
    scratch_close(&b);
}

/* libxsmm compiles a kernel the first time a step meets a shape (an
 * evaluation batch's rows, a regression run's short last batch): that
 * compile must not call the allocator either (it maps its code pages).
 * Shapes no other test uses, so their kernels are compiled here. */
static void test_first_kernel_of_a_shape(void **state)
{
    (void)state;
    enum { M = 37, N = 53, K = 29 };
    static real A[M * K], W[K * N], C[M * N];
    for (int i = 0; i < M * K; i++)
        A[i] = (real)(i % 7) - 3;
    for (int i = 0; i < K * N; i++)
        W[i] = (real)(i % 5) - 2;
    /* libxsmm sets itself up at its first call (a trainer's first step
     * does): another shape first */
    stepgemm_xsmm_add(M - 1, N, K, A, W, C);
    memset(C, 0, sizeof C);
    long before = alloc_count_allocations() + alloc_count_frees();
    int served = stepgemm_xsmm_add(M, N, K, A, W, C);
    long during = alloc_count_allocations() + alloc_count_frees() - before;
#if ALLOC_COUNTING
    if (during != 0)
        fail_msg("libxsmm's first kernel of a shape: %ld allocation call(s)", during);
#else
    (void)during; /* ASan owns malloc: nothing counted */
#endif
    if (!served) {
        print_message("test_alloc: libxsmm has no kernel here (double build or its CPU)\n");
        return;
    }
    /* the kernel ran: one element checked, C started at zero */
    real want = 0;
    for (int k = 0; k < K; k++)
        want += A[5 * K + k] * W[k * N + 11];
    assert_float_equal(C[5 * N + 11], want, 1e-4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_kernel_of_a_shape),
        cmocka_unit_test(test_one_thread),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_no_page_fault_in_a_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
