/* Every function binary's entry point: picks the transport from how it was started.
 *
 *   BINARY --routes            print the route declaration (for generated config)
 *   BINARY --invoke EVENT.json local invoke of one API Gateway event
 *   BINARY --fcgi SOCKET       FastCGI on a unix socket
 *   BINARY --loop              a scheduled function, run until SIGTERM (build.sh serve)
 *   BINARY --websocket SOCKET  the local WebSocket gateway (runtime/ws.c)
 *   AWS_LAMBDA_RUNTIME_API set Lambda custom runtime (the binary is `bootstrap`)
 *   GATEWAY_INTERFACE set      CGI
 *   fd 0 is a socket           FastCGI on the inherited socket (spawn-fcgi)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "cs/app.h"
#include "cs/env.h"
#include "cs/error.h"
#include "cs/function.h"
#include "cs/log.h"
#include "runtime.h"

static int usage(void)
{
    fprintf(
        stderr,
        "usage: %s --routes | --invoke EVENT.json | --fcgi SOCKET | --loop | --websocket SOCKET\n"
        "  (or run under AWS_LAMBDA_RUNTIME_API, CGI, or spawn-fcgi)\n",
        cs_function.name);
    return 2;
}

static int stdin_is_socket(void)
{
    struct stat st;
    return fstat(0, &st) == 0 && S_ISSOCK(st.st_mode);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
        cs_app_print_routes(&cs_function);
        return 0;
    }
    const char *lambda_api = getenv("AWS_LAMBDA_RUNTIME_API");
    struct cs_env env;
    const char *why = NULL;
    int rc = cs_env_init(&env, &cs_function, &why);
    if (rc) {
        cs_log(CS_LOG_ERROR, "init failed", "reason", why ? why : cs_error_message(rc), "error",
               cs_error_name(rc), NULL);
        if (lambda_api)
            cs_rt_lambda_init_error(lambda_api, "Runtime.InitError",
                                    why ? why : cs_error_message(rc));
        return 1;
    }
    int usage_rc = 0;
    if (argc == 3 && strcmp(argv[1], "--invoke") == 0)
        rc = cs_rt_invoke(&env, argv[2]);
    else if (argc == 3 && strcmp(argv[1], "--fcgi") == 0)
        rc = cs_rt_fcgi(&env, argv[2]);
    else if (argc == 3 && strcmp(argv[1], "--websocket") == 0)
        rc = cs_rt_ws(&env, argv[2]);
    else if (argc == 2 && strcmp(argv[1], "--loop") == 0 && cs_function.run)
        rc = cs_rt_loop(&env);
    else if (argc != 1)
        rc = usage_rc = usage();
    else if (lambda_api)
        rc = cs_rt_lambda(&env, lambda_api);
    else if (getenv("GATEWAY_INTERFACE"))
        rc = cs_rt_cgi(&env);
    else if (stdin_is_socket())
        rc = cs_rt_fcgi(&env, NULL);
    else
        rc = usage_rc = usage();
    cs_env_clean_up(&env);
    if (usage_rc) return usage_rc; /* 2: a usage error, as usage() says */
    return rc == 0 ? 0 : 1;
}
