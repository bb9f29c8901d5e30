/* The topic of a session the client gave no issueCategory: the customer's first message
 * triaged as a ticket is (cs_triage_ticket with the tenant's deployed models, as
 * tickets-process does), kept only when the category model is sure of a specific topic.
 * Help desks do the same (Zendesk's intelligent triage, Intercom's conversation topics):
 * the first message states the issue; later ones answer questions about it. */
#include "cs/session.h"

#include <string.h>

#include "cs/env.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/triage.h"

/* True when no customer message precedes this one: the only message triaged. */
static bool first_customer_message(const struct cs_session *s)
{
    size_t n = json_object_array_length(s->messages);
    for (size_t i = 0; i < n; i++) {
        const char *role = cs_json_get_str(json_object_array_get_idx(s->messages, i), "role");
        if (role && strcmp(role, "customer") == 0) return false;
    }
    return true;
}

bool cs_session_topic_wanted(const struct cs_session *s)
{
    return !cs_json_get_str(s->doc.body, "issueCategory") && first_customer_message(s);
}

int cs_session_topic_triage(const struct cs_req *req, const char *text,
                            struct cs_session_topic *out)
{
    if (out->done) return CS_OK;
    const struct cs_triage_policy *policy = req->env->triage_policy;
    if (!policy || !req->env->models) {
        out->done = true; /* a caller without the policy (cs_insights_policy_init) */
        return CS_OK;
    }
    const struct cs_models *models;
    struct cs_ml_served served[2];
    const char *tasks[2];
    size_t nserved = 0;
    struct cs_triage t;
    int rc = cs_ml_models_for(req, &models, served, tasks, &nserved);
    if (!rc) rc = cs_triage_ticket(models, policy, text, strlen(text), &t);
    if (rc) return rc;
    out->done = true;
    out->confidence = t.confidence;
    /* GENERAL_INQUIRY is the catch-all (greetings, chit-chat): no topic to name. */
    if (t.cat != CS_CAT_GENERAL_INQUIRY && t.confidence >= CS_SESSION_TOPIC_MIN_CONFIDENCE)
        out->code = cs_triage_category_code(t.cat);
    return CS_OK;
}
