/* libFuzzer harness for the config reader: YAML text -> tree -> typed
 * config -> emitted text -> run id, and the tree edits that overrides and
 * sweeps use. Any crash, leak, hang or sanitizer report is a bug; inputs
 * that found one are kept in tests/fuzz/regress/config/ and replayed by
 * `make fuzz`. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "mem.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = mem_alloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct tree *root = NULL;
    struct err e;
    if (tree_parse_string(text, "fuzz.yaml", &root, &e) == 0) {
        struct tree *copy = tree_copy(root);
        char *flow = tree_to_flow(root);
        struct config c;
        if (config_defaults(&c, "fuzz.yaml", &e) == 0 &&
            config_check_not_empty(root, &e) == 0 &&
            config_apply_override(root, "train.epochs=1", &e) == 0 &&
            config_read(&c, root, &e) == 0) {
            char id[13];
            char *emitted = config_emit(&c);
            config_run_id(&c, id);
            mem_free(emitted);
        }
        config_free(&c);
        mem_free(flow);
        tree_free(copy);
    }
    tree_free(root);
    mem_free(text);
    return 0;
}
