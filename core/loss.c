/* loss: see loss.h. The logits are vocabulary-major, so every pass walks
 * whole rows (one word's logits over a block of examples) with each
 * example's running max and sum in a short array beside it: the loops
 * vectorise across examples, no horizontal reduction, and each example's
 * sums run over the vocabulary in order, whatever the vector width. */
#include "loss.h"

#include <math.h>
#include <string.h>

#define LANES 8    /* a row's sum for the bias gradient: fixed lanes */
#define COLUMNS 256 /* examples per block: their max and sums on the stack */

/* max_r over the V rows of x (stride N) for the n examples of the block;
 * a NaN is never chosen, but makes its example's sum NaN below. */
RNNLAB_KERNEL
static void column_max(const real *restrict x, size_t V, size_t N, size_t n,
                       real *restrict max)
{
    for (size_t r = 0; r < n; r++)
        max[r] = x[r];
    for (size_t v = 1; v < V; v++) {
        const real *row = x + v * N;
        for (size_t r = 0; r < n; r++)
            max[r] = row[r] > max[r] ? row[r] : max[r];
    }
}

/* x <- exp(x - max_r); sum_r = the example's exponentials, in double,
 * words in order. */
RNNLAB_KERNEL
static void column_exp_sum(real *restrict x, size_t V, size_t N, size_t n,
                           const real *restrict max, double *restrict sum)
{
    for (size_t r = 0; r < n; r++)
        sum[r] = 0;
    for (size_t v = 0; v < V; v++) {
        real *row = x + v * N;
        for (size_t r = 0; r < n; r++)
            row[r] = r_exp(row[r] - max[r]);
        for (size_t r = 0; r < n; r++)
            sum[r] += (double)row[r];
    }
}

/* The n reals of a row summed over LANES lanes, combined in order (inline:
 * each of column_grad's clones gets its own). */
static inline real row_sum(const real *restrict x, size_t n)
{
    real s[LANES] = {0};
    size_t r = 0;
    for (; r + LANES <= n; r += LANES)
        for (size_t k = 0; k < LANES; k++)
            s[k] += x[r + k];
    for (; r < n; r++)
        s[0] += x[r];
    real sum = 0;
    for (size_t k = 0; k < LANES; k++)
        sum += s[k];
    return sum;
}

/* The exponentials to gradients: x <- x * inv_r, less scale where v is the
 * example's target; each row's sum added to rowsum_v when given. */
RNNLAB_KERNEL
static void column_grad(real *restrict x, size_t V, size_t N, size_t n,
                        const real *restrict inv, const int32_t *restrict y,
                        real scale, real *restrict rowsum)
{
    for (size_t v = 0; v < V; v++) {
        real *row = x + v * N;
        int32_t word = (int32_t)v;
        for (size_t r = 0; r < n; r++)
            row[r] = row[r] * inv[r] - (y[r] == word ? scale : 0);
        if (rowsum)
            rowsum[v] += row_sum(row, n);
    }
}

void loss_add_row_sum(real *to, const real *x, size_t n)
{
    for (size_t r0 = 0; r0 < n; r0 += COLUMNS)
        *to += row_sum(x + r0, n - r0 < COLUMNS ? n - r0 : COLUMNS);
}

double loss_softmax_xent(real *logits, const int32_t *targets, size_t N,
                         size_t V, int grad, real *rowsum, const real *given)
{
    double total = 0;
    real scale = (real)1 / (real)N;
    real max[COLUMNS], inv[COLUMNS];
    double sum[COLUMNS], xy[COLUMNS];
    for (size_t r0 = 0; r0 < N; r0 += COLUMNS) {
        size_t n = N - r0 < COLUMNS ? N - r0 : COLUMNS;
        real *x = logits + r0;
        const int32_t *y = targets + r0;
        if (given)
            memcpy(max, given + r0, n * sizeof *max);
        else
            column_max(x, V, N, n, max);
        /* -log softmax(x)_y = log sum exp(x - max) - (x_y - max); a NaN
         * logit makes the sum NaN, so divergence is seen */
        for (size_t r = 0; r < n; r++)
            xy[r] = (double)(x[(size_t)y[r] * N + r] - max[r]);
        column_exp_sum(x, V, N, n, max, sum);
        for (size_t r = 0; r < n; r++) {
            total += log(sum[r]) - xy[r];
            /* d/dx = (softmax(x) - onehot(y)) / N */
            inv[r] = (real)(1.0 / sum[r]) * scale;
        }
        if (grad)
            column_grad(x, V, N, n, inv, y, scale, rowsum);
    }
    return total / (double)N;
}
