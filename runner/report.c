/* report: how the runner speaks: errors as one line on stderr with the exit
 * status they map to, and where the bundled data lives. Every cmd_*.c and
 * run.c uses these; main.c only dispatches. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner.h"

int runner_report(const struct err *e)
{
    char line[2048];
    err_format(e, line, sizeof line);
    fprintf(stderr, "runner: %s\n", line);
    switch (e->code) {
    case ERR_USAGE:
    case ERR_CONFIG:
    case ERR_DATA:
        return EXIT_BAD_INPUT;
    default:
        return EXIT_RUN_FAILED;
    }
}

int runner_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("runner: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_BAD_INPUT;
}

const char *runner_data_dir(void)
{
    const char *env = getenv("RNNLAB_DATA");
    return env && *env ? env : RNNLAB_DATA_DIR;
}

