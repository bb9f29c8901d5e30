/* What the models say about a ticket: its triage (category, priority, sentiment) when a
 * source did not give them, and its escalation risk from stored facts. */
#include <stdio.h>
#include <string.h>

#include "cs/env.h"
#include "cs/escalation.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/sentiment.h"
#include "cs/store.h"
#include "cs/textfeat.h"
#include "cs/triage.h"

int cs_insights_policy_init(struct cs_env *env)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/policy/triage_default.json", env->cfg.data_dir);
    struct cs_triage_policy *p = NULL;
    int rc = cs_triage_policy_load(path, &p);
    env->triage_policy = p;
    return rc;
}

void cs_insights_policy_fini(struct cs_env *env)
{
    cs_triage_policy_destroy(env->triage_policy);
    env->triage_policy = NULL;
}

const char *cs_insights_priority_word(const char *p)
{
    if (!p) return "medium";
    if (strcmp(p, "P1") == 0) return "high";
    if (strcmp(p, "P3") == 0) return "low";
    if (strcmp(p, "P2") == 0) return "medium";
    return p;
}

bool cs_insights_priority_valid(const char *p)
{
    static const char *const ok[] = {"low", "medium", "high", "urgent"};
    for (size_t i = 0; p && i < sizeof(ok) / sizeof(*ok); i++)
        if (strcmp(p, ok[i]) == 0) return true;
    return false;
}

int cs_insights_classify(const struct cs_models *m, const void *policy, const char *text,
                         struct cs_insights_class *out)
{
    memset(out, 0, sizeof(*out));
    int rc = cs_triage_ticket(m, policy, text, strlen(text), &out->t);
    if (rc) return rc;
    out->open.category = out->t.category;
    out->open.priority = cs_insights_priority_word(out->t.priority);
    out->open.sentiment = out->t.sentiment;
    out->open.sentiment_score = out->t.sent.score;
    out->open.sentiment_level = (int)out->t.sent.level;
    return CS_OK;
}

/* Earlier tickets of the same customer: the "repeat_contact" fact. */
static int repeats(struct cs_store *st, const char *tenant, json_object *doc, int64_t *out)
{
    const char *cust = cs_json_get_str(doc, "customer_id");
    *out = 0;
    if (!cust) return CS_OK;
    struct cs_filter f[2] = {
        {"customer_id", CS_OP_EQ, cs_val_str(cust)},
        {"opened_ms", CS_OP_LT, cs_val_int(cs_json_get_int(doc, "opened_ms", 0))}};
    return cs_store_count(st, tenant, CS_INSIGHTS_TICKETS, f, 2, out);
}

int cs_insights_escalation_input(struct cs_store *st, const char *tenant, json_object *doc,
                                 int64_t now_ms, struct cs_escalation_input *in)
{
    memset(in, 0, sizeof(*in));
    double score = cs_json_get_double(doc, "sentiment_score", 0.5);
    int64_t level = cs_json_get_int(doc, "sentiment_level", CS_SENT_NEUTRAL);
    /* Stored values are checked like outside input. */
    if (!(score >= 0 && score <= 1) || level < CS_SENT_HAPPY || level > CS_SENT_IRATE)
        return CS_ERR_FORMAT;
    in->sentiment_score = (float)score;
    in->sentiment_level = (int)level;
    int64_t opened = cs_json_get_int(doc, "opened_ms", now_ms);
    json_object *fr;
    double wait_s = json_object_object_get_ex(doc, "first_reply_s", &fr)
                        ? json_object_get_double(fr)
                    : cs_json_get_int(doc, "open", 1) ? (double)(now_ms - opened) / 1000.0
                                                      : cs_json_get_double(doc, "resolution_s", 0);
    in->wait_minutes = (float)(wait_s > 0 ? wait_s / 60.0 : 0);
    int64_t r = 0;
    int rc = repeats(st, tenant, doc, &r);
    in->repeat_contacts = (int)(r > 1000 ? 1000 : r);
    return rc;
}

void cs_insights_escalation_fields_read(json_object *body, struct cs_escalation_input *in)
{
    in->repeat_contacts = (int)cs_json_get_int(body, "repeat_contacts", 0);
    in->wait_minutes = (float)cs_json_get_double(body, "wait_minutes", 0);
    in->refund_amount = (float)cs_json_get_double(body, "refund_amount", 0);
    in->tier_limit = (float)cs_json_get_double(body, "tier_limit", 0);
    in->vip = cs_json_get_bool(body, "vip", false);
}

void cs_insights_customer_id(const char *email, char *out, size_t cap)
{
    /* Case-folded so "John@x" and "john@x" are one customer; hashed so the insights
     * documents carry no contact data. */
    char low[320];
    size_t n = 0;
    for (; email && email[n] && n < sizeof(low); n++)
        low[n] = (char)((email[n] >= 'A' && email[n] <= 'Z') ? email[n] + 32 : email[n]);
    snprintf(out, cap, "CUST-%016llx", (unsigned long long)cs_textfeat_hash64(low, n));
}
