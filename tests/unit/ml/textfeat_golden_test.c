/* The shipped models' features may not move (issue #12, "one tokeniser"): every text
 * model of data/models and cs_textfeat_extract under every flag combination are run
 * on a fixed set of texts (tricky UTF-8 and punctuation below, then the first 400
 * training tickets and 400 training messages), and an FNV-64 of all their output bytes
 * (model probabilities and logits, feature buckets and counts) must equal the value
 * recorded with the tokeniser as it was before the change. A retrained model or a
 * deliberate feature change re-records it (run with CS_GOLDEN_PRINT=1). */
#include <json-c/json.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/model.h"
#include "cs/models.h"
#include "cs/textfeat.h"

#include "../../support/test.h"

static const char *const TRICKY[] = {
    "",
    "   ",
    "don't can't won't I'm it's 'quoted' ''double'' a''b x'",
    "\xc2\xa1Hola! \xc2\xbf"
    "D\xc3\xb3nde est\xc3\xa1 mi pedido?",
    "\xe2\x80\x9cresolved\xe2\x80\x9d they said \xe2\x80\x94 it wasn\xe2\x80\x99t",
    "Stra\xc3\x9f\x65, \xc5\x93uvre, na\xc3\xafve caf\xc3\xa9 \xe2\x80\xa6 \xc2\xab bof \xc2\xbb",
    "NOT HAPPY!!! :( ??? ... :) !!",
    "I am not good, never happy, no refund; but great support",
    "\xff\xfe broken \xc3 utf8 \xe2\x80 cut \xf0\x9f\x98\xa1 emoji \xf0\x9f",
    "order #55-10293 costs $49.00 (x2) on 03/02/2024 at 10:30am",
    "ALLCAPS SHOUTING ABC DEF and Mixed Case Words O'Brien l'avocat",
    "tab\tsep\nnew line\r\nwindows",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa long",
};

struct fnv {
    uint64_t h;
};

static void mix(struct fnv *f, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        f->h ^= b[i];
        f->h *= 0x100000001b3ull;
    }
}

static void run_text(const struct cs_models *ms, const char *t, size_t len, struct fnv *f,
                     struct cs_textfeat_vec *v)
{
    for (size_t i = 0; i < cs_models_count(ms); i++) {
        const struct cs_model *m = cs_models_at(ms, i);
        if (cs_model_kind(m) != CS_MODEL_TEXT) continue;
        struct cs_model_pred p;
        memset(&p, 0, sizeof(p));
        if (cs_model_predict_text(m, t, len, v, &p) != CS_OK) continue;
        mix(f, &p.top, sizeof(p.top));
        mix(f, p.prob, sizeof(float) * p.n_classes);
        mix(f, p.logit, sizeof(float) * p.n_classes);
    }
    struct cs_textfeat_cfg cfg;
    cs_textfeat_cfg_init(&cfg);
    cfg.word_max = 3;
    for (uint8_t flags = 0; flags <= CS_TEXTFEAT_F__ALL; flags++) {
        cfg.flags = flags;
        cs_textfeat_extract(&cfg, t, len, v);
        mix(f, &v->n, sizeof(v->n));
        mix(f, &v->truncated, sizeof(v->truncated));
        mix(f, v->ent, sizeof(v->ent[0]) * v->n);
    }
}

static size_t run_file(const struct cs_models *ms, const char *path, struct fnv *f,
                       struct cs_textfeat_vec *v)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (n < 400 && getline(&line, &cap, fp) > 0) {
        json_object *o = json_tokener_parse(line), *t = NULL;
        if (o && json_object_object_get_ex(o, "text", &t)) {
            run_text(ms, json_object_get_string(t), (size_t)json_object_get_string_len(t), f, v);
            n++;
        }
        json_object_put(o);
    }
    free(line);
    fclose(fp);
    return n;
}

/* Recorded with the three tokenisers as they were (commit before "one tokeniser");
 * re-recorded when issue #14's generalisation batch retrained the triage, sentiment
 * and escalation models (the base models still give 0x4a8e9be1e58b0b58: the features
 * did not move), and again when its second batch (branch tdata2) retrained them (the
 * previous models still give 0x3b79434d7c384586). */
#define GOLDEN 0xfa3151671dd57bb8ull

static void test_outputs_unchanged(void)
{
    struct cs_models *ms = NULL;
    REQUIRE(cs_models_open("data/models", &ms) == CS_OK); /* the shipped models must load */
    struct cs_textfeat_vec *v = malloc(sizeof(*v));
    REQUIRE(v);
    struct fnv f = {0xcbf29ce484222325ull};
    for (size_t i = 0; i < sizeof(TRICKY) / sizeof(TRICKY[0]); i++)
        run_text(ms, TRICKY[i], strlen(TRICKY[i]), &f, v);
    CHECK_INT(run_file(ms, "data/triage/train.jsonl", &f, v), 400);
    CHECK_INT(run_file(ms, "data/triage/messages_train.jsonl", &f, v), 400);
    if (getenv("CS_GOLDEN_PRINT")) printf("# golden 0x%016" PRIx64 "\n", f.h);
    CHECK(f.h == GOLDEN);
    free(v);
    cs_models_close(ms);
}

int main(void)
{
    TEST_RUN(test_outputs_unchanged);
    return test_done();
}
