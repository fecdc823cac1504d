/* text: a growable string and the YAML scalar forms every emitter shares.
 *
 * Owns: appending printf-formatted and raw text to one heap buffer that is
 * always NUL-terminated, a YAML double-quoted scalar (the one quoting rule
 * of the project: '"' and '\' escaped, newline as \n, other control
 * characters as \xNN) and a double in its shortest form that reads back
 * exactly. An allocation failure is sticky: later appends do nothing and
 * text_take returns NULL, so callers check once at the end.
 * Used by config emission (the resolved config, run ids) and tree's flow
 * text (sweep labels).
 */
#ifndef RNNLAB_TEXT_H
#define RNNLAB_TEXT_H

#include <stddef.h>

struct text {
    char *s;
    size_t n, cap;
    int failed;
};

void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends s[0..n) as it is. */
void text_put(struct text *t, const char *s, size_t n);

/* Appends s as a YAML double-quoted scalar. */
void text_quoted(struct text *t, const char *s);

/* Appends the shortest of %.15g / %.17g that strtod reads back as v. */
void text_number(struct text *t, double v);

/* The built string (the caller's, mem_free), or NULL after a failure (the
 * buffer is then freed). t is empty afterwards. */
char *text_take(struct text *t);

#endif
