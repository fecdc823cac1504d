/* runfile: see runfile.h. */
#include "runfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int runfile_find(const char *verb, const char *results, const char *id, char *path,
                 size_t n)
{
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", results);
    if (!is_dir(runs)) {
        if (!is_dir(results) && is_dir(id))
            return runner_usage_error("%s: '%s' is not a results folder, '%s' is: "
                                      "give the folder first (runner %s RESULTS "
                                      "RUN_ID)", verb, results, id, verb);
        return runfile_results_folder(verb, results);
    }
    size_t len = strlen(id);
    if (len > 3 && len <= 12 && strspn(id, "0123456789abcdef") == len) {
        snprintf(path, n, "%s/%s.h5", runs, id);
        if (len == 12 && is_file(path))
            return 0;
        DIR *d = opendir(runs);
        struct dirent *ent;
        int found = 0;
        char first[64] = "";
        while (d && (ent = readdir(d))) {
            const char *name = ent->d_name;
            size_t nl = strlen(name);
            if (nl == 15 && strcmp(name + 12, ".h5") == 0 && strncmp(name, id, len) == 0) {
                if (found++ == 0)
                    snprintf(first, sizeof first, "%.12s", name);
                else
                    fprintf(stderr, "runner: %s: '%s' matches %s and %.12s (and maybe "
                            "more): give more of the run id\n", verb, id, first, name);
            }
            if (found > 1)
                break;
        }
        if (d)
            closedir(d);
        if (found == 1) {
            snprintf(path, n, "%s/%s.h5", runs, first);
            return 0;
        }
        if (found > 1)
            return EXIT_BAD_INPUT;
    }
    return runner_usage_error("%s: no finished run '%s' in %s (runner ls %s lists "
                              "them)", verb, id, results, results);
}

int runfile_results_folder(const char *verb, const char *dir)
{
    char runs[1100];
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    if (is_dir(runs))
        return 0;
    if (!is_dir(dir))
        return runner_usage_error("%s: %s: no such folder", verb, dir);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= 4 && strncmp(dir + len - 4, "runs", 4) == 0 &&
        (len == 4 || dir[len - 5] == '/'))
        return runner_usage_error("%s: %s is a runs/ folder: give the results folder "
                                  "that holds it", verb, dir);
    return runner_usage_error("%s: %s is not a results folder (no runs/ in it)", verb,
                              dir);
}

int runfile_from_path(const char *verb, const char *arg, char *path, size_t n)
{
    struct stat st;
    int missing = stat(arg, &st) != 0 ? errno : 0;
    if (is_file(arg)) {
        snprintf(path, n, "%s", arg);
        return 0;
    }
    /* RESULTS/runs/PREFIX[.h5]: the folder above runs/ and the id */
    char buf[1100];
    snprintf(buf, sizeof buf, "%s", arg);
    size_t len = strlen(buf);
    if (len > 3 && strcmp(buf + len - 3, ".h5") == 0)
        buf[len - 3] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash && slash - buf >= 5 && strncmp(slash - 5, "/runs", 5) == 0) {
        *slash = '\0';
        slash[-5] = '\0';
        return runfile_find(verb, buf[0] ? buf : "/", slash + 1, path, n);
    }
    return runner_usage_error("%s: cannot open %s: %s", verb, arg,
                              missing ? strerror(missing) : "not a run file");
}
