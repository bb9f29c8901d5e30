/* cs-eval embed: paraphrase pairs, lexical (hashed n-grams, cs_ai_builtin_embed) against
 * semantic (cs/embed.h) sentence vectors: the model's topic vectors (cs_embed_topic, what
 * re-ranking uses) and its answer (cs_embed_text, through the intent map).
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
    int topic;      /* cs_embed_topic: the file's vectors without its intent map */
    float *va, *vb; /* [PP_MAX_ID][dims]: each id's first sentence and paraphrase */
    double sum[2];
    unsigned n[2];
    float pos[PP_MAX_ID], neg[PP_MAX_ID];
    unsigned char have[PP_MAX_ID];
};

static unsigned pp_dims(const struct pp_side *s)
{
    return s->e ? cs_embed_dims(s->e) : PP_LEX_DIMS;
}

static int pp_vec(const struct pp_side *s, const char *t, float *v)
{
    if (!s->e) return cs_ai_builtin_embed(t, strlen(t), pp_dims(s), v);
    return s->topic ? cs_embed_topic(s->e, t, strlen(t), pp_dims(s), v)
                    : cs_embed_text(s->e, t, strlen(t), pp_dims(s), v);
}

static float pp_cos(const struct pp_side *s, const char *a, const char *b)
{
    static float va[PP_LEX_DIMS], vb[PP_LEX_DIMS];
    return pp_vec(s, a, va) || pp_vec(s, b, vb) ? 0.0f : cs_embed_cosine(va, vb, pp_dims(s));
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

static void pp_free(struct pp_side *s)
{
    if (s) free(s->va), free(s->vb);
    free(s);
}

static struct pp_side *pp_new(const struct cs_embed *e, int topic)
{
    struct pp_side *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->e = e, s->topic = topic;
    s->va = calloc((size_t)PP_MAX_ID * pp_dims(s), 4);
    s->vb = calloc((size_t)PP_MAX_ID * pp_dims(s), 4);
    if (s->va && s->vb) return s;
    pp_free(s);
    return NULL;
}

static void pp_line(struct pp_side *const *side, int n, json_object *o)
{
    json_object *a, *b, *l, *id;
    if (!o || !json_object_object_get_ex(o, "a", &a) || !json_object_object_get_ex(o, "b", &b) ||
        !json_object_object_get_ex(o, "label", &l) || !json_object_object_get_ex(o, "id", &id))
        return;
    int k = json_object_get_int(id), lab = json_object_get_int(l) != 0;
    if (k < 0 || k >= PP_MAX_ID) return;
    const char *sa = json_object_get_string(a), *sb = json_object_get_string(b);
    for (int i = 0; i < n; i++) {
        struct pp_side *x = side[i];
        pp_add(x, k, lab, pp_cos(x, sa, sb));
        size_t off = (size_t)k * pp_dims(x);
        if (lab && (pp_vec(x, sa, x->va + off) || pp_vec(x, sb, x->vb + off))) x->have[k] = 0;
    }
}

int eval_embed(const struct cs_embed *e, const char *pairs)
{
    /* lexical; with a model also its topic vectors (cs_embed_topic) and its answer */
    struct pp_side *side[3] = {pp_new(NULL, 0), e ? pp_new(e, 1) : NULL, e ? pp_new(e, 0) : NULL};
    int n = e ? 3 : 1, ok = 1;
    for (int i = 0; i < n; i++) ok &= side[i] != NULL;
    FILE *f = ok ? fopen(pairs, "r") : NULL;
    if (!f) {
        printf("embed              skipped (%s missing)\n", pairs);
        for (int i = 0; i < 3; i++) pp_free(side[i]);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line);
        pp_line(side, n, o);
        json_object_put(o);
    }
    free(line);
    fclose(f);
    printf("embed              paraphrase pairs (%s)\n", pairs);
    for (int i = 0; i < n; i++) {
        pp_print(!side[i]->e      ? "lexical (builtin-hashed-ngrams-v1)"
                 : side[i]->topic ? "topic vectors (no intent map)"
                                  : cs_embed_name(e),
                 side[i]);
        pp_retrieval(side[i]);
    }
    for (int i = 0; i < 3; i++) pp_free(side[i]);
    return 0;
}
