/* report: how the runner speaks: errors as one line on stderr with the exit
 * status they map to, and where the bundled data lives. Every cmd_*.c and
 * run.c uses these; main.c only dispatches. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* <the binary's folder>/../share/rnnlab/data when it exists: where
 * `make install` puts the data beside an installed runner. */
static const char *installed_data_dir(void)
{
    static char dir[4096];
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    snprintf(dir, sizeof dir, "%s/../share/rnnlab/data", exe);
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

const char *runner_data_dir(void)
{
    const char *env = getenv("RNNLAB_DATA");
    if (env && *env)
        return env;
    const char *installed = installed_data_dir();
    return installed ? installed : RNNLAB_DATA_DIR;
}

