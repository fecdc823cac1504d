/* datafile: see datafile.h. */
#include "datafile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unzip.h>

#include "files.h"
#include "mem.h"
#include "sha256.h"
#include "utf8.h"

/* A file or member larger than the limit is refused before it is read. */
static int too_big(const char *path, const char *member, unsigned long long size,
                   long max_bytes, struct err *e)
{
    return err_set(e, ERR_DATA, path, 0, 0, "%s%s%s is %llu bytes, above "
                   "dataset.max_bytes (%ld); raise it if you mean it",
                   member ? "member '" : "the file", member ? member : "",
                   member ? "'" : "", size, max_bytes);
}

static int read_plain(const char *path, long max_bytes, char **text, size_t *len,
                      struct err *e)
{
    FILE *f = files_open_regular(path, "data file", ERR_DATA, e);
    if (!f)
        return e->code;
    int rc = 0;
    char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (size > max_bytes) {
        rc = too_big(path, NULL, (unsigned long long)size, max_bytes, e);
        goto done;
    }
    buf = mem_alloc((size_t)size + 1);
    if (!buf) {
        rc = err_msg(e, ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read: short read");
        goto done;
    }
    buf[size] = '\0';
    *text = buf;
    *len = (size_t)size;
    buf = NULL;
done:
    mem_free(buf);
    fclose(f);
    return rc;
}

static int read_member(const char *path, const char *member, long max_bytes,
                       char **text, size_t *len, struct err *e)
{
    FILE *probe = files_open_regular(path, "data file", ERR_DATA, e);
    if (!probe)
        return e->code;
    fclose(probe);
    unzFile zf = unzOpen64(path);
    if (!zf)
        return err_set(e, ERR_DATA, path, 0, 0,
                       "not a zip archive, or truncated (no central directory)");
    int rc = 0;
    char *buf = NULL;
    int opened = 0;
    unz_file_info64 info;
    if (unzLocateFile(zf, member, 1) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "archive has no member '%s'",
                     member);
        goto done;
    }
    if (unzGetCurrentFileInfo64(zf, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK ||
        unzOpenCurrentFile(zf) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot open member '%s'", member);
        goto done;
    }
    opened = 1;
    /* the header's size bounds what is read (a lying header reads as
     * corrupt below), so a zip bomb never reaches memory */
    if (info.uncompressed_size > (unsigned long long)max_bytes) {
        rc = too_big(path, member, info.uncompressed_size, max_bytes, e);
        goto done;
    }
    buf = mem_alloc(info.uncompressed_size + 1);
    if (!buf) {
        rc = err_msg(e, ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    size_t got = 0;
    for (;;) {
        size_t want = info.uncompressed_size + 1 - got; /* +1 spots overlong data */
        int n = unzReadCurrentFile(zf, buf + got, want > (1u << 30) ? 1u << 30
                                                                    : (unsigned)want);
        if (n < 0) {
            rc = err_set(e, ERR_DATA, path, 0, 0,
                         "member '%s' is corrupt (inflate error %d)", member, n);
            goto done;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > info.uncompressed_size)
            break;
    }
    if (got != info.uncompressed_size) {
        rc = err_set(e, ERR_DATA, path, 0, 0,
                     "member '%s' is corrupt (%zu bytes, header says %llu)",
                     member, got, (unsigned long long)info.uncompressed_size);
        goto done;
    }
    opened = 0;
    if (unzCloseCurrentFile(zf) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0,
                     "member '%s' is corrupt (CRC mismatch)", member);
        goto done;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    buf = NULL;
done:
    if (opened)
        unzCloseCurrentFile(zf);
    unzClose(zf);
    mem_free(buf);
    return rc;
}

int datafile_read(const char *path, const char *member, long max_bytes,
                  char **text, size_t *len, struct err *e)
{
    *text = NULL;
    *len = 0;
    return member ? read_member(path, member, max_bytes, text, len, e)
                  : read_plain(path, max_bytes, text, len, e);
}

static int sha256_of_file(const char *path, char hex[65], struct err *e)
{
    FILE *f = files_open_regular(path, "data file", ERR_DATA, e);
    if (!f)
        return e->code;
    struct sha256 s;
    sha256_init(&s);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return err_set(e, ERR_DATA, path, 0, 0, "read error");
    sha256_final_hex(&s, hex);
    return 0;
}

int datafile_verify_checksum(const char *path, int required, struct err *e)
{
    char sums[1100];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path) : 1;
    snprintf(sums, sizeof sums, "%.*s/SHA256SUMS", dirlen, slash ? path : ".");
    FILE *f = fopen(sums, "r");
    if (!f) {
        if (!required)
            return 0;
        return err_set(e, ERR_DATA, sums, 0, 0, "cannot open: %s",
                       strerror(errno));
    }
    char line[1200], expected[65] = "";
    while (fgets(line, sizeof line, f)) {
        char hex[65], name[1024];
        /* "<64 hex>  <name>" or "<64 hex> *<name>" (sha256sum's formats) */
        if (sscanf(line, "%64s %1023s", hex, name) == 2 &&
            strcmp(name[0] == '*' ? name + 1 : name, base) == 0) {
            memcpy(expected, hex, sizeof hex);
            break;
        }
    }
    fclose(f);
    if (!expected[0])
        return required ? err_set(e, ERR_DATA, sums, 0, 0,
                                  "no checksum listed for '%s'", base)
                        : 0;
    char actual[65];
    int rc = sha256_of_file(path, actual, e);
    if (rc < 0)
        return rc;
    if (strcmp(actual, expected) != 0)
        return err_set(e, ERR_DATA, path, 0, 0,
                       "checksum mismatch (SHA-256 %.12s..., SHA256SUMS says "
                       "%.12s...): the file is corrupt or was modified",
                       actual, expected);
    return 0;
}

int datafile_read_utf8(const char *path, const char *member, long max_bytes,
                       char **text, size_t *len, struct err *e)
{
    int rc = datafile_read(path, member, max_bytes, text, len, e);
    if (rc < 0)
        return rc;
    size_t bad = utf8_validate(*text, *len);
    if (bad < *len) {
        mem_free(*text);
        *text = NULL;
        if (member)
            return err_set(e, ERR_DATA, path, 0, 0,
                           "member '%s': invalid UTF-8 at byte offset %zu",
                           member, bad);
        return err_set(e, ERR_DATA, path, 0, 0,
                       "invalid UTF-8 at byte offset %zu", bad);
    }
    return 0;
}

