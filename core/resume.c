/* resume: results_resume of results.h, reopening an interrupted run from its
 * verified checkpoint, or setting aside what cannot be resumed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "files.h"
#include "h5.h"
#include "mem.h"
#include "results.h"
#include "results_impl.h"

/* Opens the metric datasets and gives the smallest row count. */
int results_open_metrics(struct results *r, hsize_t *rows)
{
    *rows = (hsize_t)-1;
    for (int i = 0; i < RESULTS_NMETRICS; i++) {
        char name[64];
        snprintf(name, sizeof name, "metrics/%s", results_metric_names[i]);
        int exists = H5Lexists(r->file, "metrics", H5P_DEFAULT) > 0 &&
                     H5Lexists(r->file, name, H5P_DEFAULT) > 0;
        if (!exists && i >= RESULTS_NMETRICS_LM) {
            r->metrics[i] = 0; /* a language model's file: no MSEs */
            continue;
        }
        r->metrics[i] = exists ? H5Dopen2(r->file, name, H5P_DEFAULT) : -1;
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
    else if (results_open_metrics(r, &rows) == 0 && rows == 0)
        why[0] = '\0';
    else
        snprintf(why, nwhy, "it has epochs but no checkpoint");
    results_close_all(r);
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
    if (!why[0] && results_open_metrics(r, &rows) < 0)
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
    results_close_all(r);
    H5Eclear2(H5E_DEFAULT);
    rc = set_aside(r->part, e);
    if (rc == 0)
        rc = set_aside(ckpt, e);
    if (rc == 0)
        snprintf(note, nnote, "%s: cannot resume: %s; set aside as .bad, "
                 "restarting the run from scratch", has_part ? r->part : ckpt, why);
fresh:
    results_close_all(r);
    mem_free(staged);
    mem_free(copy);
    results_free(r);
    return rc;
}

