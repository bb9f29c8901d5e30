/* Argument checks, fault injection and dispatch for the store; see cs/store.h. */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cs/arena.h"
#include "cs/tenant.h"
#include "cs/words.h"
#include "cs/json.h"
#include "store/store_int.h"

/* The database holds tickets, transcripts and password hashes: owner-only. SQLite
 * creates its -wal and -shm files with the main file's mode (unix VFS,
 * findCreateFileMode), so creating (or tightening) the main file first covers all
 * three whatever the process umask. A file we do not own is left as it is. */
static void file_private(const char *path, int create)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
    if (fd < 0) return; /* sqlite3_open_v2 reports the real problem */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() && (sb.st_mode & 077))
        (void)fchmod(fd, sb.st_mode & 0700);
    close(fd);
}

static void sqlite_file_private(const char *path)
{
    if (!path[0] || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0) return;
    file_private(path, 1);
    /* Left over from before (created under a looser umask). */
    static const char *const side[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
        char p[4096];
        if ((size_t)snprintf(p, sizeof(p), "%s%s", path, side[i]) < sizeof(p)) file_private(p, 0);
    }
}

int cs_store_open(const char *uri, struct cs_store **out)
{
    *out = NULL;
    if (!uri) return CS_ERR_CONFIG;
    if (strncmp(uri, "sqlite://", 9) == 0) {
        sqlite_file_private(uri + 9);
        return cs_store_sqlite_open(uri + 9, out);
    }
    if (strncmp(uri, "mongodb://", 10) == 0 || strncmp(uri, "mongodb+srv://", 14) == 0)
        return cs_store_mongo_open(uri, out);
    return CS_ERR_CONFIG;
}

void cs_store_close(struct cs_store *st)
{
    if (!st) return;
    cs_store_unstage(st);
    st->ops->close(st);
}

const char *cs_store_backend(const struct cs_store *st) { return st->ops->name; }

void cs_store_fail_after(struct cs_store *st, unsigned n)
{
    st->fail_countdown = n;
    st->failing = 0;
}

static int injected(struct cs_store *st)
{
    if (st->failing) return 1;
    if (st->fail_countdown && --st->fail_countdown == 0) st->failing = 1;
    return st->failing;
}

static bool tenant_ok(const char *t)
{
    return t && (cs_tenant_valid(t) || strcmp(t, CS_SYSTEM_TENANT) == 0);
}

static bool coll_ok(const char *c)
{
    size_t n = c ? strlen(c) : 0;
    if (n == 0 || n > 64) return false;
    for (; *c; c++)
        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_') return false;
    return true;
}

static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CS_STORE_ID_MAX) return false;
    for (; *id; id++)
        if ((unsigned char)*id < 0x20 || *id == 0x7f) return false;
    return true;
}

bool cs_store_field_valid(const char *f)
{
    if (!f || !*f || strlen(f) > 128) return false;
    if (strcmp(f, "_id") == 0 || strcmp(f, "_created") == 0 || strcmp(f, "_updated") == 0)
        return true;
    if (f[0] == '.' || f[strlen(f) - 1] == '.' || strstr(f, "..")) return false;
    for (; *f; f++)
        if (!isalnum((unsigned char)*f) && *f != '_' && *f != '.') return false;
    return true;
}

static bool filters_ok(const struct cs_filter *f, size_t n)
{
    if (n > CS_QUERY_MAX_FILTERS) return false;
    for (size_t i = 0; i < n; i++)
        if (!cs_store_field_valid(f[i].field)) return false;
    return true;
}

#define CHECK_SCOPE(st, tenant, coll)                                                              \
    do {                                                                                           \
        if (!tenant_ok(tenant) || !coll_ok(coll)) return CS_ERR_INVALID;                           \
        if (injected(st)) return CS_ERR_STORE;                                                     \
    } while (0)

/* Staged events belong to the next write only, whatever its outcome; reads leave them. */
static int unstaged(struct cs_store *st, int rc)
{
    cs_store_unstage(st);
    return rc;
}

#define CHECK_WRITE(st, tenant, coll)                                                              \
    do {                                                                                           \
        if (!tenant_ok(tenant) || !coll_ok(coll)) return unstaged(st, CS_ERR_INVALID);             \
        if (injected(st)) return unstaged(st, CS_ERR_STORE);                                       \
    } while (0)

int cs_store_ping(struct cs_store *st)
{
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->ping(st);
}

int cs_store_probe_write(struct cs_store *st, int64_t now_ms)
{
    const int64_t window_ms = 60 * 1000;
    int64_t n = 0;
    return cs_store_counter_add(st, CS_SYSTEM_TENANT, "health:ready", now_ms - now_ms % window_ms,
                                2 * window_ms, 1, &n);
}

int cs_store_insert(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *id, json_object *body, const struct cs_text *text, int64_t now_ms,
                    struct cs_doc *out)
{
    CHECK_WRITE(st, tenant, coll);
    if ((id && !id_ok(id)) || !json_object_is_type(body, json_type_object))
        return unstaged(st, CS_ERR_INVALID);
    if (!id && !(id = cs_store_new_id(a))) return unstaged(st, CS_ERR_NOMEM);
    return unstaged(st, st->ops->insert(st, a, tenant, coll, id, body, text, now_ms, out));
}

int cs_store_get(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                 const char *id, struct cs_doc *out)
{
    CHECK_SCOPE(st, tenant, coll);
    if (!id_ok(id)) return CS_ERR_NOT_FOUND;
    return st->ops->get(st, a, tenant, coll, id, out);
}

int cs_store_update(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *id, int64_t expected_version, json_object *body,
                    const struct cs_text *text, int64_t now_ms, struct cs_doc *out)
{
    CHECK_WRITE(st, tenant, coll);
    if (!id_ok(id)) return unstaged(st, CS_ERR_NOT_FOUND);
    if (!json_object_is_type(body, json_type_object) || expected_version < 1)
        return unstaged(st, CS_ERR_INVALID);
    return unstaged(
        st, st->ops->update(st, a, tenant, coll, id, expected_version, body, text, now_ms, out));
}

int cs_store_delete(struct cs_store *st, const char *tenant, const char *coll, const char *id,
                    int64_t expected_version)
{
    CHECK_WRITE(st, tenant, coll);
    if (!id_ok(id)) return unstaged(st, CS_ERR_NOT_FOUND);
    return unstaged(st, st->ops->delete_doc(st, tenant, coll, id, expected_version));
}

int cs_store_find(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                  const struct cs_query *q, struct cs_doc_list *out)
{
    CHECK_SCOPE(st, tenant, coll);
    if (!filters_ok(q->filters, q->nfilters) || (q->sort && !cs_store_field_valid(q->sort)) ||
        q->limit < 0 || q->offset < 0)
        return CS_ERR_INVALID;
    return st->ops->find(st, a, tenant, coll, q, out);
}

int cs_store_count(struct cs_store *st, const char *tenant, const char *coll,
                   const struct cs_filter *filters, size_t nfilters, int64_t *out)
{
    CHECK_SCOPE(st, tenant, coll);
    if (!filters_ok(filters, nfilters)) return CS_ERR_INVALID;
    return st->ops->count(st, tenant, coll, filters, nfilters, out);
}

int cs_store_aggregate(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const char *coll, const struct cs_agg *agg, struct cs_agg_row **rows,
                       size_t *nrows)
{
    CHECK_SCOPE(st, tenant, coll);
    if (!filters_ok(agg->filters, agg->nfilters) || agg->nmetrics > CS_AGG_MAX_METRICS ||
        (agg->group_by && !cs_store_field_valid(agg->group_by)) ||
        (agg->bucket != CS_BUCKET_NONE && !agg->group_by))
        return CS_ERR_INVALID;
    for (size_t i = 0; i < agg->nmetrics; i++)
        if (agg->metrics[i].op != CS_AGG_COUNT && !cs_store_field_valid(agg->metrics[i].field))
            return CS_ERR_INVALID;
    return st->ops->aggregate(st, a, tenant, coll, agg, rows, nrows);
}

int cs_store_quantiles(struct cs_store *st, const char *tenant, const char *coll,
                       const struct cs_filter *filters, size_t nfilters, const char *field,
                       const double *qs, size_t nq, double *out)
{
    CHECK_SCOPE(st, tenant, coll);
    if (!filters_ok(filters, nfilters) || !cs_store_field_valid(field)) return CS_ERR_INVALID;
    for (size_t i = 0; i < nq; i++)
        if (!(qs[i] >= 0.0 && qs[i] <= 1.0)) return CS_ERR_INVALID;
    return st->ops->quantiles(st, tenant, coll, filters, nfilters, field, qs, nq, out);
}

int cs_store_search(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                    const char *text, size_t limit, struct cs_hit **hits, size_t *nhits)
{
    CHECK_SCOPE(st, tenant, coll);
    *hits = NULL;
    *nhits = 0;
    if (!text) return CS_ERR_INVALID;
    if (limit == 0 || limit > 100) limit = limit ? 100 : 10;
    return st->ops->search(st, a, tenant, coll, text, limit, hits, nhits);
}

int cs_store_compact(struct cs_store *st)
{
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->compact ? st->ops->compact(st) : CS_OK;
}

int cs_store_counter_add(struct cs_store *st, const char *tenant, const char *key,
                         int64_t window_start_ms, int64_t ttl_ms, int64_t delta, int64_t *value)
{
    if (!tenant_ok(tenant) || !id_ok(key)) return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->counter_add(st, tenant, key, window_start_ms, ttl_ms, delta, value);
}

/* ---- outbox ---- */

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-", *s)) return false;
    return true;
}

int cs_store_stage(struct cs_store *st, const char *tenant, const char *topic, const char *type,
                   json_object *payload)
{
    if (!tenant_ok(tenant) || !name_ok(topic) || !name_ok(type) ||
        st->nstaged >= CS_OUTBOX_MAX_STAGED)
        return CS_ERR_INVALID;
    const char *json =
        payload ? json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN) : "{}";
    struct cs_staged *e = &st->staged[st->nstaged];
    unsigned char bin[12];
    randombytes_buf(bin, sizeof(bin));
    memcpy(e->id, "evt_", 4);
    sodium_bin2hex(e->id + 4, sizeof(e->id) - 4, bin, sizeof(bin));
    e->tenant = strdup(tenant);
    e->topic = strdup(topic);
    e->type = strdup(type);
    e->payload = json ? strdup(json) : NULL;
    if (!e->tenant || !e->topic || !e->type || !e->payload) {
        free(e->tenant), free(e->topic), free(e->type), free(e->payload);
        return CS_ERR_NOMEM;
    }
    st->nstaged++;
    return CS_OK;
}

void cs_store_unstage(struct cs_store *st)
{
    for (size_t i = 0; i < st->nstaged; i++) {
        struct cs_staged *e = &st->staged[i];
        free(e->tenant), free(e->topic), free(e->type), free(e->payload);
    }
    st->nstaged = 0;
}

size_t cs_store_staged(const struct cs_store *st) { return st->nstaged; }

void cs_store_scope_begin(struct cs_store *st)
{
    if (st && st->ops->scope_begin) st->ops->scope_begin(st);
}

int cs_store_scope_end(struct cs_store *st)
{
    return st && st->ops->scope_end ? st->ops->scope_end(st) : CS_OK;
}

int cs_store_outbox_flush(struct cs_store *st, int64_t now_ms)
{
    if (st->nstaged == 0) return CS_OK;
    if (injected(st)) return unstaged(st, CS_ERR_STORE);
    return unstaged(st, st->ops->outbox_flush(st, now_ms));
}

int cs_store_outbox_claim(struct cs_store *st, struct cs_arena *a, int64_t now_ms, int64_t lease_ms,
                          size_t limit, size_t per_tenant, struct cs_outbox_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (lease_ms <= 0) return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    if (limit == 0 || limit > 1000) limit = limit ? 1000 : 100;
    return st->ops->outbox_claim(st, a, now_ms, lease_ms, limit, per_tenant, items, n);
}

bool cs_store_outbox_runs(const struct cs_store *st) { return st->ops->outbox_runs; }

int cs_store_outbox_claim_topic(struct cs_store *st, struct cs_arena *a, const char *topic,
                                int64_t now_ms, int64_t lease_ms, size_t limit,
                                struct cs_outbox_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (lease_ms <= 0 || !name_ok(topic) ||
        strncmp(topic, CS_OUTBOX_QUEUE_PREFIX, strlen(CS_OUTBOX_QUEUE_PREFIX)) != 0)
        return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    if (limit == 0 || limit > 1000) limit = limit ? 1000 : 100;
    return st->ops->outbox_claim_topic(st, a, topic, now_ms, lease_ms, limit, items, n);
}

int cs_store_outbox_renew(struct cs_store *st, const struct cs_outbox_item *item,
                          int64_t lease_until_ms)
{
    if (!item || !item->id) return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->outbox_renew(st, item, lease_until_ms);
}

int cs_store_outbox_settle(struct cs_store *st, const struct cs_outbox_item *item,
                           enum cs_outbox_outcome outcome, int64_t next_due_ms, int64_t now_ms)
{
    if (!item || !item->id || outcome > CS_OUTBOX_DEAD) return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->outbox_settle(st, item, outcome, next_due_ms, now_ms);
}

int cs_store_outbox_stats(struct cs_store *st, const char *tenant, const char *topic, int64_t *open,
                          int64_t *done, int64_t *dead)
{
    if (!tenant_ok(tenant) || (topic && !name_ok(topic))) return CS_ERR_INVALID;
    if (injected(st)) return CS_ERR_STORE;
    return st->ops->outbox_stats(st, tenant, topic, open, done, dead);
}

int cs_query_where(struct cs_query *q, const char *field, enum cs_op op, struct cs_value v)
{
    if (q->nfilters >= CS_QUERY_MAX_FILTERS || !cs_store_field_valid(field)) return CS_ERR_INVALID;
    q->filters[q->nfilters++] = (struct cs_filter){field, op, v};
    return CS_OK;
}

struct cs_value cs_val_str(const char *s) { return (struct cs_value){.type = CS_VAL_STR, .s = s}; }
struct cs_value cs_val_int(int64_t i) { return (struct cs_value){.type = CS_VAL_INT, .i = i}; }
struct cs_value cs_val_real(double d) { return (struct cs_value){.type = CS_VAL_REAL, .d = d}; }
struct cs_value cs_val_bool(bool b) { return (struct cs_value){.type = CS_VAL_BOOL, .b = b}; }

char *cs_store_new_id(struct cs_arena *a)
{
    unsigned char bin[12];
    char hex[25];
    randombytes_buf(bin, sizeof(bin));
    sodium_bin2hex(hex, sizeof(hex), bin, sizeof(bin));
    return cs_arena_strdup(a, hex);
}

json_object *cs_store_body_parse(struct cs_arena *a, const char *text, size_t len)
{
    json_object *o;
    /* Stored bodies were written by us, but a hand-edited or corrupted row must still
     * fail cleanly rather than crash a handler. */
    if (cs_json_parse(text, len, a, &o, NULL) != CS_OK) return NULL;
    return o;
}

/* The query's terms for full-text search: the one word reading (cs/words.h, bytes, so
 * UTF-8 words stay whole), folded, without stop words or repeats. */
size_t cs_store_query_terms(struct cs_arena *a, const char *text, const char **terms, size_t max)
{
    size_t n = 0, pos = 0, len = strlen(text);
    struct cs_word w;
    while (n < max && cs_words_next(text, len, &pos, 0, &w)) {
        if (w.len > 64) continue;
        char fold[64 * 3 + 1];
        size_t fn = cs_words_fold(text + w.off, w.len, 0, fold, sizeof fold - 1);
        fold[fn] = '\0';
        if (cs_words_stop(fold)) continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++) dup = strcmp(terms[i], fold) == 0;
        if (dup) continue;
        char *t = cs_arena_strndup(a, fold, fn);
        if (!t) break;
        terms[n++] = t;
    }
    return n;
}

/* For store_rollup.c: the same checks as every other call. */
bool cs_store_tenant_ok(const char *t) { return tenant_ok(t); }
int cs_store_injected(struct cs_store *st) { return injected(st); }
