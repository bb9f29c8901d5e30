/* cs-eval pii, names in noisy user text: WNUT-17 dev (emerging.dev.conll) person spans.
 *
 * Each sentence's tokens are joined with single spaces (the files are pre-tokenised);
 * gold spans are the B-/I-person runs. Only PERSON predictions are scored: a
 * prediction of another type is not a name error. The dev file is never read by the
 * trainer (tools/models.sh builds the lexicon from WNUT-17 train only), so this is a
 * second held-out figure for names, from real tweets and comments rather than
 * templates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/models.h"
#include "cs/pii.h"
#include "eval_int.h"

#define WNUT_MAX_TEXT 8192
#define WNUT_MAX_GOLD 32

struct wnut_sent {
    char text[WNUT_MAX_TEXT];
    size_t len, ng;
    size_t gs[WNUT_MAX_GOLD], ge[WNUT_MAX_GOLD]; /* byte offsets */
    int open;
};

struct wnut_score {
    unsigned tp, fp, fn, otp, ofp, ofn;
};

static void wnut_score_sent(const struct cs_model *names, const struct wnut_sent *s,
                            struct wnut_score *x, int errors)
{
    struct cs_pii_result r;
    if (cs_pii_detect(names, s->text, s->len, &r) != CS_OK) return;
    for (size_t i = 0; i < r.n; i++) {
        if (r.span[i].type != CS_PII_PERSON) continue;
        int ex = 0, ov = 0;
        for (size_t k = 0; k < s->ng; k++) {
            ex |= r.span[i].start_byte == s->gs[k] && r.span[i].end_byte == s->ge[k];
            ov |= r.span[i].start_byte < s->ge[k] && s->gs[k] < r.span[i].end_byte;
        }
        ex ? x->tp++ : x->fp++;
        ov ? x->otp++ : x->ofp++;
        if (errors && !ex)
            printf("      FP%s \"%.*s\" | %s\n", ov ? "~" : " ",
                   (int)(r.span[i].end_byte - r.span[i].start_byte), s->text + r.span[i].start_byte,
                   s->text);
    }
    for (size_t k = 0; k < s->ng; k++) {
        int ex = 0, ov = 0;
        for (size_t i = 0; i < r.n; i++) {
            if (r.span[i].type != CS_PII_PERSON) continue;
            ex |= r.span[i].start_byte == s->gs[k] && r.span[i].end_byte == s->ge[k];
            ov |= r.span[i].start_byte < s->ge[k] && s->gs[k] < r.span[i].end_byte;
        }
        if (!ex) x->fn++;
        if (!ov) x->ofn++;
        if (errors && !ex)
            printf("      FN%s \"%.*s\" | %s\n", ov ? "~" : " ", (int)(s->ge[k] - s->gs[k]),
                   s->text + s->gs[k], s->text);
    }
}

/* Adds one "token<TAB>tag" line to the sentence being built. */
static void wnut_add_token(struct wnut_sent *s, const char *tok, size_t n, const char *tag)
{
    if (s->len + n + 2 >= WNUT_MAX_TEXT) return;
    int b = strncmp(tag, "B-person", 8) == 0, in = strncmp(tag, "I-person", 8) == 0;
    if (s->open && !in) s->open = 0;
    if (s->len) s->text[s->len++] = ' ';
    if (b && s->ng < WNUT_MAX_GOLD) s->gs[s->ng] = s->len, s->open = 1, s->ng++;
    memcpy(s->text + s->len, tok, n);
    s->len += n;
    s->text[s->len] = '\0';
    if ((b || in) && s->open) s->ge[s->ng - 1] = s->len;
}

static void prf_line(const char *name, unsigned tp, unsigned fp, unsigned fn)
{
    double p = tp + fp ? (double)tp / (tp + fp) : 0.0, r = tp + fn ? (double)tp / (tp + fn) : 0.0;
    printf("    %-16s P=%.4f R=%.4f F1=%.4f (tp=%u fp=%u fn=%u)\n", name, p, r,
           p + r > 0 ? 2 * p * r / (p + r) : 0.0, tp, fp, fn);
}

int eval_pii_wnut(const struct cs_models *ms, const char *data, int errors, int train)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/wnut17_ner/%s", data,
             train ? "wnut17train.conll" : "emerging.dev.conll");
    FILE *f = fopen(path, "r");
    const struct cs_model *names = cs_models_get(ms, "pii");
    struct wnut_sent *s = calloc(1, sizeof(*s));
    if (!f || !names || !s) {
        printf("pii (WNUT-17 dev) skipped (model or %s missing)\n", path);
        if (f) fclose(f);
        free(s);
        return 1;
    }
    struct wnut_score x = {0};
    size_t sents = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        char *tab = strchr(line, '\t');
        /* the train file ends 2,394 of its tweets with a lone tab, not a blank line */
        if (tab && tab > line) {
            *tab = '\0';
            wnut_add_token(s, line, (size_t)(tab - line), tab + 1);
            continue;
        }
        if (s->len) wnut_score_sent(names, s, &x, errors), sents++;
        memset(s, 0, sizeof(*s));
    }
    if (s->len) wnut_score_sent(names, s, &x, errors), sents++;
    free(line);
    free(s);
    fclose(f);
    printf("pii (WNUT-17 %s) sentences=%zu, PERSON spans only%s\n", train ? "train" : "dev", sents,
           train ? " (names in the lexicon: for reading errors, not a figure)" : "");
    prf_line("PERSON exact", x.tp, x.fp, x.fn);
    prf_line("PERSON overlap", x.otp, x.ofp, x.ofn);
    return 0;
}
