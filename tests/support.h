/* Helpers shared by the tests: temporary files and folders, random
 * operands. Header-only so each test binary links only the library. */
#ifndef RNNLAB_TEST_SUPPORT_H
#define RNNLAB_TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mem.h"
#include "real.h"
#include "rng.h"

/* Creates a fresh folder under /tmp and writes its path into out. */
static inline void support_tmpdir(char *out, size_t n)
{
    snprintf(out, n, "/tmp/rnnlab-test-XXXXXX");
    assert_non_null(mkdtemp(out));
}

static inline void support_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void support_write_text(const char *path, const char *text)
{
    support_write(path, text, strlen(text));
}

/* Copies a file byte for byte; returns its size. */
static inline size_t support_copy(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    support_write(to, buf, (size_t)n);
    free(buf);
    return (size_t)n;
}

static inline void support_rmtree(const char *dir)
{
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* One fresh folder per test binary: support_dir_setup and
 * support_dir_teardown are the cmocka group fixtures that make and remove
 * it, support_dir() its path. */
static inline char *support_dir(void)
{
    static char dir[64];
    return dir;
}

static inline int support_dir_setup(void **state)
{
    (void)state;
    support_tmpdir(support_dir(), 64);
    return 0;
}

static inline int support_dir_teardown(void **state)
{
    (void)state;
    support_rmtree(support_dir());
    return 0;
}

/* n reals uniform in [-1, 1) from g, from mem_alloc (the caller frees
 * them with mem_free). */
static inline real *support_random_reals(struct rng *g, size_t n)
{
    real *x = mem_alloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (real)(2 * rng_uniform(g) - 1);
    return x;
}

#endif
