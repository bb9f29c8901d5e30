/* Escalation triggers from one customer text (cs/cues.h): the phrase table of
 * cues_lexicon.c matched clause by clause, with negation ("I'm not going to sue"),
 * names ("this is Sue") and harmless senses ("my lawyer friend", "your manager was
 * lovely") vetoed within their clause. */
#include "cs/cues.h"

#include <pthread.h>
#include <string.h>

#include "nlp/cues_lexicon.h"

static struct cs_phrase_index g_index;
static bool g_index_ok;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void index_init(void)
{
    g_index_ok = cs_phrase_index_build(CS_CUE_LEXICON, CS_CUE_LEXICON_N, &g_index);
}

#define MAX_HITS 512

struct hit {
    int kind, value;
    size_t start, end;
    uint16_t clause, sentence;
    bool negated;
};

struct hits {
    struct hit h[MAX_HITS];
    size_t n;
};

/* Families whose phrases never contain a negator themselves, so one inside the match
 * negates it ("I will not sue"); security phrases do ("I didn't authorise"). */
static bool inside_negation(int kind)
{
    return kind == CUE_LEGAL || kind == CUE_SOCIAL || kind == CUE_HUMAN || kind == CUE_REPEAT ||
           kind == CUE_THREAT || kind == CUE_SOCIAL_ACT;
}

static void on_hit(void *ctx, const struct cs_toks *tk, const struct cs_phrase *p, size_t start,
                   size_t end)
{
    struct hits *hs = ctx;
    if (hs->n >= MAX_HITS) return;
    int kind = p->kind;
    if (kind == CUE_REPEAT_OPENER) {
        if (!tk->t[start].start) return;
        kind = CUE_REPEAT;
    }
    hs->h[hs->n++] =
        (struct hit){.kind = kind,
                     .value = p->value,
                     .start = start,
                     .end = end,
                     .clause = tk->t[start].clause,
                     .sentence = tk->t[start].sentence,
                     .negated = inside_negation(kind) ? cs_tok_negated_span(tk, start, end)
                                                      : cs_tok_negated(tk, start)};
}

static int veto_of(int kind)
{
    switch (kind) {
    case CUE_LEGAL: return CUE_LEGAL_VETO;
    case CUE_SOCIAL:
    case CUE_PLATFORM: return CUE_SOCIAL_VETO;
    case CUE_HUMAN: return CUE_HUMAN_VETO;
    case CUE_DEADLINE: return CUE_DEADLINE_VETO;
    case CUE_REPEAT:
    case CUE_REPEAT_TIME: return CUE_REPEAT_VETO;
    default: return 0;
    }
}

static bool clause_has(const struct hits *hs, int kind, uint16_t clause)
{
    for (size_t i = 0; i < hs->n; i++)
        if (hs->h[i].kind == kind && hs->h[i].clause == clause && !hs->h[i].negated) return true;
    return false;
}

static bool sentence_has(const struct hits *hs, int kind, int value, uint16_t sentence)
{
    for (size_t i = 0; i < hs->n; i++)
        if (hs->h[i].kind == kind && hs->h[i].value == value && hs->h[i].sentence == sentence &&
            !hs->h[i].negated)
            return true;
    return false;
}

static void set_span(struct cs_cue_span *sp, const struct cs_toks *tk, const struct hit *h)
{
    size_t off = tk->t[h->start].off, end = tk->t[h->end - 1].end;
    if (sp->len == 0 || off < sp->off) {
        sp->off = off;
        sp->len = end - off;
    }
}

/* A hit that survives negation, its family's veto and (for "the third time") the need
 * for a contact word in its clause. */
static bool hit_counts(const struct hits *hs, const struct hit *h)
{
    if (h->kind == CUE_UNRESOLVED) return true; /* its phrases are negations themselves */
    if (h->negated) return false;
    if (h->kind == CUE_SOCIAL && h->value == CUE_SOCIAL_UNVETOED) return true;
    int veto = veto_of(h->kind);
    bool conditional = veto == CUE_SOCIAL_VETO && sentence_has(hs, CUE_CONDITION, 0, h->sentence);
    if (veto && !conditional && clause_has(hs, veto, h->clause)) return false;
    /* praise anywhere in the sentence: "I mentioned you on Twitter, you've been great",
     * unless the sentence sets a condition ("happy to write about this if ...") */
    if (veto == CUE_SOCIAL_VETO && sentence_has(hs, CUE_SOCIAL_VETO, 0, h->sentence) &&
        !sentence_has(hs, CUE_CONDITION, 0, h->sentence))
        return false;
    if (h->kind == CUE_REPEAT_TIME && !clause_has(hs, CUE_CONTACT_WORD, h->clause)) return false;
    return true;
}

static void apply_hit(struct cs_cues *out, const struct cs_toks *tk, const struct hits *hs,
                      const struct hit *h)
{
    switch (h->kind) {
    case CUE_LEGAL: out->legal = true, set_span(&out->legal_span, tk, h); break;
    case CUE_SOCIAL: out->social = true, set_span(&out->social_span, tk, h); break;
    case CUE_HUMAN: out->human_request = true, set_span(&out->request_span, tk, h); break;
    case CUE_PLATFORM:
        if (!clause_has(hs, CUE_SOCIAL_ACT, h->clause)) break;
        out->social = true, set_span(&out->social_span, tk, h);
        break;
    case CUE_REPEAT:
    case CUE_REPEAT_TIME:
        if (h->value > out->earlier_contacts) {
            out->earlier_contacts = h->value;
            out->repeat_span = (struct cs_cue_span){0, 0};
        }
        if (h->value == out->earlier_contacts && h->value > 0) set_span(&out->repeat_span, tk, h);
        break;
    case CUE_SAFETY: out->safety = true; break;
    case CUE_SECURITY: out->security = true; break;
    case CUE_OUTAGE: out->outage = true; break;
    case CUE_DEADLINE: out->deadline = true; break;
    case CUE_THREAT: out->threat = true; break;
    case CUE_UNRESOLVED: out->unresolved = true; break;
    default: break;
    }
}

/* Single earlier contacts stated in different clauses add up: "second chat and first
 * call didn't sort this, here I am again". */
static bool word_in(const char *w, const char *const *set);

static void count_single_contacts(const struct hits *hs, struct cs_cues *out)
{
    int clauses = 0;
    int last = -1;
    for (size_t i = 0; i < hs->n; i++) {
        const struct hit *h = &hs->h[i];
        if ((h->kind != CUE_REPEAT && h->kind != CUE_REPEAT_TIME) || h->value != 1 ||
            !hit_counts(hs, h) || (int)h->clause == last)
            continue;
        last = h->clause;
        clauses++;
    }
    if (clauses >= 2 && out->earlier_contacts < 2) out->earlier_contacts = 2;
}

/* A message of one to three words naming a person to talk to ("agent", "operator!!",
 * "representative please") is the request itself. */
static void short_request(const struct cs_toks *tk, struct cs_cues *out)
{
    static const char *const WHO[] = {"agent",      "operator",  "human",      "representative",
                                      "rep",        "manager",   "supervisor", "person",
                                      "humano",     "agente",    "mensch",     "mitarbeiter",
                                      "conseiller", "atendente", "humain",     NULL};
    static const char *const FILL[] = {"please", "pls",  "now",   "a",     "an",    "the",
                                       "real",   "live", "human", "por",   "favor", "bitte",
                                       "svp",    "asap", "talk",  "speak", "to",    NULL};
    if (out->human_request || tk->n == 0 || tk->n > 3) return;
    bool who = false;
    for (size_t i = 0; i < tk->n; i++) {
        if (word_in(tk->t[i].w, WHO))
            who = true;
        else if (!word_in(tk->t[i].w, FILL))
            return;
    }
    if (!who) return;
    out->human_request = true;
    out->request_span = (struct cs_cue_span){tk->t[0].off, tk->t[tk->n - 1].end - tk->t[0].off};
}

/* ---- waiting time: "for three weeks", "since Monday", "5 days ago" ---- */

static const struct {
    const char *w;
    float n;
} NUMBERS[] = {{"a", 1},      {"an", 1},      {"one", 1},     {"two", 2},       {"three", 3},
               {"four", 4},   {"five", 5},    {"six", 6},     {"seven", 7},     {"eight", 8},
               {"nine", 9},   {"ten", 10},    {"eleven", 11}, {"twelve", 12},   {"couple", 2},
               {"few", 3},    {"several", 4}, {"many", 5},    {"un", 1},        {"una", 1},
               {"uno", 1},    {"dos", 2},     {"tres", 3},    {"cuatro", 4},    {"cinco", 5},
               {"ein", 1},    {"eine", 1},    {"einer", 1},   {"zwei", 2},      {"drei", 3},
               {"vier", 4},   {"funf", 5},    {"une", 1},     {"deux", 2},      {"trois", 3},
               {"quatre", 4}, {"cinq", 5},    {"um", 1},      {"dois", 2},      {"duas", 2},
               {"varios", 4}, {"varias", 4},  {"mehrere", 4}, {"plusieurs", 4}, {NULL, 0}};

static const struct {
    const char *w;
    float days;
} UNITS[] = {{"hour", 1.0f / 24},
             {"hours", 1.0f / 24},
             {"hrs", 1.0f / 24},
             {"day", 1},
             {"days", 1},
             {"week", 7},
             {"weeks", 7},
             {"month", 30},
             {"months", 30},
             {"year", 365},
             {"years", 365},
             {"horas", 1.0f / 24},
             {"stunden", 1.0f / 24},
             {"heures", 1.0f / 24},
             {"dias", 1},
             {"tage", 1},
             {"tagen", 1},
             {"jours", 1},
             {"semanas", 7},
             {"wochen", 7},
             {"semaines", 7},
             {"meses", 30},
             {"monate", 30},
             {"monaten", 30},
             {"mois", 30},
             {NULL, 0}};

static const char *const WAIT_CONTEXT[] = {
    "for",     "since",   "over",  "already", "waiting", "waited", "been",    "past",  "last",
    "nearly",  "almost",  "ago",   "seit",    "desde",   "hace",   "depuis",  "ha",    "faz",
    "durante", "pendant", "lleva", "llevo",   "warte",   "espero", "attends", "after", "nach",
    "despues", "apres",   "apos",  "depois",  "waiting", NULL};

static bool word_in(const char *w, const char *const *set)
{
    for (; *set; set++)
        if ((*set)[0] == w[0] && strcmp(w, *set) == 0) return true; /* first byte: cheap filter */
    return false;
}

static float number_of(const char *w)
{
    if (w[0] >= '0' && w[0] <= '9') {
        float v = 0;
        for (const char *p = w; *p >= '0' && *p <= '9' && v < 1e6f; p++)
            v = v * 10 + (float)(*p - '0');
        return v;
    }
    for (size_t i = 0; NUMBERS[i].w; i++)
        if (NUMBERS[i].w[0] == w[0] && strcmp(w, NUMBERS[i].w) == 0) return NUMBERS[i].n;
    return -1;
}

static float unit_days(const char *w)
{
    for (size_t i = 0; UNITS[i].w; i++)
        if (UNITS[i].w[0] == w[0] && strcmp(w, UNITS[i].w) == 0) return UNITS[i].days;
    return -1;
}

/* Days waited that word i (a time unit) states, or 0. */
static float wait_at(const struct cs_toks *tk, size_t i)
{
    float unit = unit_days(tk->t[i].w);
    if (unit < 0 || i == 0) return 0;
    size_t k = i - 1;
    if (cs_tok_is(tk, k, "of") && k > 0) k--; /* "a couple of days" */
    float n = number_of(tk->t[k].w);
    if (n < 0) return 0;
    if (k > 0 && (cs_tok_is(tk, k - 1, "in") || cs_tok_is(tk, k - 1, "within") ||
                  cs_tok_is(tk, k - 1, "next") || cs_tok_is(tk, k - 1, "every")))
        return 0; /* a future or recurring span, not a wait */
    bool ctx = cs_tok_is(tk, i + 1, "ago") || cs_tok_is(tk, i + 1, "now") ||
               cs_tok_is(tk, i + 1, "already") || cs_tok_is(tk, i + 1, "later");
    for (size_t b = 1; !ctx && b <= 4 && b <= k; b++)
        if (tk->t[k - b].clause == tk->t[i].clause && word_in(tk->t[k - b].w, WAIT_CONTEXT))
            ctx = true;
    return ctx ? n * unit : 0;
}

/* "since Monday" (about three days), "since yesterday", "since last week". */
static float since_at(const struct cs_toks *tk, size_t i)
{
    static const char *const SINCE[] = {"since", "seit", "desde", "depuis", NULL};
    static const char *const WEEKDAY[] = {
        "monday", "tuesday",  "wednesday", "thursday", "friday",     "saturday",
        "sunday", "montag",   "dienstag",  "mittwoch", "donnerstag", "freitag",
        "lunes",  "martes",   "miercoles", "jueves",   "viernes",    "lundi",
        "mardi",  "mercredi", "jeudi",     "vendredi", NULL};
    if (!word_in(tk->t[i].w, SINCE) || i + 1 >= tk->n) return 0;
    const char *w = tk->t[i + 1].w;
    if (word_in(w, WEEKDAY)) return 3;
    if (!strcmp(w, "yesterday") || !strcmp(w, "gestern") || !strcmp(w, "ayer") ||
        !strcmp(w, "hier") || !strcmp(w, "ontem"))
        return 1;
    if (!strcmp(w, "last") && i + 2 < tk->n) {
        float u = unit_days(tk->t[i + 2].w);
        if (u > 0) return u;
    }
    float u = unit_days(w); /* "seit Wochen" */
    return u > 0 ? u * 2 : 0;
}

static void scan_waits(const struct cs_toks *tk, struct cs_cues *out)
{
    for (size_t i = 0; i < tk->n; i++) {
        float d = wait_at(tk, i), s = since_at(tk, i);
        if (d < s) d = s;
        if (d > out->wait_days) out->wait_days = d > 3650 ? 3650 : d;
    }
}

void cs_cues_scan(const char *text, size_t len, struct cs_cues *out)
{
    memset(out, 0, sizeof(*out));
    if (!text || len == 0) return;
    pthread_once(&g_once, index_init);
    if (!g_index_ok) return;
    /* ~40 KB of scratch: per thread, not on the stack of a request handler */
    static _Thread_local struct cs_toks tk;
    static _Thread_local struct hits hs;
    for (size_t from = 0; from < len;) {
        cs_toks_fill(&tk, text, len, from);
        hs.n = 0;
        cs_phrase_scan(CS_CUE_LEXICON, &g_index, &tk, on_hit, &hs);
        for (size_t i = 0; i < hs.n; i++)
            if (hit_counts(&hs, &hs.h[i])) apply_hit(out, &tk, &hs, &hs.h[i]);
        count_single_contacts(&hs, out);
        if (from == 0 && tk.next >= len) short_request(&tk, out); /* the whole text */
        scan_waits(&tk, out);
        if (tk.next <= from) break;
        from = tk.next;
    }
}

enum cs_esc_reason cs_cues_reason(const struct cs_cues *c, enum cs_sentiment_level level)
{
    if (!c) return level == CS_SENT_IRATE ? CS_ESC_IRATE_CUSTOMER : CS_ESC_NONE;
    if (c->legal) return CS_ESC_LEGAL_MENTION;
    if (c->social) return CS_ESC_SOCIAL_MEDIA_THREAT;
    if (c->human_request) return CS_ESC_CUSTOMER_REQUEST;
    if (level == CS_SENT_IRATE) return CS_ESC_IRATE_CUSTOMER;
    if (c->earlier_contacts >= 2 && level >= CS_SENT_FRUSTRATED && level <= CS_SENT_IRATE)
        return CS_ESC_REPEAT_CONTACT;
    return CS_ESC_NONE;
}

const char *cs_esc_reason_name(enum cs_esc_reason r)
{
    switch (r) {
    case CS_ESC_LEGAL_MENTION: return "LEGAL_MENTION";
    case CS_ESC_SOCIAL_MEDIA_THREAT: return "SOCIAL_MEDIA_THREAT";
    case CS_ESC_CUSTOMER_REQUEST: return "CUSTOMER_REQUEST";
    case CS_ESC_IRATE_CUSTOMER: return "IRATE_CUSTOMER";
    case CS_ESC_REPEAT_CONTACT: return "REPEAT_CONTACT";
    default: return NULL;
    }
}

/* Word-by-word comparison of a keyword with the tokens at i (both folded). */
static bool words_at(const struct cs_toks *tk, size_t i, const struct cs_toks *kw)
{
    if (i + kw->n > tk->n) return false;
    for (size_t k = 0; k < kw->n; k++)
        if (strcmp(tk->t[i + k].w, kw->t[k].w) != 0 || tk->t[i + k].clause != tk->t[i].clause)
            return false;
    return true;
}

bool cs_cues_phrase_asserted(const char *text, size_t len, const char *phrase)
{
    if (!text || !phrase || !*phrase) return false;
    static _Thread_local struct cs_toks kw, tk;
    cs_toks_fill(&kw, phrase, strlen(phrase), 0);
    if (kw.n == 0) return false;
    for (size_t from = 0; from < len;) {
        cs_toks_fill(&tk, text, len, from);
        bool shouting = tk.words > 0 && tk.upper_words * 2 > tk.words;
        for (size_t i = 0; i < tk.n; i++) {
            if (!words_at(&tk, i, &kw)) continue;
            bool name = tk.t[i].cap && !tk.t[i].start && !shouting;
            if (!name && !cs_tok_negated_span(&tk, i, i + kw.n)) return true;
        }
        if (tk.next <= from) break;
        from = tk.next;
    }
    return false;
}
