/* mem: see mem.h. */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

static long allocs;
static long fail_from = -1; /* allocation number from which all fail */

static int mem_should_fail(void)
{
    allocs++;
    return fail_from >= 0 && allocs >= fail_from;
}

void *mem_alloc(size_t n)
{
    if (mem_should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *mem_calloc(size_t count, size_t size)
{
    if (mem_should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *mem_realloc(void *p, size_t n)
{
    if (mem_should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *mem_strndup(const char *s, size_t n)
{
    char *d = mem_alloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

void mem_free(void *p)
{
    free(p);
}

long mem_count(void)
{
    return allocs;
}

void mem_fail_after(long n)
{
    fail_from = n < 0 ? -1 : allocs + n + 1;
}
