/* The reporting queries as MongoDB BSON (store_mongo_reporting), checked as relaxed
 * extended JSON without a server: the filter a list query becomes (columns vs record
 * fields, times as ms vs ISO text, lists, deleted rows, the tailing cursor), find
 * options, and the segment statistics pipeline for each grouping. */
#include <string.h>

#include "../../../support/test.h"
#include "cs/arena.h"
#include "cs/json.h"
#include "store/mongo/store_mongo_reporting.h"

static struct cs_arena *A;

static const char *relaxed(const bson_t *b)
{
    char *s = bson_as_relaxed_extended_json(b, NULL);
    char *copy = cs_arena_strdup(A, s ? s : "(null)");
    bson_free(s);
    return copy;
}

static const char *filter_of(const char *resource, const char *query, const char **opts)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    if (cs_rp_query_parse(cs_rp_resource_find(resource), query, NULL, A, &q, &e))
        return "parse error";
    bson_t b = BSON_INITIALIZER, o = BSON_INITIALIZER;
    int rc = cs_mq_rp_filter(&b, "acme", cs_rp_resource_find(resource), &q);
    if (!rc) rc = cs_mq_rp_find_opts(&o, &q);
    const char *s = rc ? "build error" : relaxed(&b);
    if (opts) *opts = relaxed(&o);
    bson_destroy(&b);
    bson_destroy(&o);
    return s;
}

static void test_list_filter(void)
{
    const char *opts;
    CHECK_STR(
        filter_of("calls",
                  "created_at[from]=2026-03-02&created_at[to]=2026-03-02&team_id[]=4&team_id[]=5"
                  "&call_duration[from]=60.5&ends_at[to]=2026-03-03T00:00:00Z&status[]=finished",
                  &opts),
        "{ \"_id.t\" : \"acme\", \"c.deleted_at\" : { \"$eq\" : null }, \"$and\" : [ "
        "{ \"c.created_at\" : { \"$gte\" : 1772409600000, \"$lte\" : 1772495999999 } }, "
        "{ \"c.team_id\" : { \"$in\" : [ 4, 5 ] } }, "
        "{ \"rec.call_duration\" : { \"$gte\" : 60.5 } }, "
        "{ \"rec.ends_at\" : { \"$lte\" : \"2026-03-03T00:00:00.000Z\" } }, "
        "{ \"c.status\" : { \"$in\" : [ \"finished\" ] } } ] }");
    CHECK_STR(opts,
              "{ \"projection\" : { \"rec\" : 1, \"upd\" : 1 }, \"sort\" : { \"_id.i\" : 1 }, "
              "\"skip\" : 0, \"limit\" : 100 }");
    /* A value that looks like an operator stays a value. */
    CHECK_STR(
        filter_of(
            "teams",
            "name[]=%24gt&with_deleted=true&page=3&per=20&sort_column=position&sort_direction=DESC",
            &opts),
        "{ \"_id.t\" : \"acme\", \"$and\" : [ { \"c.name\" : { \"$in\" : [ \"$gt\" ] } } ] }");
    CHECK_STR(opts,
              "{ \"projection\" : { \"rec\" : 1, \"upd\" : 1 }, \"sort\" : { \"c.position\" : -1, "
              "\"_id.i\" : -1 }, \"skip\" : 40, \"limit\" : 20 }");
}

static void test_tail_cursor(void)
{
    const char *opts;
    CHECK_STR(
        filter_of("menus", "sort_column=updated_at&after=1700000000000.42&online[]=true", &opts),
        "parse error"); /* menus have no "online" field */
    CHECK_STR(
        filter_of("agents", "sort_column=updated_at&after=1700000000000.42&online[]=true", &opts),
        "{ \"_id.t\" : \"acme\", \"c.deleted_at\" : { \"$eq\" : null }, \"$and\" : [ "
        "{ \"c.online\" : { \"$in\" : [ true ] } }, { \"$or\" : [ { \"upd\" : { \"$gt\" : "
        "1700000000000 } }, "
        "{ \"upd\" : 1700000000000, \"_id.i\" : { \"$gt\" : 42 } } ] } ] }");
    CHECK_STR(opts, "{ \"projection\" : { \"rec\" : 1, \"upd\" : 1 }, \"sort\" : { \"upd\" : 1, "
                    "\"_id.i\" : 1 }, "
                    "\"skip\" : 0, \"limit\" : 100 }");
}

static const char *pipeline(enum cs_rp_group g)
{
    bson_t p = BSON_INITIALIZER;
    int rc = cs_mq_rp_segments_pipeline(&p, "acme", g, 1000, 2000);
    const char *s = rc ? "build error" : relaxed(&p);
    bson_destroy(&p);
    return s;
}

static void test_segments_pipeline(void)
{
    const char *match = "{ \"0\" : { \"$match\" : { \"_id.t\" : \"acme\", \"created\" : { \"$gte\" "
                        ": 1000, \"$lte\" : 2000 } } }, "
                        "\"1\" : { \"$project\" : { \"_id\" : 0, \"key\" : ";
    CHECK_STR(pipeline(RP_G_TEAM),
              cs_arena_printf(A, "%s\"$team_id\", \"s\" : 1, \"transfers\" : 1 } } }", match));
    CHECK_STR(pipeline(RP_G_DAY),
              cs_arena_printf(
                  A,
                  "%s{ \"$floor\" : { \"$divide\" : [ \"$created\", 86400000 ] } }, \"s\" : 1, "
                  "\"transfers\" : 1 } } }",
                  match));
    CHECK_STR(pipeline(RP_G_HOUR), cs_arena_printf(A,
                                                   "%s{ \"$mod\" : [ { \"$floor\" : { \"$divide\" "
                                                   ": [ \"$created\", 3600000 ] } }, 24 ] }, "
                                                   "\"s\" : 1, \"transfers\" : 1 } } }",
                                                   match));
}

static json_object *checked(const char *resource, const char *text)
{
    json_object *recs, *errors;
    size_t bad;
    if (cs_rp_import_parse(text, strlen(text), A, &recs, &bad) ||
        cs_rp_import_check(cs_rp_resource_find(resource), recs, A, &errors))
        return NULL;
    return json_object_array_get_idx(recs, 0);
}

/* A record as its stored document: typed columns (times as ms, absent ones null, a
 * record field that is no column only under rec), and the segments document. */
static void test_record_docs(void)
{
    json_object *call = checked(
        "calls", "{\"id\":7,\"call_type\":\"inbound\",\"status\":\"finished\",\"team_id\":4,"
                 "\"created_at\":\"2026-03-02T10:00:00Z\",\"connected_at\":\"2026-03-02T10:00:"
                 "30Z\",\"ends_at\":\"2026-03-02T10:01:30Z\",\"call_duration\":60,"
                 "\"hold_duration\":12.5,\"agent_info\":{\"id\":9}}");
    REQUIRE(call);
    bson_t d = BSON_INITIALIZER;
    REQUIRE(cs_mq_rp_doc(&d, "acme", cs_rp_resource_find("calls"), call, 1772445700000LL) == 0);
    CHECK_STR(relaxed(&d),
              "{ \"_id\" : { \"t\" : \"acme\", \"i\" : 7 }, \"upd\" : 1772445700000, \"c\" : { "
              "\"call_type\" : \"inbound\", \"status\" : \"finished\", \"agent_id\" : 9, "
              "\"team_id\" : 4, \"menu_id\" : null, \"created_at\" : 1772445600000, "
              "\"deleted_at\" : null }, \"rec\" : { \"id\" : 7, \"call_type\" : \"inbound\", "
              "\"status\" : \"finished\", \"team_id\" : 4, \"created_at\" : "
              "\"2026-03-02T10:00:00.000Z\", \"connected_at\" : \"2026-03-02T10:00:30.000Z\", "
              "\"ends_at\" : \"2026-03-02T10:01:30.000Z\", \"call_duration\" : 60, "
              "\"hold_duration\" : 12.5, \"agent_info\" : { \"id\" : 9 }, \"agent_id\" : 9 } }");
    bson_destroy(&d);
    struct cs_rp_segments s;
    REQUIRE(cs_rp_segments_of(call, &s) == 0);
    bson_t g = BSON_INITIALIZER;
    REQUIRE(cs_mq_rp_segments_doc(&g, "acme", call, &s) == 0);
    CHECK_STR(relaxed(&g),
              "{ \"_id\" : { \"t\" : \"acme\", \"i\" : 7 }, \"created\" : 1772445600000, "
              "\"agent_id\" : 9, \"team_id\" : 4, \"menu_id\" : null, \"s\" : [ 90.0, 90.0, "
              "null, null, null, 60.0, 47.5, 12.5, null, null, null ], \"transfers\" : [  ] }");
    bson_destroy(&g);
    /* No integer id: no document. */
    bson_t bad = BSON_INITIALIZER;
    json_object *o = json_object_new_object();
    CHECK_INT(cs_mq_rp_doc(&bad, "acme", cs_rp_resource_find("menus"), o, 1), CS_ERR_INVALID);
    json_object_put(o);
    bson_destroy(&bad);
}

int main(void)
{
    A = cs_arena_new(0);
    if (!A) return 1;
    TEST_RUN(test_list_filter);
    TEST_RUN(test_tail_cursor);
    TEST_RUN(test_segments_pipeline);
    TEST_RUN(test_record_docs);
    cs_arena_destroy(A);
    return test_done();
}
