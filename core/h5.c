/* h5: see h5.h. */
#include "h5.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

void h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void h5_setup(void)
{
    H5dont_atexit();
    h5_quiet();
}

hid_t h5_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

hid_t h5_open_unlocked(const char *path)
{
    h5_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

static int set_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
    if (a >= 0 && H5Aclose(a) < 0)
        rc = -1;
    H5Sclose(space);
    return rc < 0 ? -1 : 0;
}

int h5_set_string_attr(hid_t obj, const char *name, const char *value)
{
    hid_t type = h5_string_type();
    int rc = set_attr(obj, name, type, &value);
    H5Tclose(type);
    return rc;
}

int h5_set_number_attr(hid_t obj, const char *name, hid_t type, const void *value)
{
    return set_attr(obj, name, type, value);
}

int h5_get_string_attr(hid_t obj, const char *name, char **out)
{
    *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), type = h5_string_type();
    hid_t atype = a < 0 ? -1 : H5Aget_type(a);
    char *value = NULL;
    /* only a string attribute is read as one: a number would not convert */
    int rc = atype >= 0 && H5Tget_class(atype) == H5T_STRING &&
             H5Aread(a, type, &value) >= 0 && value ? 0 : -1;
    if (rc == 0 && !(*out = mem_strdup(value)))
        rc = -1;
    if (value)
        H5free_memory(value);
    if (atype >= 0)
        H5Tclose(atype);
    H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* Walks the stack for the sec2 driver's "errno = N, error message = '...'". */
static herr_t find_errno(unsigned n, const H5E_error2_t *err, void *ctx)
{
    (void)n;
    char *out = ctx;
    const char *m = err->desc ? strstr(err->desc, "error message = '") : NULL;
    if (m && !out[0]) {
        m += strlen("error message = '");
        size_t len = strcspn(m, "'");
        snprintf(out, 128, "%.*s", (int)(len < 127 ? len : 127), m);
    }
    return 0;
}

const char *h5_reason(void)
{
    static char reason[128];
    int saved = errno;
    reason[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, find_errno, reason);
    H5Eclear2(H5E_DEFAULT);
    if (!reason[0])
        snprintf(reason, sizeof reason, "%s",
                 saved == ENOSPC || saved == EFBIG || saved == EDQUOT || saved == EIO ||
                 saved == EROFS || saved == EACCES ? strerror(saved) : "HDF5 error");
    return reason;
}
