/* The reporting queries as MongoDB BSON (store_mongo_reporting), checked as relaxed
 * extended JSON without a server: the filter a list query becomes (columns vs record
 * fields, times as ms vs ISO text, lists, deleted rows, the tailing cursor), find
 * options, realistic pages in canonical extended JSON, the segment statistics pipelines
 * and the other queries and updates the plugin runs (store_mongo_rp.c); and that the
 * indexes infra/mongodb/indexes.json defines for the reporting collections are the ones
 * those queries need, and only those. */
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

static const char *canonical(const bson_t *b)
{
    char *s = bson_as_canonical_extended_json(b, NULL);
    char *copy = cs_arena_strdup(A, s ? s : "(null)");
    bson_free(s);
    return copy;
}

/* The filter and options of a query as canonical extended JSON (types shown: a time
 * column is an int64 of ms, a page is int64 skip/limit). */
static const char *canonical_of(const char *resource, const char *query, const char **opts)
{
    struct cs_rp_query q;
    struct cs_rp_error e;
    if (cs_rp_query_parse(cs_rp_resource_find(resource), query, NULL, A, &q, &e))
        return cs_arena_printf(A, "refused %d %s: %s", e.status, e.code, e.message);
    bson_t b = BSON_INITIALIZER, o = BSON_INITIALIZER;
    int rc = cs_mq_rp_filter(&b, "acme", cs_rp_resource_find(resource), &q);
    if (!rc) rc = cs_mq_rp_find_opts(&o, &q);
    const char *s = rc ? "build error" : canonical(&b);
    if (opts) *opts = canonical(&o);
    bson_destroy(&b);
    bson_destroy(&o);
    return s;
}

/* The list page a dashboard asks for: one day of one team's calls, 50 a page. */
static void test_day_team_page(void)
{
    const char *opts;
    CHECK_STR(canonical_of("calls",
                           "created_at[from]=2026-03-02T00:00:00Z&created_at[to]=2026-03-02T23:59:"
                           "59.999Z&team_id[]=4&per=50&page=2&sort_column=created_at",
                           &opts),
              "{ \"_id.t\" : \"acme\", \"c.deleted_at\" : { \"$eq\" : null }, \"$and\" : [ "
              "{ \"c.created_at\" : { \"$gte\" : { \"$numberLong\" : \"1772409600000\" }, \""
              "$lte\" : { \"$numberLong\" : \"1772495999999\" } } }, { \"c.team_id\" : { \""
              "$in\" : [ { \"$numberLong\" : \"4\" } ] } } ] }");
    CHECK_STR(opts, "{ \"projection\" : { \"rec\" : { \"$numberInt\" : \"1\" }, \"upd\" : { \"$nu"
                    "mberInt\" : \"1\" } }, \"sort\" : { \"c.created_at\" : { \"$numberInt\" : \""
                    "1\" }, \"_id.i\" : { \"$numberInt\" : \"1\" } }, \"skip\" : { \"$numberLong\""
                    " : \"50\" }, \"limit\" : { \"$numberLong\" : \"50\" } }");
}

/* Page 2 of a tail: changes since a time, sorted on updated_at, after the cursor of
 * page 1's last row (no skip: the cursor does the paging). */
static void test_tail_page_two(void)
{
    const char *opts;
    CHECK_STR(canonical_of("calls",
                           "updated_at[from]=2026-03-02T00:00:00Z&sort_column=updated_at&per=100"
                           "&after=1772409600123.77",
                           &opts),
              "{ \"_id.t\" : \"acme\", \"c.deleted_at\" : { \"$eq\" : null }, \"$and\" : [ "
              "{ \"upd\" : { \"$gte\" : { \"$numberLong\" : \"1772409600000\" } } }, { \"$o"
              "r\" : [ { \"upd\" : { \"$gt\" : { \"$numberLong\" : \"1772409600123\" } } },"
              " { \"upd\" : { \"$numberLong\" : \"1772409600123\" }, \"_id.i\" : { \"$gt\" "
              ": { \"$numberLong\" : \"77\" } } } ] } ] }");
    CHECK_STR(opts, "{ \"projection\" : { \"rec\" : { \"$numberInt\" : \"1\" }, \"upd\" : { \"$nu"
                    "mberInt\" : \"1\" } }, \"sort\" : { \"upd\" : { \"$numberInt\" : \"1\" }, \""
                    "_id.i\" : { \"$numberInt\" : \"1\" } }, \"skip\" : { \"$numberLong\" : \"0\""
                    " }, \"limit\" : { \"$numberLong\" : \"100\" } }");
}

/* An unknown filter or sort column is refused by the parser, naming it: no query is
 * built, so no call reaches the server. */
static void test_unknown_column_refused(void)
{
    CHECK_STR(canonical_of("calls", "sort_column=password", NULL),
              "refused 422 unknown_sort_column: Unknown sort column: password");
    CHECK_STR(canonical_of("calls", "nope[]=1", NULL),
              "refused 422 unknown_filter: Unknown filter: nope");
}

static const char *pipe_of(int (*fn)(bson_t *, const char *, enum cs_rp_group, int64_t, int64_t),
                           enum cs_rp_group g, int64_t from, int64_t to)
{
    bson_t p = BSON_INITIALIZER;
    int rc = fn(&p, "acme", g, from, to);
    const char *s = rc ? "build error" : relaxed(&p);
    bson_destroy(&p);
    return s;
}

/* Segment statistics by team over 30 days: calls per team, and the per-(team, segment)
 * window pipeline that keeps count, sum and the three nearest-rank values. */
static void test_segments_by_team_30_days(void)
{
    int64_t from = 1769904000000LL, to = from + 30 * 86400000LL - 1; /* Feb 1 + 30 days */
    CHECK_STR(pipe_of(cs_mq_rp_calls_pipeline, RP_G_TEAM, from, to),
              "{ \"0\" : { \"$match\" : { \"_id.t\" : \"acme\", \"created\" : { \"$gte\" : "
              "1769904000000, \"$lte\" : 1772495999999 } } }, \"1\" : { \"$group\" : { \"_i"
              "d\" : \"$team_id\", \"calls\" : { \"$sum\" : 1 } } } }");
    CHECK_STR(pipe_of(cs_mq_rp_stats_pipeline, RP_G_TEAM, from, to),
              "{ \"0\" : { \"$match\" : { \"_id.t\" : \"acme\", \"created\" : { \"$gte\" : "
              "1769904000000, \"$lte\" : 1772495999999 } } }, \"1\" : { \"$project\" : { \""
              "_id\" : 0, \"key\" : \"$team_id\", \"e\" : { \"$concatArrays\" : [ { \"$filt"
              "er\" : { \"input\" : { \"$map\" : { \"input\" : { \"$range\" : [ 0, 11 ] }, "
              "\"as\" : \"k\", \"in\" : { \"k\" : \"$$k\", \"v\" : { \"$arrayElemAt\" : [ \""
              "$s\", \"$$k\" ] } } } }, \"cond\" : { \"$ne\" : [ \"$$this.k\", 8 ] } } }, "
              "{ \"$map\" : { \"input\" : { \"$ifNull\" : [ \"$transfers\", [  ] ] }, \"as\""
              " : \"x\", \"in\" : { \"k\" : 8, \"v\" : \"$$x\" } } } ] } } }, \"2\" : { \""
              "$unwind\" : \"$e\" }, \"3\" : { \"$match\" : { \"e.v\" : { \"$type\" : \"num"
              "ber\" } } }, \"4\" : { \"$setWindowFields\" : { \"partitionBy\" : { \"key\" "
              ": \"$key\", \"k\" : \"$e.k\" }, \"sortBy\" : { \"e.v\" : 1 }, \"output\" : {"
              " \"r\" : { \"$documentNumber\" : {  } }, \"n\" : { \"$count\" : {  }, \"wind"
              "ow\" : { \"documents\" : [ \"unbounded\", \"unbounded\" ] } }, \"sum\" : { \""
              "$sum\" : \"$e.v\", \"window\" : { \"documents\" : [ \"unbounded\", \"unboun"
              "ded\" ] } } } } }, \"5\" : { \"$match\" : { \"$expr\" : { \"$or\" : [ { \"$e"
              "q\" : [ \"$r\", { \"$max\" : [ 1, { \"$ceil\" : { \"$multiply\" : [ \"$n\", "
              "0.5 ] } } ] } ] }, { \"$eq\" : [ \"$r\", { \"$max\" : [ 1, { \"$ceil\" : { \""
              "$multiply\" : [ \"$n\", 0.9000000000000000222 ] } } ] } ] }, { \"$eq\" : [ "
              "\"$r\", { \"$max\" : [ 1, { \"$ceil\" : { \"$multiply\" : [ \"$n\", 0.989999"
              "99999999999112 ] } } ] } ] } ] } } }, \"6\" : { \"$group\" : { \"_id\" : { \""
              "key\" : \"$key\", \"k\" : \"$e.k\" }, \"n\" : { \"$first\" : \"$n\" }, \"su"
              "m\" : { \"$first\" : \"$sum\" }, \"at\" : { \"$push\" : { \"r\" : \"$r\", \""
              "v\" : \"$e.v\" } } } } }");
}

/* The day and hour keys are computed from the created time (UTC). */
static void test_segments_time_keys(void)
{
    CHECK_STR(pipe_of(cs_mq_rp_calls_pipeline, RP_G_DAY, 1000, 2000),
              "{ \"0\" : { \"$match\" : { \"_id.t\" : \"acme\", \"created\" : { \"$gte\" : "
              "1000, \"$lte\" : 2000 } } }, \"1\" : { \"$group\" : { \"_id\" : { \"$floor\""
              " : { \"$divide\" : [ \"$created\", 86400000 ] } }, \"calls\" : { \"$sum\" : "
              "1 } } } }");
    CHECK_STR(pipe_of(cs_mq_rp_calls_pipeline, RP_G_HOUR, 1000, 2000),
              "{ \"0\" : { \"$match\" : { \"_id.t\" : \"acme\", \"created\" : { \"$gte\" : "
              "1000, \"$lte\" : 2000 } } }, \"1\" : { \"$group\" : { \"_id\" : { \"$mod\" :"
              " [ { \"$floor\" : { \"$divide\" : [ \"$created\", 3600000 ] } }, 24 ] }, \"c"
              "alls\" : { \"$sum\" : 1 } } } }");
}

/* Children of a contact, a team's agents and the write clock. */
static void test_other_queries(void)
{
    bson_t b = BSON_INITIALIZER, u = BSON_INITIALIZER;
    REQUIRE(cs_mq_rp_children_filter(&b, "acme", cs_rp_resource_find("call_participants"),
                                     "call_id", 7) == 0);
    CHECK_STR(relaxed(&b),
              "{ \"_id.t\" : \"acme\", \"c.call_id\" : 7, \"c.deleted_at\" : { \"$eq\" : nu"
              "ll } }");
    bson_reinit(&b);
    REQUIRE(cs_mq_rp_team_agents_filter(&b, "acme", 4) == 0);
    CHECK_STR(relaxed(&b), "{ \"_id.t\" : \"acme\", \"c.deleted_at\" : { \"$eq\" : null }, "
                           "\"rec.teams\" : { \"$elemMatch\" : { \"id\" : { \"$eq\" : 4 } } } }");
    bson_reinit(&b);
    REQUIRE(cs_mq_rp_clock(&b, &u, "acme", "rp_calls", 1772445600000LL) == 0);
    CHECK_STR(relaxed(&b), "{ \"_id\" : { \"t\" : \"acme\", \"r\" : \"rp_calls\" } }");
    CHECK_STR(relaxed(&u), "{ \"0\" : { \"$set\" : { \"upd\" : { \"$max\" : [ { \"$add\" : [ { "
                           "\"$ifNull\" : [ \"$upd\", 0 ] }, 1 ] }, 1772445600000 ] } } } }");
    bson_reinit(&b);
    bson_reinit(&u);
    REQUIRE(cs_mq_rp_change_ids(&b, &u, "acme", 3) == 0);
    CHECK_STR(relaxed(&b), "{ \"_id\" : { \"t\" : \"acme\", \"r\" : \"rp_changed_details\" } }");
    CHECK_STR(relaxed(&u), "{ \"$inc\" : { \"next\" : 3 } }");
    bson_destroy(&b);
    bson_destroy(&u);
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

/* ---- infra/mongodb/indexes.json against the queries ---- */

static json_object *INDEXES; /* infra/mongodb/indexes.json (tests run from the root) */

static bool indexes_loaded(void)
{
    if (!INDEXES) INDEXES = json_object_from_file("infra/mongodb/indexes.json");
    return INDEXES != NULL;
}

/* The key paths of index `i` of collection `coll`, in order; NULL past the last. */
static const char **index_keys(const char *coll, size_t i, const char **name)
{
    json_object *list = json_object_object_get(INDEXES, coll);
    if (!json_object_is_type(list, json_type_array) || i >= json_object_array_length(list))
        return NULL;
    json_object *ix = json_object_array_get_idx(list, i);
    json_object *key = json_object_object_get(ix, "key");
    size_t n = (size_t)json_object_object_length(key), k = 0;
    const char **out = cs_arena_alloc(A, (n + 1) * sizeof(*out));
    json_object_object_foreach(key, path, dir)
    {
        (void)dir;
        out[k++] = cs_arena_strdup(A, path);
    }
    out[k] = NULL;
    *name = cs_json_get_str(ix, "name");
    return out;
}

/* Whether some index of `coll` begins with the paths of `prefix` (NULL-terminated). */
static bool index_led_by(const char *coll, const char *const *prefix)
{
    const char **keys, *name;
    for (size_t i = 0; (keys = index_keys(coll, i, &name)); i++) {
        size_t k = 0;
        while (prefix[k] && keys[k] && !strcmp(prefix[k], keys[k])) k++;
        if (!prefix[k]) return true;
    }
    return false;
}

/* The path a filter on `f` puts into the query (beside the tenant and deleted rows). */
static const char *filter_path(const struct cs_rp_resource *r, const struct cs_rp_field *f)
{
    const char *q = f->type == RP_TIME   ? "[from]=2026-01-01"
                    : f->type == RP_NUM  ? "[from]=1"
                    : f->type == RP_BOOL ? "[]=true"
                    : f->type == RP_INT  ? "[]=1"
                                         : "[]=x";
    struct cs_rp_query query;
    struct cs_rp_error e;
    if (cs_rp_query_parse(r, cs_arena_printf(A, "%s%s&with_deleted=true", f->name, q), NULL, A,
                          &query, &e))
        return NULL;
    bson_t b = BSON_INITIALIZER;
    const char *path = NULL;
    bson_iter_t it, and, one;
    if (!cs_mq_rp_filter(&b, "acme", r, &query) && bson_iter_init_find(&it, &b, "$and") &&
        bson_iter_recurse(&it, &and) && bson_iter_next(&and) && bson_iter_recurse(&and, &one) &&
        bson_iter_next(&one))
        path = cs_arena_strdup(A, bson_iter_key(&one));
    bson_destroy(&b);
    return path;
}

/* A path some list filter of `r` uses. */
static bool filtered_on(const struct cs_rp_resource *r, const char *path)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const char *p = filter_path(r, &r->fields[i]);
        if (p && !strcmp(p, path)) return true;
    }
    return false;
}

/* Every list filter on an indexed column has an index led by the tenant and that
 * column's path as the query writes it; tailing (sort by updated_at after a cursor) has
 * its (tenant, upd, id) index. */
static void test_indexes_cover_the_queries(void)
{
    REQUIRE(indexes_loaded());
    const struct cs_rp_resource *const *all = cs_rp_resources();
    for (size_t i = 0; all[i]; i++) {
        const struct cs_rp_resource *r = all[i];
        if (r->view_of) continue;
        REQUIRE(json_object_object_get(INDEXES, r->table) != NULL);
        for (size_t k = 0; k < r->nfields; k++) {
            const struct cs_rp_field *f = &r->fields[k];
            if (!f->column || f->noindex || !strcmp(f->name, "id") ||
                !strcmp(f->name, "updated_at") || !strcmp(f->name, "deleted_at"))
                continue;
            const char *path = filter_path(r, f);
            REQUIRE(path != NULL);
            CHECK_STR(path, cs_arena_printf(A, "c.%s", f->name));
            const char *const want[] = {"_id.t", path, NULL};
            if (!index_led_by(r->table, want))
                fprintf(stderr, "  no index for %s filtered on %s\n", r->table, path);
            CHECK(index_led_by(r->table, want));
        }
        struct cs_rp_query q;
        struct cs_rp_error e;
        REQUIRE(cs_rp_query_parse(r, "sort_column=updated_at&after=5.7", NULL, A, &q, &e) == 0);
        bson_t o = BSON_INITIALIZER;
        REQUIRE(cs_mq_rp_find_opts(&o, &q) == 0);
        bson_iter_t it, sort;
        const char *want[4] = {"_id.t", NULL, NULL, NULL};
        size_t n = 1;
        if (bson_iter_init_find(&it, &o, "sort") && bson_iter_recurse(&it, &sort))
            while (n < 3 && bson_iter_next(&sort))
                want[n++] = cs_arena_strdup(A, bson_iter_key(&sort));
        bson_destroy(&o);
        CHECK_INT((int64_t)n, 3);
        CHECK(index_led_by(r->table, want));
    }
    /* Segment statistics: the pipelines' first stage matches the tenant and a window. */
    bson_t p = BSON_INITIALIZER;
    REQUIRE(cs_mq_rp_stats_pipeline(&p, "acme", RP_G_TEAM, 0, 1) == 0);
    bson_iter_t it, match;
    const char *want[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    if (bson_iter_init_find(&it, &p, "0") && bson_iter_recurse(&it, &match) &&
        bson_iter_find(&match, "$match") && bson_iter_recurse(&match, &it))
        while (n < 3 && bson_iter_next(&it)) want[n++] = cs_arena_strdup(A, bson_iter_key(&it));
    bson_destroy(&p);
    CHECK_INT((int64_t)n, 2);
    CHECK(index_led_by("rp_call_segments", want));
}

/* ...and no reporting index is one no query uses: each key path of each rp_ index is
 * the tenant, the tailing pair, a path a filter of that resource writes, the team
 * agents' rec.teams.id, or (segments) the created window. */
static void test_no_index_without_a_query(void)
{
    REQUIRE(indexes_loaded());
    bson_t b = BSON_INITIALIZER;
    REQUIRE(cs_mq_rp_team_agents_filter(&b, "acme", 4) == 0);
    bson_iter_t it;
    REQUIRE(bson_iter_init_find(&it, &b, "rec.teams"));
    const char *team_path = cs_arena_printf(A, "%s.id", bson_iter_key(&it));
    bson_destroy(&b);
    size_t checked = 0;
    json_object_object_foreach(INDEXES, coll, list)
    {
        (void)list;
        if (strncmp(coll, "rp_", 3)) continue;
        const struct cs_rp_resource *r = NULL;
        const struct cs_rp_resource *const *all = cs_rp_resources();
        for (size_t i = 0; all[i] && !r; i++)
            if (!all[i]->view_of && !strcmp(all[i]->table, coll)) r = all[i];
        bool segments = !strcmp(coll, "rp_call_segments");
        if (!r && !segments) fprintf(stderr, "  %s: no such reporting table\n", coll);
        CHECK(r || segments);
        const char **keys, *name;
        for (size_t i = 0; (keys = index_keys(coll, i, &name)); i++, checked++) {
            CHECK_STR(keys[0], "_id.t");
            for (size_t k = 1; keys[0] && keys[k]; k++) {
                bool used = segments
                                ? !strcmp(keys[k], "created")
                                : !strcmp(keys[k], "upd") || !strcmp(keys[k], "_id.i") ||
                                      filtered_on(r, keys[k]) ||
                                      (!strcmp(coll, "rp_agents") && !strcmp(keys[k], team_path));
                if (!used)
                    fprintf(stderr, "  %s: %s keys %s, which no query uses\n", coll, name, keys[k]);
                CHECK(used);
            }
        }
    }
    CHECK(checked > 40);
}

int main(void)
{
    A = cs_arena_new(0);
    if (!A) return 1;
    TEST_RUN(test_list_filter);
    TEST_RUN(test_tail_cursor);
    TEST_RUN(test_day_team_page);
    TEST_RUN(test_tail_page_two);
    TEST_RUN(test_unknown_column_refused);
    TEST_RUN(test_segments_by_team_30_days);
    TEST_RUN(test_segments_time_keys);
    TEST_RUN(test_other_queries);
    TEST_RUN(test_record_docs);
    TEST_RUN(test_indexes_cover_the_queries);
    TEST_RUN(test_no_index_without_a_query);
    json_object_put(INDEXES);
    cs_arena_destroy(A);
    return test_done();
}
