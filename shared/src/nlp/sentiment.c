/* Sentiment: model probabilities + surface cues -> six levels, score, label
 * (see cs/sentiment.h). The model sees n-grams but not how loudly they are said;
 * the cues (capitals, "!!!", profanity, threats) carry the anger that separates
 * FRUSTRATED from ANGRY and IRATE, which the 3-class training data cannot label. */
#include "cs/sentiment.h"

#include <stdio.h>
#include <string.h>

static const char *const LEVEL_NAME[] = {"HAPPY", "SATISFIED", "NEUTRAL",
                                         "FRUSTRATED", "ANGRY", "IRATE"};
/* seed 004 uses a coarser lowercase vocabulary */
static const char *const LEVEL_LABEL[] = {"positive", "positive", "neutral",
                                          "frustrated", "angry", "angry"};

static const char *const ANGER[] = {"unacceptable", "ridiculous", "outrageous", "furious",
    "angry", "livid", "disgusting", "disgraceful", "pathetic", "worst", "terrible",
    "horrible", "awful", "incompetent", "useless", "scam", "fraud", "joke", "rude",
    "insulting", "appalling", "shameful", "fed up", "never again", "rip off", "ripoff",
    "sick of", "tired of", "fuming", NULL};
static const char *const PROFANITY[] = {"damn", "hell", "crap", "shit", "shitty", "fuck",
    "fucking", "fucked", "wtf", "bullshit", "ass", "bs", "screw", "sucks", "pissed", NULL};
static const char *const LEGAL[] = {"lawyer", "lawyers", "attorney", "sue", "suing",
    "lawsuit", "legal action", "solicitor", "ombudsman", "small claims",
    /* bigrams only: "court" alone is also the food court or a tennis court */
    "to court", "in court", "court case", "court action",
    "chargeback", NULL};
static const char *const SOCIAL[] = {"twitter", "facebook", "instagram", "tiktok",
    "social media", "review", "reviews", "bbb", "go public", "tell everyone", "yelp",
    "trustpilot", "news", NULL};
static const char *const INTENSIFIERS[] = {"very", "extremely", "so", "really",
    "absolutely", "totally", "completely", "utterly", "incredibly", "super", "truly",
    "seriously", NULL};
static const char *const POSITIVE[] = {"happy", "satisfied", "good", "great", "helpful",
    "pleased", "impressed", "working", "resolved", "fair", "acceptable", NULL};
static const char *const NEGATORS[] = {"not", "never", "no", "isn't", "wasn't", "don't",
    "didn't", "doesn't", "aren't", "hardly", "nothing", NULL};
static const char *const URGENCY[] = {"urgent", "urgently", "asap", "immediately",
    "emergency", "right now", "critical", "today", "stolen", "fraudulent", NULL};
/* capitalised acronyms that are not shouting */
static const char *const ACRONYMS[] = {"ATM", "PIN", "USA", "SMS", "API", "URL", "USD",
    "EUR", "GBP", "IBAN", "BIC", "SWIFT", "FAQ", "CEO", "ASAP", "DM", "TSA", "FAA", "PDF",
    NULL};

const char *cs_sentiment_level_name(enum cs_sentiment_level level)
{
    return (unsigned)level <= CS_SENT_IRATE ? LEVEL_NAME[level] : "NEUTRAL";
}

int cs_sentiment_level_parse(const char *name)
{
    for (int i = 0; i <= CS_SENT_IRATE; i++)
        if (name && strcmp(name, LEVEL_NAME[i]) == 0) return i;
    return -1;
}

static int in_list(const char *const *list, const char *w)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], w) == 0) return 1;
    return 0;
}

struct scan {
    struct cs_sentiment_cues *c;
    char prev[32];
    size_t prev_off;
    int have_prev;
};

static void note_cue(struct scan *s, size_t off, size_t len)
{
    if (s->c->cue_len == 0) {
        s->c->cue_off = off;
        s->c->cue_len = len;
    }
}

/* Counts the cue lists for one lower-cased word `w` and the bigram "prev w". */
static void scan_word(struct scan *s, const char *w, size_t off, size_t end)
{
    struct cs_sentiment_cues *c = s->c;
    char bi[72];
    int have_bi = s->have_prev && snprintf(bi, sizeof(bi), "%s %s", s->prev, w) < (int)sizeof(bi);
    size_t bi_off = s->prev_off;
    if (in_list(ANGER, w) || (have_bi && in_list(ANGER, bi))) {
        c->anger_terms++;
        in_list(ANGER, w) ? note_cue(s, off, end - off) : note_cue(s, bi_off, end - bi_off);
    }
    if (in_list(PROFANITY, w)) c->profanity++, note_cue(s, off, end - off);
    if (in_list(LEGAL, w) || (have_bi && in_list(LEGAL, bi))) {
        c->legal++;
        in_list(LEGAL, w) ? note_cue(s, off, end - off) : note_cue(s, bi_off, end - bi_off);
    }
    if (in_list(SOCIAL, w) || (have_bi && in_list(SOCIAL, bi))) c->social++;
    if (in_list(INTENSIFIERS, w)) c->intensifiers++;
    if (in_list(URGENCY, w) || (have_bi && in_list(URGENCY, bi))) c->urgency++;
    if (s->have_prev && in_list(NEGATORS, s->prev) && in_list(POSITIVE, w)) c->negated_positive++;
}

static int is_letter(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static void scan_caps(struct cs_sentiment_cues *c, const char *t, size_t off, size_t end)
{
    size_t n = end - off;
    if (n < 3 || n > 31) return;
    for (size_t i = off; i < end; i++)
        if (!(t[i] >= 'A' && t[i] <= 'Z')) return;
    char w[32];
    memcpy(w, t + off, n);
    w[n] = '\0';
    if (!in_list(ACRONYMS, w)) c->caps_words++;
}

void cs_sentiment_scan_cues(const char *text, size_t len, struct cs_sentiment_cues *out)
{
    memset(out, 0, sizeof(*out));
    struct scan s = {.c = out};
    size_t i = 0;
    if (!text) return;
    while (i < len) {
        if (text[i] == '!') {
            size_t j = i;
            while (j < len && text[j] == '!') j++;
            out->exclaim_runs += j - i >= 2;
            i = j;
            continue;
        }
        if (!is_letter((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && (is_letter((unsigned char)text[j]) ||
                           (text[j] == '\'' && j + 1 < len && is_letter((unsigned char)text[j + 1]))))
            j++;
        scan_caps(out, text, i, j);
        char w[32];
        size_t n = j - i < sizeof(w) - 1 ? j - i : sizeof(w) - 1;
        for (size_t k = 0; k < n; k++) {
            char ch = text[i + k];
            w[k] = (char)((ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
        }
        w[n] = '\0';
        scan_word(&s, w, i, j);
        memcpy(s.prev, w, n + 1);
        s.prev_off = i;
        s.have_prev = 1;
        i = j;
    }
}

static float clamp01(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }

/* Anger in 0..1: threats and profanity weigh most; shouting adds to the rest. */
static float anger_of(const struct cs_sentiment_cues *c)
{
    float caps = c->caps_words > 3 ? 3.0f : (float)c->caps_words;
    float excl = c->exclaim_runs > 2 ? 2.0f : (float)c->exclaim_runs;
    return clamp01(0.3f * (float)c->anger_terms + 0.4f * (float)c->profanity +
                   0.5f * (float)c->legal + 0.3f * (float)c->social + 0.12f * caps +
                   0.15f * excl);
}

void cs_sentiment_map(const float prob[3], const struct cs_sentiment_cues *cues,
                      struct cs_sentiment *out)
{
    memcpy(out->prob, prob, sizeof(out->prob));
    out->cues = *cues;
    float neg = prob[CS_SENT_NEGATIVE], neu = prob[CS_SENT_NEUTRAL_CLASS],
          pos = prob[CS_SENT_POSITIVE];
    float anger = anger_of(cues);
    /* "not happy" reads as positive to a bag of n-grams more often than it should */
    float polarity = pos - neg - 0.25f * (float)(cues->negated_positive > 2 ? 2 : cues->negated_positive);
    float boost = 0.1f * (float)(cues->intensifiers > 3 ? 3 : cues->intensifiers);
    out->anger = anger;
    out->intensity = clamp01((polarity < 0 ? -polarity : polarity) * (0.8f + boost) + 0.4f * anger);
    out->score = clamp01(0.5f + 0.5f * polarity - 0.25f * anger);
    out->confidence = neg > neu ? (neg > pos ? neg : pos) : (neu > pos ? neu : pos);

    enum cs_sentiment_level lv;
    if ((neg >= neu && neg >= pos) || out->score < 0.3f) {
        if (anger >= 0.7f || (anger >= 0.5f && neg >= 0.9f)) lv = CS_SENT_IRATE;
        else if (anger >= 0.3f || (neg >= 0.9f && out->intensity >= 0.9f)) lv = CS_SENT_ANGRY;
        else lv = CS_SENT_FRUSTRATED;
    } else if (pos >= neu) {
        lv = (pos >= 0.85f && out->intensity >= 0.7f) ? CS_SENT_HAPPY : CS_SENT_SATISFIED;
    } else {
        lv = CS_SENT_NEUTRAL;
    }
    out->level = lv;
    out->level_name = LEVEL_NAME[lv];
    out->label = LEVEL_LABEL[lv];
}

int cs_sentiment_analyze(const struct cs_models *m, const char *text, size_t len,
                         struct cs_sentiment *out)
{
    if (!m || !out || (!text && len)) return CS_ERR_INVALID;
    const struct cs_model *model = cs_models_get(m, "sentiment");
    if (!model || cs_model_n_classes(model) != 3) return CS_ERR_NOT_FOUND;
    /* label order in the file is alphabetical (negative, neutral, positive); look the
     * indices up anyway so a retrained model with other names fails loudly */
    int ix[3] = {cs_model_label_index(model, "negative"), cs_model_label_index(model, "neutral"),
                 cs_model_label_index(model, "positive")};
    if (ix[0] < 0 || ix[1] < 0 || ix[2] < 0) return CS_ERR_FORMAT;
    struct cs_model_pred pred;
    int rc = cs_model_predict_text(model, text, len, cs_models_scratch(), &pred);
    if (rc != CS_OK) return rc;
    float prob[3] = {pred.prob[ix[0]], pred.prob[ix[1]], pred.prob[ix[2]]};
    struct cs_sentiment_cues cues;
    cs_sentiment_scan_cues(text, len, &cues);
    cs_sentiment_map(prob, &cues, out);
    return CS_OK;
}

/* Picks the word n-gram that pushes hardest towards "negative". */
static int model_trigger(const struct cs_models *m, const char *text, size_t len, char *out,
                         size_t cap)
{
    const struct cs_model *model = cs_models_get(m, "sentiment");
    if (!model) return CS_ERR_NOT_FOUND;
    int neg = cs_model_label_index(model, "negative");
    if (neg < 0) return CS_ERR_FORMAT;
    struct cs_model_explanation ex;
    int rc = cs_model_explain_text(model, text, len, (uint32_t)neg, CS_MODEL_MAX_EXPLAIN,
                                   cs_models_scratch(), &ex);
    if (rc != CS_OK) return rc;
    for (uint32_t i = 0; i < ex.n; i++) {
        if (ex.item[i].kind != CS_TEXTFEAT_WORD || ex.item[i].contribution <= 0.0f) continue;
        snprintf(out, cap, "%s", ex.item[i].name);
        return CS_OK;
    }
    snprintf(out, cap, "%.*s", (int)(len > 60 ? 60 : len), text);
    return CS_OK;
}

int cs_sentiment_trigger(const struct cs_models *m, const struct cs_sentiment *prev,
                         const struct cs_sentiment *cur, const char *text, size_t len,
                         char *out, size_t cap, int *dropped)
{
    if (!m || !prev || !cur || !out || cap == 0 || !dropped || (!text && len))
        return CS_ERR_INVALID;
    out[0] = '\0';
    *dropped = cur->score <= prev->score - 0.1f ||
               (cur->level > prev->level && cur->level >= CS_SENT_FRUSTRATED);
    if (!*dropped) return CS_OK;
    if (cur->cues.cue_len > 0 && cur->cues.cue_off + cur->cues.cue_len <= len) {
        snprintf(out, cap, "%.*s", (int)cur->cues.cue_len, text + cur->cues.cue_off);
        return CS_OK;
    }
    return model_trigger(m, text, len, out, cap);
}
