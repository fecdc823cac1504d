/* Tests that the model learns from context, not only from the current token.
 *
 * A broken recurrence (a state that never reaches the next step) still sees
 * the current token, so it learns a bigram model and beats a unigram one:
 * a bound against the unigram alone cannot catch it. Here the same config
 * trains twice on the same data for the same epochs, once as it is and
 * once with every rnn.weight_hh_l{k} held at zero through the trainer's
 * test-only after_step hook (for rnn_tanh that cuts h_{t-1} out of h_t
 * entirely). The real model must end clearly below the cut one, and the cut
 * one below the unigram model of the same training text (computed here),
 * which shows the cut model still trains.
 * The d2l concise RNN on The Time Machine (configs/timemachine_rnn.yaml),
 * 60 of its 500 epochs: a few seconds on two cores. Bounds are ratios of quantities
 * computed in the test, not numbers tied to one seed. */
#include "support.h"

#include <math.h>
#include <string.h>

#include "dataset.h"
#include "ngram.h"
#include "train.h"

#define EPOCHS "train.epochs=60"

/* The after_step hook: every recurrent weight matrix back to zero. */
static void cut_recurrence(struct trainer *t, void *ctx)
{
    (void)ctx;
    struct model *m = t->model;
    for (size_t i = 0; i < m->ntensors; i++) {
        const struct model_tensor *x = &m->tensors[i];
        if (strncmp(x->name, "rnn.weight_hh_l", 15) == 0)
            memset(m->params + x->offset, 0, x->rows * x->cols * sizeof(real));
    }
}

/* Trains configs/timemachine_rnn.yaml for the test's epochs; the last
 * epoch's training perplexity. *unigram: the unigram perplexity of the
 * training split. */
static double final_train_ppl(int cut, double *unigram)
{
    char *over[] = {EPOCHS, "train.eval_every=60", "generate.prefixes=[]"};
    struct config c;
    struct dataset *d = NULL;
    struct trainer *t = NULL;
    struct err e;
    if (config_load(&c, "configs/timemachine_rnn.yaml", 3, over, &e) < 0 ||
        dataset_load(&c.dataset, RNNLAB_DATA_DIR, &d, &e) < 0 ||
        trainer_create(&c, d, &t, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(config_cell_name(c.model.cell), "rnn_tanh");
    if (cut) {
        t->after_step = cut_recurrence;
        cut_recurrence(t, NULL);
    }
    struct epoch_metrics m = {0};
    for (long k = 0; k < c.train.epochs; k++)
        assert_int_equal(trainer_epoch(t, &m, NULL, NULL), TRAIN_OK);
    if (cut) { /* the hook held: nothing recurrent survived training */
        const struct model_tensor *w = model_find(t->model, "rnn.weight_hh_l0");
        assert_non_null(w);
        for (size_t i = 0; i < w->rows * w->cols; i++)
            assert_true(t->model->params[w->offset + i] == 0);
    }
    *unigram = ngram_unigram_ppl(d->train.ids, d->train.n, d->train.ids,
                                 d->train.n, vocab_size(d->vocab));
    trainer_free(t);
    dataset_free(d);
    config_free(&c);
    return m.train_ppl;
}

static void test_context_beats_a_cut_recurrence(void **state)
{
    (void)state;
    double unigram, unigram2;
    double real_ppl = final_train_ppl(0, &unigram);
    double cut_ppl = final_train_ppl(1, &unigram2);
    assert_true(unigram == unigram2);
    print_message("unigram %.3f, cut recurrence %.3f, model %.3f (%s)\n",
                  unigram, cut_ppl, real_ppl, EPOCHS);
    assert_true(isfinite(real_ppl) && isfinite(cut_ppl));
    assert_true(cut_ppl < 0.9 * unigram);
    assert_true(real_ppl < 0.8 * cut_ppl);
}

/* The unigram floor itself, on a corpus whose value is known by hand:
 * counts a:3 b:1 over V = 3 with add-one give p = 4/7, 2/7, 1/7. */
static void test_unigram_ppl_by_hand(void **state)
{
    (void)state;
    const int32_t fit[] = {1, 1, 1, 2}, eval[] = {1, 2, 0};
    double want = exp(-(log(4.0 / 7) + log(2.0 / 7) + log(1.0 / 7)) / 3);
    assert_true(fabs(ngram_unigram_ppl(fit, 4, eval, 3, 3) - want) < 1e-12 * want);
    assert_true(isnan(ngram_unigram_ppl(fit, 4, eval, 0, 3)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unigram_ppl_by_hand),
        cmocka_unit_test(test_context_beats_a_cut_recurrence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
