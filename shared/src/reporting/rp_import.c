/* Import bodies: a JSON array of records or NDJSON, checked record by record before
 * anything is written (the store then writes all of them in one transaction). */
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define MAX_REPORTED 100

static void put_digits(char *at, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10) at[i] = (char)('0' + v % 10);
}

/* Written out by hand rather than through cs_time_iso (gmtime_r, strftime, snprintf):
 * every imported timestamp is rendered to check it is canonical and every written row
 * gets an updated_at, and that formatting was 8% of an import's instructions. Days to
 * a civil date by Howard Hinnant's days_from_civil inverse; years 1970-9999, the range
 * the import accepts, anything else goes the general way. */
void cs_rp_time_str(int64_t ms, char *out)
{
    if (ms < 0 || ms > 253402300799999LL) {
        cs_time_iso(ms, CS_ISO_Z_MS, out);
        return;
    }
    int64_t secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    memcpy(out, "0000-00-00T00:00:00.000Z", 25);
    put_digits(out, y, 4);
    put_digits(out + 5, m, 2);
    put_digits(out + 8, d, 2);
    put_digits(out + 11, sod / 3600, 2);
    put_digits(out + 14, sod / 60 % 60, 2);
    put_digits(out + 17, sod % 60, 2);
    put_digits(out + 20, ms % 1000, 3);
}

/* Two-digit (or n-digit) field of a canonical timestamp; -1 when not all digits. */
static int64_t get_digits(const char *at, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (at[i] < '0' || at[i] > '9') return -1;
        v = v * 10 + (at[i] - '0');
    }
    return v;
}

/* The inverse of cs_rp_time_str for its own form "YYYY-MM-DDTHH:MM:SS.mmmZ" (what
 * exports and the generator write, so nearly every imported timestamp): about 60
 * instructions instead of cs_time_parse_iso's timegm (mktime's normalisation, ~400),
 * and an import reads each timestamp 3 times (check, columns, segments). Howard
 * Hinnant's days_from_civil. Anything else takes the general parser. */
int cs_rp_time_ms(const char *s, int64_t *ms, bool *canonical)
{
    if (canonical) *canonical = false;
    if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != '.' || s[23] != 'Z')
        return cs_time_parse_iso(s, ms);
    int64_t y = get_digits(s, 4), m = get_digits(s + 5, 2), d = get_digits(s + 8, 2);
    int64_t h = get_digits(s + 11, 2), mi = get_digits(s + 14, 2), sec = get_digits(s + 17, 2);
    int64_t frac = get_digits(s + 20, 3);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    /* Leap seconds, Feb 29th of other years, years before 1970: the general way. */
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap) ||
        h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || frac < 0)
        return cs_time_parse_iso(s, ms);
    int64_t yy = y - (m <= 2), era = yy / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + frac;
    if (canonical) *canonical = true;
    return CS_OK;
}

static int parse_ndjson(const char *body, size_t len, struct cs_arena *a, json_object *arr,
                        size_t *bad_line)
{
    size_t line = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(body + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (body + at)) : len - at;
        line++;
        size_t s = at, e = at + n;
        while (s < e && strchr(" \t\r", body[s])) s++;
        while (e > s && strchr(" \t\r", body[e - 1])) e--;
        if (e > s) {
            json_object *o;
            if (cs_json_parse(body + s, e - s, a, &o, NULL) ||
                !json_object_is_type(o, json_type_object)) {
                *bad_line = line;
                return CS_ERR_BAD_JSON;
            }
            if (json_object_array_add(arr, json_object_get(o))) return CS_ERR_NOMEM;
        }
        at += n + 1;
    }
    return CS_OK;
}

int cs_rp_import_parse(const char *body, size_t len, struct cs_arena *a, json_object **records,
                       size_t *bad_line)
{
    *bad_line = 0;
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", body[i])) i++;
    if (i < len && body[i] == '[') {
        int rc = cs_json_parse(body, len, a, records, NULL);
        if (rc) {
            *bad_line = 1;
            return rc == CS_ERR_NOMEM ? rc : CS_ERR_BAD_JSON;
        }
        return CS_OK;
    }
    *records = cs_json_array(a);
    if (!*records) return CS_ERR_NOMEM;
    return parse_ndjson(body, len, a, *records, bad_line);
}

struct problems {
    struct cs_arena *a;
    json_object *list; /* this record's errors */
};

static void problem(struct problems *p, const char *field, const char *msg)
{
    if (!p->list) p->list = json_object_new_array();
    json_object *e = json_object_new_object();
    if (!p->list || !e) return;
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "message", json_object_new_string(msg));
    json_object_array_add(p->list, e);
}

/* Canonical timestamp in place; false when it does not parse. */
static bool norm_time(json_object *o, const char *key, json_object *v)
{
    int64_t ms;
    bool canonical;
    if (!json_object_is_type(v, json_type_string)) return false;
    const char *text = json_object_get_string(v);
    if (cs_rp_time_ms(text, &ms, &canonical)) return false;
    /* 1970 to 9999: what the canonical form (and the ms columns) can carry. */
    if (ms < 0 || ms > 253402300799999LL) return false;
    /* Most imports (exports of ours, the generator's) are canonical already: the
     * string is kept rather than replaced by an equal one. */
    if (canonical) return true;
    char buf[CS_ISO_MAX];
    cs_rp_time_str(ms, buf);
    json_object_object_add(o, key, json_object_new_string(buf));
    return true;
}

static bool type_ok(json_object *o, const struct cs_rp_field *f, json_object *v)
{
    switch (f->type) {
    case RP_INT: return json_object_is_type(v, json_type_int);
    case RP_NUM:
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    case RP_STR: return json_object_is_type(v, json_type_string);
    case RP_BOOL: return json_object_is_type(v, json_type_boolean);
    case RP_TIME: return norm_time(o, f->name, v);
    case RP_JSON: return true;
    }
    return false;
}

static const char *type_word(enum cs_rp_type t)
{
    switch (t) {
    case RP_INT: return "an integer";
    case RP_NUM: return "a number";
    case RP_STR: return "a string";
    case RP_BOOL: return "a boolean";
    case RP_TIME: return "an ISO 8601 timestamp";
    default: return "JSON";
    }
}

/* Nested participants: typed, with ids and timestamps the segments can use. */
static void check_parts(json_object *rec, struct problems *p)
{
    json_object *arr;
    if (!json_object_object_get_ex(rec, "participants", &arr) || !arr) return;
    if (!json_object_is_type(arr, json_type_array)) {
        problem(p, "participants", "must be an array");
        return;
    }
    static const char *const times[] = {"connected_at", "ended_at", "created_at", "updated_at"};
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i), *v;
        const char *type =
            json_object_is_type(o, json_type_object) ? cs_json_get_str(o, "type") : NULL;
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "id", &v) ||
            !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1) {
            problem(p, cs_arena_printf(p->a, "participants[%zu]", i), "needs an integer id >= 1");
            continue;
        }
        if (!type ||
            (strcmp(type, "agent") && strcmp(type, "end_user") && strcmp(type, "third_party")))
            problem(p, cs_arena_printf(p->a, "participants[%zu]", i),
                    "type must be agent, end_user or third_party");
        for (size_t k = 0; k < 4; k++)
            if (json_object_object_get_ex(o, times[k], &v) && v && !norm_time(o, times[k], v))
                problem(p, cs_arena_printf(p->a, "participants[%zu].%s", i, times[k]),
                        "must be an ISO 8601 timestamp");
    }
}

/* Transfers: objects with an ISO 8601 created_at (the transfer segment starts there). */
static void check_transfers(json_object *rec, struct problems *p)
{
    json_object *arr, *v;
    if (!json_object_object_get_ex(rec, "transfers", &arr) || !arr) return;
    if (!json_object_is_type(arr, json_type_array)) {
        problem(p, "transfers", "must be an array");
        return;
    }
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(t, json_type_object) ||
            !json_object_object_get_ex(t, "created_at", &v) || !norm_time(t, "created_at", v))
            problem(p, cs_arena_printf(p->a, "transfers[%zu]", i), "needs an ISO 8601 created_at");
        else if (json_object_object_get_ex(t, "participant_id", &v) && v &&
                 !json_object_is_type(v, json_type_int))
            problem(p, cs_arena_printf(p->a, "transfers[%zu]", i),
                    "participant_id must be an integer");
    }
}

static int64_t nested_id(json_object *rec, const char *obj)
{
    json_object *o, *v;
    if (!json_object_object_get_ex(rec, obj, &o) || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "id", &v) || !json_object_is_type(v, json_type_int))
        return 0;
    return json_object_get_int64(v);
}

/* agent_id / menu_id columns come from agent_info.id / selected_menu.id when absent. */
static void derive(json_object *rec)
{
    json_object *v;
    int64_t id;
    if (!json_object_object_get_ex(rec, "agent_id", &v) && (id = nested_id(rec, "agent_info")))
        json_object_object_add(rec, "agent_id", json_object_new_int64(id));
    if (!json_object_object_get_ex(rec, "menu_id", &v) && (id = nested_id(rec, "selected_menu")))
        json_object_object_add(rec, "menu_id", json_object_new_int64(id));
}

/* Whether the resource has nested participants / transfers: looked up once per import,
 * not per record (a linear scan of the schema each). */
struct nested {
    bool parts, transfers;
};

static void check_one(const struct cs_rp_resource *r, const struct nested *nest, json_object *rec,
                      struct problems *p)
{
    if (!json_object_is_type(rec, json_type_object)) {
        problem(p, "record", "must be a JSON object");
        return;
    }
    /* Every key is one of the fields when as many fields are found by hash lookup as
     * the record has keys (counted in the same pass as the type checks): only a record
     * with unknown keys pays for naming them (a linear scan of the schema per key). */
    size_t known = 0, keys = (size_t)json_object_object_length(rec);
    struct problems typed = {p->a, NULL}; /* listed after the unknown keys */
    for (size_t i = 0; i < r->nfields; i++) {
        const struct cs_rp_field *f = &r->fields[i];
        json_object *v;
        bool has = json_object_object_get_ex(rec, f->name, &v);
        known += has;
        if (!has || !v) {
            if (f->required) problem(&typed, f->name, "is required");
            continue;
        }
        if (!type_ok(rec, f, v))
            problem(&typed, f->name, cs_arena_printf(p->a, "must be %s", type_word(f->type)));
    }
    if (known != keys) {
        json_object_object_foreach(rec, key, val)
        {
            (void)val;
            if (!cs_rp_field_find(r, key)) problem(p, key, "unknown field");
        }
    }
    for (size_t i = 0; typed.list && i < json_object_array_length(typed.list); i++) {
        if (!p->list) p->list = json_object_new_array();
        if (p->list)
            json_object_array_add(p->list,
                                  json_object_get(json_object_array_get_idx(typed.list, i)));
    }
    json_object_put(typed.list);
    if (json_object_get_int64(json_object_object_get(rec, "id")) < 1 &&
        json_object_is_type(json_object_object_get(rec, "id"), json_type_int))
        problem(p, "id", "must be >= 1");
    if (nest->parts) {
        check_parts(rec, p);
        derive(rec);
    }
    if (nest->transfers) check_transfers(rec, p);
}

int cs_rp_import_check(const struct cs_rp_resource *r, json_object *records, struct cs_arena *a,
                       json_object **errors)
{
    *errors = cs_json_array(a);
    if (!*errors) return CS_ERR_NOMEM;
    if (!json_object_is_type(records, json_type_array)) {
        struct problems p = {a, NULL};
        problem(&p, "body", "must be a JSON array of records or NDJSON");
        json_object *e = json_object_new_object();
        json_object_object_add(e, "index", NULL);
        json_object_object_add(e, "errors", p.list);
        json_object_array_add(*errors, e);
        return CS_ERR_VALIDATION;
    }
    size_t bad = 0;
    struct nested nest = {cs_rp_field_find(r, "participants") != NULL,
                          cs_rp_field_find(r, "transfers") != NULL};
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        json_object *rec = json_object_array_get_idx(records, i);
        struct problems p = {a, NULL};
        check_one(r, &nest, rec, &p);
        if (!p.list) continue;
        if (++bad > MAX_REPORTED) {
            json_object_put(p.list);
            continue;
        }
        json_object *e = json_object_new_object();
        json_object *id =
            json_object_is_type(rec, json_type_object) ? json_object_object_get(rec, "id") : NULL;
        json_object_object_add(e, "index", json_object_new_int64((int64_t)i));
        json_object_object_add(e, "id", json_object_get(id));
        json_object_object_add(e, "errors", p.list);
        json_object_array_add(*errors, e);
    }
    return bad ? CS_ERR_VALIDATION : CS_OK;
}
