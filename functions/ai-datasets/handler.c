/* POST /api/v1/ai/datasets: a tenant's labelled training data. The body is CSV (with a
 * header naming the text and label columns) or JSON Lines; `format` (csv|jsonl) in the
 * query or the Content-Type (text/csv, application/x-ndjson, application/jsonl) says
 * which, `text_column` / `label_column` rename the columns, `name` labels the upload.
 * Rows stream through the validating reader (cs/dataset.h) into a normalised JSON Lines
 * file, hashed as it is written; the first bad row refuses the whole upload and nothing
 * is kept. The answer gives the dataset id (a training_data_uri), the row count and the
 * label distribution. */
#include "handler.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "cs/arena.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/store.h"

#define CHUNK (64u << 10)

static enum cs_dataset_format format_of(const struct cs_req *req)
{
    const char *q = cs_req_query(req, "format");
    if (q) return cs_dataset_format_parse(q);
    const char *ct = cs_req_header(req, "content-type");
    if (!ct) return 0;
    size_t n = strcspn(ct, "; ");
    if (n == 8 && strncasecmp(ct, "text/csv", n) == 0) return CS_DATASET_CSV;
    static const char *const jl[] = {"application/x-ndjson", "application/jsonl",
                                     "application/x-jsonlines", "application/jsonlines"};
    for (size_t i = 0; i < sizeof(jl) / sizeof(jl[0]); i++)
        if (n == strlen(jl[i]) && strncasecmp(ct, jl[i], n) == 0) return CS_DATASET_JSONL;
    return 0;
}

static int refuse(struct cs_resp *resp, const char *field, const char *msg)
{
    cs_resp_field_error(resp, "body", field, msg, "value_error");
    return CS_ERR_VALIDATION;
}

/* Streams the body through the ingest (cs/lifecycle.h) and records the dataset. */
static int ingest(const struct cs_req *req, struct cs_resp *resp, enum cs_dataset_format fmt,
                  const char *id, const char *name, struct cs_doc *doc)
{
    struct cs_ml_ingest *g;
    int rc =
        cs_ml_ingest_begin(req->arena, req->env->cfg.var_dir, req->auth.tenant, id, fmt,
                           cs_req_query(req, "text_column"), cs_req_query(req, "label_column"), &g);
    if (rc == CS_ERR_INVALID)
        return refuse(resp, "text_column", "column names must be 1-64 bytes and differ");
    if (rc) return rc;
    for (size_t off = 0; !rc && off < req->body_len; off += CHUNK) {
        size_t n = req->body_len - off < CHUNK ? req->body_len - off : CHUNK;
        rc = cs_ml_ingest_feed(g, req->body + off, n);
    }
    if (!rc) rc = cs_ml_ingest_finish(g);
    if (rc == CS_ERR_VALIDATION)
        rc = refuse(resp, "file", cs_arena_strdup(req->arena, cs_ml_ingest_error(g)));
    if (!rc)
        rc = cs_ml_ingest_commit(req->store, req->arena, g, req->auth.tenant, name, NULL,
                                 req->now_ms, doc);
    cs_ml_ingest_end(g); /* a failed upload leaves nothing */
    return rc;
}

static int answer(const struct cs_req *req, struct cs_resp *resp, const struct cs_doc *doc)
{
    struct cs_jb d;
    cs_jb_init(&d, cs_json_object(req->arena));
    cs_jb_str(&d, "dataset_id", doc->id);
    json_object_object_foreach(doc->body, k, v) cs_jb_ref(&d, k, v);
    int rc = cs_jb_done(&d);
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d.obj);
    return rc;
}

CS_HANDLER(fn_ai_datasets)
{
    if (req->body_len > req->env->cfg.max_body) return CS_ERR_TOO_LARGE;
    if (req->body_len == 0 || !req->body) return refuse(resp, "file", "the upload is empty");
    enum cs_dataset_format fmt = format_of(req);
    if (!fmt)
        return refuse(resp, "format",
                      "give format=csv|jsonl or Content-Type text/csv or application/x-ndjson");
    const char *name = cs_req_query(req, "name");
    if (name && (strlen(name) > 128 || !cs_utf8_valid(name, strlen(name))))
        return refuse(resp, "name", "at most 128 bytes of UTF-8");
    unsigned char rnd[12];
    char hex[25];
    req->env->random(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    char *id = cs_arena_printf(req->arena, "ds_%s", hex);
    if (!id) return CS_ERR_NOMEM;
    struct cs_doc doc;
    int rc = ingest(req, resp, fmt, id, name, &doc);
    return rc ? rc : answer(req, resp, &doc);
}
