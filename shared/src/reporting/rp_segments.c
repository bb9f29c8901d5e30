/* Call-segment metrics exactly as seed 002 lists them:
 *   billing, call      created_at -> ends_at (the seed's "ended_at")
 *   ivr                created_at -> queued_at
 *   queue (= wait)     queued_at -> connected_at
 *   ring (connecting)  connecting_at -> connected_at
 *   handle             connected_at -> ends_at
 *   talk               call_duration - hold_duration
 *   hold               hold_duration
 *   transfer           transfers[].created_at -> the transferred-to participant's connected_at
 *   conference         time two or more agent participants are connected at once
 *   third_party        time a third-party participant and an agent are connected at once
 * A segment whose timestamps are missing does not apply and is null, never 0; a
 * voicemail has no handle, talk or hold time; conference and third-party talk apply
 * only when such an overlap happened. Seconds, millisecond precision. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define MAX_PARTS 64

static const char *const seg_names[RP_SEG__COUNT] = {
    "billing",          "call", "ivr",  "queue",    "ring",
    "handle",           "talk", "hold", "transfer", "conference",
    "third_party_talk",
};

const char *cs_rp_seg_name(enum cs_rp_seg s) { return s < RP_SEG__COUNT ? seg_names[s] : "?"; }

/* 0 absent (or null), 1 present, -1 malformed. */
static int ts(json_object *o, const char *key, int64_t *ms)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) return 0;
    const char *s = json_object_get_string(v);
    if (!json_object_is_type(v, json_type_string) || cs_rp_time_ms(s, ms, NULL)) return -1;
    return 1;
}

static bool num(json_object *o, const char *key, double *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) return false;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return false;
    *out = json_object_get_double(v);
    return true;
}

static void set(struct cs_rp_segments *s, enum cs_rp_seg k, double secs)
{
    s->v[k] = round(secs * 1000.0) / 1000.0;
    s->has[k] = true;
}

static void span(struct cs_rp_segments *s, enum cs_rp_seg k, bool ha, int64_t a, bool hb, int64_t b)
{
    if (ha && hb && b >= a) set(s, k, (double)(b - a) / 1000.0);
}

struct part {
    int64_t id;
    int kind; /* 0 agent, 1 third party, 2 other (end user) */
    int64_t on, off;
};

/* Measure (ms) of the time where the counts of the two kinds satisfy `want`: at least
 * two agents (conference), or a third party and an agent (third-party talk). A sweep
 * over the 2n endpoints: exact for any number of overlapping participants. */
struct edge {
    int64_t t;
    int kind, delta;
};

static int edge_cmp(const void *x, const void *y)
{
    const struct edge *a = x, *b = y;
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    return a->delta - b->delta; /* ends before starts at the same instant */
}

static int64_t overlap(const struct part *p, size_t n, bool third_party)
{
    struct edge e[2 * MAX_PARTS];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].kind > 1 || p[i].off <= p[i].on) continue;
        e[m++] = (struct edge){p[i].on, p[i].kind, +1};
        e[m++] = (struct edge){p[i].off, p[i].kind, -1};
    }
    qsort(e, m, sizeof(e[0]), edge_cmp);
    int count[2] = {0, 0};
    int64_t total = 0, prev = 0;
    for (size_t i = 0; i < m; i++) {
        bool on = third_party ? (count[0] >= 1 && count[1] >= 1) : count[0] >= 2;
        if (on) total += e[i].t - prev;
        count[e[i].kind] += e[i].delta;
        prev = e[i].t;
    }
    return total;
}

static int read_parts(json_object *call, bool has_end, int64_t end, struct part *p, size_t *n)
{
    json_object *arr;
    *n = 0;
    if (!json_object_object_get_ex(call, "participants", &arr) ||
        !json_object_is_type(arr, json_type_array))
        return CS_OK;
    for (size_t i = 0; i < json_object_array_length(arr) && *n < MAX_PARTS; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object)) continue;
        const char *type = cs_json_get_str(o, "type");
        struct part q = {cs_json_get_int(o, "id", 0), 2, 0, 0};
        if (type && !strcmp(type, "agent"))
            q.kind = 0;
        else if (type && !strcmp(type, "third_party"))
            q.kind = 1;
        int c = ts(o, "connected_at", &q.on);
        int e = ts(o, "ended_at", &q.off);
        if (c < 0 || e < 0) return CS_ERR_INVALID;
        if (c == 0) q.kind = 2; /* never connected: takes part in no segment */
        if (e == 0) {
            if (!has_end) q.kind = 2;
            q.off = end; /* still connected when the call ended */
        }
        p[(*n)++] = q;
    }
    return CS_OK;
}

static int transfers(json_object *call, const struct part *p, size_t np, struct cs_rp_segments *s)
{
    json_object *arr;
    if (!json_object_object_get_ex(call, "transfers", &arr) ||
        !json_object_is_type(arr, json_type_array))
        return CS_OK;
    double sum = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        int64_t at;
        int c = json_object_is_type(t, json_type_object) ? ts(t, "created_at", &at) : -1;
        if (c < 0) return CS_ERR_INVALID;
        int64_t pid = cs_json_get_int(t, "participant_id", -1);
        for (size_t j = 0; c == 1 && j < np; j++) {
            if (p[j].id != pid || p[j].kind == 2 || p[j].on < at) continue;
            if (s->ntransfers < CS_RP_MAX_TRANSFERS) {
                double d = round((double)(p[j].on - at)) / 1000.0;
                s->transfers[s->ntransfers++] = d;
                sum += d;
            }
            break;
        }
    }
    if (s->ntransfers) set(s, RP_SEG_TRANSFER, sum);
    return CS_OK;
}

static bool is_voicemail(json_object *call)
{
    const char *t = cs_json_get_str(call, "call_type");
    const char *st = cs_json_get_str(call, "status");
    return (t && !strcmp(t, "voicemail")) || (st && !strcmp(st, "voicemail"));
}

int cs_rp_segments_of(json_object *call, struct cs_rp_segments *s)
{
    memset(s, 0, sizeof(*s));
    int64_t created = 0, queued = 0, connecting = 0, connected = 0, ends = 0;
    int hc = ts(call, "created_at", &created), hq = ts(call, "queued_at", &queued);
    int hg = ts(call, "connecting_at", &connecting), hn = ts(call, "connected_at", &connected);
    int he = ts(call, "ends_at", &ends);
    if (hc < 0 || hq < 0 || hg < 0 || hn < 0 || he < 0) return CS_ERR_INVALID;
    bool vm = is_voicemail(call);
    span(s, RP_SEG_BILLING, hc, created, he, ends);
    span(s, RP_SEG_CALL, hc, created, he, ends);
    span(s, RP_SEG_IVR, hc, created, hq, queued);
    span(s, RP_SEG_QUEUE, hq, queued, hn, connected);
    span(s, RP_SEG_RING, hg, connecting, hn, connected);
    if (!vm) span(s, RP_SEG_HANDLE, hn, connected, he, ends);
    double dur, hold = 0;
    bool has_hold = num(call, "hold_duration", &hold);
    if (!vm && hn && num(call, "call_duration", &dur)) set(s, RP_SEG_TALK, dur - hold);
    if (!vm && hn && has_hold) set(s, RP_SEG_HOLD, hold);
    struct part p[MAX_PARTS];
    size_t np;
    int rc = read_parts(call, he == 1, ends, p, &np);
    if (!rc) rc = transfers(call, p, np, s);
    if (rc) return rc;
    int64_t conf = overlap(p, np, false), third = overlap(p, np, true);
    if (conf > 0) set(s, RP_SEG_CONFERENCE, (double)conf / 1000.0);
    if (third > 0) set(s, RP_SEG_THIRD_PARTY, (double)third / 1000.0);
    return CS_OK;
}

json_object *cs_rp_segments_json(const struct cs_rp_segments *s, int64_t call_id)
{
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "call_id", json_object_new_int64(call_id));
    for (int k = 0; k < RP_SEG__COUNT; k++)
        json_object_object_add(o, seg_names[k], s->has[k] ? json_object_new_double(s->v[k]) : NULL);
    json_object *t = json_object_new_array();
    for (size_t i = 0; t && i < s->ntransfers; i++)
        json_object_array_add(t, json_object_new_double(s->transfers[i]));
    json_object_object_add(o, "transfers", t);
    return o;
}
