/* text: see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Makes room for n more bytes and the NUL; 0 or -1 (then failed is set). */
static int reserve(struct text *t, size_t n)
{
    if (t->failed)
        return -1;
    if (t->n + n + 1 <= t->cap)
        return 0;
    size_t cap = (t->cap + n + 1) * 2;
    char *s = mem_realloc(t->s, cap);
    if (!s) {
        t->failed = 1;
        return -1;
    }
    t->s = s;
    t->cap = cap;
    return 0;
}

void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
        t->failed = 1;
        return;
    }
    if (reserve(t, (size_t)k) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)k;
}

void text_put(struct text *t, const char *s, size_t n)
{
    if (reserve(t, n) < 0)
        return;
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = '\0';
}

void text_quoted(struct text *t, const char *s)
{
    text_put(t, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            text_add(t, "\\%c", ch);
        else if (ch == '\n')
            text_put(t, "\\n", 2);
        else if (ch < 0x20)
            text_add(t, "\\x%02x", ch);
        else
            text_put(t, s, 1);
    }
    text_put(t, "\"", 1);
}

void text_number(struct text *t, double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    text_put(t, buf, strlen(buf));
}

char *text_take(struct text *t)
{
    if (!t->failed && reserve(t, 0) == 0)
        t->s[t->n] = '\0';
    char *s = t->failed ? NULL : t->s;
    if (t->failed)
        mem_free(t->s);
    *t = (struct text){0};
    return s;
}
