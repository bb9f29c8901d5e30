/* Lifecycle helpers every lifecycle function needs (cs/lifecycle.h); kept apart from
 * the dataset reader so a serving function does not pull in the CSV library. */
#include <errno.h>
#include <stddef.h>
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

static bool job_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool cs_ml_s3_output_job(const char *tenant, const char *uri, char out[65])
{
    out[0] = '\0';
    size_t n = uri ? strlen(uri) : 0, tl = tenant ? strlen(tenant) : 0;
    if (tl == 0 || n < 2 || uri[n - 1] != '/') return false;
    const char *end = uri + n - 1, *s = end; /* the id: between the last two slashes */
    while (s > uri && s[-1] != '/') s--;
    size_t idn = (size_t)(end - s);
    /* "s3://" + the tenant + "/" at least before the id */
    if (idn == 0 || idn > 64 || (size_t)(s - uri) < tl + 6 || s[-1] != '/' ||
        strncmp(s - 1 - tl, tenant, tl) != 0 || s[-2 - (ptrdiff_t)tl] != '/')
        return false;
    for (size_t i = 0; i < idn; i++)
        if (!job_id_char(s[i])) return false;
    memcpy(out, s, idn);
    out[idn] = '\0';
    return true;
}
