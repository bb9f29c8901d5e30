#include "cs/models.h"

#include "../../support/test.h"

static void test_bundle(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    const char *names[] = {"escalation", "intent-banking77", "intent-support", "pii", "sentiment"};
    for (int i = 0; i < 5; i++) {
        CHECK(cs_models_get(ms, names[i]) != NULL);
        const struct cs_model *m = cs_models_at(ms, (size_t)i);
        CHECK(m && cs_model_file_size(m) <= 4u << 20);
    }
    CHECK(cs_models_get(ms, "nope") == NULL);
    CHECK(cs_models_scratch() != NULL);
    /* the non-commercial notice travels with the sentiment model */
    const char *meta = cs_model_metadata(cs_models_get(ms, "sentiment"));
    CHECK(meta && strstr(meta, "NC-SA") && strstr(meta, "NON-COMMERCIAL"));
    cs_models_close(ms);
    CHECK_INT(cs_models_open("/nonexistent", &ms), CS_ERR_IO);
}

int main(void)
{
    TEST_RUN(test_bundle);
    return test_done();
}
