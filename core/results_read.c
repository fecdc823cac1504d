/* results_read: reading a run file, finished or not (file locking off: a
 * writer may hold it): its config, vocabulary and weights. */
#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "h5.h"
#include "mem.h"

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
    int rc = results_read_config(path, &text, e);
    if (rc == 0)
        rc = config_load_text(cfg, text, path, noverrides, overrides, e);
    else /* leaves cfg safe to free, e as it is */
        config_defaults(cfg, path, &(struct err){0});
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
    real *buf = mem_alloc(model_largest_tensor(m) * sizeof *buf);
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
            H5Dread(d, H5_NATIVE_REAL, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
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
