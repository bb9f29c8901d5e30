/* Hashed word and character n-gram features (see cs/textfeat.h for the contract). */
#include "cs/textfeat.h"

#include <string.h>

#include "cs/words.h"

#define TAG_WORD1 0x57u /* 'W': tags keep the three n-gram families in separate hash spaces */
#define TAG_WORD2 0x42u /* 'B' */
#define TAG_CHAR 0x43u  /* 'C' */
#define TAG_WORD3 0x54u /* 'T' */
#define TAG_NEG 0x4eu   /* 'N' */
#define TAG_CUE 0x51u   /* 'Q': punctuation runs, "<caps>", lexicon classes */

void cs_textfeat_cfg_init(struct cs_textfeat_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->hash_bits = 16;
    cfg->seed = 0x5eedu;
    cfg->word_min = 1;
    cfg->word_max = 2;
    cfg->char_min = 2;
    cfg->char_max = 5;
}

int cs_textfeat_cfg_check(const struct cs_textfeat_cfg *cfg)
{
    if (!cfg || cfg->hash_bits < 10 || cfg->hash_bits > 22) return CS_ERR_INVALID;
    if (cfg->word_min > cfg->word_max || cfg->word_max > 3) return CS_ERR_INVALID;
    if (cfg->flags & ~CS_TEXTFEAT_F__ALL) return CS_ERR_INVALID;
    if (cfg->word_min == 0 && cfg->word_max != 0) return CS_ERR_INVALID;
    if (cfg->char_min > cfg->char_max || cfg->char_max > 8) return CS_ERR_INVALID;
    if (cfg->char_min == 0 && cfg->char_max != 0) return CS_ERR_INVALID;
    if (cfg->word_max == 0 && cfg->char_max == 0) return CS_ERR_INVALID;
    return CS_OK;
}

uint64_t cs_textfeat_hash64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int cs_textfeat_is_validation(const char *text, size_t len)
{
    return cs_textfeat_hash64(text, len) % 10 == 0;
}

int cs_textfeat_is_dev(const char *text, size_t len)
{
    return cs_textfeat_hash64(text, len) % 20 == 1;
}

/* FNV-1a then a murmur3 finaliser: FNV alone spreads short n-grams poorly over the
 * low bits that select the bucket. */
static uint32_t hash32(uint32_t seed, uint32_t tag, const char *s, size_t n)
{
    uint32_t h = 2166136261u ^ seed ^ (tag * 0x01000193u);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static uint32_t mix2(uint32_t a, uint32_t b)
{
    uint32_t h = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u + (a << 6) + (a >> 2));
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

/* Walk state shared by the extractor and the explainer. */
struct walk {
    const struct cs_textfeat_cfg *cfg;
    uint32_t mask;
    cs_textfeat_gram_fn fn;
    void *ctx;
    /* previous word, kept for bigrams, and the one before it for trigrams */
    char prev[CS_TEXTFEAT_MAX_WORD];
    size_t prev_len;
    uint32_t prev_hash;
    int have_prev;
    char prev2[CS_TEXTFEAT_MAX_WORD];
    size_t prev2_len;
    uint32_t prev2_hash;
    int have_prev2;
    int neg_left; /* words still inside a negation scope */
    char sym[4];  /* current punctuation run (CS_TEXTFEAT_F_CUES), normalised */
    size_t sym_len;
    char sym_last;
    int sym_rep;
};

/* Polarity lexicon (CS_TEXTFEAT_F_LEXICON), sorted for bsearch. Hand-written, general
 * customer-service words, not taken from the training data; kept small so it only
 * names clear cases (no "delay" or "refund": those are topics, not opinions). */
static const char *const LEX_POS[] = {"amazing",      "appreciate",  "appreciated",
                                      "awesome",      "best",        "brilliant",
                                      "comfortable",  "congrats",    "congratulations",
                                      "courteous",    "delighted",   "easy",
                                      "efficient",    "enjoy",       "enjoyed",
                                      "excellent",    "excited",     "fabulous",
                                      "fantastic",    "friendly",    "glad",
                                      "good",         "grateful",    "great",
                                      "happy",        "helpful",     "impressed",
                                      "impressive",   "kind",        "kudos",
                                      "love",         "loved",       "lovely",
                                      "nice",         "outstanding", "perfect",
                                      "pleasant",     "pleased",     "polite",
                                      "professional", "prompt",      "quick",
                                      "recommend",    "reliable",    "satisfied",
                                      "smooth",       "superb",      "thank",
                                      "thankful",     "thanks",      "wonderful"};
static const char *const LEX_NEG[] = {
    "angry",        "annoyed",       "annoying",   "awful",       "bad",          "broken",
    "disappointed", "disappointing", "disgusted",  "disgusting",  "dissatisfied", "fail",
    "failed",       "fails",         "frustrated", "frustrating", "furious",      "hate",
    "horrible",     "incompetent",   "mess",       "nightmare",   "pathetic",     "poor",
    "ridiculous",   "rude",          "sad",        "terrible",    "unacceptable", "unhappy",
    "unhelpful",    "upset",         "useless",    "worse",       "worst",        "wrong"};

static int lex_find(const char *const *list, size_t n, const char *w, size_t wl)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *e = list[mid];
        size_t el = strlen(e);
        int c = memcmp(e, w, el < wl ? el : wl);
        if (c == 0) c = el < wl ? -1 : el > wl ? 1 : 0;
        if (c == 0) return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void emit_cue(struct walk *w, const char *name, size_t n)
{
    w->fn(w->ctx, hash32(w->cfg->seed, TAG_CUE, name, n) & w->mask, CS_TEXTFEAT_CUE, name, n);
}

/* Ends the current punctuation run, counting it as one cue. */
static void flush_sym(struct walk *w)
{
    if (w->sym_len > 0) emit_cue(w, w->sym, w->sym_len);
    w->sym_len = 0;
    w->sym_rep = 0;
}

/* Adds one punctuation byte to the run: "!!!!" and "!!" are the same cue (a third
 * repeat adds nothing), and a run keeps at most 4 bytes. */
static void add_sym(struct walk *w, char c)
{
    if (w->sym_len > 0 && c == w->sym_last) {
        if (++w->sym_rep >= 2) return;
    } else {
        w->sym_rep = 0;
    }
    w->sym_last = c;
    if (w->sym_len < sizeof(w->sym)) w->sym[w->sym_len++] = c;
}

static int is_negator(const char *w, size_t n)
{
    static const char *const neg[] = {"not",    "no",   "never", "cannot", "nothing",
                                      "nobody", "none", "nor",   NULL};
    if (n >= 3 && w[n - 3] == 'n' && w[n - 2] == '\'' && w[n - 1] == 't') return 1;
    for (size_t i = 0; neg[i]; i++)
        if (strlen(neg[i]) == n && memcmp(neg[i], w, n) == 0) return 1;
    return 0;
}

static void emit_char_grams(struct walk *w, const char *word, size_t wlen)
{
    /* Pad with spaces so prefixes and suffixes are distinct features (" re", "ed "). */
    char pad[CS_TEXTFEAT_MAX_WORD + 2];
    uint16_t cp[CS_TEXTFEAT_MAX_WORD + 3]; /* byte offset of each code point start */
    size_t n = 0, ncp = 0;
    pad[n++] = ' ';
    memcpy(pad + n, word, wlen);
    n += wlen;
    pad[n++] = ' ';
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)pad[i] & 0xC0u) != 0x80u) cp[ncp++] = (uint16_t)i;
    cp[ncp] = (uint16_t)n;
    for (size_t order = w->cfg->char_min; order <= w->cfg->char_max; order++) {
        for (size_t i = 0; i + order <= ncp; i++) {
            const char *g = pad + cp[i];
            size_t glen = (size_t)(cp[i + order] - cp[i]);
            uint32_t b = hash32(w->cfg->seed, TAG_CHAR, g, glen) & w->mask;
            w->fn(w->ctx, b, CS_TEXTFEAT_CHAR, g, glen);
        }
    }
}

static void emit_word(struct walk *w, const char *word, size_t wlen, int caps)
{
    const struct cs_textfeat_cfg *cfg = w->cfg;
    if ((cfg->flags & CS_TEXTFEAT_F_CUES) && caps) emit_cue(w, "<caps>", 6);
    if (cfg->flags & CS_TEXTFEAT_F_LEXICON) {
        int neg = (cfg->flags & CS_TEXTFEAT_F_NEGATION) && w->neg_left > 0;
        if (lex_find(LEX_POS, sizeof(LEX_POS) / sizeof(LEX_POS[0]), word, wlen))
            neg ? emit_cue(w, "<not-pos>", 9) : emit_cue(w, "<pos>", 5);
        else if (lex_find(LEX_NEG, sizeof(LEX_NEG) / sizeof(LEX_NEG[0]), word, wlen))
            neg ? emit_cue(w, "<not-neg>", 9) : emit_cue(w, "<neg>", 5);
    }
    uint32_t h = hash32(cfg->seed, TAG_WORD1, word, wlen);
    if (cfg->word_min == 1) w->fn(w->ctx, h & w->mask, CS_TEXTFEAT_WORD, word, wlen);
    if (cfg->word_max >= 2 && w->have_prev) {
        char bi[2 * CS_TEXTFEAT_MAX_WORD + 1];
        memcpy(bi, w->prev, w->prev_len);
        bi[w->prev_len] = ' ';
        memcpy(bi + w->prev_len + 1, word, wlen);
        uint32_t b = mix2(w->prev_hash, h ^ TAG_WORD2) & w->mask;
        w->fn(w->ctx, b, CS_TEXTFEAT_WORD, bi, w->prev_len + 1 + wlen);
    }
    if (cfg->word_max >= 3 && w->have_prev2) {
        char tri[3 * CS_TEXTFEAT_MAX_WORD + 2];
        size_t n = 0;
        memcpy(tri, w->prev2, w->prev2_len);
        n = w->prev2_len;
        tri[n++] = ' ';
        memcpy(tri + n, w->prev, w->prev_len);
        n += w->prev_len;
        tri[n++] = ' ';
        memcpy(tri + n, word, wlen);
        n += wlen;
        uint32_t b = mix2(mix2(w->prev2_hash, w->prev_hash), h ^ TAG_WORD3) & w->mask;
        w->fn(w->ctx, b, CS_TEXTFEAT_WORD, tri, n);
    }
    if (cfg->flags & CS_TEXTFEAT_F_NEGATION) {
        if (w->neg_left > 0) {
            char ng[CS_TEXTFEAT_MAX_WORD + 4];
            memcpy(ng, "NOT_", 4);
            memcpy(ng + 4, word, wlen);
            w->fn(w->ctx, hash32(cfg->seed, TAG_NEG, word, wlen) & w->mask, CS_TEXTFEAT_WORD, ng,
                  wlen + 4);
            w->neg_left--;
        }
        if (is_negator(word, wlen)) w->neg_left = CS_TEXTFEAT_NEG_SPAN;
    }
    if (cfg->char_max > 0) emit_char_grams(w, word, wlen);
    if (w->have_prev) {
        memcpy(w->prev2, w->prev, w->prev_len);
        w->prev2_len = w->prev_len;
        w->prev2_hash = w->prev_hash;
        w->have_prev2 = 1;
    }
    memcpy(w->prev, word, wlen);
    w->prev_len = wlen;
    w->prev_hash = h;
    w->have_prev = 1;
}

/* Cuts a word at a code point boundary so n-grams never hold half a character. */
static size_t utf8_cut(const char *s, size_t n, size_t cap)
{
    if (n <= cap) return n;
    n = cap;
    while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) n--;
    return n;
}

/* The bytes between two words: punctuation runs (CS_TEXTFEAT_F_CUES) and the end of a
 * negation scope. */
static void walk_gap(struct walk *w, const char *g, size_t n, int cues)
{
    for (size_t i = 0; i < n; i++) {
        char c = g[i];
        if (cues) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                flush_sym(w);
            else
                add_sym(w, c);
        }
        /* punctuation closes a negation scope */
        if (c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':') w->neg_left = 0;
    }
}

/* Words come from the one tokeniser (cs/words.h) in its byte reading with inner
 * apostrophes, which is what the shipped models were trained on. */
static void walk_text(struct walk *w, const char *text, size_t len)
{
    char word[CS_TEXTFEAT_MAX_WORD * 4];
    int cues = (w->cfg->flags & CS_TEXTFEAT_F_CUES) != 0;
    if (len > CS_TEXTFEAT_MAX_BYTES) len = CS_TEXTFEAT_MAX_BYTES;
    size_t pos = 0, prev = 0;
    struct cs_word wd;
    while (cs_words_next(text, len, &pos, CS_WORDS_APOS, &wd)) {
        walk_gap(w, text + prev, wd.off - prev, cues);
        if (cues) flush_sym(w);
        size_t wl = cs_words_fold(text + wd.off, wd.len, CS_WORDS_APOS, word, sizeof(word));
        uint32_t lower = wd.letters - wd.uppers;
        emit_word(w, word, utf8_cut(word, wl, CS_TEXTFEAT_MAX_WORD), wd.uppers >= 3 && lower == 0);
        prev = pos;
    }
    walk_gap(w, text + prev, len - prev, cues);
    if (cues) flush_sym(w); /* the text ends as if with a space */
}

void cs_textfeat_each_gram(const struct cs_textfeat_cfg *cfg, const char *text, size_t len,
                           cs_textfeat_gram_fn fn, void *ctx)
{
    struct walk w;
    memset(&w, 0, sizeof(w));
    w.cfg = cfg;
    w.mask = (1u << cfg->hash_bits) - 1u;
    w.fn = fn;
    w.ctx = ctx;
    if (text) walk_text(&w, text, len);
}

/* The table starts small and doubles (to 2 x CS_TEXTFEAT_MAX_FEATS slots) whenever it
 * would pass half full: a ticket has a few hundred features, and clearing the whole
 * 32 KiB table per text was 2.9% of a ticket's instructions (callgrind). Entries keep
 * their first-occurrence order, so the table's size never changes the result. */
#define SLOTS_START 1024u

static void slot_put(struct cs_textfeat_vec *v, uint32_t bucket, uint32_t idx)
{
    uint32_t s = (bucket * 0x9e3779b1u) & v->slot_mask;
    while (v->slot[s]) s = (s + 1) & v->slot_mask;
    v->slot[s] = idx;
}

static void slots_grow(struct cs_textfeat_vec *v)
{
    v->slot_mask = 2 * v->slot_mask + 1;
    memset(v->slot, 0, (v->slot_mask + 1) * sizeof(v->slot[0]));
    for (uint32_t i = 0; i < v->n; i++) slot_put(v, v->ent[i].bucket, i + 1);
}

/* Extraction callback: count a bucket in the vector's open-addressing table. */
static void add_bucket(void *ctx, uint32_t bucket, enum cs_textfeat_kind kind, const char *gram,
                       size_t gram_len)
{
    struct cs_textfeat_vec *v = ctx;
    (void)kind;
    (void)gram;
    (void)gram_len;
    for (uint32_t s = (bucket * 0x9e3779b1u) & v->slot_mask;; s = (s + 1) & v->slot_mask) {
        uint32_t idx = v->slot[s];
        if (idx == 0) {
            if (v->n >= CS_TEXTFEAT_MAX_FEATS) {
                v->truncated = 1;
                return;
            }
            v->ent[v->n].bucket = bucket;
            v->ent[v->n].value = 1.0f;
            v->slot[s] = ++v->n;
            if (2 * v->n > v->slot_mask && v->slot_mask < 2 * CS_TEXTFEAT_MAX_FEATS - 1)
                slots_grow(v);
            return;
        }
        if (v->ent[idx - 1].bucket == bucket) {
            v->ent[idx - 1].value += 1.0f;
            return;
        }
    }
}

void cs_textfeat_extract(const struct cs_textfeat_cfg *cfg, const char *text, size_t len,
                         struct cs_textfeat_vec *out)
{
    out->n = 0;
    out->truncated = len > CS_TEXTFEAT_MAX_BYTES;
    out->slot_mask = SLOTS_START - 1;
    memset(out->slot, 0, SLOTS_START * sizeof(out->slot[0]));
    cs_textfeat_each_gram(cfg, text, len, add_bucket, out);
}
