/* results: see results.h. */
#include "results.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
    char path[1200], part[1210];
};

static void quiet_hdf5(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void results_run_id(const char *config_text, char id[13])
{
    struct sha256 s;
    char hex[65];
    sha256_init(&s);
    sha256_update(&s, config_text, strlen(config_text));
    sha256_final_hex(&s, hex);
    memcpy(id, hex, 12);
    id[12] = '\0';
}

const char *results_path(const struct results *r)
{
    return r->path;
}

/* mkdir -p */
static int make_dirs(const char *dir, struct err *e)
{
    char buf[1100];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return err_set(e, ERR_IO, buf, 0, 0,
                               "cannot create results folder: %s", strerror(errno));
            *p = c;
            if (!c)
                return 0;
        }
    }
}

static hid_t utf8_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int set_string_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = utf8_string_type(), space = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, &value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    return rc < 0 ? -1 : 0;
}

static int set_number_attr(hid_t obj, const char *name, hid_t type,
                           const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(space);
    return rc < 0 ? -1 : 0;
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
    hid_t type = utf8_string_type(), space = H5Screate_simple(1, &dims, NULL);
    hid_t d = H5Dcreate2(file, "vocab", type, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, tokens);
    if (d >= 0)
        H5Dclose(d);
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
    if (set_string_attr(r->file, "run_id", run_id) < 0 ||
        set_string_attr(r->file, "status", "running") < 0 ||
        set_string_attr(r->file, "config", big ? "(see the /config dataset)"
                                                : config_text) < 0 ||
        set_number_attr(r->file, "seed", H5T_NATIVE_LLONG, &sd) < 0 ||
        set_string_attr(r->file, "runner_version", RESULTS_VERSION) < 0 ||
        set_string_attr(r->file, "started", started) < 0 ||
        set_number_attr(r->file, "vocab_size", H5T_NATIVE_LLONG, &vs) < 0 ||
        set_number_attr(r->file, "num_params", H5T_NATIVE_LLONG, &np) < 0 ||
        (v && write_vocab(r->file, v) < 0))
        return -1;
    if (big) {
        hid_t type = utf8_string_type(), space = H5Screate(H5S_SCALAR);
        hid_t d = H5Dcreate2(r->file, "config", type, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                          &config_text);
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(space);
        H5Tclose(type);
        if (rc < 0)
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

static void close_all(struct results *r)
{
    for (int i = 0; i < NMETRICS; i++)
        if (r->metrics[i] > 0)
            H5Dclose(r->metrics[i]);
    if (r->file >= 0)
        H5Fclose(r->file);
}

int results_create(const char *dir, const char *run_id, const char *config_text,
                   long seed, const struct vocab *v, size_t num_params,
                   struct results **out, struct err *e)
{
    quiet_hdf5();
    *out = NULL;
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    int rc = make_dirs(runs, e);
    if (rc < 0)
        return rc;
    struct results *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_msg(e, ERR_NOMEM, "out of memory");
    snprintf(r->path, sizeof r->path, "%s/%s.h5", runs, run_id);
    snprintf(r->part, sizeof r->part, "%s.part", r->path);
    r->file = H5Fcreate(r->part, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (r->file < 0) {
        mem_free(r);
        return err_set(e, ERR_IO, runs, 0, 0, "cannot create run file %s.part "
                       "(is the folder writable?)", run_id);
    }
    if (write_header(r, run_id, config_text, seed, v, num_params) < 0) {
        close_all(r);
        rc = err_set(e, ERR_IO, r->part, 0, 0, "cannot write the run file header");
        mem_free(r);
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
    if (rc < 0)
        return err_set(e, ERR_IO, r->part, 0, 0, "cannot write epoch %ld metrics",
                       m->epoch);
    r->epochs++;
    return 0;
}

int results_set_attr(struct results *r, const char *name, const char *value,
                     struct err *e)
{
    if (set_string_attr(r->file, name, value) < 0)
        return err_set(e, ERR_IO, r->part, 0, 0, "cannot write attribute %s", name);
    return 0;
}

/* ---- checkpoints ------------------------------------------------------ */

enum { CK_EPOCH, CK_OPT_T, CK_RNG_S, CK_RNG_I, CK_DROP_S, CK_DROP_I, CK_GEN_S,
       CK_GEN_I, CK_BAD, CK_N };

/* Writes (creating it the first time) a 1-D dataset of n values. */
static int put_array(hid_t g, const char *name, hid_t type, const void *data,
                     hsize_t n)
{
    hid_t d = H5Lexists(g, name, H5P_DEFAULT) > 0 ? H5Dopen2(g, name, H5P_DEFAULT)
                                                  : -1;
    if (d < 0) {
        hid_t space = H5Screate_simple(1, &n, NULL);
        d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(space);
    }
    herr_t rc = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (d >= 0)
        H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

static int get_array(hid_t g, const char *name, hid_t type, void *data, hsize_t n)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t space = H5Dget_space(d);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    herr_t rc = count == (hssize_t)n
                    ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : -1;
    H5Sclose(space);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

/* The trainer's blocks of reals a checkpoint holds, written and read in
 * this order; a NULL block does not exist in this run (no momentum, ...). */
enum { CK_BLOCKS = 4 };
struct ck_block {
    const char *name;
    real *data;
    size_t n;
};

static void ck_blocks(const struct trainer *t, struct ck_block out[CK_BLOCKS])
{
    const struct optim *o = t->opt;
    out[0] = (struct ck_block){"params", t->model->params, t->model->nparams};
    out[1] = (struct ck_block){"optim_buf", o->buf, o->n};
    out[2] = (struct ck_block){"optim_sq", o->sq, o->n};
    out[3] = (struct ck_block){"carried_state", t->carried, t->ncarried};
}

int results_checkpoint(struct results *r, const struct trainer *t,
                       const struct rng *gen_rng, struct err *e)
{
    /* A file of its own, replaced whole (written, then renamed), so that the
     * run file does not carry dead space once the run is done. */
    char tmp[1300], final[1300];
    snprintf(final, sizeof final, "%s.ckpt", r->path);
    snprintf(tmp, sizeof tmp, "%s.ckpt.tmp", r->path);
    hid_t g = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return err_set(e, ERR_IO, tmp, 0, 0, "cannot write the checkpoint");
    const struct optim *o = t->opt;
    uint64_t state[CK_N] = {
        (uint64_t)t->epoch, (uint64_t)o->t, t->rng.state, t->rng.inc,
        t->model->rng.state, t->model->rng.inc, gen_rng->state, gen_rng->inc,
        (uint64_t)t->sched.bad};
    double sched[2] = {t->sched.plateau_lr, t->sched.best};
    int rc = put_array(g, "state", H5T_NATIVE_UINT64, state, CK_N) |
             put_array(g, "schedule", H5T_NATIVE_DOUBLE, sched, 2);
    struct ck_block b[CK_BLOCKS];
    ck_blocks(t, b);
    for (size_t i = 0; i < CK_BLOCKS; i++)
        if (b[i].data)
            rc |= put_array(g, b[i].name, NATIVE_REAL, b[i].data, b[i].n);
    if (H5Fclose(g) < 0 || rc || rename(tmp, final) < 0) {
        remove(tmp);
        return err_set(e, ERR_IO, tmp, 0, 0, "cannot write the checkpoint");
    }
    return 0;
}

/* Restores the trainer from <run file>.ckpt; -1 if absent or unreadable. */
static int restore(const struct results *r, struct trainer *t, struct rng *gen_rng)
{
    char path[1300];
    snprintf(path, sizeof path, "%s.ckpt", r->path);
    hid_t g = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (g < 0)
        return -1;
    struct optim *o = t->opt;
    uint64_t state[CK_N];
    double sched[2];
    int rc = get_array(g, "state", H5T_NATIVE_UINT64, state, CK_N) |
             get_array(g, "schedule", H5T_NATIVE_DOUBLE, sched, 2);
    struct ck_block b[CK_BLOCKS];
    ck_blocks(t, b);
    for (size_t i = 0; i < CK_BLOCKS; i++)
        if (b[i].data)
            rc |= get_array(g, b[i].name, NATIVE_REAL, b[i].data, b[i].n);
    H5Fclose(g);
    if (rc)
        return -1;
    t->epoch = (long)state[CK_EPOCH];
    o->t = (long)state[CK_OPT_T];
    t->rng = (struct rng){state[CK_RNG_S], state[CK_RNG_I]};
    t->model->rng = (struct rng){state[CK_DROP_S], state[CK_DROP_I]};
    *gen_rng = (struct rng){state[CK_GEN_S], state[CK_GEN_I]};
    t->sched.bad = (long)state[CK_BAD];
    t->sched.plateau_lr = sched[0];
    t->sched.best = sched[1];
    return 0;
}

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

static int read_string_attr(hid_t f, const char *path, const char *name,
                            char **out, struct err *e);

int results_resume(const char *dir, const char *run_id, const char *config_text,
                   struct trainer *t, struct rng *gen_rng, struct results **out,
                   struct err *e)
{
    quiet_hdf5();
    *out = NULL;
    struct results *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_msg(e, ERR_NOMEM, "out of memory");
    snprintf(r->path, sizeof r->path, "%.1000s/runs/%s.h5", dir, run_id);
    snprintf(r->part, sizeof r->part, "%s.part", r->path);
    r->file = H5Fopen(r->part, H5F_ACC_RDWR, H5P_DEFAULT);
    char *status = NULL, *config = NULL;
    struct err ignored;
    int resumable = r->file >= 0 &&
        read_string_attr(r->file, r->part, "status", &status, &ignored) == 0 &&
        strcmp(status, "running") == 0 &&
        read_string_attr(r->file, r->part, "config", &config, &ignored) == 0 &&
        strcmp(config, config_text) == 0 && restore(r, t, gen_rng) == 0 &&
        count_samples(r->file, &r->samples) == 0;
    mem_free(status);
    mem_free(config);
    for (int i = 0; resumable && i < NMETRICS; i++) {
        char name[64];
        snprintf(name, sizeof name, "metrics/%s", metric_names[i]);
        r->metrics[i] = H5Dopen2(r->file, name, H5P_DEFAULT);
        hsize_t rows = (hsize_t)t->epoch;
        /* rows past the checkpoint (none when the flush was whole) go */
        if (r->metrics[i] < 0 || H5Dset_extent(r->metrics[i], &rows) < 0)
            resumable = 0;
    }
    if (!resumable) {
        close_all(r);
        mem_free(r);
        return 0;
    }
    r->epochs = (hsize_t)t->epoch;
    *out = r;
    return 1;
}

int results_add_sample(struct results *r, long epoch, const char *prefix,
                       const char *text, struct err *e)
{
    char name[64];
    snprintf(name, sizeof name, "samples/%ld", r->samples);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t type = utf8_string_type(), space = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(r->file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    int epoch32 = (int)epoch;
    int rc = d < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text) < 0 ||
             set_number_attr(d, "epoch", H5T_NATIVE_INT, &epoch32) < 0 ||
             set_string_attr(d, "prefix", prefix) < 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
    H5Pclose(lcpl);
    if (rc)
        return err_set(e, ERR_IO, r->part, 0, 0, "cannot write sample %ld", r->samples);
    r->samples++;
    return 0;
}

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
        if (d >= 0)
            H5Dclose(d);
        H5Sclose(space);
    }
    mem_free(buf);
    H5Gclose(g);
    return rc;
}

int results_finish(struct results *r, const char *status, const struct model *m,
                   double wall_seconds, const char *detail, struct err *e)
{
    int rc = 0, done = strcmp(status, "running") != 0;
    char finished[32];
    utc_now(finished);
    if ((m && write_weights(r->file, m) < 0) ||
        set_string_attr(r->file, "status", status) < 0 ||
        (done && set_string_attr(r->file, "finished", finished) < 0) ||
        set_number_attr(r->file, "wall_seconds", H5T_NATIVE_DOUBLE, &wall_seconds) < 0 ||
        (detail && set_string_attr(r->file, "detail", detail) < 0) ||
        H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        rc = err_set(e, ERR_IO, r->part, 0, 0, "cannot write the final results");
    close_all(r);
    if (rc == 0 && done && rename(r->part, r->path) < 0)
        rc = err_set(e, ERR_IO, r->part, 0, 0, "cannot rename to %s: %s", r->path,
                     strerror(errno));
    if (rc == 0 && done) { /* a finished run needs no checkpoint */
        char ckpt[1300];
        snprintf(ckpt, sizeof ckpt, "%s.ckpt", r->path);
        remove(ckpt);
    }
    mem_free(r);
    return rc;
}

int results_mark_failed(const char *dir, const char *run_id,
                        const char *config_text, long seed, const char *detail,
                        struct err *e)
{
    quiet_hdf5();
    char part[1200];
    snprintf(part, sizeof part, "%.1000s/runs/%s.h5.part", dir, run_id);
    hid_t f = H5Fopen(part, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f >= 0) {
        int rc = set_string_attr(f, "status", "failed") | set_string_attr(f, "detail", detail);
        if (H5Fclose(f) < 0 || rc)
            return err_set(e, ERR_IO, part, 0, 0, "cannot mark the run failed");
        return 0;
    }
    struct results *r;
    int rc = results_create(dir, run_id, config_text, seed, NULL, 0, &r, e);
    return rc < 0 ? rc : results_finish(r, "failed", NULL, 0, detail, e);
}

/* ---- reading ---------------------------------------------------------- */

static hid_t open_read(const char *path, struct err *e)
{
    quiet_hdf5();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1); /* a writer may hold the file open */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
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

/* A variable-length string attribute of the root, copied with mem_alloc. */
static int read_string_attr(hid_t f, const char *path, const char *name,
                            char **out, struct err *e)
{
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0)
        return err_set(e, ERR_DATA, path, 0, 0, "no '%s' attribute", name);
    hid_t type = utf8_string_type();
    char *value = NULL;
    int rc = 0;
    if (H5Aread(a, type, &value) < 0 || !value)
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read the '%s' attribute", name);
    else if (!(*out = mem_strdup(value)))
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    if (value)
        H5free_memory(value);
    H5Tclose(type);
    H5Aclose(a);
    return rc;
}

int results_read_config(const char *path, char **config_text, struct err *e)
{
    hid_t f = open_read(path, e);
    if (f < 0)
        return ERR_IO;
    int rc;
    if (H5Lexists(f, "config", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, "config", H5P_DEFAULT), type = utf8_string_type();
        char *value = NULL;
        rc = d < 0 || H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0
                 ? err_set(e, ERR_DATA, path, 0, 0, "cannot read /config")
                 : 0;
        if (rc == 0 && !(*config_text = mem_strdup(value)))
            rc = err_msg(e, ERR_NOMEM, "out of memory");
        if (value)
            H5free_memory(value);
        H5Tclose(type);
        if (d >= 0)
            H5Dclose(d);
    } else {
        rc = read_string_attr(f, path, "config", config_text, e);
    }
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
    hid_t d = H5Dopen2(f, "vocab", H5P_DEFAULT), type = utf8_string_type();
    hid_t space = d < 0 ? -1 : H5Dget_space(d);
    hsize_t n = 0;
    char **tokens = NULL;
    if (space < 0 || H5Sget_simple_extent_dims(space, &n, NULL) != 1 ||
        !(tokens = mem_calloc(n, sizeof *tokens)) ||
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
        hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
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
