/* loss: see loss.h. Each row's max and sum run over 8 independent lanes
 * (combined in a fixed order at the end) so the loops vectorise and the
 * result does not depend on the vector width. */
#include "loss.h"

#include <math.h>

#define LANES 8

RNNLAB_KERNEL
static real row_max(const real *restrict x, size_t V)
{
    real m[LANES];
    size_t j = 0;
    for (size_t k = 0; k < LANES; k++)
        m[k] = x[0];
    for (; j + LANES <= V; j += LANES)
        for (size_t k = 0; k < LANES; k++)
            m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    for (; j < V; j++)
        m[0] = x[j] > m[0] ? x[j] : m[0];
    real best = m[0];
    for (size_t k = 1; k < LANES; k++)
        best = m[k] > best ? m[k] : best;
    return best;
}

/* x_j <- exp(x_j - max); returns their sum (8 double lanes). */
RNNLAB_KERNEL
static double row_exp_sum(real *restrict x, size_t V, real max)
{
    for (size_t j = 0; j < V; j++)
        x[j] = r_exp(x[j] - max);
    double s[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= V; j += LANES)
        for (size_t k = 0; k < LANES; k++)
            s[k] += (double)x[j + k];
    for (; j < V; j++)
        s[0] += (double)x[j];
    double sum = 0;
    for (size_t k = 0; k < LANES; k++)
        sum += s[k];
    return sum;
}

/* x_j <- x_j * inv over [begin, end), each added to colsum_j when given. */
RNNLAB_KERNEL
static void scale_span(real *restrict x, real *restrict colsum, size_t begin,
                       size_t end, real inv)
{
    for (size_t j = begin; j < end; j++)
        x[j] *= inv;
    if (colsum)
        for (size_t j = begin; j < end; j++)
            colsum[j] += x[j];
}

double loss_softmax_xent(real *logits, const int32_t *targets, size_t N,
                         size_t V, int grad, real *colsum)
{
    double total = 0;
    real scale = (real)1 / (real)N;
    for (size_t r = 0; r < N; r++) {
        real *x = logits + r * V;
        real max = row_max(x, V);
        /* -log softmax(x)_y = log sum exp(x - max) - (x_y - max); a NaN
         * logit makes the sum NaN, so divergence is seen */
        double xy = (double)(x[targets[r]] - max);
        double sum = row_exp_sum(x, V, max);
        total += log(sum) - xy;
        if (grad) { /* d/dx = (softmax(x) - onehot(y)) / N */
            real inv = (real)(1.0 / sum) * scale;
            size_t y = (size_t)targets[r];
            scale_span(x, colsum, 0, y, inv);
            x[y] = x[y] * inv - scale;
            if (colsum)
                colsum[y] += x[y];
            scale_span(x, colsum, y + 1, V, inv);
        }
    }
    return total / (double)N;
}
