#include "cs/models.h"

#include "cs/arena.h"
#include "cs/embed.h"

#include "../../support/test.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A directory of links to data/models' files, so a test can swap one for a copy. */
static int link_models(char *dir, size_t size)
{
    const char *tmp = getenv("CS_TEST_TMP");
    snprintf(dir, size, "%s/models_only_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return -1;
    static const char *const files[] = {
        "embed.cse",         "escalation.csm",      "intent-banking77.csm",
        "intent-domain.csm", "intent-support.csm",  "pii.csm",
        "sentiment.csm",     "triage-category.csm", "triage-priority.csm"};
    char cwd[PATH_MAX], from[PATH_MAX + 64], to[PATH_MAX + 64];
    if (!getcwd(cwd, sizeof(cwd))) return -1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(from, sizeof(from), "%s/data/models/%s", cwd, files[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
        if (symlink(from, to) != 0) return -1;
    }
    return 0;
}

/* Replaces dir/file by a copy with the byte at `at` (from the end when negative) flipped. */
static int corrupt(const char *dir, const char *file, long at)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n == 0 || n == sizeof(buf)) return -1;
    buf[at < 0 ? (long)n + at : at] ^= 0x5a;
    unlink(path);
    f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(buf, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static void rm_dir(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Issue 15: only the declared models are opened at cold start; the others are opened
 * on first use, with the same answer. */
static void test_only_declared(void)
{
    struct cs_models *all, *ms;
    if (cs_models_open("data/models", &all) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    static const char *const names[] = {"sentiment", "triage-category", NULL};
    REQUIRE(cs_models_open_only("data/models", names, &ms) == CS_OK);
    CHECK_INT((int)cs_models_count(ms), 2);
    CHECK_STR(cs_model_name(cs_models_at(ms, 0)), "sentiment");
    CHECK_STR(cs_model_name(cs_models_at(ms, 1)), "triage-category");
    /* an undeclared one: opened now, the same file as the full bundle's */
    const struct cs_model *pii = cs_models_get(ms, "pii");
    REQUIRE(pii != NULL);
    CHECK_STR(cs_model_name(pii), "pii");
    CHECK(cs_model_file_size(pii) == cs_model_file_size(cs_models_get(all, "pii")));
    CHECK(cs_models_get(ms, "pii") == pii); /* once */
    CHECK_INT((int)cs_models_count(ms), 2);
    CHECK(cs_models_get(ms, "nope") == NULL);
    const struct cs_embed *e = cs_models_embed(ms);
    CHECK(e != NULL && cs_models_embed(ms) == e);
    /* an overlay shares the late-opened models */
    struct cs_arena *a = cs_arena_new(4096);
    const struct cs_models *o;
    REQUIRE(a && cs_models_overlay(a, ms, NULL, 0, &o) == CS_OK);
    CHECK(cs_models_get(o, "pii") == pii);
    CHECK(cs_models_get(o, "escalation") == cs_models_get(ms, "escalation"));
    cs_arena_destroy(a);
    cs_models_close(ms);
    /* nothing declared: an empty bundle, not a failure */
    static const char *const none[] = {NULL};
    REQUIRE(cs_models_open_only("data/models", none, &ms) == CS_OK);
    CHECK_INT((int)cs_models_count(ms), 0);
    cs_models_close(ms);
    cs_models_close(all);
}

static void test_corrupt_declared_fails(void)
{
    char dir[PATH_MAX];
    if (access("data/models/escalation.csm", R_OK) != 0)
        TEST_SKIP("data/models not found (run from the repo root)");
    REQUIRE(link_models(dir, sizeof(dir)) == 0);
    REQUIRE(corrupt(dir, "escalation.csm", -5) == 0); /* in a checksummed section */
    struct cs_models *ms;
    static const char *const esc[] = {"escalation", NULL};
    CHECK_INT(cs_models_open_only(dir, esc, &ms), CS_ERR_FORMAT);
    CHECK_INT(cs_models_open(dir, &ms), CS_ERR_FORMAT);
    /* undeclared, its header still names it: the cold start goes on, and its late open
     * fails as if the file were missing */
    static const char *const pii[] = {"pii", NULL};
    REQUIRE(cs_models_open_only(dir, pii, &ms) == CS_OK);
    CHECK(cs_models_get(ms, "pii") != NULL);
    CHECK(cs_models_get(ms, "escalation") == NULL);
    CHECK(cs_models_get(ms, "escalation") == NULL);
    cs_models_close(ms);
    /* a header that cannot be read fails the cold start: it may be a declared model */
    REQUIRE(corrupt(dir, "escalation.csm", 0) == 0);
    CHECK_INT(cs_models_open_only(dir, pii, &ms), CS_ERR_FORMAT);
    rm_dir(dir);
}

static void test_bundle(void)
{
    struct cs_models *ms;
    if (cs_models_open("data/models", &ms) != CS_OK)
        TEST_SKIP("data/models not found (run from the repo root)");
    const char *names[] = {"escalation", "intent-banking77", "intent-support", "pii", "sentiment"};
    for (int i = 0; i < 5; i++) {
        CHECK(cs_models_get(ms, names[i]) != NULL);
        const struct cs_model *m = cs_models_at(ms, (size_t)i);
        CHECK(m && cs_model_file_size(m) <= 4u << 20);
    }
    CHECK(cs_models_get(ms, "nope") == NULL);
    CHECK(cs_models_scratch() != NULL);
    /* the non-commercial notice travels with the sentiment model */
    const char *meta = cs_model_metadata(cs_models_get(ms, "sentiment"));
    CHECK(meta && strstr(meta, "NC-SA") && strstr(meta, "NON-COMMERCIAL"));
    cs_models_close(ms);
    CHECK_INT(cs_models_open("/nonexistent", &ms), CS_ERR_IO);
}

int main(void)
{
    TEST_RUN(test_bundle);
    TEST_RUN(test_only_declared);
    TEST_RUN(test_corrupt_declared_fails);
    return test_done();
}
