/* POST /api/v1/tickets/process: triage (intent + sentiment models and the triage
 * policy), retrieval of knowledge-base passages, an extractive draft that cites only
 * the passages it quotes, and a policy check of that draft. The processed ticket is
 * stored so that /api/v1/tickets/metrics can report on it. */
#include "handler.h"

#include <stdio.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/draft.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/notify.h"
#include "cs/policy.h"
#include "cs/retrieval.h"
#include "cs/store.h"
#include "cs/triage.h"

#define PASSAGES 5
#define TICKETS "tickets"

/* The language list ships in data/triage; its fingerprints come from Debian's
 * libexttextcat-data, or from data/triage/lang/ where a Lambda zip carries copies. */
static int open_lang(const char *data_dir, struct cs_lang **out)
{
    char conf[4096], dir[4096], probe[4200];
    snprintf(conf, sizeof(conf), "%s/triage/languages.conf", data_dir);
    snprintf(dir, sizeof(dir), "%s/triage/lang", data_dir);
    snprintf(probe, sizeof(probe), "%s/en.lm", dir);
    FILE *f = fopen(probe, "rb");
    if (f) fclose(f);
    return cs_lang_open(conf, f ? dir : "/usr/share/libexttextcat", out);
}

/* The tenant policy as every triage function loads it (cs_insights_policy_init), plus
 * the language detector only this answer reports. */
CS_INIT(fn_tickets_process_init)
{
    int rc = cs_insights_policy_init(env);
    struct cs_lang *lang = NULL;
    if (rc == CS_OK) rc = open_lang(env->cfg.data_dir, &lang);
    if (rc == CS_OK) cs_triage_policy_set_lang(env->triage_policy, lang);
    return rc;
}

void fn_tickets_process_fini(struct cs_env *env) { cs_insights_policy_fini(env); }

/* The builders below fill a child cs_jb that the caller nests (cs_jb_nest takes the
 * object or the first failure). */
static void triage_json(struct cs_jb *b, const struct cs_triage *t)
{
    cs_jb_init(b, json_object_new_object());
    cs_jb_str(b, "category", t->category);
    cs_jb_str(b, "subcategory", t->subcategory);
    cs_jb_str(b, "priority", t->priority);
    cs_jb_int(b, "sla_hours", t->sla_hours);
    cs_jb_str(b, "suggested_team", t->suggested_team);
    cs_jb_str(b, "sentiment", t->sentiment);
    cs_jb_double(b, "confidence", t->confidence, 2);
    /* As Zendesk's intelligent triage: the detected language and how sure. */
    cs_jb_str(b, "language", t->language);
    cs_jb_double(b, "language_confidence", t->language_confidence, 2);
    if (t->category_source && strcmp(t->category_source, "builtin") != 0)
        cs_jb_str(b, "provider", t->category_source);
}

static void draft_json(struct cs_jb *b, const struct cs_draft *d)
{
    cs_jb_init(b, json_object_new_object());
    cs_jb_str(b, "greeting", d->greeting);
    cs_jb_str(b, "body", d->body);
    cs_jb_str(b, "closing", d->closing);
    cs_jb_str(b, "tone", d->tone);
}

/* Only the passages the draft quotes are cited, in the order it first quotes them. */
static json_object *citations_json(const struct cs_draft *d, const struct cs_passage *p)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < d->n_used; i++) {
        const struct cs_passage *x = &p[d->used[i]];
        struct cs_jb c;
        cs_jb_init(&c, json_object_new_object());
        cs_jb_str(&c, "doc_id", x->doc_id);
        cs_jb_str(&c, "chunk_id", x->chunk_id);
        cs_jb_str(&c, "title", x->title);
        cs_jb_double(&c, "score", x->score, 2);
        cs_jb_str(&c, "url", x->url ? x->url : "");
        int rc = cs_jb_done(&c);
        if (!rc && json_object_array_add(arr, c.obj) != 0) rc = CS_ERR_NOMEM;
        if (rc) {
            json_object_put(c.obj);
            json_object_put(arr);
            return NULL;
        }
    }
    return arr;
}

/* escalation_needed and its reason are triage's (LABELLING.md section 3 through
 * cs_cues_reason), not the draft check's. */
static json_object *issues_json(const struct cs_policy_result *r)
{
    json_object *issues = json_object_new_array();
    for (size_t i = 0; issues && i < r->n_issues; i++) {
        json_object *s = json_object_new_string(r->issues[i]);
        if (!s || json_object_array_add(issues, s) != 0) {
            json_object_put(s);
            json_object_put(issues);
            return NULL;
        }
    }
    return issues;
}

static void policy_json(struct cs_jb *b, const struct cs_policy_result *r,
                        const struct cs_triage *t)
{
    cs_jb_init(b, json_object_new_object());
    cs_jb_bool(b, "refund_promise", r->refund_promise);
    cs_jb_bool(b, "sla_mentioned", r->sla_mentioned);
    cs_jb_bool(b, "escalation_needed", t->escalation_needed);
    cs_jb_str(b, "escalation_reason", t->escalation_reason); /* NULL: JSON null */
    cs_jb_str(b, "compliance", cs_policy_compliance_name(r->compliance));
    if (r->n_issues)
        cs_jb_add(b, "issues", issues_json(r));
    else
        cs_jb_null(b, "issues");
}

struct processed {
    const char *ticket_id, *message, *name;
    struct cs_triage triage;
    struct cs_ml_served served[2]; /* the tenant's deployed models triage used (issue 18) */
    const char *served_task[2];
    size_t nserved;
    struct cs_passage *passages;
    size_t npassages;
    struct cs_draft draft;
    struct cs_policy_result policy;
};

/* A tenant whose default provider is a hosted LLM gets its category, the built-in answer
 * standing on any error or answer outside the taxonomy. Such a call may take seconds:
 * this request's store work so far is committed first and the group-commit scope opened
 * again after, so that neither the process's shared transaction nor SQLite's write lock
 * is held across it (cs/store.h, request scope). Tenants without one pay nothing. */
static int ask_provider(const struct cs_req *req, const struct cs_triage_policy *policy,
                        struct processed *p)
{
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "triage", &call);
    if (!req->env->ai || !cs_ai_hosted_default(&call, CS_AI_CAP_CLASSIFY)) return CS_OK;
    int rc = cs_store_scope_end(req->store);
    if (!rc) rc = cs_triage_ask_provider(req, policy, p->message, &p->triage);
    cs_store_scope_begin(req->store);
    return rc;
}

static int analyse(const struct cs_req *req, struct processed *p)
{
    const struct cs_triage_policy *policy = req->env->triage_policy;
    const struct cs_models *models;
    int rc = cs_ml_models_for(req, &models, p->served, p->served_task, &p->nserved);
    if (!rc) rc = cs_triage_ticket(models, policy, p->message, strlen(p->message), &p->triage);
    if (!rc) rc = ask_provider(req, policy, p);
    struct cs_retrieval_hints hints = {p->triage.category_code, p->triage.confidence};
    if (!rc)
        rc = cs_retrieval_search_hinted(req->store, req->arena, req->auth.tenant, p->message,
                                        &hints, PASSAGES, &p->passages, &p->npassages);
    if (rc) return rc;
    const char *kb_texts[PASSAGES];
    for (size_t i = 0; i < p->npassages; i++) kb_texts[i] = p->passages[i].text;
    struct cs_draft_input in = {
        .customer_name = p->name,
        .ticket_text = p->message,
        .query_terms = cs_retrieval_expand(req->arena, p->message),
        .triage = cs_draft_triage_of(&p->triage),
        .passages = p->passages,
        .n_passages = p->npassages,
    };
    rc = cs_draft_build(req->arena, &in, NULL, &p->draft);
    /* An AI draft has no refund authority: any promise of money fails the check. The
     * knowledge base's own contact addresses, quoted from the passages, are not a leak;
     * any other address in the draft is. */
    struct cs_policy_opts opts = {.refund_limit = 0,
                                  .allowed_email_domains = NULL,
                                  .allowed_email_sources = kb_texts,
                                  .n_allowed_email_sources = p->npassages};
    if (!rc) rc = cs_policy_check(p->draft.body, p->message, &opts, &p->policy);
    return rc;
}

/* Beyond the seed: which of the tenant's deployed models triage used, by task. */
static void served_json(struct cs_jb *b, const struct processed *p)
{
    cs_jb_init(b, json_object_new_object());
    for (size_t i = 0; i < p->nserved; i++) {
        struct cs_jb m;
        cs_jb_init(&m, json_object_new_object());
        cs_jb_str(&m, "deployment", p->served[i].deployment);
        cs_jb_str(&m, "model_id", p->served[i].model_id);
        cs_jb_nest(b, p->served_task[i], &m);
    }
}

static json_object *result_json(const struct cs_req *req, const struct processed *p)
{
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_OFFSET_US, ts);
    struct cs_jb r, child;
    cs_jb_init(&r, json_object_new_object());
    cs_jb_str(&r, "ticket_id", p->ticket_id);
    cs_jb_str(&r, "timestamp", ts);
    triage_json(&child, &p->triage);
    cs_jb_nest(&r, "triage", &child);
    draft_json(&child, &p->draft);
    cs_jb_nest(&r, "answer_draft", &child);
    cs_jb_add(&r, "citations", citations_json(&p->draft, p->passages));
    policy_json(&child, &p->policy, &p->triage);
    cs_jb_nest(&r, "policy_check", &child);
    if (p->nserved) {
        served_json(&child, p);
        cs_jb_nest(&r, "tenant_models", &child);
    }
    if (cs_jb_done(&r)) {
        json_object_put(r.obj);
        return NULL;
    }
    return r.obj;
}

/* What metrics aggregate over, beside the full result. */
static int stored_doc(const struct cs_req *req, const struct processed *p, json_object *result,
                      double elapsed_ms, json_object **out)
{
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_ref(&d, "result", result);
    cs_jb_str(&d, "customer_email", cs_json_get_str(req->json, "customer_email"));
    cs_jb_str(&d, "customer_name", p->name);
    cs_jb_str(&d, "intent", p->triage.intent);
    cs_jb_str(&d, "category", p->triage.category);
    cs_jb_str(&d, "priority", p->triage.priority);
    cs_jb_str(&d, "sentiment", p->triage.sentiment);
    cs_jb_str(&d, "sentiment_level", p->triage.sent.level_name);
    cs_jb_double(&d, "sentiment_score", p->triage.sent.score, 4);
    cs_jb_double(&d, "confidence", p->triage.confidence, 4);
    cs_jb_bool(&d, "escalation_needed", p->triage.escalation_needed);
    cs_jb_str(&d, "language", p->triage.language);
    cs_jb_str(&d, "compliance", cs_policy_compliance_name(p->policy.compliance));
    cs_jb_bool(&d, "kb_answer", p->draft.kb_answer);
    cs_jb_double(&d, "processing_ms", elapsed_ms, 3);
    *out = d.obj;
    return cs_jb_done(&d);
}

/* ticket.created for webhook subscribers, staged so that the insert writes it in the
 * same transaction (cs/notify.h). Triage fields only: no customer contact data. */
static int stage_created(const struct cs_req *req, const char *id, json_object *doc)
{
    struct cs_jb data;
    cs_jb_init(&data, cs_json_object(req->arena));
    static const char *const keys[] = {"category", "priority", "sentiment", "intent"};
    cs_jb_str(&data, "ticket_id", id);
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        cs_jb_str(&data, keys[i], cs_json_get_str(doc, keys[i]));
    cs_jb_bool(&data, "escalation_needed", cs_json_get_bool(doc, "escalation_needed", false));
    int rc = cs_jb_done(&data);
    if (!rc)
        rc = cs_notify_stage(req->store, req->arena, req->auth.tenant, "ticket.created", data.obj,
                             req->now_ms, NULL);
    if (rc) cs_store_unstage(req->store); /* no half-announced ticket */
    return rc;
}

/* Re-processing a ticket id replaces the stored result (a new version). Most tickets
 * are new, so the insert goes first (carrying ticket.created) and a taken id falls back
 * to a versioned update, which announces nothing. */
struct ticket_put {
    const struct cs_req *req;
    json_object *doc;
};

/* An insert announces the ticket; a replacement announces nothing. */
static int put_ticket(void *ctx, struct cs_doc *d)
{
    const struct ticket_put *x = ctx;
    bool created = d->version == 0;
    d->body = x->doc;
    return created ? stage_created(x->req, d->id, x->doc) : CS_OK;
}

static int store_ticket(const struct cs_req *req, const char *id, json_object *doc)
{
    struct ticket_put x = {.req = req, .doc = doc};
    const struct cs_store_modify m = {.tenant = req->auth.tenant,
                                      .coll = TICKETS,
                                      .id = id,
                                      .flags = CS_MODIFY_CREATE | CS_MODIFY_INSERT_FIRST,
                                      .mutate = put_ticket,
                                      .ctx = &x,
                                      .now_ms = req->now_ms};
    return cs_store_modify(req->store, req->arena, &m, NULL);
}

/* The ticket's lifecycle record for the customer insights (cs/insights.h); its write
 * carries the arrival's alerts (sentiment.alert, sla.breach_risk, churn.detected), once
 * per ticket, as for the receiver's and the import's tickets. */
static int open_insights(const struct cs_req *req, const struct processed *p)
{
    char cust[CS_INSIGHTS_CUSTOMER_ID_MAX];
    cs_insights_customer_id(cs_json_get_str(req->json, "customer_email"), cust, sizeof(cust));
    struct cs_ticket_open o = {.ticket_id = p->ticket_id,
                               .customer_id = cust,
                               .category = p->triage.category,
                               .priority = cs_insights_priority_word(p->triage.priority),
                               .sentiment = p->triage.sentiment,
                               .sentiment_score = p->triage.sent.score,
                               .sentiment_level = (int)p->triage.sent.level,
                               .source = "tickets_process",
                               .opened_ms = req->now_ms};
    return cs_insights_ticket_open(req->store, req->arena, req->auth.tenant, &o, req->now_ms);
}

CS_HANDLER(fn_tickets_process)
{
    double t0 = cs_mono_ms();
    struct processed p;
    memset(&p, 0, sizeof(p));
    p.ticket_id = cs_json_get_str(req->json, "ticket_id");
    p.message = cs_json_get_str(req->json, "raw_message");
    p.name = cs_json_get_str(req->json, "customer_name");
    int rc = analyse(req, &p);
    json_object *result = rc ? NULL : result_json(req, &p);
    if (!rc && (!result || cs_json_own(req->arena, result))) rc = CS_ERR_NOMEM;
    json_object *doc = NULL;
    if (!rc) rc = stored_doc(req, &p, result, cs_mono_ms() - t0, &doc);
    if (!rc) rc = store_ticket(req, p.ticket_id, doc);
    if (!rc) rc = open_insights(req, &p);
    if (rc) return rc;
    struct cs_jb out;
    cs_jb_init(&out, cs_json_object(req->arena));
    cs_jb_bool(&out, "success", true);
    cs_jb_str(&out, "ticket_id", p.ticket_id);
    cs_jb_ref(&out, "result", result);
    rc = cs_jb_done(&out);
    return rc ? rc : cs_family_ok(CS_FAMILY_TRIAGE, req, resp, 200, out.obj);
}
