/* runner index / runner ls: the sweep index and the table of runs of a
 * results folder, built from the run files themselves. */
#include <stdio.h>
#include <string.h>

#include "group.h"
#include "index.h"
#include "runfile.h"
#include "runner.h"
#include "table.h"
#include "version.h"

int cmd_index(int argc, char **argv, const struct options *opt)
{
    (void)opt; /* the one line it prints is the result line */
    if (argc != 1 || argv[0][0] == '-')
        return runner_usage_error("index: expected one results folder: runner index "
                                  "RESULTS (see 'runner index --help')");
    int rc = runfile_results_folder("index", argv[0]);
    if (rc)
        return rc;
    struct err e;
    size_t n;
    if (index_rebuild(argv[0], &n, &e) < 0)
        return runner_report(&e);
    printf("index: %zu run(s) -> %s/index.h5\n", n, argv[0]);
    return EXIT_OK;
}

void runner_warn_foreign(const char *dir, const struct index_row *rows, size_t n)
{
    const char *example = NULL;
    size_t foreign = index_count_foreign(rows, n, &example);
    if (foreign)
        fprintf(stderr, "runner: warning: %zu run file(s) in %s were written by "
                "another version (%s; this is " RNNLAB_RUNNER_VERSION "): their run "
                "ids are computed differently, so a sweep trains those runs again "
                "beside them; move them to another folder to keep them apart\n",
                foreign, dir, example);
}

/* "index, run_id, ..." for messages. */
static void column_list(const char *const *names, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int c = 0; names[c]; c++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", c ? ", " : "", names[c]);
}

/* Prints the rows one per sweep point, sorted by column `sort`. */
static int print_groups(const struct index_row *rows, size_t n, const char *sort,
                        int csv)
{
    int c = table_group_column(sort);
    if (c < 0) {
        char list[512];
        column_list(table_group_columns, list, sizeof list);
        return runner_usage_error("ls --group: unknown column '%s' (columns: %s)", sort,
                                  list);
    }
    struct group_row *g;
    size_t ng;
    struct err e;
    if (group_rows(rows, n, &g, &ng, &e) < 0)
        return runner_report(&e);
    table_sort_groups(g, ng, c);
    table_print_groups(g, ng, csv);
    group_free(g, ng);
    return EXIT_OK;
}

int cmd_ls(int argc, char **argv, const struct options *opt)
{
    (void)opt;
    const char *dir = NULL, *sort = "index";
    int csv = 0, group = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
        } else if (strcmp(argv[i], "--group") == 0) {
            group = 1;
        } else if (strcmp(argv[i], "--sort") == 0 && i + 1 >= argc) {
            return runner_usage_error("ls: --sort needs a column name, e.g. --sort "
                                      "valid_ppl");
        } else if (strcmp(argv[i], "--sort") == 0) {
            sort = argv[++i];
        } else if (argv[i][0] == '-') {
            return runner_usage_error("ls: unknown option '%s' (see 'runner ls --help')",
                                      argv[i]);
        } else if (dir) {
            return runner_usage_error("ls: one results folder at a time (got '%s' and "
                                      "'%s')", dir, argv[i]);
        } else {
            dir = argv[i];
        }
    }
    if (!dir)
        return runner_usage_error("ls: expected a results folder: runner ls RESULTS "
                                  "(see 'runner ls --help')");
    if (!group && table_column(sort) < 0) {
        char list[512];
        column_list(table_columns, list, sizeof list);
        return runner_usage_error("ls: unknown column '%s' (columns: %s)", sort, list);
    }
    int rc = runfile_results_folder("ls", dir);
    if (rc)
        return rc;
    struct index_row *rows;
    size_t n;
    struct err e;
    if (index_scan(dir, &rows, &n, &e) < 0)
        return runner_report(&e);
    runner_warn_foreign(dir, rows, n);
    if (group) {
        rc = print_groups(rows, n, sort, csv);
    } else {
        table_sort(rows, n, table_column(sort));
        table_print(rows, n, csv);
    }
    index_free(rows, n);
    return rc;
}
