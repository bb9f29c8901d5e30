/* Contact-centre reporting (seed 002, CCAI Platform's Manager API conventions).
 *
 * Resources are static tables of typed fields (rp_schema.c). A list request's query
 * string is parsed by a pure parser (cs_rp_query_parse) into filters, paging and a sort
 * that the store (store/store_reporting_sqlite.c) turns into SQL over one real table per
 * resource. Records are imported (JSON array or NDJSON, all or nothing), generated
 * (cs_rp_demo_*) or written by the product; every update writes changed_details rows.
 * Timestamps are stored and answered as UTC "YYYY-MM-DDThh:mm:ss.mmmZ".
 */
#ifndef CS_REPORTING_H
#define CS_REPORTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cs/error.h"

struct cs_arena;
struct cs_store;
struct cs_req;
struct cs_resp;
struct cs_env;
struct cs_rate;

/* ---- resources ---- */

enum cs_rp_type { RP_INT, RP_NUM, RP_STR, RP_TIME, RP_BOOL, RP_JSON };

struct cs_rp_field {
    const char *name;
    enum cs_rp_type type;
    bool column;   /* a real, indexed column of the resource's table */
    bool required; /* import refuses a record without it */
    bool noindex;  /* a real column without an index of its own (rarely filtered alone) */
};

#define CS_RP_MAX_FIELDS 48

struct cs_rp_resource {
    const char *name;        /* URL segment: "calls" */
    const char *table;       /* storage table ("rp_calls"); views share their base's */
    const char *record_type; /* changed_details.record_type: "call" */
    const struct cs_rp_field *fields;
    size_t nfields;
    bool importable;
    /* A limited view of another resource (user_info over agents): only these fields. */
    const struct cs_rp_resource *view_of;
};

const struct cs_rp_resource *cs_rp_resource_find(const char *name);
const struct cs_rp_field *cs_rp_field_find(const struct cs_rp_resource *r, const char *name);
/* Every resource, NULL-terminated (for schema creation). */
const struct cs_rp_resource *const *cs_rp_resources(void);

/* ---- query parsing (pure: no store, no clock) ---- */

#define CS_RP_MAX_FILTERS 16
#define CS_RP_MAX_IN 64
#define CS_RP_PER_DEFAULT 100
#define CS_RP_PER_MAX 100

enum cs_rp_fkind { RP_F_RANGE, RP_F_IN };

struct cs_rp_filter {
    const struct cs_rp_field *field;
    enum cs_rp_fkind kind;
    bool has_from, has_to;
    /* Range bounds: numbers in i/d (times as Unix ms in i); IN values as text. */
    int64_t from_i, to_i;
    double from_d, to_d;
    const char *values[CS_RP_MAX_IN];
    size_t nvalues;
};

struct cs_rp_query {
    struct cs_rp_filter filters[CS_RP_MAX_FILTERS];
    size_t nfilters;
    const struct cs_rp_field *sort; /* NULL: id */
    bool desc;
    bool with_deleted;
    int64_t page, per;
    /* Keyset cursor for tailing by updated_at ("<ms>.<id>", from the Link header). */
    bool has_after;
    int64_t after_ms, after_id;
    /* Metrics only. */
    const char *group_by;
};

/* Why a query was refused: an HTTP status (400 or 422), a machine code and a message
 * naming the parameter, all in `a`. */
struct cs_rp_error {
    int status;
    const char *code;
    const char *message;
};

/* Parses a raw query string for resource `r`. Extra allowed parameter names (metrics'
 * group_by) come in `extra` (NULL-terminated, may be NULL). Returns 0, or
 * CS_ERR_VALIDATION / CS_ERR_BAD_REQUEST with *err filled. */
CS_MUST_CHECK int cs_rp_query_parse(const struct cs_rp_resource *r, const char *query,
                                    const char *const *extra, struct cs_arena *a,
                                    struct cs_rp_query *out, struct cs_rp_error *err);

/* ---- call segments (seed 002) ---- */

enum cs_rp_seg {
    RP_SEG_BILLING,
    RP_SEG_CALL,
    RP_SEG_IVR,
    RP_SEG_QUEUE,
    RP_SEG_RING,
    RP_SEG_HANDLE,
    RP_SEG_TALK,
    RP_SEG_HOLD,
    RP_SEG_TRANSFER,
    RP_SEG_CONFERENCE,
    RP_SEG_THIRD_PARTY,
    RP_SEG__COUNT
};

#define CS_RP_MAX_TRANSFERS 16

/* Seconds per segment; `has[i]` false means the segment does not apply (null). The
 * transfer segment is the sum of `transfers[]`, one entry per transfer that connected. */
struct cs_rp_segments {
    double v[RP_SEG__COUNT];
    bool has[RP_SEG__COUNT];
    double transfers[CS_RP_MAX_TRANSFERS];
    size_t ntransfers;
};

const char *cs_rp_seg_name(enum cs_rp_seg s);
/* Computes the segments of one call record (the API shape). CS_ERR_INVALID for a
 * timestamp that does not parse. */
CS_MUST_CHECK int cs_rp_segments_of(json_object *call, struct cs_rp_segments *out);
json_object *cs_rp_segments_json(const struct cs_rp_segments *s, int64_t call_id);

/* ---- import ---- */

#define CS_RP_IMPORT_MAX (10u << 20) /* bytes of one import body */

/* Parses an import body: a JSON array of objects, or NDJSON (one object a line). On a
 * broken line *bad_line is its 1-based number and CS_ERR_BAD_JSON is returned. The
 * array is owned by `a`. */
CS_MUST_CHECK int cs_rp_import_parse(const char *body, size_t len, struct cs_arena *a,
                                     json_object **records, size_t *bad_line);
/* Validates and normalises each record in place (timestamps to the canonical form,
 * derived columns filled). Records with problems are listed in *errors as
 * [{"index","id","errors":[{"field","message"}]}]; returns CS_ERR_VALIDATION if any. */
CS_MUST_CHECK int cs_rp_import_check(const struct cs_rp_resource *r, json_object *records,
                                     struct cs_arena *a, json_object **errors);

/* ---- storage (SQLite; store/store_reporting_sqlite.c) ---- */

struct cs_rp_import_result {
    int64_t inserted, updated, unchanged, changed_details;
};

/* Writes checked records of `r` for tenant in one transaction: new ids inserted,
 * changed ones updated (with a changed_details row per field), the rest untouched.
 * updated_at is the write's time, strictly increasing per tenant and resource. */
CS_MUST_CHECK int cs_rp_store_import(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const struct cs_rp_resource *r, json_object *records,
                                     int64_t now_ms, struct cs_rp_import_result *res);
/* One page of records (JSON objects appended to `items`) and the filter's total. */
CS_MUST_CHECK int cs_rp_store_list(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const struct cs_rp_resource *r, const struct cs_rp_query *q,
                                   json_object *items, int64_t *total);
/* The same page as JSON text appended to `out` ("[...]"), the stored records passed
 * through after checking each is one valid JSON object (no re-serialisation); `end`
 * gets the count and the last row's updated_at and id (the tailing cursor). Not for
 * views. */
struct cs_buf;
struct cs_rp_page_end {
    size_t n;
    int64_t last_upd_ms, last_id;
};
CS_MUST_CHECK int cs_rp_store_list_raw(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                       const struct cs_rp_resource *r, const struct cs_rp_query *q,
                                       struct cs_buf *out, int64_t *total,
                                       struct cs_rp_page_end *end);
/* CS_ERR_NOT_FOUND when absent or deleted (unless with_deleted). */
CS_MUST_CHECK int cs_rp_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                  const struct cs_rp_resource *r, int64_t id, bool with_deleted,
                                  json_object **out);
/* Rows of one resource whose INTEGER column `col` equals v (participants of a call,
 * agents of a team...), ordered by id, at most `limit`. */
CS_MUST_CHECK int cs_rp_store_children(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                       const struct cs_rp_resource *r, const char *col, int64_t v,
                                       size_t limit, json_object *items);

/* Agents (as user_info) whose teams[] holds team_id, ordered by id. */
CS_MUST_CHECK int cs_rp_store_team_agents(struct cs_store *st, struct cs_arena *a,
                                          const char *tenant, int64_t team_id, json_object *items);

enum cs_rp_group { RP_G_AGENT, RP_G_TEAM, RP_G_MENU, RP_G_DAY, RP_G_HOUR };

struct cs_rp_stat {
    int64_t count;
    double sum, mean, p50, p90, p99;
};

struct cs_rp_group_row {
    const char *key; /* agent/team/menu id as text, "2026-01-05", or "00".."23"; NULL:
                      * calls with no agent/team/menu */
    int64_t calls;
    struct cs_rp_stat seg[RP_SEG__COUNT];
};

/* Segment statistics of calls created in [from_ms, to_ms], grouped. Nearest-rank
 * percentiles; a segment that applies to no call of a group has count 0. */
CS_MUST_CHECK int cs_rp_store_segment_stats(struct cs_store *st, struct cs_arena *a,
                                            const char *tenant, enum cs_rp_group g, int64_t from_ms,
                                            int64_t to_ms, struct cs_rp_group_row **rows,
                                            size_t *nrows);

/* ---- tokens ---- */

/* Creates a reporting token for tenant ("rpt_<id>_<secret>", in `a`), stores only a
 * keyed BLAKE2b hash of it (key from the JWT key). */
CS_MUST_CHECK int cs_rp_token_create(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const unsigned char *key32, int64_t now_ms,
                                     const char **token);
/* Checks tenant + token in constant time: 0 or CS_ERR_BAD_CREDENTIALS. */
CS_MUST_CHECK int cs_rp_token_verify(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const char *token, const unsigned char *key32);

/* ---- demo generator ---- */

struct cs_rp_demo {
    int days, agents;
    int64_t calls;
    uint64_t seed;
    int64_t end_ms; /* the generated window ends here (midnight UTC) */
    int64_t chats;  /* chats, from their own random stream: the calls do not change */
    /* Optional: called every few thousand contacts with (done, total) contacts. */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
};

/* Generates a deterministic contact centre into the store for tenant, in batches. */
CS_MUST_CHECK int cs_rp_demo_generate(struct cs_store *st, const char *tenant,
                                      const struct cs_rp_demo *d, int64_t now_ms, int64_t *written);

/* ---- the product's own chats (seed 003 sessions; rp_chat.c) ---- */

/* The tiers as agents of the reporting data: fixed ids, named by the tier. */
#define CS_RP_AGENT_AI_REP 900001
#define CS_RP_AGENT_AI_MANAGER 900002
#define CS_RP_AGENT_HUMAN 900003

/* The chat id of a session (a 52-bit hash of its id, >= 1). */
int64_t cs_rp_chat_id(const char *session_id);
/* Derives from a session document the chat record ([chat], one element) and the agent
 * activity of its human tier ([...], maybe empty), both arrays owned by `a`, in import
 * shape. A session without a customer message yet has no chat: both stay NULL and 0
 * is returned. CS_ERR_INVALID without an id or a session object. */
CS_MUST_CHECK int cs_rp_chat_of_session(struct cs_arena *a, const char *session_id,
                                        json_object *session, json_object **chat,
                                        json_object **activity);
/* Stages those records on `st`: the caller's next write of the session writes them in
 * the same store operation (one transaction on SQLite). */
CS_MUST_CHECK int cs_rp_chat_stage(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                   const char *session_id, json_object *session);

/* ---- review decisions as agent activity (rp_review.c) ---- */

/* The agent id of a reviewer (a token subject): 52 bits of BLAKE2b of
 * "reviewer:<subject>:0", plus one. */
int64_t cs_rp_reviewer_agent_id(const char *subject);
/* The agent activity of a decided review item (its stored body): one row, id from the
 * item id, agent the reviewer, status "In review", activity "review_<verdict>",
 * started_at the item's queued_at, ended_at its decided_at, duration the seconds
 * between, chat_id the chat of metadata.session_id when the item names one. Owned by
 * `a`. CS_ERR_INVALID for a body that is not a decided item. */
CS_MUST_CHECK int cs_rp_review_activity(struct cs_arena *a, const char *item_id,
                                        json_object *decided, json_object **records);
/* Stages that row on `st`: written with the decision in the same store operation. */
CS_MUST_CHECK int cs_rp_review_stage(struct cs_store *st, struct cs_arena *a, const char *tenant,
                                     const char *item_id, json_object *decided);

/* ---- HTTP helpers shared by the reporting functions ---- */

/* Basic (tenant:token) or Bearer authentication for the reporting family. */
int cs_rp_authenticate(struct cs_req *req, const char *user, const char *password);
/* Records the machine code and message in resp; returns `code` for the family's error
 * writer ({"error":{"code","message"}}). */
int cs_rp_fail(struct cs_resp *resp, int code, const char *code_name, const char *message);
/* A query parse failure as the family's error. */
int cs_rp_query_fail(struct cs_resp *resp, int code, const struct cs_rp_error *err);
/* Total, Per-Page and the RFC 8288 Link header (rel="next" while there is a next page,
 * rel="last" always) for a list answer. `end` describes the page's last row: its
 * updated_at and id make the keyset cursor when the list is sorted on updated_at. */
int cs_rp_page_headers(const struct cs_req *req, struct cs_resp *resp, const struct cs_rp_query *q,
                       int64_t total, const struct cs_rp_page_end *end);
/* Cold-start hook of the reporting functions: reads CS_REPORTING_RATE_LIMIT (requests
 * per second per tenant, default 10) and lets bodies up to CS_RP_IMPORT_MAX in. */
int cs_rp_init(struct cs_env *env);
/* The family's rate: that limit per 1-second window. */
int cs_rp_rate(const struct cs_req *req, struct cs_rate *out);
/* Imports may be written by a reporting token or an admin. */
bool cs_rp_may_write(const struct cs_req *req);
/* Canonical UTC rendering of ms. `out` >= 32 bytes. */
void cs_rp_time_str(int64_t ms, char *out);
/* ISO 8601 text to ms, as cs_time_parse_iso; the canonical form is read directly.
 * *canonical (may be NULL) tells whether `s` is exactly cs_rp_time_str's rendering. */
int cs_rp_time_ms(const char *s, int64_t *ms, bool *canonical);

/* A reusable text buffer (zero-initialised; cs_rp_text_free releases it). When `mark`
 * is an array inside the value written, span[2*i] and span[2*i+1] are where its element
 * i starts and ends in p (nspan elements): a call's participants are written once, in
 * the call, and their own rows are cut from there. */
struct cs_rp_text {
    char *p;
    size_t len, cap;
    json_object *mark;
    size_t *span, nspan, spancap;
};
/* t->p = the compact JSON of `o`, exactly as json-c's JSON_C_TO_STRING_PLAIN writes it. */
int cs_rp_json_text(struct cs_rp_text *t, json_object *o);
/* t->p = `n` bytes of JSON object text (`text`, ending in '}'). */
int cs_rp_json_set(struct cs_rp_text *t, const char *text, size_t n);
/* Adds "key":<v> as the last member of the object text in t, byte for byte what
 * serialising the object after json_object_object_add of a new key would give. */
int cs_rp_json_extend(struct cs_rp_text *t, const char *key, json_object *v);
void cs_rp_text_free(struct cs_rp_text *t);

#endif
