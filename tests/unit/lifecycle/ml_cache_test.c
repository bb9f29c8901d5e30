/* Unit tests for the instance's copies of stored blobs kept under a size cap
 * (cs_ml_cache_prune in cs/lifecycle.h). */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../support/test.h"
#include "cs/lifecycle.h"

static char var[512];

static void sum_name(char *out, char c) { memset(out, c, 64), out[64] = '\0'; }

/* A copy of `size` bytes last used `age` seconds ago, in tenant t's cache folder. */
static void put(const char *tenant, const char *name, size_t size, int age, char *path, size_t cap)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/ml", var);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/ml/%s", var, tenant);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/ml/%s/cache", var, tenant);
    mkdir(dir, 0700);
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    for (size_t i = 0; i < size; i++) fputc('x', f);
    fclose(f);
    struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    REQUIRE(utimensat(AT_FDCWD, path, t, 0) == 0);
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

static void oldest_copies_go_first_across_tenants(void)
{
    char h[65], name[120], a1[700], a2[700], b1[700], keep[700], tmp[700], other[700];
    sum_name(h, 'a');
    snprintf(name, sizeof name, "%s.csm", h);
    put("acme", name, 1000, 300, a1, sizeof a1); /* oldest */
    sum_name(h, 'b');
    snprintf(name, sizeof name, "%s.jsonl", h);
    put("globex", name, 1000, 200, b1, sizeof b1);
    sum_name(h, 'c');
    snprintf(name, sizeof name, "%s.csm", h);
    put("acme", name, 1000, 100, a2, sizeof a2);
    sum_name(h, 'd');
    snprintf(name, sizeof name, "%s.csm", h);
    put("acme", name, 1000, 400, keep, sizeof keep); /* older still, but just fetched */
    sum_name(h, 'e');
    snprintf(name, sizeof name, "%s.csm.123.0x1.tmp", h);
    put("acme", name, 5000, 500, tmp, sizeof tmp);            /* a fetch in progress */
    put("acme", "notes.txt", 5000, 500, other, sizeof other); /* not a copy */

    CHECK_INT((int)cs_ml_cache_prune(var, keep, 2500), 2);
    CHECK(!exists(a1) && !exists(b1)); /* the two least recently used, over both tenants */
    CHECK(exists(a2) && exists(keep));
    CHECK(exists(tmp) && exists(other));
    /* under the cap nothing goes */
    CHECK_INT((int)cs_ml_cache_prune(var, NULL, 2500), 0);
    CHECK(exists(a2) && exists(keep));
}

static void a_used_copy_is_kept(void)
{
    char h[65], name[120], used[700], idle[700];
    sum_name(h, '1');
    snprintf(name, sizeof name, "%s.csm", h);
    put("initech", name, 100, 900, used, sizeof used);
    sum_name(h, '2');
    snprintf(name, sizeof name, "%s.csm", h);
    put("initech", name, 100, 800, idle, sizeof idle);
    cs_ml_cache_touch(used); /* opened by a process: now the most recent */
    /* everything else in the folder from the test above is newer than `idle` */
    CHECK(cs_ml_cache_prune(var, NULL, 2100) >= 1);
    CHECK(exists(used) && !exists(idle));
}

static void cap_from_the_environment(void)
{
    unsetenv("CS_ML_CACHE_MAX_BYTES");
    CHECK(cs_ml_cache_cap() == CS_ML_CACHE_MAX_DEFAULT);
    setenv("CS_ML_CACHE_MAX_BYTES", "1048576", 1);
    CHECK(cs_ml_cache_cap() == 1048576);
    setenv("CS_ML_CACHE_MAX_BYTES", "12abc", 1); /* not a number: the default */
    CHECK(cs_ml_cache_cap() == CS_ML_CACHE_MAX_DEFAULT);
    setenv("CS_ML_CACHE_MAX_BYTES", "-5", 1);
    CHECK(cs_ml_cache_cap() == CS_ML_CACHE_MAX_DEFAULT);
    unsetenv("CS_ML_CACHE_MAX_BYTES");
    CHECK_INT((int)cs_ml_cache_prune("/nonexistent/var", NULL, 0), 0);
}

int main(void)
{
    const char *tmp = getenv("CS_TEST_TMP") ? getenv("CS_TEST_TMP") : "/tmp";
    snprintf(var, sizeof var, "%s/ml-cache-%d", tmp, (int)getpid());
    mkdir(var, 0700);
    TEST_RUN(oldest_copies_go_first_across_tenants);
    TEST_RUN(a_used_copy_is_kept);
    TEST_RUN(cap_from_the_environment);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", var);
    if (system(cmd) != 0) printf("# could not remove %s\n", var);
    return test_done();
}
