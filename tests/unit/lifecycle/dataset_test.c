/* The dataset upload reader (cs/dataset.h): CSV through libcsv and JSON Lines, the rows
 * handed on, the counts, every refusal's message, and chunk boundaries changing nothing. */
#include "cs/dataset.h"

#include <stdio.h>
#include <string.h>

#include "../../support/test.h"

struct got {
    size_t n;
    char text[8][64];
    char label[8][16];
};

static int keep(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct got *g = user;
    if (g->n < 8) {
        snprintf(g->text[g->n], sizeof(g->text[0]), "%.*s", (int)tl, text);
        snprintf(g->label[g->n], sizeof(g->label[0]), "%.*s", (int)ll, label);
    }
    g->n++;
    return 0;
}

/* Reads `s` fed in pieces of `step` bytes; returns the code, fills *g and err. */
static int read_all(enum cs_dataset_format fmt, const char *tc, const char *lc, const char *s,
                    size_t step, struct got *g, char *err, size_t cap, struct cs_dataset_stats *st)
{
    memset(g, 0, sizeof(*g));
    struct cs_dataset_reader *r;
    int rc = cs_dataset_reader_new(fmt, tc, lc, keep, g, &r);
    if (rc) return rc;
    size_t n = strlen(s);
    for (size_t off = 0; !rc && off < n; off += step)
        rc = cs_dataset_reader_feed(r, s + off, n - off < step ? n - off : step);
    if (!rc) rc = cs_dataset_reader_finish(r);
    snprintf(err, cap, "%s", cs_dataset_reader_error(r));
    if (st) *st = *cs_dataset_reader_stats(r);
    cs_dataset_reader_destroy(r);
    return rc;
}

static void test_csv_rows(void)
{
    const char *csv = "id,label,text\r\n1,positive,\"great, "
                      "\"\"really\"\"\"\r\n2,negative,\"two\nlines\"\n3,positive,ok";
    for (size_t step = 1; step <= strlen(csv); step++) {
        struct got g;
        char err[256];
        struct cs_dataset_stats st;
        REQUIRE(read_all(CS_DATASET_CSV, NULL, NULL, csv, step, &g, err, sizeof(err), &st) ==
                CS_OK);
        CHECK_INT(g.n, 3);
        CHECK_STR(g.text[0], "great, \"really\"");
        CHECK_STR(g.text[1], "two\nlines");
        CHECK_STR(g.label[2], "positive");
        CHECK_INT(st.rows, 3);
        CHECK_INT(st.n_labels, 2);
        CHECK_STR(st.label[0].name, "positive");
        CHECK_INT(st.label[0].count, 2);
        CHECK_INT(st.label[1].count, 1);
        CHECK_INT(st.bytes, strlen(csv));
    }
}

static void test_csv_renamed_columns(void)
{
    struct got g;
    char err[256];
    REQUIRE(read_all(CS_DATASET_CSV, "body", "y", "y,body\na,x\nb,z\n", 7, &g, err, sizeof(err),
                     NULL) == CS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.text[1], "z");
    CHECK_STR(g.label[1], "b");
}

static void expect_refusal(enum cs_dataset_format fmt, const char *data, const char *msg)
{
    struct got g;
    char err[256];
    CHECK_INT(read_all(fmt, NULL, NULL, data, 3, &g, err, sizeof(err), NULL), CS_ERR_VALIDATION);
    CHECK_STR(err, msg);
}

static void test_refusals(void)
{
    expect_refusal(CS_DATASET_CSV, "text,label\n\"open,a\nb,c\n",
                   "record 2: data ends inside a quoted field");
    expect_refusal(CS_DATASET_CSV, "text,label\na\"b,x\n",
                   "record 2: malformed CSV (stray or unbalanced quote)");
    expect_refusal(CS_DATASET_CSV, "text,label\na,x\nb,y,z\n",
                   "record 3: 3 fields where the header has 2");
    expect_refusal(CS_DATASET_CSV, "words,label\na,x\n", "record 1: header has no column \"text\"");
    expect_refusal(CS_DATASET_CSV, "text,label\na,\nb,y\n", "record 2: label is empty");
    expect_refusal(CS_DATASET_CSV, "text,label\n\"\",x\n", "record 2: text is empty");
    expect_refusal(CS_DATASET_CSV, "text,label\n\xff\xfe,x\nb,y\n",
                   "record 2: text is not valid UTF-8");
    expect_refusal(CS_DATASET_CSV, "text,label\na,x\nb,x\n", "fewer than two distinct labels");
    expect_refusal(CS_DATASET_CSV, "text,label\n", "no data rows");
    expect_refusal(CS_DATASET_JSONL, "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\"}\n",
                   "line 2: no \"label\"");
    expect_refusal(CS_DATASET_JSONL, "[1,2]\n", "line 1: not a JSON object");
    expect_refusal(CS_DATASET_JSONL, "{\"text\":\"a\",\"label\":\"x\"} trailing\n",
                   "line 1: not a JSON object");
    expect_refusal(CS_DATASET_JSONL, "{\"text\":true,\"label\":\"x\"}\n",
                   "line 1: \"text\" is not a string");
    char big[CS_DATASET_MAX_TEXT + 64];
    memset(big, 'a', sizeof(big));
    memcpy(big, "text,label\n", 11);
    big[sizeof(big) - 3] = ',';
    big[sizeof(big) - 2] = 'x';
    big[sizeof(big) - 1] = 0;
    expect_refusal(CS_DATASET_CSV, big, "record 2: text is longer than 20000 bytes");
}

static void test_jsonl_rows(void)
{
    const char *jl =
        "{\"text\":\"caf\\u00e9 ok\",\"label\":1}\r\n\n  \n{\"label\":\"b\",\"text\":\"x\"}";
    struct got g;
    char err[256];
    REQUIRE(read_all(CS_DATASET_JSONL, NULL, NULL, jl, 5, &g, err, sizeof(err), NULL) == CS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.text[0], "caf\xc3\xa9 ok");
    CHECK_STR(g.label[0], "1");
    CHECK_STR(g.label[1], "b");
}

static void test_bad_arguments(void)
{
    struct cs_dataset_reader *r;
    CHECK_INT(cs_dataset_reader_new(0, NULL, NULL, keep, NULL, &r), CS_ERR_INVALID);
    CHECK_INT(cs_dataset_reader_new(CS_DATASET_CSV, "a", "a", keep, NULL, &r), CS_ERR_INVALID);
    CHECK_INT(cs_dataset_reader_new(CS_DATASET_CSV, "", NULL, keep, NULL, &r), CS_ERR_INVALID);
    CHECK_INT(cs_dataset_format_parse("csv"), CS_DATASET_CSV);
    CHECK_INT(cs_dataset_format_parse("ndjson"), CS_DATASET_JSONL);
    CHECK_INT(cs_dataset_format_parse("xml"), 0);
}

int main(void)
{
    TEST_RUN(test_csv_rows);
    TEST_RUN(test_csv_renamed_columns);
    TEST_RUN(test_refusals);
    TEST_RUN(test_jsonl_rows);
    TEST_RUN(test_bad_arguments);
    return test_done();
}
