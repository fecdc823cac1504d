/* transpose: dst = src^T for row-major float blocks, a plain copy (the bits
 * are the values themselves): 16 x 16 register blocks where the CPU has
 * AVX-512, 8 x 8 where it has AVX2, element by element at the edges and
 * elsewhere. Serves stepgemm's packing
 * of W^T and the decoder's x^T (model_pass.c); element by element these
 * were 2-3% of (b) GRU's step and 1.4% of (b) LSTM's.
 * Must not: allocate. */
#ifndef RNNLAB_TRANSPOSE_H
#define RNNLAB_TRANSPOSE_H

#include <stddef.h>

#include "real.h"

/* dst (cols x rows, row stride ldd) = src^T, src rows x cols (stride lds). */
void transpose(real *dst, size_t ldd, const real *src, size_t lds, size_t rows,
               size_t cols);

#endif
