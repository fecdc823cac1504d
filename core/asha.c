/* asha: see asha.h. */
#include "asha.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "files.h"
#include "mem.h"
#include "suggest.h"
#include "text.h"

static const char *const metric_names[] = {"valid_ppl", "train_ppl", "valid_mse",
                                           "train_mse", NULL};

const char *asha_metric_name(int metric)
{
    return metric_names[metric];
}

int asha_read(const struct tree *node, struct asha_config *a, struct err *e)
{
    static const char *const keys[] = {"metric", "min_epochs", "reduction", NULL};
    *a = (struct asha_config){.enabled = 1, .metric = -1};
    if (node->kind != TREE_MAP)
        return err_set(e, ERR_CONFIG, node->src, node->line, node->col,
                       "sweep.early_stop: expected a mapping {metric: valid_ppl, "
                       "min_epochs: R, reduction: eta}");
    for (size_t i = 0; i < node->n; i++) {
        const struct tree *t = node->items[i];
        int rc = 0;
        if (strcmp(t->key, "metric") == 0) {
            for (int m = 0; metric_names[m] && t->kind == TREE_SCALAR; m++)
                if (strcmp(metric_names[m], t->value) == 0)
                    a->metric = m;
            const char *near = a->metric < 0 && t->kind == TREE_SCALAR
                ? suggest_nearest(t->value, metric_names, sizeof *metric_names) : NULL;
            char hint[64] = "";
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            if (a->metric < 0)
                rc = err_set(e, ERR_CONFIG, t->src, t->line, t->col,
                             "sweep.early_stop.metric: expected one of valid_ppl, "
                             "train_ppl, valid_mse, train_mse%s%s%s%s",
                             t->kind == TREE_SCALAR ? ", got '" : "",
                             t->kind == TREE_SCALAR ? t->value : "",
                             t->kind == TREE_SCALAR ? "'" : "", hint);
        } else if (strcmp(t->key, "min_epochs") == 0) {
            rc = config_read_integer(t, "sweep.early_stop.min_epochs", 1, 1000000000L,
                                     &a->min_epochs, e);
        } else if (strcmp(t->key, "reduction") == 0) {
            rc = config_read_integer(t, "sweep.early_stop.reduction", 2, 1000000L,
                                     &a->reduction, e);
        } else {
            rc = suggest_unknown_key(t, "sweep.early_stop", keys, e);
        }
        if (rc < 0)
            return rc;
    }
    if (a->metric < 0 || !a->min_epochs || !a->reduction)
        return err_set(e, ERR_CONFIG, node->src, node->line, node->col,
                       "sweep.early_stop: needs metric, min_epochs and reduction, "
                       "e.g. {metric: valid_ppl, min_epochs: 1, reduction: 3}");
    return 0;
}

int asha_rung_count(const struct asha_config *a, long epochs)
{
    int k = 0;
    for (double r = (double)a->min_epochs; r < (double)epochs; r *= (double)a->reduction)
        k++;
    return k;
}

int asha_rung_at(const struct asha_config *a, long epochs, long epoch)
{
    int k = 0;
    for (double r = (double)a->min_epochs; r < (double)epochs;
         r *= (double)a->reduction, k++)
        if (r == (double)epoch)
            return k;
    return -1;
}

/* ---- rung files -------------------------------------------------------- */

/* A record as the file holds it: "value V\nepoch E\n" and, once decided,
 * "n N\nrank R\nthreshold T\ndecision continue|stop\nseen ID ID ...\n". */
struct record {
    double value;
    long epoch;
    int decided;
    struct asha_decision d;
};

static int parse_record(const char *text, struct record *r)
{
    memset(r, 0, sizeof *r);
    char decision[16] = "";
    unsigned long n = 0, rank = 0, threshold = 0;
    char value[64];
    if (sscanf(text, "value %63s\nepoch %ld\n", value, &r->epoch) != 2)
        return -1;
    r->value = strtod(value, NULL); /* "nan" reads back as NaN */
    const char *rest = strstr(text, "\nn ");
    if (rest && sscanf(rest, "\nn %lu\nrank %lu\nthreshold %lu\ndecision %15s", &n,
                       &rank, &threshold, decision) == 4) {
        r->decided = 1;
        r->d.n = n;
        r->d.rank = rank;
        r->d.threshold = threshold;
        r->d.stop = strcmp(decision, "stop") == 0;
    }
    return 0;
}

static int read_record(const char *path, struct record *r)
{
    unsigned char *data;
    size_t n;
    struct err ignored;
    if (files_read_whole(path, &data, &n, &ignored) < 0)
        return -1;
    char *text = mem_alloc(n + 1);
    int rc = -1;
    if (text) {
        memcpy(text, data, n);
        text[n] = '\0';
        rc = parse_record(text, r);
    }
    mem_free(text);
    mem_free(data);
    return rc;
}

/* Writes text to path by a temporary name and a rename. */
static int write_atomically(const char *path, const char *text, struct err *e)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int rc = files_write_whole(tmp, text, strlen(text), e);
    if (rc == 0)
        rc = files_commit(tmp, path, e);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* Whether a is ranked ahead of b: lower value, NaN last, ties by run id. */
static int ahead(double va, const char *ida, double vb, const char *idb)
{
    if (isnan(va) != isnan(vb))
        return isnan(vb);
    if (!isnan(va) && va != vb)
        return va < vb;
    return strcmp(ida, idb) < 0;
}

/* A run id: 12 lowercase hex digits. */
static int is_run_id(const char *s)
{
    if (strlen(s) != 12)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

/* Reads the rung's records of the sweep's runs: n, self's rank, and the ids
 * seen (into seen). */
static int rank_in_rung(const char *folder, const char *self, double value,
                        asha_member_fn member, void *ctx, struct text *seen,
                        struct asha_decision *d, struct err *e)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return err_set(e, ERR_IO, folder, 0, 0, "cannot read the rung folder: %s",
                       strerror(errno));
    d->n = 0;
    d->rank = 1;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (!is_run_id(ent->d_name) || !member(ctx, ent->d_name))
            continue;
        struct record r;
        char path[1200];
        snprintf(path, sizeof path, "%.1100s/%.12s", folder, ent->d_name); /* an id */
        if (strcmp(ent->d_name, self) == 0) {
            r.value = value;
        } else if (read_record(path, &r) < 0) {
            continue; /* unreadable: as if it had not arrived */
        }
        d->n++;
        text_add(seen, " %s", ent->d_name);
        if (strcmp(ent->d_name, self) != 0 && ahead(r.value, ent->d_name, value, self))
            d->rank++;
    }
    closedir(dir);
    return 0;
}

int asha_decide(const char *dir, const char *run_id, int rung, long epoch,
                double value, size_t reduction, asha_member_fn member, void *ctx,
                struct asha_decision *d, struct err *e)
{
    char folder[1100], path[1200];
    snprintf(folder, sizeof folder, "%.1000s/rungs/%d", dir, rung);
    snprintf(path, sizeof path, "%.1100s/%.12s", folder, run_id);
    struct record old;
    if (read_record(path, &old) == 0 && old.decided) {
        *d = old.d;
        d->rung = rung;
        d->epoch = old.epoch;
        d->value = old.value;
        return 0;
    }
    int rc = files_make_dirs(folder, e);
    struct text t = {0};
    text_add(&t, "value ");
    text_number(&t, value);
    text_add(&t, "\nepoch %ld\n", epoch);
    char *published = text_take(&t);
    if (!published)
        return err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = write_atomically(path, published, e);
    struct text seen = {0};
    memset(d, 0, sizeof *d);
    d->rung = rung;
    d->epoch = epoch;
    d->value = value;
    if (rc == 0)
        rc = rank_in_rung(folder, run_id, value, member, ctx, &seen, d, e);
    char *ids = text_take(&seen);
    if (rc == 0 && !ids)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (rc == 0) {
        d->threshold = d->n / reduction > 1 ? d->n / reduction : 1;
        d->stop = d->rank > d->threshold;
        text_add(&t, "%sn %zu\nrank %zu\nthreshold %zu\ndecision %s\nseen%s\n",
                 published, d->n, d->rank, d->threshold,
                 d->stop ? "stop" : "continue", ids);
        char *full = text_take(&t);
        rc = full ? write_atomically(path, full, e) : err_msg(e, ERR_NOMEM,
                                                                 "out of memory");
        mem_free(full);
    }
    mem_free(ids);
    mem_free(published);
    return rc;
}

void asha_describe(const struct asha_decision *d, int metric, char *buf, size_t n)
{
    snprintf(buf, n, "early stop: rung %d (epoch %ld): %s %.6g ranked %zu of %zu, "
             "the best %zu continue", d->rung, d->epoch, asha_metric_name(metric),
             d->value, d->rank, d->n, d->threshold);
}
