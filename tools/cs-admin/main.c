/* cs-admin: operator commands against the store named by CS_STORE_URI (default
 * sqlite://$CS_VAR/cs.db).
 *
 *   cs-admin create-key --tenant NAME [--scopes R1,R2]   (default scope: admin)
 *   cs-admin create-user --tenant NAME --username U --password P --roles R1,R2
 *   cs-admin revoke-key --key ck_...
 *   cs-admin disable-user --username U
 *   cs-admin load-kb (--tenant NAME | --system) --file ARTICLES.jsonl
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
#include "cs/retrieval.h"
#include "cs/store.h"

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
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
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
        fprintf(stderr, "cs-admin: --tenant NAME required (1-64 of A-Z a-z 0-9 . _ -, not starting with _ or .)\n");
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
    if (!o || cs_json_add_str(o, "tenant_id", k.tenant) || cs_json_add_str(o, "api_key", k.api_key) ||
        cs_json_add_str(o, "api_secret", k.api_secret))
        return fail("create-key", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

static int create_user(struct cs_store *st, struct cs_arena *a, int argc, char **argv)
{
    const char *tenant = opt(argc, argv, "--tenant"), *user = opt(argc, argv, "--username");
    const char *pw = opt(argc, argv, "--password"), *roles = opt(argc, argv, "--roles");
    if (!tenant || !user || !pw) {
        fprintf(stderr, "cs-admin: create-user needs --tenant, --username, --password [--roles R,..]\n");
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
        fprintf(stderr, "cs-admin: invalid tenant, username, or a password shorter than 8 characters\n");
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
    int rc = user ? cs_user_disable(st, a, name, cs_now_ms()) : cs_apikey_revoke(st, a, name, cs_now_ms());
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
    if (rc) fprintf(stderr, "cs-admin: line %zu (%s): %s\n", line_no, art->doc_id, cs_error_message(rc));
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
    const char *tenant = has_flag(argc, argv, "--system") ? CS_SYSTEM_TENANT : opt(argc, argv, "--tenant");
    const char *file = opt(argc, argv, "--file");
    if (!tenant || !file) {
        fprintf(stderr, "cs-admin: load-kb needs (--tenant NAME | --system) --file ARTICLES.jsonl\n");
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
    if (!o || cs_json_add_str(o, "tenant_id", tenant) || cs_json_add_int(o, "articles", (int64_t)x.articles) ||
        cs_json_add_int(o, "chunks", (int64_t)x.chunks))
        return fail("load-kb", CS_ERR_NOMEM);
    print_json(o);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: cs-admin create-key|create-user|revoke-key|disable-user|load-kb [options]\n");
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
    if (!a) status = fail("startup", CS_ERR_NOMEM);
    else if (strcmp(argv[1], "create-key") == 0) status = create_key(st, a, argc, argv);
    else if (strcmp(argv[1], "create-user") == 0) status = create_user(st, a, argc, argv);
    else if (strcmp(argv[1], "load-kb") == 0) status = load_kb(st, a, argc, argv);
    else if (strcmp(argv[1], "revoke-key") == 0) status = revoke(st, a, argc, argv, false);
    else if (strcmp(argv[1], "disable-user") == 0) status = revoke(st, a, argc, argv, true);
    else fprintf(stderr, "cs-admin: unknown command %s\n", argv[1]);
    cs_arena_destroy(a);
    cs_store_close(st);
    return status;
}
