/* Lifecycle helpers every lifecycle function needs (cs/lifecycle.h); kept apart from
 * the dataset reader so a serving function does not pull in the CSV library. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/lifecycle.h"

bool cs_ml_task_trainable(const char *task)
{
    static const char *const tasks[] = {"sentiment", "intent-support", "intent-banking77"};
    for (size_t i = 0; task && i < sizeof(tasks) / sizeof(tasks[0]); i++)
        if (strcmp(task, tasks[i]) == 0) return true;
    return false;
}

void cs_ml_iso(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int mkdir_owner(const char *p)
{
    return mkdir(p, 0700) == 0 || errno == EEXIST ? CS_OK : CS_ERR_IO;
}

int cs_ml_dir(struct cs_arena *a, const char *var_dir, const char *tenant, const char *sub,
              bool create, char **out)
{
    if (!cs_tenant_valid(tenant) || !var_dir) return CS_ERR_INVALID;
    char *ml = cs_arena_printf(a, "%s/ml", var_dir);
    char *td = cs_arena_printf(a, "%s/ml/%s", var_dir, tenant);
    char *p = sub ? cs_arena_printf(a, "%s/%s", td ? td : "", sub) : td;
    if (!ml || !td || !p) return CS_ERR_NOMEM;
    if (create) {
        int rc = mkdir_owner(ml);
        if (!rc) rc = mkdir_owner(td);
        if (!rc && sub) rc = mkdir_owner(p);
        if (rc) return rc;
    }
    *out = p;
    return CS_OK;
}
