/* results: see results.h. Writing the run file and finishing it; resuming
 * is resume.c, reading results_read.c. */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "files.h"
#include "h5.h"
#include "mem.h"
#include "results_impl.h"

const char *const results_metric_names[RESULTS_NMETRICS] = {
    "epoch", "train_ppl", "valid_ppl", "test_ppl",
    "tokens_per_s", "seconds", "lr", "grad_norm",
    "train_mse", "valid_mse", "kstep_mse_1", "kstep_mse_4", "kstep_mse_16",
    "kstep_mse_64"};

const char *results_path(const struct results *r)
{
    return r->path;
}

int results_io_error(struct err *e, const char *path, const char *what)
{
    return err_set(e, ERR_IO, path, 0, 0, "%s: %s", what, h5_reason());
}

static void utc_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_vocab(hid_t file, const struct vocab *v)
{
    size_t n = vocab_size(v);
    const char **tokens = mem_alloc(n * sizeof *tokens);
    if (!tokens)
        return -1;
    for (size_t i = 0; i < n; i++)
        tokens[i] = vocab_token(v, (int32_t)i);
    hsize_t dims = n;
    hid_t type = h5_string_type(), space = H5Screate_simple(1, &dims, NULL);
    hid_t d = H5Dcreate2(file, "vocab", type, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, tokens);
    if (d >= 0 && H5Dclose(d) < 0)
        rc = -1;
    H5Sclose(space);
    H5Tclose(type);
    mem_free(tokens);
    return rc < 0 ? -1 : 0;
}

static hid_t create_metric(hid_t group, const char *name, hid_t type)
{
    hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = 256;
    hid_t space = H5Screate_simple(1, &dims, &maxdims);
    hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(plist, 1, &chunk);
    H5Pset_deflate(plist, 4);
    hid_t d = H5Dcreate2(group, name, type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    H5Pclose(plist);
    H5Sclose(space);
    return d;
}

/* A scalar string dataset (a config too long for an attribute, a sample). */
static hid_t write_string_dataset(hid_t loc, const char *name, const char *text,
                                  hid_t lcpl)
{
    hid_t type = h5_string_type(), space = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0) {
        H5Dclose(d);
        d = -1;
    }
    H5Sclose(space);
    H5Tclose(type);
    return d;
}

static int write_header(struct results *r, const char *run_id,
                        const char *config_text, long seed,
                        const struct vocab *v, size_t num_params)
{
    char started[32];
    utc_now(started);
    long long vs = v ? (long long)vocab_size(v) : 0, np = (long long)num_params;
    long long sd = seed;
    /* an attribute over ~64 KiB fails; keep long configs as a dataset */
    int big = strlen(config_text) > 60000;
    if (h5_set_string_attr(r->file, "run_id", run_id) < 0 ||
        h5_set_string_attr(r->file, "status", "running") < 0 ||
        h5_set_string_attr(r->file, "config", big ? "(see the /config dataset)"
                                                   : config_text) < 0 ||
        h5_set_number_attr(r->file, "seed", H5T_NATIVE_LLONG, &sd) < 0 ||
        h5_set_string_attr(r->file, "runner_version", RNNLAB_RUNNER_VERSION) < 0 ||
        h5_set_string_attr(r->file, "started", started) < 0 ||
        h5_set_number_attr(r->file, "vocab_size", H5T_NATIVE_LLONG, &vs) < 0 ||
        h5_set_number_attr(r->file, "num_params", H5T_NATIVE_LLONG, &np) < 0 ||
        (v && write_vocab(r->file, v) < 0))
        return -1;
    if (big) {
        hid_t d = write_string_dataset(r->file, "config", config_text, H5P_DEFAULT);
        if (d < 0 || H5Dclose(d) < 0)
            return -1;
    }
    hid_t g = H5Gcreate2(r->file, "metrics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    /* the MSE columns come with a regression run's first epoch */
    for (int i = 0; i < RESULTS_NMETRICS_LM; i++)
        r->metrics[i] = create_metric(g, results_metric_names[i],
                                      i == 0 ? H5T_STD_I32LE : H5T_IEEE_F64LE);
    H5Gclose(g);
    for (int i = 0; i < RESULTS_NMETRICS_LM; i++)
        if (r->metrics[i] < 0)
            return -1;
    return H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}

int results_close_all(struct results *r)
{
    int rc = 0;
    for (int i = 0; i < RESULTS_NMETRICS; i++)
        if (r->metrics[i] > 0 && H5Dclose(r->metrics[i]) < 0)
            rc = -1;
    if (r->file >= 0 && H5Fclose(r->file) < 0)
        rc = -1;
    r->file = -1;
    memset(r->metrics, 0, sizeof r->metrics);
    return rc;
}

void results_free(struct results *r)
{
    mem_free(r);
}

struct results *results_new(const char *dir, const char *run_id)
{
    struct results *r = mem_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->file = -1;
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    snprintf(r->path, sizeof r->path, "%.1000s/runs/%s.h5", dir, run_id);
    snprintf(r->part, sizeof r->part, "%s.part", r->path);
    return r;
}

int results_create(const char *dir, const char *run_id, const char *config_text,
                   long seed, const struct vocab *v, size_t num_params,
                   struct results **out, struct err *e)
{
    h5_quiet();
    *out = NULL;
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    int rc = files_make_dirs(runs, e);
    if (rc < 0)
        return rc;
    struct results *r = results_new(dir, run_id);
    if (!r)
        return err_msg(e, ERR_NOMEM, "out of memory");
    /* EXCL: a .part that holds epochs is never truncated */
    r->file = H5Fcreate(r->part, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (r->file < 0) {
        rc = access(r->part, F_OK) == 0
                 ? err_set(e, ERR_IO, r->part, 0, 0, "cannot create the run file: "
                           "one is already there")
                 : results_io_error(e, r->part, "cannot create the run file");
        results_free(r);
        return rc;
    }
    if (write_header(r, run_id, config_text, seed, v, num_params) < 0) {
        rc = results_io_error(e, r->part, "cannot write the run file header");
        results_close_all(r);
        results_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int append_value(hid_t d, hsize_t at, hid_t mem_type, const void *value)
{
    hsize_t size = at + 1, start = at, count = 1;
    if (H5Dset_extent(d, &size) < 0)
        return -1;
    hid_t fspace = H5Dget_space(d), mspace = H5Screate_simple(1, &count, NULL);
    herr_t rc = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count,
                                    NULL);
    if (rc >= 0)
        rc = H5Dwrite(d, mem_type, mspace, fspace, H5P_DEFAULT, value);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc < 0 ? -1 : 0;
}

/* A regression run's MSE columns, made when its first epoch is appended (a
 * language model's file has none), NaN for any row already there. */
static int add_mse_columns(struct results *r)
{
    if (r->metrics[RESULTS_NMETRICS_LM] > 0)
        return 0;
    hid_t g = H5Gopen2(r->file, "metrics", H5P_DEFAULT);
    if (g < 0)
        return -1;
    int rc = 0;
    const double nan = NAN;
    for (int i = RESULTS_NMETRICS_LM; i < RESULTS_NMETRICS && rc == 0; i++) {
        r->metrics[i] = create_metric(g, results_metric_names[i], H5T_IEEE_F64LE);
        rc = r->metrics[i] < 0 ? -1 : 0;
        for (hsize_t row = 0; row < r->epochs && rc == 0; row++)
            rc = append_value(r->metrics[i], row, H5T_NATIVE_DOUBLE, &nan);
    }
    H5Gclose(g);
    return rc;
}

int results_append_epoch(struct results *r, const struct epoch_metrics *m,
                         struct err *e)
{
    if (isnan(m->train_ppl) && !isnan(m->train_mse) && add_mse_columns(r) < 0)
        return results_io_error(e, r->part, "cannot add the MSE columns");
    int epoch = (int)m->epoch;
    const double values[RESULTS_NMETRICS] = {
        0, m->train_ppl, m->valid_ppl, m->test_ppl, m->tokens_per_s, m->seconds,
        m->lr, m->grad_norm, m->train_mse, m->valid_mse, m->kstep_mse[0],
        m->kstep_mse[1], m->kstep_mse[2], m->kstep_mse[3]};
    int rc = append_value(r->metrics[0], r->epochs, H5T_NATIVE_INT, &epoch);
    for (int i = 1; i < RESULTS_NMETRICS && rc == 0; i++)
        if (r->metrics[i] > 0) /* a language model's file has no MSEs */
            rc = append_value(r->metrics[i], r->epochs, H5T_NATIVE_DOUBLE, &values[i]);
    if (rc == 0)
        rc = H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
    if (rc < 0) {
        char what[64];
        snprintf(what, sizeof what, "cannot write epoch %ld metrics", m->epoch);
        return results_io_error(e, r->part, what);
    }
    r->epochs++;
    return 0;
}

int results_set_attr(struct results *r, const char *name, const char *value,
                     struct err *e)
{
    if (h5_set_string_attr(r->file, name, value) < 0) {
        char what[96];
        snprintf(what, sizeof what, "cannot write attribute %.60s", name);
        return results_io_error(e, r->part, what);
    }
    return 0;
}

int results_add_sample(struct results *r, long epoch, const char *prefix,
                       const char *text, struct err *e)
{
    char name[64];
    snprintf(name, sizeof name, "samples/%ld", r->samples);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = write_string_dataset(r->file, name, text, lcpl);
    int epoch32 = (int)epoch;
    int rc = d < 0 || h5_set_number_attr(d, "epoch", H5T_NATIVE_INT, &epoch32) < 0 ||
             h5_set_string_attr(d, "prefix", prefix) < 0;
    if (d >= 0 && H5Dclose(d) < 0)
        rc = 1;
    H5Pclose(lcpl);
    if (rc) {
        snprintf(name, sizeof name, "cannot write sample %ld", r->samples);
        return results_io_error(e, r->part, name);
    }
    r->samples++;
    return 0;
}

int results_checkpoint(struct results *r, long epoch, const struct state_block *b,
                       size_t n, struct err *e)
{
    char final[1300];
    snprintf(final, sizeof final, "%s.ckpt", r->path);
    /* the run file as it stands after this epoch (its samples included)
     * goes into the checkpoint: a resume starts from that verified copy,
     * never from a .part that a kill or a full disk may have left
     * half-written */
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        return results_io_error(e, r->part, "cannot write the run file");
    unsigned char *copy;
    size_t bytes;
    int rc = files_read_whole(r->part, &copy, &bytes, e);
    if (rc == 0)
        rc = checkpoint_write(final, r->run_id, epoch, b, n, copy, bytes, e);
    mem_free(copy);
    return rc;
}

/* ---- finishing -------------------------------------------------------- */

static int write_weights(hid_t file, const struct model *m)
{
    hid_t g = H5Gcreate2(file, "weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    real *buf = mem_alloc(model_largest_tensor(m) * sizeof *buf);
    int rc = buf ? 0 : -1;
    for (size_t i = 0; i < m->ntensors && rc == 0; i++) {
        const struct model_tensor *t = &m->tensors[i];
        hsize_t dims[2] = {t->rows, t->cols};
        hid_t space = H5Screate_simple(t->is_bias ? 1 : 2, dims, NULL);
        hid_t d = H5Dcreate2(g, t->name, H5T_IEEE_F32LE, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        model_get_tensor(m, t, buf);
        if (d < 0 || H5Dwrite(d, H5_NATIVE_REAL, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rc = -1;
        if (d >= 0 && H5Dclose(d) < 0)
            rc = -1;
        H5Sclose(space);
    }
    mem_free(buf);
    if (H5Gclose(g) < 0)
        rc = -1;
    return rc;
}

/* Copies the closed .part to dst byte for byte. */
static int copy_file(const char *src, const char *dst, struct err *e)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    int rc = 0;
    if (!in || !out) {
        rc = err_set(e, ERR_IO, in ? dst : src, 0, 0, "cannot open: %s",
                     strerror(errno));
        goto done;
    }
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, got, out) != got) {
            rc = err_set(e, ERR_IO, dst, 0, 0, "cannot write the final results: %s",
                         strerror(errno));
            goto done;
        }
    if (ferror(in))
        rc = err_set(e, ERR_IO, src, 0, 0, "cannot read: %s", strerror(errno));
done:
    if (in)
        fclose(in);
    if (out && fclose(out) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, dst, 0, 0, "cannot write the final results: %s",
                     strerror(errno));
    return rc;
}

/* Adds the weights and final attributes to the copy at path. */
static int write_final(const char *path, const char *status, const struct model *m,
                       double wall_seconds, const char *detail, struct err *e)
{
    char finished[32];
    utc_now(finished);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int rc = f < 0 || (m && write_weights(f, m) < 0) ||
             h5_set_string_attr(f, "finished", finished) < 0 ||
             h5_set_number_attr(f, "wall_seconds", H5T_NATIVE_DOUBLE, &wall_seconds) < 0 ||
             (detail && h5_set_string_attr(f, "detail", detail) < 0) ||
             h5_set_string_attr(f, "status", status) < 0; /* last: the file is whole */
    if (f >= 0 && H5Fclose(f) < 0)
        rc = 1;
    return rc ? results_io_error(e, path, "cannot write the final results") : 0;
}

int results_finish(struct results *r, const char *status, const struct model *m,
                   double wall_seconds, const char *detail, struct err *e)
{
    h5_quiet();
    int rc = 0;
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 || results_close_all(r) < 0)
        rc = results_io_error(e, r->part, "cannot write the run file");
    if (rc < 0 || strcmp(status, "running") == 0) {
        results_free(r);
        return rc;
    }
    char tmp[1300], ckpt[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->path);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", r->path);
    rc = copy_file(r->part, tmp, e);
    if (rc == 0)
        rc = write_final(tmp, status, m, wall_seconds, detail, e);
    if (rc == 0)
        rc = files_commit(tmp, r->path, e);
    if (rc < 0) {
        remove(tmp);
    } else { /* the finished file is durable: what led to it can go */
        remove(r->part);
        remove(ckpt);
    }
    results_free(r);
    return rc;
}

int results_tidy(const char *dir, const char *run_id)
{
    static const char *const leftovers[] = {".part", ".ckpt", ".tmp", ".ckpt.tmp"};
    char path[1200], final[1200];
    int removed = 0;
    snprintf(final, sizeof final, "%.1000s/runs/%s.h5", dir, run_id);
    if (access(final, F_OK) != 0)
        return 0;
    for (size_t i = 0; i < sizeof leftovers / sizeof *leftovers; i++) {
        snprintf(path, sizeof path, "%s%s", final, leftovers[i]);
        removed |= remove(path) == 0;
    }
    return removed;
}

int results_log_attempt(const char *dir, const char *run_id, const char *event,
                        const char *detail, struct err *e)
{
    char path[1200], when[32], line[1400];
    snprintf(path, sizeof path, "%.1000s/runs", dir);
    int rc = files_make_dirs(path, e); /* a run killed before it made any */
    if (rc < 0)
        return rc;
    snprintf(path, sizeof path, "%.1000s/runs/%s.attempts", dir, run_id);
    utc_now(when);
    snprintf(line, sizeof line, "%s\tpid %ld\t%.20s\t", when, (long)getpid(), event);
    size_t at = strlen(line);
    /* one line per attempt, whatever the detail holds */
    for (const char *c = detail; *c && at + 1 < sizeof line; c++)
        line[at++] = *c == '\n' || *c == '\t' ? ' ' : *c;
    line[at] = '\0';
    return files_append_line(path, line, e);
}

