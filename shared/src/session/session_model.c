/* Seed 003 enums and the session document's bookkeeping. */
#include "cs/session.h"

#include <ctype.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"

const char *const cs_session_channels[] = {"voice", "chat", "email", "sms", NULL};
const char *const cs_session_tiers[] = {"AI_REP", "AI_MANAGER", "HUMAN_AGENT", NULL};
const char *const cs_session_statuses[] = {"ACTIVE",   "WAITING_CUSTOMER", "ESCALATED",
                                           "RESOLVED", "ABANDONED",        NULL};
const char *const cs_session_categories[] = {
    "BILLING", "SHIPPING",        "PRODUCT_QUALITY", "SUBSCRIPTION", "REFUND", "TECHNICAL",
    "ACCOUNT", "GENERAL_INQUIRY", "COMPLAINT",       "CANCELLATION", NULL};
const char *const cs_session_reasons[] = {"IRATE_CUSTOMER",
                                          "REFUND_REQUEST",
                                          "COMPLEX_ISSUE",
                                          "REPEAT_CONTACT",
                                          "HIGH_VALUE_CUSTOMER",
                                          "LEGAL_MENTION",
                                          "SOCIAL_MEDIA_THREAT",
                                          "REFUND_OVER_THRESHOLD",
                                          "CUSTOMER_REQUEST",
                                          "POLICY_EXCEPTION",
                                          "ESCALATED_COMPLAINT",
                                          "TECHNICAL_LIMITATION",
                                          NULL};
const char *const cs_session_resolutions[] = {"INFORMATION_PROVIDED", "ISSUE_RESOLVED",
                                              "REFUND_PROCESSED",     "REPLACEMENT_SENT",
                                              "CREDIT_APPLIED",       "SUBSCRIPTION_MODIFIED",
                                              "ESCALATED_TO_HUMAN",   "CUSTOMER_SATISFIED",
                                              "UNRESOLVED",           NULL};

bool cs_session_enum_ok(const char *const *set, const char *s)
{
    for (; s && *set; set++)
        if (strcmp(*set, s) == 0) return true;
    return false;
}

int cs_session_tier_rank(const char *tier)
{
    for (int i = 0; tier && cs_session_tiers[i]; i++)
        if (strcmp(cs_session_tiers[i], tier) == 0) return i;
    return -1;
}

bool cs_session_id_valid(const char *id)
{
    if (!id || strncmp(id, "sess_", 5) != 0) return false;
    size_t n = strlen(id + 5);
    if (n == 0 || n > 64) return false;
    for (const char *p = id + 5; *p; p++)
        if (!isalnum((unsigned char)*p)) return false;
    return true;
}

json_object *cs_session_view(struct cs_arena *a, const char *id, json_object *body)
{
    struct cs_jb v;
    cs_jb_init(&v, cs_json_object(a));
    cs_jb_str(&v, "id", id);
    json_object_object_foreach(body, key, val)
    {
        /* stats feed the store's aggregation; they are not part of the seed's shape. */
        if (strcmp(key, "stats") == 0 || strcmp(key, "id") == 0) continue;
        cs_jb_ref(&v, key, val);
    }
    return cs_jb_done(&v) ? NULL : v.obj;
}

int cs_session_satisfaction(int level)
{
    static const int score[] = {5, 4, 3, 2, 1, 1};
    return level >= 0 && level <= CS_SENT_IRATE ? score[level] : 3;
}

int cs_session_push(json_object *obj, const char *key, json_object *item)
{
    if (!item) return CS_ERR_NOMEM;
    json_object *arr;
    if (!json_object_object_get_ex(obj, key, &arr) || !json_object_is_type(arr, json_type_array)) {
        arr = json_object_new_array();
        if (!arr || json_object_object_add(obj, key, arr)) {
            json_object_put(arr);
            json_object_put(item);
            return CS_ERR_NOMEM;
        }
    }
    if (json_object_array_add(arr, item)) {
        json_object_put(item);
        return CS_ERR_NOMEM;
    }
    return CS_OK;
}

static json_object *stats_of(json_object *body)
{
    json_object *s;
    if (json_object_object_get_ex(body, "stats", &s) && json_object_is_type(s, json_type_object))
        return s;
    s = json_object_new_object();
    return cs_json_add(body, "stats", s) ? NULL : s;
}

int cs_session_stat_add(json_object *body, const char *key, int64_t delta)
{
    json_object *s = stats_of(body);
    if (!s) return CS_ERR_NOMEM;
    return cs_json_add_int(s, key, cs_json_get_int(s, key, 0) + delta);
}

static int reason_stat(json_object *body, const char *reason)
{
    json_object *s = stats_of(body), *by;
    if (!s) return CS_ERR_NOMEM;
    if (!json_object_object_get_ex(s, "escByReason", &by)) {
        by = json_object_new_object();
        if (cs_json_add(s, "escByReason", by)) return CS_ERR_NOMEM;
    }
    return cs_json_add_int(by, reason, cs_json_get_int(by, reason, 0) + 1);
}

int cs_session_escalate(json_object *body, const char *to, const char *reason, const char *notes,
                        int64_t now_ms)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(now_ms, CS_ISO_Z, ts);
    const char *from = cs_json_get_str(body, "currentTier");
    struct cs_jb e, b;
    cs_jb_init(&e, json_object_new_object());
    cs_jb_str(&e, "fromTier", from ? from : "AI_REP");
    cs_jb_str(&e, "toTier", to);
    cs_jb_str(&e, "reason", reason);
    cs_jb_str(&e, "timestamp", ts);
    if (notes) cs_jb_str(&e, "notes", notes);
    int rc = cs_jb_done(&e);
    if (rc) {
        json_object_put(e.obj);
        return rc;
    }
    if ((rc = cs_session_push(body, "escalationHistory", e.obj))) return rc;
    cs_jb_init(&b, body);
    cs_jb_str(&b, "currentTier", to);
    cs_jb_str(&b, "status", "ESCALATED");
    rc = cs_jb_done(&b);
    if (!rc) rc = cs_session_stat_add(body, "escalations", 1);
    if (!rc) rc = reason_stat(body, reason);
    json_object *s = rc ? NULL : stats_of(body);
    if (!rc && !s) rc = CS_ERR_NOMEM;
    /* Time to first escalation, for the analytics' avgEscalationTime. */
    if (!rc && !json_object_object_get_ex(s, "firstEscalationSeconds", NULL)) {
        int64_t created = cs_json_get_int(s, "createdMs", now_ms);
        rc = cs_json_add_int(s, "firstEscalationSeconds", (now_ms - created) / 1000);
    }
    if (!rc && strcmp(to, "HUMAN_AGENT") == 0) rc = cs_json_add_int(s, "reachedHuman", 1);
    return rc;
}

const char *cs_session_tier_name(enum cs_session_tier_id t)
{
    return (unsigned)t <= CS_TIER_HUMAN_AGENT ? cs_session_tiers[t] : cs_session_tiers[0];
}

const char *cs_session_status_name(enum cs_session_status_id s)
{
    return (unsigned)s <= CS_STATUS_ABANDONED ? cs_session_statuses[s] : cs_session_statuses[0];
}

/* Index of `s` in a NULL-terminated name table, -1 when absent (or NULL). */
static int name_index(const char *const *set, const char *s)
{
    for (int i = 0; s && set[i]; i++)
        if (strcmp(set[i], s) == 0) return i;
    return -1;
}

/* An optional container: absent is added empty, present must have the right type. */
static int container(json_object *body, const char *key, json_type type, json_object **out)
{
    if (json_object_object_get_ex(body, key, out))
        return json_object_is_type(*out, type) ? CS_OK : CS_ERR_SESSION_CORRUPT;
    *out = type == json_type_array ? json_object_new_array() : json_object_new_object();
    return cs_json_add(body, key, *out);
}

static int corrupt(struct cs_session *out, const char *field)
{
    out->bad_field = field;
    return CS_ERR_SESSION_CORRUPT;
}

int cs_session_parse(const struct cs_doc *d, struct cs_session *out)
{
    memset(out, 0, sizeof(*out));
    out->doc = *d;
    json_object *b = d->body;
    if (!b || !json_object_is_type(b, json_type_object)) return corrupt(out, "body");
    int status = name_index(cs_session_statuses, cs_json_get_str(b, "status"));
    int tier = name_index(cs_session_tiers, cs_json_get_str(b, "currentTier"));
    if (status < 0) return corrupt(out, "status");
    if (tier < 0) return corrupt(out, "currentTier");
    out->status = (enum cs_session_status_id)status;
    out->tier = (enum cs_session_tier_id)tier;
    out->company_id = cs_json_get_str(b, "companyId");
    if (!out->company_id || !*out->company_id) return corrupt(out, "companyId");
    out->customer_id = cs_json_get_str(b, "customerId");
    int rc = container(b, "stats", json_type_object, &out->stats);
    if (rc == CS_ERR_SESSION_CORRUPT) return corrupt(out, "stats");
    if (!rc) rc = container(b, "messages", json_type_array, &out->messages);
    if (rc == CS_ERR_SESSION_CORRUPT) return corrupt(out, "messages");
    return rc;
}

int cs_session_load(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                    struct cs_session *out)
{
    memset(out, 0, sizeof(*out));
    if (!cs_session_id_valid(id)) return CS_ERR_SESSION_ID;
    struct cs_doc d;
    int rc = cs_store_get(st, a, tenant, CS_SESSIONS_COLL, id, &d);
    if (rc == CS_ERR_NOT_FOUND) return CS_ERR_SESSION_NOT_FOUND;
    return rc ? rc : cs_session_parse(&d, out);
}

struct session_round {
    cs_session_mutate_fn fn;
    void *ctx;
    struct cs_session *s;
    int load_rc;
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
};

static int session_round(void *ctx, struct cs_doc *d)
{
    struct session_round *x = ctx;
    x->load_rc = cs_session_parse(d, x->s);
    if (x->load_rc) return x->load_rc;
    int rc = x->fn(x->ctx, x->s);
    d->body = x->s->doc.body;
    /* Every session change (a turn, an escalation, a resolve, an abandon) is also the
     * session's reporting chat, staged to be written in the same store write (seed 002;
     * cs_rp_chat_stage). A change the mutation declines writes nothing, chat included. */
    if (!rc) rc = cs_rp_chat_stage(x->st, x->a, x->tenant, x->s->doc.id, x->s->doc.body);
    return rc;
}

int cs_session_modify(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *id,
                      int64_t now_ms, cs_session_mutate_fn fn, void *ctx, struct cs_session *out,
                      int *load_rc)
{
    return cs_session_modify_from(st, a, tenant, id, NULL, now_ms, fn, ctx, out, load_rc);
}

int cs_session_modify_from(struct cs_store *st, struct cs_arena *a, const char *tenant,
                           const char *id, const struct cs_doc *first, int64_t now_ms,
                           cs_session_mutate_fn fn, void *ctx, struct cs_session *out, int *load_rc)
{
    memset(out, 0, sizeof(*out));
    struct session_round x = {.fn = fn,
                              .ctx = ctx,
                              .s = out,
                              .load_rc = CS_ERR_SESSION_ID,
                              .st = st,
                              .a = a,
                              .tenant = tenant};
    int rc = CS_ERR_SESSION_ID;
    if (cs_session_id_valid(id)) {
        int read_rc = CS_OK;
        x.load_rc = CS_OK;
        const struct cs_store_modify m = {.tenant = tenant,
                                          .coll = CS_SESSIONS_COLL,
                                          .id = id,
                                          .mutate = session_round,
                                          .ctx = &x,
                                          .now_ms = now_ms,
                                          .read_rc = &read_rc,
                                          .first = first};
        rc = cs_store_modify(st, a, &m, NULL);
        if (read_rc) x.load_rc = read_rc == CS_ERR_NOT_FOUND ? CS_ERR_SESSION_NOT_FOUND : read_rc;
        if (read_rc == CS_ERR_NOT_FOUND) rc = CS_ERR_SESSION_NOT_FOUND;
    }
    if (load_rc) *load_rc = x.load_rc;
    return rc;
}

int cs_session_set_status(struct cs_session *s, enum cs_session_status_id st)
{
    int rc = cs_json_add_str(s->doc.body, "status", cs_session_status_name(st));
    if (!rc) s->status = st;
    return rc;
}
