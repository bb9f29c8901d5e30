/* Unit tests for cs/kb.h: article validation, JSONL walking, chunking. */
#include "cs/kb.h"

#include <stdint.h>

#include "../../support/test.h"
#include "cs/arena.h"

#define GOOD                                                                                       \
    "{\"doc_id\":\"KB-1001\",\"title\":\"Duplicate charges\","                                     \
    "\"url\":\"https://help.example.com/billing/duplicate\",\"category\":\"Billing\","             \
    "\"body\":\"If you see two charges, check for a pending authorisation. It drops off.\"}"

static struct cs_arena *arena(void)
{
    struct cs_arena *a = cs_arena_new(0);
    if (!a) abort();
    return a;
}

static int parse(struct cs_arena *a, const char *line, struct cs_kb_article *art)
{
    return cs_kb_parse_article(a, line, strlen(line), art);
}

static void test_parse_valid(void)
{
    struct cs_arena *a = arena();
    struct cs_kb_article art;
    CHECK_INT(parse(a, "  " GOOD " \r\n", &art), CS_OK);
    CHECK_STR(art.doc_id, "KB-1001");
    CHECK_STR(art.title, "Duplicate charges");
    CHECK_STR(art.url, "https://help.example.com/billing/duplicate");
    CHECK_STR(art.category, "Billing");
    CHECK(art.body && strncmp(art.body, "If you see", 10) == 0);
    CHECK_INT(art.body_len, strlen(art.body));
    /* Extra fields are a tenant's own metadata, not an error. */
    CHECK_INT(parse(a,
                    "{\"doc_id\":\"a.b_c-9\",\"title\":\"T\",\"url\":\"http://x.io\","
                    "\"category\":\"C\",\"body\":\"B \\u00e9t\\u00e9\",\"tags\":[1,2]}",
                    &art),
              CS_OK);
    CHECK_STR(art.body, "B \xC3\xA9t\xC3\xA9");
    cs_arena_destroy(a);
}

struct bad_case {
    const char *line;
    int code;
};

static void test_parse_rejects(void)
{
    static const struct bad_case cases[] = {
        {"", CS_ERR_BAD_JSON},
        {"not json", CS_ERR_BAD_JSON},
        {"{\"doc_id\":\"KB-1\"", CS_ERR_BAD_JSON},
        {GOOD " trailing", CS_ERR_BAD_JSON},
        {GOOD GOOD, CS_ERR_BAD_JSON},
        {"[1,2,3]", CS_ERR_VALIDATION},
        {"\"just a string\"", CS_ERR_VALIDATION},
        {"{\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\",\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":1001,\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB 1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1]\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"ftp://x.io\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io/a b\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://\",\"category\":\"C\","
         "\"body\":\"B\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"   \\n  \"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"a\\u0000b\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"bell\\u0007\"}",
         CS_ERR_VALIDATION},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"\xC3\x28\"}",
         CS_ERR_BAD_UTF8},
        {"{\"doc_id\":\"KB-1\",\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\","
         "\"body\":\"B\",\"x\":[[[[[[[[[[[[1]]]]]]]]]]]}",
         CS_ERR_TOO_DEEP},
        {"{\"doc_id\":\"KB-000000000000000000000000000000000000000000000000000000000000001\","
         "\"title\":\"T\",\"url\":\"https://x.io\",\"category\":\"C\",\"body\":\"B\"}",
         CS_ERR_VALIDATION},
    };
    struct cs_arena *a = arena();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cs_kb_article art;
        memset(&art, 0xAB, sizeof art);
        int rc = parse(a, cases[i].line, &art);
        if (rc != cases[i].code) fprintf(stderr, "  case %zu: %s\n", i, cases[i].line);
        CHECK_INT(rc, cases[i].code);
        CHECK(art.doc_id == NULL && art.body == NULL && art.body_len == 0);
    }
    struct cs_kb_article art;
    CHECK_INT(cs_kb_parse_article(NULL, GOOD, strlen(GOOD), &art), CS_ERR_INVALID);
    CHECK_INT(cs_kb_parse_article(a, NULL, 0, &art), CS_ERR_INVALID);
    CHECK_INT(cs_kb_parse_article(a, GOOD, strlen(GOOD), NULL), CS_ERR_INVALID);
    /* A NUL inside the stated length must not let json-c see a shorter line. */
    char withnul[] = GOOD "\0garbage";
    CHECK_INT(cs_kb_parse_article(a, withnul, sizeof withnul - 1, &art), CS_ERR_BAD_JSON);
    /* Length is honoured: a prefix of a good line is a broken line. */
    CHECK_INT(cs_kb_parse_article(a, GOOD, strlen(GOOD) - 1, &art), CS_ERR_BAD_JSON);
    cs_arena_destroy(a);
}

static void test_parse_nomem(void)
{
    struct cs_arena *a = arena();
    struct cs_kb_article art;
    cs_arena_fail_after(a, 3);
    CHECK_INT(parse(a, GOOD, &art), CS_ERR_NOMEM);
    CHECK(art.doc_id == NULL);
    cs_arena_fail_after(a, 0);
    CHECK_INT(parse(a, GOOD, &art), CS_OK);
    cs_arena_destroy(a);
}

struct collect {
    size_t n;
    char ids[64][CS_KB_DOC_ID_MAX + 1];
    size_t lines[64];
    int stop_at;
};

static int on_article(const struct cs_kb_article *art, size_t line_no, void *ud)
{
    struct collect *c = ud;
    if (c->n < 64) {
        snprintf(c->ids[c->n], sizeof c->ids[0], "%s", art->doc_id);
        c->lines[c->n] = line_no;
    }
    c->n++;
    return c->stop_at && (int)c->n == c->stop_at ? CS_ERR_EXISTS : 0;
}

static void test_parse_lines(void)
{
    struct cs_arena *a = arena();
    const char *data = "# sample\n" GOOD "\n\n   \n" GOOD "\n";
    struct collect c = {0};
    size_t bad = 99;
    CHECK_INT(cs_kb_parse_lines(a, data, strlen(data), on_article, &c, &bad), CS_OK);
    CHECK_INT(c.n, 2);
    CHECK_INT(c.lines[0], 2);
    CHECK_INT(c.lines[1], 5);
    CHECK_INT(bad, 0);

    const char *broken = GOOD "\n" GOOD "\n{\"doc_id\":\n" GOOD;
    memset(&c, 0, sizeof c);
    CHECK_INT(cs_kb_parse_lines(a, broken, strlen(broken), on_article, &c, &bad), CS_ERR_BAD_JSON);
    CHECK_INT(bad, 3);
    CHECK_INT(c.n, 2);

    memset(&c, 0, sizeof c);
    c.stop_at = 1;
    CHECK_INT(cs_kb_parse_lines(a, data, strlen(data), on_article, &c, &bad), CS_ERR_EXISTS);
    CHECK_INT(bad, 2);
    cs_arena_destroy(a);
}

/* ---- chunking ---- */

struct chunks {
    size_t n;
    char ids[256][CS_KB_CHUNK_ID_MAX];
    size_t off[256], len[256];
    const char *body;
    size_t max;
    int bad;
};

static bool utf8_boundary(const char *s, size_t i) { return ((unsigned char)s[i] & 0xC0) != 0x80; }

static int on_chunk(const struct cs_kb_chunk *ch, void *ud)
{
    struct chunks *c = ud;
    if (ch->len == 0 || ch->len > c->max) c->bad = 1;
    if (ch->text != c->body + ch->offset || ch->index != c->n) c->bad = 1;
    if (!utf8_boundary(c->body, ch->offset) ||
        (ch->text[ch->len] && !utf8_boundary(c->body, ch->offset + ch->len)))
        c->bad = 1;
    if (c->n < 256) {
        memcpy(c->ids[c->n], ch->id, sizeof ch->id);
        c->off[c->n] = ch->offset;
        c->len[c->n] = ch->len;
    }
    c->n++;
    return 0;
}

static const char LONG_BODY[] =
    "You can change your plan at any time from Settings > Billing. Upgrades take effect "
    "immediately and the difference is charged pro rata for the rest of the billing period. "
    "Downgrades take effect at the next renewal, so you keep the features you paid for until "
    "then. If you downgrade to a plan with fewer seats, remove extra members first; otherwise "
    "the change is blocked. Annual plans can be switched to monthly only at renewal.\n\n"
    "Need an invoice for the change? Every plan change produces a separate invoice that you "
    "can download as a PDF. Invoices show your company name, VAT number and billing address "
    "as they were on the day of the change. To correct them, update the billing profile and "
    "ask us to reissue the invoice. We can reissue invoices from the last 18 months.";

static int chunk(const char *body, size_t max, size_t overlap, struct chunks *c)
{
    memset(c, 0, sizeof *c);
    c->body = body;
    c->max = max;
    struct cs_kb_chunk_opts o = {max, overlap};
    return cs_kb_chunk_body("KB-2001", body, strlen(body), &o, on_chunk, c);
}

static void test_chunk_bound_and_ids(void)
{
    static const size_t maxes[] = {40, 80, 150, 300, 600, 5000};
    for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
        struct chunks c;
        CHECK_INT(chunk(LONG_BODY, maxes[m], maxes[m] / 5, &c), CS_OK);
        CHECK(c.bad == 0);
        CHECK(c.n >= 1);
        for (size_t i = 0; i < c.n && i < 256; i++) {
            char want[CS_KB_CHUNK_ID_MAX];
            snprintf(want, sizeof want, "KB-2001-c-%zu", i);
            CHECK_STR(c.ids[i], want);
            CHECK(c.len[i] <= maxes[m]);
        }
        /* Nothing is lost: the chunks cover the body up to its trailing period. */
        CHECK_INT(c.off[0], 0);
        CHECK_INT(c.off[c.n - 1] + c.len[c.n - 1], strlen(LONG_BODY));
        for (size_t i = 1; i < c.n; i++) CHECK(c.off[i] <= c.off[i - 1] + c.len[i - 1] + 2);
    }
    struct chunks big;
    CHECK_INT(chunk(LONG_BODY, 5000, 100, &big), CS_OK);
    CHECK_INT(big.n, 1);
}

static void test_chunk_stable(void)
{
    struct chunks a, b;
    CHECK_INT(chunk(LONG_BODY, 200, 60, &a), CS_OK);
    /* A copy at another address must give identical ids and offsets. */
    char copy[sizeof LONG_BODY];
    memcpy(copy, LONG_BODY, sizeof LONG_BODY);
    CHECK_INT(chunk(copy, 200, 60, &b), CS_OK);
    CHECK_INT(a.n, b.n);
    CHECK(a.n > 3);
    for (size_t i = 0; i < a.n; i++) {
        CHECK_STR(a.ids[i], b.ids[i]);
        CHECK_INT(a.off[i], b.off[i]);
        CHECK_INT(a.len[i], b.len[i]);
    }
}

static void test_chunk_overlap_and_sentences(void)
{
    const char *body = "First sentence is here. Second sentence follows it. Third one now. "
                       "Fourth sentence ends this.";
    struct chunks c;
    CHECK_INT(chunk(body, 70, 30, &c), CS_OK);
    REQUIRE(c.n >= 2);
    for (size_t i = 0; i < c.n; i++) {
        /* Each chunk starts at a sentence start and ends on a sentence end. */
        CHECK(body[c.off[i]] >= 'A' && body[c.off[i]] <= 'Z');
        CHECK(body[c.off[i] + c.len[i] - 1] == '.');
    }
    /* Overlap: the second chunk repeats the first one's last sentence. */
    CHECK(c.off[1] < c.off[0] + c.len[0]);
    CHECK(strncmp(body + c.off[1], "Third one now.", 14) == 0);
    struct chunks none;
    CHECK_INT(chunk(body, 70, 0, &none), CS_OK);
    REQUIRE(none.n >= 2);
    CHECK(none.off[1] >= none.off[0] + none.len[0]);
}

static void test_chunk_utf8_long_sentence(void)
{
    /* 300 two-byte and three-byte characters with no space or period: forced cuts. */
    char body[1024];
    size_t o = 0;
    for (int i = 0; i < 150; i++) {
        memcpy(body + o, "\xC3\xA9", 2);
        o += 2;
        memcpy(body + o, "\xE2\x82\xAC", 3);
        o += 3;
    }
    body[o] = '\0';
    static const size_t maxes[] = {40, 41, 42, 43, 44, 97};
    for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
        struct chunks c;
        CHECK_INT(chunk(body, maxes[m], 0, &c), CS_OK);
        CHECK(c.bad == 0);
        size_t total = 0;
        for (size_t i = 0; i < c.n; i++) total += c.len[i];
        CHECK_INT(total, o);
    }
}

static void test_chunk_edge_cases(void)
{
    struct chunks c;
    CHECK_INT(chunk("", 100, 10, &c), CS_OK);
    CHECK_INT(c.n, 0);
    CHECK_INT(chunk("  \n\n \t ", 100, 10, &c), CS_OK);
    CHECK_INT(c.n, 0);
    struct cs_kb_chunk_opts bad_max = {10, 0}, bad_overlap = {100, 50};
    CHECK_INT(cs_kb_chunk_body("KB-1", "x.", 2, &bad_max, on_chunk, &c), CS_ERR_INVALID);
    CHECK_INT(cs_kb_chunk_body("KB-1", "x.", 2, &bad_overlap, on_chunk, &c), CS_ERR_INVALID);
    CHECK_INT(cs_kb_chunk_body("bad id", "x.", 2, NULL, on_chunk, &c), CS_ERR_INVALID);
    CHECK_INT(cs_kb_chunk_body("KB-1", NULL, 2, NULL, on_chunk, &c), CS_ERR_INVALID);
    CHECK_INT(cs_kb_chunk_body("KB-1", "x.", 2, NULL, NULL, &c), CS_ERR_INVALID);

    char id[12];
    CHECK_INT(cs_kb_chunk_id(id, sizeof id, "KB-1001", 7), CS_OK);
    CHECK_STR(id, "KB-1001-c-7");
    CHECK_INT(cs_kb_chunk_id(id, sizeof id, "KB-1001", 70), CS_ERR_TOO_LARGE);
    CHECK_STR(id, "");
    CHECK_INT(cs_kb_chunk_id(id, sizeof id, "KB[1]", 1), CS_ERR_INVALID);
}

static int stop_second(const struct cs_kb_chunk *ch, void *ud)
{
    (void)ud;
    return ch->index == 1 ? CS_ERR_TOO_LARGE : 0;
}

static void test_chunk_callback_stops(void)
{
    struct cs_kb_chunk_opts o = {100, 0};
    CHECK_INT(cs_kb_chunk_body("KB-1", LONG_BODY, strlen(LONG_BODY), &o, stop_second, NULL),
              CS_ERR_TOO_LARGE);
}

static void test_next_sentence(void)
{
    const char *t = "  Version 2.5 is out! Is it? Yes (really.) Done\nNext line";
    size_t s, e, nx, pos = 0;
    const char *want[] = {"Version 2.5 is out!", "Is it?", "Yes (really.)", "Done", "Next line"};
    for (size_t i = 0; i < 5; i++) {
        REQUIRE(cs_kb_next_sentence(t, strlen(t), pos, &s, &e, &nx));
        char got[64];
        snprintf(got, sizeof got, "%.*s", (int)(e - s), t + s);
        CHECK_STR(got, want[i]);
        pos = nx;
    }
    CHECK(!cs_kb_next_sentence(t, strlen(t), pos, &s, &e, &nx));
}

/* ---- the shipped sample KB ---- */

struct kb_stats {
    size_t n, long_ones, bad_words, bad_cat;
    char ids[128][CS_KB_DOC_ID_MAX + 1];
};

static size_t word_count(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n;
}

static int on_sample(const struct cs_kb_article *art, size_t line_no, void *ud)
{
    static const char *const cats[] = {"Billing",  "Account", "Technical", "Shipping",
                                       "Orders",   "Refunds", "Security",  "General",
                                       "Payments", "Cards",   "Privacy",   NULL};
    struct kb_stats *st = ud;
    size_t w = word_count(art->body);
    if (w < 80 || w > 400) {
        fprintf(stderr, "  line %zu %s: %zu words\n", line_no, art->doc_id, w);
        st->bad_words++;
    }
    if (w > 250) st->long_ones++;
    bool ok = false;
    for (const char *const *c = cats; *c; c++) ok = ok || strcmp(*c, art->category) == 0;
    if (!ok) st->bad_cat++;
    for (size_t i = 0; i < st->n && i < 128; i++)
        if (strcmp(st->ids[i], art->doc_id) == 0) return CS_ERR_EXISTS;
    if (st->n < 128) snprintf(st->ids[st->n], sizeof st->ids[0], "%s", art->doc_id);
    st->n++;
    struct chunks c;
    memset(&c, 0, sizeof c);
    c.body = art->body;
    c.max = CS_KB_CHUNK_DEFAULT_MAX;
    int rc = cs_kb_chunk_body(art->doc_id, art->body, art->body_len, NULL, on_chunk, &c);
    return rc ? rc : (c.bad ? CS_ERR_INTERNAL : 0);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    return buf;
}

static void test_sample_kb(void)
{
    /* CS_SAMPLE_KB checks a tenant's file; CS_DATA_DIR is what tests/run.sh sets. */
    char path[4096];
    const char *kb = getenv("CS_SAMPLE_KB"), *dir = getenv("CS_DATA_DIR");
    if (kb)
        snprintf(path, sizeof path, "%s", kb);
    else
        snprintf(path, sizeof path, "%s/kb/sample_kb.jsonl", dir ? dir : "data");
    size_t len = 0;
    char *data = read_file(path, &len);
    if (!data) TEST_SKIP("sample_kb.jsonl not found (set CS_DATA_DIR or run from the repo root)");
    struct cs_arena *a = arena();
    struct kb_stats st;
    memset(&st, 0, sizeof st);
    size_t bad = 0;
    CHECK_INT(cs_kb_parse_lines(a, data, len, on_sample, &st, &bad), CS_OK);
    CHECK_INT(bad, 0);
    CHECK(st.n >= 40);
    CHECK(st.long_ones >= 5);
    CHECK_INT(st.bad_words, 0);
    CHECK_INT(st.bad_cat, 0);
    cs_arena_destroy(a);
    free(data);
}

int main(void)
{
    TEST_RUN(test_parse_valid);
    TEST_RUN(test_parse_rejects);
    TEST_RUN(test_parse_nomem);
    TEST_RUN(test_parse_lines);
    TEST_RUN(test_chunk_bound_and_ids);
    TEST_RUN(test_chunk_stable);
    TEST_RUN(test_chunk_overlap_and_sentences);
    TEST_RUN(test_chunk_utf8_long_sentence);
    TEST_RUN(test_chunk_edge_cases);
    TEST_RUN(test_chunk_callback_stops);
    TEST_RUN(test_next_sentence);
    TEST_RUN(test_sample_kb);
    return test_done();
}
