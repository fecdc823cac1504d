/* tokenize: see tokenize.h. */
#include "tokenize.h"

#include <string.h>

#include "mem.h"
#include "utf8.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* The length of the line starting at s (its '\n' included, as readlines). */
static size_t line_length(const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);
    return nl ? (size_t)(nl - s) + 1 : n;
}

int tokenize_words(const struct token_sink *k, const char *s, size_t n,
                   struct err *e)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_space(s[i]))
            i++;
        if (i > start) {
            int rc = k->take(k->ctx, s + start, i - start, e);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int tokenize_lines(const struct token_sink *k, const char *s, size_t n,
                   struct err *e)
{
    for (size_t pos = 0; pos < n;) {
        size_t len = line_length(s + pos, n - pos);
        int rc = tokenize_words(k, s + pos, len, e);
        if (rc == 0 && !k->prefix)
            rc = k->take(k->ctx, TOKENIZE_EOS, strlen(TOKENIZE_EOS), e);
        if (rc < 0)
            return rc;
        pos += len;
    }
    return 0;
}

int tokenize_chars(const struct token_sink *k, const char *s, size_t n,
                   int newline_space, struct err *e)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_next(p + i, n - i, &cp);
        int rc = 0;
        if (newline_space && (cp == '\n' || cp == '\r'))
            rc = k->take(k->ctx, " ", 1, e);
        else if (newline_space || cp != '\r')
            rc = k->take(k->ctx, s + i, (size_t)len, e);
        if (rc < 0)
            return rc;
        i += (size_t)len;
    }
    return 0;
}

/* One line cleaned into out (letters lowercased, every run of anything
 * else one space, stripped unless strip is 0); its length. */
static size_t clean_line(const char *s, size_t len, int strip, char *out)
{
    size_t m = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            out[m++] = (char)(c | 0x20);
        else if (m > 0 ? out[m - 1] != ' ' : !strip)
            out[m++] = ' ';
    }
    while (strip && m > 0 && out[m - 1] == ' ')
        m--;
    return m;
}

int tokenize_timemachine(const struct token_sink *k, const char *s, size_t n,
                         int words, struct err *e)
{
    char *clean = mem_alloc(n + 1);
    if (!clean)
        return err_msg(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t pos = 0; pos < n && rc == 0;) {
        size_t len = line_length(s + pos, n - pos);
        size_t m = clean_line(s + pos, len, !k->prefix, clean);
        if (words)
            rc = tokenize_words(k, clean, m, e);
        for (size_t i = 0; !words && i < m && rc == 0; i++)
            rc = k->take(k->ctx, clean + i, 1, e);
        pos += len;
    }
    mem_free(clean);
    return rc;
}
