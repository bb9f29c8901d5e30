/* The list query language of CCAI Platform's Manager API: page/per, field[from] and
 * field[to] ranges, field[]= lists (and field=value as a one-item list), with_deleted,
 * sort_column/sort_direction, plus our keyset cursor `after` for tailing. Pure: it reads
 * only its arguments, so it is fuzzed as is (tests/fuzz/rp_query_fuzz.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/reporting.h"

#define DAY_MS 86400000LL

static int fail(struct cs_rp_error *err, int status, const char *code, const char *msg)
{
    err->status = status;
    err->code = code;
    err->message = msg ? msg : "Bad query";
    return status == 422 ? CS_ERR_VALIDATION : CS_ERR_BAD_REQUEST;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes ('+' is a space); NULL for a bad escape or a NUL byte. */
static char *decode(struct cs_arena *a, const char *s, size_t n)
{
    char *out = cs_arena_alloc(a, n + 1);
    if (!out) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+')
            c = ' ';
        else if (c == '%') {
            if (i + 2 >= n) return NULL;
            int hi = hexv(s[i + 1]), lo = hexv(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return NULL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        out[j++] = c;
    }
    out[j] = '\0';
    return out;
}

static bool parse_i64(const char *s, int64_t *out)
{
    if (!*s) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool parse_num(const char *s, double *out)
{
    if (!*s) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v != v || v > 1e300 || v < -1e300) return false;
    *out = v;
    return true;
}

static bool is_bool(const char *s) { return !strcmp(s, "true") || !strcmp(s, "false"); }

static struct cs_rp_filter *filter_for(struct cs_rp_query *q, const struct cs_rp_field *f,
                                       enum cs_rp_fkind kind)
{
    for (size_t i = 0; i < q->nfilters; i++)
        if (q->filters[i].field == f && q->filters[i].kind == kind) return &q->filters[i];
    if (q->nfilters == CS_RP_MAX_FILTERS) return NULL;
    struct cs_rp_filter *nf = &q->filters[q->nfilters++];
    memset(nf, 0, sizeof(*nf));
    nf->field = f;
    nf->kind = kind;
    return nf;
}

static int range_bound(struct cs_rp_filter *flt, bool to, const char *v, struct cs_arena *a,
                       struct cs_rp_error *err)
{
    const struct cs_rp_field *f = flt->field;
    int64_t i = 0;
    double d = 0;
    if (f->type == RP_TIME) {
        if (cs_time_parse_iso(v, &i))
            return fail(err, 400, "bad_filter",
                        cs_arena_printf(a, "%s[%s]: not an ISO 8601 timestamp", f->name,
                                        to ? "to" : "from"));
        /* A bare date as the upper bound covers that whole day. */
        if (to && strlen(v) == 10) i += DAY_MS - 1;
        d = (double)i;
    } else if (f->type == RP_INT) {
        if (!parse_i64(v, &i))
            return fail(err, 400, "bad_filter",
                        cs_arena_printf(a, "%s[%s]: not an integer", f->name, to ? "to" : "from"));
        d = (double)i;
    } else if (f->type == RP_NUM) {
        if (!parse_num(v, &d))
            return fail(err, 400, "bad_filter",
                        cs_arena_printf(a, "%s[%s]: not a number", f->name, to ? "to" : "from"));
    } else {
        return fail(err, 400, "bad_filter",
                    cs_arena_printf(a, "%s[%s]: ranges need a number or timestamp field", f->name,
                                    to ? "to" : "from"));
    }
    if (to) {
        flt->has_to = true, flt->to_i = i, flt->to_d = d;
    } else {
        flt->has_from = true, flt->from_i = i, flt->from_d = d;
    }
    return CS_OK;
}

static int list_value(struct cs_rp_filter *flt, const char *v, struct cs_arena *a,
                      struct cs_rp_error *err)
{
    const struct cs_rp_field *f = flt->field;
    int64_t i;
    bool ok = f->type == RP_STR || (f->type == RP_INT && parse_i64(v, &i)) ||
              (f->type == RP_BOOL && is_bool(v));
    if (f->type == RP_TIME || f->type == RP_NUM || f->type == RP_JSON)
        return fail(err, 400, "bad_filter",
                    cs_arena_printf(a,
                                    "%s[]: lists need an id, text or boolean field; use "
                                    "%s[from]/%s[to]",
                                    f->name, f->name, f->name));
    if (!ok)
        return fail(err, 400, "bad_filter",
                    cs_arena_printf(a, "%s[]: '%s' is not a valid value", f->name, v));
    if (flt->nvalues == CS_RP_MAX_IN)
        return fail(err, 400, "bad_filter",
                    cs_arena_printf(a, "%s[]: at most %d values", f->name, CS_RP_MAX_IN));
    flt->values[flt->nvalues++] = v;
    return CS_OK;
}

/* "name[sub]" -> name and sub; a key without brackets has sub NULL. */
static bool split_key(struct cs_arena *a, const char *key, char **name, const char **sub)
{
    const char *br = strchr(key, '[');
    if (!br) {
        *name = (char *)key, *sub = NULL;
        return true;
    }
    size_t n = strlen(key);
    if (key[n - 1] != ']' || br == key) return false;
    *name = cs_arena_strndup(a, key, (size_t)(br - key));
    *sub = cs_arena_strndup(a, br + 1, n - (size_t)(br - key) - 2);
    return *name && *sub && !strchr(*sub, '[') && !strchr(*sub, ']');
}

static int paging(const char *key, const char *v, struct cs_rp_query *q, struct cs_arena *a,
                  struct cs_rp_error *err)
{
    int64_t n;
    bool ok = parse_i64(v, &n) && n >= 1;
    if (!strcmp(key, "page")) {
        if (!ok) return fail(err, 400, "bad_page", "page must be an integer >= 1");
        if (n > 1000000000) return fail(err, 400, "bad_page", "page is too large");
        q->page = n;
    } else {
        if (!ok) return fail(err, 400, "bad_per", "per must be an integer >= 1 (at most 100)");
        q->per = n > CS_RP_PER_MAX ? CS_RP_PER_MAX : n;
    }
    (void)a;
    return CS_OK;
}

static int sort_param(const struct cs_rp_resource *r, const char *key, const char *v,
                      struct cs_rp_query *q, struct cs_arena *a, struct cs_rp_error *err)
{
    if (!strcmp(key, "sort_direction")) {
        if (strcasecmp(v, "ASC") && strcasecmp(v, "DESC"))
            return fail(err, 400, "bad_sort_direction", "sort_direction must be ASC or DESC");
        q->desc = !strcasecmp(v, "DESC");
        return CS_OK;
    }
    const struct cs_rp_field *f = cs_rp_field_find(r, v);
    if (!f)
        return fail(err, 422, "unknown_sort_column",
                    cs_arena_printf(a, "Unknown sort column: %s", v));
    if (f->type == RP_JSON)
        return fail(err, 422, "unknown_sort_column",
                    cs_arena_printf(a, "Cannot sort on %s: not a scalar field", v));
    q->sort = f;
    return CS_OK;
}

static int after_param(const char *v, struct cs_rp_query *q, struct cs_arena *a,
                       struct cs_rp_error *err)
{
    const char *dot = strchr(v, '.');
    char *ms = dot ? cs_arena_strndup(a, v, (size_t)(dot - v)) : NULL;
    if (!ms || !parse_i64(ms, &q->after_ms) || !parse_i64(dot + 1, &q->after_id))
        return fail(err, 400, "bad_cursor", "after must be the cursor of a Link header");
    q->has_after = true;
    return CS_OK;
}

static bool listed(const char *const *extra, const char *k)
{
    for (size_t i = 0; extra && extra[i]; i++)
        if (!strcmp(extra[i], k)) return true;
    return false;
}

static int one_param(const struct cs_rp_resource *r, const char *key, const char *v,
                     const char *const *extra, struct cs_arena *a, struct cs_rp_query *q,
                     struct cs_rp_error *err)
{
    if (!strcmp(key, "page") || !strcmp(key, "per")) return paging(key, v, q, a, err);
    if (!strcmp(key, "sort_column") || !strcmp(key, "sort_direction"))
        return sort_param(r, key, v, q, a, err);
    if (!strcmp(key, "with_deleted")) {
        if (!is_bool(v) && strcmp(v, "1") && strcmp(v, "0"))
            return fail(err, 400, "bad_filter", "with_deleted must be true or false");
        q->with_deleted = !strcmp(v, "true") || !strcmp(v, "1");
        return CS_OK;
    }
    if (!strcmp(key, "after")) return after_param(v, q, a, err);
    if (listed(extra, key)) {
        if (!strcmp(key, "group_by")) q->group_by = v;
        return CS_OK;
    }
    char *name;
    const char *sub;
    if (!split_key(a, key, &name, &sub))
        return fail(err, 400, "bad_filter", cs_arena_printf(a, "Bad filter syntax: %s", key));
    const struct cs_rp_field *f = cs_rp_field_find(r, name);
    if (!f) return fail(err, 422, "unknown_filter", cs_arena_printf(a, "Unknown filter: %s", name));
    bool range = sub && (!strcmp(sub, "from") || !strcmp(sub, "to"));
    if (sub && !range && *sub)
        return fail(err, 400, "bad_filter", cs_arena_printf(a, "Bad filter syntax: %s", key));
    struct cs_rp_filter *flt = filter_for(q, f, range ? RP_F_RANGE : RP_F_IN);
    if (!flt) return fail(err, 400, "bad_filter", "Too many filters");
    if (range) return range_bound(flt, !strcmp(sub, "to"), v, a, err);
    return list_value(flt, v, a, err);
}

int cs_rp_query_parse(const struct cs_rp_resource *r, const char *query, const char *const *extra,
                      struct cs_arena *a, struct cs_rp_query *out, struct cs_rp_error *err)
{
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    out->page = 1;
    out->per = CS_RP_PER_DEFAULT;
    for (const char *p = query ? query : ""; *p;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        if (n > 0) {
            size_t kl = eq ? (size_t)(eq - p) : n;
            char *key = decode(a, p, kl);
            char *val = eq ? decode(a, eq + 1, n - kl - 1) : cs_arena_strdup(a, "");
            if (!key || !val)
                return fail(err, 400, "bad_query",
                            "The query string is not valid percent-encoding");
            if (*key) {
                int rc = one_param(r, key, val, extra, a, out, err);
                if (rc) return rc;
            }
        }
        p += n;
        if (*p == '&') p++;
    }
    for (size_t i = 0; i < out->nfilters; i++) {
        const struct cs_rp_filter *f = &out->filters[i];
        if (f->kind == RP_F_RANGE && f->has_from && f->has_to && f->from_d > f->to_d)
            return fail(
                err, 400, "bad_filter",
                cs_arena_printf(a, "%s[from] is after %s[to]", f->field->name, f->field->name));
    }
    return CS_OK;
}
