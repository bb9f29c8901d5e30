/* The irate protocol and refund limits: what one customer message does to a session.
 * Pure functions of the configuration, the session's state and the message, so that
 * every decision is unit-tested without a store. */
#include "cs/session.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cs/cues.h"
#include "cs/json.h"

/* Case-insensitive whole-word (or whole-phrase) search. */
static bool has_phrase(const char *text, const char *phrase)
{
    size_t n = strlen(phrase);
    if (n == 0) return false;
    for (const char *p = text; (p = strcasestr(p, phrase)) != NULL; p++) {
        bool left = p == text || !isalnum((unsigned char)p[-1]);
        bool right = !isalnum((unsigned char)p[n]);
        if (left && right) return true;
    }
    return false;
}

static bool any_phrase(const char *text, const char *const *phrases)
{
    for (; *phrases; phrases++)
        if (has_phrase(text, *phrases)) return true;
    return false;
}

static double parse_amount(const char *p, const char **end)
{
    char buf[32];
    size_t n = 0;
    bool dot = false;
    for (; *p && n + 1 < sizeof(buf); p++) {
        if (isdigit((unsigned char)*p))
            buf[n++] = *p;
        else if (*p == ',' && isdigit((unsigned char)p[1]) && n > 0)
            continue; /* 1,200 */
        else if (*p == '.' && !dot && isdigit((unsigned char)p[1]) && n > 0) {
            dot = true;
            buf[n++] = '.';
        } else
            break;
    }
    buf[n] = '\0';
    *end = p;
    return n ? strtod(buf, NULL) : 0;
}

/* Amounts are written with a currency sign before or a currency word after. */
static double largest_amount(const char *text)
{
    static const char *const after[] = {"dollars", "dollar", "usd", "eur",   "euros",
                                        "euro",    "pounds", "gbp", "bucks", NULL};
    double best = 0;
    for (const char *p = text; *p;) {
        bool sign =
            *p == '$' || strncmp(p, "\xe2\x82\xac", 3) == 0 || strncmp(p, "\xc2\xa3", 2) == 0;
        const char *q = p + (*p == '$'                   ? 1
                             : (unsigned char)*p == 0xe2 ? 3
                             : (unsigned char)*p == 0xc2 ? 2
                                                         : 0);
        if (sign) {
            while (*q == ' ') q++;
            if (isdigit((unsigned char)*q)) {
                const char *end;
                double v = parse_amount(q, &end);
                if (v > best) best = v;
                p = end;
                continue;
            }
        } else if (isdigit((unsigned char)*p) && (p == text || !isalnum((unsigned char)p[-1]))) {
            const char *end;
            double v = parse_amount(p, &end);
            const char *w = end;
            while (*w == ' ') w++;
            for (const char *const *c = after; *c; c++) {
                size_t n = strlen(*c);
                if (strncasecmp(w, *c, n) == 0 && !isalnum((unsigned char)w[n]) && v > best)
                    best = v;
            }
            p = end;
            continue;
        }
        p++;
    }
    return best;
}

void cs_session_money_ask(const char *text, struct cs_money_ask *out)
{
    static const char *const refund[] = {"refund",    "refunds",       "refunded",   "money back",
                                         "reimburse", "reimbursement", "chargeback", NULL};
    static const char *const credit[] = {
        "credit", "credits", "store credit", "voucher", "compensation", "compensate", NULL};
    memset(out, 0, sizeof(*out));
    if (!text) return;
    out->refund = any_phrase(text, refund);
    /* "credit card" is a payment method, not a request for credit. */
    out->credit = any_phrase(text, credit) && !has_phrase(text, "credit card");
    if (out->refund || out->credit) out->amount = largest_amount(text);
}

static bool tier_enabled(json_object *cfg, const char *tier)
{
    struct cs_tier_caps c;
    cs_session_tier_caps(cfg, tier, &c);
    return c.enabled;
}

/* The lowest enabled tier above `from`, or NULL. */
static const char *next_tier(json_object *cfg, const char *from)
{
    for (int r = cs_session_tier_rank(from) + 1; r >= 1 && cs_session_tiers[r]; r++)
        if (tier_enabled(cfg, cs_session_tiers[r])) return cs_session_tiers[r];
    return NULL;
}

static bool escalate_to(json_object *cfg, const char *cur, const char *to, const char *reason,
                        struct cs_decision *out)
{
    if (!to || cs_session_tier_rank(to) <= cs_session_tier_rank(cur) || !tier_enabled(cfg, to))
        return false;
    out->reason = reason;
    out->target = to;
    return true;
}

static bool may_grant(const struct cs_tier_caps *c, const struct cs_money_ask *ask)
{
    if (ask->refund) return c->enabled && c->can_refund && ask->amount <= c->max_refund;
    return c->enabled && c->can_credit && ask->amount <= c->max_credit;
}

/* Refunds/credits beyond the current tier: to the manager when it may grant them
 * (REFUND_REQUEST), else to a human (REFUND_OVER_THRESHOLD). With the manager tier
 * disabled a rep's ask beyond its own limit (the rep's default refund limit is 0) goes
 * straight to the next enabled tier, a human, as REFUND_OVER_THRESHOLD: humans have no
 * limits in the configuration, so they are the tier that may grant it. */
static bool money_route(json_object *cfg, const char *cur, const struct cs_money_ask *ask,
                        struct cs_decision *out)
{
    struct cs_tier_caps c;
    cs_session_tier_caps(cfg, cur, &c);
    if (strcmp(cur, "HUMAN_AGENT") == 0) return false;
    if (may_grant(&c, ask)) {
        out->refund_allowed = true;
        return false;
    }
    struct cs_tier_caps m;
    cs_session_tier_caps(cfg, "AI_MANAGER", &m);
    if (strcmp(cur, "AI_REP") == 0 && may_grant(&m, ask) &&
        escalate_to(cfg, cur, "AI_MANAGER", "REFUND_REQUEST", out)) {
        out->refund_allowed = true;
        return true;
    }
    return escalate_to(cfg, cur, "HUMAN_AGENT", "REFUND_OVER_THRESHOLD", out);
}

/* A message that escalates for another reason (a request for a manager, a legal
 * mention, ...) may also ask for money: the tier it lands on answers the ask within its
 * own limits ("I want a manager and a refund of $50": the manager, limit 100, may grant
 * it). An amount beyond that tier's limit sends the session further up, as the money
 * route would from there; the escalation keeps its original reason. */
static void land_money(json_object *cfg, const struct cs_money_ask *ask, struct cs_decision *out)
{
    struct cs_decision m = {0};
    if (money_route(cfg, out->target, ask, &m)) out->target = m.target;
    out->refund_allowed = m.refund_allowed;
}

static bool irate_check(json_object *cfg, const struct cs_sentiment *sent, const char *text,
                        struct cs_decision *out)
{
    struct cs_irate_config ic;
    cs_session_irate_config(cfg, &ic);
    /* Anger cues (capitals, "!!", profanity, anger terms) weigh more than negativity:
     * a plainly unhappy customer (score 0.1, no anger) scores 0.36, not irate at the
     * seed's 0.7, while shouting and swearing on top of it crosses the threshold. */
    out->irate_score = 0.6 * sent->anger + 0.4 * (1.0 - sent->score);
    if (!ic.enabled) return false;
    for (size_t i = 0; i < ic.nkeywords; i++)
        if (ic.keywords[i] && text && cs_cues_phrase_asserted(text, strlen(text), ic.keywords[i])) {
            out->trigger = ic.keywords[i];
            return true;
        }
    if (sent->level == CS_SENT_IRATE)
        out->trigger = "irate sentiment";
    else if (out->irate_score >= ic.threshold)
        out->trigger = "sentiment above detection threshold";
    return out->trigger != NULL;
}

static void irate_route(json_object *cfg, const struct cs_session_state *st,
                        struct cs_decision *out)
{
    struct cs_irate_config ic;
    cs_session_irate_config(cfg, &ic);
    /* The AI gets `after_attempts` replies to calm an irate customer; the next irate
     * message goes to the configured tier. */
    /* When the configured target tier is disabled (say tiers.aiManager.enabled=false),
     * the next enabled tier above the current one takes the customer instead. */
    if (ic.auto_escalate && st->irate_attempts >= ic.after_attempts &&
        (escalate_to(cfg, st->tier, ic.target_tier, "IRATE_CUSTOMER", out) ||
         (!(ic.target_tier && tier_enabled(cfg, ic.target_tier)) &&
          escalate_to(cfg, st->tier, next_tier(cfg, st->tier), "IRATE_CUSTOMER", out))))
        return;
    out->irate_attempts = st->irate_attempts + 1;
}

/* The tier a request for a person asks for: a manager, supervisor or someone senior
 * is the AI manager; a human, a person, an agent (or an escalation) the human agents. */
static const char *request_target(const char *text, const struct cs_cue_span *sp)
{
    static const char *const senior[] = {"manager",    "supervisor",  "superior", "boss",
                                         "senior",     "in charge",   "head of",  "team leader",
                                         "vorgesetzt", "teamleiter",  "chef",     "gerente",
                                         "jefe",       "responsable", "encargad", "superviseur",
                                         "directeur",  "supervisor",  NULL};
    static const char *const person[] = {"human",   "person",   "real",     "agent",
                                         "humano",  "mensch",   "humain",   "pessoa",
                                         "persona", "personne", "operator", NULL};
    char span[160];
    size_t n = sp->len < sizeof(span) - 1 ? sp->len : sizeof(span) - 1;
    memcpy(span, text + sp->off, n);
    span[n] = '\0';
    if (any_phrase(span, person) && !any_phrase(span, senior)) return "HUMAN_AGENT";
    for (const char *const *w = senior; *w; w++)
        if (strcasestr(span, *w)) return "AI_MANAGER";
    return any_phrase(span, person) ? "HUMAN_AGENT" : NULL;
}

/* A request for a person goes to the tier asked for; a bare "escalate this" to the
 * next enabled tier. */
static bool request_route(json_object *cfg, const char *cur, const char *text,
                          const struct cs_cues *cues, struct cs_decision *out)
{
    const char *to = cues->request_span.len ? request_target(text, &cues->request_span) : NULL;
    if (to && escalate_to(cfg, cur, to, "CUSTOMER_REQUEST", out)) return true;
    return escalate_to(cfg, cur, next_tier(cfg, cur), "CUSTOMER_REQUEST", out);
}

void cs_session_decide(json_object *cfg, const struct cs_session_state *st,
                       const struct cs_sentiment *sent, const char *text,
                       const struct cs_money_ask *ask, struct cs_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->irate_attempts = st->irate_attempts;
    const char *cur = st->tier;
    /* LABELLING.md sections 3 and 5: triggers are phrases in their scope (a name, a
     * product or a harmless sense of a cue word never escalates) */
    struct cs_cues cues;
    cs_cues_scan(text, text ? strlen(text) : 0, &cues);
    /* the conversation so far: contacts stated in earlier messages count too */
    if (st->stated_contacts > cues.earlier_contacts) cues.earlier_contacts = st->stated_contacts;
    enum cs_esc_reason why = cs_cues_reason(&cues, sent->level);
    out->irate = irate_check(cfg, sent, text, out);
    bool money = ask->refund || ask->credit;
    if ((why == CS_ESC_LEGAL_MENTION &&
         escalate_to(cfg, cur, next_tier(cfg, cur), "LEGAL_MENTION", out)) ||
        (why == CS_ESC_SOCIAL_MEDIA_THREAT &&
         escalate_to(cfg, cur, next_tier(cfg, cur), "SOCIAL_MEDIA_THREAT", out)) ||
        (why == CS_ESC_CUSTOMER_REQUEST && request_route(cfg, cur, text, &cues, out))) {
        if (money) land_money(cfg, ask, out);
        return;
    }
    if (money && money_route(cfg, cur, ask, out)) return;
    /* VIPs and repeat contacts go up before the rep answers them at all. */
    bool first = st->ai_replies == 0 && strcmp(cur, "AI_REP") == 0;
    if (first && st->vip && escalate_to(cfg, cur, "AI_MANAGER", "HIGH_VALUE_CUSTOMER", out)) return;
    if (first && st->repeat_contacts >= 2 &&
        escalate_to(cfg, cur, "AI_MANAGER", "REPEAT_CONTACT", out))
        return;
    if (out->irate) {
        irate_route(cfg, st, out);
        return;
    }
    /* "third time I'm writing" from a frustrated customer: to the manager (or the next
     * enabled tier) at any point of the conversation */
    if (why == CS_ESC_REPEAT_CONTACT && !escalate_to(cfg, cur, "AI_MANAGER", "REPEAT_CONTACT", out))
        escalate_to(cfg, cur, next_tier(cfg, cur), "REPEAT_CONTACT", out);
}
