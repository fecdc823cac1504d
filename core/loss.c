/* loss: see loss.h. */
#include "loss.h"

#include <math.h>

double loss_softmax_xent(real *logits, const int32_t *targets, size_t N,
                         size_t V, int grad)
{
    double total = 0;
    real scale = (real)1 / (real)N;
    for (size_t r = 0; r < N; r++) {
        real *x = logits + r * V;
        real max = x[0];
        for (size_t j = 1; j < V; j++)
            max = x[j] > max ? x[j] : max;
        double sum = 0;
        /* -log softmax(x)_y = log sum exp(x - max) - (x_y - max) */
        double xy = (double)(x[targets[r]] - max);
        total -= xy;
        if (grad) {
            for (size_t j = 0; j < V; j++) {
                x[j] = r_exp(x[j] - max);
                sum += x[j];
            }
            total += log(sum);
            real inv = (real)(1.0 / sum) * scale;
            for (size_t j = 0; j < V; j++)
                x[j] *= inv;
            x[targets[r]] -= scale;
        } else {
            for (size_t j = 0; j < V; j++)
                sum += r_exp(x[j] - max);
            total += log(sum);
        }
    }
    return total / (double)N;
}
