/* Tests for core/dataset.c and core/ngram.c: the reference corpus sizes and
 * vocabularies of d2l ch. 8, user text, and every data-file error. */
#include "support.h"

#include <sys/stat.h>

#include "datafile.h"
#include "dataset.h"
#include "mem.h"
#include "ngram.h"

static struct dataset_config base(int name, int tokens, long max_tokens)
{
    struct dataset_config c = {.name = name, .tokens = tokens,
                               .max_tokens = max_tokens,
                               .max_bytes = DATASET_DEFAULT_MAX_BYTES};
    return c;
}

static struct dataset *load(struct dataset_config c)
{
    struct dataset *d = NULL;
    struct err e;
    int rc = dataset_load(&c, RNNLAB_DATA_DIR, &d, &e);
    if (rc < 0)
        fail_msg("%s: %s", e.file, e.msg);
    return d;
}

static int load_error(struct dataset_config c, char *msg, size_t n)
{
    struct dataset *d = NULL;
    struct err e;
    err_clear(&e);
    int rc = dataset_load(&c, RNNLAB_DATA_DIR, &d, &e);
    assert_null(d);
    err_format(&e, msg, n);
    return rc;
}

static void test_timemachine_char(void **state)
{
    (void)state;
    struct dataset *d = load(base(DATASET_TIMEMACHINE, TOKENS_CHAR, -1));
    assert_int_equal(d->train.n, 170580);
    assert_int_equal(vocab_size(d->vocab), 28);
    assert_string_equal(vocab_token(d->vocab, 1), " ");
    assert_string_equal(vocab_token(d->vocab, 2), "e");
    /* d2l: corpus[:10] of "the time machine by h g wells" */
    const char *expect = "the time m";
    for (int i = 0; i < 10; i++)
        assert_int_equal(d->train.ids[i], vocab_lookup(d->vocab, expect + i, 1));
    dataset_free(d);
}

static void test_timemachine_max_tokens_keeps_full_vocab(void **state)
{
    (void)state;
    struct dataset *d = load(base(DATASET_TIMEMACHINE, TOKENS_CHAR, 10000));
    assert_int_equal(d->train.n, 10000);
    assert_int_equal(d->full_tokens, 170580);
    assert_int_equal(vocab_size(d->vocab), 28);
    dataset_free(d);
}

/* d2l §8.2 word tokens, and exercise 8.2.2: min_freq changes the size. */
static void test_timemachine_words_and_min_freq(void **state)
{
    (void)state;
    struct dataset *d = load(base(DATASET_TIMEMACHINE, TOKENS_WORD, -1));
    assert_int_equal(d->train.n, 32775);
    assert_int_equal(vocab_size(d->vocab), 4580);
    assert_string_equal(vocab_token(d->vocab, 1), "the");
    assert_int_equal(vocab_freq(d->vocab, 1), 2261);
    dataset_free(d);
    struct dataset_config c = base(DATASET_TIMEMACHINE, TOKENS_WORD, -1);
    c.min_freq = 10;
    d = load(c);
    assert_int_equal(vocab_size(d->vocab), 400);
    assert_int_equal(d->train.n, 32775);
    dataset_free(d);
}

static void test_jaychou(void **state)
{
    (void)state;
    struct dataset *d = load(base(DATASET_JAYCHOU, TOKENS_CHAR, -1));
    assert_int_equal(d->train.n, 63282);
    dataset_free(d);
    d = load(base(DATASET_JAYCHOU, TOKENS_CHAR, 10000));
    assert_int_equal(d->train.n, 10000);
    /* 1027 distinct characters in the first 10000, plus <unk> at index 0 */
    assert_int_equal(vocab_size(d->vocab), 1028);
    assert_int_equal(vocab_freq(d->vocab, 0), 0);
    assert_string_equal(vocab_token(d->vocab, 1), " ");
    assert_string_equal(vocab_token(d->vocab, 2), "\xe6\x88\x91"); /* 我 */
    dataset_free(d);
}

static void test_ptb(void **state)
{
    (void)state;
    struct dataset *d = load(base(DATASET_PTB, TOKENS_WORD, -1));
    assert_int_equal(d->train.n, 929589);
    assert_int_equal(vocab_size(d->vocab), 10000);
    assert_int_equal(d->valid.n, 73760);
    assert_int_equal(d->test.n, 82430);
    assert_int_equal(vocab_lookup(d->vocab, "<unk>", 5), 0);
    assert_string_equal(vocab_token(d->vocab, 1), "the");
    assert_string_equal(vocab_token(d->vocab, 2), "<eos>"); /* <unk> is 0 */
    assert_string_equal(vocab_token(d->vocab, 3), "N");
    dataset_free(d);
    /* a cut training corpus keeps the whole file's vocabulary */
    d = load(base(DATASET_PTB, TOKENS_WORD, 20000));
    assert_int_equal(d->train.n, 20000);
    assert_int_equal(vocab_size(d->vocab), 10000);
    dataset_free(d);
}

static void test_text_file_chars_words_and_valid_fraction(void **state)
{
    (void)state;
    char dir[64], path[128];
    support_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.txt", dir);
    support_write_text(path, "ab ba\r\ncab\n");
    struct dataset_config c = base(DATASET_TEXT, TOKENS_CHAR, -1);
    c.path = path;
    struct dataset *d = load(c);
    assert_int_equal(d->train.n, 10); /* \r dropped, \n kept */
    assert_int_equal(vocab_size(d->vocab), 6); /* <unk> a b ' ' \n c */
    dataset_free(d);
    c.tokens = TOKENS_WORD;
    c.valid_fraction = 0.4;
    d = load(c);
    /* ab ba <eos> cab <eos>: 5 tokens, last 2 held out */
    assert_int_equal(d->train.n, 3);
    assert_int_equal(d->valid.n, 2);
    assert_int_equal(d->valid.ids[0], 0); /* cab unseen in train: <unk> */
    assert_string_equal(vocab_token(d->vocab, d->valid.ids[1]), "<eos>");
    dataset_free(d);
    support_rmtree(dir);
}

static void test_data_file_errors(void **state)
{
    (void)state;
    char dir[64], path[160], msg[2048];
    support_tmpdir(dir, sizeof dir);

    struct dataset_config c = base(DATASET_TEXT, TOKENS_CHAR, -1);
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    c.path = path;
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "missing.txt: cannot open data file: No such file"));

    /* only regular files: a folder and a FIFO (which would block) are errors */
    c.path = dir;
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, ": cannot open data file: it is a folder, not a file"));
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    c.path = path;
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "fifo: cannot open data file: not a regular file"));
    c.path = (char *)"";
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_string_equal(msg, "data file: the path is empty");

    /* a limit on what is read: a plain file, and a zip member by its header */
    snprintf(path, sizeof path, "%s/big.txt", dir);
    support_write(path, "0123456789abcdef", 16);
    c.path = path;
    c.max_bytes = 15;
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "big.txt: the file is 16 bytes, above "
                                "dataset.max_bytes (15); raise it if you mean it"));
    struct dataset_config z = base(DATASET_JAYCHOU, TOKENS_CHAR, -1);
    z.max_bytes = 1000;
    assert_int_equal(load_error(z, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "jaychou_lyrics.txt.zip: member 'jaychou_lyrics.txt' "
                                "is 171182 bytes, above dataset.max_bytes (1000)"));
    c.max_bytes = DATASET_DEFAULT_MAX_BYTES;
    snprintf(path, sizeof path, "%s/missing.txt", dir);

    snprintf(path, sizeof path, "%s/bad.txt", dir);
    support_write(path, "caf\xc3\xa9 ok\xff rest", 13);
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "bad.txt: invalid UTF-8 at byte offset 8"));

    /* A truncated copy of the bundled archive has no central directory. */
    char zip[160];
    snprintf(zip, sizeof zip, "%s/cut.zip", dir);
    FILE *f = fopen(RNNLAB_DATA_DIR "/jaychou_lyrics.txt.zip", "rb");
    assert_non_null(f);
    char buf[20000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    support_write(zip, buf, n);
    c = base(DATASET_JAYCHOU, TOKENS_CHAR, -1);
    c.path = zip;
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "cut.zip: not a zip archive, or truncated"));

    c.path = RNNLAB_DATA_DIR "/jaychou_lyrics.txt.zip";
    c.member = "lyrics.txt";
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "archive has no member 'lyrics.txt'"));

    c = base(DATASET_TEXT, TOKENS_CHAR, -1);
    c.path = RNNLAB_DATA_DIR "/ptb.zip";
    assert_int_equal(load_error(c, msg, sizeof msg), ERR_DATA);
    assert_non_null(strstr(msg, "a zip archive needs dataset.member"));
    support_rmtree(dir);
}

/* A bundled folder whose file no longer matches SHA256SUMS is refused. */
static void test_checksum_mismatch_and_missing_sums(void **state)
{
    (void)state;
    char dir[64], path[160], sums[160], msg[2048];
    support_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/timemachine.txt", dir);
    snprintf(sums, sizeof sums, "%s/SHA256SUMS", dir);
    support_copy(RNNLAB_DATA_DIR "/timemachine.txt", path);
    struct err e;
    assert_int_equal(datafile_verify_checksum(path, 1, &e), ERR_DATA);
    assert_non_null(strstr(e.msg, "cannot open"));
    support_copy(RNNLAB_DATA_DIR "/SHA256SUMS", sums);
    assert_int_equal(datafile_verify_checksum(path, 1, &e), 0);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fputc('X', f);
    fclose(f);
    assert_int_equal(datafile_verify_checksum(path, 1, &e), ERR_DATA);
    err_format(&e, msg, sizeof msg);
    assert_non_null(strstr(msg, "timemachine.txt: checksum mismatch"));
    assert_non_null(strstr(msg, "SHA256SUMS says 8424dbd9532a"));
    struct dataset_config c = base(DATASET_TIMEMACHINE, TOKENS_CHAR, -1);
    struct dataset *d = NULL;
    assert_int_equal(dataset_load(&c, dir, &d, &e), ERR_DATA);
    assert_null(d);
    support_rmtree(dir);
}

static void test_ngrams(void **state)
{
    (void)state;
    const int32_t ids[] = {1, 2, 3, 1, 2, 3, 1, 2, 4, 2};
    struct ngram_count top[3];
    size_t ntop, distinct;
    struct err e;
    assert_int_equal(ngram_top(ids, 10, 2, 3, top, &ntop, &distinct, &e), 0);
    assert_int_equal(distinct, 5); /* 12 23 31 24 42 */
    assert_int_equal(ntop, 3);
    assert_int_equal(top[0].count, 3); /* 1 2 */
    assert_int_equal(top[0].first, 0);
    assert_int_equal(top[1].count, 2); /* 2 3 */
    assert_int_equal(top[1].first, 1);
    assert_int_equal(top[2].count, 2); /* 3 1 */
    assert_int_equal(ngram_top(ids, 10, 3, 3, top, &ntop, &distinct, &e), 0);
    assert_int_equal(distinct, 5); /* 123 231 312 124 242 */
    assert_int_equal(top[0].count, 2);
}

/* Every allocation of dataset_load may fail; each failure is reported and
 * leaks nothing (ASan's leak checker watches the asan build). */
static void test_allocation_failures_are_reported(void **state)
{
    (void)state;
    struct dataset_config c = base(DATASET_JAYCHOU, TOKENS_CHAR, 2000);
    int failures = 0;
    for (long k = 0;; k++) {
        struct dataset *d = NULL;
        struct err e;
        mem_fail_after(k);
        int rc = dataset_load(&c, RNNLAB_DATA_DIR, &d, &e);
        mem_fail_after(-1);
        if (rc == 0) {
            dataset_free(d);
            break;
        }
        assert_int_equal(rc, ERR_NOMEM);
        assert_null(d);
        failures++;
    }
    assert_true(failures > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timemachine_char),
        cmocka_unit_test(test_timemachine_max_tokens_keeps_full_vocab),
        cmocka_unit_test(test_timemachine_words_and_min_freq),
        cmocka_unit_test(test_jaychou),
        cmocka_unit_test(test_ptb),
        cmocka_unit_test(test_text_file_chars_words_and_valid_fraction),
        cmocka_unit_test(test_data_file_errors),
        cmocka_unit_test(test_checksum_mismatch_and_missing_sums),
        cmocka_unit_test(test_ngrams),
        cmocka_unit_test(test_allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
