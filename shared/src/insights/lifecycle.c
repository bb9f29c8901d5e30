/* The ticket lifecycle: an event log per ticket and the fields derived from it
 * (cs/insights.h). Derivation is a replay of the whole log, so a field can never drift
 * from the events that justify it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"

static const char *const statuses[] = {"open", "pending", "solved", "closed", "reopened", NULL};

bool cs_ticket_status_valid(const char *s)
{
    for (size_t i = 0; s && statuses[i]; i++)
        if (strcmp(s, statuses[i]) == 0) return true;
    return false;
}

static bool is_resolved_status(const char *s)
{
    return s && (strcmp(s, "solved") == 0 || strcmp(s, "closed") == 0);
}

/* A change may say when it happened; up to a minute in the future is clock skew. */
#define SKEW_MS 60000

static int read_time(json_object *body, int64_t now_ms, int64_t *at, const char **why)
{
    json_object *v;
    *at = now_ms;
    if (!json_object_object_get_ex(body, "at", &v) || json_object_is_type(v, json_type_null))
        return CS_OK;
    if (!json_object_is_type(v, json_type_string) ||
        cs_time_parse_iso(json_object_get_string(v), at)) {
        *why = "Input should be an ISO-8601 time";
        return CS_ERR_VALIDATION;
    }
    if (*at > now_ms + SKEW_MS) {
        *why = "The change cannot be in the future";
        return CS_ERR_VALIDATION;
    }
    return CS_OK;
}

/* Reads an optional string field of at most `max` bytes. */
static int opt_str(json_object *body, const char *key, size_t max, const char **out,
                   const char **why)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(body, key, &v) || json_object_is_type(v, json_type_null))
        return CS_OK;
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
        (size_t)json_object_get_string_len(v) > max) {
        *why = "Input should be a non-empty string of at most 128 characters";
        return CS_ERR_VALIDATION;
    }
    *out = json_object_get_string(v);
    return CS_OK;
}

static int opt_bool(json_object *body, const char *key, bool *out, const char **why)
{
    json_object *v;
    *out = false;
    if (!json_object_object_get_ex(body, key, &v) || json_object_is_type(v, json_type_null))
        return CS_OK;
    if (!json_object_is_type(v, json_type_boolean)) {
        *why = "Input should be a valid boolean";
        return CS_ERR_VALIDATION;
    }
    *out = json_object_get_boolean(v);
    return CS_OK;
}

static int read_rating(json_object *body, int *out, const char **why)
{
    json_object *v;
    *out = 0;
    if (!json_object_object_get_ex(body, "csat_rating", &v) ||
        json_object_is_type(v, json_type_null))
        return CS_OK;
    int64_t r = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
    if (r < 1 || r > 5) {
        *why = "Input should be an integer from 1 to 5";
        return CS_ERR_VALIDATION;
    }
    *out = (int)r;
    return CS_OK;
}

int cs_ticket_change_read(json_object *body, int64_t now_ms, struct cs_ticket_change *out,
                          const char **field, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(body, json_type_object)) {
        *field = "body";
        *why = "Input should be a valid object";
        return CS_ERR_VALIDATION;
    }
    int rc;
    if ((rc = opt_str(body, "status", 16, &out->status, why)) ||
        (out->status && !cs_ticket_status_valid(out->status))) {
        *field = "status";
        *why = "Input should be 'open', 'pending', 'solved', 'closed' or 'reopened'";
        return CS_ERR_VALIDATION;
    }
    if ((rc = opt_str(body, "assignee", 128, &out->assignee, why))) return *field = "assignee", rc;
    if ((rc = opt_str(body, "assignee_name", 128, &out->assignee_name, why)))
        return *field = "assignee_name", rc;
    if ((rc = opt_bool(body, "agent_replied", &out->agent_replied, why)))
        return *field = "agent_replied", rc;
    if ((rc = opt_bool(body, "escalated", &out->escalated, why))) return *field = "escalated", rc;
    if ((rc = opt_bool(body, "churned", &out->churned, why))) return *field = "churned", rc;
    if ((rc = read_rating(body, &out->csat, why))) return *field = "csat_rating", rc;
    if ((rc = read_time(body, now_ms, &out->at_ms, why))) return *field = "at", rc;
    if (!out->status && !out->assignee && !out->assignee_name && !out->agent_replied &&
        !out->csat && !out->escalated && !out->churned) {
        *field = "body";
        *why = "Nothing to change: give status, assignee, agent_replied, csat_rating, escalated or "
               "churned";
        return CS_ERR_VALIDATION;
    }
    return CS_OK;
}

json_object *cs_ticket_doc_new(const struct cs_ticket_open *t)
{
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    cs_jb_str(&d, "ticket_id", t->ticket_id);
    if (t->subject) cs_jb_str(&d, "subject", t->subject);
    if (t->customer_id) cs_jb_str(&d, "customer_id", t->customer_id);
    cs_jb_str(&d, "category", t->category);
    cs_jb_str(&d, "priority", t->priority);
    cs_jb_str(&d, "sentiment", t->sentiment);
    cs_jb_double(&d, "sentiment_score", t->sentiment_score, 4);
    cs_jb_int(&d, "sentiment_level", t->sentiment_level);
    cs_jb_str(&d, "source", t->source);
    cs_jb_int(&d, "opened_ms", t->opened_ms);
    cs_jb_int(&d, "opened_hour", (t->opened_ms / 3600000) % 24);
    cs_jb_str(&d, "status", "open");
    cs_jb_int(&d, "open", 1);
    cs_jb_int(&d, "replies", 0);
    cs_jb_int(&d, "escalated", 0);
    cs_jb_int(&d, "reopened", 0);
    cs_jb_int(&d, "churned", 0);
    cs_jb_add(&d, "events", json_object_new_array());
    return cs_jb_take(&d);
}

/* ---- replay ---- */

struct state {
    int64_t opened, last_at;
    const char *status, *assignee, *assignee_name;
    int replies, reopened, csat;
    int64_t first_reply_ms, resolved_ms; /* -1: none */
    bool escalated, churned;
};

static const char *ev_str(json_object *e, const char *k) { return cs_json_get_str(e, k); }

/* Folds one event into the state; the rules of cs_ticket_apply. */
static int fold(struct state *s, json_object *e, const char **why)
{
    int64_t at = cs_json_get_int(e, "at_ms", 0);
    if (at < s->opened)
        return *why = "The change is earlier than the ticket's opening", CS_ERR_VALIDATION;
    if (at < s->last_at)
        return *why = "The change is earlier than the ticket's last change", CS_ERR_VALIDATION;
    s->last_at = at;
    if (ev_str(e, "assignee")) s->assignee = ev_str(e, "assignee");
    if (ev_str(e, "assignee_name")) s->assignee_name = ev_str(e, "assignee_name");
    if (cs_json_get_bool(e, "agent_replied", false)) {
        if (s->first_reply_ms < 0) s->first_reply_ms = at;
        s->replies++;
    }
    if (cs_json_get_bool(e, "escalated", false)) s->escalated = true;
    if (cs_json_get_bool(e, "churned", false)) s->churned = true;
    int r = (int)cs_json_get_int(e, "csat_rating", 0);
    if (r) s->csat = r;
    const char *st = ev_str(e, "status");
    if (!st) return CS_OK;
    bool was = s->resolved_ms >= 0, now = is_resolved_status(st);
    if (strcmp(st, "reopened") == 0 && !was)
        return *why = "Only a solved or closed ticket can be reopened", CS_ERR_VALIDATION;
    if (was && !now) { /* any way back from solved/closed is a reopening */
        s->reopened++;
        s->resolved_ms = -1;
    } else if (!was && now) {
        s->resolved_ms = at;
    }
    s->status = st;
    return CS_OK;
}

static int put_derived(json_object *obj, const struct state *s)
{
    static const char *const derived[] = {"first_reply_s", "resolved_ms",  "resolution_s",
                                          "fcr",           "csat",         "csat_satisfied",
                                          "assignee",      "assignee_name"};
    for (size_t i = 0; i < sizeof(derived) / sizeof(*derived); i++)
        json_object_object_del(obj, derived[i]);
    struct cs_jb d;
    cs_jb_init(&d, obj);
    cs_jb_str(&d, "status", s->status);
    cs_jb_int(&d, "open", s->resolved_ms < 0);
    cs_jb_int(&d, "replies", s->replies);
    cs_jb_int(&d, "reopened", s->reopened);
    cs_jb_int(&d, "escalated", s->escalated);
    cs_jb_int(&d, "churned", s->churned);
    if (s->assignee) cs_jb_str(&d, "assignee", s->assignee);
    if (s->assignee_name) cs_jb_str(&d, "assignee_name", s->assignee_name);
    if (s->first_reply_ms >= 0)
        cs_jb_double(&d, "first_reply_s", (double)(s->first_reply_ms - s->opened) / 1000.0, 3);
    if (s->resolved_ms >= 0) {
        cs_jb_int(&d, "resolved_ms", s->resolved_ms);
        cs_jb_double(&d, "resolution_s", (double)(s->resolved_ms - s->opened) / 1000.0, 3);
        /* First-contact resolution: solved on the first agent reply (or none), never
         * bounced back, never handed up. */
        cs_jb_int(&d, "fcr", s->replies <= 1 && s->reopened == 0 && !s->escalated);
    }
    if (s->csat) {
        cs_jb_int(&d, "csat", s->csat);
        cs_jb_int(&d, "csat_satisfied", s->csat >= CS_INSIGHTS_CSAT_SATISFIED);
    }
    return cs_jb_done(&d);
}

static json_object *event_json(const struct cs_ticket_change *c)
{
    struct cs_jb e;
    cs_jb_init(&e, json_object_new_object());
    cs_jb_int(&e, "at_ms", c->at_ms);
    if (c->status) cs_jb_str(&e, "status", c->status);
    if (c->assignee) cs_jb_str(&e, "assignee", c->assignee);
    if (c->assignee_name) cs_jb_str(&e, "assignee_name", c->assignee_name);
    if (c->agent_replied) cs_jb_bool(&e, "agent_replied", true);
    if (c->csat) cs_jb_int(&e, "csat_rating", c->csat);
    if (c->escalated) cs_jb_bool(&e, "escalated", true);
    if (c->churned) cs_jb_bool(&e, "churned", true);
    return cs_jb_take(&e);
}

int cs_ticket_apply(json_object *doc, const struct cs_ticket_change *c, const char **why)
{
    json_object *events;
    if (!json_object_object_get_ex(doc, "events", &events) ||
        !json_object_is_type(events, json_type_array))
        return *why = "Stored ticket has no event log", CS_ERR_FORMAT;
    size_t n = json_object_array_length(events);
    if (n >= CS_INSIGHTS_MAX_EVENTS)
        return *why = "The ticket's event log is full", CS_ERR_VALIDATION;
    struct state s = {.opened = cs_json_get_int(doc, "opened_ms", 0),
                      .status = "open",
                      .first_reply_ms = -1,
                      .resolved_ms = -1};
    s.last_at = s.opened;
    json_object *e = event_json(c);
    if (!e) return CS_ERR_NOMEM;
    int rc = CS_OK;
    for (size_t i = 0; !rc && i < n; i++) rc = fold(&s, json_object_array_get_idx(events, i), why);
    if (!rc) rc = fold(&s, e, why);
    /* The strings in `s` point into the events, so the derived fields are written
     * before the new event's reference moves into the log. */
    json_object *copy = NULL;
    if (!rc && json_object_deep_copy(doc, &copy, NULL) != 0) rc = CS_ERR_NOMEM;
    if (!rc) rc = put_derived(copy, &s);
    if (!rc) {
        /* Commit: swap the recomputed fields into doc, then append the event. */
        json_object_object_foreach(copy, k, v) json_object_object_add(doc, k, json_object_get(v));
        json_object *ev2;
        json_object_object_get_ex(doc, "events", &ev2);
        static const char *const derived[] = {"first_reply_s", "resolved_ms",  "resolution_s",
                                              "fcr",           "csat",         "csat_satisfied",
                                              "assignee",      "assignee_name"};
        for (size_t i = 0; i < sizeof(derived) / sizeof(*derived); i++)
            if (!json_object_object_get_ex(copy, derived[i], NULL))
                json_object_object_del(doc, derived[i]);
        rc = json_object_array_add(ev2, e) ? CS_ERR_NOMEM : CS_OK;
        if (!rc) e = NULL;
    }
    json_object_put(copy);
    json_object_put(e);
    return rc;
}
