/* The store contract (cs/store.h), one suite for every backend: SQLite always, MongoDB
 * (through its run-time plugin) when CS_TEST_MONGODB_URI names a server. The MongoDB run uses a fresh database per
 * run (its indexes from infra/mongodb/indexes.json) and drops it afterwards; without the
 * variable it reports one skipped test. Each case starts from an empty store. */
#include <bson/bson.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <sodium.h>
#include <stdint.h>
#include <unistd.h>

#include "../../support/temp_store.h"
#include "../../support/test.h"
#include "store/mongo/store_mongo_admin.h"
#include "cs/arena.h"
#include "cs/events.h"
#include "cs/store.h"

/* ---- the backend under test ---- */

static const char *backend;      /* "sqlite" or "mongodb" */
static char mongo_uri[2048];     /* the test database's URI */
static struct temp_db sqlite_db; /* the SQLite backend's file */
static struct cs_store *S;
static struct cs_arena *A;

/* Empties the test database's collections; -1 (after saying why) when the server
 * refuses, so that case fails and the next one still runs. */
static int clear_mongo(void)
{
    mongoc_client_t *c = mongoc_client_new(mongo_uri);
    if (!c) {
        fprintf(stderr, "  setup: cannot parse the MongoDB URI\n");
        return -1;
    }
    mongoc_database_t *db = mongoc_client_get_default_database(c);
    /* The reporting collections too (store_mongo_reporting.h), for its contract cases. */
    static const char *const colls[] = {"docs",
                                        "outbox",
                                        "counters",
                                        "rp_calls",
                                        "rp_chats",
                                        "rp_call_participants",
                                        "rp_chat_participants",
                                        "rp_changed_details",
                                        "rp_menus",
                                        "rp_call_segments",
                                        "rp_agent_activity_logs",
                                        "rp_clock"};
    bson_t all = BSON_INITIALIZER;
    bson_error_t err;
    int rc = 0;
    for (size_t i = 0; i < sizeof(colls) / sizeof(*colls) && rc == 0; i++) {
        mongoc_collection_t *coll = mongoc_database_get_collection(db, colls[i]);
        if (!mongoc_collection_delete_many(coll, &all, NULL, NULL, &err)) {
            fprintf(stderr, "  setup: clearing %s failed: %s\n", colls[i], err.message);
            rc = -1;
        }
        mongoc_collection_destroy(coll);
    }
    mongoc_database_destroy(db);
    mongoc_client_destroy(c);
    return rc;
}

/* A fresh store for one case; -1 (after saying why) when there is none. */
static int setup(void)
{
    A = cs_arena_new(0);
    if (strcmp(backend, "sqlite") == 0) {
        if (!(S = temp_db_create(&sqlite_db, "contract"))) {
            fprintf(stderr, "  setup: cannot create the SQLite store\n");
            return -1;
        }
    } else if (clear_mongo() || cs_store_open(mongo_uri, &S) != CS_OK) {
        fprintf(stderr, "  setup: cannot open the MongoDB store\n");
        return -1;
    }
    return A ? 0 : -1;
}

static void teardown(void)
{
    cs_store_close(S);
    cs_arena_destroy(A);
    S = NULL;
    A = NULL;
    if (strcmp(backend, "sqlite") == 0) temp_db_remove(&sqlite_db);
}

/* ---- helpers ---- */

static json_object *J(const char *s)
{
    json_object *o = json_tokener_parse(s);
    if (!o) abort();
    return o;
}

static int put(const char *tenant, const char *coll, const char *id, const char *body, int64_t now)
{
    json_object *b = J(body);
    int rc = cs_store_insert(S, A, tenant, coll, id, b, NULL, now, NULL);
    json_object_put(b);
    return rc;
}

static int put_text(const char *id, const char *title, const char *text)
{
    json_object *b = J("{}");
    struct cs_text t = {title, text};
    int rc = cs_store_insert(S, A, "acme", "kb", id, b, &t, 1000, NULL);
    json_object_put(b);
    return rc;
}

static int64_t body_int(const struct cs_doc *d, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(d->body, key, &v) ? json_object_get_int64(v) : -999;
}

static const char *ids_of(const struct cs_doc_list *l)
{
    char *out = cs_arena_alloc(A, 512);
    size_t n = 0;
    for (size_t i = 0; i < l->n && n < 500; i++)
        n += (size_t)snprintf(out + n, 512 - n, "%s%s", i ? "," : "", l->docs[i].id);
    return out;
}

static const char *find_ids(const struct cs_query *q)
{
    struct cs_doc_list l;
    if (cs_store_find(S, A, "acme", "t", q, &l) != CS_OK) return "error";
    return ids_of(&l);
}

/* ---- documents ---- */

static void case_crud_and_versions(void)
{
    json_object *b = J("{\"n\":9007199254740993,\"d\":2.5,\"ok\":true,\"no\":null,"
                       "\"nested\":{\"a\":[1,\"x\",{\"b\":false}]},\"$where\":\"k\",\"a.b\":1}");
    struct cs_doc d;
    REQUIRE(cs_store_insert(S, A, "acme", "tickets", "T-1", b, NULL, 1000, &d) == CS_OK);
    CHECK_STR(d.id, "T-1");
    CHECK_INT(d.version, 1);
    CHECK_INT(d.created_ms, 1000);
    CHECK_INT(d.updated_ms, 1000);
    CHECK_INT(cs_store_insert(S, A, "acme", "tickets", "T-1", b, NULL, 1001, NULL), CS_ERR_EXISTS);
    struct cs_doc g;
    REQUIRE(cs_store_get(S, A, "acme", "tickets", "T-1", &g) == CS_OK);
    CHECK_INT(g.version, 1);
    CHECK_INT(g.created_ms, 1000);
    /* Every JSON type and odd key comes back as written. */
    CHECK(json_object_equal(b, g.body));
    json_object *n;
    CHECK(json_object_object_get_ex(g.body, "n", &n) &&
          json_object_get_int64(n) == 9007199254740993LL);
    CHECK(json_object_object_get_ex(g.body, "d", &n) && json_object_is_type(n, json_type_double));
    json_object_put(b);

    b = J("{\"n\":2}");
    struct cs_doc u;
    REQUIRE(cs_store_update(S, A, "acme", "tickets", "T-1", 1, b, NULL, 2000, &u) == CS_OK);
    CHECK_INT(u.version, 2);
    CHECK_INT(u.created_ms, 1000);
    CHECK_INT(u.updated_ms, 2000);
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "T-1", 1, b, NULL, 3000, NULL),
              CS_ERR_CONFLICT);
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "T-404", 1, b, NULL, 3000, NULL),
              CS_ERR_NOT_FOUND);
    REQUIRE(cs_store_get(S, A, "acme", "tickets", "T-1", &g) == CS_OK);
    CHECK_INT(g.version, 2);
    CHECK_INT(g.updated_ms, 2000);
    CHECK_INT(body_int(&g, "n"), 2);

    CHECK_INT(cs_store_delete(S, "acme", "tickets", "T-1", 1), CS_ERR_CONFLICT);
    CHECK_INT(cs_store_delete(S, "acme", "tickets", "T-1", 2), CS_OK);
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", "T-1", &g), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_store_delete(S, "acme", "tickets", "T-1", -1), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "T-1", 2, b, NULL, 3000, NULL),
              CS_ERR_NOT_FOUND);
    /* The id is free again, starting over at version 1. */
    REQUIRE(cs_store_insert(S, A, "acme", "tickets", "T-1", b, NULL, 4000, &d) == CS_OK);
    CHECK_INT(d.version, 1);
    CHECK_INT(cs_store_delete(S, "acme", "tickets", "T-1", -1), CS_OK);

    /* A generated id: 24 hex digits. */
    REQUIRE(cs_store_insert(S, A, "acme", "tickets", NULL, b, NULL, 5000, &d) == CS_OK);
    CHECK_INT(strlen(d.id), 24);
    CHECK_INT(strspn(d.id, "0123456789abcdef"), 24);
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", d.id, &g), CS_OK);
    json_object_put(b);
}

static void case_tenant_isolation(void)
{
    REQUIRE(put("acme", "tickets", "T-1", "{\"who\":\"acme\",\"v\":1}", 1000) == CS_OK);
    REQUIRE(put("globex", "tickets", "T-1", "{\"who\":\"globex\",\"v\":2}", 1000) == CS_OK);
    REQUIRE(put("acme", "sessions", "T-1", "{\"who\":\"acme-s\",\"v\":3}", 1000) == CS_OK);
    struct cs_doc g;
    REQUIRE(cs_store_get(S, A, "globex", "tickets", "T-1", &g) == CS_OK);
    CHECK_INT(body_int(&g, "v"), 2);
    CHECK_INT(cs_store_get(S, A, "initech", "tickets", "T-1", &g), CS_ERR_NOT_FOUND);
    /* Writes through another tenant or collection reach nothing. */
    json_object *b = J("{}");
    CHECK_INT(cs_store_update(S, A, "initech", "tickets", "T-1", 1, b, NULL, 2, NULL),
              CS_ERR_NOT_FOUND);
    json_object_put(b);
    CHECK_INT(cs_store_delete(S, "initech", "tickets", "T-1", -1), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_store_delete(S, "globex", "tickets", "T-1", -1), CS_OK);
    REQUIRE(cs_store_get(S, A, "acme", "tickets", "T-1", &g) == CS_OK);
    CHECK_INT(body_int(&g, "v"), 1);
    int64_t n = -1;
    CHECK_INT(cs_store_count(S, "acme", "tickets", NULL, 0, &n), CS_OK);
    CHECK_INT(n, 1);
    CHECK_INT(cs_store_count(S, "globex", "tickets", NULL, 0, &n), CS_OK);
    CHECK_INT(n, 0);
    struct cs_query q = {0};
    struct cs_doc_list l;
    CHECK_INT(cs_store_find(S, A, "initech", "tickets", &q, &l), CS_OK);
    CHECK_INT(l.n, 0);
    /* Malformed tenants and collections are refused, not interpreted. */
    CHECK_INT(cs_store_get(S, A, "$where", "tickets", "T-1", &g), CS_ERR_INVALID);
    CHECK_INT(cs_store_get(S, A, "acme", "Tickets.x", "T-1", &g), CS_ERR_INVALID);
    CHECK_INT(cs_store_count(S, "acme", "$cmd", NULL, 0, &n), CS_ERR_INVALID);
}

/* ---- queries ---- */

/* The rows the find cases read; -1 when a write failed (the case then fails). */
static int seed_find(void)
{
    /* id, priority, status, score; created = 1000 * i */
    static const char *const rows[] = {
        "{\"p\":3,\"status\":\"open\",\"score\":0.5,\"tier\":\"gold\"}",
        "{\"p\":1,\"status\":\"closed\",\"score\":1.5}",
        "{\"p\":2,\"status\":\"open\",\"score\":2.5,\"tier\":\"silver\"}",
        "{\"p\":5,\"status\":\"$gt\",\"tier\":null}",
        "{\"p\":4,\"status\":\"open\",\"nested\":{\"k\":\"v\"}}",
    };
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "d%d", i + 1);
        int rc = put("acme", "t", id, rows[i], 1000 * (i + 1));
        if (rc != CS_OK) {
            fprintf(stderr, "  seeding %s failed: %s\n", id, cs_error_name(rc));
            return -1;
        }
    }
    return 0;
}

static void case_find_filters(void)
{
    REQUIRE(seed_find() == 0);
    struct cs_query q = {0};
    CHECK_STR(find_ids(&q), "d1,d2,d3,d4,d5"); /* default: _created ascending */
    REQUIRE(cs_query_where(&q, "status", CS_OP_EQ, cs_val_str("open")) == CS_OK);
    CHECK_STR(find_ids(&q), "d1,d3,d5");
    REQUIRE(cs_query_where(&q, "p", CS_OP_GT, cs_val_int(2)) == CS_OK);
    CHECK_STR(find_ids(&q), "d1,d5");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "score", CS_OP_LTE, cs_val_real(1.5)) == CS_OK);
    CHECK_STR(find_ids(&q), "d1,d2");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "score", CS_OP_LT, cs_val_real(1.5)) == CS_OK);
    CHECK_STR(find_ids(&q), "d1");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "p", CS_OP_GTE, cs_val_int(4)) == CS_OK);
    CHECK_STR(find_ids(&q), "d4,d5");
    /* A range on one field: both ends hold. */
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "_created", CS_OP_GTE, cs_val_int(2000)) == CS_OK);
    REQUIRE(cs_query_where(&q, "_created", CS_OP_LT, cs_val_int(4000)) == CS_OK);
    CHECK_STR(find_ids(&q), "d2,d3");
    /* `<>` skips documents without the field, as SQL does. */
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "tier", CS_OP_NE, cs_val_str("gold")) == CS_OK);
    CHECK_STR(find_ids(&q), "d3");
    /* `= null` matches a missing field or a JSON null. */
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "tier", CS_OP_EQ, (struct cs_value){.type = CS_VAL_NULL}) == CS_OK);
    CHECK_STR(find_ids(&q), "d2,d4,d5");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "tier", CS_OP_NE, (struct cs_value){.type = CS_VAL_NULL}) == CS_OK);
    CHECK_STR(find_ids(&q), "d1,d3");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "tier", CS_OP_EXISTS, cs_val_bool(true)) == CS_OK);
    CHECK_STR(find_ids(&q), "d1,d3,d4");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "tier", CS_OP_EXISTS, cs_val_bool(false)) == CS_OK);
    CHECK_STR(find_ids(&q), "d2,d5");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "nested.k", CS_OP_EQ, cs_val_str("v")) == CS_OK);
    CHECK_STR(find_ids(&q), "d5");
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "_id", CS_OP_EQ, cs_val_str("d2")) == CS_OK);
    CHECK_STR(find_ids(&q), "d2");
    /* An operator as a value is a plain string: only d4 holds "$gt". */
    q = (struct cs_query){0};
    REQUIRE(cs_query_where(&q, "status", CS_OP_EQ, cs_val_str("$gt")) == CS_OK);
    CHECK_STR(find_ids(&q), "d4");
    q = (struct cs_query){0};
    CHECK_INT(cs_query_where(&q, "$where", CS_OP_EQ, cs_val_str("1")), CS_ERR_INVALID);
    CHECK_INT(cs_query_where(&q, "a.$gt", CS_OP_EQ, cs_val_str("1")), CS_ERR_INVALID);
    struct cs_doc_list l;
    q.filters[0] = (struct cs_filter){"$where", CS_OP_EQ, cs_val_str("1")};
    q.nfilters = 1;
    CHECK_INT(cs_store_find(S, A, "acme", "t", &q, &l), CS_ERR_INVALID);
}

static void case_find_sort_page_total(void)
{
    REQUIRE(seed_find() == 0);
    struct cs_query q = {.sort = "p"};
    CHECK_STR(find_ids(&q), "d2,d3,d1,d5,d4");
    q.desc = true;
    CHECK_STR(find_ids(&q), "d4,d5,d1,d3,d2");
    q = (struct cs_query){
        .sort = "_created", .desc = true, .limit = 2, .offset = 1, .want_total = true};
    struct cs_doc_list l;
    REQUIRE(cs_store_find(S, A, "acme", "t", &q, &l) == CS_OK);
    CHECK_STR(ids_of(&l), "d4,d3");
    CHECK_INT(l.total, 5);
    q = (struct cs_query){.sort = "_id", .limit = 2, .offset = 4, .want_total = true};
    REQUIRE(cs_query_where(&q, "p", CS_OP_GT, cs_val_int(0)) == CS_OK);
    REQUIRE(cs_store_find(S, A, "acme", "t", &q, &l) == CS_OK);
    CHECK_STR(ids_of(&l), "d5");
    CHECK_INT(l.total, 5);
    q.want_total = false;
    REQUIRE(cs_store_find(S, A, "acme", "t", &q, &l) == CS_OK);
    CHECK_INT(l.total, -1);
    q = (struct cs_query){.offset = 10};
    CHECK_STR(find_ids(&q), "");
    /* Documents with no value for the sort field come first ascending (NULLs first). */
    q = (struct cs_query){.sort = "score"};
    CHECK_STR(find_ids(&q), "d4,d5,d1,d2,d3");
    q = (struct cs_query){.limit = -1};
    CHECK_INT(cs_store_find(S, A, "acme", "t", &q, &l), CS_ERR_INVALID);
}

static void case_count(void)
{
    REQUIRE(seed_find() == 0);
    int64_t n = -1;
    CHECK_INT(cs_store_count(S, "acme", "t", NULL, 0, &n), CS_OK);
    CHECK_INT(n, 5);
    struct cs_filter f[] = {{"status", CS_OP_EQ, cs_val_str("open")},
                            {"p", CS_OP_LT, cs_val_int(4)}};
    CHECK_INT(cs_store_count(S, "acme", "t", f, 2, &n), CS_OK);
    CHECK_INT(n, 2);
    CHECK_INT(cs_store_count(S, "acme", "empty", NULL, 0, &n), CS_OK);
    CHECK_INT(n, 0);
}

/* ---- aggregation ---- */

static void case_aggregate_groups(void)
{
    static const char *const rows[] = {"{\"cat\":\"billing\",\"cost\":10,\"open\":true}",
                                       "{\"cat\":\"billing\",\"cost\":30}",
                                       "{\"cat\":\"tech\",\"cost\":5}",
                                       "{\"cat\":\"tech\",\"cost\":7}",
                                       "{\"cat\":\"tech\",\"cost\":9}",
                                       "{\"cost\":1}"};
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "a%d", i);
        REQUIRE(put("acme", "t", id, rows[i], 1000 + i) == CS_OK);
    }
    REQUIRE(put("globex", "t", "x", "{\"cat\":\"billing\",\"cost\":1000}", 1) == CS_OK);
    struct cs_agg g = {.group_by = "cat",
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_SUM, "cost"},
                                   {CS_AGG_AVG, "cost"},
                                   {CS_AGG_MIN, "cost"},
                                   {CS_AGG_MAX, "cost"}},
                       .nmetrics = 5};
    struct cs_agg_row *r;
    size_t n;
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 3);
    /* Sorted by key: the missing key (null) first. */
    CHECK_INT(r[0].key.type, CS_VAL_NULL);
    CHECK_NEAR(r[0].values[0], 1, 1e-9);
    CHECK_INT(r[1].key.type, CS_VAL_STR);
    CHECK_STR(r[1].key.s, "billing");
    CHECK_NEAR(r[1].values[0], 2, 1e-9);
    CHECK_NEAR(r[1].values[1], 40, 1e-9);
    CHECK_NEAR(r[1].values[2], 20, 1e-9);
    CHECK_NEAR(r[1].values[3], 10, 1e-9);
    CHECK_NEAR(r[1].values[4], 30, 1e-9);
    CHECK_STR(r[2].key.s, "tech");
    CHECK_NEAR(r[2].values[0], 3, 1e-9);
    CHECK_NEAR(r[2].values[2], 7, 1e-9);
    /* By first metric, descending, limited. */
    g.by_metric = true;
    g.limit = 2;
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 2);
    CHECK_STR(r[0].key.s, "tech");
    CHECK_STR(r[1].key.s, "billing");
    /* Filtered, one group. */
    struct cs_filter f[] = {{"cat", CS_OP_EQ, cs_val_str("tech")}};
    struct cs_agg one = {.filters = f,
                         .nfilters = 1,
                         .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_SUM, "cost"}},
                         .nmetrics = 2};
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &one, &r, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_INT(r[0].key.type, CS_VAL_NULL);
    CHECK_NEAR(r[0].values[0], 3, 1e-9);
    CHECK_NEAR(r[0].values[1], 21, 1e-9);
    /* One group over nothing: still one row, count and sum 0, the rest NaN. */
    struct cs_agg none = {
        .metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_SUM, "cost"}, {CS_AGG_AVG, "cost"}},
        .nmetrics = 3};
    REQUIRE(cs_store_aggregate(S, A, "acme", "nothing", &none, &r, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_NEAR(r[0].values[0], 0, 1e-9);
    CHECK_NEAR(r[0].values[1], 0, 1e-9);
    CHECK(isnan(r[0].values[2]));
    /* Grouped over nothing: no rows. */
    g.by_metric = false;
    REQUIRE(cs_store_aggregate(S, A, "acme", "nothing", &g, &r, &n) == CS_OK);
    CHECK_INT(n, 0);
    g.group_by = "$where";
    CHECK_INT(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n), CS_ERR_INVALID);
}

static void case_aggregate_buckets(void)
{
    /* 2026-11-22 Sun 23:59:59.999, 11-23 Mon 00:00, 11-29 Sun 12:00, 11-30 Mon, 12-01 Tue. */
    static const int64_t times[] = {1795391999999, 1795392000000, 1795953600000, 1795996800000,
                                    1796083200000};
    for (int i = 0; i < 5; i++) {
        char id[16], body[64];
        snprintf(id, sizeof(id), "b%d", i);
        snprintf(body, sizeof(body), "{\"at\":%lld}", (long long)times[i]);
        REQUIRE(put("acme", "t", id, body, times[i]) == CS_OK);
    }
    REQUIRE(put("acme", "t", "nodate", "{}", 1796083200000) == CS_OK);
    struct cs_agg g = {.group_by = "_created",
                       .bucket = CS_BUCKET_DAY,
                       .metrics = {{CS_AGG_COUNT, NULL}},
                       .nmetrics = 1};
    struct cs_agg_row *r;
    size_t n;
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 5);
    CHECK_STR(r[0].key.s, "2026-11-22");
    CHECK_STR(r[1].key.s, "2026-11-23");
    CHECK_STR(r[2].key.s, "2026-11-29");
    CHECK_STR(r[3].key.s, "2026-11-30");
    CHECK_STR(r[4].key.s, "2026-12-01");
    CHECK_NEAR(r[4].values[0], 2, 1e-9);
    g.bucket = CS_BUCKET_WEEK; /* Monday starts a week */
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 3);
    CHECK_STR(r[0].key.s, "2026-11-16");
    CHECK_NEAR(r[0].values[0], 1, 1e-9);
    CHECK_STR(r[1].key.s, "2026-11-23");
    CHECK_NEAR(r[1].values[0], 2, 1e-9);
    CHECK_STR(r[2].key.s, "2026-11-30");
    CHECK_NEAR(r[2].values[0], 3, 1e-9);
    g.bucket = CS_BUCKET_MONTH;
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 2);
    CHECK_STR(r[0].key.s, "2026-11-01");
    CHECK_NEAR(r[0].values[0], 4, 1e-9);
    CHECK_STR(r[1].key.s, "2026-12-01");
    /* A body time field: the document without it falls in the null bucket, first. */
    g.group_by = "at";
    g.bucket = CS_BUCKET_WEEK;
    REQUIRE(cs_store_aggregate(S, A, "acme", "t", &g, &r, &n) == CS_OK);
    REQUIRE(n == 4);
    CHECK_INT(r[0].key.type, CS_VAL_NULL);
    CHECK_STR(r[1].key.s, "2026-11-16");
    CHECK_STR(r[3].key.s, "2026-11-30");
    CHECK_NEAR(r[3].values[0], 2, 1e-9);
}

static void case_quantiles(void)
{
    for (int i = 1; i <= 10; i++) {
        char id[16], body[48];
        snprintf(id, sizeof(id), "q%d", i);
        snprintf(body, sizeof(body), "{\"ms\":%d,\"kind\":\"%s\"}", (11 - i) * 10,
                 i % 2 ? "odd" : "even");
        REQUIRE(put("acme", "t", id, body, i) == CS_OK);
    }
    REQUIRE(put("acme", "t", "none", "{\"kind\":\"odd\"}", 99) == CS_OK);
    double qs[] = {0.0, 0.5, 0.9, 0.95, 1.0}, out[5];
    REQUIRE(cs_store_quantiles(S, "acme", "t", NULL, 0, "ms", qs, 5, out) == CS_OK);
    CHECK_NEAR(out[0], 10, 1e-9);
    CHECK_NEAR(out[1], 50, 1e-9);
    CHECK_NEAR(out[2], 90, 1e-9);
    CHECK_NEAR(out[3], 100, 1e-9);
    CHECK_NEAR(out[4], 100, 1e-9);
    struct cs_filter f[] = {{"kind", CS_OP_EQ, cs_val_str("odd")}};
    REQUIRE(cs_store_quantiles(S, "acme", "t", f, 1, "ms", qs, 2, out) == CS_OK);
    CHECK_NEAR(out[0], 20, 1e-9); /* odd i: ms 100, 80, 60, 40, 20 */
    CHECK_NEAR(out[1], 60, 1e-9);
    REQUIRE(cs_store_quantiles(S, "acme", "t", NULL, 0, "missing", qs, 2, out) == CS_OK);
    CHECK(isnan(out[0]) && isnan(out[1]));
    double bad = 1.5;
    CHECK_INT(cs_store_quantiles(S, "acme", "t", NULL, 0, "ms", &bad, 1, out), CS_ERR_INVALID);
}

/* ---- search ---- */

static void case_search_ranking(void)
{
    REQUIRE(put_text("kb1", "Refund policy", "How refunds work for annual plans.") == CS_OK);
    REQUIRE(put_text("kb2", "Password reset", "Reset your password from the login page.") == CS_OK);
    REQUIRE(put_text("kb3", "Billing", "A refund is issued to the original card.") == CS_OK);
    REQUIRE(put("acme", "kb", "plain", "{\"text\":\"refund refund refund\"}", 1) == CS_OK);
    json_object *b = J("{}");
    struct cs_text t = {"Refund", "refund elsewhere"};
    REQUIRE(cs_store_insert(S, A, "globex", "kb", "other", b, &t, 1, NULL) == CS_OK);
    struct cs_hit *h;
    size_t n;
    REQUIRE(cs_store_search(S, A, "acme", "kb", "I want a REFUND!", 10, &h, &n) == CS_OK);
    REQUIRE(n == 2);
    /* The title weighs more than the body. */
    CHECK_STR(h[0].doc.id, "kb1");
    CHECK_STR(h[1].doc.id, "kb3");
    CHECK(h[0].score > h[1].score);
    for (size_t i = 0; i < n; i++) CHECK(h[i].score > 0 && h[i].score <= 1);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "password -refund \"reset\"", 10, &h, &n) == CS_OK);
    /* No query syntax: "-refund" is the word refund, so all three match. */
    CHECK_INT(n, 3);
    CHECK_STR(h[0].doc.id, "kb2");
    REQUIRE(cs_store_search(S, A, "acme", "kb", "the of and", 10, &h, &n) == CS_OK);
    CHECK_INT(n, 0);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "refund", 1, &h, &n) == CS_OK);
    CHECK_INT(n, 1);
    /* An update without text leaves the search index; a delete too. */
    REQUIRE(cs_store_update(S, A, "acme", "kb", "kb1", 1, b, NULL, 2, NULL) == CS_OK);
    REQUIRE(cs_store_delete(S, "acme", "kb", "kb3", -1) == CS_OK);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "refund", 10, &h, &n) == CS_OK);
    CHECK_INT(n, 0);
    struct cs_text t2 = {"Refunds again", ""};
    REQUIRE(cs_store_update(S, A, "acme", "kb", "kb1", 2, b, &t2, 3, NULL) == CS_OK);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "refund", 10, &h, &n) == CS_OK);
    CHECK_INT(n, 1);
    CHECK_INT(h[0].doc.version, 3);
    CHECK_INT(json_object_object_length(h[0].doc.body), 0);
    /* A hit's body is the stored one, never an earlier read of the same row. */
    json_object *b2 = J("{\"v\":2}");
    REQUIRE(cs_store_update(S, A, "acme", "kb", "kb1", 3, b2, &t2, 4, NULL) == CS_OK);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "refund", 10, &h, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_INT(json_object_get_int(json_object_object_get(h[0].doc.body, "v")), 2);
    REQUIRE(cs_store_search(S, A, "acme", "kb", "refund", 10, &h, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_INT(json_object_get_int(json_object_object_get(h[0].doc.body, "v")), 2);
    json_object_put(b2);
    json_object_put(b);
}

/* ---- counters ---- */

static void case_counters(void)
{
    int64_t v = 0;
    CHECK_INT(cs_store_counter_add(S, "acme", "rl:fn", 60000, 120000, 1, &v), CS_OK);
    CHECK_INT(v, 1);
    CHECK_INT(cs_store_counter_add(S, "acme", "rl:fn", 60000, 120000, 2, &v), CS_OK);
    CHECK_INT(v, 3);
    CHECK_INT(cs_store_counter_add(S, "acme", "rl:fn", 120000, 120000, 1, &v), CS_OK);
    CHECK_INT(v, 1);
    CHECK_INT(cs_store_counter_add(S, "globex", "rl:fn", 60000, 120000, 5, &v), CS_OK);
    CHECK_INT(v, 5);
    CHECK_INT(cs_store_counter_add(S, "acme", "rl:other", 60000, 120000, 1, &v), CS_OK);
    CHECK_INT(v, 1);
    CHECK_INT(cs_store_counter_add(S, "acme", "rl:fn", 60000, 120000, 0, &v), CS_OK);
    CHECK_INT(v, 3);
    CHECK_INT(cs_store_counter_add(S, "bad tenant", "k", 0, 1, 1, &v), CS_ERR_INVALID);
}

/* ---- outbox: ordering per topic, leases, retry, dead letter, atomic staging ---- */

static int stage(const char *tenant, const char *topic, int n)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "n", json_object_new_int(n));
    int rc = cs_store_stage(S, tenant, topic, "ticket.created", p);
    json_object_put(p);
    return rc;
}

static int64_t payload_n(const struct cs_outbox_item *it)
{
    json_object *n;
    return json_object_object_get_ex(it->payload, "n", &n) ? json_object_get_int64(n) : -1;
}

static void case_outbox_events_ride_with_their_write(void)
{
    CHECK_INT(stage("acme", "sub_1", 1), CS_OK);
    CHECK_INT(put("acme", "tickets", "t1", "{}", 1000), CS_OK);
    CHECK_INT(cs_store_staged(S), 0);
    CHECK_INT(stage("acme", "sub_1", 2), CS_OK);
    CHECK_INT(put("acme", "tickets", "t1", "{}", 1000), CS_ERR_EXISTS);
    CHECK_INT(cs_store_staged(S), 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    CHECK_INT(stage("acme", "sub_1", 3), CS_OK);
    json_object *body = J("{}");
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "t1", 7, body, NULL, 2000, NULL),
              CS_ERR_CONFLICT);
    CHECK_INT(stage("acme", "sub_1", 4), CS_OK);
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "t1", 1, body, NULL, 2000, NULL), CS_OK);
    json_object_put(body);
    CHECK_INT(stage("acme", "sub_1", 5), CS_OK);
    CHECK_INT(cs_store_delete(S, "acme", "tickets", "t1", -1), CS_OK);
    struct cs_doc d;
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", "t1", &d), CS_ERR_NOT_FOUND);
    CHECK_INT(cs_store_outbox_stats(S, "acme", "sub_1", &open, &done, &dead), CS_OK);
    CHECK_INT(open, 3);
    int64_t want[] = {1, 4, 5};
    for (int i = 0; i < 3; i++) {
        struct cs_outbox_item *items;
        size_t n;
        REQUIRE(cs_store_outbox_claim(S, A, 5000, 1000, 10, 0, &items, &n) == CS_OK);
        REQUIRE(n == 1);
        CHECK_INT(payload_n(&items[0]), want[i]);
        CHECK_STR(items[0].tenant, "acme");
        CHECK_STR(items[0].topic, "sub_1");
        CHECK_STR(items[0].type, "ticket.created");
        CHECK_INT(cs_store_outbox_settle(S, &items[0], CS_OUTBOX_DONE, 0, 5000), CS_OK);
    }
    /* The id a delete with events freed can be taken again. */
    CHECK_INT(put("acme", "tickets", "t1", "{}", 6000), CS_OK);
}

static void case_outbox_topics_independent_and_ordered(void)
{
    for (int i = 1; i <= 3; i++) {
        CHECK_INT(stage("acme", "sub_a", i), CS_OK);
        CHECK_INT(stage("acme", "sub_b", 10 + i), CS_OK);
    }
    CHECK_INT(stage("globex", "sub_a", 100), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(S, A, 1000, 60000, 10, 0, &items, &n) == CS_OK);
    CHECK_INT(n, 3);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += payload_n(&items[i]);
    CHECK_INT(sum, 112);
    struct cs_outbox_item *more;
    size_t m;
    CHECK_INT(cs_store_outbox_claim(S, A, 2000, 60000, 10, 0, &more, &m), CS_OK);
    CHECK_INT(m, 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "globex", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    /* Settling the heads releases the next of each topic, in order. */
    for (size_t i = 0; i < n; i++)
        CHECK_INT(cs_store_outbox_settle(S, &items[i], CS_OUTBOX_DONE, 0, 2000), CS_OK);
    REQUIRE(cs_store_outbox_claim(S, A, 2000, 60000, 10, 0, &more, &m) == CS_OK);
    CHECK_INT(m, 2);
    sum = 0;
    for (size_t i = 0; i < m; i++) sum += payload_n(&more[i]);
    CHECK_INT(sum, 2 + 12);
}

/* The real-time topic comes in runs where the backend hands them out (cs/store.h): a
 * free head and the items after it, in order, right after it and leased with it; other
 * topics still give their head only. Without runs, the heads come one by one. Either
 * way nothing is skipped or handed out twice. */
static void case_outbox_events_in_runs(void)
{
    for (int i = 1; i <= 5; i++) CHECK_INT(stage("acme", CS_EVENTS_TOPIC, i), CS_OK);
    CHECK_INT(stage("acme", "sub_a", 11), CS_OK);
    CHECK_INT(stage("acme", "sub_a", 12), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    bool runs = cs_store_outbox_runs(S);
    int64_t next = 1, got_sub = 0;
    for (int round = 0; round < 6 && next <= 5; round++) {
        struct cs_outbox_item *items;
        size_t n;
        REQUIRE(cs_store_outbox_claim(S, A, 2000 + round, 60000, 10, 0, &items, &n) == CS_OK);
        CHECK(n >= 1);
        size_t events = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(items[i].topic, CS_EVENTS_TOPIC) != 0) {
                CHECK_INT(payload_n(&items[i]), 11); /* the other topic: its head only */
                got_sub++;
                continue;
            }
            CHECK_INT(payload_n(&items[i]), next); /* in order, none skipped */
            next++;
            events++;
        }
        CHECK_INT(events, runs ? 5 : 1);
        /* All leased: a second claim meanwhile finds nothing of them. */
        struct cs_outbox_item *again;
        size_t m;
        CHECK_INT(cs_store_outbox_claim(S, A, 2000 + round, 60000, 10, 0, &again, &m), CS_OK);
        CHECK_INT(m, 0);
        for (size_t i = 0; i < n; i++)
            if (strcmp(items[i].topic, CS_EVENTS_TOPIC) == 0)
                CHECK_INT(cs_store_outbox_settle(S, &items[i], CS_OUTBOX_DONE, 0, 2000), CS_OK);
    }
    CHECK_INT(next, 6);
    CHECK_INT(got_sub, 1);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "acme", CS_EVENTS_TOPIC, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    CHECK_INT(done, 5);
}

/* One tenant's backlog does not take the claim: every tenant's first head comes before
 * anyone's second, and a tenant holding per_tenant leased items gets no more until one
 * settles (its hanging endpoints cannot starve the others). */
static void case_outbox_claim_fair_across_tenants(void)
{
    for (int i = 1; i <= 5; i++) {
        char topic[16];
        snprintf(topic, sizeof(topic), "sub_%d", i);
        CHECK_INT(stage("acme", topic, i), CS_OK);
    }
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    CHECK_INT(stage("globex", "sub_g", 100), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 2000), CS_OK);
    struct cs_outbox_item *items, *more;
    size_t n, m;
    /* Two slots: acme's oldest and globex's, though acme's other four are older. */
    REQUIRE(cs_store_outbox_claim(S, A, 3000, 60000, 2, 0, &items, &n) == CS_OK);
    REQUIRE(n == 2);
    CHECK_STR(items[0].tenant, "acme");
    CHECK_INT(payload_n(&items[0]), 1);
    CHECK_STR(items[1].tenant, "globex");
    /* acme holds one lease; with at most two per tenant it gets one more now. */
    REQUIRE(cs_store_outbox_claim(S, A, 3000, 60000, 10, 2, &more, &m) == CS_OK);
    CHECK_INT(m, 1);
    if (m == 1) CHECK_INT(payload_n(&more[0]), 2);
    CHECK_INT(cs_store_outbox_claim(S, A, 3000, 60000, 10, 2, &more, &m), CS_OK);
    CHECK_INT(m, 0);
    /* A settled delivery frees its tenant's slot. */
    CHECK_INT(cs_store_outbox_settle(S, &items[0], CS_OUTBOX_DONE, 0, 3100), CS_OK);
    REQUIRE(cs_store_outbox_claim(S, A, 3200, 60000, 10, 2, &more, &m) == CS_OK);
    CHECK_INT(m, 1);
    if (m == 1) CHECK_INT(payload_n(&more[0]), 3);
}

/* Work queues (topics "_q.*", training jobs): the dispatcher's claim never sees them;
 * their worker claims them by topic, renews its lease while it works, and a lapsed
 * lease passes the item to the next worker, after which the first can neither renew
 * nor settle it. */
static void case_outbox_queue_topics_and_renewal(void)
{
    CHECK_INT(stage("acme", "_q.ml_training", 1), CS_OK);
    CHECK_INT(stage("acme", "_q.ml_training", 2), CS_OK);
    CHECK_INT(stage("globex", "_q.ml_training", 3), CS_OK);
    CHECK_INT(stage("acme", "sub_a", 4), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    struct cs_outbox_item *items, *q, *again;
    size_t n, m, k;
    REQUIRE(cs_store_outbox_claim(S, A, 1000, 60000, 10, 0, &items, &n) == CS_OK);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(items[0].topic, "sub_a");
    CHECK_INT(cs_store_outbox_claim_topic(S, A, "sub_a", 1000, 1000, 10, &q, &m), CS_ERR_INVALID);
    /* one head per tenant: acme's second job waits for its first */
    REQUIRE(cs_store_outbox_claim_topic(S, A, "_q.ml_training", 1000, 1000, 10, &q, &m) == CS_OK);
    REQUIRE(m == 2);
    CHECK_INT(payload_n(&q[0]) + payload_n(&q[1]), 1 + 3);
    CHECK_INT(q[0].attempts, 1);
    /* renewed past its first expiry, the lease holds */
    CHECK_INT(cs_store_outbox_renew(S, &q[0], 5000), CS_OK);
    REQUIRE(cs_store_outbox_claim_topic(S, A, "_q.ml_training", 3000, 1000, 10, &again, &k) ==
            CS_OK);
    CHECK_INT(k, 1); /* only the one not renewed came back */
    if (k == 1) {
        CHECK_INT(payload_n(&again[0]), payload_n(&q[1]));
        CHECK_INT(again[0].attempts, 2);
        CHECK_INT(cs_store_outbox_settle(S, &again[0], CS_OUTBOX_DONE, 0, 3000), CS_OK);
    }
    /* after the lease lapses the item is taken over; the old holder has lost it */
    REQUIRE(cs_store_outbox_claim_topic(S, A, "_q.ml_training", 6000, 1000, 10, &again, &k) ==
            CS_OK);
    REQUIRE(k == 1);
    CHECK_INT(payload_n(&again[0]), payload_n(&q[0]));
    CHECK_INT(cs_store_outbox_renew(S, &q[0], 9000), CS_ERR_CONFLICT);
    CHECK_INT(cs_store_outbox_settle(S, &q[0], CS_OUTBOX_DONE, 0, 6100), CS_ERR_CONFLICT);
    CHECK_INT(cs_store_outbox_settle(S, &again[0], CS_OUTBOX_DONE, 0, 6100), CS_OK);
    CHECK_INT(cs_store_outbox_renew(S, &again[0], 9000), CS_ERR_CONFLICT); /* settled */
    /* acme's next job is due now */
    REQUIRE(cs_store_outbox_claim_topic(S, A, "_q.ml_training", 6200, 1000, 10, &again, &k) ==
            CS_OK);
    bool saw2 = false;
    for (size_t i = 0; i < k; i++) saw2 |= payload_n(&again[i]) == 2;
    CHECK(saw2);
}

static void case_outbox_retry_waits_and_holds_the_topic(void)
{
    CHECK_INT(stage("acme", "sub_1", 1), CS_OK);
    CHECK_INT(stage("acme", "sub_1", 2), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(S, A, 1000, 30000, 10, 0, &items, &n) == CS_OK && n == 1);
    CHECK_INT(items[0].attempts, 1);
    CHECK_INT(cs_store_outbox_settle(S, &items[0], CS_OUTBOX_RETRY, 61000, 1500), CS_OK);
    CHECK_INT(cs_store_outbox_claim(S, A, 60000, 30000, 10, 0, &items, &n), CS_OK);
    CHECK_INT(n, 0);
    REQUIRE(cs_store_outbox_claim(S, A, 61000, 30000, 10, 0, &items, &n) == CS_OK && n == 1);
    CHECK_INT(payload_n(&items[0]), 1);
    CHECK_INT(items[0].attempts, 2);
    CHECK_INT(cs_store_outbox_settle(S, &items[0], CS_OUTBOX_DEAD, 0, 61000), CS_OK);
    REQUIRE(cs_store_outbox_claim(S, A, 61001, 30000, 10, 0, &items, &n) == CS_OK && n == 1);
    CHECK_INT(payload_n(&items[0]), 2);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "acme", "sub_1", &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    CHECK_INT(dead, 1);
    CHECK_INT(done, 0);
}

static void case_outbox_expired_lease_reclaimed(void)
{
    CHECK_INT(stage("acme", "sub_1", 1), CS_OK);
    CHECK_INT(cs_store_outbox_flush(S, 1000), CS_OK);
    struct cs_outbox_item *first, *second;
    size_t n;
    REQUIRE(cs_store_outbox_claim(S, A, 1000, 5000, 10, 0, &first, &n) == CS_OK && n == 1);
    CHECK_INT(cs_store_outbox_claim(S, A, 5999, 5000, 10, 0, &second, &n), CS_OK);
    CHECK_INT(n, 0);
    REQUIRE(cs_store_outbox_claim(S, A, 6000, 5000, 10, 0, &second, &n) == CS_OK && n == 1);
    CHECK_STR(second[0].id, first[0].id);
    CHECK_INT(second[0].attempts, 2);
    CHECK(second[0].lease_id != first[0].lease_id);
    CHECK_INT(cs_store_outbox_settle(S, &first[0], CS_OUTBOX_DONE, 0, 6100), CS_ERR_CONFLICT);
    CHECK_INT(cs_store_outbox_settle(S, &second[0], CS_OUTBOX_DONE, 0, 6100), CS_OK);
    CHECK_INT(cs_store_outbox_settle(S, &second[0], CS_OUTBOX_RETRY, 9000, 6200), CS_ERR_CONFLICT);
}

static void case_outbox_failures_drop_stage(void)
{
    CHECK_INT(stage("acme", "s", 1), CS_OK);
    cs_store_fail_after(S, 1);
    CHECK_INT(put("acme", "tickets", "t9", "{}", 1), CS_ERR_STORE);
    cs_store_fail_after(S, 0);
    CHECK_INT(cs_store_staged(S), 0);
    int64_t open, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open + done + dead, 0);
    struct cs_doc d;
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", "t9", &d), CS_ERR_NOT_FOUND);
    /* Events staged before a stale update vanish with it; the document is unchanged. */
    CHECK_INT(put("acme", "tickets", "t8", "{\"v\":1}", 1), CS_OK);
    CHECK_INT(stage("acme", "s", 2), CS_OK);
    json_object *b = J("{\"v\":2}");
    CHECK_INT(cs_store_update(S, A, "acme", "tickets", "t8", 5, b, NULL, 2, NULL), CS_ERR_CONFLICT);
    json_object_put(b);
    CHECK_INT(cs_store_outbox_stats(S, "acme", NULL, &open, &done, &dead), CS_OK);
    CHECK_INT(open, 0);
    REQUIRE(cs_store_get(S, A, "acme", "tickets", "t8", &d) == CS_OK);
    CHECK_INT(body_int(&d, "v"), 1);
}

/* MongoDB only: a writer that died between its document write and the move leaves the
 * events in the document; the next claim sweeps them into the outbox, once. */
/* Writes, behind the store's back, a live document still carrying event `evt_id` as a
 * writer that died between its two steps leaves it. */
static bool plant_crashed_write(mongoc_collection_t *docs, const char *evt_id)
{
    bson_error_t err;
    bson_oid_t seq;
    bson_oid_init(&seq, NULL);
    bson_t *doc = BCON_NEW(
        "_id", "{", "t", BCON_UTF8("acme"), "c", BCON_UTF8("tickets"), "i", BCON_UTF8("crashed"),
        "}", "version", BCON_INT64(1), "created", BCON_INT64(1), "updated", BCON_INT64(1), "body",
        "{", "}", "_outbox", "[", "{", "id", BCON_UTF8(evt_id), "tenant", BCON_UTF8("acme"),
        "topic", BCON_UTF8("sub_x"), "type", BCON_UTF8("ticket.created"), "payload",
        BCON_UTF8("{\"n\":42}"), "created", BCON_INT64(1), "seq", BCON_OID(&seq), "}", "]");
    bool ok = mongoc_collection_insert_one(docs, doc, NULL, NULL, &err);
    bson_destroy(doc);
    return ok;
}

static void case_mongo_sweep_recovers_crashed_writer(void)
{
    mongoc_client_t *c = mongoc_client_new(mongo_uri);
    REQUIRE(c);
    mongoc_database_t *db = mongoc_client_get_default_database(c);
    mongoc_collection_t *docs = mongoc_database_get_collection(db, "docs");
    bson_error_t err;
    CHECK(plant_crashed_write(docs, "evt_crash"));
    struct cs_outbox_item *items;
    size_t n;
    REQUIRE(cs_store_outbox_claim(S, A, 10, 1000, 10, 0, &items, &n) == CS_OK);
    REQUIRE(n == 1);
    CHECK_STR(items[0].id, "evt_crash");
    CHECK_INT(payload_n(&items[0]), 42);
    /* Moved once: the document no longer carries it and a second sweep adds nothing. */
    bson_t *q = BCON_NEW("_outbox", "{", "$exists", BCON_BOOL(true), "}");
    CHECK_INT(mongoc_collection_count_documents(docs, q, NULL, NULL, NULL, &err), 0);
    bson_destroy(q);
    CHECK_INT(cs_store_outbox_settle(S, &items[0], CS_OUTBOX_DONE, 0, 20), CS_OK);
    REQUIRE(cs_store_outbox_claim(S, A, 30, 1000, 10, 0, &items, &n) == CS_OK);
    CHECK_INT(n, 0);
    struct cs_doc d;
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", "crashed", &d), CS_OK);
    mongoc_collection_destroy(docs);
    mongoc_database_destroy(db);
    mongoc_client_destroy(c);
}

/* MongoDB only: deleting a document that still carries a crashed writer's events moves
 * them first instead of dropping them with it. */
static void case_mongo_delete_keeps_pending_events(void)
{
    mongoc_client_t *c = mongoc_client_new(mongo_uri);
    REQUIRE(c);
    mongoc_database_t *db = mongoc_client_get_default_database(c);
    mongoc_collection_t *docs = mongoc_database_get_collection(db, "docs");
    CHECK(plant_crashed_write(docs, "evt_pending"));
    CHECK_INT(cs_store_delete(S, "acme", "tickets", "crashed", -1), CS_OK);
    struct cs_doc d;
    CHECK_INT(cs_store_get(S, A, "acme", "tickets", "crashed", &d), CS_ERR_NOT_FOUND);
    int64_t open = 0, done, dead;
    CHECK_INT(cs_store_outbox_stats(S, "acme", "sub_x", &open, &done, &dead), CS_OK);
    CHECK_INT(open, 1);
    mongoc_collection_destroy(docs);
    mongoc_database_destroy(db);
    mongoc_client_destroy(c);
}

/* ---- runner ---- */

#include "store_contract_reporting.h"

struct contract_case {
    const char *name;
    void (*fn)(void);
    bool mongo_only;
};

static const struct contract_case cases[] = {
    {"crud_and_versions", case_crud_and_versions, false},
    {"tenant_isolation", case_tenant_isolation, false},
    {"find_filters", case_find_filters, false},
    {"find_sort_page_total", case_find_sort_page_total, false},
    {"count", case_count, false},
    {"aggregate_groups", case_aggregate_groups, false},
    {"aggregate_buckets", case_aggregate_buckets, false},
    {"quantiles", case_quantiles, false},
    {"search_ranking", case_search_ranking, false},
    {"counters", case_counters, false},
    {"outbox_events_ride_with_their_write", case_outbox_events_ride_with_their_write, false},
    {"outbox_topics_independent_and_ordered", case_outbox_topics_independent_and_ordered, false},
    {"outbox_claim_fair_across_tenants", case_outbox_claim_fair_across_tenants, false},
    {"outbox_events_in_runs", case_outbox_events_in_runs, false},
    {"outbox_queue_topics_and_renewal", case_outbox_queue_topics_and_renewal, false},
    {"outbox_retry_waits_and_holds_the_topic", case_outbox_retry_waits_and_holds_the_topic, false},
    {"outbox_expired_lease_reclaimed", case_outbox_expired_lease_reclaimed, false},
    {"outbox_failures_drop_stage", case_outbox_failures_drop_stage, false},
    {"reporting_import_and_changes", case_reporting_import_and_changes, false},
    {"reporting_filters_sort_paging", case_reporting_filters_sort_paging, false},
    {"reporting_tailing", case_reporting_tailing, false},
    {"reporting_segment_stats", case_reporting_segment_stats, false},
    {"reporting_product_writes", case_reporting_product_writes, false},
    {"sweep_recovers_crashed_writer", case_mongo_sweep_recovers_crashed_writer, true},
    {"delete_keeps_pending_events", case_mongo_delete_keeps_pending_events, true},
};

static const struct contract_case *current;

/* Each case reports on its own: a failed setup or write fails that case only, so a run
 * against a real server lists every case that holds and every one that does not. */
static void run_current(void)
{
    if (setup() == 0)
        current->fn();
    else
        test_cur_failed_ = 1;
    teardown();
}

static void run_all(const char *which)
{
    backend = which;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        if (cases[i].mongo_only && strcmp(which, "mongodb") != 0) continue;
        char name[128];
        snprintf(name, sizeof(name), "%s/%s", which, cases[i].name);
        current = &cases[i];
        test_run_(name, run_current);
    }
}

/* The given URI with the database replaced by `db`. Credentials keep authenticating
 * where they did: the old database (or admin) becomes the explicit authSource. */
static int test_uri(const char *given, const char *db, char *out, size_t cap)
{
    mongoc_uri_t *u = mongoc_uri_new(given);
    if (!u) return -1;
    const char *old_db = mongoc_uri_get_database(u);
    /* mongoc_uri_get_auth_source reports the default too: look for an explicit one. */
    const char *query = strchr(given, '?');
    bool need_source = mongoc_uri_get_username(u) && !(query && strcasestr(query, "authsource="));
    char source[256] = "";
    if (need_source) snprintf(source, sizeof(source), "authSource=%s", old_db ? old_db : "admin");
    mongoc_uri_destroy(u);
    const char *hosts = strstr(given, "://");
    if (!hosts) return -1;
    hosts += 3;
    size_t head = strcspn(hosts, "/?") + (size_t)(hosts - given);
    const char *opts = strchr(given + head, '?');
    int n = snprintf(out, cap, "%.*s/%s%s%s%s", (int)head, given, db, opts ? opts : "",
                     need_source ? (opts ? "&" : "?") : "", source);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void mongo_run(void)
{
    const char *given = getenv("CS_TEST_MONGODB_URI");
    unsigned char r[6];
    char db[40], hex[13];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    snprintf(db, sizeof(db), "cs_test_%d_%s", (int)getpid(), hex);
    if (test_uri(given, db, mongo_uri, sizeof(mongo_uri))) {
        printf("not ok - mongodb: CS_TEST_MONGODB_URI is not a valid MongoDB URI\n");
        test_failed_++;
        return;
    }
    FILE *f = fopen("infra/mongodb/indexes.json", "rb");
    static char spec[65536];
    size_t len = f ? fread(spec, 1, sizeof(spec) - 1, f) : 0;
    if (f) fclose(f);
    size_t applied = 0;
    char why[512] = "";
    if (!f || cs_mongo_apply_indexes(mongo_uri, spec, len, &applied, why, sizeof(why)) != CS_OK) {
        printf("not ok - mongodb: indexes not applied: %s\n",
               f ? why : "infra/mongodb/indexes.json missing");
        test_failed_++;
        return;
    }
    run_all("mongodb");
    mongoc_client_t *c = mongoc_client_new(mongo_uri);
    mongoc_database_t *d = c ? mongoc_client_get_default_database(c) : NULL;
    if (!d || !mongoc_database_drop(d, NULL)) printf("# could not drop test database %s\n", db);
    mongoc_database_destroy(d);
    mongoc_client_destroy(c);
}

/* Runs everywhere: the MongoDB backend without a server. Opening is lazy (no round trip
 * at cold start); calls then fail as a lost connection does, and what gets logged never
 * holds the URI's password. */
static void mongodb_backend_offline(void)
{
    static const char uri[] = "mongodb://cs_user:s3cret-pw@127.0.0.1:1/cs_offline"
                              "?serverSelectionTimeoutMS=200&connectTimeoutMS=200";
    char log_path[64];
    snprintf(log_path, sizeof(log_path), "/tmp/cs-contract-log-%d", (int)getpid());
    fflush(stderr);
    int saved = dup(2), fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    struct cs_store *st = NULL, *st2 = NULL;
    struct cs_arena *a = cs_arena_new(0);
    int open_rc = cs_store_open(uri, &st);
    int open2_rc = cs_store_open(uri, &st2); /* a second handle shares the process pool */
    int ping_rc = st ? cs_store_ping(st) : -1;
    struct cs_doc d;
    int get_rc = st ? cs_store_get(st, a, "acme", "t", "x", &d) : -1;
    json_object *b = J("{}");
    int ins_rc = st2 ? cs_store_insert(st2, a, "acme", "t", "x", b, NULL, 1, NULL) : -1;
    json_object_put(b);
    struct cs_store *bad = NULL;
    int bad_rc = cs_store_open("mongodb://", &bad);
    cs_store_close(st);
    cs_store_close(st2);
    cs_arena_destroy(a);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char log[8192] = "";
    ssize_t n = pread(fd, log, sizeof(log) - 1, 0);
    close(fd);
    unlink(log_path);
    log[n > 0 ? n : 0] = '\0';
    CHECK_INT(open_rc, CS_OK);
    CHECK_INT(open2_rc, CS_OK);
    CHECK_INT(ping_rc, CS_ERR_STORE);
    CHECK_INT(get_rc, CS_ERR_STORE);
    CHECK_INT(ins_rc, CS_ERR_STORE);
    CHECK_INT(bad_rc, CS_ERR_CONFIG);
    CHECK(bad == NULL);
    CHECK(strstr(log, "store error") != NULL); /* something was logged... */
    CHECK(strstr(log, "s3cret-pw") == NULL);   /* ...but never the password */
    CHECK(strstr(log, "cs_user") == NULL);
}

static void mongodb_backend(void) { TEST_SKIP("MongoDB: CS_TEST_MONGODB_URI not set"); }

/* The MongoDB store comes from the run-time plugin (store_plugin.c) of this build tree:
 * build/<tree>/lib, three levels above this program. CS_STORE_PLUGIN_DIR, when set, wins. */
static void use_tree_plugin(void)
{
    const char *env = getenv("CS_STORE_PLUGIN_DIR");
    char exe[4000], dir[4100];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if ((env && *env) || n <= 0) return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = '\0';
    snprintf(dir, sizeof(dir), "%s/../../../lib", exe);
    setenv("CS_STORE_PLUGIN_DIR", dir, 1);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    use_tree_plugin();
    mongoc_init();
    run_all("sqlite");
    const char *given = getenv("CS_TEST_MONGODB_URI");
    TEST_RUN(mongodb_backend_offline);
    if (given && *given)
        mongo_run();
    else
        TEST_RUN(mongodb_backend);
    mongoc_cleanup();
    return test_done();
}
