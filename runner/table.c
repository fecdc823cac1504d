/* table: see table.h. */
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const table_columns[] = {
    "index", "run_id", "status", "epochs", "train_ppl", "valid_ppl", "test_ppl",
    "best_valid_ppl", "best_valid_epoch", "wall_seconds", "tokens_per_s",
    "values", "detail", "train_mse", "valid_mse", NULL};

enum { C_INDEX, C_RUN_ID, C_STATUS, C_EPOCHS, C_TRAIN, C_VALID, C_TEST, C_BEST,
       C_BEST_EPOCH, C_WALL, C_TPS, C_VALUES, C_DETAIL, C_TRAIN_MSE, C_VALID_MSE };

int table_column(const char *name)
{
    for (int i = 0; table_columns[i]; i++)
        if (strcmp(table_columns[i], name) == 0)
            return i;
    return -1;
}

static double number(const struct index_row *r, int c)
{
    switch (c) {
    case C_INDEX: return (double)r->sweep_index;
    case C_EPOCHS: return (double)r->epochs;
    case C_TRAIN: return r->train_ppl;
    case C_VALID: return r->valid_ppl;
    case C_TEST: return r->test_ppl;
    case C_BEST: return r->best_valid_ppl;
    case C_BEST_EPOCH: return r->best_valid_epoch ? (double)r->best_valid_epoch : NAN;
    case C_WALL: return r->wall_seconds;
    case C_TPS: return r->tokens_per_s;
    case C_TRAIN_MSE: return r->train_mse;
    case C_VALID_MSE: return r->valid_mse;
    default: return NAN;
    }
}

static int sort_column;

/* Ascending, NaN last, ties by id. */
static int by_number(double u, double v, const char *idx, const char *idy)
{
    if (isnan(u) != isnan(v))
        return isnan(u) ? 1 : -1;
    if (!isnan(u) && u != v)
        return u < v ? -1 : 1;
    return strcmp(idx, idy);
}

static int compare_rows(const void *a, const void *b)
{
    const struct index_row *x = a, *y = b;
    int c = sort_column;
    if (c == C_RUN_ID || c == C_STATUS || c == C_VALUES || c == C_DETAIL) {
        const char *s = c == C_RUN_ID ? x->run_id : c == C_STATUS ? x->status
                        : c == C_VALUES ? x->values : x->detail;
        const char *t = c == C_RUN_ID ? y->run_id : c == C_STATUS ? y->status
                        : c == C_VALUES ? y->values : y->detail;
        int d = strcmp(s, t);
        return d ? d : strcmp(x->run_id, y->run_id);
    }
    return by_number(number(x, c), number(y, c), x->run_id, y->run_id);
}

void table_sort(struct index_row *rows, size_t n, int c)
{
    sort_column = c;
    qsort(rows, n, sizeof *rows, compare_rows);
}

static void cell(char *buf, size_t n, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, v);
}

/* A CSV field, quoted when it holds a comma, quote or space. */
static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\" \n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

void table_print(const struct index_row *rows, size_t n, int csv)
{
    if (csv) {
        for (int i = 0; table_columns[i]; i++)
            printf("%s%s", i ? "," : "", table_columns[i]);
        putchar('\n');
        for (size_t k = 0; k < n; k++) {
            const struct index_row *r = &rows[k];
            char idx[24];
            snprintf(idx, sizeof idx, "%ld", r->sweep_index);
            printf("%s,%s,%s,%ld,", r->sweep_index >= 0 ? idx : "", r->run_id,
                   r->status, r->epochs);
            const int nums[] = {C_TRAIN, C_VALID, C_TEST, C_BEST, C_BEST_EPOCH,
                                C_WALL, C_TPS};
            for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
                double v = number(r, nums[i]);
                if (!isnan(v))
                    printf("%.10g", v);
                putchar(',');
            }
            csv_field(r->values);
            putchar(',');
            csv_field(r->detail);
            for (int c = C_TRAIN_MSE; c <= C_VALID_MSE; c++) {
                double v = number(r, c);
                putchar(',');
                if (!isnan(v))
                    printf("%.10g", v);
            }
            putchar('\n');
        }
        return;
    }
    /* a regression run's train and valid are mean squared errors: the
     * header says so when every run is one, the row when they are mixed */
    size_t regression = 0;
    for (size_t k = 0; k < n; k++)
        regression += rows[k].regression;
    int all = n > 0 && regression == n;
    printf("%5s  %-12s  %-9s %6s %9s %9s %9s %15s %8s %9s  %s\n", "index", "run_id",
           "status", "epochs", all ? "train mse" : "train", all ? "valid mse" : "valid",
           "test", "best valid (ep)", "time s", "tok/s", "values");
    for (size_t k = 0; k < n; k++) {
        const struct index_row *r = &rows[k];
        char idx[24] = "-", tr[24], va[24], te[24], best[40], wall[24], tps[24];
        if (r->sweep_index >= 0)
            snprintf(idx, sizeof idx, "%ld", r->sweep_index);
        int mse = r->regression;
        cell(tr, sizeof tr, mse ? r->train_mse : r->train_ppl, mse ? "%.6f" : "%.3f");
        cell(va, sizeof va, mse ? r->valid_mse : r->valid_ppl, mse ? "%.6f" : "%.3f");
        cell(te, sizeof te, r->test_ppl, "%.3f");
        if (isnan(r->best_valid_ppl))
            snprintf(best, sizeof best, "-");
        else
            snprintf(best, sizeof best, "%.3f (%ld)", r->best_valid_ppl,
                     r->best_valid_epoch);
        cell(wall, sizeof wall, r->wall_seconds, "%.1f");
        cell(tps, sizeof tps, r->tokens_per_s, "%.0f");
        printf("%5s  %-12s  %-9s %6ld %9s %9s %9s %15s %8s %9s  %s%s%s%s%s\n", idx,
               r->run_id, r->status, r->epochs, tr, va, te, best, wall, tps,
               r->values, mse && !all ? "  (train, valid: MSE)" : "",
               r->detail[0] ? "  [" : "", r->detail, r->detail[0] ? "]" : "");
    }
}

/* ---- one row per sweep point ------------------------------------------ */

const char *const table_group_columns[] = {
    "index", "point_id", "runs", "completed", "train_ppl", "valid_ppl", "test_ppl",
    "best_valid_ppl", "values", "train_mse", "valid_mse", NULL};

enum { G_INDEX, G_POINT, G_RUNS, G_COMPLETED, G_TRAIN, G_VALID, G_TEST, G_BEST,
       G_VALUES, G_TRAIN_MSE, G_VALID_MSE };

int table_group_column(const char *name)
{
    for (int i = 0; table_group_columns[i]; i++)
        if (strcmp(table_group_columns[i], name) == 0)
            return i;
    return -1;
}

static double group_number(const struct group_row *g, int c)
{
    switch (c) {
    case G_INDEX: return g->sweep_index < 0 ? NAN : (double)g->sweep_index;
    case G_RUNS: return (double)g->runs;
    case G_COMPLETED: return (double)g->completed;
    case G_TRAIN: case G_VALID: case G_TEST: case G_BEST:
        return g->stat[c - G_TRAIN].mean;
    case G_TRAIN_MSE: return g->stat[GROUP_TRAIN_MSE].mean;
    case G_VALID_MSE: return g->stat[GROUP_VALID_MSE].mean;
    default: return NAN;
    }
}

static int compare_groups(const void *a, const void *b)
{
    const struct group_row *x = a, *y = b;
    int c = sort_column;
    if (c == G_POINT || c == G_VALUES) {
        int d = c == G_POINT ? 0 : strcmp(x->values, y->values);
        return d ? d : strcmp(x->point_id, y->point_id);
    }
    return by_number(group_number(x, c), group_number(y, c), x->point_id, y->point_id);
}

void table_sort_groups(struct group_row *g, size_t n, int c)
{
    sort_column = c;
    qsort(g, n, sizeof *g, compare_groups);
}

/* "9.620 ± 0.310 [9.310, 9.930]", "9.620" for one value, "-"; digits after
 * the point (3 for perplexities, 5 for MSEs). */
static void stat_cell(char *buf, size_t n, const struct group_stat *s, int digits)
{
    if (!s->n)
        snprintf(buf, n, "-");
    else if (s->n == 1)
        snprintf(buf, n, "%.*f", digits, s->mean);
    else
        snprintf(buf, n, "%.*f \u00b1 %.*f [%.*f, %.*f]", digits, s->mean, digits,
                 s->std, digits, s->min, digits, s->max);
}

/* "1 stopped, 1 diverged": the runs not averaged. */
static void others(char *buf, size_t n, const struct group_row *g)
{
    buf[0] = '\0';
    const size_t count[] = {g->stopped, g->diverged, g->other};
    const char *name[] = {"stopped", "diverged", "failed or running"};
    for (int i = 0; i < 3; i++)
        if (count[i])
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%zu %s",
                     buf[0] ? ", " : "", count[i], name[i]);
}

void table_print_groups(const struct group_row *g, size_t n, int csv)
{
    if (csv) {
        printf("index,point_id,runs,completed,stopped,diverged,other");
        for (int m = 0; m < GROUP_METRICS; m++)
            printf(",%s_n,%s_mean,%s_std,%s_min,%s_max", group_metric_names[m],
                   group_metric_names[m], group_metric_names[m], group_metric_names[m],
                   group_metric_names[m]);
        printf(",values\n");
        for (size_t k = 0; k < n; k++) {
            if (g[k].sweep_index >= 0)
                printf("%ld", g[k].sweep_index);
            printf(",%s,%zu,%zu,%zu,%zu,%zu", g[k].point_id, g[k].runs, g[k].completed,
                   g[k].stopped, g[k].diverged, g[k].other);
            for (int m = 0; m < GROUP_METRICS; m++) {
                const struct group_stat *s = &g[k].stat[m];
                printf(",%zu", s->n);
                const double v[] = {s->mean, s->std, s->min, s->max};
                for (int i = 0; i < 4; i++) {
                    putchar(',');
                    if (!isnan(v[i]))
                        printf("%.10g", v[i]);
                }
            }
            putchar(',');
            csv_field(g[k].values);
            putchar('\n');
        }
        return;
    }
    /* a regression point shows its MSEs as train and valid (the header says
     * so when every point is one) */
    size_t regression = 0;
    for (size_t k = 0; k < n; k++)
        regression += g[k].regression;
    int all = n > 0 && regression == n, w = all ? 38 : 30; /* MSE cells are wider */
    printf("%5s  %-12s  %4s %4s  %-*s  %-*s  %-30s  %s\n", "index", "point_id",
           "runs", "done", w + 1, all ? "train mse (mean \u00b1 sd [min, max])"
                                      : "train (mean \u00b1 sd [min, max])",
           w, all ? "valid mse" : "valid", "best valid", "values");
    for (size_t k = 0; k < n; k++) {
        char idx[24] = "-", tr[128], va[128], be[128], rest[128];
        int mse = g[k].regression;
        if (g[k].sweep_index >= 0)
            snprintf(idx, sizeof idx, "%ld", g[k].sweep_index);
        stat_cell(tr, sizeof tr, &g[k].stat[mse ? GROUP_TRAIN_MSE : GROUP_TRAIN],
                  mse ? 5 : 3);
        stat_cell(va, sizeof va, &g[k].stat[mse ? GROUP_VALID_MSE : GROUP_VALID],
                  mse ? 5 : 3);
        stat_cell(be, sizeof be, &g[k].stat[GROUP_BEST_VALID], 3);
        char counted[96];
        others(counted, sizeof counted, &g[k]);
        snprintf(rest, sizeof rest, "%s%s%s", mse && !all ? "train, valid: MSE" : "",
                 mse && !all && counted[0] ? "; " : "", counted);
        /* the +1 widths pad for the two-byte \u00b1 */
        printf("%5s  %-12s  %4zu %4zu  %-*s  %-*s  %-*s  %s%s%s%s\n", idx,
               g[k].point_id, g[k].runs, g[k].completed, strchr(tr, '[') ? w + 1 : w, tr,
               strchr(va, '[') ? w + 1 : w, va, strchr(be, '[') ? 31 : 30, be,
               g[k].values, rest[0] ? "  [" : "", rest, rest[0] ? "]" : "");
    }
}
