/* Tests for core/config.c and core/tree.c: defaults, overrides, and the exact
 * one-line message of every kind of bad config. */
#include "support.h"

#include "config.h"
#include "mem.h"
#include "suggest.h"

/* Loads text as a config file named cfg.yaml; returns the rc and puts the
 * formatted error (with the folder stripped) in msg. */
static int load_text(const char *text, int nover, char *const *over,
                     struct config *c, char *msg, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/cfg.yaml", support_dir());
    support_write_text(path, text);
    struct err e;
    err_clear(&e);
    int rc = config_load(c, path, nover, over, &e);
    char full[2048];
    err_format(&e, full, sizeof full);
    const char *p = strstr(full, "cfg.yaml");
    snprintf(msg, n, "%s", p ? p : full);
    return rc;
}

static void expect_error(const char *text, const char *message)
{
    struct config c;
    char msg[2048];
    int rc = load_text(text, 0, NULL, &c, msg, sizeof msg);
    config_free(&c);
    assert_true(rc < 0);
    assert_string_equal(msg, message);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    char msg[256];
    assert_int_equal(load_text("# only a comment\n", 0, NULL, &c, msg, sizeof msg),
                     ERR_CONFIG);
    assert_string_equal(msg, "cfg.yaml: the config is empty: it sets no key (an "
                             "empty file would train every default; write at least "
                             "the dataset or model you mean)");
    config_free(&c);
    assert_int_equal(load_text("seed: 0\n", 0, NULL, &c, msg, sizeof msg), 0);
    assert_string_equal(c.name, "cfg"); /* the file's base name */
    assert_string_equal(c.output.dir, "results/cfg");
    assert_int_equal(c.optimizer.kind, OPTIM_SGD);
    assert_true(c.optimizer.eps == 1e-8 && c.optimizer.weight_decay == 0);
    assert_true(c.clip.max_norm == 0);
    assert_int_equal(c.train.epochs, 10);
    assert_int_equal(c.generate.seed, 0);
    assert_int_equal(c.dataset.name, DATASET_TIMEMACHINE);
    assert_int_equal(c.dataset.tokens, TOKENS_CHAR);
    assert_int_equal(c.dataset.max_tokens, 10000);
    assert_int_equal(c.sampler.kind, SAMPLER_SEQUENTIAL);
    assert_int_equal(c.sampler.batch_size, 32);
    assert_int_equal(c.sampler.num_steps, 35);
    assert_int_equal(c.sampler.offset, OFFSET_RANDOM);
    assert_int_equal(c.sampler.reset_state, RESET_EPOCH);
    config_free(&c);
    assert_int_equal(load_text("dataset: {name: ptb}\nsampler:\n", 0, NULL, &c,
                               msg, sizeof msg), 0);
    assert_int_equal(c.dataset.tokens, TOKENS_WORD);
    assert_int_equal(c.dataset.max_tokens, -1);
    config_free(&c);
}

static void test_overrides_use_yaml_values(void **state)
{
    (void)state;
    struct config c;
    char msg[512];
    /* A mapping replaces the whole section; later dotted keys edit it. */
    char *over[] = {"sampler={kind: random, num_steps: 5}", "sampler.batch_size=8",
                    "dataset.name=jaychou", "name='quoted name'"};
    assert_int_equal(load_text("sampler:\n  num_steps: 10\n", 4, over, &c, msg,
                               sizeof msg), 0);
    assert_int_equal(c.sampler.batch_size, 8);
    assert_int_equal(c.dataset.name, DATASET_JAYCHOU);
    assert_string_equal(c.name, "quoted name");
    assert_int_equal(c.sampler.kind, SAMPLER_RANDOM);
    assert_int_equal(c.sampler.num_steps, 5);
    config_free(&c);
    char *bad[] = {"sampler.batch_size=-1"};
    assert_true(load_text("seed: 1\n", 1, bad, &c, msg, sizeof msg) < 0);
    config_free(&c);
    assert_string_equal(msg, "command line 'sampler.batch_size=-1': "
                             "sampler.batch_size: -1 is out of range [1, 1000000]");
    char *noeq[] = {"sampler.batch_size"};
    assert_true(load_text("", 1, noeq, &c, msg, sizeof msg) < 0);
    config_free(&c);
    assert_string_equal(msg, "override 'sampler.batch_size' must look like "
                             "dotted.key=value");
}

static void test_malformed_configs(void **state)
{
    (void)state;
    expect_error("dataset:\n  name: [timemachine\n",
                 "cfg.yaml:3:1: malformed YAML: did not find expected ',' or "
                 "']' while parsing a flow sequence");
    expect_error("dataset:\n  tokns: char\n",
                 "cfg.yaml:2:3: unknown key 'dataset.tokns' (did you mean "
                 "'dataset.tokens'?)");
    expect_error("sampeler:\n  kind: random\n",
                 "cfg.yaml:1:1: unknown key 'sampeler' (did you mean 'sampler'?)");
    expect_error("colour: blue\n", "cfg.yaml:1:1: unknown key 'colour'");
    expect_error("sampler:\n  num_steps: 0\n",
                 "cfg.yaml:2:14: sampler.num_steps: 0 is out of range [1, 1000000]");
    expect_error("sampler:\n  batch_size: -1\n",
                 "cfg.yaml:2:15: sampler.batch_size: -1 is out of range [1, 1000000]");
    expect_error("dataset:\n  max_tokens: abc\n",
                 "cfg.yaml:2:15: dataset.max_tokens: expected an integer, got 'abc'");
    expect_error("dataset:\n  max_tokens: \"100\"\n",
                 "cfg.yaml:2:15: dataset.max_tokens: expected an integer, got a "
                 "quoted string");
    expect_error("sampler:\n  kind: randm\n",
                 "cfg.yaml:2:9: sampler.kind: unknown value 'randm' (did you "
                 "mean 'random'?)");
    expect_error("sampler:\n  offset: [zero]\n",
                 "cfg.yaml:2:11: sampler.offset: expected one of random, zero, "
                 "got a list");
    expect_error("dataset: ptb\n",
                 "cfg.yaml:1:10: dataset: expected a mapping of keys, got 'ptb'");
    expect_error("dataset:\n  name: text\n",
                 "cfg.yaml:1:1: dataset: path is required when name is 'text'");
    expect_error("dataset:\n  valid_fraction: 1.5\n",
                 "cfg.yaml:2:19: dataset.valid_fraction: 1.5 is out of range [0, 0.9]");
    expect_error("dataset:\n  valid_fraction: nan\n",
                 "cfg.yaml:2:19: dataset.valid_fraction: expected a finite "
                 "number, got 'nan'");
    expect_error("dataset:\n  name: ptb\n  valid_fraction: 0.1\n",
                 "cfg.yaml:3:3: dataset.valid_fraction: applies to text datasets "
                 "without a validation file (not ptb) only");
    expect_error("dataset:\n  max_tokens: 0\n",
                 "cfg.yaml:2:3: dataset.max_tokens: 0 keeps nothing; use -1 "
                 "for the whole corpus or a positive count");
    expect_error("seed: 1\nseed: 2\n",
                 "cfg.yaml:2:1: duplicate key 'seed' (first at line 1)");
    expect_error("- a\n- b\n", "cfg.yaml:1:1: a config must be a mapping of sections");
    expect_error("base: &b {x: 1}\n",
                 "cfg.yaml:1:7: YAML anchors (&name) are not supported in configs");
    expect_error("a: 1\n---\nb: 2\n",
                 "cfg.yaml:3:1: a config holds one YAML document, found a second");
}

/* Keys that do not apply to the chosen kind are errors, never ignored. */
static void test_keys_that_do_not_apply(void **state)
{
    (void)state;
    expect_error("optimizer:\n  kind: sgd\n  betas: [0.9, 0.99]\n",
                 "cfg.yaml:3:3: optimizer.betas: applies to kind: adam or adamw only");
    expect_error("sampler:\n  kind: random\n  reset_state: never\n",
                 "cfg.yaml:3:3: sampler.reset_state: applies to kind: sequential only");
    expect_error("sampler:\n  reset_state: nevr\n",
                 "cfg.yaml:2:16: sampler.reset_state: unknown value 'nevr' (did you "
                 "mean 'never'?)");
    expect_error("model:\n  embed_dim: 8\n",
                 "cfg.yaml:2:3: model.embed_dim: applies to input: embedding only");
    expect_error("model:\n  init: {scheme: uniform, std: 1}\n",
                 "cfg.yaml:2:27: model.init.std: applies to scheme: normal only");
    expect_error("schedule:\n  gamma: 0.5\n",
                 "cfg.yaml:2:3: schedule.gamma: applies to kind: step or "
                 "exponential only");
    expect_error("schedule: {kind: step}\n",
                 "cfg.yaml:1:1: schedule: kind step needs exactly one of "
                 "step_size (every N epochs) or start_epoch (every epoch after it)");
    expect_error("optimizer: {nesterov: true}\n",
                 "cfg.yaml:1:13: optimizer.nesterov: needs momentum > 0 (as "
                 "torch.optim.SGD)");
    expect_error("model: {input: embedding, embed_dim: 8, tie_weights: true}\n",
                 "cfg.yaml:1:41: model.tie_weights: needs embed_dim (8) == "
                 "hidden (256)");
    expect_error("optimizer: {betas: [0.9]}\n",
                 "cfg.yaml:1:20: optimizer.betas: expected a list of two numbers");
    expect_error("generate: {prefixes: time}\n",
                 "cfg.yaml:1:22: generate.prefixes: expected a list of strings, "
                 "got a scalar");
    expect_error("clip: {max_norm: -1}\n",
                 "cfg.yaml:1:18: clip.max_norm: -1 is out of range [1e-12, 1e+12]");
}

/* The emitted resolved config reads back to the same config, and emits the
 * same text again. */
static void test_emit_round_trip(void **state)
{
    (void)state;
    struct config c, d;
    char msg[512];
    assert_int_equal(load_text(
        "name: \"round \\\"trip\\\"\"\nseed: 7\n"
        "dataset: {name: jaychou, max_tokens: 500}\n"
        "model: {cell: gru, input: embedding, embed_dim: 16, dropout: 0.25,\n"
        "        init: {scheme: normal, std: 0.02}}\n"
        "optimizer: {kind: adam, lr: 0.001, betas: [0.8, 0.9]}\n"
        "schedule: {kind: step, start_epoch: 4, gamma: 0.5}\n"
        "clip: {max_norm: 0.25}\n"
        "generate: {prefixes: ['\u5206\u5f00', \"a\\nb\"], strategy: sample, "
        "temperature: 0.7}\n",
        0, NULL, &c, msg, sizeof msg), 0);
    char *text = config_emit(&c);
    assert_non_null(text);
    assert_non_null(strstr(text, "optimizer:\n  kind: adam\n  lr: 0.001\n"));
    assert_non_null(strstr(text, "  betas: [0.8, 0.9]\n"));
    assert_null(strstr(text, "momentum")); /* does not apply to adam */
    assert_non_null(strstr(text, "clip:\n  max_norm: 0.25\n"));
    struct tree *t;
    struct err e;
    assert_int_equal(tree_parse_string(text, "emitted", &t, &e), 0);
    assert_int_equal(config_defaults(&d, "other.yaml", &e), 0);
    if (config_read(&d, t, &e) < 0)
        fail_msg("re-reading the emitted config: %d:%d: %s\n%s", e.line, e.col,
                 e.msg, text);
    char *again = config_emit(&d);
    assert_string_equal(text, again);
    assert_string_equal(d.name, "round \"trip\"");
    assert_string_equal(d.generate.prefixes.items[1], "a\nb");
    assert_true(d.model.init.std == 0.02 && d.clip.max_norm == 0.25);
    mem_free(text);
    mem_free(again);
    tree_free(t);
    config_free(&c);
    config_free(&d);
}

static void test_missing_config_file(void **state)
{
    (void)state;
    struct config c;
    struct err e;
    assert_int_equal(config_load(&c, "/nonexistent/x.yaml", 0, NULL, &e), ERR_CONFIG);
    config_free(&c);
    assert_string_equal(e.file, "/nonexistent/x.yaml");
    assert_string_equal(e.msg, "cannot open config: No such file or directory");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
    assert_int_equal(suggest_distance("", "abc"), 3);
    assert_int_equal(suggest_distance("same", "same"), 0);
}

static void test_tree_edits(void **state)
{
    (void)state;
    struct tree *t;
    struct err e;
    assert_int_equal(tree_parse_string("a: {b: 1, c: [x, y]}\nd: 2\n", "s", &t, &e), 0);
    assert_string_equal(tree_find(t, "a.b")->value, "1");
    assert_int_equal(tree_find(t, "a.c")->n, 2);
    struct tree *v = tree_new_scalar("5", 0, "s", 0, 0);
    assert_int_equal(tree_set(t, "a.b", v, &e), 0);
    assert_string_equal(t->items[0]->items[0]->key, "b"); /* kept its place */
    assert_string_equal(tree_find(t, "a.b")->value, "5");
    v = tree_new_scalar("z", 0, "s", 0, 0);
    assert_int_equal(tree_set(t, "new.deep.key", v, &e), 0);
    assert_string_equal(tree_find(t, "new.deep.key")->value, "z");
    v = tree_new_scalar("q", 0, "s", 0, 0);
    assert_int_equal(tree_set(t, "d.x", v, &e), ERR_CONFIG);
    struct tree *c = tree_copy(t);
    assert_non_null(c);
    assert_string_equal(tree_find(c, "new.deep.key")->value, "z");
    tree_free(c);
    tree_free(t);
}

/* Every allocation on the way to a config may fail; each is reported. */
static void test_allocation_failures(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/cfg.yaml", support_dir());
    support_write_text(path, "name: x\ndataset: {name: jaychou}\n");
    int failures = 0;
    char *over[] = {"sampler.num_steps=7"};
    for (long k = 0;; k++) {
        struct config c;
        struct err e;
        mem_fail_after(k);
        int rc = config_load(&c, path, 1, over, &e);
        mem_fail_after(-1);
        config_free(&c);
        if (rc == 0)
            break;
        assert_int_equal(rc, ERR_NOMEM);
        failures++;
    }
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_overrides_use_yaml_values),
        cmocka_unit_test(test_malformed_configs),
        cmocka_unit_test(test_keys_that_do_not_apply),
        cmocka_unit_test(test_emit_round_trip),
        cmocka_unit_test(test_missing_config_file),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_tree_edits),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
