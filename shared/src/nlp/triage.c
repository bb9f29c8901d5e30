/* Ticket triage (cs/triage.h): category model, cue rules for priority and escalation,
 * sentiment, language, and the policy's routes. */
#include <stdio.h>
#include <string.h>

#include "cs/intent.h"
#include "nlp/triage_int.h"

/* LABELLING.md section 2: a charge under 10 in the customer's currency is P3. */
#define TRIAGE_SMALL_AMOUNT 10.0
/* The impact model may raise to P2 only with this probability of P1 + P2: below it the
 * rules alone decide (chosen by cross-validation on the training corpus, see
 * data/models/README.md). */
#define TRIAGE_IMPACT_MIN 0.5f

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int classify_category(const struct cs_models *m, const struct cs_triage_policy *p,
                             const char *text, size_t len, struct cs_triage *out)
{
    const struct cs_model *cm = cs_models_get(m, p->category_model);
    if (!cm) return CS_ERR_NOT_FOUND;
    struct cs_model_pred pred;
    int rc = cs_model_predict_text(cm, text, len, cs_models_scratch(), &pred);
    if (rc != CS_OK) return rc;
    int c = cs_triage_category_parse(cs_model_label(cm, pred.top));
    if (c < 0) return CS_ERR_FORMAT; /* a model whose labels are not the ten codes */
    out->cat = (enum cs_triage_category)c;
    out->confidence = pred.confidence;
    return CS_OK;
}

/* Probability the impact model gives P1 or P2 (0 without the model). */
static int impact(const struct cs_models *m, const struct cs_triage_policy *p, const char *text,
                  size_t len, float *out)
{
    *out = 0.0f;
    if (!p->priority_model[0]) return CS_OK;
    const struct cs_model *pm = cs_models_get(m, p->priority_model);
    if (!pm) return CS_ERR_NOT_FOUND;
    struct cs_model_pred pred;
    int rc = cs_model_predict_text(pm, text, len, cs_models_scratch(), &pred);
    int p1 = cs_model_label_index(pm, "P1"), p2 = cs_model_label_index(pm, "P2");
    if (rc == CS_OK && (p1 < 0 || p2 < 0)) rc = CS_ERR_FORMAT;
    if (rc == CS_OK) *out = pred.prob[p1] + pred.prob[p2];
    return rc;
}

/* The subcategory: the intent's when the intent model is confident and its intent
 * belongs to the category the category model chose; else the category's default. */
static int subcategory(const struct cs_models *m, const struct cs_triage_policy *p,
                       const char *text, size_t len, struct cs_triage *out)
{
    const struct cs_triage_route *r = &p->cats[out->cat];
    set_str(out->subcategory, sizeof(out->subcategory), r->subcategory);
    if (p->n_models == 0) return CS_OK;
    struct cs_intent in;
    int rc = p->has_gate ? cs_intent_classify_gated(m, p->model_ptr, p->gate, text, len, &in)
                         : cs_intent_classify(m, p->model_ptr, text, len, &in);
    if (rc != CS_OK) return rc;
    set_str(out->intent, sizeof(out->intent), in.intent);
    set_str(out->intent_model, sizeof(out->intent_model), in.model);
    out->intent_confidence = in.confidence;
    const struct triage_intent_route *ir = triage_policy_intent(p, in.intent);
    if (ir && ir->cat == out->cat && in.confidence >= p->sub_min_conf)
        set_str(out->subcategory, sizeof(out->subcategory), ir->r.subcategory);
    return CS_OK;
}

/* LABELLING.md section 2, highest level any rule gives; tone never counts by itself
 * (the sentiment level only qualifies a stated repeat contact). */
static int priority(const struct cs_triage *t, float impact_p)
{
    const struct cs_cues *c = &t->cues;
    if (c->security || c->safety || c->outage || c->legal) return 1;
    int repeat = c->earlier_contacts >= 2 && t->sent.level >= CS_SENT_FRUSTRATED;
    if (c->social || c->deadline || repeat) return 2;
    /* Money or access blocked for one customer: the impact model reads the situation
     * ("charged twice", "refund still missing", "locked out"); a stated charge under 10
     * is P3 whatever the model says. */
    int small_charge = t->cat == CS_CAT_BILLING && t->amount >= 0.0 && t->amount < TRIAGE_SMALL_AMOUNT;
    if (impact_p >= TRIAGE_IMPACT_MIN && !small_charge) return 2;
    return 3;
}

static const char *priority_reason(const struct cs_cues *c, int prio)
{
    if (c->security) return "security incident";
    if (c->safety) return "safety";
    if (c->outage) return "outage";
    if (c->legal) return "legal threat";
    if (prio == 1) return "impact";
    if (c->social) return "public threat";
    if (c->deadline) return "deadline";
    if (c->earlier_contacts >= 2) return "repeat contact";
    return prio == 2 ? "money or access blocked" : "standard";
}

static void route(const struct cs_triage_policy *p, int prio, struct cs_triage *out)
{
    const struct cs_triage_route *r = &p->cats[out->cat];
    set_str(out->category, sizeof(out->category), r->category);
    set_str(out->category_code, sizeof(out->category_code), r->code);
    const char *team = r->team;
    if (out->cues.security && p->security_team[0]) team = p->security_team;
    set_str(out->suggested_team, sizeof(out->suggested_team), team);
    out->priority[0] = 'P';
    out->priority[1] = (char)('0' + prio);
    out->priority[2] = '\0';
    out->priority_reason = priority_reason(&out->cues, prio);
    int sla = r->sla_hours;
    if (p->sla_by_priority[prio] < sla) sla = p->sla_by_priority[prio];
    out->sla_hours = sla;
}

int cs_triage_ticket(const struct cs_models *m, const struct cs_triage_policy *p,
                     const char *text, size_t len, struct cs_triage *out)
{
    if (!m || !p || !out || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!text) text = "";
    int rc = classify_category(m, p, text, len, out);
    if (rc == CS_OK) rc = cs_sentiment_analyze(m, text, len, &out->sent);
    float impact_p = 0.0f;
    if (rc == CS_OK) rc = impact(m, p, text, len, &impact_p);
    if (rc == CS_OK) rc = subcategory(m, p, text, len, out);
    struct cs_lang_result lr;
    if (rc == CS_OK && p->lang && (rc = cs_lang_detect(p->lang, text, len, &lr)) == CS_OK) {
        set_str(out->language, sizeof(out->language), lr.code);
        out->language_confidence = lr.confidence;
    }
    if (rc != CS_OK) return rc;
    set_str(out->sentiment, sizeof(out->sentiment), out->sent.label);
    cs_cues_scan(text, len, &out->cues);
    enum cs_esc_reason why = cs_cues_reason(&out->cues, out->sent.level);
    out->escalation_needed = why != CS_ESC_NONE;
    out->escalation_reason = cs_esc_reason_name(why);
    out->amount = cs_triage_amount(text, len);
    route(p, priority(out, impact_p), out);
    return CS_OK;
}
