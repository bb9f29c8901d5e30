/* libFuzzer target: the reporting family's outside input that is parsed before any
 * store call: list query strings (cs_rp_query_parse, for every resource), import bodies
 * (cs_rp_import_parse + cs_rp_import_check) and call segments of whatever record an
 * import accepted.
 *
 * Input: line 1 is a query string; the rest is an import body for `calls`.
 * Beyond "no crash, no leak, no UB": a parsed query has page >= 1 and 1 <= per <= 100,
 * every range filter has from <= to, and an accepted call always yields segments that
 * are never negative except talk (call_duration - hold_duration, as given). The stored
 * text of an accepted call (cs_rp_json_text) is json-c's own, byte for byte; each marked
 * participant span is that participant's text, and a participant row cut from it
 * (cs_rp_json_extend) is the text json-c writes after adding the key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/reporting.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_arena *arena;

static void same_text(const char *got, size_t n, json_object *o)
{
    size_t want_n;
    const char *want = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &want_n);
    if (!want || n != want_n || memcmp(got, want, n)) abort();
}

/* The import's writer against json-c, on one accepted call record. */
static void check_text(json_object *rec)
{
    static struct cs_rp_text t, part;
    json_object *arr = json_object_object_get(rec, "participants");
    t.mark = arr;
    if (cs_rp_json_text(&t, rec)) abort();
    same_text(t.p, t.len, rec);
    size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (t.nspan != n) abort();
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(arr, i);
        same_text(t.p + t.span[2 * i], t.span[2 * i + 1] - t.span[2 * i], p);
        if (json_object_object_get_ex(p, "fuzz_added", NULL)) continue;
        json_object *v = json_object_new_int64((int64_t)i);
        if (cs_rp_json_set(&part, t.p + t.span[2 * i], t.span[2 * i + 1] - t.span[2 * i]) ||
            cs_rp_json_extend(&part, "fuzz_added", v))
            abort();
        json_object_object_add(p, "fuzz_added", v);
        same_text(part.p, part.len, p);
        json_object_object_del(p, "fuzz_added");
    }
}

static void check_query(const struct cs_rp_query *q)
{
    if (q->page < 1 || q->per < 1 || q->per > CS_RP_PER_MAX) abort();
    for (size_t i = 0; i < q->nfilters; i++) {
        const struct cs_rp_filter *f = &q->filters[i];
        if (!f->field) abort();
        if (f->kind == RP_F_RANGE && f->has_from && f->has_to && f->from_d > f->to_d) abort();
        if (f->kind == RP_F_IN && f->nvalues > CS_RP_MAX_IN) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena) arena = cs_arena_new(64 * 1024 * 1024);
    if (!arena) abort();
    char *in = cs_arena_strndup(arena, (const char *)data, size);
    char *nl = strchr(in, '\n');
    if (nl) *nl = '\0';
    static const char *const extra[] = {"group_by", NULL};
    const struct cs_rp_resource *const *all = cs_rp_resources();
    for (size_t i = 0; all[i]; i++) {
        struct cs_rp_query q;
        struct cs_rp_error e;
        int rc = cs_rp_query_parse(all[i], in, i % 2 ? extra : NULL, arena, &q, &e);
        if (rc == 0)
            check_query(&q);
        else if (!e.code || !e.message || (e.status != 400 && e.status != 422))
            abort();
    }
    if (nl) {
        const char *body = nl + 1;
        size_t len = size - (size_t)(body - in);
        json_object *recs, *errors;
        size_t bad;
        const struct cs_rp_resource *calls = cs_rp_resource_find("calls");
        if (cs_rp_import_parse(body, len, arena, &recs, &bad) == 0 &&
            cs_rp_import_check(calls, recs, arena, &errors) == 0) {
            for (size_t i = 0; i < json_object_array_length(recs); i++) {
                struct cs_rp_segments s;
                if (cs_rp_segments_of(json_object_array_get_idx(recs, i), &s)) abort();
                for (int k = 0; k < RP_SEG__COUNT; k++)
                    if (s.has[k] && k != RP_SEG_TALK && k != RP_SEG_HOLD && s.v[k] < 0) abort();
                json_object_put(cs_rp_segments_json(&s, 1));
                check_text(json_object_array_get_idx(recs, i));
            }
        }
    }
    cs_arena_reset(arena);
    return 0;
}
