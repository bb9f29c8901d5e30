/* Reply generation for a session's AI tier, behind one function (cs_session_reply).
 * A tenant's hosted default model (cs/ai.h) answers when one is configured and its
 * reply passes the checks below; otherwise the built-in path: knowledge-base
 * passages for the customer's message, an extractive draft in the tier's tone, the
 * tier's handling of a refund/credit ask, then a length cap and a policy check with the
 * tier's money authority; a draft that fails the check loses its quoted sentences. */
#include "cs/session.h"

#include <ctype.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/clock.h"
#include "cs/closing.h"
#include "cs/draft.h"
#include "cs/policy.h"
#include "cs/retrieval.h"

#define REPLY_MODEL "builtin-extractive-v1"
#define REPLY_PASSAGES 5
#define REPLY_CAP (32 * 1024)

/* Token counts of the built-in model follow the common ~4 characters per token rule, so
 * usage reads on the same scale as a hosted model's. */
static int64_t tokens_of(const char *s) { return s ? ((int64_t)strlen(s) + 3) / 4 : 0; }

static enum cs_draft_tone tone_of(const struct cs_reply_input *in)
{
    /* An upset customer always gets the empathetic register, whatever the tier's tone. */
    if (in->irate || (in->sentiment && in->sentiment->level >= CS_SENT_FRUSTRATED))
        return CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL;
    const char *t = in->tier->tone ? in->tier->tone : "";
    if (strcmp(t, "friendly") == 0 || strcmp(t, "casual") == 0) return CS_DRAFT_TONE_CASUAL;
    if (strcmp(t, "empathetic") == 0) return CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL;
    return CS_DRAFT_TONE_FORMAL;
}

static const char *opening(const struct cs_reply_input *in)
{
    bool manager = in->tier->id == CS_TIER_AI_MANAGER;
    if (in->irate && manager)
        return "I'm the customer service manager and I'm taking personal ownership of your case. "
               "I'm sorry for how this has gone so far.";
    if (in->irate)
        return "I'm sorry for the frustration this has caused, and I want to put it right.";
    if (manager) return "I'm the customer service manager looking after your case now.";
    return NULL;
}

static double authority(const struct cs_tier_caps *c, const struct cs_money_ask *ask)
{
    return ask && ask->refund ? (c->can_refund ? c->max_refund : 0)
                              : (c->can_credit ? c->max_credit : 0);
}

/* What the tier says about money: within its authority it may offer the asked amount;
 * beyond it, it says so and never names a figure. */
static int money_text(struct cs_buf *b, const struct cs_reply_input *in)
{
    const struct cs_money_ask *ask = in->ask;
    if (!ask || (!ask->refund && !ask->credit)) return CS_OK;
    const char *what = ask->refund ? "refund" : "credit";
    if (in->refund_allowed && ask->amount > 0)
        return cs_buf_printf(b,
                             " I can approve a %s of $%.2f once I've confirmed the order details.",
                             what, ask->amount);
    if (in->refund_allowed)
        return cs_buf_printf(
            b, " I can help with a %s: please send the order number and the amount involved.",
            what);
    /* Only an escalation that happened may be reported as one. */
    if (in->escalated)
        return cs_buf_printf(b,
                             " I'm not able to approve that %s myself, so I've passed your request "
                             "to a colleague with the authority to review it.",
                             what);
    return cs_buf_printf(
        b,
        " I'm not able to approve that %s myself; it needs a review by a colleague "
        "with the authority to decide on it.",
        what);
}

struct kb {
    struct cs_passage *p;
    size_t n;
};

static int draft(struct cs_store *st, struct cs_arena *a, const char *tenant,
                 const struct cs_reply_input *in, struct cs_draft *d, struct kb *kb)
{
    struct cs_passage *p = NULL;
    size_t np = 0;
    struct cs_retrieval_hints hints = {in->category_code, 0};
    int rc =
        cs_retrieval_search_hinted(st, a, tenant, in->message, &hints, REPLY_PASSAGES, &p, &np);
    if (rc) return rc;
    kb->p = p;
    kb->n = np < REPLY_PASSAGES ? np : REPLY_PASSAGES;
    const char *label = in->sentiment ? in->sentiment->label : NULL;
    struct cs_draft_input di = {
        .customer_name = in->customer_name,
        .ticket_text = in->message,
        .query_terms = cs_retrieval_expand(a, in->message),
        .triage = {.category = in->issue_category, .sentiment = label},
        .passages = p,
        .n_passages = np < REPLY_PASSAGES ? np : REPLY_PASSAGES,
    };
    struct cs_draft_opts o = {.tone = tone_of(in),
                              .signature = in->tier->id == CS_TIER_AI_MANAGER
                                               ? "Customer Service Manager"
                                               : "Customer Support Team"};
    return cs_draft_build(a, &di, &o, d);
}

/* Cuts after the last sentence that fits in `words` words. */
static const char *cap_words(struct cs_arena *a, const char *s, int words)
{
    int n = 0;
    const char *last_end = NULL, *p = s;
    for (bool in_word = false; *p; p++) {
        if (isspace((unsigned char)*p))
            in_word = false;
        else if (!in_word) {
            in_word = true;
            if (++n > words) break;
        }
        if ((*p == '.' || *p == '!' || *p == '?') && (isspace((unsigned char)p[1]) || !p[1]))
            last_end = p + 1;
    }
    if (!*p) return s;
    return cs_arena_strndup(a, s, last_end ? (size_t)(last_end - s) : (size_t)(p - s));
}

static int compose(struct cs_arena *a, const struct cs_reply_input *in, const struct cs_draft *d,
                   bool with_body, const char **out)
{
    struct cs_buf b;
    cs_buf_init(&b, a, REPLY_CAP);
    const char *open = opening(in);
    int rc = cs_buf_puts(&b, d->greeting);
    if (!rc && open) rc = cs_buf_printf(&b, " %s", open);
    if (!rc) rc = money_text(&b, in);
    if (!rc && with_body) rc = cs_buf_printf(&b, " %s", d->body);
    if (!rc && !with_body)
        rc = cs_buf_puts(&b, in->escalated ? " A colleague will follow up with the details."
                                           : " I can't go into more detail on that here.");
    if (!rc) rc = cs_buf_printf(&b, " %s", d->closing);
    if (rc) return rc;
    *out = cap_words(a, cs_buf_str(&b),
                     in->tier->max_response_length > 0 ? in->tier->max_response_length : 200);
    return *out ? CS_OK : CS_ERR_NOMEM;
}

static bool money_violation(const struct cs_policy_result *r)
{
    return r->refund_over_limit || r->pii_leak || r->compliance == CS_POLICY_FAILED;
}

/* ---- a hosted model's reply ---- */

static int money_rules(struct cs_buf *b, const struct cs_reply_input *in)
{
    const struct cs_money_ask *ask = in->ask;
    if (!ask || (!ask->refund && !ask->credit))
        return cs_buf_puts(b, " Never promise a refund, credit or compensation.");
    const char *what = ask->refund ? "refund" : "credit";
    if (in->refund_allowed)
        return cs_buf_printf(b,
                             " You may approve a %s of at most $%.2f once the order is confirmed;"
                             " never more.",
                             what, authority(in->tier, ask));
    return cs_buf_printf(b,
                         " You cannot approve this %s: say that a colleague with the authority"
                         " will review it, and never name or promise an amount.",
                         what);
}

static int system_prompt(struct cs_arena *a, const struct cs_reply_input *in, const struct kb *kb,
                         const char **out)
{
    struct cs_buf b;
    cs_buf_init(&b, a, REPLY_CAP);
    const struct cs_tier_caps *t = in->tier;
    int rc = cs_buf_puts(&b, t->system_prompt && *t->system_prompt
                                 ? t->system_prompt
                                 : "You are a customer service assistant.");
    if (!rc)
        rc = cs_buf_printf(&b, " Tone: %s. Answer in at most %d words.",
                           t->tone && *t->tone ? t->tone : "professional",
                           t->max_response_length > 0 ? t->max_response_length : 200);
    if (!rc && in->irate)
        rc = cs_buf_puts(&b, " The customer is very upset: acknowledge it, apologise once and"
                             " take ownership.");
    if (!rc) rc = money_rules(&b, in);
    if (!rc && kb->n)
        rc = cs_buf_puts(&b, " Use only these help-centre passages for facts, citing [DOC-ID]:");
    for (size_t i = 0; !rc && i < kb->n; i++)
        rc = cs_buf_printf(&b, "\n[%s] %s: %s", kb->p[i].doc_id, kb->p[i].title, kb->p[i].text);
    *out = rc ? NULL : cs_buf_str(&b);
    return rc;
}

static const char *chat_role(const char *session_role)
{
    if (strcmp(session_role, "customer") == 0) return "user";
    if (strncmp(session_role, "ai_", 3) == 0 || strcmp(session_role, "human_agent") == 0)
        return "assistant";
    return NULL; /* system notes stay out of the conversation */
}

static int hosted_reply(struct cs_arena *a, const struct cs_reply_input *in, const struct kb *kb,
                        struct cs_ai_reply *r)
{
    struct cs_ai_msg *m = cs_arena_alloc(a, (in->nhistory + 1) * sizeof(*m));
    if (!m) return CS_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < in->nhistory; i++) {
        const char *role = chat_role(in->history[i].role);
        if (role && in->history[i].content)
            m[n++] = (struct cs_ai_msg){role, in->history[i].content};
    }
    m[n++] = (struct cs_ai_msg){"user", in->message};
    struct cs_ai_chat chat = {
        .msgs = m,
        .nmsgs = n,
        .temperature = -1,
        .max_tokens = in->tier->max_response_length > 0 ? in->tier->max_response_length * 2 : 400};
    int rc = system_prompt(a, in, kb, &chat.system);
    return rc ? rc : cs_ai_chat(in->ai, &chat, r);
}

/* Takes the hosted model's reply when it passes the same checks as a built-in draft:
 * produced by the hosted provider (not the layer's fallback), not echoing the system
 * prompt, and within the tier's money authority and the PII rules. */
static bool take_hosted(const struct cs_reply_input *in, const struct cs_ai_reply *r,
                        const struct cs_policy_opts *po)
{
    if (strcmp(r->provider_id, CS_AI_BUILTIN_ID) == 0 || r->system_leak || !r->text || !*r->text)
        return false;
    struct cs_policy_result pr;
    return cs_policy_check(r->text, in->message, po, &pr) == CS_OK && !money_violation(&pr);
}

/* A thank-you or goodbye gets a closing line, not a knowledge-base search. */
static bool is_closing(const struct cs_reply_input *in)
{
    bool money = in->ask && (in->ask->refund || in->ask->credit);
    return !in->irate && !in->escalated && !money && cs_reply_closing(in->message);
}

static const char *closing_text(struct cs_arena *a, const struct cs_reply_input *in)
{
    const char *name = in->customer_name && *in->customer_name ? in->customer_name : NULL;
    return cs_arena_printf(a,
                           "You're welcome%s%s! I'm glad that's sorted. If anything else comes up, "
                           "just send us a message here.",
                           name ? ", " : "", name ? name : "");
}

/* The built-in reply: a cited draft, composed and checked against the tier's authority. */
static int builtin_text(struct cs_store *st, struct cs_arena *a, const char *tenant,
                        const struct cs_reply_input *in, const struct cs_policy_opts *po,
                        struct cs_draft *d, struct kb *kb, const char **text)
{
    int rc = draft(st, a, tenant, in, d, kb);
    if (rc == CS_ERR_NOMEM || rc == CS_ERR_STORE) return rc;
    if (rc) return CS_ERR_AI_FAILED;
    if ((rc = compose(a, in, d, true, text))) return rc;
    struct cs_policy_result pr;
    if (cs_policy_check(*text, in->message, po, &pr)) return CS_ERR_AI_FAILED;
    if (money_violation(&pr)) {
        /* A quoted passage promised more than this tier may give: answer without it. */
        if ((rc = compose(a, in, d, false, text))) return rc;
        if (cs_policy_check(*text, in->message, po, &pr) || money_violation(&pr))
            return CS_ERR_AI_FAILED;
    }
    return CS_OK;
}

int cs_session_reply(struct cs_store *st, struct cs_arena *a, const char *tenant,
                     const struct cs_reply_input *in, struct cs_reply *out)
{
    double t0 = cs_mono_ms();
    memset(out, 0, sizeof(*out));
    if (!in || !in->tier || !in->message) return CS_ERR_AI_FAILED;
    struct cs_draft d;
    memset(&d, 0, sizeof(d));
    struct kb kb = {NULL, 0};
    struct cs_policy_opts po = {.refund_limit =
                                    in->refund_allowed ? authority(in->tier, in->ask) : 0};
    const char *text;
    int rc;
    out->closing = is_closing(in);
    if (out->closing) {
        if (!(text = closing_text(a, in))) return CS_ERR_NOMEM;
    } else if ((rc = builtin_text(st, a, tenant, in, &po, &d, &kb, &text))) {
        return rc;
    }
    struct cs_ai_reply hr;
    if (cs_ai_hosted_default(in->ai, CS_AI_CAP_GENERATE) &&
        hosted_reply(a, in, &kb, &hr) == CS_OK && take_hosted(in, &hr, &po)) {
        out->content = hr.text;
        out->model = hr.model ? hr.model : hr.provider_id;
        out->tokens_in = hr.usage.prompt_tokens;
        out->tokens_out = hr.usage.completion_tokens;
    } else {
        out->content = text;
        out->model = REPLY_MODEL;
        out->tokens_in = tokens_of(in->tier->system_prompt) + tokens_of(in->message);
        for (size_t i = 0; i < in->nhistory; i++)
            out->tokens_in += tokens_of(in->history[i].content);
        out->tokens_out = tokens_of(text);
    }
    if (in->ask && (in->ask->refund || in->ask->credit))
        out->actions[out->nactions++] =
            in->refund_allowed ? "verify_order_for_refund" : "review_refund_request";
    if (d.kb_answer) out->actions[out->nactions++] = "share_kb_article";
    if (out->closing) out->actions[out->nactions++] = "resolve_session";
    if (in->irate) out->actions[out->nactions++] = "monitor_sentiment";
    out->latency_ms = cs_mono_ms() - t0;
    return CS_OK;
}
