/* cs-eval --only triage: the whole triage answer (cs_triage_ticket with the shipped
 * policy and language list) against the labelled tickets of data/triage/dev.jsonl,
 * which no model was fitted or tuned on (LABELLING.md labels):
 *   category accuracy and macro-F1 (ten classes), accuracy per language,
 *   priority accuracy and P1 recall, escalation precision and recall (and the share of
 *   true escalations given the gold reason), sentiment within one level,
 *   language detection accuracy, the restricted list against libexttextcat's full
 *   list, by text length.
 * --triage-file FILE scores another labelled file; --predictions FILE scores answers
 * written by another program (one JSON object per line with "id", "category" as a code
 * or display name, "priority", "sentiment_level", "escalation", optionally
 * "language"), e.g. the product before issue #14.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/lang.h"
#include "cs/models.h"
#include "cs/triage.h"
#include "eval_int.h"

#define NL 8
#define FULL_CONF "/usr/share/libexttextcat/fpdb.conf"
#define FP_DIR "/usr/share/libexttextcat"

struct answer {
    int cat, prio, level;
    int escalate;
    char esc_reason[32];
    char lang[CS_LANG_CODE_MAX];
};

struct scores {
    unsigned conf[CS_CAT__COUNT][CS_CAT__COUNT];
    size_t n, cat_ok, prio_ok, p1, p1_hit, p1_pred;
    size_t esc_tp, esc_fp, esc_fn, reason_ok, sent_n, sent_ok, sent_exact;
    char langs[NL][8];
    size_t lang_n[NL], lang_ok[NL];
    size_t det_n, det_ok, full_ok, len_n[4], len_ok[4], full_len_ok[4];
};

static const char *sget(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static int bget(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static int prio_of(const char *s)
{
    return s && s[0] == 'P' && s[1] >= '1' && s[1] <= '3' && !s[2] ? s[1] - '0' : 0;
}

static int lang_slot(struct scores *s, const char *code)
{
    for (int i = 0; i < NL; i++) {
        if (!s->langs[i][0]) snprintf(s->langs[i], sizeof(s->langs[i]), "%s", code);
        if (strcmp(s->langs[i], code) == 0) return i;
    }
    return NL - 1;
}

static void tally(struct scores *s, json_object *gold, const struct answer *a)
{
    int gc = cs_triage_category_parse(sget(gold, "category"));
    int gp = prio_of(sget(gold, "priority"));
    int gl = cs_sentiment_level_parse(sget(gold, "sentiment"));
    int ge = bget(gold, "escalation_expected");
    const char *lang = sget(gold, "lang");
    if (gc < 0 || !gp) return;
    s->n++;
    if (a->cat >= 0) s->conf[gc][a->cat]++;
    s->cat_ok += a->cat == gc;
    int li = lang_slot(s, lang ? lang : "?");
    s->lang_n[li]++;
    s->lang_ok[li] += a->cat == gc;
    s->prio_ok += a->prio == gp;
    s->p1 += gp == 1;
    s->p1_hit += gp == 1 && a->prio == 1;
    s->p1_pred += a->prio == 1;
    s->esc_tp += ge && a->escalate;
    s->esc_fp += !ge && a->escalate;
    s->esc_fn += ge && !a->escalate;
    const char *gr = sget(gold, "escalation_reason");
    s->reason_ok += ge && a->escalate && gr && strcmp(gr, a->esc_reason) == 0;
    if (gl >= 0 && a->level >= 0) {
        s->sent_n++;
        s->sent_ok += abs(gl - a->level) <= 1;
        s->sent_exact += gl == a->level;
    }
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 0.0; }

static double macro_f1(const struct scores *s)
{
    double f1 = 0.0;
    int present = 0;
    for (int k = 0; k < CS_CAT__COUNT; k++) {
        unsigned tp = s->conf[k][k], fp = 0, fn = 0;
        for (int q = 0; q < CS_CAT__COUNT; q++)
            if (q != k) fp += s->conf[q][k], fn += s->conf[k][q];
        if (tp + fn == 0) continue;
        present++;
        f1 += tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
    }
    return present ? f1 / present : 0.0;
}

static void report(const char *what, const struct scores *s)
{
    printf("triage             %s, %zu tickets\n", what, s->n);
    printf("    category accuracy %.4f macro-F1 %.4f\n", ratio(s->cat_ok, s->n), macro_f1(s));
    printf("    per language:");
    for (int i = 0; i < NL && s->langs[i][0]; i++)
        printf(" %s %.3f (%zu)", s->langs[i], ratio(s->lang_ok[i], s->lang_n[i]), s->lang_n[i]);
    printf("\n    priority accuracy %.4f, P1 recall %.4f (%zu of %zu), P1 precision %.4f\n",
           ratio(s->prio_ok, s->n), ratio(s->p1_hit, s->p1), s->p1_hit, s->p1,
           ratio(s->p1_hit, s->p1_pred));
    printf("    escalation precision %.4f recall %.4f (tp %zu fp %zu fn %zu), right reason %.4f of "
           "tp\n",
           ratio(s->esc_tp, s->esc_tp + s->esc_fp), ratio(s->esc_tp, s->esc_tp + s->esc_fn),
           s->esc_tp, s->esc_fp, s->esc_fn, ratio(s->reason_ok, s->esc_tp));
    printf("    sentiment within one level %.4f (exact %.4f, %zu)\n", ratio(s->sent_ok, s->sent_n),
           ratio(s->sent_exact, s->sent_n), s->sent_n);
    unsigned cell[CS_CAT__COUNT * CS_CAT__COUNT];
    memcpy(cell, s->conf, sizeof(cell));
    for (int k = 0; k < 4; k++) { /* the largest off-diagonal cells */
        int best = -1;
        for (int i = 0; i < CS_CAT__COUNT * CS_CAT__COUNT; i++)
            if (i / CS_CAT__COUNT != i % CS_CAT__COUNT && cell[i] &&
                (best < 0 || cell[i] > cell[best]))
                best = i;
        if (best < 0) break;
        printf("    confused: %s -> %s (%u)\n", cs_triage_category_code(best / CS_CAT__COUNT),
               cs_triage_category_code(best % CS_CAT__COUNT), cell[best]);
        cell[best] = 0;
    }
}

/* Language detection: the shipped (restricted) list against the full list, by
 * length: under 60 bytes, 60-149, 150 and more. */
/* the full list names languages "en--utf8", "zh-CN-utf8": the base code counts */
static int same_lang(const struct cs_lang *l, const char *text, size_t len, const char *gold)
{
    struct cs_lang_result r;
    if (!l || cs_lang_detect(l, text, len, &r) != CS_OK) return 0;
    size_t g = strlen(gold);
    return strncmp(r.code, gold, g) == 0 && (r.code[g] == '\0' || r.code[g] == '-');
}

/* The first words of a ticket, up to 40 bytes (cut at a space): short-text figures. */
#define SHORT_PREFIX 40

static void tally_lang(struct scores *s, const struct cs_lang *served, const struct cs_lang *full,
                       const char *gold, const char *got, const char *text)
{
    if (!gold) return;
    size_t len = strlen(text);
    int b = len < 60 ? 0 : len < 150 ? 1 : 2;
    int full_ok = same_lang(full, text, len, gold);
    s->det_n++;
    s->det_ok += strcmp(got, gold) == 0;
    s->full_ok += full_ok;
    s->len_n[b]++;
    s->len_ok[b] += strcmp(got, gold) == 0;
    s->full_len_ok[b] += full_ok;
    size_t cut = len < SHORT_PREFIX ? len : SHORT_PREFIX;
    while (cut < len && cut > 0 && text[cut] != ' ') cut--;
    s->len_n[3]++;
    s->len_ok[3] += same_lang(served, text, cut, gold);
    s->full_len_ok[3] += same_lang(full, text, cut, gold);
}

static void report_lang(const struct scores *s)
{
    if (!s->det_n) return;
    printf(
        "    language detection (libexttextcat) accuracy: served list %.4f, full list %.4f (%zu)\n",
        ratio(s->det_ok, s->det_n), ratio(s->full_ok, s->det_n), s->det_n);
    const char *name[4] = {"<60 bytes", "60-149", ">=150", "first 40"};
    for (int b = 0; b < 4; b++)
        printf("      %-9s served %.4f full %.4f (%zu)\n", name[b],
               ratio(s->len_ok[b], s->len_n[b]), ratio(s->full_len_ok[b], s->len_n[b]),
               s->len_n[b]);
}

static int answer_product(const struct cs_models *ms, const struct cs_triage_policy *p,
                          const char *text, struct answer *a)
{
    struct cs_triage t;
    int rc = cs_triage_ticket(ms, p, text, strlen(text), &t);
    if (rc != CS_OK) return rc;
    a->cat = (int)t.cat;
    a->prio = prio_of(t.priority);
    a->level = (int)t.sent.level;
    a->escalate = t.escalation_needed;
    snprintf(a->esc_reason, sizeof(a->esc_reason), "%s",
             t.escalation_reason ? t.escalation_reason : "");
    snprintf(a->lang, sizeof(a->lang), "%s", t.language);
    return CS_OK;
}

static void answer_json(json_object *o, struct answer *a)
{
    a->cat = cs_triage_category_parse(sget(o, "category"));
    a->prio = prio_of(sget(o, "priority"));
    a->level = cs_sentiment_level_parse(sget(o, "sentiment_level"));
    a->escalate = bget(o, "escalation");
    snprintf(a->esc_reason, sizeof(a->esc_reason), "%s",
             sget(o, "escalation_reason") ? sget(o, "escalation_reason") : "");
    snprintf(a->lang, sizeof(a->lang), "%s", sget(o, "language") ? sget(o, "language") : "");
}

struct rows {
    json_object **r;
    size_t n, cap;
};

static int keep_row(json_object *o, void *ud)
{
    struct rows *x = ud;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 256;
        json_object **r = realloc(x->r, sizeof(*r) * cap);
        if (!r) return CS_ERR_NOMEM; /* the rows so far are scored */
        x->r = r;
        x->cap = cap;
    }
    x->r[x->n++] = json_object_get(o);
    return CS_OK;
}

static json_object **read_jsonl(const char *path, size_t *n)
{
    struct rows x = {0};
    cs_jsonl_each(path, keep_row, &x);
    *n = x.n;
    return x.r;
}

static struct cs_lang *open_served(const char *policy)
{
    /* the language list beside the policy's data dir: <data>/policy/x.json -> <data>/triage */
    char conf[4096];
    const char *slash = strstr(policy, "policy/");
    snprintf(conf, sizeof(conf), "%.*striage/languages.conf", slash ? (int)(slash - policy) : 0,
             policy);
    struct cs_lang *l = NULL;
    if (cs_lang_open(conf, FP_DIR, &l) != CS_OK)
        printf("triage             (%s unreadable: no language)\n", conf);
    return l;
}

int eval_triage(const struct cs_models *ms, const char *file, const char *policy, const char *preds)
{
    size_t n = 0, np = 0;
    json_object **gold = read_jsonl(file, &n), **pred = preds ? read_jsonl(preds, &np) : NULL;
    struct cs_triage_policy *p = NULL;
    if (!gold || (preds && !pred) || (!preds && cs_triage_policy_load(policy, &p) != CS_OK)) {
        printf("triage             skipped (%s, %s or the policy unreadable)\n", file,
               preds ? preds : "-");
        return 1;
    }
    if (p) cs_triage_policy_set_lang(p, open_served(policy));
    struct cs_lang *full = NULL, *served = p ? open_served(policy) : NULL;
    if (cs_lang_open(FULL_CONF, FP_DIR, &full) != CS_OK) full = NULL;
    struct scores *s = calloc(1, sizeof(*s));
    int rc = s ? CS_OK : CS_ERR_NOMEM;
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        const char *text = sget(gold[i], "text"), *id = sget(gold[i], "id");
        struct answer a = {.cat = -1, .level = -1};
        if (!text) continue;
        if (p) {
            rc = answer_product(ms, p, text, &a);
        } else {
            for (size_t k = 0; k < np; k++)
                if (id && sget(pred[k], "id") && strcmp(id, sget(pred[k], "id")) == 0)
                    answer_json(pred[k], &a);
        }
        if (rc != CS_OK) break;
        tally(s, gold[i], &a);
        if (p) tally_lang(s, served, full, sget(gold[i], "lang"), a.lang, text);
    }
    if (rc == CS_OK) {
        report(preds ? preds : file, s);
        report_lang(s);
    } else {
        printf("triage             failed: %s\n", cs_error_message(rc));
    }
    free(s);
    cs_lang_close(full);
    cs_lang_close(served);
    cs_triage_policy_destroy(p);
    for (size_t i = 0; i < n; i++) json_object_put(gold[i]);
    for (size_t i = 0; i < np; i++) json_object_put(pred[i]);
    free(gold);
    free(pred);
    return rc == CS_OK ? 0 : 1;
}
