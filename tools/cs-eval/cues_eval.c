/* Escalation triggers, six-level sentiment and the escalation predictor on the triage
 * corpus (data/triage/{dev,messages_dev}.jsonl; with --dev the *_train files, the ones
 * tuning may look at). LABELLING.md sections 3-5:
 *   - escalation precision / recall of cs_cues_reason(cs_cues_scan, six-level sentiment),
 *     tickets and session messages apart;
 *   - on messages that contain a cue word (a word that also appears in threats, requests
 *     or abuse: "sue", "court", "review", "manager", "news", ...): escalation precision,
 *     and how many of the benign ones (escalation_expected false) were escalated;
 *   - sentiment: exact six-level accuracy and within one level;
 *   - the escalation predictor's ROC AUC (P(yes) of cs_escalation_predict over the
 *     features cs_escalation_read_conversation reads from the text). */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/cues.h"
#include "cs/escalation.h"
#include "cs/models.h"
#include "cs/sentiment.h"
#include "eval_int.h"

/* Words that also appear in threats, requests or abuse; a message holding one is where
 * a scanner of single words goes wrong (LABELLING.md section 5). */
static const char *const CUE_WORDS[] = {
    "sue",       "lawyer",   "attorney", "solicitor", "court",   "legal",   "law",        "claim",
    "complaint", "twitter",  "facebook", "instagram", "tiktok",  "youtube", "linkedin",   "review",
    "news",      "post",     "public",   "press",     "viral",   "manager", "supervisor", "human",
    "person",    "agent",    "escalat",  "again",     "times",   "angry",   "furious",    "screw",
    "hell",      "damn",     "kill",     "abogado",   "demanda", "anwalt",  "klage",      "avocat",
    "advogado",  "processo", "tribunal", NULL};

static int has_cue_word(const char *text)
{
    for (size_t i = 0; CUE_WORDS[i]; i++)
        if (strcasestr(text, CUE_WORDS[i])) return 1;
    return 0;
}

struct counts {
    size_t n, tp, fp, fn;          /* escalation */
    size_t exact, within1, n_sent; /* sentiment */
    size_t cue_n, cue_tp, cue_fp, cue_benign, cue_benign_fp;
    size_t reason_ok;                  /* escalated with the gold reason */
    size_t by_gold[6], by_gold_hit[6]; /* recall per gold reason (CS_ESC_* order) */
    double *score;                     /* predictor P(yes) */
    unsigned char *label;
};

static double auc(const double *s, const unsigned char *y, size_t n)
{
    /* Mann-Whitney U by pairs: a few thousand rows, exact ties counted half */
    double pos = 0, neg = 0, wins = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i])
            pos += 1;
        else
            neg += 1;
    }
    if (pos == 0 || neg == 0) return NAN;
    for (size_t i = 0; i < n; i++) {
        if (!y[i]) continue;
        for (size_t j = 0; j < n; j++) {
            if (y[j]) continue;
            wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
        }
    }
    return wins / (pos * neg);
}

static int grow(struct counts *c, size_t *cap)
{
    if (c->n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 1024;
    double *s = realloc(c->score, sizeof(double) * nc);
    if (s) c->score = s;
    unsigned char *l = realloc(c->label, nc);
    if (l) c->label = l;
    if (!s || !l) return -1;
    *cap = nc;
    return 0;
}

static void count_row(const struct cs_models *ms, json_object *o, struct counts *c, int errors)
{
    json_object *t = NULL, *e = NULL, *r = NULL, *s = NULL;
    json_object_object_get_ex(o, "text", &t);
    json_object_object_get_ex(o, "escalation_expected", &e);
    json_object_object_get_ex(o, "escalation_reason", &r);
    json_object_object_get_ex(o, "sentiment", &s);
    const char *text = json_object_get_string(t);
    size_t len = (size_t)json_object_get_string_len(t);
    int gold = json_object_get_boolean(e);
    struct cs_sentiment sent;
    if (cs_sentiment_analyze(ms, text, len, &sent) != CS_OK) return;
    struct cs_cues cues;
    cs_cues_scan(text, len, &cues);
    enum cs_esc_reason why = cs_cues_reason(&cues, sent.level);
    int pred = why != CS_ESC_NONE;
    c->tp += pred && gold, c->fp += pred && !gold, c->fn += !pred && gold;
    const char *gr = r ? json_object_get_string(r) : NULL;
    c->reason_ok += pred && gold && gr && strcmp(gr, cs_esc_reason_name(why)) == 0;
    for (int k = CS_ESC_LEGAL_MENTION; gold && gr && k <= CS_ESC_REPEAT_CONTACT; k++)
        if (strcmp(gr, cs_esc_reason_name((enum cs_esc_reason)k)) == 0)
            c->by_gold[k]++, c->by_gold_hit[k] += pred;
    int lv = s ? cs_sentiment_level_parse(json_object_get_string(s)) : -1;
    if (lv >= 0) {
        c->n_sent++;
        c->exact += (int)sent.level == lv;
        c->within1 += abs((int)sent.level - lv) <= 1;
    }
    if (has_cue_word(text)) {
        c->cue_n++;
        c->cue_tp += pred && gold, c->cue_fp += pred && !gold;
        c->cue_benign += !gold, c->cue_benign_fp += pred && !gold;
    }
    if (errors && pred != gold)
        printf("  %s %-19s %s\n", pred ? "FP" : "FN", pred ? cs_esc_reason_name(why) : gr, text);
    struct cs_escalation_input in = {.sentiment_score = 0.5f};
    struct cs_escalation esc;
    double p = 0.0;
    if (cs_escalation_read_conversation(ms, &text, &len, 1, &in) == CS_OK &&
        cs_escalation_predict(ms, &in, &esc) == CS_OK)
        p = esc.probability;
    c->score[c->n] = p;
    c->label[c->n] = (unsigned char)gold;
    c->n++;
}

struct file_ctx {
    const struct cs_models *ms;
    struct counts *c;
    int errors;
    size_t alloc;
};

static int file_row(json_object *o, void *ud)
{
    struct file_ctx *x = ud;
    if (grow(x->c, &x->alloc) == 0) count_row(x->ms, o, x->c, x->errors);
    return 0;
}

static int read_file(const struct cs_models *ms, const char *path, struct counts *c, int errors)
{
    struct file_ctx x = {ms, c, errors, 0};
    return cs_jsonl_each(path, file_row, &x) == CS_OK ? 0 : -1;
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

static void print(const char *what, const struct counts *c, int messages)
{
    printf("%-22s n=%zu escalation P %.3f R %.3f (reason right %zu/%zu) | sentiment exact %.3f "
           "within-one %.3f | predictor AUC %.3f\n",
           what, c->n, ratio(c->tp, c->tp + c->fp), ratio(c->tp, c->tp + c->fn), c->reason_ok,
           c->tp, ratio(c->exact, c->n_sent), ratio(c->within1, c->n_sent),
           auc(c->score, c->label, c->n));
    printf("%-22s", "  recall by reason");
    for (int k = CS_ESC_LEGAL_MENTION; k <= CS_ESC_REPEAT_CONTACT; k++)
        printf(" %s %zu/%zu", cs_esc_reason_name((enum cs_esc_reason)k), c->by_gold_hit[k],
               c->by_gold[k]);
    printf("\n");
    if (messages)
        printf("%-22s n=%zu with cue words: escalation P %.3f; benign %zu, escalated %zu "
               "(%.3f not escalated)\n",
               "  cue-word messages", c->cue_n, ratio(c->cue_tp, c->cue_tp + c->cue_fp),
               c->cue_benign, c->cue_benign_fp, 1.0 - ratio(c->cue_benign_fp, c->cue_benign));
}

int eval_cues(const struct cs_models *ms, const char *triage, int dev, int errors)
{
    const char *files[2] = {dev ? "train.jsonl" : "dev.jsonl",
                            dev ? "messages_train.jsonl" : "messages_dev.jsonl"};
    int ran = 0;
    for (int k = 0; k < 2; k++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", triage, files[k]);
        struct counts c = {0};
        if (read_file(ms, path, &c, errors) == 0 && c.n > 0) {
            char what[64];
            snprintf(what, sizeof(what), "%s %s", k ? "messages" : "tickets",
                     dev ? "train" : "dev");
            print(what, &c, k == 1);
            ran = 1;
        }
        free(c.score);
        free(c.label);
    }
    if (!ran) printf("cues               skipped: no %s/%s\n", triage, files[0]);
    return ran ? 0 : 1;
}
