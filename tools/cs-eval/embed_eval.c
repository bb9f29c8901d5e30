/* cs-eval embed: paraphrase pairs, lexical (hashed n-grams, cs_ai_builtin_embed) against
 * semantic (cs/embed.h) sentence vectors.
 *
 * data/eval/paraphrase_pairs.jsonl holds, per id, a paraphrase pair (label 1) and a
 * pair of the same first sentence with a different request on the same topic (label
 * 0), often sharing words with it ("cancel my order" / "track my order"). It was written
 * for the project and not used to choose any option. Reported: the mean cosine of each
 * label, pair-ranking accuracy (per id, the paraphrase scores above the other), and
 * paraphrase retrieval acc@1 (per id, its paraphrase is the nearest of all ids'
 * paraphrases).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/embed.h"
#include "eval_int.h"

#define PP_MAX_ID 4096
#define PP_LEX_DIMS 1536

struct pp_side {
    const struct cs_embed *e;
    float *va, *vb; /* [PP_MAX_ID][dims]: each id's first sentence and paraphrase */
    double sum[2];
    unsigned n[2];
    float pos[PP_MAX_ID], neg[PP_MAX_ID];
    unsigned char have[PP_MAX_ID];
};

static float pp_cos(const struct cs_embed *e, const char *a, const char *b)
{
    static float va[PP_LEX_DIMS], vb[PP_LEX_DIMS];
    unsigned d = e ? cs_embed_dims(e) : PP_LEX_DIMS;
    int rc = e ? cs_embed_text(e, a, strlen(a), d, va) : cs_ai_builtin_embed(a, strlen(a), d, va);
    if (!rc)
        rc = e ? cs_embed_text(e, b, strlen(b), d, vb) : cs_ai_builtin_embed(b, strlen(b), d, vb);
    return rc ? 0.0f : cs_embed_cosine(va, vb, d);
}

static unsigned pp_dims(const struct pp_side *s)
{
    return s->e ? cs_embed_dims(s->e) : PP_LEX_DIMS;
}

static int pp_vec(const struct pp_side *s, const char *t, float *v)
{
    return s->e ? cs_embed_text(s->e, t, strlen(t), pp_dims(s), v)
                : cs_ai_builtin_embed(t, strlen(t), pp_dims(s), v);
}

/* Paraphrase retrieval: for each first sentence, is its own paraphrase the nearest of
 * all ids' paraphrases? (The other ids are different requests, mostly on other topics.) */
static void pp_retrieval(const struct pp_side *s)
{
    unsigned d = pp_dims(s), ok = 0, n = 0;
    for (int i = 0; i < PP_MAX_ID; i++) {
        if (s->have[i] != 3) continue;
        int best = -1;
        float bc = -2;
        for (int j = 0; j < PP_MAX_ID; j++) {
            if (s->have[j] != 3) continue;
            float c = cs_embed_cosine(s->va + (size_t)i * d, s->vb + (size_t)j * d, d);
            if (c > bc) bc = c, best = j;
        }
        n++, ok += best == i;
    }
    printf("    %-34s paraphrase retrieval acc@1=%.4f (%u/%u)\n", "", n ? (double)ok / n : 0.0, ok,
           n);
}

static void pp_add(struct pp_side *s, int id, int label, float c)
{
    s->sum[label] += c;
    s->n[label]++;
    if (label)
        s->pos[id] = c, s->have[id] |= 1;
    else
        s->neg[id] = c, s->have[id] |= 2;
}

static void pp_print(const char *name, const struct pp_side *s)
{
    unsigned ok = 0, n = 0;
    for (int i = 0; i < PP_MAX_ID; i++)
        if (s->have[i] == 3) n++, ok += s->pos[i] > s->neg[i];
    printf("    %-34s paraphrase cos=%.3f other cos=%.3f gap=%.3f pair-ranking acc=%.4f (%u/%u)\n",
           name, s->n[1] ? s->sum[1] / s->n[1] : 0.0, s->n[0] ? s->sum[0] / s->n[0] : 0.0,
           (s->n[1] ? s->sum[1] / s->n[1] : 0.0) - (s->n[0] ? s->sum[0] / s->n[0] : 0.0),
           n ? (double)ok / n : 0.0, ok, n);
}

int eval_embed(const struct cs_embed *e, const char *pairs)
{
    FILE *f = fopen(pairs, "r");
    struct pp_side *lex = calloc(1, sizeof(*lex)), *sem = calloc(1, sizeof(*sem));
    if (lex)
        lex->e = NULL, lex->va = calloc((size_t)PP_MAX_ID * PP_LEX_DIMS, 4),
        lex->vb = calloc((size_t)PP_MAX_ID * PP_LEX_DIMS, 4);
    if (sem)
        sem->e = e, sem->va = calloc((size_t)PP_MAX_ID * CS_EMBED_MAX_DIMS, 4),
        sem->vb = calloc((size_t)PP_MAX_ID * CS_EMBED_MAX_DIMS, 4);
    if (!f || !lex || !sem || !lex->va || !lex->vb || !sem->va || !sem->vb) {
        printf("embed              skipped (%s missing)\n", pairs);
        if (f) fclose(f);
        if (lex) free(lex->va), free(lex->vb);
        if (sem) free(sem->va), free(sem->vb);
        free(lex), free(sem);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line), *a, *b, *l, *id;
        if (o && json_object_object_get_ex(o, "a", &a) && json_object_object_get_ex(o, "b", &b) &&
            json_object_object_get_ex(o, "label", &l) && json_object_object_get_ex(o, "id", &id)) {
            int k = json_object_get_int(id), lab = json_object_get_int(l) != 0;
            if (k >= 0 && k < PP_MAX_ID) {
                pp_add(lex, k, lab,
                       pp_cos(NULL, json_object_get_string(a), json_object_get_string(b)));
                if (e)
                    pp_add(sem, k, lab,
                           pp_cos(e, json_object_get_string(a), json_object_get_string(b)));
                for (int side = 0; lab && side < 2; side++) {
                    struct pp_side *x = side ? sem : lex;
                    if (side && !e) break;
                    size_t off = (size_t)k * pp_dims(x);
                    if (pp_vec(x, json_object_get_string(a), x->va + off) ||
                        pp_vec(x, json_object_get_string(b), x->vb + off))
                        x->have[k] = 0;
                }
            }
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    printf("embed              paraphrase pairs (%s)\n", pairs);
    pp_print("lexical (builtin-hashed-ngrams-v1)", lex);
    pp_retrieval(lex);
    if (e) pp_print(cs_embed_name(e), sem), pp_retrieval(sem);
    free(lex->va), free(lex->vb), free(sem->va), free(sem->vb);
    free(lex), free(sem);
    return 0;
}
