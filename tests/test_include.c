/* Tests for core/include.c: merge order (includes in order, the including
 * file last, overrides after that), nested includes relative to their own
 * folder, errors that name the include chain, cycles. */
#include "support.h"

#include "cell.h"
#include "config.h"
#include "include.h"
#include "sweep.h"

#include <sys/stat.h>

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", support_dir(), name);
    support_write_text(path, text);
}

static int load(const char *name, int nover, char *const *over, struct config *c,
                char *msg, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", support_dir(), name);
    struct err e;
    err_clear(&e);
    int rc = config_load(c, path, nover, over, &e);
    char full[2048];
    err_format(&e, full, sizeof full);
    /* strip the temporary folder from every path of the message */
    char *out = msg;
    size_t dl = strlen(support_dir()) + 1;
    for (const char *p = full; *p && (size_t)(out - msg) + 1 < n;) {
        if (strncmp(p, support_dir(), dl - 1) == 0 && p[dl - 1] == '/')
            p += dl;
        else
            *out++ = *p++;
    }
    *out = '\0';
    return rc;
}

static void expect_error(const char *name, const char *message)
{
    struct config c;
    char msg[2048];
    assert_true(load(name, 0, NULL, &c, msg, sizeof msg) < 0);
    config_free(&c);
    assert_string_equal(msg, message);
}

static void test_merge_order(void **state)
{
    (void)state;
    write_file("a.yaml", "model: {cell: gru, hidden: 32, layers: 3}\n"
                         "optimizer: {lr: 0.5}\ntrain: {epochs: 7}\n");
    write_file("b.yaml", "model: {hidden: 48}\noptimizer: {lr: 0.25}\n");
    write_file("exp.yaml", "include: [a.yaml, b.yaml]\nmodel: {layers: 2}\n"
                           "name: exp\n");
    struct config c;
    char msg[1024];
    assert_int_equal(load("exp.yaml", 0, NULL, &c, msg, sizeof msg), 0);
    assert_int_equal(c.model.cell, CELL_GRU);
    assert_int_equal(c.model.hidden, 48);  /* b after a */
    assert_int_equal(c.model.layers, 2);   /* the including file last */
    assert_true(c.optimizer.lr == 0.25);
    assert_int_equal(c.train.epochs, 7);   /* only a sets it */
    assert_string_equal(c.name, "exp");
    config_free(&c);
    char *over[] = {"model.layers=4", "optimizer.lr=0.125"};
    assert_int_equal(load("exp.yaml", 2, over, &c, msg, sizeof msg), 0);
    assert_int_equal(c.model.layers, 4);   /* overrides after everything */
    assert_true(c.optimizer.lr == 0.125);
    /* the default name is the including file's */
    config_free(&c);
    write_file("exp2.yaml", "include: [a.yaml]\n");
    assert_int_equal(load("exp2.yaml", 0, NULL, &c, msg, sizeof msg), 0);
    assert_string_equal(c.name, "exp2");
    assert_int_equal(c.model.hidden, 32);
    config_free(&c);
}

static void test_nested_relative_paths_and_sweeps(void **state)
{
    (void)state;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/base", support_dir());
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file("base/root.yaml", "dataset: {name: timemachine, max_tokens: 2000}\n"
                                 "sweep: {grid: {model.hidden: [8, 16]}}\n");
    write_file("base/mid.yaml", "include: [root.yaml]\ntrain: {epochs: 1}\n");
    write_file("top.yaml", "include: [base/mid.yaml]\n"
                           "sweep: {grid: {model.cell: [lstm, gru]}}\n");
    char path[256];
    snprintf(path, sizeof path, "%s/top.yaml", support_dir());
    struct sweep *s;
    struct err e;
    if (sweep_load(path, 0, NULL, &s, &e) < 0)
        fail_msg("%s:%d:%d: %s", e.file, e.line, e.col, e.msg);
    /* the two grids merge: the included key first */
    assert_int_equal(s->n, 4);
    assert_string_equal(s->keys[0], "model.hidden");
    assert_string_equal(s->keys[1], "model.cell");
    assert_int_equal(s->runs[3].cfg.model.hidden, 16);
    assert_int_equal(s->runs[3].cfg.model.cell, CELL_GRU);
    assert_int_equal(s->runs[0].cfg.dataset.max_tokens, 2000);
    assert_int_equal(s->runs[0].cfg.train.epochs, 1);
    sweep_free(s);
}

static void test_errors_name_the_chain(void **state)
{
    (void)state;
    /* a bad key in an included file: that file and line */
    write_file("bad_key.yaml", "seed: 1\nmodel: {hiden: 3}\n");
    write_file("e1.yaml", "include: [bad_key.yaml]\n");
    expect_error("e1.yaml", "bad_key.yaml:2:9: unknown key 'model.hiden' (did you "
                            "mean 'model.hidden'?)");
    /* bad YAML two levels down: the whole chain */
    write_file("bad_yaml.yaml", "model: {hidden: [1\n");
    write_file("mid.yaml", "seed: 2\ninclude: [bad_yaml.yaml]\n");
    write_file("e2.yaml", "include:\n  - mid.yaml\n");
    expect_error("e2.yaml", "bad_yaml.yaml:2:1: malformed YAML: did not find "
                            "expected ',' or ']' while parsing a flow sequence "
                            "(included from mid.yaml:2:11) (included from "
                            "e2.yaml:2:5)");
    write_file("e3.yaml", "include: [missing.yaml]\n");
    expect_error("e3.yaml", "missing.yaml: cannot open config: No such file or "
                            "directory (included from e3.yaml:1:11)");
    write_file("e4.yaml", "include: base.yaml\n");
    expect_error("e4.yaml", "e4.yaml:1:10: include: expected a non-empty list of "
                            "YAML files, e.g. include: [base.yaml]");
    write_file("e5.yaml", "include: [{a: 1}]\n");
    expect_error("e5.yaml", "e5.yaml:1:11: include[0]: expected a file name");
    write_file("list.yaml", "- 1\n- 2\n");
    write_file("e6.yaml", "include: [list.yaml]\n");
    expect_error("e6.yaml", "e6.yaml:1:11: include 'list.yaml': list.yaml is not "
                            "a mapping of config keys");
}

static void test_cycles(void **state)
{
    (void)state;
    write_file("self.yaml", "include: [self.yaml]\nseed: 1\n");
    expect_error("self.yaml", "self.yaml:1:11: include 'self.yaml': a cycle: "
                              "self.yaml includes itself (through 0 file(s))");
    write_file("x.yaml", "include: [y.yaml]\n");
    write_file("y.yaml", "seed: 3\ninclude: [z.yaml]\n");
    write_file("z.yaml", "include: [x.yaml]\n");
    expect_error("x.yaml", "z.yaml:1:11: include 'x.yaml': a cycle: x.yaml "
                           "includes itself (through 2 file(s)) (included from "
                           "y.yaml:2:11) (included from x.yaml:1:11)");
    /* a diamond (two files including one base) is not a cycle */
    write_file("d_base.yaml", "seed: 5\n");
    write_file("d_l.yaml", "include: [d_base.yaml]\nmodel: {hidden: 9}\n");
    write_file("d_r.yaml", "include: [d_base.yaml]\nmodel: {layers: 2}\n");
    write_file("d.yaml", "include: [d_l.yaml, d_r.yaml]\n");
    struct config c;
    char msg[1024];
    assert_int_equal(load("d.yaml", 0, NULL, &c, msg, sizeof msg), 0);
    assert_int_equal(c.seed, 5);
    assert_int_equal(c.model.hidden, 9);
    assert_int_equal(c.model.layers, 2);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_order),
        cmocka_unit_test(test_nested_relative_paths_and_sweeps),
        cmocka_unit_test(test_errors_name_the_chain),
        cmocka_unit_test(test_cycles),
    };
    return cmocka_run_group_tests(tests, support_dir_setup, support_dir_teardown);
}
