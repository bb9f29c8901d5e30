/* cs-admin: operator commands against the store named by CS_STORE_URI (default
 * sqlite://$CS_VAR/cs.db).
 *
 *   cs-admin create-key --tenant NAME [--scopes R1,R2]   (default scope: admin)
 *   cs-admin create-user --tenant NAME --username U --password P --roles R1,R2
 *   cs-admin revoke-key --key ck_...
 *   cs-admin disable-user --username U
 *   cs-admin load-kb (--tenant NAME | --system) --file ARTICLES.jsonl
 *   cs-admin create-reporting-token --tenant NAME      (needs CS_JWT_SECRET)
 *   cs-admin set-time-zone --tenant NAME --zone IANA   (analytics buckets; default UTC)
 *   cs-admin import-cc --tenant NAME --dir DIR         (DIR/<resource>.json|.ndjson|.jsonl)
 *   cs-admin demo-cc --tenant NAME [--days 90] [--agents 50] [--calls 100000] [--chats calls/4] [--seed 1]
 *                    [--end YYYY-MM-DD]
 *
 * Output is one JSON object on stdout; secrets appear only in create-key's output.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/kb.h"
#include "cs/progress.h"
#include "cs/reporting.h"
#include "cs/retrieval.h"
#include "cs/store.h"
#include "cs/summary.h"

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return NULL;
}

static int has_flag(int argc, char **argv, const char *name)
{
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

static void print_json(json_object *o)
{
    puts(json_object_to_json_string_ext(o,
                                        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "cs-admin: %s: %s\n", what, cs_error_message(rc));
    return 1;
}

static int create_key(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = opt(argc, argv, "--tenant");
    if (!tenant || !cs_tenant_valid(tenant)) {
        fprintf(stderr, "cs-admin: --tenant NAME required (1-64 of A-Z a-z 0-9 . _ -, not starting "
                        "with _ or .)\n");
        return 2;
    }
    const char *scopes = opt(argc, argv, "--scopes");
    if (!scopes) scopes = "admin";
    if (!cs_roles_valid(scopes)) {
        fprintf(stderr, "cs-admin: --scopes is a comma list of %s\n", CS_ROLE_NAMES);
        return 2;
    }
    struct cs_api_key k;
    int rc = cs_apikey_create_scoped(st, a, tenant, scopes, cs_now_ms(), &k);
    if (rc) return fail("create-key", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", k.tenant) ||
        cs_json_add_str(o, "api_key", k.api_key) || cs_json_add_str(o, "api_secret", k.api_secret))
        return fail("create-key", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

static int create_user(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = opt(argc, argv, "--tenant"), *user = opt(argc, argv, "--username");
    const char *pw = opt(argc, argv, "--password"), *roles = opt(argc, argv, "--roles");
    if (!tenant || !user || !pw) {
        fprintf(stderr,
                "cs-admin: create-user needs --tenant, --username, --password [--roles R,..]\n");
        return 2;
    }
    if (!roles) roles = "agent";
    if (!cs_roles_valid(roles)) {
        fprintf(stderr, "cs-admin: --roles is a comma list of %s\n", CS_ROLE_NAMES);
        return 2;
    }
    const char *uid = NULL;
    int rc = cs_user_create(st, a, tenant, user, pw, roles, cs_now_ms(), &uid);
    if (rc == CS_ERR_INVALID) {
        fprintf(stderr,
                "cs-admin: invalid tenant, username, or a password shorter than 8 characters\n");
        return 2;
    }
    if (rc) return fail("create-user", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", tenant) || cs_json_add_str(o, "user_id", uid) ||
        cs_json_add_str(o, "username", user))
        return fail("create-user", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

/* revoke-key / disable-user: the change is immediate at /auth/token and /auth/login;
 * tokens already issued stop working within CS_REVOKE_CACHE_MS. */
static int revoke(struct cs_store *st, struct cs_arena *a, int argc, char **argv, bool user)
{
    const char *name = opt(argc, argv, user ? "--username" : "--key");
    if (!name) {
        fprintf(stderr, "cs-admin: %s needs %s\n", user ? "disable-user" : "revoke-key",
                user ? "--username U" : "--key ck_...");
        return 2;
    }
    int rc = user ? cs_user_disable(st, a, name, cs_now_ms())
                  : cs_apikey_revoke(st, a, name, cs_now_ms());
    if (rc == CS_ERR_NOT_FOUND) {
        fprintf(stderr, "cs-admin: no such %s\n", user ? "user" : "key");
        return 1;
    }
    if (rc) return fail(user ? "disable-user" : "revoke-key", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, user ? "username" : "api_key", name) ||
        cs_json_add_str(o, "status", user ? "disabled" : "revoked"))
        return fail("revoke", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

struct load_ctx {
    struct cs_store *st;
    struct cs_arena *a;
    const char *tenant;
    size_t articles, chunks;
    int64_t now;
};

static int on_article(const struct cs_kb_article *art, size_t line_no, void *ud)
{
    struct load_ctx *x = ud;
    size_t n = 0;
    int rc = cs_retrieval_index_article(x->st, x->a, x->tenant, art, x->now, &n);
    if (rc)
        fprintf(stderr, "cs-admin: line %zu (%s): %s\n", line_no, art->doc_id,
                cs_error_message(rc));
    x->articles++;
    x->chunks += n;
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0 || sb.st_size > (64 << 20)) {
        if (f) fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    *len = buf ? fread(buf, 1, (size_t)sb.st_size, f) : 0;
    if (buf) buf[*len] = '\0';
    fclose(f);
    return buf;
}

static int load_kb(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant =
        has_flag(argc, argv, "--system") ? CS_SYSTEM_TENANT : opt(argc, argv, "--tenant");
    const char *file = opt(argc, argv, "--file");
    if (!tenant || !file) {
        fprintf(stderr,
                "cs-admin: load-kb needs (--tenant NAME | --system) --file ARTICLES.jsonl\n");
        return 2;
    }
    size_t len = 0;
    char *data = slurp(file, &len);
    if (!data) {
        fprintf(stderr, "cs-admin: cannot read %s\n", file);
        return 1;
    }
    struct load_ctx x = {st, a, tenant, 0, 0, cs_now_ms()};
    size_t bad = 0;
    int rc = cs_kb_parse_lines(a, data, len, on_article, &x, &bad);
    free(data);
    if (rc) {
        fprintf(stderr, "cs-admin: %s line %zu: %s\n", file, bad, cs_error_message(rc));
        return 1;
    }
    if ((rc = cs_store_compact(st))) return fail("load-kb", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", tenant) ||
        cs_json_add_int(o, "articles", (int64_t)x.articles) ||
        cs_json_add_int(o, "chunks", (int64_t)x.chunks))
        return fail("load-kb", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

/* ---- reporting (seed 002) ---- */

static const char *tenant_arg(int argc, char **argv)
{
    const char *tenant = opt(argc, argv, "--tenant");
    if (!tenant || !cs_tenant_valid(tenant)) {
        fprintf(stderr, "cs-admin: --tenant NAME required (1-64 of A-Z a-z 0-9 . _ -, not starting "
                        "with _ or .)\n");
        return NULL;
    }
    return tenant;
}

static int create_reporting_token(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = tenant_arg(argc, argv), *secret = getenv("CS_JWT_SECRET");
    if (!tenant) return 2;
    struct cs_jwt_key key;
    if (!secret || cs_jwt_key_parse(secret, &key)) {
        fprintf(stderr, "cs-admin: CS_JWT_SECRET must be set (as for the functions): the token's "
                        "hash is keyed by it\n");
        return 2;
    }
    const char *token = NULL;
    int rc = cs_rp_token_create(st, a, tenant, key.bytes, cs_now_ms(), &token);
    sodium_memzero(&key, sizeof(key));
    if (rc) return fail("create-reporting-token", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", tenant) || cs_json_add_str(o, "username", tenant) ||
        cs_json_add_str(o, "token", token) ||
        cs_json_add_str(
            o, "note",
            "Shown once: HTTP Basic with the tenant as user name and this token as password"))
        return fail("create-reporting-token", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

/* Reference data first, so a reader never sees a call whose team is not there yet. */
static const char *const import_order[] = {
    "user_statuses", "teams", "menus",  "agents", "agent_activity_logs",
    "calls",         "chats", "photos", "videos", NULL};

static int import_file(struct cs_store *st, struct cs_arena *a, const char *tenant,
                       const struct cs_rp_resource *r, const char *path, json_object *summary,
                       struct cs_progress *prog)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    if (!data) return -1;
    json_object *records, *errors;
    size_t bad = 0;
    int rc = cs_rp_import_parse(data, len, a, &records, &bad);
    free(data);
    if (rc) {
        fprintf(stderr, "cs-admin: %s line %zu is not a JSON object; nothing imported\n", path,
                bad);
        return 1;
    }
    rc = cs_rp_import_check(r, records, a, &errors);
    if (rc == CS_ERR_VALIDATION) {
        fprintf(stderr, "cs-admin: %s has invalid records; nothing imported:\n%s\n", path,
                json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PRETTY));
        return 1;
    }
    struct cs_rp_import_result res;
    if (!rc) rc = cs_rp_store_import(st, a, tenant, r, records, cs_now_ms(), &res);
    if (rc) return fail(path, rc);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "received",
                           json_object_new_int64((int64_t)json_object_array_length(records)));
    json_object_object_add(o, "inserted", json_object_new_int64(res.inserted));
    json_object_object_add(o, "updated", json_object_new_int64(res.updated));
    json_object_object_add(o, "unchanged", json_object_new_int64(res.unchanged));
    json_object_object_add(summary, r->name, o);
    cs_progress_add(prog, (int64_t)json_object_array_length(records));
    cs_arena_reset(a);
    return 0;
}

static int import_cc(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = tenant_arg(argc, argv), *dir = opt(argc, argv, "--dir");
    if (!tenant || !dir) {
        if (tenant) fprintf(stderr, "cs-admin: import-cc needs --tenant NAME --dir DIR\n");
        return 2;
    }
    json_object *summary = json_object_new_object();
    int files = 0;
    /* Each file is one all-or-nothing import: the line moves file by file. */
    struct cs_progress prog;
    cs_progress_start(&prog, "import-cc", "records", 0);
    for (size_t i = 0; import_order[i]; i++) {
        static const char *const exts[] = {"json", "ndjson", "jsonl"};
        for (size_t e = 0; e < 3; e++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s.%s", dir, import_order[i], exts[e]);
            struct stat sb;
            if (stat(path, &sb) != 0) continue;
            int rc = import_file(st, a, tenant, cs_rp_resource_find(import_order[i]), path, summary,
                                 &prog);
            if (rc < 0) fprintf(stderr, "cs-admin: cannot read %s (at most 64 MiB a file)\n", path);
            if (rc) {
                json_object_put(summary);
                return 1;
            }
            files++;
        }
    }
    cs_progress_finish(&prog);
    if (!files) {
        fprintf(stderr, "cs-admin: no <resource>.json|.ndjson|.jsonl files in %s\n", dir);
        json_object_put(summary);
        return 1;
    }
    print_json(summary);
    json_object_put(summary);
    return 0;
}

static bool int_opt(int argc, char **argv, const char *name, long long dflt, long long lo,
                    long long hi, long long *out)
{
    const char *v = opt(argc, argv, name);
    *out = dflt;
    if (!v) return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || end == v || n < lo || n > hi) {
        fprintf(stderr, "cs-admin: %s must be an integer from %lld to %lld\n", name, lo, hi);
        return false;
    }
    *out = n;
    return true;
}

static int demo_cc(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = tenant_arg(argc, argv), *end = opt(argc, argv, "--end");
    long long days, agents, ncalls, nchats, seed;
    if (!tenant || !int_opt(argc, argv, "--days", 90, 1, 3660, &days) ||
        !int_opt(argc, argv, "--agents", 50, 5, 100000, &agents) ||
        !int_opt(argc, argv, "--calls", 100000, 0, 100000000, &ncalls) ||
        !int_opt(argc, argv, "--chats", -1, 0, 100000000, &nchats) ||
        !int_opt(argc, argv, "--seed", 1, 0, 0x7fffffffffffffffLL, &seed))
        return 2;
    int64_t end_ms = cs_now_ms();
    if (end && cs_time_parse_iso(end, &end_ms)) {
        fprintf(stderr, "cs-admin: --end must be a date (YYYY-MM-DD)\n");
        return 2;
    }
    /* --chats absent: a quarter as many chats as calls. (-1 is the absent marker.) */
    if (!opt(argc, argv, "--chats")) nchats = ncalls / 4;
    struct cs_progress prog;
    cs_progress_start(&prog, "demo-cc", "contacts", ncalls + nchats);
    struct cs_rp_demo d = {.days = (int)days,
                           .agents = (int)agents,
                           .calls = ncalls,
                           .seed = (uint64_t)seed,
                           .end_ms = end_ms,
                           .chats = nchats,
                           .progress = cs_progress_cb,
                           .progress_ctx = &prog};
    int64_t written = 0;
    double t0 = cs_mono_ms();
    int rc = cs_rp_demo_generate(st, tenant, &d, cs_now_ms(), &written);
    cs_progress_set(&prog, ncalls + nchats);
    cs_progress_finish(&prog);
    if (rc) return fail("demo-cc", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", tenant) || cs_json_add_int(o, "records", written) ||
        cs_json_add_int(o, "calls", ncalls) || cs_json_add_int(o, "chats", nchats) ||
        cs_json_add_int(o, "seconds", (int64_t)((cs_mono_ms() - t0) / 1000)))
        return fail("demo-cc", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

/* The tenant's IANA zone for calendar buckets (seed 001's summary timeline). */
static int set_time_zone(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = opt(argc, argv, "--tenant"), *zone = opt(argc, argv, "--zone");
    if (!tenant || !cs_tenant_valid(tenant) || !zone) {
        fprintf(stderr,
                "cs-admin: set-time-zone needs --tenant T --zone NAME (e.g. Europe/Berlin)\n");
        return 2;
    }
    int rc = cs_tenant_tz_set(st, a, tenant, zone, cs_now_ms());
    if (rc == CS_ERR_INVALID) {
        fprintf(stderr, "cs-admin: %s is not an IANA time zone\n", zone);
        return 1;
    }
    if (rc) return fail("set-time-zone", rc);
    json_object *o = cs_json_object(a);
    if (!o || cs_json_add_str(o, "tenant_id", tenant) || cs_json_add_str(o, "time_zone", zone))
        return fail("set-time-zone", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

static const char usage[] =
    "usage: cs-admin COMMAND [options]   (store: CS_STORE_URI, else sqlite://$CS_VAR/cs.db)\n"
    "  create-key --tenant T [--scopes ROLE,...]      API key and secret (shown once)\n"
    "  create-user --tenant T --username U --password P --roles ROLE,...\n"
    "  revoke-key --tenant T --key ck_...             refuse the key's tokens\n"
    "  disable-user --tenant T --username U           refuse the user's tokens\n"
    "  load-kb (--tenant T | --system) --file KB.jsonl\n"
    "  create-reporting-token --tenant T              reporting API token (shown once)\n"
    "  import-cc --tenant T --dir DIR                 contact-centre records (seed 002)\n"
    "  set-time-zone --tenant T --zone IANA           analytics buckets in that zone (default "
    "UTC)\n"
    "  demo-cc --tenant T [--days N --agents N --calls N --chats N --seed N --end DATE]\n"
    "roles: admin, manager, agent, analyst, reviewer\n";

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2 || sodium_init() < 0) {
        fputs(usage, stderr);
        return 2;
    }
    char uri[4096];
    const char *env_uri = getenv("CS_STORE_URI"), *var = getenv("CS_VAR");
    snprintf(uri, sizeof(uri), "%s", env_uri && *env_uri ? env_uri : "");
    if (!uri[0]) snprintf(uri, sizeof(uri), "sqlite://%s/cs.db", var && *var ? var : "var");
    struct cs_store *st = NULL;
    int rc = cs_store_open(uri, &st);
    if (rc) return fail("cannot open the store", rc);
    struct cs_arena *a = cs_arena_new(0);
    int status = 2;
    if (!a)
        status = fail("startup", CS_ERR_NOMEM);
    else if (strcmp(argv[1], "create-key") == 0)
        status = create_key(st, a, argc, argv);
    else if (strcmp(argv[1], "create-user") == 0)
        status = create_user(st, a, argc, argv);
    else if (strcmp(argv[1], "load-kb") == 0)
        status = load_kb(st, a, argc, argv);
    else if (strcmp(argv[1], "revoke-key") == 0)
        status = revoke(st, a, argc, argv, false);
    else if (strcmp(argv[1], "disable-user") == 0)
        status = revoke(st, a, argc, argv, true);
    else if (strcmp(argv[1], "create-reporting-token") == 0)
        status = create_reporting_token(st, a, argc, argv);
    else if (strcmp(argv[1], "import-cc") == 0)
        status = import_cc(st, a, argc, argv);
    else if (strcmp(argv[1], "demo-cc") == 0)
        status = demo_cc(st, a, argc, argv);
    else if (strcmp(argv[1], "set-time-zone") == 0)
        status = set_time_zone(st, a, argc, argv);
    else
        fprintf(stderr, "cs-admin: unknown command %s (cs-admin --help lists them)\n", argv[1]);
    cs_arena_destroy(a);
    cs_store_close(st);
    return status;
}
