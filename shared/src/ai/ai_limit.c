/* A bound on one tenant's concurrent hosted-provider calls in this process.
 *
 * Why: a FastCGI function serves requests on a few worker threads (CS_THREADS), and a
 * hosted model call can take tens of seconds; two slow calls of one tenant held both
 * workers and another tenant's 5 ms request waited 19 s. A call past its tenant's bound
 * does not wait for a slot (that would park the worker just the same): it goes down the
 * fallback chain at once, so the builtin provider answers it and says so. The table is
 * per process, like the workers it protects; the gateway's per-tenant rate limit bounds
 * the rest. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "ai/ai_int.h"

/* Distinct tenants with a call in flight at once: at most one per worker thread. */
#define AI_SLOT_TENANTS 64
#define AI_SLOT_NAME 96

static struct {
    pthread_mutex_t mu;
    struct {
        char tenant[AI_SLOT_NAME];
        unsigned n;
    } e[AI_SLOT_TENANTS];
} slots = {.mu = PTHREAD_MUTEX_INITIALIZER};

bool ai_slot_take(const char *tenant, unsigned max)
{
    if (!tenant || !max) return true;
    size_t len = strlen(tenant);
    if (len >= AI_SLOT_NAME) len = AI_SLOT_NAME - 1; /* longer ids share a prefix's slots */
    bool ok = false;
    pthread_mutex_lock(&slots.mu);
    int free_at = -1, at = -1;
    for (int i = 0; i < AI_SLOT_TENANTS; i++) {
        if (slots.e[i].n == 0) {
            if (free_at < 0) free_at = i;
        } else if (strncmp(slots.e[i].tenant, tenant, len) == 0 && slots.e[i].tenant[len] == '\0') {
            at = i;
            break;
        }
    }
    if (at >= 0) {
        ok = slots.e[at].n < max;
        if (ok) slots.e[at].n++;
    } else if (free_at >= 0) {
        memcpy(slots.e[free_at].tenant, tenant, len);
        slots.e[free_at].tenant[len] = '\0';
        slots.e[free_at].n = 1;
        ok = true;
    }
    /* A full table means more tenants in flight than workers can exist: refuse, which
     * sends the call to builtin rather than past the bound. */
    pthread_mutex_unlock(&slots.mu);
    return ok;
}

void ai_slot_give(const char *tenant)
{
    if (!tenant) return;
    size_t len = strlen(tenant);
    if (len >= AI_SLOT_NAME) len = AI_SLOT_NAME - 1;
    pthread_mutex_lock(&slots.mu);
    for (int i = 0; i < AI_SLOT_TENANTS; i++) {
        if (slots.e[i].n && strncmp(slots.e[i].tenant, tenant, len) == 0 &&
            slots.e[i].tenant[len] == '\0') {
            slots.e[i].n--;
            break;
        }
    }
    pthread_mutex_unlock(&slots.mu);
}
