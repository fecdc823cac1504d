/* real: the floating-point type of parameters, activations and gradients.
 * float (float32, the SPEC's storage type) in every normal build; double
 * when compiled with -DRNNLAB_DOUBLE, which only the gradient-check test
 * build does, so finite differences can be checked tightly. */
#ifndef RNNLAB_REAL_H
#define RNNLAB_REAL_H

#include <math.h>

#ifdef RNNLAB_DOUBLE
typedef double real;
static inline real r_exp(real x) { return exp(x); }
static inline real r_tanh(real x) { return tanh(x); }
#else
typedef float real;
static inline real r_exp(real x) { return expf(x); }
static inline real r_tanh(real x) { return tanhf(x); }
#endif

static inline real r_sigmoid(real x) { return (real)1 / ((real)1 + r_exp(-x)); }

#endif
