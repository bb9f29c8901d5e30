#include "cs/draft.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/closing.h"
#include "cs/kb.h"
#include "cs/triage.h"
#include "cs/words.h"

#define DRAFT_DEFAULT_MIN_SCORE 0.30
#define DRAFT_DEFAULT_MAX_SENTENCES 3
#define DRAFT_DEFAULT_SHARED_TERMS 2
#define DRAFT_DEFAULT_SIGNATURE "Customer Support Team"
/* Query terms are tracked in one 64-bit mask per sentence. */
#define DRAFT_MAX_TERMS 64
#define DRAFT_TERM_MAX 24
/* Quoted sentences outside these bounds are headings, fragments or walls of text. */
#define DRAFT_SENT_MIN 25
#define DRAFT_SENT_MAX 500
#define DRAFT_NAME_MAX 80
#define DRAFT_PHRASE_MAX 60
#define DRAFT_BODY_CAP (64 * 1024)
#define DRAFT_TOPIC_MIN_CONFIDENCE 0.5

/* ---- tone -------------------------------------------------------------------------- */

const char *cs_draft_tone_name(enum cs_draft_tone tone)
{
    switch (tone) {
    case CS_DRAFT_TONE_FORMAL: return "formal";
    case CS_DRAFT_TONE_CASUAL: return "casual";
    default: return "empathetic_professional";
    }
}

enum mood { MOOD_UNKNOWN, MOOD_ANGRY, MOOD_FRUSTRATED, MOOD_NEUTRAL, MOOD_POSITIVE };

static bool label_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(s, *list) == 0) return true;
    return false;
}

static enum mood mood_of(const char *sentiment)
{
    static const char *const angry[] = {"angry", "irate", "furious", "very_negative", NULL};
    static const char *const frustrated[] = {"frustrated",   "negative",  "upset", "annoyed",
                                             "disappointed", "concerned", NULL};
    static const char *const neutral[] = {"neutral", NULL};
    static const char *const positive[] = {"positive",  "very_positive", "happy",
                                           "satisfied", "delighted",     NULL};
    if (!sentiment || !*sentiment) return MOOD_UNKNOWN;
    if (label_in(sentiment, angry)) return MOOD_ANGRY;
    if (label_in(sentiment, frustrated)) return MOOD_FRUSTRATED;
    if (label_in(sentiment, neutral)) return MOOD_NEUTRAL;
    if (label_in(sentiment, positive)) return MOOD_POSITIVE;
    return MOOD_UNKNOWN;
}

enum cs_draft_tone cs_draft_tone_for(const char *sentiment, const char *priority)
{
    switch (mood_of(sentiment)) {
    case MOOD_POSITIVE: return CS_DRAFT_TONE_CASUAL;
    case MOOD_NEUTRAL:
        /* An urgent ticket reads cold in a formal register even when calmly written. */
        if (priority && strcasecmp(priority, "P1") == 0)
            return CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL;
        return CS_DRAFT_TONE_FORMAL;
    default: return CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL;
    }
}

struct cs_draft_triage cs_draft_triage_of(const struct cs_triage *t)
{
    return (struct cs_draft_triage){t->category,       t->subcategory, t->sentiment, t->priority,
                                    t->suggested_team, t->sla_hours,   t->confidence};
}

/* ---- terms ------------------------------------------------------------------------- */

/* Each term keeps a hash of itself: every word of every candidate sentence is looked
 * up, and comparing hashes first keeps that lookup off the profile. */
struct terms {
    char w[DRAFT_MAX_TERMS][DRAFT_TERM_MAX];
    uint32_t h[DRAFT_MAX_TERMS];
    unsigned n;
};

static uint32_t term_hash(const char *w)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *w; w++) h = (h ^ (unsigned char)*w) * 16777619u;
    return h;
}

/* The synonym list is consulted for every word of every candidate passage, so it is
 * searched by bisection in a sorted copy made once per process (stop words: cs/words.h). */
/* Words a customer and a help article use for the same thing: {word, canonical}. */
static const char *synonyms[][2] = {
    {"twice", "duplicate"},      {"double", "duplicate"},
    {"doubled", "duplicate"},    {"duplicated", "duplicate"},
    {"duplicates", "duplicate"}, {"cancellation", "cancel"},
    {"cancelled", "cancel"},     {"canceled", "cancel"},
    {"cancelling", "cancel"},    {"canceling", "cancel"},
    {"cancels", "cancel"},       {"mail", "email"},
    {"emails", "email"},         {"log", "login"},
    {"logging", "login"},        {"logon", "login"},
    {"signin", "login"},         {"mfa", "2fa"},
    {"authenticator", "2fa"},    {"otp", "2fa"},
    {"reimburse", "refund"},     {"reimbursement", "refund"},
    {"refunds", "refund"},       {"refunded", "refund"},
    {"billed", "charge"},        {"charged", "charge"},
    {"charges", "charge"},       {"charging", "charge"},
    {"parcel", "package"},       {"ship", "deliver"},
    {"shipped", "deliver"},      {"shipping", "deliver"},
    {"shipment", "deliver"},     {"delivery", "deliver"},
    {"delivered", "deliver"},    {"deliveries", "deliver"},
    {"stolen", "lost"},          {"theft", "lost"},
    {"deleted", "delete"},       {"deleting", "delete"},
    {"deletion", "delete"},      {"erase", "delete"},
    {"erasure", "delete"},       {"download", "export"},
    {"locked", "lock"},          {"lockout", "lock"},
    {"hacked", "fraud"},         {"compromised", "fraud"},
    {"unauthorized", "fraud"},   {"unauthorised", "fraud"},
    {"fraudulent", "fraud"},     {"withdrawal", "withdraw"},
    {"withdrew", "withdraw"},    {"topup", "top"},
    {"transferred", "transfer"}, {"transfers", "transfer"},
    {"receipt", "invoice"},      {"receipts", "invoice"},
    {"invoices", "invoice"},     {"application", "app"},
    {"syncing", "sync"},         {"synced", "sync"},
    {"synchronization", "sync"}, {"crashes", "crash"},
    {"crashed", "crash"},        {"crashing", "crash"},
    {"passwords", "password"},   {"subscriptions", "subscription"},
    {"news", "status"}, /* stemmed, "any news on my order" would match "the new order" */
};

#define NSYN (sizeof synonyms / sizeof synonyms[0])

static int cmp_word(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_word_lists(void) { qsort(synonyms, NSYN, sizeof synonyms[0], cmp_word); }

static void word_lists_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sort_word_lists);
}

static const char *synonym(const char *w)
{
    const char *const *hit = bsearch(&w, synonyms, NSYN, sizeof synonyms[0], cmp_word);
    return hit ? hit[1] : NULL;
}

static bool ends_with(const char *w, size_t n, const char *suf, size_t *sl)
{
    *sl = strlen(suf);
    return n > *sl + 2 && memcmp(w + n - *sl, suf, *sl) == 0;
}

/* Crude suffix stripping: enough to make "charges"/"charge" or "invoices"/"invoice"
 * meet, cheap enough to run over every retrieved sentence. */
static void stem(char *w)
{
    size_t n = strlen(w), sl;
    if (ends_with(w, n, "ies", &sl)) {
        w[n - 3] = 'y';
        w[n - 2] = '\0';
        return;
    }
    if (ends_with(w, n, "ing", &sl) || ends_with(w, n, "ed", &sl) || ends_with(w, n, "es", &sl) ||
        (ends_with(w, n, "s", &sl) && w[n - 2] != 's')) {
        n -= sl;
        w[n] = '\0';
    }
    if (n > 3 && w[n - 1] == 'e') w[n - 1] = '\0';
}

/* Normalises one lower-case word in place; false for words that carry no topic. */
static bool normalize_lower(char w[DRAFT_TERM_MAX])
{
    if (cs_words_stop(w)) return false;
    const char *syn = synonym(w);
    if (syn) {
        size_t sn = strlen(syn);
        memcpy(w, syn, sn + 1);
    }
    stem(w);
    return true;
}

/* normalize() runs on every word of every retrieved passage (six words in ten were in
 * the stop-word and synonym searches: 10% of a ticket's CPU) and the knowledge base
 * repeats its words across passages and tickets, so each thread remembers the last
 * answer per hash slot. The answer depends on the lower-cased word alone. */
#define NORM_MEMO 2048
struct norm_memo {
    uint32_t h;
    uint8_t n; /* 0: empty */
    bool ok;
    char key[DRAFT_TERM_MAX], out[DRAFT_TERM_MAX];
};
static _Thread_local struct norm_memo norm_memo[NORM_MEMO];

/* Normalises one raw word into `out`; false for words that carry no topic. */
static bool normalize(const char *p, size_t n, char out[DRAFT_TERM_MAX])
{
    if (n < 3 || n >= DRAFT_TERM_MAX) return false;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        h = (h ^ (unsigned char)out[i]) * 16777619u;
    }
    out[n] = '\0';
    struct norm_memo *m = &norm_memo[h & (NORM_MEMO - 1)];
    if (m->n == n && m->h == h && memcmp(m->key, out, n) == 0) {
        if (m->ok) memcpy(out, m->out, strlen(m->out) + 1);
        return m->ok;
    }
    m->h = h;
    m->n = (uint8_t)n;
    memcpy(m->key, out, n);
    m->ok = normalize_lower(out);
    if (m->ok) memcpy(m->out, out, strlen(out) + 1);
    return m->ok;
}

/* Iterates words of [pos, len) (bytes: letters, digits, UTF-8; the apostrophe splits,
 * so "didn't" is "didn" + "t"); returns false at the end. */
static bool next_word(const char *s, size_t len, size_t *pos, size_t *ws, size_t *wn)
{
    struct cs_word w;
    if (!cs_words_next(s, len, pos, 0, &w)) return false;
    *ws = w.off;
    *wn = w.len;
    return true;
}

static int term_index(const struct terms *t, const char *w)
{
    uint32_t h = term_hash(w);
    for (unsigned i = 0; i < t->n; i++)
        if (t->h[i] == h && strcmp(t->w[i], w) == 0) return (int)i;
    return -1;
}

static void terms_add_text(struct terms *t, const char *s)
{
    if (!s) return;
    size_t len = strlen(s), pos = 0, ws, wn;
    char w[DRAFT_TERM_MAX];
    while (t->n < DRAFT_MAX_TERMS && next_word(s, len, &pos, &ws, &wn)) {
        if (normalize(s + ws, wn, w) && term_index(t, w) < 0) {
            memcpy(t->w[t->n], w, sizeof w);
            t->h[t->n++] = term_hash(w);
        }
    }
}

/* ---- sentence selection ------------------------------------------------------------ */

struct cand {
    size_t passage, start, end;
    double score;
};

struct picks {
    struct cand c[CS_DRAFT_MAX_USED];
    unsigned n, max;
};

static bool sentence_quotable(const char *s, size_t n)
{
    if (n < DRAFT_SENT_MIN || n > DRAFT_SENT_MAX) return false;
    if (s[n - 1] == '?' || s[n - 1] == ':') return false; /* FAQ headings, list intros */
    /* A bracket could forge or break a [DOC-ID] marker. */
    if (memchr(s, '[', n) || memchr(s, ']', n)) return false;
    return cs_kb_text_valid(s, n);
}

/* Skips list bullets so a quoted step reads as a sentence. */
static size_t skip_bullet(const char *s, size_t start, size_t end)
{
    if (end - start > 2 && (s[start] == '-' || s[start] == '*') && s[start + 1] == ' ')
        return start + 2;
    if (end - start > 4 && memcmp(s + start, "\xE2\x80\xA2 ", 4) == 0) return start + 4;
    return start;
}

static double sentence_score(const struct terms *q, const char *s, size_t n, unsigned need)
{
    uint64_t mask = 0;
    unsigned content = 0, matched = 0;
    size_t pos = 0, ws, wn;
    char w[DRAFT_TERM_MAX];
    while (next_word(s, n, &pos, &ws, &wn)) {
        if (!normalize(s + ws, wn, w)) continue;
        content++;
        int k = term_index(q, w);
        if (k >= 0 && !(mask & ((uint64_t)1 << k))) {
            mask |= (uint64_t)1 << k;
            matched++;
        }
    }
    if (matched == 0 || matched < need) return 0.0;
    /* Square root damping: long sentences match more words by chance. */
    return matched / sqrt((double)content + 1.0);
}

static bool same_text(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static void picks_offer(struct picks *p, const struct cs_passage *ps, struct cand c)
{
    const char *ct = ps[c.passage].text + c.start;
    size_t cn = c.end - c.start;
    /* Overlapping chunks repeat sentences; quote each sentence once, from its best hit. */
    for (unsigned i = 0; i < p->n; i++) {
        const char *pt = ps[p->c[i].passage].text + p->c[i].start;
        if (same_text(ct, cn, pt, p->c[i].end - p->c[i].start)) {
            if (c.score > p->c[i].score) p->c[i] = c;
            return;
        }
    }
    if (p->n < p->max) {
        p->c[p->n++] = c;
        return;
    }
    unsigned worst = 0;
    for (unsigned i = 1; i < p->n; i++)
        if (p->c[i].score < p->c[worst].score) worst = i;
    if (c.score > p->c[worst].score) p->c[worst] = c;
}

/* Without memory for the analysis: the same scan, read from the text. */
static void scan_passage_text(struct picks *p, const struct cs_passage *ps, size_t idx,
                              const struct terms *q, unsigned need)
{
    const char *t = ps[idx].text;
    size_t len = strlen(t), pos = 0, s, e, nx;
    unsigned ordinal = 0;
    while (cs_kb_next_sentence(t, len, pos, &s, &e, &nx)) {
        pos = nx;
        s = skip_bullet(t, s, e);
        if (!sentence_quotable(t + s, e - s)) continue;
        double rel = sentence_score(q, t + s, e - s, need);
        if (rel <= 0.0) continue;
        double score = rel * (0.5 + 0.5 * ps[idx].score) - 0.001 * ordinal++;
        struct cand c = {idx, s, e, score};
        picks_offer(p, ps, c);
    }
}

/* ---- passage analysis, remembered -----------------------------------------------------
 *
 * A ticket's passages are the same knowledge-base chunks over and over, and most of the
 * scan does not depend on the ticket: the sentences, whether each can be quoted and its
 * normalised words. Each thread keeps that per passage text (checked byte for byte), so a
 * ticket only matches its terms against the remembered words. */

struct sent_info {
    size_t start, end; /* after the bullet */
    uint32_t first, n; /* its normalised words in words[] */
    bool quotable;
};

struct word_info {
    uint32_t h;
    char w[DRAFT_TERM_MAX];
};

struct passage_info {
    char *text; /* NULL: empty slot */
    size_t len;
    struct sent_info *sents;
    size_t nsents;
    struct word_info *words;
    size_t nwords;
};

#define PASSAGE_MEMO 64

static void passage_info_free(struct passage_info *pi)
{
    free(pi->text);
    free(pi->sents);
    free(pi->words);
    memset(pi, 0, sizeof *pi);
}

static void passage_memo_free(void *m)
{
    struct passage_info *slots = m;
    for (size_t i = 0; i < PASSAGE_MEMO; i++) passage_info_free(&slots[i]);
    free(slots);
}

static pthread_key_t passage_key;
static void passage_key_make(void) { pthread_key_create(&passage_key, passage_memo_free); }

static bool add_word(struct passage_info *pi, size_t *cap, const char *w)
{
    if (pi->nwords == *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        struct word_info *g = realloc(pi->words, n * sizeof(*g));
        if (!g) return false;
        pi->words = g;
        *cap = n;
    }
    struct word_info *x = &pi->words[pi->nwords++];
    x->h = term_hash(w);
    memcpy(x->w, w, strlen(w) + 1);
    return true;
}

/* The sentence's normalised words, as sentence_score reads them. */
static bool add_sentence_words(struct passage_info *pi, size_t *cap, const char *s, size_t n)
{
    size_t pos = 0, ws, wn;
    char w[DRAFT_TERM_MAX];
    while (next_word(s, n, &pos, &ws, &wn))
        if (normalize(s + ws, wn, w) && !add_word(pi, cap, w)) return false;
    return true;
}

static bool analyse(struct passage_info *pi, const char *t, size_t len)
{
    size_t pos = 0, s, e, nx, cap_s = 0, cap_w = 0;
    pi->text = malloc(len + 1);
    if (!pi->text) return false;
    memcpy(pi->text, t, len + 1);
    pi->len = len;
    while (cs_kb_next_sentence(t, len, pos, &s, &e, &nx)) {
        pos = nx;
        s = skip_bullet(t, s, e);
        if (pi->nsents == cap_s) {
            size_t n = cap_s ? cap_s * 2 : 16;
            struct sent_info *g = realloc(pi->sents, n * sizeof(*g));
            if (!g) return false;
            pi->sents = g;
            cap_s = n;
        }
        struct sent_info *si = &pi->sents[pi->nsents++];
        si->start = s;
        si->end = e;
        si->first = (uint32_t)pi->nwords;
        si->quotable = sentence_quotable(t + s, e - s);
        if (si->quotable && !add_sentence_words(pi, &cap_w, t + s, e - s)) return false;
        si->n = (uint32_t)(pi->nwords - si->first);
    }
    return true;
}

/* The thread's analysis of text t, made now if it has none; NULL without memory. */
static const struct passage_info *passage_info(const char *t)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, passage_key_make);
    struct passage_info *slots = pthread_getspecific(passage_key);
    if (!slots) {
        slots = calloc(PASSAGE_MEMO, sizeof(*slots));
        if (!slots || pthread_setspecific(passage_key, slots) != 0) {
            free(slots);
            return NULL;
        }
    }
    size_t len = strlen(t);
    uint64_t h = 14695981039346656037ull; /* FNV-1a of the length and the first bytes */
    for (size_t i = 0; i < len && i < 64; i++) h = (h ^ (unsigned char)t[i]) * 1099511628211ull;
    h = (h ^ len) * 1099511628211ull;
    struct passage_info *pi = &slots[h % PASSAGE_MEMO];
    if (pi->text && pi->len == len && memcmp(pi->text, t, len) == 0) return pi;
    passage_info_free(pi);
    if (analyse(pi, t, len)) return pi;
    passage_info_free(pi);
    return NULL;
}

static int term_index_h(const struct terms *t, uint32_t h, const char *w)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->h[i] == h && strcmp(t->w[i], w) == 0) return (int)i;
    return -1;
}

/* sentence_score over remembered words. */
static double words_score(const struct terms *q, const struct word_info *w, size_t n, unsigned need)
{
    uint64_t mask = 0;
    unsigned matched = 0;
    for (size_t i = 0; i < n; i++) {
        int k = term_index_h(q, w[i].h, w[i].w);
        if (k >= 0 && !(mask & ((uint64_t)1 << k))) {
            mask |= (uint64_t)1 << k;
            matched++;
        }
    }
    if (matched == 0 || matched < need) return 0.0;
    return matched / sqrt((double)n + 1.0);
}

static void scan_passage(struct picks *p, const struct cs_passage *ps, size_t idx,
                         const struct terms *q, unsigned need)
{
    const struct passage_info *pi = passage_info(ps[idx].text);
    if (!pi) {
        scan_passage_text(p, ps, idx, q, need);
        return;
    }
    unsigned ordinal = 0;
    for (size_t i = 0; i < pi->nsents; i++) {
        const struct sent_info *si = &pi->sents[i];
        if (!si->quotable) continue;
        double rel = words_score(q, pi->words + si->first, si->n, need);
        if (rel <= 0.0) continue;
        double score = rel * (0.5 + 0.5 * ps[idx].score) - 0.001 * ordinal++;
        struct cand c = {idx, si->start, si->end, score};
        picks_offer(p, ps, c);
    }
}

static int cand_order(const struct cand *a, const struct cand *b)
{
    if (a->passage != b->passage) return a->passage < b->passage ? -1 : 1;
    return a->start < b->start ? -1 : (a->start > b->start);
}

/* Reading order: by passage rank, then position within the passage. */
static void picks_sort(struct picks *p)
{
    for (unsigned i = 1; i < p->n; i++) {
        struct cand c = p->c[i];
        unsigned j = i;
        while (j > 0 && cand_order(&p->c[j - 1], &c) > 0) {
            p->c[j] = p->c[j - 1];
            j--;
        }
        p->c[j] = c;
    }
}

/* Retrieval ranked the first usable passage best (words, category, re-ranking); when
 * it has a quotable sentence the reply quotes it, so the article the customer is sent
 * first is the best one, not one whose sentences happen to repeat more query words. */
static void keep_best_passage(struct picks *p, const struct cs_passage *ps, size_t best,
                              const struct terms *q, unsigned need)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->c[i].passage == best) return;
    struct picks one = {.n = 0, .max = 1};
    scan_passage(&one, ps, best, q, need);
    if (one.n == 0 || p->max == 0) return;
    if (p->n < p->max) {
        p->c[p->n++] = one.c[0];
        return;
    }
    unsigned worst = 0;
    for (unsigned i = 1; i < p->n; i++)
        if (p->c[i].score < p->c[worst].score) worst = i;
    p->c[worst] = one.c[0];
}

static bool passage_usable(const struct cs_passage *p, double min_score)
{
    if (!p->doc_id || !p->text || !(p->score >= min_score)) return false;
    return cs_kb_doc_id_valid(p->doc_id, strnlen(p->doc_id, CS_KB_DOC_ID_MAX + 1));
}

static void select_sentences(const struct cs_draft_input *in, const struct cs_draft_opts *o,
                             struct picks *p)
{
    struct terms q;
    q.n = 0;
    terms_add_text(&q, in->ticket_text);
    terms_add_text(&q, in->query_terms);
    terms_add_text(&q, in->triage.subcategory);
    p->n = 0;
    p->max = o->max_sentences;
    if (q.n == 0) return;
    unsigned need = o->min_shared_terms < q.n ? o->min_shared_terms : q.n;
    size_t best = in->n_passages;
    for (size_t i = 0; i < in->n_passages; i++) {
        if (!passage_usable(&in->passages[i], o->min_passage_score)) continue;
        if (best == in->n_passages) best = i;
        scan_passage(p, in->passages, i, &q, need);
    }
    if (best < in->n_passages) keep_best_passage(p, in->passages, best, &q, need);
    picks_sort(p);
}

/* ---- text assembly ----------------------------------------------------------------- */

/* Copies `s` for use inside our own sentences: control bytes and brackets dropped (a
 * triage label must not be able to forge a citation), whitespace collapsed, cut at
 * `max` bytes on a character boundary. NULL when nothing usable is left. */
static char *clean_phrase(struct cs_arena *a, const char *s, size_t max, bool *nomem)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    if (!cs_kb_text_valid(s, n)) return NULL;
    char *out = cs_arena_alloc(a, max + 1);
    if (!out) {
        *nomem = true;
        return NULL;
    }
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '[' || c == ']') continue;
        if (c <= 0x20) {
            space = o > 0;
            continue;
        }
        size_t clen = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (o + (space ? 1 : 0) + clen > max) break;
        if (space) out[o++] = ' ';
        space = false;
        memcpy(out + o, s + i, clen);
        o += clen;
        i += clen - 1;
    }
    out[o] = '\0';
    return o ? out : NULL;
}

/* Lower-cases Title-case words only, so "Duplicate Charge" reads naturally mid-sentence
 * while "API Rate Limits" keeps its acronym. */
static void topic_case(char *s)
{
    for (char *w = s; *w;) {
        char *e = w;
        bool rest_lower = true;
        while (*e && *e != ' ') {
            if (e > w && *e >= 'A' && *e <= 'Z') rest_lower = false;
            e++;
        }
        if (rest_lower && *w >= 'A' && *w <= 'Z') *w = (char)(*w + 32);
        w = *e ? e + 1 : e;
    }
}

/* Labels that already name a kind of case ("Technical Issue", "Cancellation Request") are
 * read back as they are: "your technical issue issue" is what appending " issue" to every
 * label gave. */
static bool names_a_case(const char *topic)
{
    static const char *const kinds[] = {"issue",    "issues",   "request",   "requests", "problem",
                                        "problems", "question", "questions", "inquiry",  "enquiry",
                                        "error",    "errors",   "complaint", "query",    NULL};
    const char *last = strrchr(topic, ' ');
    return label_in(last ? last + 1 : topic, kinds);
}

static int put_opening(struct cs_buf *b, enum mood m, enum cs_draft_tone tone, const char *topic)
{
    /* Without a topic the opening names none ("about your this" is not English). */
    char about[DRAFT_PHRASE_MAX + 32] = "";
    if (topic)
        snprintf(about, sizeof about, " about your %s%s", topic,
                 names_a_case(topic) ? "" : " issue");
    if (tone == CS_DRAFT_TONE_CASUAL) return cs_buf_printf(b, "Thanks for reaching out%s!", about);
    if (tone == CS_DRAFT_TONE_FORMAL)
        return cs_buf_printf(b, "Thank you for contacting us%s.", about);
    const char *what = topic ? about + 1 : "about this";
    if (m == MOOD_ANGRY)
        return cs_buf_printf(
            b, "I'm truly sorry %s, and I completely understand why you are upset.", what);
    if (m == MOOD_FRUSTRATED)
        return cs_buf_printf(
            b, "I'm really sorry to hear %s. I understand how frustrating this must be.",
            topic ? what : "that");
    return cs_buf_printf(b, "I understand your concern%s, and I'm sorry for the inconvenience.",
                         about);
}

static void sla_text(int hours, char *out, size_t cap)
{
    if (hours > 48 && hours % 24 == 0)
        snprintf(out, cap, "%d days", hours / 24);
    else
        snprintf(out, cap, "%d hour%s", hours, hours == 1 ? "" : "s");
}

static int put_quotes(struct cs_buf *b, const struct cs_draft_input *in, const struct picks *p,
                      enum cs_draft_tone tone)
{
    int rc = cs_buf_puts(b, tone == CS_DRAFT_TONE_CASUAL
                                ? " Here's what our help centre says:"
                                : " Here is the relevant guidance from our help centre:");
    for (unsigned i = 0; !rc && i < p->n; i++) {
        const struct cand *c = &p->c[i];
        const struct cs_passage *ps = &in->passages[c->passage];
        rc = cs_buf_printf(b, " %.*s [%s]", (int)(c->end - c->start), ps->text + c->start,
                           ps->doc_id);
    }
    return rc;
}

static int put_next_step(struct cs_buf *b, bool kb, enum cs_draft_tone tone, const char *team,
                         int sla_hours)
{
    char when[48] = "";
    if (sla_hours > 0) {
        char t[32];
        sla_text(sla_hours, t, sizeof t);
        snprintf(when, sizeof when, " within %s", t);
    }
    if (kb) {
        if (tone == CS_DRAFT_TONE_CASUAL)
            return cs_buf_printf(b,
                                 " If that doesn't sort it out, just reply here and our %s "
                                 "will follow up%s.",
                                 team, when);
        return cs_buf_printf(b,
                             " If this does not resolve the matter, please reply to this "
                             "message and our %s will follow up%s.",
                             team, when);
    }
    /* Nothing has been passed to anyone when a draft is written: say what the customer
     * can do, never report an action that did not happen. */
    return cs_buf_printf(b,
                         " I couldn't find a help-centre article that covers this exactly. If "
                         "you reply with any details you have (an order or account number, "
                         "what you expected and what happened, and any screenshots), our %s "
                         "can look into it.",
                         team);
}

static const char *closing_line(enum cs_draft_tone tone)
{
    switch (tone) {
    case CS_DRAFT_TONE_FORMAL:
        return "Please do not hesitate to contact us if you need any further assistance.\n\n"
               "Kind regards,";
    case CS_DRAFT_TONE_CASUAL: return "Thanks again for getting in touch!\n\nCheers,";
    default: return "Thank you for your patience and understanding.\n\nBest regards,";
    }
}

/* A thank-you or goodbye with nothing left open (cs_reply_closing) is answered as such:
 * no article search, no "reply with details", nothing promised. */
static int put_closing_ack(struct cs_buf *b, enum cs_draft_tone tone)
{
    if (tone == CS_DRAFT_TONE_CASUAL)
        return cs_buf_puts(b, "Thanks for letting us know! Glad that's sorted. If anything "
                              "else comes up, just reply here.");
    return cs_buf_puts(b, "Thank you for letting us know. I'm glad that's sorted. If anything "
                          "else comes up, please reply to this message and we will be happy to "
                          "help.");
}

static const char *closing_ack_line(enum cs_draft_tone tone)
{
    return tone == CS_DRAFT_TONE_CASUAL ? "Cheers," : "Best regards,";
}

static char *make_greeting(struct cs_arena *a, enum cs_draft_tone tone, const char *name,
                           bool *nomem)
{
    char *full = clean_phrase(a, name, DRAFT_NAME_MAX, nomem);
    if (*nomem) return NULL;
    if (tone == CS_DRAFT_TONE_CASUAL) {
        if (!full) return cs_arena_strdup(a, "Hi there,");
        size_t first = strcspn(full, " ");
        return cs_arena_printf(a, "Hi %.*s,", (int)first, full);
    }
    return cs_arena_printf(a, "Dear %s,", full ? full : "Customer");
}

static void record_used(struct cs_draft *out, const struct picks *p)
{
    out->n_used = 0;
    for (unsigned i = 0; i < p->n; i++) {
        size_t idx = p->c[i].passage;
        bool seen = false;
        for (size_t k = 0; k < out->n_used; k++) seen = seen || out->used[k] == idx;
        if (!seen) out->used[out->n_used++] = idx;
    }
}

static int resolve_opts(const struct cs_draft_opts *opts, struct cs_draft_opts *o)
{
    o->min_passage_score = DRAFT_DEFAULT_MIN_SCORE;
    o->max_sentences = DRAFT_DEFAULT_MAX_SENTENCES;
    o->min_shared_terms = DRAFT_DEFAULT_SHARED_TERMS;
    o->tone = CS_DRAFT_TONE_AUTO;
    o->signature = DRAFT_DEFAULT_SIGNATURE;
    if (!opts) return CS_OK;
    if (opts->min_passage_score > 0) o->min_passage_score = opts->min_passage_score;
    if (opts->max_sentences) o->max_sentences = opts->max_sentences;
    if (opts->min_shared_terms) o->min_shared_terms = opts->min_shared_terms;
    if (opts->signature) o->signature = opts->signature;
    o->tone = opts->tone;
    if (o->max_sentences > CS_DRAFT_MAX_USED || o->tone > CS_DRAFT_TONE_CASUAL ||
        o->min_passage_score > 1.0 || isnan(opts->min_passage_score))
        return CS_ERR_INVALID;
    return CS_OK;
}

/* The topic is read back to the customer ("about your duplicate charge issue"): only
 * when triage is reasonably sure of it. */
static bool names_topic(const struct cs_draft_triage *tr)
{
    return !(tr->confidence > 0 && tr->confidence < DRAFT_TOPIC_MIN_CONFIDENCE);
}

/* Catch-all routes name no topic: "about your other issue" says nothing. */
static bool catch_all(const char *topic)
{
    static const char *const names[] = {
        "other", "general", "general inquiry", "general_inquiry", "unknown", "misc", NULL};
    return label_in(topic, names);
}

static int build(struct cs_arena *a, const struct cs_draft_input *in, const struct cs_draft_opts *o,
                 struct cs_draft *out)
{
    bool nomem = false;
    const struct cs_draft_triage *tr = &in->triage;
    enum cs_draft_tone tone = o->tone ? o->tone : cs_draft_tone_for(tr->sentiment, tr->priority);
    out->tone_id = tone;
    out->tone = cs_draft_tone_name(tone);

    char *topic = NULL;
    if (names_topic(tr)) {
        topic = clean_phrase(a, tr->subcategory, DRAFT_PHRASE_MAX, &nomem);
        if (!topic && !nomem) topic = clean_phrase(a, tr->category, DRAFT_PHRASE_MAX, &nomem);
        if (topic && catch_all(topic)) topic = NULL;
    }
    char *team = nomem ? NULL : clean_phrase(a, tr->suggested_team, DRAFT_PHRASE_MAX, &nomem);
    char *sig = nomem ? NULL : clean_phrase(a, o->signature, DRAFT_PHRASE_MAX, &nomem);
    out->greeting = nomem ? NULL : make_greeting(a, tone, in->customer_name, &nomem);
    if (nomem || !out->greeting) return CS_ERR_NOMEM;
    if (topic) topic_case(topic);

    struct cs_buf b;
    cs_buf_init(&b, a, DRAFT_BODY_CAP);
    if (in->ticket_text && cs_reply_closing(in->ticket_text)) {
        int rc = put_closing_ack(&b, tone);
        if (rc) return rc;
        out->body = cs_buf_str(&b);
        out->closing = cs_arena_printf(a, "%s\n%s", closing_ack_line(tone),
                                       sig ? sig : DRAFT_DEFAULT_SIGNATURE);
        return out->closing ? CS_OK : CS_ERR_NOMEM;
    }

    struct picks p;
    select_sentences(in, o, &p);
    out->kb_answer = p.n > 0;

    int rc = put_opening(&b, mood_of(tr->sentiment), tone, topic);
    if (!rc && out->kb_answer) rc = put_quotes(&b, in, &p, tone);
    if (!rc)
        rc = put_next_step(&b, out->kb_answer, tone, team ? team : "support team",
                           tr->sla_hours > 168 ? 168 : tr->sla_hours);
    if (rc) return rc;
    out->body = cs_buf_str(&b);
    out->closing =
        cs_arena_printf(a, "%s\n%s", closing_line(tone), sig ? sig : DRAFT_DEFAULT_SIGNATURE);
    if (!out->closing) return CS_ERR_NOMEM;
    if (out->kb_answer) record_used(out, &p);
    return CS_OK;
}

int cs_draft_build(struct cs_arena *a, const struct cs_draft_input *in,
                   const struct cs_draft_opts *opts, struct cs_draft *out)
{
    word_lists_ready();
    if (out) memset(out, 0, sizeof *out);
    if (!a || !in || !out || (!in->passages && in->n_passages)) return CS_ERR_INVALID;
    struct cs_draft_opts o;
    int rc = resolve_opts(opts, &o);
    if (!rc) rc = build(a, in, &o, out);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
