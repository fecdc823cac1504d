/* results: see results.h. */
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
#include "sha256.h"
#include "tree.h"

#ifdef RNNLAB_DOUBLE
#define NATIVE_REAL H5T_NATIVE_DOUBLE
#else
#define NATIVE_REAL H5T_NATIVE_FLOAT
#endif

#define NMETRICS 8
static const char *const metric_names[NMETRICS] = {
    "epoch", "train_ppl", "valid_ppl", "test_ppl",
    "tokens_per_s", "seconds", "lr", "grad_norm"};

struct results {
    hid_t file;
    hid_t metrics[NMETRICS];
    hsize_t epochs;
    long samples;
    char run_id[13];     /* what the checkpoint's checksum binds it to */
    char path[1200], part[1210];
};

const char *results_path(const struct results *r)
{
    return r->path;
}

/* An I/O failure on path: what failed and why, in one line. */
static int io_error(struct err *e, const char *path, const char *what)
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
    for (int i = 0; i < NMETRICS; i++)
        r->metrics[i] = create_metric(g, metric_names[i],
                                      i == 0 ? H5T_STD_I32LE : H5T_IEEE_F64LE);
    H5Gclose(g);
    for (int i = 0; i < NMETRICS; i++)
        if (r->metrics[i] < 0)
            return -1;
    return H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}

/* Closes every handle; -1 if the file's last write-back failed. */
static int close_all(struct results *r)
{
    int rc = 0;
    for (int i = 0; i < NMETRICS; i++)
        if (r->metrics[i] > 0 && H5Dclose(r->metrics[i]) < 0)
            rc = -1;
    if (r->file >= 0 && H5Fclose(r->file) < 0)
        rc = -1;
    r->file = -1;
    memset(r->metrics, 0, sizeof r->metrics);
    return rc;
}

static void results_free(struct results *r)
{
    mem_free(r);
}

static struct results *results_new(const char *dir, const char *run_id)
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
                 : io_error(e, r->part, "cannot create the run file");
        results_free(r);
        return rc;
    }
    if (write_header(r, run_id, config_text, seed, v, num_params) < 0) {
        rc = io_error(e, r->part, "cannot write the run file header");
        close_all(r);
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

int results_append_epoch(struct results *r, const struct epoch_metrics *m,
                         struct err *e)
{
    int epoch = (int)m->epoch;
    const double values[NMETRICS] = {0, m->train_ppl, m->valid_ppl, m->test_ppl,
                                     m->tokens_per_s, m->seconds, m->lr,
                                     m->grad_norm};
    int rc = append_value(r->metrics[0], r->epochs, H5T_NATIVE_INT, &epoch);
    for (int i = 1; i < NMETRICS && rc == 0; i++)
        rc = append_value(r->metrics[i], r->epochs, H5T_NATIVE_DOUBLE, &values[i]);
    if (rc == 0)
        rc = H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
    if (rc < 0) {
        char what[64];
        snprintf(what, sizeof what, "cannot write epoch %ld metrics", m->epoch);
        return io_error(e, r->part, what);
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
        return io_error(e, r->part, what);
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
        return io_error(e, r->part, name);
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
        return io_error(e, r->part, "cannot write the run file");
    unsigned char *copy;
    size_t bytes;
    int rc = files_read_whole(r->part, &copy, &bytes, e);
    if (rc == 0)
        rc = checkpoint_write(final, r->run_id, epoch, b, n, copy, bytes, e);
    mem_free(copy);
    return rc;
}

/* ---- resuming --------------------------------------------------------- */

static int count_samples(hid_t f, long *n)
{
    *n = 0;
    if (H5Lexists(f, "samples", H5P_DEFAULT) <= 0)
        return 0;
    H5G_info_t info;
    if (H5Gget_info_by_name(f, "samples", &info, H5P_DEFAULT) < 0)
        return -1;
    *n = (long)info.nlinks;
    return 0;
}

/* The run file's config text (attribute, or /config for a long one). */
static int stored_config(hid_t f, char **out)
{
    *out = NULL;
    if (H5Lexists(f, "config", H5P_DEFAULT) <= 0)
        return h5_get_string_attr(f, "config", out);
    hid_t d = H5Dopen2(f, "config", H5P_DEFAULT), type = h5_string_type();
    char *value = NULL;
    int rc = d >= 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) >= 0 &&
             value ? 0 : -1;
    if (rc == 0 && !(*out = mem_strdup(value)))
        rc = -1;
    if (value)
        H5free_memory(value);
    H5Tclose(type);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* Opens the metric datasets and gives the smallest row count. */
static int open_metrics(struct results *r, hsize_t *rows)
{
    *rows = (hsize_t)-1;
    for (int i = 0; i < NMETRICS; i++) {
        char name[64];
        snprintf(name, sizeof name, "metrics/%s", metric_names[i]);
        r->metrics[i] = H5Lexists(r->file, "metrics", H5P_DEFAULT) > 0 &&
                                H5Lexists(r->file, name, H5P_DEFAULT) > 0
                            ? H5Dopen2(r->file, name, H5P_DEFAULT) : -1;
        if (r->metrics[i] < 0)
            return -1;
        hid_t s = H5Dget_space(r->metrics[i]);
        hssize_t n = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
        if (s >= 0)
            H5Sclose(s);
        if (n < 0)
            return -1;
        if ((hsize_t)n < *rows)
            *rows = (hsize_t)n;
    }
    return 0;
}

/* Renames path to path.bad (replacing an older .bad); never deletes. */
static int set_aside(const char *path, struct err *e)
{
    char bad[1400];
    snprintf(bad, sizeof bad, "%s.bad", path);
    if (access(path, F_OK) != 0)
        return 0;
    if (rename(path, bad) < 0)
        return err_set(e, ERR_IO, path, 0, 0, "cannot set the file aside as %s: %s",
                       bad, strerror(errno));
    return 0;
}

/* Why the open .part cannot be resumed, or "" when it can be checked
 * against its checkpoint. */
static void check_part(struct results *r, char *why, size_t nwhy)
{
    char *status = NULL, *id = NULL;
    why[0] = '\0';
    if (r->file < 0)
        snprintf(why, nwhy, "it cannot be opened (damaged or truncated)");
    else if (h5_get_string_attr(r->file, "status", &status) < 0)
        snprintf(why, nwhy, "it has no readable status");
    else if (strcmp(status, "running") != 0)
        snprintf(why, nwhy, "its status is '%.20s'", status);
    else if (h5_get_string_attr(r->file, "run_id", &id) < 0 || strcmp(id, r->run_id))
        snprintf(why, nwhy, "its run_id attribute is not '%s'", r->run_id);
    mem_free(status);
    mem_free(id);
}

/* A .part without a checkpoint: killed before its first checkpoint. With no
 * epoch in it, it goes; otherwise why says what is set aside. */
static void part_without_checkpoint(struct results *r, char *why, size_t nwhy)
{
    hsize_t rows = 0;
    r->file = h5_open_unlocked(r->part);
    if (r->file < 0)
        snprintf(why, nwhy, "it cannot be opened (damaged or truncated)");
    else if (open_metrics(r, &rows) == 0 && rows == 0)
        why[0] = '\0';
    else
        snprintf(why, nwhy, "it has epochs but no checkpoint");
    close_all(r);
    H5Eclear2(H5E_DEFAULT);
}

/* Puts the run file saved in the checkpoint in place of the .part and opens
 * it; why says what is wrong with it. */
static int reopen_from_copy(struct results *r, const unsigned char *copy,
                            size_t bytes, long epoch, char *why, size_t nwhy,
                            struct err *e)
{
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->part);
    int rc = files_write_whole(tmp, copy, bytes, e);
    if (rc == 0)
        rc = files_commit(tmp, r->part, e);
    if (rc < 0) {
        remove(tmp);
        return rc;
    }
    hsize_t rows = 0;
    r->file = H5Fopen(r->part, H5F_ACC_RDWR, H5P_DEFAULT);
    check_part(r, why, nwhy);
    if (!why[0] && open_metrics(r, &rows) < 0)
        snprintf(why, nwhy, "its metrics cannot be read");
    if (!why[0] && rows != (hsize_t)epoch)
        snprintf(why, nwhy, "its run file has %llu epoch(s), its checkpoint %ld",
                 (unsigned long long)rows, epoch);
    if (!why[0] && count_samples(r->file, &r->samples) < 0)
        snprintf(why, nwhy, "its samples cannot be read");
    return 0;
}

int results_resume(const char *dir, const char *run_id,
                   const struct state_block *b, size_t n, struct results **out,
                   long *epoch, char *note, size_t nnote, struct err *e)
{
    h5_quiet();
    *out = NULL;
    note[0] = '\0';
    struct results *r = results_new(dir, run_id);
    if (!r)
        return err_msg(e, ERR_NOMEM, "out of memory");
    char ckpt[1300], why[256] = "";
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", r->path);
    int has_ckpt = access(ckpt, F_OK) == 0, has_part = access(r->part, F_OK) == 0;
    unsigned char *staged = NULL, *copy = NULL;
    size_t bytes = 0;
    int rc = 0;
    if (!has_ckpt) {
        if (has_part)
            part_without_checkpoint(r, why, sizeof why);
        if (has_part && !why[0] && remove(r->part) < 0)
            rc = err_set(e, ERR_IO, r->part, 0, 0, "cannot remove: %s", strerror(errno));
        if (why[0])
            goto unusable;
        goto fresh;
    }
    rc = checkpoint_read(ckpt, run_id, b, n, &staged, epoch, &copy, &bytes, why,
                         sizeof why, e);
    if (rc == ERR_NOMEM)
        goto fresh;
    rc = 0;
    if (!why[0] && (rc = reopen_from_copy(r, copy, bytes, *epoch, why, sizeof why, e)) < 0)
        goto fresh;
    if (why[0])
        goto unusable;
    checkpoint_restore(b, n, staged);
    mem_free(staged);
    mem_free(copy);
    r->epochs = (hsize_t)*epoch;
    *out = r;
    return 1;
unusable:
    close_all(r);
    H5Eclear2(H5E_DEFAULT);
    rc = set_aside(r->part, e);
    if (rc == 0)
        rc = set_aside(ckpt, e);
    if (rc == 0)
        snprintf(note, nnote, "%s: cannot resume: %s; set aside as .bad, "
                 "restarting the run from scratch", has_part ? r->part : ckpt, why);
fresh:
    close_all(r);
    mem_free(staged);
    mem_free(copy);
    results_free(r);
    return rc;
}

/* ---- finishing -------------------------------------------------------- */

static int write_weights(hid_t file, const struct model *m)
{
    hid_t g = H5Gcreate2(file, "weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    size_t most = 0;
    for (size_t i = 0; i < m->ntensors; i++)
        if (m->tensors[i].rows * m->tensors[i].cols > most)
            most = m->tensors[i].rows * m->tensors[i].cols;
    real *buf = mem_alloc(most * sizeof *buf);
    int rc = buf ? 0 : -1;
    for (size_t i = 0; i < m->ntensors && rc == 0; i++) {
        const struct model_tensor *t = &m->tensors[i];
        hsize_t dims[2] = {t->rows, t->cols};
        hid_t space = H5Screate_simple(t->is_bias ? 1 : 2, dims, NULL);
        hid_t d = H5Dcreate2(g, t->name, H5T_IEEE_F32LE, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        model_get_tensor(m, t, buf);
        if (d < 0 || H5Dwrite(d, NATIVE_REAL, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
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
    return rc ? io_error(e, path, "cannot write the final results") : 0;
}

int results_finish(struct results *r, const char *status, const struct model *m,
                   double wall_seconds, const char *detail, struct err *e)
{
    h5_quiet();
    int rc = 0;
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 || close_all(r) < 0)
        rc = io_error(e, r->part, "cannot write the run file");
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

/* ---- reading ---------------------------------------------------------- */

static hid_t open_read(const char *path, struct err *e)
{
    hid_t f = h5_open_unlocked(path);
    if (f < 0) {
        FILE *probe = fopen(path, "rb");
        if (!probe)
            err_set(e, ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
        else {
            fclose(probe);
            err_set(e, ERR_IO, path, 0, 0, "not a readable HDF5 run file");
        }
    }
    return f;
}

int results_read_config(const char *path, char **config_text, struct err *e)
{
    hid_t f = open_read(path, e);
    if (f < 0)
        return ERR_IO;
    int rc = stored_config(f, config_text) < 0
                 ? err_set(e, ERR_DATA, path, 0, 0, "cannot read the run's config")
                 : 0;
    H5Fclose(f);
    return rc;
}

int results_load_config(const char *path, int noverrides, char *const *overrides,
                        struct config *cfg, struct err *e)
{
    char *text = NULL;
    struct tree *root = NULL;
    int rc = config_defaults(cfg, path, e);
    if (rc == 0)
        rc = results_read_config(path, &text, e);
    if (rc == 0)
        rc = tree_parse_string(text, path, &root, e);
    for (int i = 0; rc == 0 && i < noverrides; i++)
        rc = config_apply_override(root, overrides[i], e);
    if (rc == 0)
        rc = config_read(cfg, root, e);
    tree_free(root);
    mem_free(text);
    return rc;
}

int results_read_vocab(const char *path, struct vocab **v, struct err *e)
{
    *v = NULL;
    hid_t f = open_read(path, e);
    if (f < 0)
        return ERR_IO;
    int rc = 0;
    hid_t d = H5Lexists(f, "vocab", H5P_DEFAULT) > 0 ? H5Dopen2(f, "vocab", H5P_DEFAULT)
                                                      : -1;
    hid_t type = h5_string_type();
    hid_t space = d < 0 ? -1 : H5Dget_space(d);
    hsize_t n = 0;
    char **tokens = NULL;
    if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, &n, NULL) != 1 ||
        !(tokens = mem_calloc(n ? n : 1, sizeof *tokens)) ||
        H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, tokens) < 0)
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read /vocab");
    if (rc == 0)
        rc = vocab_from_list(v, (const char *const *)tokens, (size_t)n, e);
    if (tokens) {
        if (space >= 0)
            H5Dvlen_reclaim(type, space, H5P_DEFAULT, tokens);
        mem_free(tokens);
    }
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    H5Tclose(type);
    H5Fclose(f);
    return rc;
}

int results_load_weights(const char *path, struct model *m, struct err *e)
{
    hid_t f = open_read(path, e);
    if (f < 0)
        return ERR_IO;
    size_t most = 0;
    for (size_t i = 0; i < m->ntensors; i++)
        if (m->tensors[i].rows * m->tensors[i].cols > most)
            most = m->tensors[i].rows * m->tensors[i].cols;
    real *buf = mem_alloc(most * sizeof *buf);
    int rc = buf ? 0 : err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < m->ntensors && rc == 0; i++) {
        const struct model_tensor *t = &m->tensors[i];
        char name[80];
        snprintf(name, sizeof name, "weights/%s", t->name);
        hid_t d = H5Lexists(f, "weights", H5P_DEFAULT) > 0 &&
                          H5Lexists(f, name, H5P_DEFAULT) > 0
                      ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
        hid_t space = d < 0 ? -1 : H5Dget_space(d);
        hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
        if (count != (hssize_t)(t->rows * t->cols) ||
            H5Dread(d, NATIVE_REAL, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rc = err_set(e, ERR_DATA, path, 0, 0,
                         "/weights/%s is missing or has the wrong shape", t->name);
        else if (!t->alias)
            model_set_tensor(m, t, buf);
        if (space >= 0)
            H5Sclose(space);
        if (d >= 0)
            H5Dclose(d);
    }
    mem_free(buf);
    H5Fclose(f);
    return rc;
}
