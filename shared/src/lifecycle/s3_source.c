/* s3://bucket/key training sources (cs/lifecycle.h): the object streams from S3
 * (cs/s3.h) through the same ingest as an upload, so it becomes one of the tenant's
 * datasets, checked row by row, or nothing at all. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/lifecycle.h"
#include "cs/s3.h"

static int feed(void *arg, const char *p, size_t n) { return cs_ml_ingest_feed(arg, p, n); }

static int fail(struct cs_ml_import_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct cs_ml_import_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

/* What the S3 answer means for the caller. */
static int s3_failure(int rc, const struct cs_s3_status *s, const char *uri,
                      struct cs_ml_import_error *e)
{
    char what[96];
    if (s->http)
        snprintf(what, sizeof(what), "%ld %s", s->http, s->code[0] ? s->code : "(no code)");
    else
        snprintf(what, sizeof(what), "%s", "no answer");
    switch (rc) {
    case CS_ERR_NOT_FOUND:
        return fail(e, CS_ERR_VALIDATION, "%s: no such object in S3 (%s)", uri, what);
    case CS_ERR_FORBIDDEN:
        return fail(e, CS_ERR_VALIDATION, "%s: S3 denied access to the object (%s)", uri, what);
    case CS_ERR_BAD_CREDENTIALS:
        return fail(e, CS_ERR_UPSTREAM,
                    "S3 refused this service's credentials (%s); check AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
                    what);
    case CS_ERR_TOO_LARGE:
        return fail(e, CS_ERR_TOO_LARGE, "%s: the object is larger than %u bytes", uri,
                    CS_DATASET_MAX_BYTES);
    case CS_ERR_TIMEOUT: return fail(e, CS_ERR_TIMEOUT, "%s: S3 did not answer in time", uri);
    case CS_ERR_NOMEM: return fail(e, CS_ERR_NOMEM, "out of memory");
    default:
        if (!s->http) return fail(e, CS_ERR_UPSTREAM, "%s: S3 could not be reached", uri);
        return fail(e, CS_ERR_UPSTREAM, "%s: S3 answered %s", uri, what);
    }
}

int cs_ml_s3_import(struct cs_store *st, struct cs_arena *a, const struct cs_s3_cfg *cfg,
                    const char *var_dir, const char *tenant, const char *uri, const char *id,
                    int64_t now_ms, struct cs_doc *out, struct cs_ml_import_error *e)
{
    memset(e, 0, sizeof(*e));
    char bucket[64], *key = cs_arena_alloc(a, CS_S3_MAX_KEY + 1);
    if (!key) return CS_ERR_NOMEM;
    if (!cs_s3_uri_split(uri, bucket, key))
        return fail(e, CS_ERR_VALIDATION,
                    "%s: not an s3://bucket/key URI (a bucket of 3-63 lower-case letters, "
                    "digits, dots and hyphens, then a key)",
                    uri);
    enum cs_dataset_format fmt = cs_ml_format_of_name(key);
    if (!fmt)
        return fail(e, CS_ERR_VALIDATION, "%s: the key must end in .csv, .jsonl or .ndjson", uri);
    if (!cfg) return fail(e, CS_ERR_CONFIG, "S3 is not configured here");
    struct cs_ml_ingest *g;
    int rc = cs_ml_ingest_begin(a, var_dir, tenant, id, fmt, NULL, NULL, &g);
    if (rc) return fail(e, rc, "the dataset could not be written");
    struct cs_s3_status s;
    rc = cs_s3_get(cfg, bucket, key, CS_DATASET_MAX_BYTES, feed, g, &s);
    if (!rc) rc = cs_ml_ingest_finish(g);
    if (rc == CS_ERR_VALIDATION)
        fail(e, rc, "%s: %s", uri, cs_ml_ingest_error(g));
    else if (rc == CS_ERR_IO)
        fail(e, rc, "the dataset could not be written");
    else if (rc)
        s3_failure(rc, &s, uri, e);
    if (!rc) rc = cs_ml_ingest_commit(st, a, g, tenant, NULL, uri, now_ms, out);
    if (rc && !e->code) fail(e, rc, "the dataset could not be recorded");
    cs_ml_ingest_end(g);
    return rc;
}
