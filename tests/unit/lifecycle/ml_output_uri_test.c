/* Unit tests for reading the job id back from an S3 model_output_uri
 * (cs_ml_s3_output_job in cs/lifecycle.h): a deploy's model_uri is the caller's input. */
#include "../../support/test.h"
#include "cs/lifecycle.h"

static void job_of_own_output(void)
{
    char id[65];
    CHECK(cs_ml_s3_output_job("acme", "s3://model-out/models/acme/train-20261208-ab12/", id));
    CHECK_STR(id, "train-20261208-ab12");
    CHECK(cs_ml_s3_output_job("acme", "s3://bkt/acme/j_1/", id));
    CHECK_STR(id, "j_1");
}

static void others_refused(void)
{
    static const char *const bad[] = {
        "s3://model-out/models/globex/train-1/", /* another tenant's */
        "s3://model-out/models/xacme/train-1/",  /* a tenant that ends in the caller's */
        "s3://model-out/models/acme/train-1",    /* no closing slash */
        "s3://model-out/models/acme//",          /* no id */
        "s3://model-out/models/acme/Train-1/",   /* not an id */
        "s3://model-out/models/acme/../x/",      /* not an id */
        "acme/train-1/",                         /* too short to hold a bucket */
        "/acme/j/",
        "",
        "s3://b/acme/"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/", /* 65 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char id[65] = "x";
        if (cs_ml_s3_output_job("acme", bad[i], id)) fprintf(stderr, "  took %s\n", bad[i]);
        CHECK(!cs_ml_s3_output_job("acme", bad[i], id));
        CHECK_STR(id, "");
    }
    char id[65];
    CHECK(!cs_ml_s3_output_job("", "s3://b//j/", id));
    CHECK(!cs_ml_s3_output_job("acme", NULL, id));
}

int main(void)
{
    TEST_RUN(job_of_own_output);
    TEST_RUN(others_refused);
    return test_done();
}
