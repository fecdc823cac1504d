/* Tests for core/index.c and core/claim.c: a results folder summarised
 * whatever its files hold (malformed run files are rows marked unreadable,
 * never a crash or a read past a buffer), the status of interrupted and
 * failed runs, and claims that exclude a second holder. */
#include "support.h"

#include <hdf5.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "claim.h"
#include "h5.h"
#include "index.h"
#include "results.h"
#include "version.h"

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/runs/%s", dir, name);
}

/* A 1-D float64 dataset of n values under /metrics. */
static void put_metric(hid_t f, const char *name, const double *v, hsize_t n)
{
    hid_t g = H5Lexists(f, "metrics", H5P_DEFAULT) > 0
                  ? H5Gopen2(f, "metrics", H5P_DEFAULT)
                  : H5Gcreate2(f, "metrics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    assert_true(d >= 0);
    if (n)
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Gclose(g);
}

static struct index_row *find(struct index_row *rows, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].run_id, id) == 0)
            return &rows[i];
    fail_msg("no row for %s", id);
    return NULL;
}

static void test_malformed_run_files_are_rows(void **state)
{
    (void)state;
    char dir[64], runs[128], path[256];
    support_tmpdir(dir, sizeof dir);
    snprintf(runs, sizeof runs, "%s/runs", dir);
    assert_int_equal(mkdir(runs, 0777), 0);
    struct index_row *rows;
    size_t n;
    struct err e;
    /* an empty runs/ folder: no rows (and no qsort of nothing) */
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(n, 0);
    index_free(rows, n);

    /* metrics of different lengths: only the rows every column has */
    path_in(path, sizeof path, dir, "aaaaaaaaaaaa.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const double train[5] = {9, 8, 7, 6, 5}, valid[2] = {20, 10};
    put_metric(f, "train_ppl", train, 5);
    put_metric(f, "valid_ppl", valid, 2);
    put_metric(f, "test_ppl", valid, 1);
    put_metric(f, "tokens_per_s", train, 0);
    assert_int_equal(h5_set_string_attr(f, "status", "completed"), 0);
    H5Fclose(f);
    /* garbage under a run file's name */
    path_in(path, sizeof path, dir, "bbbbbbbbbbbb.h5");
    support_write_text(path, "not an HDF5 file at all");
    /* an HDF5 file with a number where the status string should be */
    path_in(path, sizeof path, dir, "cccccccccccc.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    long long seven = 7;
    assert_int_equal(h5_set_number_attr(f, "status", H5T_NATIVE_LLONG, &seven), 0);
    H5Fclose(f);
    /* files that are not runs are ignored */
    path_in(path, sizeof path, dir, "dddddddddddd.h5.part.bad");
    support_write_text(path, "x");
    path_in(path, sizeof path, dir, "notarun.h5");
    support_write_text(path, "x");

    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(n, 3);
    struct index_row *r = find(rows, n, "aaaaaaaaaaaa");
    assert_string_equal(r->status, "completed");
    /* test_ppl has one row (an empty tokens_per_s counts as absent) */
    assert_int_equal(r->epochs, 1);
    assert_true(r->train_ppl == 9 && r->valid_ppl == 20 && r->test_ppl == 20);
    assert_true(r->best_valid_ppl == 20 && r->best_valid_epoch == 1);
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->status, "unreadable");
    assert_string_equal(find(rows, n, "cccccccccccc")->status, "unreadable");
    const char *other = NULL;
    assert_int_equal(index_count_foreign(rows, n, &other), 0);
    index_free(rows, n);
    /* a run file of another version (its run ids were computed otherwise)
     * is counted, and one of this version is not */
    path_in(path, sizeof path, dir, "eeeeeeeeeeee.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_int_equal(h5_set_string_attr(f, "status", "completed"), 0);
    assert_int_equal(h5_set_string_attr(f, "runner_version", "rnnlab 0.1.0"), 0);
    H5Fclose(f);
    path_in(path, sizeof path, dir, "ffffffffffff.h5");
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_int_equal(h5_set_string_attr(f, "status", "completed"), 0);
    assert_int_equal(h5_set_string_attr(f, "runner_version", RNNLAB_RUNNER_VERSION), 0);
    H5Fclose(f);
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(index_count_foreign(rows, n, &other), 1);
    assert_string_equal(other, "rnnlab 0.1.0");
    index_free(rows, n);
    remove(path);
    path_in(path, sizeof path, dir, "eeeeeeeeeeee.h5");
    remove(path);
    /* the index of such a folder is written and lists them all */
    size_t indexed = 0;
    assert_int_equal(index_rebuild(dir, &indexed, &e), 0);
    assert_int_equal(indexed, 3);
    support_rmtree(dir);
}

static void test_interrupted_and_failed_runs(void **state)
{
    (void)state;
    char dir[64], path[256];
    support_tmpdir(dir, sizeof dir);
    struct err e;
    struct results *r;
    /* an interrupted .part: running, and its detail says it will resume */
    assert_int_equal(results_create(dir, "aaaaaaaaaaaa", "name: x\n", 1, NULL, 0, &r,
                                    &e), 0);
    assert_int_equal(results_finish(r, "running", NULL, 0, NULL, &e), 0);
    /* a second create never truncates it */
    assert_int_equal(results_create(dir, "aaaaaaaaaaaa", "name: x\n", 1, NULL, 0, &r,
                                    &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot create the run file: one is already there"));
    struct index_row *rows;
    size_t n;
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].status, "running");
    assert_string_equal(rows[0].detail, "interrupted; resumes when its sweep runs again");
    index_free(rows, n);
    /* its last attempt failed: failed, with that attempt's detail */
    assert_int_equal(results_log_attempt(dir, "aaaaaaaaaaaa", "failed", "killed by signal 9", &e), 0);
    /* a run with only an attempts log */
    assert_int_equal(results_log_attempt(dir, "bbbbbbbbbbbb", "failed", "first\ttry", &e), 0);
    assert_int_equal(results_log_attempt(dir, "bbbbbbbbbbbb", "failed", "cannot write: No space "
                                         "left on device", &e), 0);
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(find(rows, n, "aaaaaaaaaaaa")->status, "failed");
    assert_string_equal(find(rows, n, "aaaaaaaaaaaa")->detail, "killed by signal 9");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->status, "failed");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->detail,
                        "cannot write: No space left on device");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->file, "");
    index_free(rows, n);
    /* a log cut by a kill in the middle of a line, or garbled: the run is
     * still listed (running: nothing says its last attempt failed) */
    snprintf(path, sizeof path, "%s/runs/aaaaaaaaaaaa.attempts", dir);
    FILE *log = fopen(path, "ab");
    assert_non_null(log);
    fputs("2026-01-01T00:00:00Z\tpid 1\tfai", log); /* no newline: cut */
    fclose(log);
    snprintf(path, sizeof path, "%s/runs/bbbbbbbbbbbb.attempts", dir);
    support_write(path, "\xff\x00\t\t\n\t", 6);
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(find(rows, n, "aaaaaaaaaaaa")->status, "running");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->status, "failed");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->detail,
                        "its process ended before it wrote a run file");
    index_free(rows, n);
    /* while a process holds the claim, the .part is running whatever the log */
    int fd;
    assert_int_equal(claim_take(dir, "aaaaaaaaaaaa", &fd, &e), 1);
    int fd2;
    assert_int_equal(claim_take(dir, "bbbbbbbbbbbb", &fd2, &e), 1);
    assert_int_equal(index_scan(dir, &rows, &n, &e), 0);
    assert_string_equal(find(rows, n, "aaaaaaaaaaaa")->status, "running");
    assert_string_equal(find(rows, n, "bbbbbbbbbbbb")->status, "running");
    index_free(rows, n);
    claim_release(fd);
    claim_release(fd2);
    /* the index links the run files, not the attempts-only run */
    size_t indexed;
    assert_int_equal(index_rebuild(dir, &indexed, &e), 0);
    assert_int_equal(indexed, 2);
    snprintf(path, sizeof path, "%s/index.h5", dir);
    hid_t f = h5_open_unlocked(path);
    assert_true(f >= 0);
    assert_true(H5Lexists(f, "runs/aaaaaaaaaaaa", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "runs/bbbbbbbbbbbb", H5P_DEFAULT) == 0);
    H5Fclose(f);
    support_rmtree(dir);
}

/* A claim excludes a second holder, in this process and in another, and the
 * kernel releases it when its holder dies. */
static void test_claims(void **state)
{
    (void)state;
    char dir[64];
    support_tmpdir(dir, sizeof dir);
    struct err e;
    int fd, other;
    assert_int_equal(claim_is_held(dir, "aaaaaaaaaaaa"), 0);
    assert_int_equal(claim_take(dir, "aaaaaaaaaaaa", &fd, &e), 1);
    assert_int_equal(claim_take(dir, "aaaaaaaaaaaa", &other, &e), 0);
    assert_int_equal(claim_is_held(dir, "aaaaaaaaaaaa"), 1);
    pid_t pid = fork();
    if (pid == 0) /* another process cannot take it either */
        _exit(claim_take(dir, "aaaaaaaaaaaa", &other, &e) == 0 ? 0 : 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    claim_release(fd);
    assert_int_equal(claim_is_held(dir, "aaaaaaaaaaaa"), 0);
    /* a holder killed with SIGKILL gives it back */
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid = fork();
    if (pid == 0) {
        if (claim_take(dir, "aaaaaaaaaaaa", &fd, &e) == 1)
            assert_int_equal(write(ready[1], "x", 1), 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(claim_is_held(dir, "aaaaaaaaaaaa"), 1);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_int_equal(claim_is_held(dir, "aaaaaaaaaaaa"), 0);
    assert_int_equal(claim_take(dir, "aaaaaaaaaaaa", &fd, &e), 1);
    claim_release(fd);
    close(ready[0]);
    close(ready[1]);
    /* a file where runs/ should be: the error names the OS reason */
    char blocked[128];
    snprintf(blocked, sizeof blocked, "%s/blocked", dir);
    assert_int_equal(mkdir(blocked, 0777), 0);
    snprintf(blocked, sizeof blocked, "%s/blocked/runs", dir);
    support_write_text(blocked, "x");
    snprintf(blocked, sizeof blocked, "%s/blocked", dir);
    assert_int_equal(claim_take(blocked, "aaaaaaaaaaaa", &fd, &e), ERR_IO);
    assert_non_null(strstr(e.msg, "cannot create results folder: a file of that name "
                                  "is in the way"));
    support_rmtree(dir);
}

/* A finished run file with a point id, a status and one epoch's train_ppl. */
static void grouped_run(const char *dir, const char *id, const char *point,
                        const char *status, double train)
{
    char path[256], name[32];
    snprintf(name, sizeof name, "%s.h5", id);
    path_in(path, sizeof path, dir, name);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    put_metric(f, "train_ppl", &train, 1);
    assert_int_equal(h5_set_string_attr(f, "status", status), 0);
    assert_int_equal(h5_set_string_attr(f, "point_id", point), 0);
    assert_int_equal(h5_set_string_attr(f, "sweep_values", "lr=1 seed=9"), 0);
    H5Fclose(f);
}

static double read_group_number(hid_t f, const char *name, size_t row)
{
    char path[96];
    snprintf(path, sizeof path, "groups/%s", name);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(d >= 0);
    double v[8];
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    return v[row];
}

/* index.h5's /groups: one row per point, the statistics of group.h. */
static void test_index_groups(void **state)
{
    (void)state;
    char dir[64], runs[128], path[256];
    support_tmpdir(dir, sizeof dir);
    snprintf(runs, sizeof runs, "%s/runs", dir);
    assert_int_equal(mkdir(runs, 0777), 0);
    grouped_run(dir, "aaaaaaaaaaa1", "p00000000001", "completed", 2.0);
    grouped_run(dir, "aaaaaaaaaaa2", "p00000000001", "completed", 4.0);
    grouped_run(dir, "aaaaaaaaaaa3", "p00000000001", "completed", 9.0);
    grouped_run(dir, "aaaaaaaaaaa4", "p00000000001", "stopped", 50.0);
    grouped_run(dir, "bbbbbbbbbbb1", "p00000000002", "completed", 3.0);
    struct err e;
    assert_int_equal(index_rebuild(dir, NULL, &e), 0);
    snprintf(path, sizeof path, "%s/index.h5", dir);
    hid_t f = h5_open_unlocked(path);
    assert_true(f >= 0);
    /* both points outside a sweep index: ordered by point id */
    double mean = 5.0, sd = sqrt((9.0 + 1.0 + 16.0) / 2.0);
    assert_true(read_group_number(f, "runs", 0) == 4);
    assert_true(read_group_number(f, "completed", 0) == 3);
    assert_true(read_group_number(f, "stopped", 0) == 1);
    assert_true(read_group_number(f, "train_ppl_n", 0) == 3);
    assert_true(fabs(read_group_number(f, "train_ppl_mean", 0) - mean) < 1e-12);
    assert_true(fabs(read_group_number(f, "train_ppl_std", 0) - sd) < 1e-12);
    assert_true(read_group_number(f, "train_ppl_min", 0) == 2.0);
    assert_true(read_group_number(f, "train_ppl_max", 0) == 9.0);
    assert_true(read_group_number(f, "runs", 1) == 1);
    assert_true(read_group_number(f, "train_ppl_mean", 1) == 3.0);
    assert_true(isnan(read_group_number(f, "train_ppl_std", 1)));
    H5Fclose(f);
    support_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_run_files_are_rows),
        cmocka_unit_test(test_interrupted_and_failed_runs),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_index_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
