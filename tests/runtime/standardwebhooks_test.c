/* Interoperability with the Standard Webhooks reference library (npm `standardwebhooks`,
 * run by node): what our signer makes, the library verifies, and a tampered body it
 * refuses; what the library signs, our receiver's check (cs_webhook_verify) accepts.
 *
 * build.sh test installs the package into its temporary folder and names it in
 * CS_TEST_STANDARDWEBHOOKS; without node or the package the test skips and says why. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/test.h"
#include "cs/webhook.h"

static const char *lib, *tmp;
static char script[600];

/* node checks (verify) or makes (sign) a signature; prints what it found. */
static const char js[] = "const { Webhook } = require(process.env.SW_LIB);\n"
                         "const [mode, secret, id, ts, body, sig] = process.argv.slice(2);\n"
                         "const wh = new Webhook(secret);\n"
                         "if (mode === 'verify') {\n"
                         "  try { wh.verify(body, {'webhook-id': id, 'webhook-timestamp': ts, "
                         "'webhook-signature': sig});\n"
                         "        console.log('verified'); }\n"
                         "  catch (e) { console.log('refused'); }\n"
                         "} else {\n"
                         "  console.log(wh.sign(id, new Date(Number(ts) * 1000), body));\n"
                         "}\n";

/* Runs the script; the first line it printed goes to out. */
static int node(const char *const *args, char *out, size_t cap)
{
    int fds[2];
    if (pipe(fds)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        setenv("SW_LIB", lib, 1);
        char *argv[10] = {(char *)"node", script};
        for (int i = 0; args[i] && i < 7; i++) argv[2 + i] = (char *)args[i];
        execvp("node", argv);
        _exit(127);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], out, cap - 1);
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    out[n > 0 ? n : 0] = '\0';
    char *nl = strchr(out, '\n');
    if (nl) *nl = '\0';
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char secret[CS_WEBHOOK_SECRET_MAX];
static struct cs_webhook_key key;
static const char body[] = "{\"type\":\"ticket.created\",\"timestamp\":\"2026-12-07T11:00:00Z\","
                           "\"data\":{\"ticket_id\":\"TKT-1\",\"priority\":\"P1\"}}";

static void test_library_verifies_ours(void)
{
    char ts[24], sig[CS_WEBHOOK_SIG_MAX], out[256];
    int64_t now = (int64_t)time(NULL);
    snprintf(ts, sizeof(ts), "%lld", (long long)now);
    REQUIRE(cs_webhook_sign(&key, "msg_interop_1", now, body, strlen(body), sig) == CS_OK);
    const char *ok[] = {"verify", secret, "msg_interop_1", ts, body, sig, NULL};
    CHECK_INT(node(ok, out, sizeof(out)), 0);
    CHECK_STR(out, "verified");
    const char *tampered[] = {
        "verify", secret, "msg_interop_1", ts, "{\"type\":\"ticket.deleted\"}", sig, NULL};
    CHECK_INT(node(tampered, out, sizeof(out)), 0);
    CHECK_STR(out, "refused");
}

static void test_we_verify_the_library(void)
{
    char ts[24], out[256];
    int64_t now = (int64_t)time(NULL);
    snprintf(ts, sizeof(ts), "%lld", (long long)now);
    const char *sign[] = {"sign", secret, "msg_interop_2", ts, body, NULL};
    CHECK_INT(node(sign, out, sizeof(out)), 0);
    CHECK(strncmp(out, "v1,", 3) == 0);
    CHECK_INT(cs_webhook_verify(&key, "msg_interop_2", ts, out, body, strlen(body), now, NULL),
              CS_OK);
    CHECK_INT(cs_webhook_verify(&key, "msg_interop_3", ts, out, body, strlen(body), now, NULL),
              CS_ERR_UNAUTHORIZED);
}

int main(void)
{
    lib = getenv("CS_TEST_STANDARDWEBHOOKS");
    tmp = getenv("CS_TEST_TMP");
    if (!lib || !*lib || system("command -v node >/dev/null 2>&1") != 0) {
        printf("skip - standardwebhooks interop: node or the npm package is not available "
               "(build.sh test installs it with npm; CS_TEST_STANDARDWEBHOOKS unset)\n");
        printf("tally: 0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    if (sodium_init() < 0) return 1;
    snprintf(script, sizeof(script), "%s/sw-interop-%d.js", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    FILE *f = fopen(script, "w");
    if (!f || fputs(js, f) < 0 || fclose(f)) return 1;
    cs_webhook_secret_new(NULL, secret);
    if (cs_webhook_secret_parse(secret, &key)) return 1;
    TEST_RUN(test_library_verifies_ours);
    TEST_RUN(test_we_verify_the_library);
    unlink(script);
    return test_done();
}
