/* mem: the one allocation path of core/.
 *
 * Owns: a counter of allocations and a test hook that makes the N-th one fail,
 * so that every error path can be exercised (Lua's luaM_realloc_ idea). Every
 * buffer in core/ comes from mem_alloc/mem_calloc/mem_realloc/mem_strdup and is
 * released with mem_free. Libraries (libyaml, HDF5, minizip) allocate on their
 * own and are not counted.
 */
#ifndef RNNLAB_MEM_H
#define RNNLAB_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);
void mem_free(void *p);

/* Allocations made so far (successful or failed) since the process began. */
long mem_count(void);

/* Make the allocation numbered mem_count() + n + 1 (n = 0: the next one) and
 * every later one fail; n < 0 turns failure injection off. */
void mem_fail_after(long n);

#endif
