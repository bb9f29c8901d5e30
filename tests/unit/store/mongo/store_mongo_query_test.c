/* store_mongo_query: the BSON the MongoDB backend sends, checked as canonical extended
 * JSON (types explicit: $numberLong, $numberDouble) without a server. Includes
 * injection-style names and values to show they cannot change a query's meaning. */
#include <string.h>

#include <json-c/json.h>

#include "../../../support/test.h"
#include "store/mongo/store_mongo_query.h"
#include "cs/arena.h"

/* Canonical extended JSON of `b`, into the arena (so checks need no frees). */
static const char *ejson(struct cs_arena *a, const bson_t *b)
{
    char *s = bson_as_canonical_extended_json(b, NULL);
    char *copy = cs_arena_strdup(a, s ? s : "(null)");
    bson_free(s);
    return copy;
}

static const char *relaxed(struct cs_arena *a, const bson_t *b)
{
    char *s = bson_as_relaxed_extended_json(b, NULL);
    char *copy = cs_arena_strdup(a, s ? s : "(null)");
    bson_free(s);
    return copy;
}

static const char *filter_json(struct cs_arena *a, const struct cs_filter *f, size_t n, int *rc)
{
    bson_t b = BSON_INITIALIZER;
    *rc = cs_mq_filter(&b, "acme", "tickets", f, n);
    const char *s = relaxed(a, &b);
    bson_destroy(&b);
    return s;
}

#define SCOPE                                                                                      \
    "\"_id.t\" : \"acme\", \"_id.c\" : \"tickets\", \"_deleted\" : { \"$exists\" : false }"

static void test_paths(void)
{
    char p[64];
    CHECK_INT(cs_mq_path("_id", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "_id.i");
    CHECK_INT(cs_mq_path("_created", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "created");
    CHECK_INT(cs_mq_path("_updated", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "updated");
    CHECK_INT(cs_mq_path("triage.category", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "body.triage.category");
    /* Anything that could name an operator or leave `body` is refused. */
    CHECK_INT(cs_mq_path("$where", p, sizeof(p)), CS_ERR_INVALID);
    CHECK_INT(cs_mq_path("a.$gt", p, sizeof(p)), CS_ERR_INVALID);
    CHECK_INT(cs_mq_path(".version", p, sizeof(p)), CS_ERR_INVALID);
    CHECK_INT(cs_mq_path("a..b", p, sizeof(p)), CS_ERR_INVALID);
    CHECK_INT(cs_mq_path("_deleted", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "body._deleted"); /* a body field, never the tombstone flag */
    CHECK_INT(cs_mq_path("_id.t", p, sizeof(p)), CS_OK);
    CHECK_STR(p, "body._id.t");                       /* nor the tenant */
    CHECK_INT(cs_mq_path("x", p, 4), CS_ERR_INVALID); /* would not fit */
}

static void test_filter_operators_and_types(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_query q = {0};
    REQUIRE(cs_query_where(&q, "status", CS_OP_EQ, cs_val_str("open")) == CS_OK);
    REQUIRE(cs_query_where(&q, "_created", CS_OP_GTE, cs_val_int(1000)) == CS_OK);
    REQUIRE(cs_query_where(&q, "_created", CS_OP_LT, cs_val_int(2000)) == CS_OK);
    REQUIRE(cs_query_where(&q, "score", CS_OP_LTE, cs_val_real(0.5)) == CS_OK);
    REQUIRE(cs_query_where(&q, "vip", CS_OP_GT, cs_val_bool(false)) == CS_OK);
    int rc;
    bson_t b = BSON_INITIALIZER;
    rc = cs_mq_filter(&b, "acme", "tickets", q.filters, q.nfilters);
    CHECK_INT(rc, CS_OK);
    /* Canonical form: the int stays int64, the real a double, both ends of the range kept. */
    CHECK_STR(
        ejson(a, &b),
        "{ \"_id.t\" : \"acme\", \"_id.c\" : \"tickets\", \"_deleted\" : { \"$exists\" : false }, "
        "\"$and\" : [ { \"body.status\" : { \"$eq\" : \"open\" } }, "
        "{ \"created\" : { \"$gte\" : { \"$numberLong\" : \"1000\" } } }, "
        "{ \"created\" : { \"$lt\" : { \"$numberLong\" : \"2000\" } } }, "
        "{ \"body.score\" : { \"$lte\" : { \"$numberDouble\" : \"0.5\" } } }, "
        "{ \"body.vip\" : { \"$gt\" : false } } ] }");
    bson_destroy(&b);
    cs_arena_destroy(a);
}

static void test_filter_null_ne_and_exists_follow_sql(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_filter f[] = {
        {"owner", CS_OP_EQ, {.type = CS_VAL_NULL}}, {"owner2", CS_OP_NE, {.type = CS_VAL_NULL}},
        {"tier", CS_OP_NE, cs_val_str("gold")},     {"tags", CS_OP_EXISTS, cs_val_bool(true)},
        {"gone", CS_OP_EXISTS, cs_val_bool(false)},
    };
    int rc;
    const char *s = filter_json(a, f, 5, &rc);
    CHECK_INT(rc, CS_OK);
    /* `<> v` never matches a missing field in SQL, hence $nin [v, null], not $ne. */
    CHECK_STR(s, "{ " SCOPE ", \"$and\" : [ { \"body.owner\" : { \"$eq\" : null } }, "
                 "{ \"body.owner2\" : { \"$ne\" : null } }, "
                 "{ \"body.tier\" : { \"$nin\" : [ \"gold\", null ] } }, "
                 "{ \"body.tags\" : { \"$exists\" : true } }, "
                 "{ \"body.gone\" : { \"$exists\" : false } } ] }");
    s = filter_json(a, NULL, 0, &rc);
    CHECK_INT(rc, CS_OK);
    CHECK_STR(s, "{ " SCOPE " }");
    cs_arena_destroy(a);
}

static void test_injection_cannot_change_meaning(void)
{
    struct cs_arena *a = cs_arena_new(0);
    /* An operator as a string value is compared as a string. */
    struct cs_filter f[] = {
        {"status", CS_OP_EQ, cs_val_str("$gt")},
        {"owner", CS_OP_EQ, cs_val_str("{\"$ne\": null}")},
        {"name", CS_OP_EQ, cs_val_str("x' || '1'=='1")},
    };
    int rc;
    const char *s = filter_json(a, f, 3, &rc);
    CHECK_INT(rc, CS_OK);
    CHECK_STR(s, "{ " SCOPE ", \"$and\" : [ { \"body.status\" : { \"$eq\" : \"$gt\" } }, "
                 "{ \"body.owner\" : { \"$eq\" : \"{\\\"$ne\\\": null}\" } }, "
                 "{ \"body.name\" : { \"$eq\" : \"x' || '1'=='1\" } } ] }");
    /* Operator-like or escaping field names are refused before any BSON is built. */
    const char *bad[] = {"$where", "a.$gt", "$or", "a b", "a\"b", "", "a.b.", "_id.$t"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct cs_filter g = {bad[i], CS_OP_EQ, cs_val_str("x")};
        filter_json(a, &g, 1, &rc);
        CHECK_INT(rc, CS_ERR_INVALID);
    }
    /* A tenant or collection is always a plain equality, whatever its text. */
    bson_t b = BSON_INITIALIZER;
    CHECK_INT(cs_mq_filter(&b, "$where", "{\"$gt\":\"\"}", NULL, 0), CS_OK);
    CHECK_STR(relaxed(a, &b), "{ \"_id.t\" : \"$where\", \"_id.c\" : \"{\\\"$gt\\\":\\\"\\\"}\", "
                              "\"_deleted\" : { \"$exists\" : false } }");
    bson_destroy(&b);
    cs_arena_destroy(a);
}

static void test_find_options(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_query q = {.sort = "priority", .desc = true, .limit = 5000, .offset = 40};
    bson_t o = BSON_INITIALIZER;
    CHECK_INT(cs_mq_find_opts(&o, &q), CS_OK);
    CHECK_STR(
        relaxed(a, &o),
        "{ \"projection\" : { \"_id\" : 1, \"version\" : 1, \"created\" : 1, \"updated\" : 1, "
        "\"body\" : 1 }, \"sort\" : { \"body.priority\" : -1, \"_id\" : -1 }, "
        "\"skip\" : 40, \"limit\" : 1000 }");
    bson_destroy(&o);
    struct cs_query d = {0};
    bson_init(&o);
    CHECK_INT(cs_mq_find_opts(&o, &d), CS_OK);
    CHECK(strstr(relaxed(a, &o), "\"sort\" : { \"created\" : 1, \"_id\" : 1 }, \"limit\" : 100 }"));
    bson_destroy(&o);
    struct cs_query by_id = {.sort = "_id"};
    bson_init(&o);
    CHECK_INT(cs_mq_find_opts(&o, &by_id), CS_OK);
    CHECK(strstr(relaxed(a, &o), "\"sort\" : { \"_id.i\" : 1 }"));
    bson_destroy(&o);
    struct cs_query bad = {.sort = "$natural"};
    bson_init(&o);
    CHECK_INT(cs_mq_find_opts(&o, &bad), CS_ERR_INVALID);
    bson_destroy(&o);
    cs_arena_destroy(a);
}

static json_object *parse(const char *s) { return json_tokener_parse(s); }

static void test_body_round_trip_keeps_types_and_escapes_keys(void)
{
    struct cs_arena *a = cs_arena_new(0);
    const char *src =
        "{\"n\":9007199254740993,\"neg\":-5,\"d\":1.5,\"t\":true,\"f\":false,\"z\":null,"
        "\"s\":\"h\\u00e9llo\",\"nested\":{\"a\":[1,\"two\",{\"b\":null}]},"
        "\"$where\":\"1\",\"a.b\":2,\"100%\":3,\"\":4,\"x\":{\"$numberLong\":\"5\"}}";
    json_object *body = parse(src);
    REQUIRE(body);
    bson_t b = BSON_INITIALIZER;
    CHECK_INT(cs_mq_append_body(&b, "body", body), CS_OK);
    CHECK_STR(
        ejson(a, &b),
        "{ \"body\" : { \"n\" : { \"$numberLong\" : \"9007199254740993\" }, "
        "\"neg\" : { \"$numberLong\" : \"-5\" }, \"d\" : { \"$numberDouble\" : \"1.5\" }, "
        "\"t\" : true, \"f\" : false, \"z\" : null, \"s\" : \"h\xc3\xa9llo\", "
        "\"nested\" : { \"a\" : [ { \"$numberLong\" : \"1\" }, \"two\", { \"b\" : null } ] }, "
        "\"%24where\" : \"1\", \"a%2Eb\" : { \"$numberLong\" : \"2\" }, "
        "\"100%25\" : { \"$numberLong\" : \"3\" }, \"%\" : { \"$numberLong\" : \"4\" }, "
        "\"x\" : { \"%24numberLong\" : \"5\" } } }");
    /* Stored keys never start with '$' nor hold '.', so the server takes them literally. */
    CHECK(bson_validate(&b,
                        BSON_VALIDATE_DOLLAR_KEYS | BSON_VALIDATE_DOT_KEYS |
                            BSON_VALIDATE_EMPTY_KEYS | BSON_VALIDATE_UTF8,
                        NULL));
    bson_iter_t it;
    REQUIRE(bson_iter_init_find(&it, &b, "body"));
    json_object *back = NULL;
    CHECK_INT(cs_mq_read_body(a, &it, &back), CS_OK);
    REQUIRE(back);
    CHECK(json_object_equal(body, back));
    json_object *n;
    CHECK(json_object_object_get_ex(back, "n", &n) &&
          json_object_get_int64(n) == 9007199254740993LL);
    CHECK(json_object_object_get_ex(back, "d", &n) && json_object_is_type(n, json_type_double));
    CHECK(json_object_object_get_ex(back, "$where", &n));
    json_object_put(body);
    bson_destroy(&b);
    bson_init(&b);
    CHECK_INT(cs_mq_append_body(&b, "body", NULL), CS_ERR_INVALID);
    bson_destroy(&b);
    cs_arena_destroy(a);
}

static void test_read_doc_and_foreign_types(void)
{
    struct cs_arena *a = cs_arena_new(0);
    bson_error_t err;
    bson_t *d = bson_new_from_json(
        (const uint8_t
             *)"{\"_id\":{\"t\":\"acme\",\"c\":\"tickets\",\"i\":\"T-1\"},"
               "\"version\":{\"$numberLong\":\"3\"},\"created\":{\"$numberLong\":\"1000\"},"
               "\"updated\":{\"$numberLong\":\"2000\"},\"body\":{\"k\":{\"$numberInt\":\"7\"},"
               "\"when\":{\"$date\":{\"$numberLong\":\"5\"}}}}",
        -1, &err);
    REQUIRE(d);
    struct cs_doc doc;
    CHECK_INT(cs_mq_read_doc(a, d, &doc), CS_OK);
    CHECK_STR(doc.id, "T-1");
    CHECK_INT(doc.version, 3);
    CHECK_INT(doc.created_ms, 1000);
    CHECK_INT(doc.updated_ms, 2000);
    CHECK_STR(json_object_to_json_string_ext(doc.body, JSON_C_TO_STRING_PLAIN),
              "{\"k\":7,\"when\":5}");
    bson_destroy(d);
    /* A type the store never writes fails cleanly instead of being guessed at. */
    d = bson_new_from_json(
        (const uint8_t *)"{\"_id\":{\"i\":\"x\"},\"body\":{\"r\":{\"$regularExpression\":"
                         "{\"pattern\":\"a\",\"options\":\"\"}}}}",
        -1, &err);
    REQUIRE(d);
    CHECK_INT(cs_mq_read_doc(a, d, &doc), CS_ERR_STORE);
    bson_destroy(d);
    cs_arena_destroy(a);
}

static void test_keys(void)
{
    struct cs_arena *a = cs_arena_new(0);
    bson_t b = BSON_INITIALIZER;
    CHECK_INT(cs_mq_live_key(&b, "acme", "tickets", "a.b$c"), CS_OK);
    CHECK_STR(relaxed(a, &b),
              "{ \"_id\" : { \"t\" : \"acme\", \"c\" : \"tickets\", \"i\" : \"a.b$c\" }, "
              "\"_deleted\" : { \"$exists\" : false } }");
    bson_destroy(&b);
    cs_arena_destroy(a);
}

static const char *pipeline_json(struct cs_arena *a, const struct cs_agg *g)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_pipeline(&p, "acme", "tickets", g);
    /* A pipeline is an array: render it as one. */
    char *s = rc ? NULL : bson_array_as_json(&p, NULL);
    const char *out = cs_arena_strdup(a, s ? s : "error");
    bson_free(s);
    bson_destroy(&p);
    return out;
}

static void test_pipeline_group_and_sort(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_filter f[] = {{"status", CS_OP_EQ, cs_val_str("open")}};
    struct cs_agg g = {.filters = f,
                       .nfilters = 1,
                       .group_by = "category",
                       .metrics = {{CS_AGG_COUNT, NULL},
                                   {CS_AGG_SUM, "cost"},
                                   {CS_AGG_AVG, "cost"},
                                   {CS_AGG_MIN, "_created"},
                                   {CS_AGG_MAX, "x.y"}},
                       .nmetrics = 5,
                       .by_metric = true,
                       .limit = 3};
    CHECK_STR(pipeline_json(a, &g),
              "[ { \"$match\" : { " SCOPE
              ", \"$and\" : [ { \"body.status\" : { \"$eq\" : \"open\" } } ] } }, "
              "{ \"$group\" : { \"_id\" : \"$body.category\", \"m0\" : { \"$sum\" : 1 }, "
              "\"m1\" : { \"$sum\" : \"$body.cost\" }, \"m2\" : { \"$avg\" : \"$body.cost\" }, "
              "\"m3\" : { \"$min\" : \"$created\" }, \"m4\" : { \"$max\" : \"$body.x.y\" } } }, "
              "{ \"$sort\" : { \"m0\" : -1, \"_id\" : 1 } }, { \"$limit\" : 3 } ]");
    struct cs_agg one = {.metrics = {{CS_AGG_COUNT, NULL}}, .nmetrics = 1};
    CHECK_STR(pipeline_json(a, &one),
              "[ { \"$match\" : { " SCOPE " } }, "
              "{ \"$group\" : { \"_id\" : null, \"m0\" : { \"$sum\" : 1 } } } ]");
    struct cs_agg by_key = {.group_by = "_id", .metrics = {{CS_AGG_COUNT, NULL}}, .nmetrics = 1};
    CHECK(strstr(pipeline_json(a, &by_key), "\"_id\" : \"$_id.i\", \"m0\" : { \"$sum\" : 1 } } }, "
                                            "{ \"$sort\" : { \"_id\" : 1 } } ]"));
    struct cs_agg bad = {.group_by = "$where", .nmetrics = 0};
    CHECK_STR(pipeline_json(a, &bad), "error");
    struct cs_agg bad_metric = {.metrics = {{CS_AGG_SUM, "a.$b"}}, .nmetrics = 1};
    CHECK_STR(pipeline_json(a, &bad_metric), "error");
    struct cs_agg_row row;
    struct cs_agg empty = {.metrics = {{CS_AGG_COUNT, NULL}, {CS_AGG_SUM, "a"}, {CS_AGG_AVG, "a"}},
                           .nmetrics = 3};
    cs_mq_empty_row(&empty, &row);
    CHECK_INT(row.key.type, CS_VAL_NULL);
    CHECK(row.values[0] == 0.0 && row.values[1] == 0.0 && isnan(row.values[2]));
    cs_arena_destroy(a);
}

static void test_pipeline_buckets(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_agg day = {.group_by = "_created",
                         .bucket = CS_BUCKET_DAY,
                         .metrics = {{CS_AGG_COUNT, NULL}},
                         .nmetrics = 1};
    const char *conv = "{ \"$convert\" : { \"input\" : \"$created\", \"to\" : \"long\", "
                       "\"onError\" : null, \"onNull\" : null } }";
    char want[1024];
    snprintf(want, sizeof(want),
             "\"_id\" : { \"$dateToString\" : { \"format\" : \"%%Y-%%m-%%d\", "
             "\"date\" : { \"$toDate\" : %s } } }",
             conv);
    CHECK(strstr(pipeline_json(a, &day), want));
    struct cs_agg month = day;
    month.bucket = CS_BUCKET_MONTH;
    snprintf(want, sizeof(want), "\"format\" : \"%%Y-%%m-01\", \"date\" : { \"$toDate\" : %s }",
             conv);
    CHECK(strstr(pipeline_json(a, &month), want));
    struct cs_agg week = day;
    week.bucket = CS_BUCKET_WEEK;
    week.group_by = "opened_at";
    snprintf(
        want, sizeof(want),
        "\"_id\" : { \"$let\" : { \"vars\" : { \"d\" : { \"$floor\" : { \"$divide\" : [ "
        "{ \"$convert\" : { \"input\" : \"$body.opened_at\", \"to\" : \"long\", \"onError\" : "
        "null, "
        "\"onNull\" : null } }, 86400000 ] } } }, \"in\" : { \"$dateToString\" : { \"format\" : "
        "\"%%Y-%%m-%%d\", \"date\" : { \"$toDate\" : { \"$multiply\" : [ { \"$subtract\" : [ "
        "\"$$d\", "
        "{ \"$mod\" : [ { \"$add\" : [ \"$$d\", 3 ] }, 7 ] } ] }, 86400000 ] } } } } } }");
    CHECK(strstr(pipeline_json(a, &week), want));
    cs_arena_destroy(a);
}

/* The week formula itself, evaluated here as the server would: Monday of the ISO week. */
static void test_week_formula(void)
{
    /* 2026-11-25 is a Wednesday; its Monday is 2026-11-23. */
    int64_t ms = 1795564800000; /* 2026-11-25T00:00:00Z */
    int64_t d = ms / CS_MQ_DAY_MS;
    int64_t monday = d - (d + 3) % 7;
    CHECK_INT(monday * CS_MQ_DAY_MS, 1795392000000); /* 2026-11-23T00:00:00Z */
    int64_t sunday = 1795910400000;                  /* 2026-11-29, Sunday: still that week */
    d = sunday / CS_MQ_DAY_MS;
    CHECK_INT((d - (d + 3) % 7) * CS_MQ_DAY_MS, 1795392000000);
    int64_t next_monday = 1795996800000; /* 2026-11-30 */
    d = next_monday / CS_MQ_DAY_MS;
    CHECK_INT((d - (d + 3) % 7) * CS_MQ_DAY_MS, next_monday);
}

static void test_search(void)
{
    struct cs_arena *a = cs_arena_new(0);
    bson_t f = BSON_INITIALIZER, o = BSON_INITIALIZER;
    /* Text-search syntax in customer text (negation, phrases) stays plain words. */
    CHECK_INT(cs_mq_search(&f, &o, a, "acme", "kb", "Refund -\"charged twice\" the $where", 5),
              CS_OK);
    CHECK_STR(relaxed(a, &f),
              "{ "
              "\"_id.t\" : \"acme\", \"_id.c\" : \"kb\", \"_deleted\" : { \"$exists\" : false }, "
              "\"$text\" : { \"$search\" : \"refund charged twice\" } }");
    CHECK_STR(
        relaxed(a, &o),
        "{ \"projection\" : { \"_id\" : 1, \"version\" : 1, \"created\" : 1, \"updated\" : 1, "
        "\"body\" : 1, \"_score\" : { \"$meta\" : \"textScore\" } }, "
        "\"sort\" : { \"_score\" : { \"$meta\" : \"textScore\" }, \"_id\" : 1 }, \"limit\" : 5 }");
    bson_destroy(&f);
    bson_destroy(&o);
    bson_init(&f);
    bson_init(&o);
    CHECK_INT(cs_mq_search(&f, &o, a, "acme", "kb", "the of -- \"\"", 5), CS_ERR_NOT_FOUND);
    bson_destroy(&f);
    bson_destroy(&o);
    CHECK_NEAR(cs_mq_score(1.0), 0.5, 1e-12);
    CHECK_NEAR(cs_mq_score(3.0), 0.75, 1e-12);
    CHECK(cs_mq_score(0.0) == 0.0);
    CHECK(cs_mq_score(1e9) < 1.0);
    cs_arena_destroy(a);
}

static void test_outbox_shapes(void)
{
    struct cs_arena *a = cs_arena_new(0);
    struct cs_staged e[2] = {
        {"evt_1", "acme", "sub_1", "ticket.created", "{\"n\":1}"},
        {"evt_2", "acme", "sub_1", "ticket.created", "{\"$where\":2}"},
    };
    bson_t c = BSON_INITIALIZER;
    CHECK_INT(cs_mq_append_events(&c, "_outbox", e, 2, 1000), CS_OK);
    bson_iter_t it, arr;
    REQUIRE(bson_iter_init_find(&it, &c, "_outbox") && bson_iter_recurse(&it, &arr));
    bson_oid_t seqs[2];
    int n = 0;
    while (bson_iter_next(&arr) && n < 2) {
        uint32_t len;
        const uint8_t *data;
        bson_t ev;
        bson_iter_document(&arr, &len, &data);
        REQUIRE(bson_init_static(&ev, data, len));
        bson_iter_t s;
        REQUIRE(bson_iter_init_find(&s, &ev, "seq") && BSON_ITER_HOLDS_OID(&s));
        bson_oid_copy(bson_iter_oid(&s), &seqs[n]);
        bson_t sel = BSON_INITIALIZER, upd = BSON_INITIALIZER;
        CHECK_INT(cs_mq_event_upsert(&ev, &sel, &upd), CS_OK);
        CHECK_STR(relaxed(a, &sel), n == 0 ? "{ \"_id\" : \"evt_1\" }" : "{ \"_id\" : \"evt_2\" }");
        char want[512], oid[25];
        bson_oid_to_string(&seqs[n], oid);
        /* The payload stays opaque text: its keys are never parsed as operators. */
        snprintf(
            want, sizeof(want),
            "{ \"$setOnInsert\" : { \"tenant\" : \"acme\", \"topic\" : \"sub_1\", \"type\" : "
            "\"ticket.created\", \"payload\" : \"%s\", \"created\" : 1000, \"seq\" : { \"$oid\" : "
            "\"%s\" }, \"state\" : 0, \"attempts\" : 0, \"due\" : 0, \"lease_until\" : 0, "
            "\"lease_id\" : 0 } }",
            n == 0 ? "{\\\"n\\\":1}" : "{\\\"$where\\\":2}", oid);
        CHECK_STR(relaxed(a, &upd), want);
        bson_destroy(&sel);
        bson_destroy(&upd);
        n++;
    }
    CHECK_INT(n, 2);
    /* Events written together keep their order. */
    CHECK(bson_oid_compare(&seqs[0], &seqs[1]) < 0);
    bson_destroy(&c);

    const char *ids[] = {"evt_1", "evt_2"};
    bson_t u = BSON_INITIALIZER;
    CHECK_INT(cs_mq_outbox_pull(&u, ids, 2), CS_OK);
    char *s = bson_array_as_json(&u, NULL);
    CHECK_STR(
        s,
        "[ { \"$set\" : { \"_outbox\" : { \"$filter\" : { \"input\" : \"$_outbox\", \"cond\" : "
        "{ \"$not\" : [ { \"$in\" : [ \"$$this.id\", [ \"evt_1\", \"evt_2\" ] ] } ] } } } } }, "
        "{ \"$set\" : { \"_outbox\" : { \"$cond\" : [ { \"$eq\" : [ { \"$size\" : { \"$ifNull\" : "
        "[ \"$_outbox\", [  ] ] } }, 0 ] }, \"$$REMOVE\", \"$_outbox\" ] } } } ]");
    bson_free(s);
    bson_destroy(&u);

    bson_t p = BSON_INITIALIZER;
    CHECK_INT(cs_mq_claim_pipeline(&p, NULL, 5000, 10), CS_OK);
    s = bson_array_as_json(&p, NULL);
    CHECK_STR(
        s, "[ { \"$match\" : { \"state\" : 0, \"topic\" : { \"$not\" : { \"$regex\" : "
           "\"^_q\\\\.\", \"$options\" : \"\" } } } }, { \"$sort\" : { \"tenant\" : 1, "
           "\"topic\" : 1, "
           "\"created\" : 1, \"seq\" : 1 } }, { \"$group\" : { \"_id\" : { \"tenant\" : "
           "\"$tenant\", \"topic\" : "
           "\"$topic\" }, \"head\" : { \"$first\" : \"$$ROOT\" } } }, { \"$replaceRoot\" : { "
           "\"newRoot\" : \"$head\" } }, { \"$match\" : { \"due\" : { \"$lte\" : 5000 }, "
           "\"lease_until\" : { \"$lte\" : 5000 } } }, { \"$sort\" : { \"due\" : 1, \"created\" : "
           "1, \"seq\" : 1 } }, "
           "{ \"$limit\" : 10 } ]");
    bson_free(s);
    bson_destroy(&p);

    bson_init(&p);
    CHECK_INT(cs_mq_busy_pipeline(&p, 5000), CS_OK);
    s = bson_array_as_json(&p, NULL);
    CHECK_STR(s, "[ { \"$match\" : { \"state\" : 0, \"topic\" : { \"$not\" : { \"$regex\" : "
                 "\"^_q\\\\.\", \"$options\" : \"\" } }, \"lease_until\" : { \"$gt\" : 5000 } } }, "
                 "{ \"$group\" : { \"_id\" : \"$tenant\", \"n\" : { \"$sum\" : 1 } } } ]");
    bson_free(s);
    bson_destroy(&p);

    /* a work queue's claim sees that topic only (training jobs, CS_OUTBOX_QUEUE_PREFIX) */
    bson_init(&p);
    CHECK_INT(cs_mq_claim_pipeline(&p, "_q.ml_training", 5000, 1), CS_OK);
    s = bson_array_as_json(&p, NULL);
    CHECK(strncmp(s, "[ { \"$match\" : { \"state\" : 0, \"topic\" : \"_q.ml_training\" } }, ",
                  62) == 0);
    bson_free(s);
    bson_destroy(&p);

    bson_t q = BSON_INITIALIZER;
    bson_init(&u);
    struct cs_outbox_item held = {.id = "evt_9", .lease_id = 5};
    CHECK_INT(cs_mq_renew(&q, &u, &held, 8000), CS_OK);
    CHECK_STR(relaxed(a, &q), "{ \"_id\" : \"evt_9\", \"lease_id\" : 5, \"state\" : 0 }");
    CHECK_STR(relaxed(a, &u), "{ \"$set\" : { \"lease_until\" : 8000 } }");
    bson_destroy(&q);
    bson_destroy(&u);
    bson_init(&q);
    bson_init(&u);
    CHECK_INT(cs_mq_lease(&q, &u, "evt_1", 5000, 1000, 77), CS_OK);
    CHECK_STR(relaxed(a, &q),
              "{ \"_id\" : \"evt_1\", \"state\" : 0, \"due\" : { \"$lte\" : 5000 }, "
              "\"lease_until\" : { \"$lte\" : 5000 } }");
    CHECK_STR(relaxed(a, &u), "{ \"$set\" : { \"lease_until\" : 6000, \"lease_id\" : 77 }, "
                              "\"$inc\" : { \"attempts\" : 1 } }");
    bson_destroy(&q);
    bson_destroy(&u);
    struct cs_outbox_item item = {.id = "evt_1", .lease_id = 77};
    bson_init(&q);
    bson_init(&u);
    CHECK_INT(cs_mq_settle(&q, &u, &item, CS_OUTBOX_RETRY, 9000, 5000), CS_OK);
    CHECK_STR(relaxed(a, &q), "{ \"_id\" : \"evt_1\", \"lease_id\" : 77, \"state\" : 0 }");
    CHECK_STR(relaxed(a, &u),
              "{ \"$set\" : { \"state\" : 0, \"due\" : 9000, \"lease_until\" : 0 } }");
    bson_destroy(&q);
    bson_destroy(&u);
    bson_init(&q);
    bson_init(&u);
    CHECK_INT(cs_mq_settle(&q, &u, &item, CS_OUTBOX_DEAD, 9000, 5000), CS_OK);
    CHECK_STR(relaxed(a, &u),
              "{ \"$set\" : { \"state\" : 2, \"due\" : 5000, \"lease_until\" : 0 } }");
    bson_destroy(&q);
    bson_destroy(&u);

    bson_init(&p);
    CHECK_INT(cs_mq_stats_pipeline(&p, "acme", NULL), CS_OK);
    s = bson_array_as_json(&p, NULL);
    CHECK_STR(
        s, "[ { \"$match\" : { \"tenant\" : \"acme\" } }, { \"$group\" : { \"_id\" : \"$state\", "
           "\"n\" : { \"$sum\" : 1 } } } ]");
    bson_free(s);
    bson_destroy(&p);
    cs_arena_destroy(a);
}

static void test_counter(void)
{
    struct cs_arena *a = cs_arena_new(0);
    bson_t q = BSON_INITIALIZER, u = BSON_INITIALIZER;
    CHECK_INT(cs_mq_counter(&q, &u, "acme", "rl:tickets", 60000, 120000, 1), CS_OK);
    CHECK_STR(ejson(a, &q), "{ \"_id\" : { \"t\" : \"acme\", \"k\" : \"rl:tickets\", \"w\" : "
                            "{ \"$numberLong\" : \"60000\" } } }");
    /* `expires` is a BSON date: a TTL index ignores plain numbers. */
    CHECK_STR(ejson(a, &u), "{ \"$inc\" : { \"value\" : { \"$numberLong\" : \"1\" } }, "
                            "\"$setOnInsert\" : { \"expires\" : { \"$date\" : { \"$numberLong\" : "
                            "\"180000\" } } } }");
    bson_destroy(&q);
    bson_destroy(&u);
    cs_arena_destroy(a);
}

/* The fair order the MongoDB claim leases in: turn 1 of every tenant first (oldest due
 * first inside a turn), a tenant's leased items counted before its candidates, none past
 * the cap. */
static void test_fair_order(void)
{
    const char *tenants[] = {"acme", "acme", "acme", "globex", "acme", "initech"};
    const char *busy[] = {"initech"};
    int64_t busy_n[] = {2};
    size_t order[6];
    size_t m = cs_mq_fair_order(tenants, 6, busy, busy_n, 1, 0, order);
    CHECK_INT(m, 6);
    size_t want[] = {0, 3, 1, 2, 5, 4};
    for (size_t i = 0; i < 6 && i < m; i++) CHECK_INT(order[i], want[i]);
    m = cs_mq_fair_order(tenants, 6, busy, busy_n, 1, 2, order);
    CHECK_INT(m, 3); /* acme twice, globex once; initech already holds two */
    size_t capped[] = {0, 3, 1};
    for (size_t i = 0; i < 3 && i < m; i++) CHECK_INT(order[i], capped[i]);
}

/* Rollups: a ticket's lifecycle change (solved) and a re-triage (category moved) as the
 * $inc upserts the MongoDB backend sends, built from the core's own delta. */
static const struct cs_rollup_cell *cell(const struct cs_rollup_cell *c, size_t n, const char *dim,
                                         const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].dim, dim) == 0 && strcmp(c[i].key, key) == 0) return &c[i];
    return NULL;
}

static const char *upsert_json(struct cs_arena *a, const struct cs_rollup_cell *c, const char **sel)
{
    bson_t q = BSON_INITIALIZER, u = BSON_INITIALIZER;
    int rc = c ? cs_mq_rollup_upsert(&q, &u, "acme", "insights_tickets", c) : CS_ERR_INVALID;
    *sel = rc ? "(error)" : ejson(a, &q);
    const char *out = rc ? "(error)" : ejson(a, &u);
    bson_destroy(&q);
    bson_destroy(&u);
    return out;
}

static void test_rollup_updates(void)
{
    struct cs_arena *a = cs_arena_new(0);
    const struct cs_rollup_def *d = cs_rollup_def_for("insights_tickets");
    REQUIRE(d);
    json_object *old =
        json_tokener_parse("{\"opened_ms\":7200005,\"open\":1,\"category\":\"Billing\","
                           "\"sentiment\":\"neutral\",\"sentiment_score\":0.5,\"escalated\":0}");
    json_object *now =
        json_tokener_parse("{\"opened_ms\":7200005,\"open\":0,\"category\":\"Billing\","
                           "\"sentiment\":\"neutral\",\"sentiment_score\":0.5,\"escalated\":0,"
                           "\"resolution_s\":3600.5,\"fcr\":1}");
    struct cs_rollup_cell c[CS_ROLLUP_MAX_CELLS];
    size_t n = cs_rollup_delta(d, old, 1, now, 1, c);
    CHECK_INT(n,
              6); /* total, category, sentiment (per hour and per day): same keys, new measures */
    const char *sel, *upd = upsert_json(a, cell(c, n, "", "-"), &sel);
    CHECK_STR(sel,
              "{ \"_id\" : { \"t\" : \"acme\", \"c\" : \"insights_tickets\", \"d\" : \"\", \"h\" : "
              "{ \"$numberLong\" : \"7200000\" }, \"k\" : \"-\" } }");
    CHECK_STR(upd,
              "{ \"$inc\" : { \"count\" : { \"$numberLong\" : \"0\" }, \"s0\" : { "
              "\"$numberDouble\" : \"-1.0\" }, "
              "\"s1\" : { \"$numberDouble\" : \"3600.5\" }, \"n1\" : { \"$numberLong\" : \"1\" }, "
              "\"s3\" : { \"$numberDouble\" : \"1.0\" }, \"n3\" : { \"$numberLong\" : \"1\" } } }");
    json_object_put(old);
    /* re-triaged: the ticket leaves Billing's cell and enters Shipping's whole */
    old = now;
    now = json_tokener_parse(
        "{\"opened_ms\":7200005,\"open\":0,\"category\":\"Shipping\",\"sentiment\":\"neutral\","
        "\"sentiment_score\":0.25,\"escalated\":0,\"resolution_s\":3600.5,\"fcr\":1}");
    n = cs_rollup_delta(d, old, 1, now, 1, c);
    upd = upsert_json(a, cell(c, n, "category", "sBilling"), &sel);
    CHECK_STR(sel, "{ \"_id\" : { \"t\" : \"acme\", \"c\" : \"insights_tickets\", \"d\" : "
                   "\"category\", \"h\" : "
                   "{ \"$numberLong\" : \"7200000\" }, \"k\" : \"sBilling\" } }");
    CHECK_STR(
        upd, "{ \"$inc\" : { \"count\" : { \"$numberLong\" : \"-1\" }, \"n0\" : { \"$numberLong\" "
             ": \"-1\" }, "
             "\"s1\" : { \"$numberDouble\" : \"-3600.5\" }, \"n1\" : { \"$numberLong\" : \"-1\" }, "
             "\"s3\" : { \"$numberDouble\" : \"-1.0\" }, \"n3\" : { \"$numberLong\" : \"-1\" }, "
             "\"n4\" : { \"$numberLong\" : \"-1\" }, \"s7\" : { \"$numberDouble\" : \"-0.5\" }, "
             "\"n7\" : { \"$numberLong\" : \"-1\" } } }");
    upd = upsert_json(a, cell(c, n, "", "-"), &sel);
    CHECK_STR(upd, "{ \"$inc\" : { \"count\" : { \"$numberLong\" : \"0\" }, "
                   "\"s7\" : { \"$numberDouble\" : \"-0.25\" } } }");
    CHECK(cell(c, n, "category", "sShipping") && cell(c, n, "category", "sShipping")->count == 1);
    json_object_put(old);
    json_object_put(now);
    bson_t p = BSON_INITIALIZER;
    CHECK_INT(cs_mq_rollup_pipeline(&p, "acme", "tickets", "category", 3600000, 7200000, false),
              CS_OK);
    const char *pj = relaxed(a, &p);
    CHECK(strstr(pj, "{ \"$match\" : { \"_id.t\" : \"acme\", \"_id.c\" : \"tickets\", \"_id.d\" : "
                     "\"category\", "
                     "\"_id.h\" : { \"$gte\" : 3600000, \"$lt\" : 7200000 } } }") != NULL);
    CHECK(strstr(pj,
                 "{ \"$group\" : { \"_id\" : \"$_id.k\", \"count\" : { \"$sum\" : \"$count\" }, "
                 "\"s0\" : { \"$sum\" : \"$s0\" }") != NULL);
    CHECK(strstr(pj, "{ \"$sort\" : { \"_id\" : 1 } }") != NULL);
    bson_destroy(&p);
    cs_arena_destroy(a);
}

int main(void)
{
    TEST_RUN(test_paths);
    TEST_RUN(test_filter_operators_and_types);
    TEST_RUN(test_filter_null_ne_and_exists_follow_sql);
    TEST_RUN(test_injection_cannot_change_meaning);
    TEST_RUN(test_find_options);
    TEST_RUN(test_body_round_trip_keeps_types_and_escapes_keys);
    TEST_RUN(test_read_doc_and_foreign_types);
    TEST_RUN(test_keys);
    TEST_RUN(test_pipeline_group_and_sort);
    TEST_RUN(test_pipeline_buckets);
    TEST_RUN(test_week_formula);
    TEST_RUN(test_search);
    TEST_RUN(test_outbox_shapes);
    TEST_RUN(test_counter);
    TEST_RUN(test_fair_order);
    TEST_RUN(test_rollup_updates);
    return test_done();
}
