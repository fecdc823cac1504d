/* Checks the model against PyTorch: the files in tests/fixtures hold weights,
 * inputs, logits, loss and every gradient computed by torch.nn modules
 * (scripts/make_reference.py). Logits, loss and gradients must agree to
 * 1e-5, relative to the largest magnitude of each tensor. Every cell kind has
 * four cases: one-hot, embedding, tied decoder, and the regression head. */
#include "support.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>

#include "mem.h"
#include "model.h"

#define FIXTURES RNNLAB_DATA_DIR "/../tests/fixtures"
#define TOL 1e-5

#ifdef RNNLAB_DOUBLE
#define NATIVE_REAL H5T_NATIVE_DOUBLE
#else
#define NATIVE_REAL H5T_NATIVE_FLOAT
#endif

static int attr(hid_t f, const char *name)
{
    int v;
    assert_true(H5LTget_attribute_int(f, "/", name, &v) >= 0);
    return v;
}

static void read_doubles(hid_t f, const char *name, double *out)
{
    if (H5LTread_dataset_double(f, name, out) < 0)
        fail_msg("cannot read %s", name);
}

/* Largest |a - b| over n values, relative to the largest |b| (at least 1e-3
 * so that an all-but-zero gradient is compared absolutely). */
static double relative_error(const real *a, const double *b, size_t n)
{
    double worst = 0, scale = 1e-3;
    for (size_t i = 0; i < n; i++)
        scale = fabs(b[i]) > scale ? fabs(b[i]) : scale;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        worst = d > worst ? d : worst;
    }
    return worst / scale;
}

static void check_close(const char *file, const char *what, const real *a,
                        const double *b, size_t n)
{
    double err = relative_error(a, b, n);
    if (!(err <= TOL))
        fail_msg("%s: %s differs from PyTorch by %.3g (relative)", file, what, err);
}

static void run_case(const char *cell_name, int cell, const char *shape)
{
    char path[512];
    snprintf(path, sizeof path, FIXTURES "/%s_%s.h5", cell_name, shape);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        fail_msg("cannot open fixture %s", path);
    struct model_spec s = {
        .cell = cell, .V = (size_t)attr(f, "V"), .E = (size_t)attr(f, "E"),
        .H = (size_t)attr(f, "H"), .L = (size_t)attr(f, "L"),
        .embedding = attr(f, "embedding"), .tie = attr(f, "tie"),
        .regression = H5LTfind_attribute(f, "regression") == 1 &&
                      attr(f, "regression"),
    };
    size_t B = (size_t)attr(f, "B"), T = (size_t)attr(f, "T");
    struct model *m;
    struct err e;
    assert_int_equal(model_create(&s, B, T, 1, &m, &e), 0);
    size_t big = s.V * s.V * 8 + 4 * s.H * (s.V + s.H) * 8 + 4096;
    real *buf = mem_alloc(big * sizeof *buf);
    double *ref = mem_alloc(big * sizeof *ref);
    assert_non_null(buf);
    assert_non_null(ref);
    char name[128];
    for (size_t i = 0; i < m->ntensors; i++) {
        const struct model_tensor *t = &m->tensors[i];
        snprintf(name, sizeof name, "/weights/%s", t->name);
        assert_true(H5LTread_dataset(f, name, NATIVE_REAL, buf) >= 0);
        if (!t->alias)
            model_set_tensor(m, t, buf);
    }
    size_t state = s.L * B * s.H; /* model_state_size / 2: Bmax = B */
    real *h0 = mem_calloc(2 * state, sizeof *h0);
    assert_non_null(h0);
    assert_true(H5LTread_dataset(f, "/h0", NATIVE_REAL, h0) >= 0);
    if (cell == CELL_LSTM)
        assert_true(H5LTread_dataset(f, "/c0", NATIVE_REAL, h0 + state) >= 0);
    int32_t X[64], Y[64];
    real Xr[64], Yr[64];
    if (s.regression) {
        assert_true(H5LTread_dataset(f, "/X", NATIVE_REAL, Xr) >= 0);
        assert_true(H5LTread_dataset(f, "/Y", NATIVE_REAL, Yr) >= 0);
        model_forward_values(m, h0, Xr, B, T, 0);
    } else {
        assert_true(H5LTread_dataset_int(f, "/X", X) >= 0);
        assert_true(H5LTread_dataset_int(f, "/Y", Y) >= 0);
        model_forward(m, h0, X, B, T, 0);
    }
    /* the fixture's logits are (T*B, V); ours vocabulary-major (V, T*B) */
    read_doubles(f, "/logits", ref);
    for (size_t r = 0; r < T * B; r++)
        for (size_t v = 0; v < s.V; v++)
            buf[r * s.V + v] = m->logits[v * T * B + r];
    check_close(path, "logits", buf, ref, T * B * s.V);
    /* zeroed before the loss, as training does: the loss sums the decoder
     * bias's gradient (test_gradcheck zeroes between them instead) */
    model_zero_grad(m);
    double loss = s.regression ? model_loss_mse(m, Yr, 1) : model_loss(m, Y, 1);
    double ref_loss;
    read_doubles(f, "/loss", &ref_loss);
    if (fabs(loss - ref_loss) > TOL * fabs(ref_loss))
        fail_msg("%s: loss %.9g, PyTorch %.9g", path, loss, ref_loss);
    model_backward(m);
    for (size_t i = 0; i < m->ntensors; i++) {
        const struct model_tensor *t = &m->tensors[i];
        snprintf(name, sizeof name, "/grads/%s", t->name);
        read_doubles(f, name, ref);
        /* gradients in PyTorch's layout: read them through a temporary
         * model whose parameters are the gradient block */
        real *saved = m->params;
        m->params = m->grads;
        model_get_tensor(m, t, buf);
        m->params = saved;
        check_close(path, t->name, buf, ref, t->rows * t->cols);
    }
    read_doubles(f, "/dh0", ref);
    check_close(path, "dh0", m->dstate_h, ref, state);
    if (cell == CELL_LSTM) {
        read_doubles(f, "/dc0", ref);
        check_close(path, "dc0", m->dstate_c, ref, state);
    }
    mem_free(h0);
    mem_free(buf);
    mem_free(ref);
    model_free(m);
    H5Fclose(f);
}

static void run_cell(const char *name, int cell)
{
    run_case(name, cell, "onehot");
    run_case(name, cell, "embedding");
    run_case(name, cell, "tied");
    run_case(name, cell, "regression");
}

static void test_rnn_tanh(void **state) { (void)state; run_cell("rnn_tanh", CELL_RNN_TANH); }
static void test_rnn_relu(void **state) { (void)state; run_cell("rnn_relu", CELL_RNN_RELU); }
static void test_lstm(void **state) { (void)state; run_cell("lstm", CELL_LSTM); }
static void test_gru(void **state) { (void)state; run_cell("gru", CELL_GRU); }

int main(void)
{
    H5Eset_auto(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn_tanh),
        cmocka_unit_test(test_rnn_relu),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
