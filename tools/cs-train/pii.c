/* cs-train --task pii: the person-name lexicon behind the PII detector.
 *
 * First and last names come from the Presidio synthetic set's PERSON spans (training
 * templates only: the held-out templates of cs/presidio.h stay unseen for cs-eval) and from WNUT-17 person spans; "common" marks words seen lower-case
 * three or more times in running text, which are names only with strong context;
 * "place" marks one-word place names (WNUT-17 train location spans, --places), which
 * alone are names only with a cue. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/jsonl_each.h"
#include "cs/model.h"
#include "cs/pii.h"
#include "cs/presidio.h"
#include "train_int.h"

struct lexb {
    size_t n, cap;
    uint64_t *hash;
    uint8_t *flag;
};

static int lex_add(struct lexb *l, const char *w, size_t n, uint8_t flag)
{
    char low[64];
    if (n == 0 || n >= sizeof(low)) return CS_OK;
    for (size_t i = 0; i < n; i++) low[i] = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint64_t *h = realloc(l->hash, cap * sizeof(*h));
        if (h) l->hash = h;
        uint8_t *f = realloc(l->flag, cap);
        if (f) l->flag = f;
        if (!h || !f) return CS_ERR_NOMEM;
        l->cap = cap;
    }
    l->hash[l->n] = cs_model_lexicon_hash(low, n);
    l->flag[l->n++] = flag;
    return CS_OK;
}

static int name_token_ok(const char *w, size_t n)
{
    /* capitalised, letters only (UTF-8 allowed), 2+ bytes */
    if (n < 2 || !((w[0] >= 'A' && w[0] <= 'Z') || ((unsigned char)w[0] & 0x80u))) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(((w[i] | 32) >= 'a' && (w[i] | 32) <= 'z') || ((unsigned char)w[i] & 0x80u) ||
              w[i] == '-' || w[i] == '\''))
            return 0;
    return 1;
}

static int add_person(struct lexb *l, const char *v)
{
    const char *tok[8];
    size_t len[8], nt = 0;
    for (const char *p = v; *p && nt < 8;) {
        while (*p == ' ') p++;
        const char *q = p;
        while (*q && *q != ' ') q++;
        if (q > p) tok[nt] = p, len[nt++] = (size_t)(q - p);
        p = q;
    }
    int rc = CS_OK;
    for (size_t i = 0; i < nt && rc == CS_OK; i++) {
        if (!name_token_ok(tok[i], len[i])) continue;
        uint8_t f = nt == 1 ? (CS_PII_LEX_FIRST | CS_PII_LEX_LAST)
                            : (i == 0 ? CS_PII_LEX_FIRST : (i == nt - 1 ? CS_PII_LEX_LAST : 0));
        if (f) rc = lex_add(l, tok[i], len[i], f);
    }
    return rc;
}

/* A record's PERSON values, unless its template is held out from tuning. */
static int presidio_row(json_object *o, void *ud)
{
    struct lexb *l = ud;
    json_object *v = NULL, *spans;
    json_object_object_get_ex(o, "masked", &v);
    if (cs_presidio_is_heldout(json_object_get_string(v), (size_t)json_object_get_string_len(v)) ||
        !json_object_object_get_ex(o, "spans", &spans))
        return CS_OK;
    int rc = CS_OK;
    for (size_t i = 0; i < json_object_array_length(spans) && rc == CS_OK; i++) {
        json_object *sp = json_object_array_get_idx(spans, i), *t, *val;
        if (json_object_object_get_ex(sp, "entity_type", &t) &&
            strcmp(json_object_get_string(t), "PERSON") == 0 &&
            json_object_object_get_ex(sp, "entity_value", &val))
            rc = add_person(l, json_object_get_string(val));
    }
    return rc;
}

static int read_presidio(const char *path, struct lexb *l)
{
    return cs_jsonl_each(path, presidio_row, l);
}

/* "first<TAB>Name" / "last<TAB>Name" lines: every capitalised word of the name gets
 * the flag (the Faker lists hold "de la Cruz"-like surnames). "place<TAB>Name" lines
 * (data/datasets/places) flag one-word place names. */
static int read_names(const char *path, struct lexb *l)
{
    FILE *f = fopen(path, "r");
    if (!f) return CS_ERR_IO;
    char *line = NULL;
    size_t cap = 0;
    int rc = CS_OK;
    ssize_t got;
    while (rc == CS_OK && (got = getline(&line, &cap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        if (strncmp(line, "place", 5) == 0) {
            /* one-word places only: "New York" would flag "York", a surname too */
            if (!strchr(tab + 1, ' ') && name_token_ok(tab + 1, strlen(tab + 1)))
                rc = lex_add(l, tab + 1, strlen(tab + 1), CS_PII_LEX_PLACE);
            continue;
        }
        uint8_t flag = strncmp(line, "first", 5) == 0 ? CS_PII_LEX_FIRST : CS_PII_LEX_LAST;
        for (char *p = tab + 1; *p && rc == CS_OK;) {
            while (*p == ' ') p++;
            char *q = p;
            while (*q && *q != ' ') q++;
            if (name_token_ok(p, (size_t)(q - p))) rc = lex_add(l, p, (size_t)(q - p), flag);
            p = q;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* Lower-case word counts for the COMMON flag: a small open-addressing table. */
#define COMMON_SLOTS (1u << 18)

static int read_wnut(const char *path, struct lexb *l, uint64_t *ch, uint32_t *cc)
{
    FILE *f = fopen(path, "r");
    if (!f) return CS_ERR_IO;
    char *line = NULL, prev[128] = "", place[128] = "";
    size_t cap = 0;
    int rc = CS_OK, in_person = 0;
    while (rc == CS_OK && getline(&line, &cap, f) > 0) {
        char *tab = strchr(line, '\t');
        /* a one-word location span ("Melbourne"): flagged once the next token shows no
         * I-location follows it */
        if (place[0] && !(tab && strncmp(tab + 1, "I-location", 10) == 0) &&
            name_token_ok(place, strlen(place)))
            rc = lex_add(l, place, strlen(place), CS_PII_LEX_PLACE);
        place[0] = '\0';
        if (!tab) {
            if (in_person && prev[0]) rc = lex_add(l, prev, strlen(prev), CS_PII_LEX_LAST);
            in_person = 0, prev[0] = '\0';
            continue;
        }
        *tab = '\0';
        const char *tag = tab + 1;
        size_t n = strlen(line);
        if (strncmp(tag, "B-location", 10) == 0 && n < sizeof(place)) memcpy(place, line, n + 1);
        if (strncmp(tag, "B-person", 8) == 0) {
            if (in_person && prev[0]) rc = lex_add(l, prev, strlen(prev), CS_PII_LEX_LAST);
            if (name_token_ok(line, n)) rc = lex_add(l, line, n, CS_PII_LEX_FIRST);
            in_person = 1, prev[0] = '\0';
        } else if (strncmp(tag, "I-person", 8) == 0) {
            if (name_token_ok(line, n) && n < sizeof(prev)) memcpy(prev, line, n + 1);
        } else {
            if (in_person && prev[0]) rc = lex_add(l, prev, strlen(prev), CS_PII_LEX_LAST);
            in_person = 0, prev[0] = '\0';
            if (tag[0] == 'O' && n >= 2 && line[0] >= 'a' && line[0] <= 'z') {
                uint64_t h = cs_model_lexicon_hash(line, n);
                for (uint32_t s = (uint32_t)h & (COMMON_SLOTS - 1);;
                     s = (s + 1) & (COMMON_SLOTS - 1)) {
                    if (ch[s] == h || ch[s] == 0) {
                        ch[s] = h;
                        cc[s]++;
                        break;
                    }
                }
            }
        }
    }
    free(line);
    fclose(f);
    return rc;
}

int train_pii_task(const struct train_args *a)
{
    if (!a->presidio) return CS_ERR_INVALID;
    struct lexb l = {0};
    uint64_t *ch = calloc(COMMON_SLOTS, sizeof(uint64_t));
    uint32_t *cc = calloc(COMMON_SLOTS, sizeof(uint32_t));
    int rc = ch && cc ? read_presidio(a->presidio, &l) : CS_ERR_NOMEM;
    for (int i = 0; rc == CS_OK && i < a->n_wnut; i++) rc = read_wnut(a->wnut[i], &l, ch, cc);
    if (rc == CS_OK && a->names) rc = read_names(a->names, &l);
    if (rc == CS_OK && a->places) rc = read_names(a->places, &l);
    size_t names = l.n;
    for (uint32_t s = 0; rc == CS_OK && s < COMMON_SLOTS; s++) {
        if (cc[s] < 3) continue;
        if (l.n == l.cap) rc = lex_add(&l, "x", 1, 0), l.n--; /* grow */
        if (rc != CS_OK) break;
        l.hash[l.n] = ch[s];
        l.flag[l.n++] = CS_PII_LEX_COMMON;
    }
    char *meta = NULL;
    if (rc == CS_OK) {
        struct train_args m = *a;
        if (!m.source)
            m.source =
                "Presidio synth_dataset_v2 (MIT, training templates) + WNUT-17 train (CC BY 4.0)"
                " + Faker 0.9.3 person names, all locales (MIT)"
                " + iso-codes 4.15 and tzdata place names (LGPL-2.1+; public domain)";
        if (!m.licence)
            m.licence = "MIT; CC BY 4.0 (attribution: Derczynski et al. 2017); MIT (Faker); "
                        "LGPL-2.1+ (iso-codes); public domain (tzdata)";
        meta = train_metadata(&m, "pii-names", 0.0, l.n, 0);
        if (!meta) rc = CS_ERR_NOMEM;
    }
    if (rc == CS_OK) {
        static const char *const labels[] = {"first", "last", "common", "place"};
        struct cs_model_spec spec = {.kind = CS_MODEL_LEXICON,
                                     .name = a->name ? a->name : "pii",
                                     .metadata_json = meta,
                                     .n_classes = 4,
                                     .labels = labels,
                                     .temperature = 1.0f,
                                     .n_entries = (uint32_t)l.n,
                                     .lex_hash = l.hash,
                                     .lex_flag = l.flag};
        fprintf(stderr, "pii: %zu name entries, %zu common words\n", names, l.n - names);
        rc = cs_model_write(&spec, a->out);
    }
    free(meta);
    free(l.hash);
    free(l.flag);
    free(ch);
    free(cc);
    return rc;
}
