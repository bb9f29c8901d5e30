/* POST /api/v1/ai/datasets: a tenant's labelled training data. The body is CSV (with a
 * header naming the text and label columns) or JSON Lines; `format` (csv|jsonl) in the
 * query or the Content-Type (text/csv, application/x-ndjson, application/jsonl) says
 * which, `text_column` / `label_column` rename the columns, `name` labels the upload.
 * Rows stream through the validating reader (cs/dataset.h) into a normalised JSON Lines
 * file, hashed as it is written; the first bad row refuses the whole upload and nothing
 * is kept. The answer gives the dataset id (a training_data_uri), the row count and the
 * label distribution. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/env.h"
#include "cs/family.h"
#include "cs/http.h"
#include "cs/json.h"
#include "cs/lifecycle.h"
#include "cs/store.h"

int fn_ai_datasets(const struct cs_req *req, struct cs_resp *resp);

#define CHUNK (64u << 10)

struct sink {
    FILE *f;
    crypto_hash_sha256_state sha;
};

/* One normalised row: {"text":...,"label":...}\n, escaped by json-c. */
static int write_row(void *user, const char *text, size_t tl, const char *label, size_t ll)
{
    struct sink *s = user;
    json_object *o = json_object_new_object();
    if (!o) return CS_ERR_NOMEM;
    json_object_object_add(o, "text", json_object_new_string_len(text, (int)tl));
    json_object_object_add(o, "label", json_object_new_string_len(label, (int)ll));
    size_t n;
    const char *line = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    int rc = line && fwrite(line, 1, n, s->f) == n && fputc('\n', s->f) != EOF ? CS_OK : CS_ERR_IO;
    if (!rc) {
        crypto_hash_sha256_update(&s->sha, (const unsigned char *)line, n);
        crypto_hash_sha256_update(&s->sha, (const unsigned char *)"\n", 1);
    }
    json_object_put(o);
    return rc;
}

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

/* Streams the body through the reader into `tmp`. */
static int parse_into(const struct cs_req *req, struct cs_resp *resp, enum cs_dataset_format fmt,
                      const char *tmp, unsigned char digest[32], struct cs_dataset_stats *stats)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct sink s = {.f = fd >= 0 ? fdopen(fd, "w") : NULL};
    if (!s.f) {
        if (fd >= 0) close(fd);
        return CS_ERR_IO;
    }
    crypto_hash_sha256_init(&s.sha);
    struct cs_dataset_reader *r;
    int rc = cs_dataset_reader_new(fmt, cs_req_query(req, "text_column"),
                                   cs_req_query(req, "label_column"), write_row, &s, &r);
    if (rc == CS_ERR_INVALID)
        rc = refuse(resp, "text_column", "column names must be 1-64 bytes and differ");
    for (size_t off = 0; !rc && off < req->body_len; off += CHUNK) {
        size_t n = req->body_len - off < CHUNK ? req->body_len - off : CHUNK;
        rc = cs_dataset_reader_feed(r, req->body + off, n);
    }
    if (!rc) rc = cs_dataset_reader_finish(r);
    if (r && rc == CS_ERR_VALIDATION)
        rc = refuse(resp, "file", cs_arena_strdup(req->arena, cs_dataset_reader_error(r)));
    if (r) *stats = *cs_dataset_reader_stats(r);
    cs_dataset_reader_destroy(r);
    if (fflush(s.f) != 0 || fsync(fileno(s.f)) != 0) rc = rc ? rc : CS_ERR_IO;
    if (fclose(s.f) != 0 && !rc) rc = CS_ERR_IO;
    crypto_hash_sha256_final(&s.sha, digest);
    return rc;
}

static json_object *distribution(const struct cs_dataset_stats *s)
{
    json_object *o = json_object_new_object();
    for (uint32_t i = 0; o && i < s->n_labels; i++)
        json_object_object_add(o, s->label[i].name,
                               json_object_new_int64((int64_t)s->label[i].count));
    return o;
}

static int answer(const struct cs_req *req, struct cs_resp *resp, const struct cs_doc *doc)
{
    json_object *d = cs_json_object(req->arena);
    if (!d) return CS_ERR_NOMEM;
    int rc = cs_json_add_str(d, "dataset_id", doc->id);
    json_object_object_foreach(doc->body, k, v) if (!rc) rc = cs_json_add(d, k, json_object_get(v));
    if (!rc) rc = cs_family_ok(CS_FAMILY_INSIGHTS, req, resp, 200, d);
    return rc;
}

static int record(const struct cs_req *req, const char *id, const char *name,
                  enum cs_dataset_format fmt, const struct cs_dataset_stats *st,
                  const unsigned char digest[32], struct cs_doc *out)
{
    char hex[65], iso[32];
    sodium_bin2hex(hex, sizeof(hex), digest, 32);
    cs_ml_iso(req->now_ms, iso, sizeof(iso));
    json_object *b = cs_json_object(req->arena);
    if (!b) return CS_ERR_NOMEM;
    int rc = cs_json_add_str(b, "name", name);
    if (!rc) rc = cs_json_add_str(b, "format", fmt == CS_DATASET_CSV ? "csv" : "jsonl");
    if (!rc) rc = cs_json_add_int(b, "row_count", (int64_t)st->rows);
    if (!rc) rc = cs_json_add(b, "label_distribution", distribution(st));
    if (!rc) rc = cs_json_add_int(b, "bytes", (int64_t)st->bytes);
    if (!rc) rc = cs_json_add_str(b, "checksum", cs_arena_printf(req->arena, "sha256:%s", hex));
    if (!rc)
        rc = cs_json_add_str(b, "training_data_uri",
                             cs_arena_printf(req->arena, "dataset://%s", id));
    if (!rc) rc = cs_json_add_str(b, "created_at", iso);
    if (!rc)
        rc = cs_store_insert(req->store, req->arena, req->auth.tenant, CS_ML_DATASETS, id, b, NULL,
                             req->now_ms, out);
    return rc;
}

int fn_ai_datasets(const struct cs_req *req, struct cs_resp *resp)
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
    char *dir, *id = cs_arena_printf(req->arena, "ds_%s", hex);
    int rc =
        id ? cs_ml_dir(req->arena, req->env->cfg.var_dir, req->auth.tenant, "datasets", true, &dir)
           : CS_ERR_NOMEM;
    if (rc) return rc;
    char *tmp = cs_arena_printf(req->arena, "%s/.%s.tmp", dir, id);
    char *final = cs_arena_printf(req->arena, "%s/%s.jsonl", dir, id);
    if (!tmp || !final) return CS_ERR_NOMEM;
    unsigned char digest[32];
    struct cs_dataset_stats *st = cs_arena_alloc(req->arena, sizeof(*st));
    if (!st) return CS_ERR_NOMEM;
    rc = parse_into(req, resp, fmt, tmp, digest, st);
    if (!rc && rename(tmp, final) != 0) rc = CS_ERR_IO;
    if (rc) {
        unlink(tmp);
        return rc;
    }
    struct cs_doc doc;
    rc = record(req, id, name ? name : id, fmt, st, digest, &doc);
    if (rc) {
        unlink(final); /* no document, no file: a failed upload leaves nothing */
        return rc;
    }
    return answer(req, resp, &doc);
}
