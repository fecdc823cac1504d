/* err: the error record every fallible core function fills.
 *
 * Owns: the struct err layout and the helpers that format it. A core function
 * that can fail returns 0 on success or a negative ERR_* code, and writes a
 * one-line message plus, where it applies, the source location (file, line,
 * column; 1-based, 0 = unknown). It never prints: runner/ turns an err into
 * `runner: FILE:LINE:COL: message` and picks the exit status.
 */
#ifndef RNNLAB_ERR_H
#define RNNLAB_ERR_H

#include <stddef.h>

enum {
    ERR_OK = 0,
    ERR_USAGE = -1,   /* bad command line */
    ERR_CONFIG = -2,  /* bad config: syntax, key, type, range */
    ERR_DATA = -3,    /* missing or corrupt data file */
    ERR_IO = -4,      /* cannot read or write a file */
    ERR_NOMEM = -5,   /* allocation failed */
    ERR_NUMERIC = -6, /* NaN/inf where a number was required */
};

struct err {
    int code;
    char file[512];
    int line;
    int col;
    char msg[1024];
};

/* Sets every field; file may be NULL (no location). Returns code. */
int err_set(struct err *e, int code, const char *file, int line, int col,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* err_set without a location. */
int err_msg(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears e to ERR_OK with no message. */
void err_clear(struct err *e);

/* Writes "FILE:LINE:COL: msg", "FILE: msg" or "msg" into buf. */
void err_format(const struct err *e, char *buf, size_t n);

#endif
