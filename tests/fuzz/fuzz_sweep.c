/* libFuzzer harness for sweep expansion: YAML text as a config file (so
 * include: lists are followed, relative to a scratch folder) -> sweep
 * sections (grid, zip, sample with its distributions, repeat, early_stop)
 * -> every run's config and id. sweep.max_runs is held at 64 by an
 * override so an input cannot ask for hours of expansion. Any crash, leak,
 * hang or sanitizer report is a bug; inputs that found one are kept in
 * tests/fuzz/regress/sweep/ and replayed by `make fuzz`. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/rnnlab-fuzz-sweep-XXXXXX", path[64];

/* libFuzzer leaves through exit(): the scratch folder goes with it */
static void remove_scratch(void)
{
    remove(path);
    remove(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/fuzz.yaml", dir);
        atexit(remove_scratch);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    char *over[] = {"sweep.max_runs=64"};
    struct sweep *s = NULL;
    struct err e;
    if (sweep_load(path, 1, over, &s, &e) == 0) {
        for (size_t k = 0; k < s->n; k++) {
            char *d = sweep_describe(s, &s->runs[k]);
            mem_free(d);
            if (sweep_find(s, s->runs[k].run_id) != &s->runs[k])
                abort();
        }
        sweep_free(s);
    }
    return 0;
}
