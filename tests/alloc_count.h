/* alloc_count: a program that includes this (once) replaces the C
 * allocator's entry points themselves, so every library's calls are
 * counted (OpenBLAS's, oneDNN's aligned ones, the thread pool's):
 * alloc_count_allocations() counts malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign; alloc_count_frees() counts
 * free of a non-NULL pointer. Used by tests/test_alloc.c (a training step
 * allocates nothing) and tests/bench_gemm_shapes.c (which GEMM libraries
 * allocate per call). Under AddressSanitizer, which owns malloc, nothing is
 * replaced and ALLOC_COUNTING is 0. */
#ifndef RNNLAB_ALLOC_COUNT_H
#define RNNLAB_ALLOC_COUNT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_COUNTING 0
static inline long alloc_count_allocations(void) { return 0; }
static inline long alloc_count_frees(void) { return 0; }
#else
#define ALLOC_COUNTING 1
#include <malloc.h> /* memalign */
#include <stdatomic.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);

static atomic_long alloc_count_allocs, alloc_count_freed;

static inline long alloc_count_allocations(void) { return atomic_load(&alloc_count_allocs); }
static inline long alloc_count_frees(void) { return atomic_load(&alloc_count_freed); }

void *malloc(size_t n)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    return __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    *out = __libc_memalign(align, n);
    return *out ? 0 : 12; /* ENOMEM */
}

void *aligned_alloc(size_t align, size_t n)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
    atomic_fetch_add(&alloc_count_allocs, 1);
    return __libc_memalign(align, n);
}

void free(void *p)
{
    if (p)
        atomic_fetch_add(&alloc_count_freed, 1);
    __libc_free(p);
}
#endif

#endif
