/* checkpoint: see checkpoint.h. */
#include "checkpoint.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "h5.h"
#include "mem.h"
#include "sha256.h"

#define CKPT_FORMAT "rnnlab checkpoint 2"

/* SHA-256 over the config, the epoch and every block (name, size, bytes);
 * data[i] replaces b[i].data when data is not NULL (blocks read back). */
static void ckpt_digest(const char *run_id, long epoch,
                        const struct state_block *b, size_t n,
                        unsigned char *const *data, char hex[65])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, CKPT_FORMAT, strlen(CKPT_FORMAT) + 1);
    sha256_update(&s, run_id, strlen(run_id) + 1); /* binds it to one config */
    int64_t ep = epoch;
    sha256_update(&s, &ep, sizeof ep);
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes = b[i].bytes;
        sha256_update(&s, b[i].name, strlen(b[i].name) + 1);
        sha256_update(&s, &bytes, sizeof bytes);
        sha256_update(&s, data ? data[i] : b[i].data, b[i].bytes);
    }
    sha256_final_hex(&s, hex);
}

static int write_blocks(hid_t f, const struct state_block *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hsize_t bytes = b[i].bytes;
        hid_t space = H5Screate_simple(1, &bytes, NULL);
        hid_t d = H5Dcreate2(f, b[i].name, H5T_STD_U8LE, space, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        herr_t rc = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
                                          H5P_DEFAULT, b[i].data);
        if (d >= 0 && H5Dclose(d) < 0)
            rc = -1;
        H5Sclose(space);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int checkpoint_write(const char *final, const char *run_id, long epoch,
                     const struct state_block *b, size_t n, struct err *e)
{
    char tmp[1300], hex[65];
    snprintf(tmp, sizeof tmp, "%.1280s.tmp", final);
    ckpt_digest(run_id, epoch, b, n, NULL, hex);
    /* the temporary name is this run's own (its claim is held): a leftover
     * from a crash is garbage */
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return err_set(e, ERR_IO, tmp, 0, 0, "cannot write the checkpoint: %s",
                       h5_reason());
    long long ep = epoch;
    int rc = h5_set_string_attr(f, "format", CKPT_FORMAT) |
             h5_set_number_attr(f, "epoch", H5T_NATIVE_LLONG, &ep) |
             h5_set_string_attr(f, "sha256", hex) | write_blocks(f, b, n);
    if (H5Fclose(f) < 0 || rc) {
        rc = err_set(e, ERR_IO, tmp, 0, 0, "cannot write the checkpoint: %s",
                     h5_reason());
        remove(tmp);
        return rc;
    }
    rc = files_commit(tmp, final, e);
    if (rc < 0)
        remove(tmp);
    return rc;
}

void checkpoint_restore(const struct state_block *b, size_t n,
                        const unsigned char *staged)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(b[i].data, staged + at, b[i].bytes);
        at += b[i].bytes;
    }
}

/* Reads and verifies the checkpoint at path against the blocks' names and
 * sizes and run_id. Returns 0 with *staged (one buffer holding every
 * block, in order; mem_free it) and *epoch, -1 with why when it cannot be
 * used, or ERR_NOMEM. */
int checkpoint_read(const char *path, const char *run_id,
                     const struct state_block *b, size_t n, unsigned char **staged,
                     long *epoch, char *why, size_t nwhy, struct err *e)
{
    *staged = NULL;
    hid_t f = h5_open_unlocked(path);
    if (f < 0) {
        snprintf(why, nwhy, "its checkpoint cannot be read (damaged or truncated)");
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += b[i].bytes;
    unsigned char *buf = mem_alloc(total ? total : 1);
    unsigned char **data = mem_alloc((n ? n : 1) * sizeof *data);
    char *format = NULL, *stored = NULL;
    long long ep = -1;
    hid_t a = H5Aexists(f, "epoch") > 0 ? H5Aopen(f, "epoch", H5P_DEFAULT) : -1;
    int rc = 0;
    if (!buf || !data) {
        rc = err_msg(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (h5_get_string_attr(f, "format", &format) < 0 || strcmp(format, CKPT_FORMAT) ||
        h5_get_string_attr(f, "sha256", &stored) < 0 || a < 0 ||
        H5Aread(a, H5T_NATIVE_LLONG, &ep) < 0 || ep < 0) {
        snprintf(why, nwhy, "its checkpoint has a damaged or unknown header");
        rc = -1;
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        data[i] = buf + at;
        at += b[i].bytes;
        hid_t d = H5Lexists(f, b[i].name, H5P_DEFAULT) > 0
                      ? H5Dopen2(f, b[i].name, H5P_DEFAULT) : -1;
        hid_t s = d < 0 ? -1 : H5Dget_space(d);
        hssize_t count = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
        herr_t ok = count == (hssize_t)b[i].bytes
                        ? H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                  data[i]) : -1;
        if (s >= 0)
            H5Sclose(s);
        if (d >= 0)
            H5Dclose(d);
        if (ok < 0) {
            snprintf(why, nwhy, "its checkpoint's block '%s' is missing, of the "
                     "wrong size or unreadable", b[i].name);
            rc = -1;
            goto done;
        }
    }
    char hex[65];
    ckpt_digest(run_id, (long)ep, b, n, data, hex);
    if (strcmp(hex, stored) != 0) {
        snprintf(why, nwhy, "its checkpoint fails verification (SHA-256 mismatch)");
        rc = -1;
        goto done;
    }
    *staged = buf;
    buf = NULL;
    *epoch = (long)ep;
done:
    if (a >= 0)
        H5Aclose(a);
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    mem_free(format);
    mem_free(stored);
    mem_free(data);
    mem_free(buf);
    return rc;
}

