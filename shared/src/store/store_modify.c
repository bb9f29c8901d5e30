/* cs_store_modify: the read-modify-write loop every store caller shares (cs/store.h). */
#include <stdbool.h>
#include <string.h>

#include "cs/store.h"

enum write_kind { NO_WRITE, INSERTED, UPDATED };

/* Whether a failed write lost a race, so that reading again can succeed. Codes that did
 * not come from the write (mutate's own, the read's) never retry. */
static bool lost_race(int rc, enum write_kind w, unsigned flags)
{
    if (w == NO_WRITE) return false;
    if (w == INSERTED) return rc == CS_ERR_EXISTS;
    return rc == CS_ERR_CONFLICT || (rc == CS_ERR_NOT_FOUND && (flags & CS_MODIFY_CREATE));
}

/* Reads the document into *d (round 0 takes the caller's, when given); an absent one is
 * an empty document when creating. */
static int read_doc(struct cs_store *st, struct cs_arena *a, const struct cs_store_modify *m,
                    bool skip_read, const struct cs_doc *given, struct cs_doc *d)
{
    if (given) {
        *d = *given;
        return CS_OK;
    }
    *d = (struct cs_doc){.id = m->id};
    int rc = skip_read ? CS_ERR_NOT_FOUND : cs_store_get(st, a, m->tenant, m->coll, m->id, d);
    if (rc == CS_ERR_NOT_FOUND && (m->flags & CS_MODIFY_CREATE)) {
        *d = (struct cs_doc){.id = m->id};
        return CS_OK;
    }
    return rc;
}

/* One round: read, mutate, write. *w says which write was tried, if any. */
static int round_once(struct cs_store *st, struct cs_arena *a, const struct cs_store_modify *m,
                      bool skip_read, const struct cs_doc *given, enum write_kind *w,
                      struct cs_doc *out)
{
    struct cs_doc d;
    int rc = read_doc(st, a, m, skip_read, given, &d);
    if (m->read_rc) *m->read_rc = rc;
    if (!rc) rc = m->mutate(m->ctx, &d);
    if (rc == CS_STORE_UNCHANGED) {
        cs_store_unstage(st);
        if (out) *out = d;
        return CS_OK;
    }
    if (!rc && !d.body) rc = CS_ERR_INVALID;
    if (rc) {
        cs_store_unstage(st);
        return rc;
    }
    *w = d.version == 0 ? INSERTED : UPDATED;
    if (*w == INSERTED)
        rc = cs_store_insert(st, a, m->tenant, m->coll, m->id, d.body, NULL, m->now_ms, out);
    else
        rc = cs_store_update(st, a, m->tenant, m->coll, m->id, d.version, d.body, NULL, m->now_ms,
                             out);
    /* The store drops staged events on a failed write; said again so that no path here
     * depends on which checks the store makes before it gets that far. */
    if (rc) cs_store_unstage(st);
    return rc;
}

int cs_store_modify(struct cs_store *st, struct cs_arena *a, const struct cs_store_modify *m,
                    struct cs_doc *out)
{
    if (!m || !m->mutate || !m->id) return CS_ERR_INVALID;
    bool insert_first = (m->flags & CS_MODIFY_INSERT_FIRST) && (m->flags & CS_MODIFY_CREATE);
    const struct cs_doc *given = m->first && m->first->body && m->first->version > 0 &&
                                         m->first->id && strcmp(m->first->id, m->id) == 0
                                     ? m->first
                                     : NULL;
    for (int i = 0; i < CS_STORE_MODIFY_ATTEMPTS; i++) {
        enum write_kind w = NO_WRITE;
        int rc = round_once(st, a, m, insert_first && i == 0, i == 0 ? given : NULL, &w, out);
        /* A failed write has dropped what was staged; the next round stages afresh. */
        if (!lost_race(rc, w, m->flags)) return rc;
    }
    return CS_ERR_CONFLICT;
}

static int replace_body(void *body, struct cs_doc *d)
{
    d->body = body;
    return CS_OK;
}

int cs_store_put(struct cs_store *st, struct cs_arena *a, const char *tenant, const char *coll,
                 const char *id, json_object *body, int64_t now_ms, struct cs_doc *out)
{
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = coll,
                                      .id = id,
                                      .flags = CS_MODIFY_CREATE,
                                      .mutate = replace_body,
                                      .ctx = body,
                                      .now_ms = now_ms};
    return cs_store_modify(st, a, &m, out);
}
