/* index: see index.h. */
#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claim.h"
#include "files.h"
#include "group.h"
#include "h5.h"
#include "mem.h"
#include "version.h"

/* A root string attribute into buf ("" when absent or not a string). */
static void string_attr(hid_t f, const char *name, char *buf, size_t n)
{
    char *v;
    buf[0] = '\0';
    if (h5_get_string_attr(f, name, &v) == 0) {
        snprintf(buf, n, "%s", v);
        mem_free(v);
    }
}

static double double_attr(hid_t f, const char *name)
{
    double v = NAN;
    if (H5Aexists(f, name) > 0) {
        hid_t a = H5Aopen(f, name, H5P_DEFAULT);
        if (a < 0 || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = NAN;
        if (a >= 0)
            H5Aclose(a);
    }
    return v;
}

/* /metrics/<name> into a new array of *n doubles (NULL if absent). */
static double *metric(hid_t f, const char *name, long *n)
{
    char path[64];
    snprintf(path, sizeof path, "metrics/%s", name);
    *n = 0;
    if (H5Lexists(f, "metrics", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    hid_t s = d < 0 ? -1 : H5Dget_space(d);
    hssize_t count = s < 0 ? 0 : H5Sget_simple_extent_npoints(s);
    double *v = count > 0 ? mem_alloc((size_t)count * sizeof *v) : NULL;
    if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        mem_free(v);
        v = NULL;
    }
    if (v)
        *n = (long)count;
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    return v;
}

static double last_finite(const double *v, long n)
{
    for (long i = n; i-- > 0;)
        if (!isnan(v[i]))
            return v[i];
    return NAN;
}

static void fill_metrics(hid_t f, struct index_row *row)
{
    /* a damaged or hand-made file may hold columns of different lengths:
     * read only the rows every column has */
    long n, nv, nt, np;
    double *train = metric(f, "train_ppl", &n), *valid = metric(f, "valid_ppl", &nv);
    double *test = metric(f, "test_ppl", &nt), *tps = metric(f, "tokens_per_s", &np);
    if (valid && nv < n)
        n = nv;
    if (test && nt < n)
        n = nt;
    if (tps && np < n)
        n = np;
    row->epochs = n;
    row->train_ppl = train ? last_finite(train, n) : NAN;
    row->valid_ppl = valid ? last_finite(valid, n) : NAN;
    row->test_ppl = test ? last_finite(test, n) : NAN;
    double sum = 0;
    for (long i = 0; tps && i < n; i++)
        sum += tps[i];
    row->tokens_per_s = n && tps ? sum / (double)n : NAN;
    for (long i = 0; valid && i < n; i++)
        if (!isnan(valid[i]) && (isnan(row->best_valid_ppl) || valid[i] < row->best_valid_ppl)) {
            row->best_valid_ppl = valid[i];
            row->best_valid_epoch = i + 1;
        }
    mem_free(train);
    mem_free(valid);
    mem_free(test);
    mem_free(tps);
    long nm, nvm;
    double *train_mse = metric(f, "train_mse", &nm), *valid_mse = metric(f, "valid_mse", &nvm);
    row->regression = train_mse != NULL;
    row->train_mse = train_mse ? last_finite(train_mse, nm < n ? nm : n) : NAN;
    row->valid_mse = valid_mse ? last_finite(valid_mse, nvm < n ? nvm : n) : NAN;
    mem_free(train_mse);
    mem_free(valid_mse);
}

/* Reads one run file into a row (status "unreadable" when it cannot). */
static void index_read_run(const char *path, struct index_row *row)
{
    row->best_valid_ppl = row->train_ppl = row->valid_ppl = row->test_ppl = NAN;
    row->train_mse = row->valid_mse = NAN;
    row->wall_seconds = row->tokens_per_s = NAN;
    row->sweep_index = -1;
    hid_t f = h5_open_unlocked(path);
    char buf[4096];
    if (f < 0) {
        snprintf(row->status, sizeof row->status, "unreadable");
        row->values = mem_strdup("");
        row->detail = mem_strdup("not a readable HDF5 run file");
        return;
    }
    string_attr(f, "status", row->status, sizeof row->status);
    string_attr(f, "runner_version", row->version, sizeof row->version);
    string_attr(f, "point_id", row->point_id, sizeof row->point_id);
    string_attr(f, "sweep_values", buf, sizeof buf);
    row->values = mem_strdup(buf);
    string_attr(f, "detail", buf, sizeof buf);
    row->detail = mem_strdup(buf);
    string_attr(f, "sweep_index", buf, sizeof buf);
    if (buf[0])
        row->sweep_index = strtol(buf, NULL, 10);
    if (!row->status[0])
        snprintf(row->status, sizeof row->status, "unreadable");
    row->wall_seconds = double_attr(f, "wall_seconds");
    fill_metrics(f, row);
    H5Fclose(f);
}

/* ---- scanning --------------------------------------------------------- */

static int by_index_then_id(const void *a, const void *b)
{
    const struct index_row *x = a, *y = b;
    if (x->sweep_index != y->sweep_index)
        return x->sweep_index < y->sweep_index ? -1 : 1;
    return strcmp(x->run_id, y->run_id);
}

/* The kind of a file in runs/ ("<12 hex>" then a suffix), or RUN_NONE. */
enum run_file { RUN_NONE, RUN_FINISHED, RUN_PART, RUN_ATTEMPTS };

static enum run_file run_file_id(const char *name, char id[13])
{
    static const struct { const char *suffix; enum run_file kind; } kinds[] = {
        {".h5", RUN_FINISHED}, {".h5.part", RUN_PART}, {".attempts", RUN_ATTEMPTS}};
    if (strlen(name) < 13 || strspn(name, "0123456789abcdef") != 12)
        return RUN_NONE;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(name + 12, kinds[i].suffix) == 0) {
            memcpy(id, name, 12);
            id[12] = '\0';
            return kinds[i].kind;
        }
    return RUN_NONE;
}

static int exists(const char *runs, const char *id, const char *suffix)
{
    char path[1200];
    snprintf(path, sizeof path, "%.1100s/%s%s", runs, id, suffix);
    return access(path, F_OK) == 0;
}

/* The last line of <runs>/<id>.attempts: its status word and detail ("" when
 * there is none). */
static void last_attempt(const char *runs, const char *id, char status[16],
                         char *detail, size_t n)
{
    char path[1200], line[1400] = "", buf[1400];
    status[0] = detail[0] = '\0';
    snprintf(path, sizeof path, "%.1100s/%s.attempts", runs, id);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(buf, sizeof buf, f))
        if (strchr(buf, '\t'))
            memcpy(line, buf, sizeof line);
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    /* TIME \t pid PID \t STATUS \t DETAIL */
    char *field = line;
    for (int i = 0; i < 2 && field; i++)
        field = strchr(field, '\t') ? strchr(field, '\t') + 1 : NULL;
    if (!field)
        return;
    size_t len = strcspn(field, "\t");
    snprintf(status, 16, "%.*s", (int)(len < 15 ? len : 15), field);
    if (field[len] == '\t')
        snprintf(detail, n, "%s", field + len + 1);
}

/* An interrupted .part: running while its claim is held, failed when its
 * last attempt failed, else running (it resumes on the next sweep). */
static void part_status(const char *dir, const char *runs, struct index_row *row)
{
    if (strcmp(row->status, "running") != 0 && strcmp(row->status, "completed") != 0 &&
        strcmp(row->status, "unreadable") != 0)
        return; /* an old version's own status */
    snprintf(row->status, sizeof row->status, "running");
    if (claim_is_held(dir, row->run_id))
        return;
    char status[16], detail[1100];
    last_attempt(runs, row->run_id, status, detail, sizeof detail);
    char *text = mem_strdup(strcmp(status, "failed") == 0 ? detail
                            : "interrupted; resumes when its sweep runs again");
    if (!text)
        return;
    if (strcmp(status, "failed") == 0)
        snprintf(row->status, sizeof row->status, "failed");
    mem_free(row->detail);
    row->detail = text;
}

/* A run with only an attempts log: running while its claim is held (it has
 * not made its file yet), else it failed before writing a run file. */
static void attempts_row(const char *dir, const char *runs, struct index_row *row)
{
    char status[16], detail[1100];
    row->best_valid_ppl = row->train_ppl = row->valid_ppl = row->test_ppl = NAN;
    row->train_mse = row->valid_mse = NAN;
    row->wall_seconds = row->tokens_per_s = NAN;
    row->sweep_index = -1;
    last_attempt(runs, row->run_id, status, detail, sizeof detail);
    int held = claim_is_held(dir, row->run_id);
    snprintf(row->status, sizeof row->status, held ? "running" : "failed");
    row->values = mem_strdup("");
    row->detail = mem_strdup(held || strcmp(status, "failed") == 0
                                 ? detail : "its process ended before it wrote a run file");
}

size_t index_count_foreign(const struct index_row *rows, size_t n,
                           const char **example)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].version[0] && strcmp(rows[i].version, RNNLAB_RUNNER_VERSION) != 0) {
            *example = rows[i].version;
            count++;
        }
    return count;
}

int index_has_files(const char *dir, const char *run_id)
{
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    return exists(runs, run_id, ".h5") || exists(runs, run_id, ".h5.part") ||
           exists(runs, run_id, ".attempts");
}

int index_has_leftovers(const char *dir, const char *run_id)
{
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    return exists(runs, run_id, ".h5") &&
           (exists(runs, run_id, ".h5.part") || exists(runs, run_id, ".h5.ckpt"));
}

int index_scan(const char *dir, struct index_row **rows, size_t *n, struct err *e)
{
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    *rows = NULL;
    *n = 0;
    DIR *d = opendir(runs);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return err_set(e, ERR_IO, runs, 0, 0, "cannot read: %s", strerror(errno));
    }
    size_t cap = 0;
    struct dirent *ent;
    int rc = 0;
    while (rc == 0 && (ent = readdir(d))) {
        char id[13], path[1200];
        enum run_file kind = run_file_id(ent->d_name, id);
        /* one row per run: the finished file wins, then the .part */
        if (kind == RUN_NONE || (kind != RUN_FINISHED && exists(runs, id, ".h5")) ||
            (kind == RUN_ATTEMPTS && exists(runs, id, ".h5.part")))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            struct index_row *r = mem_realloc(*rows, cap * sizeof *r);
            if (!r) {
                rc = err_msg(e, ERR_NOMEM, "out of memory");
                break;
            }
            *rows = r;
        }
        struct index_row *row = &(*rows)[(*n)++];
        memset(row, 0, sizeof *row);
        memcpy(row->run_id, id, 13);
        snprintf(row->file, sizeof row->file, "runs/%.24s", ent->d_name);
        snprintf(path, sizeof path, "%.1100s/%.24s", runs, ent->d_name);
        if (kind == RUN_ATTEMPTS) {
            attempts_row(dir, runs, row);
            row->file[0] = '\0'; /* nothing to link */
        } else {
            index_read_run(path, row);
        }
        if (kind == RUN_PART && row->values && row->detail)
            part_status(dir, runs, row);
        if (!row->point_id[0]) /* a file from before point ids: its own point */
            memcpy(row->point_id, id, 13);
        if (!row->values || !row->detail)
            rc = err_msg(e, ERR_NOMEM, "out of memory");
    }
    closedir(d);
    if (rc < 0) {
        index_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return rc;
    }
    if (*n > 1)
        qsort(*rows, *n, sizeof **rows, by_index_then_id);
    return 0;
}

void index_free(struct index_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        mem_free(rows[i].values);
        mem_free(rows[i].detail);
    }
    mem_free(rows);
}

void index_run_status(const char *dir, const char *run_id, char status[16])
{
    char path[1200];
    status[0] = '\0';
    snprintf(path, sizeof path, "%.1000s/runs/%s.h5", dir, run_id);
    if (access(path, F_OK) == 0) {
        hid_t f = h5_open_unlocked(path);
        if (f < 0) {
            snprintf(status, 16, "unreadable");
            return;
        }
        string_attr(f, "status", status, 16);
        H5Fclose(f);
        return;
    }
    snprintf(path, sizeof path, "%.1000s/runs/%s.h5.part", dir, run_id);
    if (access(path, F_OK) == 0)
        snprintf(status, 16, "running");
}

/* ---- writing index.h5 ------------------------------------------------- */

static int write_column(hid_t g, const char *name, hid_t file_type, hid_t mem_type,
                        const void *v, hsize_t n)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, file_type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : n ? H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(s);
    return rc < 0 ? -1 : 0;
}

static int write_strings(hid_t g, const char *name, const char **v, hsize_t n)
{
    hid_t t = h5_string_type();
    int rc = write_column(g, name, t, t, v, n);
    H5Tclose(t);
    return rc;
}

static int write_summary(hid_t f, const struct index_row *rows, size_t n)
{
    hid_t g = H5Gcreate2(f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    const char **str = mem_calloc(n + 1, sizeof *str);
    double *num = mem_calloc(n + 1, sizeof *num);
    long long *whole = mem_calloc(n + 1, sizeof *whole);
    int rc = str && num && whole ? 0 : -1;
#define STRINGS(field, name) do { for (size_t i = 0; i < n; i++) str[i] = rows[i].field; \
        rc |= write_strings(g, name, str, n); } while (0)
#define NUMBERS(field, name) do { for (size_t i = 0; i < n; i++) num[i] = rows[i].field; \
        rc |= write_column(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, num, n); } while (0)
#define WHOLES(field, name) do { for (size_t i = 0; i < n; i++) whole[i] = rows[i].field; \
        rc |= write_column(g, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, whole, n); } while (0)
    if (rc == 0) {
        STRINGS(run_id, "run_id");
        STRINGS(status, "status");
        STRINGS(values, "values");
        WHOLES(sweep_index, "sweep_index");
        WHOLES(epochs, "epochs");
        NUMBERS(train_ppl, "train_ppl");
        NUMBERS(valid_ppl, "valid_ppl");
        NUMBERS(test_ppl, "test_ppl");
        NUMBERS(best_valid_ppl, "best_valid_ppl");
        WHOLES(best_valid_epoch, "best_valid_epoch");
        NUMBERS(wall_seconds, "wall_seconds");
        NUMBERS(tokens_per_s, "tokens_per_s");
        STRINGS(detail, "detail");
        NUMBERS(train_mse, "train_mse");
        NUMBERS(valid_mse, "valid_mse");
    }
#undef STRINGS
#undef NUMBERS
#undef WHOLES
    mem_free(str);
    mem_free(num);
    mem_free(whole);
    H5Gclose(g);
    return rc;
}

/* /groups: one row per sweep point (group.h), a dataset per column:
 * point_id, sweep_index, values, runs, completed, stopped, diverged, other,
 * and <metric>_{n,mean,std,min,max} for train_ppl, valid_ppl, test_ppl,
 * best_valid_ppl. */
static int write_groups(hid_t f, const struct index_row *rows, size_t n)
{
    struct group_row *g;
    size_t ng;
    struct err e;
    if (group_rows(rows, n, &g, &ng, &e) < 0)
        return -1;
    hid_t grp = H5Gcreate2(f, "groups", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char **str = mem_calloc(ng + 1, sizeof *str);
    double *num = mem_calloc(ng + 1, sizeof *num);
    long long *whole = mem_calloc(ng + 1, sizeof *whole);
    int rc = grp >= 0 && str && num && whole ? 0 : -1;
#define COLUMN(buf, expr, write) do { for (size_t i = 0; i < ng; i++) buf[i] = (expr); \
        rc |= (write); } while (0)
#define WHOLES(expr, name) COLUMN(whole, (long long)(expr), write_column(grp, name, \
        H5T_STD_I64LE, H5T_NATIVE_LLONG, whole, ng))
#define NUMBERS(expr, name) COLUMN(num, expr, write_column(grp, name, H5T_IEEE_F64LE, \
        H5T_NATIVE_DOUBLE, num, ng))
    if (rc == 0) {
        COLUMN(str, g[i].point_id, write_strings(grp, "point_id", str, ng));
        WHOLES(g[i].sweep_index, "sweep_index");
        COLUMN(str, g[i].values, write_strings(grp, "values", str, ng));
        WHOLES(g[i].runs, "runs");
        WHOLES(g[i].completed, "completed");
        WHOLES(g[i].stopped, "stopped");
        WHOLES(g[i].diverged, "diverged");
        WHOLES(g[i].other, "other");
        for (int m = 0; m < GROUP_METRICS; m++) {
            char name[64];
            const char *base = group_metric_names[m];
            snprintf(name, sizeof name, "%s_n", base);
            WHOLES(g[i].stat[m].n, name);
            snprintf(name, sizeof name, "%s_mean", base);
            NUMBERS(g[i].stat[m].mean, name);
            snprintf(name, sizeof name, "%s_std", base);
            NUMBERS(g[i].stat[m].std, name);
            snprintf(name, sizeof name, "%s_min", base);
            NUMBERS(g[i].stat[m].min, name);
            snprintf(name, sizeof name, "%s_max", base);
            NUMBERS(g[i].stat[m].max, name);
        }
    }
#undef COLUMN
#undef WHOLES
#undef NUMBERS
    mem_free(str);
    mem_free(num);
    mem_free(whole);
    if (grp >= 0)
        H5Gclose(grp);
    group_free(g, ng);
    return rc;
}

static int write_index(const char *path, const struct index_row *rows, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return -1;
    hid_t g = H5Gcreate2(f, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (rows[i].file[0] &&
            H5Lcreate_external(rows[i].file, "/", g, rows[i].run_id, H5P_DEFAULT,
                               H5P_DEFAULT) < 0)
            rc = -1;
    if (g >= 0)
        H5Gclose(g);
    if (rc == 0)
        rc = write_summary(f, rows, n);
    if (rc == 0)
        rc = write_groups(f, rows, n);
    if (H5Fclose(f) < 0)
        rc = -1;
    return rc;
}

int index_rebuild(const char *dir, size_t *nruns, struct err *e)
{
    h5_quiet();
    char lock[1100], tmp[1100], final[1100];
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return err_set(e, ERR_USAGE, dir, 0, 0, "not a results folder: %s",
                       errno && !S_ISDIR(st.st_mode) ? strerror(errno) : "not a folder");
    snprintf(lock, sizeof lock, "%.1000s/index.lock", dir);
    snprintf(tmp, sizeof tmp, "%.1000s/index.h5.tmp", dir);
    snprintf(final, sizeof final, "%.1000s/index.h5", dir);
    int fd = open(lock, O_CREAT | O_RDWR, 0666);
    if (fd < 0)
        return err_set(e, ERR_IO, lock, 0, 0, "cannot open: %s", strerror(errno));
    if (flock(fd, LOCK_EX) < 0) {
        close(fd);
        return err_set(e, ERR_IO, lock, 0, 0, "cannot lock: %s", strerror(errno));
    }
    struct index_row *rows;
    size_t n;
    int rc = index_scan(dir, &rows, &n, e);
    if (rc == 0) {
        if (write_index(tmp, rows, n) < 0) {
            rc = err_set(e, ERR_IO, tmp, 0, 0, "cannot write the sweep index: %s",
                         h5_reason());
            remove(tmp);
        } else if ((rc = files_commit(tmp, final, e)) < 0) {
            remove(tmp);
        }
        index_free(rows, n);
        if (nruns)
            *nruns = n;
    }
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
}
