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
#include <unistd.h>

#include "mem.h"

static hid_t open_unlocked(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

/* A root string attribute into buf ("" when absent). */
static hid_t utf8_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void string_attr(hid_t f, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    if (H5Aexists(f, name) <= 0)
        return;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT), t = utf8_string_type();
    char *v = NULL;
    if (a >= 0 && H5Aread(a, t, &v) >= 0 && v)
        snprintf(buf, n, "%s", v);
    if (v)
        H5free_memory(v);
    H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
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
    long n, m;
    double *train = metric(f, "train_ppl", &n), *valid = metric(f, "valid_ppl", &m);
    double *test = metric(f, "test_ppl", &m), *tps = metric(f, "tokens_per_s", &m);
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
}

/* Reads one run file into a row (status "unreadable" when it cannot). */
static void index_read_run(const char *path, struct index_row *row)
{
    row->best_valid_ppl = row->train_ppl = row->valid_ppl = row->test_ppl = NAN;
    row->wall_seconds = row->tokens_per_s = NAN;
    row->sweep_index = -1;
    hid_t f = open_unlocked(path);
    char buf[4096];
    if (f < 0) {
        snprintf(row->status, sizeof row->status, "unreadable");
        row->values = mem_strdup("");
        row->detail = mem_strdup("not a readable HDF5 run file");
        return;
    }
    string_attr(f, "status", row->status, sizeof row->status);
    string_attr(f, "sweep_values", buf, sizeof buf);
    row->values = mem_strdup(buf);
    string_attr(f, "detail", buf, sizeof buf);
    row->detail = mem_strdup(buf);
    string_attr(f, "sweep_index", buf, sizeof buf);
    if (buf[0])
        row->sweep_index = strtol(buf, NULL, 10);
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

/* "<12 hex>.h5" or "<12 hex>.h5.part": the id, or 0. */
static int run_file_id(const char *name, char id[13], int *part)
{
    size_t n = strlen(name);
    if (n < 15 || strspn(name, "0123456789abcdef") != 12 || strncmp(name + 12, ".h5", 3))
        return 0;
    *part = strcmp(name + 15, ".part") == 0;
    if (name[15] && !*part)
        return 0;
    memcpy(id, name, 12);
    id[12] = '\0';
    return 1;
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
        int part;
        if (!run_file_id(ent->d_name, id, &part))
            continue;
        if (part) { /* a finished file of the same run wins */
            snprintf(path, sizeof path, "%s/%s.h5", runs, id);
            if (access(path, F_OK) == 0)
                continue;
        }
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
        index_read_run(path, row);
        if (part && !strcmp(row->status, "completed"))
            snprintf(row->status, sizeof row->status, "running");
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
        hid_t f = open_unlocked(path);
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
    hid_t t = utf8_string_type();
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

static int write_index(const char *path, const struct index_row *rows, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return -1;
    hid_t g = H5Gcreate2(f, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = g < 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (H5Lcreate_external(rows[i].file, "/", g, rows[i].run_id, H5P_DEFAULT,
                               H5P_DEFAULT) < 0)
            rc = -1;
    if (g >= 0)
        H5Gclose(g);
    if (rc == 0)
        rc = write_summary(f, rows, n);
    if (H5Fclose(f) < 0)
        rc = -1;
    return rc;
}

int index_rebuild(const char *dir, size_t *nruns, struct err *e)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char lock[1100], tmp[1100], final[1100];
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
        if (write_index(tmp, rows, n) < 0 || rename(tmp, final) < 0) {
            remove(tmp);
            rc = err_set(e, ERR_IO, final, 0, 0, "cannot write the sweep index");
        }
        index_free(rows, n);
        if (nruns)
            *nruns = n;
    }
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
}
