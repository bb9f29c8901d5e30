/* Ticket triage (cs/triage.h): category model, cue rules for priority and escalation,
 * sentiment, language, and the policy's routes. */
#include <stdio.h>
#include <string.h>

#include "cs/intent.h"
#include "nlp/triage_int.h"

/* LABELLING.md section 2: a charge under 10 in the customer's currency is P3. */
#define TRIAGE_SMALL_AMOUNT 10.0

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Text for `model`: glossed when it was trained on glossed text (cs_triage_gloss). */
struct model_text {
    const char *text;
    size_t len;
    size_t glossed_len; /* 0 until buf holds the glossed ticket (both models share it) */
    char buf[CS_TEXTFEAT_MAX_BYTES + 1024];
};

static void text_for(const struct cs_model *model, const char *text, size_t len,
                     struct model_text *mt)
{
    const char *meta = cs_model_metadata(model);
    if (meta && strstr(meta, "\"gloss\":true")) {
        size_t n = len > CS_TEXTFEAT_MAX_BYTES ? CS_TEXTFEAT_MAX_BYTES : len;
        if (!mt->glossed_len) mt->glossed_len = cs_triage_gloss(text, n, mt->buf, sizeof(mt->buf));
        mt->len = mt->glossed_len;
        mt->text = mt->buf;
    } else {
        mt->text = text;
        mt->len = len;
    }
}

static int classify_category(const struct cs_models *m, const struct cs_triage_policy *p,
                             const char *text, size_t len, struct model_text *mt,
                             struct cs_triage *out)
{
    const struct cs_model *cm = cs_models_get(m, p->category_model);
    if (!cm) return CS_ERR_NOT_FOUND;
    struct cs_model_pred pred;
    text_for(cm, text, len, mt);
    int rc = cs_model_predict_text(cm, mt->text, mt->len, cs_models_scratch(), &pred);
    if (rc != CS_OK) return rc;
    int c = cs_triage_category_parse(cs_model_label(cm, pred.top));
    if (c < 0) return CS_ERR_FORMAT; /* a model whose labels are not the ten codes */
    out->cat = (enum cs_triage_category)c;
    out->confidence = pred.confidence;
    return CS_OK;
}

/* The impact model's P(P1) and P(P1) + P(P2) into out (0 without the model). */
static int impact(const struct cs_models *m, const struct cs_triage_policy *p, const char *text,
                  size_t len, struct model_text *mt, struct cs_triage *out)
{
    if (!p->priority_model[0]) return CS_OK;
    const struct cs_model *pm = cs_models_get(m, p->priority_model);
    if (!pm) return CS_ERR_NOT_FOUND;
    struct cs_model_pred pred;
    text_for(pm, text, len, mt);
    int rc = cs_model_predict_text(pm, mt->text, mt->len, cs_models_scratch(), &pred);
    int p1 = cs_model_label_index(pm, "P1"), p2 = cs_model_label_index(pm, "P2");
    if (rc == CS_OK && (p1 < 0 || p2 < 0)) rc = CS_ERR_FORMAT;
    if (rc == CS_OK)
        out->impact_p1 = pred.prob[p1], out->impact_p12 = pred.prob[p1] + pred.prob[p2];
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
 * (the sentiment level only qualifies a stated repeat contact). The cue rules read the
 * explicit signals; the impact model, trained on the labelled tickets' priorities,
 * reads the situations the cues do not name ("charged twice", "refund still missing",
 * "locked out", "payroll failed"), above the policy's thresholds (chosen by 5-fold CV on
 * the training tickets, data/models/README.md). */
static int priority(const struct cs_triage_policy *p, const struct cs_triage *t, const char **why)
{
    const struct cs_cues *c = &t->cues;
    *why = c->security ? "security incident"
           : c->safety ? "safety"
           : c->outage ? "outage"
           : c->legal  ? "legal threat"
                       : NULL;
    if (*why) return 1;
    if (t->impact_p1 >= p->impact_p1) {
        *why = "impact";
        return 1;
    }
    int repeat = c->earlier_contacts >= 2 && t->sent.level >= CS_SENT_FRUSTRATED;
    *why = c->social     ? "public threat"
           : c->deadline ? "deadline"
           : repeat      ? "repeat contact"
                         : NULL;
    if (*why) return 2;
    /* a stated charge under 10 is P3 whatever the model says */
    int small_charge =
        t->cat == CS_CAT_BILLING && t->amount >= 0.0 && t->amount < TRIAGE_SMALL_AMOUNT;
    int blocked = t->impact_p12 >= p->impact_p2 && !small_charge;
    *why = blocked ? "money or access blocked" : "standard";
    return blocked ? 2 : 3;
}

void triage_finish(const struct cs_triage_policy *p, struct cs_triage *out)
{
    const char *why = NULL;
    int prio = priority(p, out, &why);
    const struct cs_triage_route *r = &p->cats[out->cat];
    set_str(out->category, sizeof(out->category), r->category);
    set_str(out->category_code, sizeof(out->category_code), r->code);
    const char *team = r->team;
    if (out->cues.security && p->security_team[0]) team = p->security_team;
    set_str(out->suggested_team, sizeof(out->suggested_team), team);
    out->priority[0] = 'P';
    out->priority[1] = (char)('0' + prio);
    out->priority[2] = '\0';
    out->priority_reason = why;
    int sla = r->sla_hours;
    if (p->sla_by_priority[prio] < sla) sla = p->sla_by_priority[prio];
    out->sla_hours = sla;
}

int cs_triage_ticket(const struct cs_models *m, const struct cs_triage_policy *p, const char *text,
                     size_t len, struct cs_triage *out)
{
    if (!m || !p || !out || (!text && len)) return CS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (!text) text = "";
    struct model_text mt; /* ~5 KiB of stack: no allocation on the request path */
    mt.glossed_len = 0;
    int rc = classify_category(m, p, text, len, &mt, out);
    if (rc == CS_OK) rc = cs_sentiment_analyze_cues(m, text, len, &out->sent, &out->cues);
    if (rc == CS_OK) rc = impact(m, p, text, len, &mt, out);
    if (rc == CS_OK) rc = subcategory(m, p, text, len, out);
    struct cs_lang_result lr;
    if (rc == CS_OK && p->lang && (rc = cs_lang_detect(p->lang, text, len, &lr)) == CS_OK) {
        set_str(out->language, sizeof(out->language), lr.code);
        out->language_confidence = lr.confidence;
    }
    if (rc != CS_OK) return rc;
    set_str(out->sentiment, sizeof(out->sentiment), out->sent.label);
    enum cs_esc_reason esc = cs_cues_reason(&out->cues, out->sent.level);
    out->escalation_needed = esc != CS_ESC_NONE;
    out->escalation_reason = cs_esc_reason_name(esc);
    out->amount = cs_triage_amount(text, len);
    out->category_source = "builtin";
    triage_finish(p, out);
    return CS_OK;
}
