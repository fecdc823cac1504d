/* suggest: see suggest.h. */
#include "suggest.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    int row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *suggest_nearest(const char *key, const char *const *names,
                            size_t stride)
{
    const char *best = NULL;
    int best_d = INT_MAX;
    for (const char *const *n = names; *n;
         n = (const char *const *)((const char *)n + stride)) {
        int d = suggest_distance(key, *n);
        if (d < best_d) {
            best_d = d;
            best = *n;
        }
    }
    int limit = (int)strlen(key) / 3 + 1;
    return best_d <= (limit > 3 ? 3 : limit) ? best : NULL;
}

int suggest_unknown_key(const struct tree *t, const char *section,
                        const char *const *keys, struct err *e)
{
    const char *near = suggest_nearest(t->key, keys, sizeof *keys);
    char hint[300] = "";
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%.256s'?)", near);
    return err_set(e, ERR_CONFIG, t->src, t->key_line, t->key_col,
                   "unknown key '%s.%s'%s", section, t->key, hint);
}
