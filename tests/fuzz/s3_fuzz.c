/* libFuzzer target: what the S3 source reads from outside (cs/s3.h): the s3:// URI a
 * tenant gives (cs_s3_uri_split), S3's error document (cs_s3_error_code), and the job id
 * a deploy reads from an S3 model_output_uri (cs_ml_s3_output_job).
 *
 * Beyond "no crash, no leak, no UB" it checks their promises: a split URI has a bucket
 * of 3-63 lower-case letters, digits, dots and hyphens and a key of 1-1024 bytes that
 * rebuild the input exactly; an error code is empty or 1-63 letters and digits. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/lifecycle.h"
#include "cs/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char bucket[64], key[CS_S3_MAX_KEY + 1];
    if (cs_s3_uri_split(s, bucket, key)) {
        size_t bn = strlen(bucket), kn = strlen(key);
        if (bn < 3 || bn > 63 || kn < 1 || kn > CS_S3_MAX_KEY) abort();
        for (size_t i = 0; i < bn; i++)
            if (!islower((unsigned char)bucket[i]) && !isdigit((unsigned char)bucket[i]) &&
                bucket[i] != '.' && bucket[i] != '-')
                abort();
        char *back = malloc(bn + kn + 8);
        if (!back) abort();
        snprintf(back, bn + kn + 8, "s3://%s/%s", bucket, key);
        if (strcmp(back, s) != 0) abort();
        free(back);
    }
    char job[65];
    if (cs_ml_s3_output_job("acme", s, job)) { /* ends in "/acme/<job>/", job [a-z0-9_-] */
        size_t jn = strlen(job), n = strlen(s);
        if (jn < 1 || jn > 64 || n < jn + 7 || s[n - 1] != '/') abort();
        if (strncmp(s + n - jn - 7, "/acme/", 6) != 0 || strncmp(s + n - jn - 1, job, jn) != 0)
            abort();
        for (size_t i = 0; i < jn; i++)
            if (!islower((unsigned char)job[i]) && !isdigit((unsigned char)job[i]) &&
                job[i] != '-' && job[i] != '_')
                abort();
    } else if (job[0]) {
        abort();
    }
    char code[64];
    cs_s3_error_code(s, code);
    size_t cn = strlen(code);
    if (cn > 63) abort();
    for (size_t i = 0; i < cn; i++)
        if (!isalnum((unsigned char)code[i])) abort();
    free(s);
    return 0;
}
