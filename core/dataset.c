/* dataset: see dataset.h. */
#include "dataset.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unzip.h>

#include "files.h"
#include "mem.h"
#include "sha256.h"
#include "utf8.h"

/* A growable array of token type numbers. */
struct ids {
    uint32_t *a;
    size_t n, cap;
};

static int ids_push(struct ids *v, uint32_t x, struct err *e)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4096;
        uint32_t *a = mem_realloc(v->a, cap * sizeof *a);
        if (!a)
            return err_msg(e, ERR_NOMEM, "out of memory");
        v->a = a;
        v->cap = cap;
    }
    v->a[v->n++] = x;
    return 0;
}

/* ---- reading files ---------------------------------------------------- */

/* A file or member larger than the limit is refused before it is read. */
static int too_big(const char *path, const char *member, unsigned long long size,
                   long max_bytes, struct err *e)
{
    return err_set(e, ERR_DATA, path, 0, 0, "%s%s%s is %llu bytes, above "
                   "dataset.max_bytes (%ld); raise it if you mean it",
                   member ? "member '" : "the file", member ? member : "",
                   member ? "'" : "", size, max_bytes);
}

static int read_plain(const char *path, long max_bytes, char **text, size_t *len,
                      struct err *e)
{
    FILE *f = files_open_regular(path, "data file", ERR_DATA, e);
    if (!f)
        return e->code;
    int rc = 0;
    char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (size > max_bytes) {
        rc = too_big(path, NULL, (unsigned long long)size, max_bytes, e);
        goto done;
    }
    buf = mem_alloc((size_t)size + 1);
    if (!buf) {
        rc = err_msg(e, ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot read: short read");
        goto done;
    }
    buf[size] = '\0';
    *text = buf;
    *len = (size_t)size;
    buf = NULL;
done:
    mem_free(buf);
    fclose(f);
    return rc;
}

static int read_member(const char *path, const char *member, long max_bytes,
                       char **text, size_t *len, struct err *e)
{
    FILE *probe = files_open_regular(path, "data file", ERR_DATA, e);
    if (!probe)
        return e->code;
    fclose(probe);
    unzFile zf = unzOpen64(path);
    if (!zf)
        return err_set(e, ERR_DATA, path, 0, 0,
                       "not a zip archive, or truncated (no central directory)");
    int rc = 0;
    char *buf = NULL;
    int opened = 0;
    unz_file_info64 info;
    if (unzLocateFile(zf, member, 1) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "archive has no member '%s'",
                     member);
        goto done;
    }
    if (unzGetCurrentFileInfo64(zf, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK ||
        unzOpenCurrentFile(zf) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0, "cannot open member '%s'", member);
        goto done;
    }
    opened = 1;
    /* the header's size bounds what is read (a lying header reads as
     * corrupt below), so a zip bomb never reaches memory */
    if (info.uncompressed_size > (unsigned long long)max_bytes) {
        rc = too_big(path, member, info.uncompressed_size, max_bytes, e);
        goto done;
    }
    buf = mem_alloc(info.uncompressed_size + 1);
    if (!buf) {
        rc = err_msg(e, ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    size_t got = 0;
    for (;;) {
        size_t want = info.uncompressed_size + 1 - got; /* +1 spots overlong data */
        int n = unzReadCurrentFile(zf, buf + got, want > (1u << 30) ? 1u << 30
                                                                    : (unsigned)want);
        if (n < 0) {
            rc = err_set(e, ERR_DATA, path, 0, 0,
                         "member '%s' is corrupt (inflate error %d)", member, n);
            goto done;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > info.uncompressed_size)
            break;
    }
    if (got != info.uncompressed_size) {
        rc = err_set(e, ERR_DATA, path, 0, 0,
                     "member '%s' is corrupt (%zu bytes, header says %llu)",
                     member, got, (unsigned long long)info.uncompressed_size);
        goto done;
    }
    opened = 0;
    if (unzCloseCurrentFile(zf) != UNZ_OK) {
        rc = err_set(e, ERR_DATA, path, 0, 0,
                     "member '%s' is corrupt (CRC mismatch)", member);
        goto done;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    buf = NULL;
done:
    if (opened)
        unzCloseCurrentFile(zf);
    unzClose(zf);
    mem_free(buf);
    return rc;
}

int dataset_read_file(const char *path, const char *member, long max_bytes,
                      char **text, size_t *len, struct err *e)
{
    *text = NULL;
    *len = 0;
    return member ? read_member(path, member, max_bytes, text, len, e)
                  : read_plain(path, max_bytes, text, len, e);
}

static int sha256_of_file(const char *path, char hex[65], struct err *e)
{
    FILE *f = files_open_regular(path, "data file", ERR_DATA, e);
    if (!f)
        return e->code;
    struct sha256 s;
    sha256_init(&s);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return err_set(e, ERR_DATA, path, 0, 0, "read error");
    sha256_final_hex(&s, hex);
    return 0;
}

int dataset_verify_checksum(const char *path, int required, struct err *e)
{
    char sums[1100];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path) : 1;
    snprintf(sums, sizeof sums, "%.*s/SHA256SUMS", dirlen, slash ? path : ".");
    FILE *f = fopen(sums, "r");
    if (!f) {
        if (!required)
            return 0;
        return err_set(e, ERR_DATA, sums, 0, 0, "cannot open: %s",
                       strerror(errno));
    }
    char line[1200], expected[65] = "";
    while (fgets(line, sizeof line, f)) {
        char hex[65], name[1024];
        /* "<64 hex>  <name>" or "<64 hex> *<name>" (sha256sum's formats) */
        if (sscanf(line, "%64s %1023s", hex, name) == 2 &&
            strcmp(name[0] == '*' ? name + 1 : name, base) == 0) {
            memcpy(expected, hex, sizeof hex);
            break;
        }
    }
    fclose(f);
    if (!expected[0])
        return required ? err_set(e, ERR_DATA, sums, 0, 0,
                                  "no checksum listed for '%s'", base)
                        : 0;
    char actual[65];
    int rc = sha256_of_file(path, actual, e);
    if (rc < 0)
        return rc;
    if (strcmp(actual, expected) != 0)
        return err_set(e, ERR_DATA, path, 0, 0,
                       "checksum mismatch (SHA-256 %.12s..., SHA256SUMS says "
                       "%.12s...): the file is corrupt or was modified",
                       actual, expected);
    return 0;
}

/* ---- tokenizers: append type numbers to out ---------------------------- */

static int intern_push(struct vocab *v, struct ids *out, const char *s,
                       size_t len, struct err *e)
{
    uint32_t type;
    int rc = vocab_intern(v, s, len, &type, e);
    return rc < 0 ? rc : ids_push(out, type, e);
}

/* The length of the line starting at s (its '\n' included, as readlines). */
static size_t line_length(const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);
    return nl ? (size_t)(nl - s) + 1 : n;
}

static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Whitespace-separated words of s[0..n), as Python's str.split(). */
static int split_words(struct vocab *v, struct ids *out, const char *s,
                       size_t n, struct err *e)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_ascii_space(s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_ascii_space(s[i]))
            i++;
        if (i > start) {
            int rc = intern_push(v, out, s + start, i - start, e);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* d2l read_time_machine: re.sub('[^A-Za-z]+', ' ', line).strip().lower(). */
static int tokenize_timemachine(struct vocab *v, struct ids *out,
                                const char *text, size_t n, int tokens,
                                struct err *e)
{
    char *clean = mem_alloc(n + 1);
    if (!clean)
        return err_msg(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t pos = 0; pos < n && rc == 0;) {
        size_t len = line_length(text + pos, n - pos), m = 0;
        for (size_t i = 0; i < len; i++) {
            char c = text[pos + i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
                clean[m++] = (char)(c | 0x20);
            else if (m == 0 || clean[m - 1] != ' ')
                clean[m++] = ' ';
        }
        size_t a = 0;
        while (a < m && clean[a] == ' ')
            a++;
        while (m > a && clean[m - 1] == ' ')
            m--;
        if (tokens == TOKENS_WORD)
            rc = split_words(v, out, clean + a, m - a, e);
        for (size_t i = a; tokens == TOKENS_CHAR && i < m && rc == 0; i++)
            rc = intern_push(v, out, clean + i, 1, e);
        pos += len;
    }
    mem_free(clean);
    return rc;
}

/* Each line split on whitespace, then "<eos>" (PTB; word-level text). */
static int tokenize_lines(struct vocab *v, struct ids *out, const char *text,
                          size_t n, struct err *e)
{
    for (size_t pos = 0; pos < n;) {
        size_t len = line_length(text + pos, n - pos);
        int rc = split_words(v, out, text + pos, len, e);
        if (rc == 0)
            rc = intern_push(v, out, DATASET_EOS, strlen(DATASET_EOS), e);
        if (rc < 0)
            return rc;
        pos += len;
    }
    return 0;
}

/* Code points as tokens. newline_space: '\n' and '\r' become ' ' (d2lzh's
 * Jay Chou loader); otherwise '\r' is dropped and '\n' kept. */
static int tokenize_chars(struct vocab *v, struct ids *out, const char *text,
                          size_t n, int newline_space, struct err *e)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = utf8_next(p + i, n - i, &cp); /* validated by the caller */
        int rc = 0;
        if (newline_space && (cp == '\n' || cp == '\r'))
            rc = intern_push(v, out, " ", 1, e);
        else if (newline_space || cp != '\r')
            rc = intern_push(v, out, text + i, (size_t)len, e);
        if (rc < 0)
            return rc;
        i += (size_t)len;
    }
    return 0;
}

/* ---- assembling the dataset ------------------------------------------- */

static int read_utf8(const char *path, const char *member, long max_bytes,
                     char **text, size_t *len, struct err *e)
{
    int rc = dataset_read_file(path, member, max_bytes, text, len, e);
    if (rc < 0)
        return rc;
    size_t bad = utf8_validate(*text, *len);
    if (bad < *len) {
        mem_free(*text);
        *text = NULL;
        if (member)
            return err_set(e, ERR_DATA, path, 0, 0,
                           "member '%s': invalid UTF-8 at byte offset %zu",
                           member, bad);
        return err_set(e, ERR_DATA, path, 0, 0,
                       "invalid UTF-8 at byte offset %zu", bad);
    }
    return 0;
}

/* Reads path (or its member) and appends its tokens to out. */
static int tokenize_source(const struct dataset_config *cfg, const char *path,
                           const char *member, struct vocab *v, struct ids *out,
                           struct err *e)
{
    char *text;
    size_t n;
    int rc = read_utf8(path, member, cfg->max_bytes, &text, &n, e);
    if (rc < 0)
        return rc;
    switch (cfg->name) {
    case DATASET_TIMEMACHINE:
        rc = tokenize_timemachine(v, out, text, n, cfg->tokens, e);
        break;
    case DATASET_JAYCHOU:
        rc = cfg->tokens == TOKENS_CHAR ? tokenize_chars(v, out, text, n, 1, e)
                                        : split_words(v, out, text, n, e);
        break;
    default: /* ptb, text */
        rc = cfg->tokens == TOKENS_CHAR ? tokenize_chars(v, out, text, n, 0, e)
                                        : tokenize_lines(v, out, text, n, e);
        break;
    }
    mem_free(text);
    return rc;
}

static int split_take(struct split *s, const uint32_t *ids, size_t n,
                      const struct vocab *v, struct err *e)
{
    s->ids = mem_alloc((n ? n : 1) * sizeof *s->ids);
    if (!s->ids)
        return err_msg(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        s->ids[i] = vocab_index(v, ids[i]);
    s->n = n;
    return 0;
}

static int load_ptb(const struct dataset_config *cfg, const char *path,
                    struct dataset *d, struct err *e)
{
    static const char *const members[3] = {"ptb/ptb.train.txt",
                                           "ptb/ptb.valid.txt",
                                           "ptb/ptb.test.txt"};
    struct ids ids[3] = {{0}};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++)
        rc = tokenize_source(cfg, path, members[k], d->vocab, &ids[k], e);
    if (rc == 0) {
        /* the standard 10000-word vocabulary of the whole training file,
         * whatever part of it max_tokens keeps */
        d->full_tokens = ids[0].n;
        vocab_count(d->vocab, ids[0].a, ids[0].n);
        if (cfg->max_tokens > 0 && (size_t)cfg->max_tokens < ids[0].n)
            ids[0].n = (size_t)cfg->max_tokens;
        rc = vocab_finish(d->vocab, cfg->min_freq, e);
    }
    if (rc == 0)
        rc = split_take(&d->train, ids[0].a, ids[0].n, d->vocab, e);
    if (rc == 0)
        rc = split_take(&d->valid, ids[1].a, ids[1].n, d->vocab, e);
    if (rc == 0)
        rc = split_take(&d->test, ids[2].a, ids[2].n, d->vocab, e);
    for (int k = 0; k < 3; k++)
        mem_free(ids[k].a);
    return rc;
}

static int load_single(const struct dataset_config *cfg, const char *path,
                       const char *member, struct dataset *d, struct err *e)
{
    struct ids ids = {0};
    int rc = tokenize_source(cfg, path, member, d->vocab, &ids, e);
    if (rc < 0)
        goto done;
    d->full_tokens = ids.n;
    if (cfg->name == DATASET_TIMEMACHINE) /* d2l counts the whole book */
        vocab_count(d->vocab, ids.a, ids.n);
    if (cfg->max_tokens > 0 && (size_t)cfg->max_tokens < ids.n)
        ids.n = (size_t)cfg->max_tokens;
    size_t n_valid = (size_t)((double)ids.n * cfg->valid_fraction);
    size_t n_train = ids.n - n_valid;
    if (cfg->name == DATASET_JAYCHOU) /* d2lzh: the chars kept, valid too */
        vocab_count(d->vocab, ids.a, ids.n);
    else if (cfg->name == DATASET_TEXT)
        vocab_count(d->vocab, ids.a, n_train);
    rc = vocab_finish(d->vocab, cfg->min_freq, e);
    if (rc == 0)
        rc = split_take(&d->train, ids.a, n_train, d->vocab, e);
    if (rc == 0 && n_valid > 0)
        rc = split_take(&d->valid, ids.a + n_train, n_valid, d->vocab, e);
done:
    mem_free(ids.a);
    return rc;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The zip member to read: the configured one, else the Jay Chou archive's
 * own; NULL for a plain file. */
static const char *member_of(const struct dataset_config *cfg, const char *path)
{
    if (cfg->member)
        return cfg->member;
    if (cfg->name == DATASET_JAYCHOU && has_suffix(path, ".zip"))
        return "jaychou_lyrics.txt";
    return NULL;
}

int dataset_load(const struct dataset_config *cfg, const char *data_dir,
                 struct dataset **out, struct err *e)
{
    static const char *const bundled[] = {"timemachine.txt",
                                          "jaychou_lyrics.txt.zip", "ptb.zip"};
    char path[1024];
    *out = NULL;
    if (cfg->path)
        snprintf(path, sizeof path, "%s", cfg->path);
    else
        snprintf(path, sizeof path, "%s/%s", data_dir, bundled[cfg->name]);
    const char *member = member_of(cfg, path);
    if (!member && cfg->name != DATASET_PTB && has_suffix(path, ".zip"))
        return err_set(e, ERR_DATA, path, 0, 0,
                       "a zip archive needs dataset.member (the file inside "
                       "it to read)");
    int rc = dataset_verify_checksum(path, cfg->path == NULL, e);
    if (rc < 0)
        return rc;
    struct dataset *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_msg(e, ERR_NOMEM, "out of memory");
    d->tokens = cfg->tokens;
    snprintf(d->source, sizeof d->source, "%.1023s%s%.300s", path, member ? ":" : "",
             member ? member : "");
    d->vocab = vocab_create();
    if (!d->vocab)
        rc = err_msg(e, ERR_NOMEM, "out of memory");
    else if (cfg->name == DATASET_PTB)
        rc = load_ptb(cfg, path, d, e);
    else
        rc = load_single(cfg, path, member, d, e);
    if (rc < 0) {
        dataset_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void dataset_free(struct dataset *d)
{
    if (!d)
        return;
    vocab_free(d->vocab);
    mem_free(d->train.ids);
    mem_free(d->valid.ids);
    mem_free(d->test.ids);
    mem_free(d);
}
