/* libFuzzer target: the model file loader must reject, never crash on, any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the loader requires 8-byte alignment, as mmap gives */
    uint64_t *copy = malloc(size / 8 * 8 + 8);
    if (!copy) return 0;
    memcpy(copy, data, size);
    struct cs_model *m;
    if (cs_model_open_mem(copy, size, &m) == CS_OK) {
        static struct cs_textfeat_vec v;
        struct cs_model_pred p;
        struct cs_model_explanation e;
        float x[CS_MODEL_MAX_DENSE] = {0};
        if (cs_model_predict_text(m, "fuzz text", 9, &v, &p) == CS_OK &&
            cs_model_explain_text(m, "fuzz text", 9, p.top, 4, &v, &e) != CS_OK)
            abort();
        if (cs_model_predict_dense(m, x, cs_model_n_features(m), &p) == CS_OK &&
            cs_model_explain_dense(m, x, cs_model_n_features(m), 0, 4, &e) != CS_OK)
            abort();
        (void)cs_model_lexicon_get(m, "anna", 4);
        cs_model_close(m);
    }
    free(copy);
    return 0;
}
