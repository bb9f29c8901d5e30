/* cs_store_search's query terms on a real SQLite store: the shared word reader and the
 * one stop-word list (cs/words.h) decide which words of free text are searched for. */
#include <json-c/json.h>
#include <string.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "cs/store.h"

static struct temp_db db;
static struct cs_store *S;
static struct cs_arena *A;

#define T "acme"
#define C "articles"

static int put(const char *id, const char *title, const char *body)
{
    json_object *b = json_object_new_object();
    struct cs_text text = {title, body};
    int rc = cs_store_insert(S, A, T, C, id, b, &text, 1000, NULL);
    json_object_put(b);
    return rc;
}

static int setup(void)
{
    A = cs_arena_new(0);
    S = temp_db_create(&db, "search");
    if (!A || !S) return -1;
    if (put("refunds", "Refunds", "A refund is paid to the card you used.")) return -1;
    if (put("helpdesk", "Our help desk", "We are here to help when it is not working.")) return -1;
    return put("l10n", "Horaires", "Le caf\xc3\xa9 ouvre \xc3\xa0 8h.");
}

static void teardown(void)
{
    temp_db_close(&db, S);
    cs_arena_destroy(A);
}

static size_t search(const char *q, struct cs_hit **hits)
{
    size_t n = 99;
    CHECK_INT(cs_store_search(S, A, T, C, q, 10, hits, &n), CS_OK);
    return n;
}

static void test_stop_words_are_not_searched(void)
{
    struct cs_hit *h = NULL;
    /* "help", "not", "is", "it" and "my" are filler: only "refund" is asked for. */
    CHECK_INT(search("Help! It is not my REFUND?", &h), 1);
    CHECK_STR(h[0].doc.id, "refunds");
    CHECK_INT(search("is it the", &h), 0);
    CHECK_INT(search("", &h), 0);
}

static void test_words_stay_whole(void)
{
    struct cs_hit *h = NULL;
    /* UTF-8 words are read byte-exactly, never split inside a character. */
    CHECK_INT(search("caf\xc3\xa9?", &h), 1);
    CHECK_STR(h[0].doc.id, "l10n");
    /* FTS5 syntax in customer text stays literal. */
    CHECK_INT(search("refund* OR NEAR(\"x\")", &h), 1);
}

int main(void)
{
    if (setup()) {
        fprintf(stderr, "store_search_test: cannot set up a store\n");
        return 1;
    }
    TEST_RUN(test_stop_words_are_not_searched);
    TEST_RUN(test_words_stay_whole);
    teardown();
    return test_done();
}
