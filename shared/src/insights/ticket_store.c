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

#define ATTEMPTS 8

/* Copies the source's triage fields over a stored document, keeping its outcome log. */
static int refresh(json_object *stored, json_object *fresh)
{
    static const char *const keys[] = {"subject", "customer_id", "category", "priority",
                                       "sentiment", "sentiment_score", "sentiment_level"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        json_object *v;
        if (json_object_object_get_ex(fresh, keys[i], &v) &&
            json_object_object_add(stored, keys[i], json_object_get(v)))
            return CS_ERR_NOMEM;
    }
    return CS_OK;
}

int cs_insights_ticket_open(struct cs_store *st, struct cs_arena *a, const char *tenant,
                            const struct cs_ticket_open *t, int64_t now_ms)
{
    json_object *doc = cs_ticket_doc_new(t);
    if (!doc || cs_json_own(a, doc)) return CS_ERR_NOMEM;
    for (int i = 0; i < ATTEMPTS; i++) {
        int rc = cs_store_insert(st, a, tenant, CS_INSIGHTS_TICKETS, t->ticket_id, doc, NULL, now_ms, NULL);
        if (rc != CS_ERR_EXISTS) return rc;
        struct cs_doc old;
        rc = cs_store_get(st, a, tenant, CS_INSIGHTS_TICKETS, t->ticket_id, &old);
        if (rc == CS_OK) rc = refresh(old.body, doc);
        if (rc == CS_OK)
            rc = cs_store_update(st, a, tenant, CS_INSIGHTS_TICKETS, t->ticket_id, old.version, old.body,
                                 NULL, now_ms, NULL);
        if (rc != CS_ERR_CONFLICT && rc != CS_ERR_NOT_FOUND) return rc;
    }
    return CS_ERR_CONFLICT;
}

int cs_insights_ticket_change(struct cs_store *st, struct cs_arena *a, const char *tenant,
                              const char *ticket_id, const struct cs_ticket_change *c, int64_t now_ms,
                              json_object **doc_out, const char **why)
{
    for (int i = 0; i < ATTEMPTS; i++) {
        struct cs_doc d;
        int rc = cs_store_get(st, a, tenant, CS_INSIGHTS_TICKETS, ticket_id, &d);
        if (rc) return rc;
        /* Read back from the store: checked like outside input. */
        if (!json_object_is_type(d.body, json_type_object) || !cs_json_get_str(d.body, "ticket_id"))
            return *why = "Stored ticket is malformed", CS_ERR_FORMAT;
        if ((rc = cs_ticket_apply(d.body, c, why))) return rc;
        /* sla.breach_risk / churn.detected ride on this write (once per ticket). */
        if ((rc = cs_tm_alerts(st, a, tenant, d.body, now_ms, NULL))) return rc;
        rc = cs_store_update(st, a, tenant, CS_INSIGHTS_TICKETS, ticket_id, d.version, d.body, NULL,
                             now_ms, NULL);
        if (rc == CS_OK && doc_out) *doc_out = d.body;
        if (rc != CS_ERR_CONFLICT) return rc;
    }
    return CS_ERR_CONFLICT;
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
