/* Tiered customer-service sessions (seed 003): the enums, the session document, the
 * per-tenant company configuration, the irate protocol and refund limits.
 *
 * A session is one document of the tenant's "cs_sessions" collection whose body is the
 * seed's session shape plus a "stats" object that the analytics endpoint aggregates in
 * the store (counts and sums per tier, channel, escalation reason and sentiment), so no
 * report ever loads every session. "stats" never leaves the API (cs_session_view).
 *
 * The configuration is one document per tenant in "cs_config": the seed's defaults
 * deep-merged with every accepted PUT. See session_config.c for the fields beyond the
 * seed (systemPrompt per tier, rateLimits per endpoint).
 */
#ifndef CS_SESSION_H
#define CS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"
#include "cs/sentiment.h"
#include "cs/store.h"

struct cs_ai_call;
struct cs_arena;
struct cs_store;

#define CS_SESSIONS_COLL "cs_sessions"
#define CS_CONFIG_COLL "cs_config"
#define CS_SESSION_MAX_MESSAGE 4000 /* characters in one customer message */
#define CS_SESSION_MAX_MESSAGES 500 /* messages kept in one session */
#define CS_SESSION_MAX_KEYWORDS 50

/* ---- enums (NULL-terminated, seed spelling) ---- */
extern const char *const cs_session_channels[];
extern const char *const cs_session_tiers[]; /* AI_REP, AI_MANAGER, HUMAN_AGENT */
extern const char *const cs_session_statuses[];
extern const char *const cs_session_categories[];
extern const char *const cs_session_reasons[]; /* escalation reasons */
extern const char *const cs_session_resolutions[];

/* The tier and status as enums; index order is the name tables' above. */
enum cs_session_tier_id { CS_TIER_AI_REP, CS_TIER_AI_MANAGER, CS_TIER_HUMAN_AGENT };
enum cs_session_status_id {
    CS_STATUS_ACTIVE,
    CS_STATUS_WAITING_CUSTOMER,
    CS_STATUS_ESCALATED,
    CS_STATUS_RESOLVED,
    CS_STATUS_ABANDONED,
};

/* True when `s` is one of `set`. */
bool cs_session_enum_ok(const char *const *set, const char *s);
/* Rank of a tier (AI_REP 0, AI_MANAGER 1, HUMAN_AGENT 2); -1 when unknown. */
int cs_session_tier_rank(const char *tier);
/* True for ids this module generates: "sess_" followed by 1..64 of [0-9a-zA-Z]. */
bool cs_session_id_valid(const char *id);

/* ---- configuration (session_config.c) ---- */

/* The seed's default configuration plus systemPrompt/tone per tier and the seed's rate
 * limits; a new object the caller owns. NULL on out of memory. */
json_object *cs_session_config_defaults(void);
/* Deep-merges `patch` into `base` in place (objects merge, everything else replaces) and
 * checks every field it touches: known keys only, the right JSON type, ranges and enums.
 * On error `base` may be partly merged (callers merge into a copy) and *where gets the
 * dotted path of the first bad field, *why a short static reason. CS_ERR_INVALID or
 * CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_session_config_merge(json_object *base, json_object *patch, struct cs_arena *a,
                                          const char **where, const char **why);
/* The configuration of one company of the tenant (seed 003 keys it by companyId), owned
 * by `a`. A company without a stored document gets the tenant's older tenant-wide
 * document when there is one (stored before configurations were per company), else the
 * defaults; `company` NULL reads that tenant-wide document or the defaults. *version
 * gets the company document's version, 0 when the company has none. */
CS_MUST_CHECK int cs_session_config_load(struct cs_store *st, struct cs_arena *a,
                                         const char *tenant, const char *company, json_object **out,
                                         int64_t *version);
/* Reads the company's configuration, merges `patch`, validates and stores it as the
 * company's document, retrying on a version conflict. *out gets the stored document
 * (owned by `a`). CS_ERR_COMPANY_ID when `company` is NULL or empty. */
CS_MUST_CHECK int cs_session_config_update(struct cs_store *st, struct cs_arena *a,
                                           const char *tenant, const char *company,
                                           json_object *patch, int64_t now_ms, json_object **out,
                                           const char **where, const char **why);

/* What one tier may do, read from the configuration. */
struct cs_tier_caps {
    const char *tier; /* seed spelling */
    enum cs_session_tier_id id;
    bool enabled;
    bool can_refund;
    double max_refund;
    bool can_credit;
    double max_credit;
    bool can_modify_subscription;
    const char *tone;        /* "friendly", "professional", ... */
    int max_response_length; /* words */
    const char *system_prompt;
};
/* Fills caps for `tier` (AI_REP, AI_MANAGER or HUMAN_AGENT); strings point into cfg. */
void cs_session_tier_caps(json_object *cfg, const char *tier, struct cs_tier_caps *out);

struct cs_irate_config {
    bool enabled;
    double threshold; /* irate score at or above which a message counts as irate */
    const char *keywords[CS_SESSION_MAX_KEYWORDS];
    size_t nkeywords;
    bool auto_escalate;
    int after_attempts;
    const char *target_tier;
};
void cs_session_irate_config(json_object *cfg, struct cs_irate_config *out);

/* Per-tenant limit of one seed endpoint per minute: key is "createSession",
 * "sendMessage", "listSessions" or "analytics"; 0 when the config has none. */
unsigned cs_session_rate_limit(json_object *cfg, const char *key);

/* ---- the irate protocol and refund limits (session_irate.c), pure ---- */

/* A refund or credit the customer asks for. */
struct cs_money_ask {
    bool refund;   /* asks for a refund / money back */
    bool credit;   /* asks for a credit / voucher */
    double amount; /* largest amount stated; 0 when none */
};
/* Reads a refund/credit request and its amount ("$120", "120 dollars", "EUR 40.50"). */
void cs_session_money_ask(const char *text, struct cs_money_ask *out);

struct cs_session_state {
    const char *tier;   /* current tier */
    int irate_attempts; /* AI replies already given to this customer while irate */
    bool vip;
    int repeat_contacts; /* earlier sessions of the customer in the last 7 days */
    int ai_replies;      /* replies the AI already gave in this session */
    int stated_contacts; /* earlier contacts the customer's earlier messages in this
                              session state (cs_cues earlier_contacts; 2 = two or more) */
};

struct cs_decision {
    bool irate;
    double irate_score;  /* 0.6 * anger + 0.4 * (1 - sentiment score), 0..1 */
    const char *trigger; /* static or pointing into cfg: keyword or cue kind */
    int irate_attempts;  /* the state's count after this message */
    const char *reason;  /* escalation reason, NULL: the current tier answers */
    const char *target;  /* tier to escalate to when reason is set */
    bool refund_allowed; /* the answering tier may grant the ask (within limits) */
};

/* Decides what one customer message does: escalate (and why, to which tier) or let the
 * current tier answer. Order: explicit request for a human/manager, legal mention,
 * social-media threat, refund/credit beyond the tier's authority, VIP and repeat contact
 * (before the rep's first reply),
 * then the irate protocol (threshold or keyword; auto-escalation after
 * `after_attempts` AI replies to an irate customer). A target is always a tier above
 * the current one that the configuration enables; when none is, reason stays NULL. */
void cs_session_decide(json_object *cfg, const struct cs_session_state *st,
                       const struct cs_sentiment *sent, const char *text,
                       const struct cs_money_ask *ask, struct cs_decision *out);

/* ---- reply generation (session_reply.c) ---- */

struct cs_reply_turn {
    const char *role; /* "customer", "ai_rep", "ai_manager", "system" */
    const char *content;
};

struct cs_reply_input {
    const struct cs_tier_caps *tier;     /* the answering tier */
    const struct cs_reply_turn *history; /* earlier turns, oldest first */
    size_t nhistory;
    const char *message;                  /* the customer message to answer */
    const struct cs_sentiment *sentiment; /* of `message` */
    const struct cs_money_ask *ask;       /* refund/credit asked in `message` */
    bool refund_allowed;                  /* the tier may grant the ask */
    bool irate;                           /* answer in de-escalation mode */
    bool escalated;                       /* this message escalated the session: only
                                            * then may the reply say it was passed on */
    const char *customer_name;            /* may be NULL */
    const char *issue_category;           /* how the reply names the topic; may be NULL */
    const char *category_code;            /* the session's seed 003 issueCategory, a
                                            * retrieval hint; may be NULL */
    const struct cs_ai_call *ai;          /* the request's provider layer; NULL: builtin */
};

struct cs_reply {
    const char *content;
    const char *model;
    int64_t tokens_in, tokens_out;
    double latency_ms;
    const char *actions[4]; /* suggestedActions, static strings */
    size_t nactions;
    bool closing; /* a closing reply to thanks/goodbye (cs_reply_closing) */
};

/* THE reply generator: tier config + conversation + customer message -> reply text,
 * model, tokens and latency. When the tenant's default AI provider is a hosted model
 * (cs/ai.h), it answers with the tier's system prompt, tone, word limit, money authority
 * and the knowledge-base passages; otherwise, or when its reply fails the checks, the
 * built-in path answers (knowledge-base retrieval for `tenant` and an extractive draft
 * in the tier's tone). The reply never promises money beyond the tier's authority: every
 * reply is run through the policy check with the tier's limit, and a built-in draft that
 * fails it loses its quoted passages.
 * Strings are allocated in `a`. CS_ERR_AI_FAILED when no reply could be produced. */
CS_MUST_CHECK int cs_session_reply(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const struct cs_reply_input *in, struct cs_reply *out);

/* ---- the session document (session_model.c) ---- */

/* The API view of a stored session: the body without "stats", plus "id". New object
 * owned by `a`; NULL on out of memory. */
json_object *cs_session_view(struct cs_arena *a, const char *id, json_object *body);
/* Satisfaction 1..5 derived from a sentiment level (HAPPY 5 .. ANGRY/IRATE 1), stored
 * per session for the analytics' customerSatisfactionAvg. */
int cs_session_satisfaction(int level);
/* Appends `item` to the array `key` of obj (creating it). Takes over item. */
CS_MUST_CHECK int cs_session_push(json_object *obj, const char *key, json_object *item);
/* stats.<key> += delta (integers). */
CS_MUST_CHECK int cs_session_stat_add(json_object *body, const char *key, int64_t delta);
/* Records an escalation in body: escalationHistory, currentTier, status ESCALATED and
 * the stats the analytics sum. `notes` may be NULL. */
CS_MUST_CHECK int cs_session_escalate(json_object *body, const char *to, const char *reason,
                                      const char *notes, int64_t now_ms);

/* Typed state of a stored session. The document comes back from the store, so it is
 * checked like outside input before any handler reads it: these fields are known good
 * after cs_session_parse/cs_session_load, and the body's other fields are read with the
 * NULL-tolerant cs_json_get_* helpers. Index order is the seed's (and the name tables
 * cs_session_tiers / cs_session_statuses above). */

struct cs_session {
    struct cs_doc doc;       /* id, version and the body as stored (body is mutable) */
    const char *company_id;  /* non-empty */
    const char *customer_id; /* may be NULL */
    enum cs_session_tier_id tier;
    enum cs_session_status_id status;
    json_object *stats;    /* object; added to the body when the stored one had none */
    json_object *messages; /* array; likewise */
    const char *bad_field; /* after CS_ERR_SESSION_CORRUPT: the first bad field */
};

/* Seed spelling of a tier / status; never NULL. */
const char *cs_session_tier_name(enum cs_session_tier_id t);
const char *cs_session_status_name(enum cs_session_status_id s);

/* Checks a stored session document and fills `out` (out->doc = *d). A body that is not an
 * object, or lacks a valid status, currentTier or companyId, or has stats/messages of
 * the wrong type, is CS_ERR_SESSION_CORRUPT with out->bad_field naming the field.
 * CS_ERR_NOMEM when adding an absent stats/messages fails. */
#define CS_ERR_SESSION_CORRUPT CS_ERR_FORMAT
CS_MUST_CHECK int cs_session_parse(const struct cs_doc *d, struct cs_session *out);
/* Loads and parses a session for `tenant`: CS_ERR_SESSION_ID for a malformed id,
 * CS_ERR_SESSION_NOT_FOUND when absent (also for another tenant's session),
 * CS_ERR_SESSION_CORRUPT (cs_session_parse). */
CS_MUST_CHECK int cs_session_load(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const char *id, struct cs_session *out);
/* Read-modify-write of a stored session through cs_store_modify (its retry policy):
 * each round loads and checks the session as cs_session_load does into *out and calls
 * fn, which changes out->doc.body (directly or through the cs_session_set_* helpers)
 * and returns CS_OK to write it, CS_STORE_UNCHANGED to write nothing, or an error. A
 * lost version race reloads and calls fn again, so fn decides on the fresh session.
 * *load_rc (may be NULL) is the last load's code: nonzero says the session could not be
 * loaded (and the return value is that code), zero that the code is fn's or the write's. */
typedef int (*cs_session_mutate_fn)(void *ctx, struct cs_session *s);
CS_MUST_CHECK int cs_session_modify(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                    const char *id, int64_t now_ms, cs_session_mutate_fn fn,
                                    void *ctx, struct cs_session *out, int *load_rc);
/* cs_session_modify whose first round takes `first` (the session document as this request
 * already read it for `tenant`, NULL: none) instead of reading it again; its write names
 * first's version, so a concurrent write since makes it a lost race that reads afresh. */
CS_MUST_CHECK int cs_session_modify_from(struct cs_store *st, struct cs_arena *a,
                                         const char *tenant, const char *id,
                                         const struct cs_doc *first, int64_t now_ms,
                                         cs_session_mutate_fn fn, void *ctx, struct cs_session *out,
                                         int *load_rc);
/* Sets the status / tier in both the struct and the body. */
CS_MUST_CHECK int cs_session_set_status(struct cs_session *s, enum cs_session_status_id st);

/* ---- one customer message (session_turn.c) ---- */

struct cs_session_turn {
    struct cs_decision dec;
    const char *from_tier;     /* tier before the message (static) */
    json_object *customer_msg; /* both owned by the request's arena */
    json_object *ai_msg;
    bool closing; /* the customer closed the conversation (thanks, bye) */
};

/* ---- the topic of a session without issueCategory (session_topic.c) ---- */

/* The category model's confidence from which a triaged first message sets the session's
 * issueCategory: chosen on data/triage/messages_train.jsonl (session messages the
 * category model was not fitted on), the highest-precision threshold whose F0.5 is
 * within 0.002 of the best (P 0.886, R 0.363 of the messages with a specific topic);
 * the dev split was not read for it. */
#define CS_SESSION_TOPIC_MIN_CONFIDENCE 0.92

/* One triage of a session's first message, kept by the caller across the write
 * rounds of one request so a lost race does not triage again. Zero-initialise. */
struct cs_session_topic {
    bool done;         /* triaged (or nothing to triage with) */
    const char *code;  /* seed 003 issueCategory to set (static), NULL: none */
    double confidence; /* the category model's, when done */
};

/* True when the session has no issueCategory and no customer message yet: the message
 * about to be applied is the one to triage. */
bool cs_session_topic_wanted(const struct cs_session *s);
/* Triages `text` as cs_triage_ticket does for tickets (the built-in models with the
 * tenant's deployed ones, req->env->triage_policy) unless out->done; out->code is set
 * for a specific category (not GENERAL_INQUIRY) at CS_SESSION_TOPIC_MIN_CONFIDENCE or
 * above. Without a triage policy or models nothing is triaged (out->done, no code). */
struct cs_req;
CS_MUST_CHECK int cs_session_topic_triage(const struct cs_req *req, const char *text,
                                          struct cs_session_topic *out);

/* Applies one customer message to a loaded session, in place: the message with its
 * sentiment (`sent`, `ask` read by the caller), the decision (cs_session_decide), an
 * escalation recorded and session.escalated staged on the request's store, the current
 * tier's reply (cs_session_reply), summary and updatedAt (`ts`). The caller writes the
 * session (and unstages on failure). `topic` (NULL: none) is the caller's triage of
 * this message: when the session has no issueCategory and this is its first customer
 * message, the message is triaged (once per `topic`) and a confident category is stored
 * as the session's issueCategory before the tier answers, so the reply names it and
 * the knowledge base is searched with it, on this turn and every later one. A
 * client-given issueCategory is never replaced. */
CS_MUST_CHECK int cs_session_turn_apply(const struct cs_req *req, json_object *cfg,
                                        struct cs_session *s, const char *text,
                                        const struct cs_sentiment *sent,
                                        const struct cs_money_ask *ask, const char *ts,
                                        struct cs_session_topic *topic,
                                        struct cs_session_turn *out);

/* ---- request helpers (session_http.c) ---- */
struct cs_req;
struct cs_resp;
struct cs_rate;

/* A cs_function.rate_of body: the per-minute limit `key` from the configuration of the
 * request's company: the companyId query parameter, else the body's companyId (rate
 * limits run before the body is parsed, so it is read from the raw body here). */
CS_MUST_CHECK int cs_session_rate(const struct cs_req *req, const char *key, struct cs_rate *out);
/* The same for a company the caller found (NULL: the tenant-wide or default limits). */
CS_MUST_CHECK int cs_session_rate_for(const struct cs_req *req, const char *company,
                                      const char *key, struct cs_rate *out);
/* Records `code` with details {key: val} (val may be NULL: no details) for the family's
 * error writer and returns code. */
int cs_session_fail(const struct cs_req *req, struct cs_resp *resp, int code, const char *key,
                    const char *val);
/* The answer to any cs_session_load error: CS_ERR_SESSION_CORRUPT becomes the family's
 * 500 ("Stored session is malformed", details {sessionId, field}); other codes as
 * cs_session_fail with {sessionId}. Returns the code to hand back. */
int cs_session_load_fail(const struct cs_req *req, struct cs_resp *resp, int code,
                         const struct cs_session *s, const char *id);
/* cs_session_modify for the request's tenant, with a load failure answered by
 * cs_session_load_fail; fn's and the write's errors are returned as they are. When the
 * rate hook already read this session (req->rate_reads), the first round uses that read. */
CS_MUST_CHECK int cs_session_req_modify(const struct cs_req *req, struct cs_resp *resp,
                                        const char *id, cs_session_mutate_fn fn, void *ctx,
                                        struct cs_session *out);
/* A session.* outbox event for the request's tenant: begin starts it in b (an object in
 * the request's arena) with sessionId, companyId and customerId, the caller adds its
 * own fields with the cs_jb_* adders, and stage stages it as `type` (cs_notify_stage),
 * or returns the first failure of building it. */
struct cs_jb;
void cs_session_event_begin(const struct cs_req *req, const char *session_id, const char *company,
                            const char *customer, struct cs_jb *b);
CS_MUST_CHECK int cs_session_event_stage(const struct cs_req *req, const char *type,
                                         struct cs_jb *b);
/* The company's config for a request that names it (CS_ERR_COMPANY_ID when `company`
 * is NULL or empty); CS_ERR_CS_DISABLED when `need_enabled` and the company's config
 * turned customer service off. */
CS_MUST_CHECK int cs_session_req_config(const struct cs_req *req, struct cs_resp *resp,
                                        const char *company, bool need_enabled, json_object **cfg);

#endif
