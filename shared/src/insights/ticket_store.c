/* Ticket documents in the store: opening (insert, or refresh of the triage fields of a
 * known id) and changes, both with optimistic concurrency. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/store.h"
#include "cs/tenant_models.h"

/* Copies the source's triage fields over a stored document, keeping its outcome log. */
static int refresh(json_object *stored, json_object *fresh)
{
    static const char *const keys[] = {"subject",   "customer_id",     "category",       "priority",
                                       "sentiment", "sentiment_score", "sentiment_level"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        json_object *v;
        if (json_object_object_get_ex(fresh, keys[i], &v) &&
            json_object_object_add(stored, keys[i], json_object_get(v)))
            return CS_ERR_NOMEM;
    }
    return CS_OK;
}

struct opening {
    json_object *fresh;
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    int64_t now_ms;
};

/* A new ticket's document, or a known one's with its triage fields refreshed; the
 * arrival's alerts ride on this write (marked in the document, so a ticket that
 * arrives again fires nothing new). */
static int open_doc(void *ctx, struct cs_doc *d)
{
    const struct opening *x = ctx;
    int rc = CS_OK;
    if (!d->version)
        d->body = x->fresh;
    else if (!json_object_is_type(d->body, json_type_object))
        return CS_ERR_FORMAT; /* read back from the store: checked */
    else
        rc = refresh(d->body, x->fresh);
    if (!rc) rc = cs_tm_alerts_opened(x->st, x->a, x->tenant, d->body, x->now_ms, NULL);
    return rc;
}

int cs_insights_ticket_open(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            const struct cs_ticket_open *t, int64_t now_ms)
{
    json_object *doc = cs_ticket_doc_new(t);
    if (!doc || cs_json_own(a, doc)) return CS_ERR_NOMEM;
    /* Tickets are mostly new: insert first, read only when the id is known. */
    struct opening x = {.fresh = doc, .st = st, .a = a, .tenant = tenant, .now_ms = now_ms};
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = CS_INSIGHTS_TICKETS,
                                      .id = t->ticket_id,
                                      .flags = CS_MODIFY_CREATE | CS_MODIFY_INSERT_FIRST,
                                      .mutate = open_doc,
                                      .ctx = &x,
                                      .now_ms = now_ms};
    return cs_store_modify(st, a, &m, NULL);
}

struct change {
    const struct cs_ticket_change *c;
    const char **why;
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    int64_t now_ms;
};

static int change_doc(void *ctx, struct cs_doc *d)
{
    const struct change *x = ctx;
    /* Read back from the store: checked like outside input. */
    if (!json_object_is_type(d->body, json_type_object) || !cs_json_get_str(d->body, "ticket_id"))
        return *x->why = "Stored ticket is malformed", CS_ERR_FORMAT;
    int rc = cs_ticket_apply(d->body, x->c, x->why);
    /* sla.breach_risk / churn.detected ride on this write (once per ticket); a round
     * that loses its race drops what it staged and stages again. */
    if (!rc) rc = cs_tm_alerts(x->st, x->a, x->tenant, d->body, x->now_ms, NULL);
    return rc;
}

int cs_insights_ticket_change(struct cs_store *st, struct cs_arena *a, const char *tenant,
                              const char *ticket_id, const struct cs_ticket_change *c,
                              int64_t now_ms, json_object **doc_out, const char **why)
{
    struct change x = {.c = c, .why = why, .st = st, .a = a, .tenant = tenant, .now_ms = now_ms};
    const struct cs_store_modify m = {.tenant = tenant,
                                      .coll = CS_INSIGHTS_TICKETS,
                                      .id = ticket_id,
                                      .mutate = change_doc,
                                      .ctx = &x,
                                      .now_ms = now_ms};
    struct cs_doc d;
    int rc = cs_store_modify(st, a, &m, &d);
    if (rc == CS_OK && doc_out) *doc_out = d.body;
    return rc;
}

void cs_insights_duration_text(double seconds, char *out, size_t cap)
{
    if (!(seconds >= 0)) seconds = 0;
    double minutes = seconds / 60.0;
    if (minutes < 90) {
        long m = lround(minutes);
        snprintf(out, cap, "%ld minute%s", m, m == 1 ? "" : "s");
    } else if (minutes < 48 * 60) {
        snprintf(out, cap, "%.1f hours", minutes / 60.0);
    } else {
        snprintf(out, cap, "%.1f days", minutes / 1440.0);
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double cs_insights_median(double *v, size_t n)
{
    if (!n) return NAN;
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}
