/* err: see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_vset(struct err *e, int code, const char *file, int line,
                     int col, const char *fmt, va_list ap)
{
    e->code = code;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->col = col;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int err_set(struct err *e, int code, const char *file, int line, int col,
            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

int err_msg(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(struct err *e)
{
    memset(e, 0, sizeof *e);
}

void err_format(const struct err *e, char *buf, size_t n)
{
    if (e->file[0] && e->line > 0)
        snprintf(buf, n, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, n, "%s", e->msg);
}
