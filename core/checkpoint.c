/* checkpoint: see checkpoint.h. */
#include "checkpoint.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "h5.h"
#include "mem.h"
#include "sha256.h"

#define CKPT_FORMAT "rnnlab checkpoint 3"
#define ATTACHMENT "attachment"

/* SHA-256 over the format, the run id, the epoch, every block (name, size,
 * bytes) and the attachment; data[i] replaces b[i].data when data is not
 * NULL (blocks read back). */
static void ckpt_digest(const char *run_id, long epoch, const struct state_block *b,
                        size_t n, unsigned char *const *data, const void *attachment,
                        size_t attachment_bytes, char hex[65])
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
    uint64_t bytes = attachment_bytes;
    sha256_update(&s, ATTACHMENT, sizeof ATTACHMENT);
    sha256_update(&s, &bytes, sizeof bytes);
    sha256_update(&s, attachment, attachment_bytes);
    sha256_final_hex(&s, hex);
}

static int write_bytes(hid_t f, const char *name, const void *data, size_t n)
{
    hsize_t bytes = n;
    hid_t space = H5Screate_simple(1, &bytes, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_STD_U8LE, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    herr_t rc = d < 0 ? -1
                : n ? H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, data)
                    : 0;
    if (d >= 0 && H5Dclose(d) < 0)
        rc = -1;
    H5Sclose(space);
    return rc < 0 ? -1 : 0;
}

int checkpoint_write(const char *final, const char *run_id, long epoch,
                     const struct state_block *b, size_t n, const void *attachment,
                     size_t attachment_bytes, struct err *e)
{
    char tmp[1300], hex[65];
    snprintf(tmp, sizeof tmp, "%.1280s.tmp", final);
    ckpt_digest(run_id, epoch, b, n, NULL, attachment, attachment_bytes, hex);
    /* the temporary name is this run's own (its claim is held): a leftover
     * from a crash is garbage */
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return err_set(e, ERR_IO, tmp, 0, 0, "cannot write the checkpoint: %s",
                       h5_reason());
    long long ep = epoch;
    int rc = h5_set_string_attr(f, "format", CKPT_FORMAT) |
             h5_set_number_attr(f, "epoch", H5T_NATIVE_LLONG, &ep) |
             h5_set_string_attr(f, "sha256", hex) |
             write_bytes(f, ATTACHMENT, attachment, attachment_bytes);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = write_bytes(f, b[i].name, b[i].data, b[i].bytes);
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

/* The size of the dataset `name`, or -1 when it is missing or unreadable. */
static hssize_t size_of(hid_t f, const char *name)
{
    hid_t d = H5Lexists(f, name, H5P_DEFAULT) > 0 ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
    hid_t s = d < 0 ? -1 : H5Dget_space(d);
    hssize_t count = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    return count;
}

/* Reads the dataset `name` of exactly n bytes into out; -1 otherwise. */
static int read_bytes(hid_t f, const char *name, void *out, size_t n)
{
    if (size_of(f, name) != (hssize_t)n)
        return -1;
    if (n == 0)
        return 0;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
                                     H5P_DEFAULT, out);
    if (d >= 0)
        H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

/* The header: format, checksum and epoch; -1 when any is wrong. */
static int read_header(hid_t f, char **stored, long long *epoch)
{
    char *format = NULL;
    int ok = h5_get_string_attr(f, "format", &format) == 0 &&
             strcmp(format, CKPT_FORMAT) == 0 && h5_get_string_attr(f, "sha256", stored) == 0;
    mem_free(format);
    hid_t a = ok && H5Aexists(f, "epoch") > 0 ? H5Aopen(f, "epoch", H5P_DEFAULT) : -1;
    ok = a >= 0 && H5Aread(a, H5T_NATIVE_LLONG, epoch) >= 0 && *epoch >= 0;
    if (a >= 0)
        H5Aclose(a);
    return ok ? 0 : -1;
}

int checkpoint_read(const char *path, const char *run_id, const struct state_block *b,
                    size_t n, unsigned char **staged, long *epoch,
                    unsigned char **attachment, size_t *attachment_bytes, char *why,
                    size_t nwhy, struct err *e)
{
    *staged = *attachment = NULL;
    *attachment_bytes = 0;
    hid_t f = h5_open_unlocked(path);
    if (f < 0) {
        snprintf(why, nwhy, "its checkpoint cannot be read (damaged or truncated)");
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += b[i].bytes;
    hssize_t extra_bytes = size_of(f, ATTACHMENT);
    unsigned char *buf = mem_alloc(total ? total : 1);
    unsigned char *extra = mem_alloc(extra_bytes > 0 ? (size_t)extra_bytes : 1);
    unsigned char **data = mem_alloc((n ? n : 1) * sizeof *data);
    char *stored = NULL, hex[65];
    long long ep = -1;
    int rc = 0;
    if (!buf || !extra || !data) {
        rc = err_msg(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (read_header(f, &stored, &ep) < 0) {
        snprintf(why, nwhy, "its checkpoint has a damaged or unknown header");
        rc = -1;
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        data[i] = buf + at;
        at += b[i].bytes;
        if (read_bytes(f, b[i].name, data[i], b[i].bytes) < 0) {
            snprintf(why, nwhy, "its checkpoint's block '%s' is missing, of the "
                     "wrong size or unreadable", b[i].name);
            rc = -1;
        }
    }
    if (rc == 0 && (extra_bytes < 0 || read_bytes(f, ATTACHMENT, extra,
                                                  (size_t)extra_bytes) < 0)) {
        snprintf(why, nwhy, "its checkpoint's copy of the run file is unreadable");
        rc = -1;
    }
    if (rc == 0) {
        ckpt_digest(run_id, (long)ep, b, n, data, extra, (size_t)extra_bytes, hex);
        if (strcmp(hex, stored) != 0) {
            snprintf(why, nwhy, "its checkpoint fails verification (SHA-256 mismatch)");
            rc = -1;
        }
    }
    if (rc == 0) {
        *staged = buf;
        *attachment = extra;
        *attachment_bytes = (size_t)extra_bytes;
        *epoch = (long)ep;
        buf = extra = NULL;
    }
done:
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    mem_free(stored);
    mem_free(data);
    mem_free(buf);
    mem_free(extra);
    return rc;
}
