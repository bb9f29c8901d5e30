/* store_plugin.c: the MongoDB backend is a run-time plugin. A process that never opens
 * a mongodb:// URI never maps libmongoc (this program does not link it either); opening
 * one loads the plugin, still without connecting; a missing or broken plugin is a clear
 * CS_ERR_CONFIG. No server needed. The cases run in order: once the plugin is loaded it
 * stays loaded, so the failure cases come first. */
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/store.h"

/* A password and user that must never reach a log line. */
static const char uri[] = "mongodb://cs_user:s3cret-pw@127.0.0.1:1/cs_offline"
                          "?serverSelectionTimeoutMS=200&connectTimeoutMS=200";
static char plugin_dir[4096]; /* where the build put the plugin */
static char tmp_dir[4096];

static int find_lib(struct dl_phdr_info *info, size_t size, void *name)
{
    (void)size;
    return info->dlpi_name && strstr(info->dlpi_name, name) != NULL;
}

/* Whether a shared object whose path contains `name` is mapped in this process. */
static bool mapped(const char *name) { return dl_iterate_phdr(find_lib, (void *)name) != 0; }

/* ---- stderr capture: the store logs there ---- */

static char log_path[4200];
static int saved_fd = -1, log_fd = -1;
static char captured[16384];

static void capture_begin(void)
{
    fflush(stderr);
    saved_fd = dup(2);
    log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (saved_fd < 0 || log_fd < 0) abort();
    dup2(log_fd, 2);
}

static const char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    ssize_t n = pread(log_fd, captured, sizeof(captured) - 1, 0);
    close(log_fd);
    captured[n > 0 ? n : 0] = '\0';
    return captured;
}

/* ---- cases ---- */

static void core_alone_maps_no_mongodb_library(void)
{
    /* An SQLite store (the default deployment) must not bring libmongoc in either. */
    char u[4300];
    snprintf(u, sizeof(u), "sqlite://%s/plugin-test.db", tmp_dir);
    struct cs_store *st = NULL;
    REQUIRE(cs_store_open(u, &st) == CS_OK);
    CHECK_INT(cs_store_ping(st), CS_OK);
    cs_store_close(st);
    CHECK(!mapped("libmongoc"));
    CHECK(!mapped("libbson"));
    CHECK(!mapped("libmongocrypt"));
    CHECK(!mapped("libicu"));
    CHECK(!mapped("libcs-store-mongo"));
}

static void missing_plugin_is_a_config_error(void)
{
    char empty[4300];
    snprintf(empty, sizeof(empty), "%s/no-plugin-here", tmp_dir);
    mkdir(empty, 0700);
    setenv("CS_STORE_PLUGIN_DIR", empty, 1);
    struct cs_store *st = (struct cs_store *)&st; /* must come back NULL */
    capture_begin();
    int rc = cs_store_open(uri, &st);
    struct cs_store *srv = (struct cs_store *)&srv;
    int srv_rc = cs_store_open("mongodb+srv://cs_user:s3cret-pw@cluster.example/cs", &srv);
    const char *log = capture_end();
    CHECK_INT(rc, CS_ERR_CONFIG);
    CHECK(st == NULL);
    CHECK_INT(srv_rc, CS_ERR_CONFIG);
    CHECK(srv == NULL);
    /* Says what is missing, where it looked and how to fix it... */
    CHECK(strstr(log, "store plugin not loaded") != NULL);
    CHECK(strstr(log, "libcs-store-mongo.so") != NULL);
    CHECK(strstr(log, "no-plugin-here") != NULL); /* json-c writes '/' as "\/" */
    CHECK(strstr(log, "No such file") != NULL);
    CHECK(strstr(log, "CS_STORE_PLUGIN_DIR") != NULL);
    /* ...never the URI's credentials. */
    CHECK(strstr(log, "s3cret-pw") == NULL);
    CHECK(strstr(log, "cs_user") == NULL);
    CHECK(!mapped("libmongoc"));
    if (test_cur_failed_) fprintf(stderr, "  log: %s\n", log);
}

static void broken_plugin_is_a_config_error(void)
{
    char dir[4300], path[4400];
    snprintf(dir, sizeof(dir), "%s/broken-plugin", tmp_dir);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/libcs-store-mongo.so", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("not an ELF file\n", f);
    fclose(f);
    setenv("CS_STORE_PLUGIN_DIR", dir, 1);
    struct cs_store *st = NULL;
    capture_begin();
    int rc = cs_store_open(uri, &st);
    const char *log = capture_end();
    CHECK_INT(rc, CS_ERR_CONFIG);
    CHECK(st == NULL);
    CHECK(strstr(log, "store plugin not loaded") != NULL);
    CHECK(strstr(log, "\"reason\"") != NULL && strstr(log, "No such file") == NULL);
    CHECK(strstr(log, "s3cret-pw") == NULL);
    if (test_cur_failed_) fprintf(stderr, "  log: %s\n", log);
}

static void opening_mongodb_loads_the_plugin_lazily(void)
{
    setenv("CS_STORE_PLUGIN_DIR", plugin_dir, 1);
    struct cs_store *st = NULL, *st2 = NULL;
    struct cs_arena *a = cs_arena_new(0);
    capture_begin();
    int rc = cs_store_open(uri, &st);
    bool loaded = mapped("libcs-store-mongo") && mapped("libmongoc");
    /* Lazy: the open made no round trip, so the first call is where an unreachable
     * server shows, as CS_ERR_STORE (a second handle shares the process's pool). */
    int rc2 = cs_store_open(uri, &st2);
    int ping_rc = st ? cs_store_ping(st) : -1;
    struct cs_doc d;
    int get_rc = st2 ? cs_store_get(st2, a, "acme", "t", "x", &d) : -1;
    const char *backend = st ? cs_store_backend(st) : "";
    int backend_ok = strcmp(backend, "mongodb") == 0;
    cs_store_close(st);
    cs_store_close(st2);
    cs_arena_destroy(a);
    const char *log = capture_end();
    CHECK_INT(rc, CS_OK);
    CHECK_INT(rc2, CS_OK);
    CHECK(loaded);
    CHECK(backend_ok);
    CHECK_INT(ping_rc, CS_ERR_STORE);
    CHECK_INT(get_rc, CS_ERR_STORE);
    CHECK(strstr(log, "store error") != NULL); /* logged through the core's logger */
    CHECK(strstr(log, "s3cret-pw") == NULL);
    CHECK(strstr(log, "cs_user") == NULL);
    if (test_cur_failed_) fprintf(stderr, "  log: %s\n", log);
}

/* The plugin directory of this build tree: tests run from build/<tree>/tests/unit/store, the
 * plugin is in build/<tree>/lib. CS_STORE_PLUGIN_DIR, when set, wins. */
static int find_plugin_dir(void)
{
    const char *env = getenv("CS_STORE_PLUGIN_DIR");
    if (env && *env) {
        snprintf(plugin_dir, sizeof(plugin_dir), "%s", env);
        return 0;
    }
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/../../../lib", exe);
    return 0;
}

int main(void)
{
    const char *base = getenv("CS_TEST_TMP");
    snprintf(tmp_dir, sizeof(tmp_dir), "%s/cs-plugin-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir) || find_plugin_dir()) return 1;
    snprintf(log_path, sizeof(log_path), "%s/stderr.log", tmp_dir);
    TEST_RUN(core_alone_maps_no_mongodb_library);
    TEST_RUN(missing_plugin_is_a_config_error);
    TEST_RUN(broken_plugin_is_a_config_error);
    TEST_RUN(opening_mongodb_loads_the_plugin_lazily);
    static const char *const left[] = {"plugin-test.db", "plugin-test.db-wal", "plugin-test.db-shm",
                                       "stderr.log", "broken-plugin/libcs-store-mongo.so"};
    char p[4400];
    for (size_t i = 0; i < sizeof(left) / sizeof(*left); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmp_dir, left[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/broken-plugin", tmp_dir);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/no-plugin-here", tmp_dir);
    rmdir(p);
    if (rmdir(tmp_dir) != 0) fprintf(stderr, "# could not remove %s\n", tmp_dir);
    return test_done();
}
