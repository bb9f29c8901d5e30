/* Tiered sessions (seed 003) as reporting chats (seed 002). A session is a chat whose
 * participants are the end user and the tiers that answered (AI_REP, AI_MANAGER, the
 * human agent, each a virtual agent with a fixed id); every escalation is a transfer,
 * and each message the human tier answered is agent activity. The records are derived
 * from the session document alone and staged on the store handle, so the store writes
 * them in the same operation as the session change (store_reporting.h) and there is
 * no second entry to keep in step. Ids are hashes of the session id: the same session
 * always maps to the same chat, participants and activity rows, so a re-derivation
 * after every turn is an idempotent upsert (changed_details records what moved). */
#include <sodium.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"
#include "cs/store.h"
#include "reporting/rp_int.h"
#include "store/store_reporting.h"

static const char *const tiers[3] = {"AI_REP", "AI_MANAGER", "HUMAN_AGENT"};
static const int64_t tier_agent[3] = {CS_RP_AGENT_AI_REP, CS_RP_AGENT_AI_MANAGER,
                                      CS_RP_AGENT_HUMAN};

/* 52 bits of BLAKE2b of "<kind>:<session id>:<n>", plus one: ids stay exact in a
 * JavaScript number and are never 0. Distinct strings collide with probability about
 * n^2 / 2^53 (a million sessions: 1e-4). */
int64_t cs_rp_hashed_id(const char *kind, const char *sid, int64_t n)
{
    unsigned char h[8];
    crypto_generichash_state st;
    char num[24];
    snprintf(num, sizeof(num), ":%lld", (long long)n);
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind));
    crypto_generichash_update(&st, (const unsigned char *)":", 1);
    crypto_generichash_update(&st, (const unsigned char *)sid, strlen(sid));
    crypto_generichash_update(&st, (const unsigned char *)num, strlen(num));
    crypto_generichash_final(&st, h, sizeof(h));
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | h[i];
    return (int64_t)(v & ((1ULL << 52) - 1)) + 1;
}

int64_t cs_rp_chat_id(const char *session_id) { return cs_rp_hashed_id("chat", session_id, 0); }

/* Tier index of a session message's role; -1 for the customer's. */
static int tier_of_role(const char *role)
{
    if (!role || !strcmp(role, "customer")) return -1;
    if (!strcmp(role, "ai_rep")) return 0;
    if (!strcmp(role, "ai_manager")) return 1;
    return 2; /* "system" hand-off notes and "human_agent" replies: the human tier */
}

static int tier_index(const char *name)
{
    for (int i = 0; name && i < 3; i++)
        if (!strcmp(tiers[i], name)) return i;
    return -1;
}

static int64_t ms_of(const char *iso)
{
    int64_t ms;
    return iso && !cs_time_parse_iso(iso, &ms) ? ms : -1;
}

static void add_str(json_object *o, const char *k, const char *v)
{
    if (v) json_object_object_add(o, k, json_object_new_string(v));
}

static void add_secs(json_object *o, const char *k, int64_t ms)
{
    json_object_object_add(o, k, json_object_new_double((double)ms / 1000.0));
}

/* What one pass over the session found. */
struct facts {
    struct cs_arena *a;
    const char *sid, *created, *first_customer, *ended;
    const char *tier_first[3], *tier_left[3]; /* when each tier first answered / handed on */
    int64_t responses, response_ms;
    size_t messages;
};

/* Response time of an answer: the AI's own latency when it says (it answered inside
 * the customer's request), else the time since the customer's message. */
static void response(struct facts *f, json_object *m, int64_t asked_ms)
{
    json_object *md = NULL;
    json_object_object_get_ex(m, "metadata", &md);
    int64_t lat = cs_json_get_int(md, "latencyMs", -1), at = ms_of(cs_json_get_str(m, "timestamp"));
    if (lat < 0 && at >= 0 && asked_ms >= 0) lat = at - asked_ms;
    if (lat < 0) return;
    f->responses++;
    f->response_ms += lat;
}

static void scan(json_object *s, struct facts *f)
{
    json_object *msgs = NULL, *esc = NULL;
    json_object_object_get_ex(s, "messages", &msgs);
    json_object_object_get_ex(s, "escalationHistory", &esc);
    f->messages = json_object_is_type(msgs, json_type_array) ? json_object_array_length(msgs) : 0;
    int64_t asked = -1;
    for (size_t i = 0; i < f->messages; i++) {
        json_object *m = json_object_array_get_idx(msgs, i);
        const char *ts = cs_json_get_str(m, "timestamp");
        /* A message without a readable time cannot be placed (stored data is checked
         * like outside input): it still counts, but sets no time. */
        if (ms_of(ts) < 0) continue;
        int t = tier_of_role(cs_json_get_str(m, "role"));
        if (t < 0) {
            if (!f->first_customer) f->first_customer = ts;
            if (asked < 0) asked = ms_of(ts);
            continue;
        }
        if (!f->tier_first[t]) f->tier_first[t] = ts;
        if (asked >= 0) response(f, m, asked);
        asked = -1;
    }
    size_t ne = json_object_is_type(esc, json_type_array) ? json_object_array_length(esc) : 0;
    for (size_t i = 0; i < ne; i++) {
        json_object *e = json_object_array_get_idx(esc, i);
        int from = tier_index(cs_json_get_str(e, "fromTier"));
        const char *ts = cs_json_get_str(e, "timestamp");
        if (from >= 0 && ms_of(ts) >= 0) f->tier_left[from] = ts;
    }
    const char *status = cs_json_get_str(s, "status");
    if (status && (!strcmp(status, "RESOLVED") || !strcmp(status, "ABANDONED"))) {
        f->ended = cs_json_get_str(s, "resolvedAt");
        if (ms_of(f->ended) < 0) f->ended = cs_json_get_str(s, "updatedAt");
        if (ms_of(f->ended) < 0) f->ended = NULL;
    }
    f->created = f->first_customer;
}

static json_object *participant(const struct facts *f, int k, json_object *s)
{
    json_object *p = json_object_new_object();
    if (!p) return NULL;
    json_object_object_add(p, "id",
                           json_object_new_int64(cs_rp_hashed_id("participant", f->sid, k)));
    if (k == 3) {
        json_object *ctx = NULL, *cust = NULL;
        json_object_object_get_ex(s, "context", &ctx);
        if (ctx) json_object_object_get_ex(ctx, "customer", &cust);
        add_str(p, "type", "end_user");
        const char *name = cs_json_get_str(cust, "name");
        add_str(p, "name", name ? name : cs_json_get_str(s, "customerId"));
        add_str(p, "connected_at", f->first_customer);
        if (f->ended) add_str(p, "ended_at", f->ended);
    } else {
        add_str(p, "type", "agent");
        json_object_object_add(p, "agent_id", json_object_new_int64(tier_agent[k]));
        add_str(p, "name", tiers[k]);
        add_str(p, "connected_at", f->tier_first[k]);
        const char *left = f->tier_left[k] ? f->tier_left[k] : f->ended;
        if (left) add_str(p, "ended_at", left);
    }
    bool done = f->ended || (k < 3 && f->tier_left[k]);
    add_str(p, "status", done ? "finished" : "connected");
    return p;
}

static json_object *transfers(const struct facts *f, json_object *s)
{
    json_object *esc = NULL, *out = json_object_new_array();
    json_object_object_get_ex(s, "escalationHistory", &esc);
    size_t n = json_object_is_type(esc, json_type_array) ? json_object_array_length(esc) : 0;
    for (size_t i = 0; out && i < n; i++) {
        json_object *e = json_object_array_get_idx(esc, i), *t = json_object_new_object();
        int from = tier_index(cs_json_get_str(e, "fromTier")),
            to = tier_index(cs_json_get_str(e, "toTier"));
        const char *ts = cs_json_get_str(e, "timestamp");
        if (!t || from < 0 || to < 0 || ms_of(ts) < 0) {
            json_object_put(t);
            continue; /* not an escalation this derivation can place */
        }
        json_object_object_add(
            t, "id", json_object_new_int64(cs_rp_hashed_id("transfer", f->sid, (int64_t)i)));
        add_str(t, "transfer_type", "escalation");
        json_object_object_add(t, "from_agent_id", json_object_new_int64(tier_agent[from]));
        json_object_object_add(t, "to_agent_id", json_object_new_int64(tier_agent[to]));
        add_str(t, "from_tier", tiers[from]);
        add_str(t, "to_tier", tiers[to]);
        add_str(t, "reason", cs_json_get_str(e, "reason"));
        add_str(t, "created_at", ts);
        /* The participant it went to, once that tier has answered. */
        if (f->tier_first[to])
            json_object_object_add(
                t, "participant_id",
                json_object_new_int64(cs_rp_hashed_id("participant", f->sid, to)));
        json_object_array_add(out, t);
    }
    return out;
}

static const char *chat_status(const char *session_status)
{
    if (!session_status) return "assigned";
    if (!strcmp(session_status, "RESOLVED")) return "finished";
    if (!strcmp(session_status, "ABANDONED")) return "abandoned";
    return "assigned"; /* a tier holds it: ACTIVE, WAITING_CUSTOMER, ESCALATED */
}

static json_object *chat_of(const struct facts *f, json_object *s)
{
    json_object *c = json_object_new_object(), *parts = json_object_new_array();
    if (!c || !parts) {
        json_object_put(c), json_object_put(parts);
        return NULL;
    }
    const char *status = cs_json_get_str(s, "status");
    int cur = tier_index(cs_json_get_str(s, "currentTier"));
    json_object_object_add(c, "id", json_object_new_int64(cs_rp_chat_id(f->sid)));
    add_str(c, "chat_type", cs_json_get_str(s, "channel"));
    add_str(c, "status", chat_status(status));
    add_str(c, "sub_status", status);
    add_str(c, "session_id", f->sid);
    add_str(c, "transcript_url", cs_arena_printf(f->a, "/api/v1/cs/sessions/%s", f->sid));
    add_str(c, "created_at", f->created);
    add_str(c, "queued_at", f->created);
    add_str(c, "first_msg_sent_at", f->first_customer);
    const char *first_answer = NULL;
    for (int k = 0; k < 3; k++)
        if (f->tier_first[k] && (!first_answer || ms_of(f->tier_first[k]) < ms_of(first_answer)))
            first_answer = f->tier_first[k];
    if (first_answer)
        add_str(c, "assigned_at", first_answer), add_str(c, "connected_at", first_answer);
    int64_t qms = first_answer ? ms_of(first_answer) - ms_of(f->created) : -1;
    if (qms >= 0) add_secs(c, "queue_duration", qms);
    if (f->ended) {
        add_str(c, "ends_at", f->ended);
        int64_t d = ms_of(f->ended) - ms_of(f->created);
        if (d >= 0) add_secs(c, "chat_duration", d);
        add_str(c, "finish_reason", !strcmp(status, "RESOLVED") ? "resolved" : "abandoned");
    }
    json_object_object_add(c, "message_count", json_object_new_int64((int64_t)f->messages));
    if (f->responses)
        json_object_object_add(
            c, "average_response_time",
            json_object_new_double((double)f->response_ms / (double)f->responses / 1000.0));
    json_object *eu = json_object_new_object();
    if (eu) add_str(eu, "identifier", cs_json_get_str(s, "customerId"));
    json_object_object_add(c, "end_user", eu);
    if (cur >= 0) {
        json_object *ai = json_object_new_object();
        if (ai) json_object_object_add(ai, "id", json_object_new_int64(tier_agent[cur]));
        if (ai) add_str(ai, "name", tiers[cur]);
        json_object_object_add(c, "agent_info", ai);
        json_object_object_add(c, "agent_id", json_object_new_int64(tier_agent[cur]));
    }
    json_object_array_add(parts, participant(f, 3, s));
    for (int k = 0; k < 3; k++)
        if (f->tier_first[k]) json_object_array_add(parts, participant(f, k, s));
    json_object_object_add(c, "participants", parts);
    json_object_object_add(c, "transfers", transfers(f, s));
    return c;
}

/* One activity row per message the human tier answered (its hand-off note or reply). */
static json_object *activity_of(const struct facts *f, json_object *s, int64_t chat_id)
{
    json_object *msgs = NULL, *out = json_object_new_array();
    json_object_object_get_ex(s, "messages", &msgs);
    for (size_t i = 0; out && i < f->messages; i++) {
        json_object *m = json_object_array_get_idx(msgs, i);
        const char *role = cs_json_get_str(m, "role"), *ts = cs_json_get_str(m, "timestamp");
        if (tier_of_role(role) != 2 || ms_of(ts) < 0) continue;
        json_object *a = json_object_new_object();
        if (!a) break;
        json_object_object_add(
            a, "id", json_object_new_int64(cs_rp_hashed_id("activity", f->sid, (int64_t)i)));
        json_object_object_add(a, "agent_id", json_object_new_int64(CS_RP_AGENT_HUMAN));
        add_str(a, "status", "In chat");
        add_str(a, "activity", !strcmp(role, "human_agent") ? "chat_reply" : "chat_handoff");
        add_str(a, "started_at", ts);
        add_str(a, "ended_at", ts);
        json_object_object_add(a, "duration", json_object_new_double(0));
        json_object_object_add(a, "chat_id", json_object_new_int64(chat_id));
        add_str(a, "created_at", ts);
        json_object_array_add(out, a);
    }
    return out;
}

int cs_rp_chat_of_session(struct cs_arena *a, const char *session_id, json_object *session,
                          json_object **chat, json_object **activity)
{
    *chat = *activity = NULL;
    if (!session_id || !*session_id || !json_object_is_type(session, json_type_object))
        return CS_ERR_INVALID;
    struct facts f = {.a = a, .sid = session_id};
    scan(session, &f);
    if (!f.first_customer || ms_of(f.first_customer) < 0) return CS_OK; /* no chat yet */
    json_object *recs = cs_json_array(a), *acts = cs_json_array(a);
    json_object *c = recs && acts ? chat_of(&f, session) : NULL;
    if (!c) return CS_ERR_NOMEM;
    json_object_array_add(recs, c);
    json_object *act = activity_of(&f, session, cs_rp_chat_id(session_id));
    if (!act) return CS_ERR_NOMEM;
    for (size_t i = 0; i < json_object_array_length(act); i++)
        json_object_array_add(acts, json_object_get(json_object_array_get_idx(act, i)));
    json_object_put(act);
    *chat = recs;
    *activity = acts;
    return CS_OK;
}

int cs_rp_chat_stage(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const char *session_id, json_object *session)
{
    if (!cs_rp_stage_ready(st)) return CS_OK;
    json_object *chat, *act;
    int rc = cs_rp_chat_of_session(a, session_id, session, &chat, &act);
    if (rc || !chat) return rc;
    rc = cs_store_stage(st, tenant, CS_RP_STAGE_TOPIC, "chats", chat);
    if (!rc && json_object_array_length(act))
        rc = cs_store_stage(st, tenant, CS_RP_STAGE_TOPIC, "agent_activity_logs", act);
    return rc;
}

bool cs_rp_stage_ready(struct cs_store *st)
{
    /* A backend without reporting tables would put these records in the webhook outbox.
     * The SQLite tables are made when the connection opens (store_sqlite.c conn_open);
     * MongoDB writes them when it moves the write's staged events (store_mongo.c). */
    return cs_rp_store_ready(st);
}
