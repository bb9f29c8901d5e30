/* libFuzzer target: the embedding file loader rejects, never crashes on, any bytes; and
 * the sentence embedder (tokens, n-gram fallback, truncation) takes any text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/embed.h"
#include "cs/embed_write.h"
#include "cs/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Three words and 16 n-gram buckets, so unknown words take the fallback path. */
static struct cs_embed *tiny_model(void)
{
    static struct cs_embed *e;
    static uint8_t *buf;
    if (e) return e;
    enum { D = 4, W = 3, B = 16 };
    const char *words[W] = {"card", "money", "refund"};
    uint64_t h[W];
    for (int i = 0; i < W; i++) h[i] = cs_model_lexicon_hash(words[i], strlen(words[i]));
    for (int i = 0; i < W; i++) /* ascending */
        for (int j = i + 1; j < W; j++)
            if (h[j] < h[i]) {
                uint64_t x = h[i];
                h[i] = h[j], h[j] = x;
            }
    static int8_t vec[W * D] = {127, 0, 0, 0, 90, 90, 0, 0, 0, 0, 127, 0}, bvec[B * D];
    static float wt[W] = {0.5f, 0.7f, 0.9f}, sc[W] = {0.01f, 0.01f, 0.01f},
                 pc[D] = {0.5f, 0.5f, 0.5f, 0.5f}, bsc[B],
                 map[D * D] = {1, 0.5f, 0,  0, 0, 1, 0,     0,
                               0, 0,    -1, 0, 0, 0, 0.25f, 2}; /* the intent map */
    for (int k = 0; k < B * D; k++) bvec[k] = (int8_t)((k * 37) % 255 - 127);
    for (int k = 0; k < B; k++) bsc[k] = k % 3 ? 0.01f : 0.0f;
    struct cs_embed_spec sp = {
        "{\"name\":\"fuzz\"}", D, W, B, 1e-3f, 1000, h, wt, sc, pc, bsc, vec, bvec, map};
    size_t n;
    if (cs_embed_encode(&sp, &buf, &n) != CS_OK || cs_embed_open_mem(buf, n, &e) != CS_OK) abort();
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float v[CS_EMBED_MAX_DIMS + 8];
    struct cs_embed *t = tiny_model();
    unsigned dims = size ? 1u + data[0] % 8u : 4u; /* truncation and padding both */
    for (int topic = 0; topic < 2; topic++) {
        int rc = topic ? cs_embed_topic(t, (const char *)data, size, dims, v)
                       : cs_embed_text(t, (const char *)data, size, dims, v);
        if (rc != CS_OK) abort();
        float n = cs_embed_cosine(v, v, dims);
        if (!(n == 0.0f || (n > 0.99f && n < 1.01f))) abort();
    }
    /* the same bytes as a file */
    uint64_t *copy = malloc(size / 8 * 8 + 8);
    if (!copy) return 0;
    memcpy(copy, data, size);
    struct cs_embed *e;
    if (cs_embed_open_mem(copy, size, &e) == CS_OK) {
        if (cs_embed_text(e, "refund my money", 15, cs_embed_dims(e), v) != CS_OK ||
            cs_embed_topic(e, "refund my money", 15, cs_embed_dims(e), v) != CS_OK)
            abort();
        cs_embed_close(e);
    }
    free(copy);
    return 0;
}
