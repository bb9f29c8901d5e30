/* cs-gen: writes the nginx routes and the SAM template from the functions' own route
 * declarations (the JSON lines that every function binary prints for --routes).
 *
 *   cs-gen nginx    < routes.jsonl > infra/nginx/routes.conf
 *   cs-gen families < routes.jsonl > infra/nginx/families.conf
 *   cs-gen nginx-upstreams < routes.jsonl > infra/nginx/upstreams.conf
 *   cs-gen sam      < routes.jsonl > template.yaml
 *   cs-gen roles    < routes.jsonl   (the README's role table, spliced in by build.sh gen)
 *   cs-gen openapi ROOT < routes.jsonl > infra/openapi/openapi.json   (openapi.c)
 *
 * Seed 003 documents its base path as /api/momentum/cs; every /api/v1/cs/ route is
 * also served there (the core maps the alias back, shared/src/core/app.c).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cs/ml_worker.h"
#include "openapi.h"

#define MAX_FUNCS 256
#define MAX_PATHS 1024

struct path_entry {
    const char *path;
    const char *fn[8];
    const char *method[8];
    int n;
};

static json_object *funcs[MAX_FUNCS];
static int nfuncs;

static int read_routes(void)
{
    char line[65536];
    while (fgets(line, sizeof(line), stdin)) {
        json_object *o = json_tokener_parse(line);
        if (!o || !json_object_is_type(o, json_type_object)) {
            fprintf(stderr, "cs-gen: bad route line\n");
            return -1;
        }
        if (nfuncs == MAX_FUNCS) return -1;
        funcs[nfuncs++] = o;
    }
    return 0;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

/* A WebSocket API route key ("WS /websocket/$connect"): served by the WebSocket gateway
 * (API Gateway's WebSocket API on AWS, runtime/ws.c behind nginx locally), never as an
 * HTTP route. */
static bool is_ws_route(json_object *ro) { return strcmp(str(ro, "method"), "WS") == 0; }

static bool is_ws(json_object *fn)
{
    json_object *routes;
    if (!json_object_object_get_ex(fn, "routes", &routes)) return false;
    for (size_t r = 0; r < json_object_array_length(routes); r++)
        if (is_ws_route(json_object_array_get_idx(routes, r))) return true;
    return false;
}

static struct path_entry paths[MAX_PATHS];
static int npaths;

static void add_route(const char *fn, const char *method, const char *path)
{
    for (int i = 0; i < npaths; i++) {
        if (strcmp(paths[i].path, path) != 0) continue;
        if (paths[i].n < 8) {
            paths[i].fn[paths[i].n] = fn;
            paths[i].method[paths[i].n++] = method;
        }
        return;
    }
    if (npaths == MAX_PATHS) return;
    paths[npaths] = (struct path_entry){.path = path, .n = 1};
    paths[npaths].fn[0] = fn;
    paths[npaths++].method[0] = method;
}

#define CS_V1_BASE "/api/v1/cs/"
#define CS_SEED_BASE "/api/momentum/cs/"

/* "/api/v1/cs/x" -> "/api/momentum/cs/x" (static storage, freed at exit); NULL when the
 * path is not a sessions path. */
static const char *seed_alias(const char *path)
{
    size_t n = strlen(CS_V1_BASE);
    if (strncmp(path, CS_V1_BASE, n) != 0) return NULL;
    static char buf[MAX_PATHS][256];
    static int used;
    if (used == MAX_PATHS) return NULL;
    snprintf(buf[used], sizeof(buf[used]), "%s%s", CS_SEED_BASE, path + n);
    return buf[used++];
}

static void collect_paths(void)
{
    for (int pass = 0; pass < 2; pass++) /* the seed's aliases after every own path */
        for (int i = 0; i < nfuncs; i++) {
            json_object *routes;
            if (!json_object_object_get_ex(funcs[i], "routes", &routes)) continue;
            for (size_t r = 0; r < json_object_array_length(routes); r++) {
                json_object *ro = json_object_array_get_idx(routes, r);
                if (is_ws_route(ro)) continue;
                const char *path = pass ? seed_alias(str(ro, "path")) : str(ro, "path");
                if (path) add_route(str(funcs[i], "name"), str(ro, "method"), path);
            }
        }
}

/* "/a/{id}/b" -> "^/a/[^/]+/b$" */
static void print_location(const char *path)
{
    if (!strchr(path, '{')) {
        printf("location = %s {\n", path);
        return;
    }
    fputs("location ~ ^", stdout);
    for (const char *p = path; *p; p++) {
        if (*p == '{') {
            fputs("[^/]+", stdout);
            p = strchr(p, '}');
            if (!p) break;
        } else if (strchr(".+*?()|[]^$\\", *p)) {
            printf("\\%c", *p);
        } else {
            putchar(*p);
        }
    }
    fputs("$ {\n", stdout);
}

static void print_pass(const char *fn_default) { printf("    set $cs_fn %s;\n", fn_default); }

static void print_tail(void)
{
    fputs("    include fastcgi_params;\n"
          "    fastcgi_param REQUEST_URI $request_uri;\n"
          "    fastcgi_keep_conn on;\n"
          "    fastcgi_pass cs_$cs_fn;\n"
          "}\n\n",
          stdout);
}

static const struct {
    const char *family;
    const char *prefix;
} family_prefixes[] = {
    {"triage", "/api/v1/tickets/"},     {"insights", "/api/v1/analyze/"},
    {"insights", "/api/v1/generate/"},  {"insights", "/api/v1/privacy/"},
    {"insights", "/api/v1/fairness/"},  {"insights", "/api/v1/review/"},
    {"insights", "/api/v1/analytics/"}, {"insights", "/api/v1/ai/"},
    {"predict", "/api/v1/customer/"},   {"sessions", "/api/v1/cs/"},
    {"sessions", CS_SEED_BASE},         {"reporting", "/manager/api/v1/"},
};

static const char *first_of_family(const char *family)
{
    const char *best = NULL;
    for (int i = 0; i < nfuncs; i++)
        if (strcmp(str(funcs[i], "family"), family) == 0 && !*str(funcs[i], "schedule") &&
            (!best || strcmp(str(funcs[i], "name"), best) < 0))
            best = str(funcs[i], "name");
    return best;
}

/* The largest max_body any function on the path declares, in whole MiB rounded up
 * (0: none declared, the server-wide limit applies). */
static long path_max_body_mib(const struct path_entry *pe)
{
    long best = 0;
    for (int k = 0; k < pe->n; k++)
        for (int f = 0; f < nfuncs; f++) {
            json_object *v;
            if (strcmp(str(funcs[f], "name"), pe->fn[k]) != 0 ||
                !json_object_object_get_ex(funcs[f], "max_body", &v))
                continue;
            long mib = (long)((json_object_get_int64(v) + (1 << 20) - 1) >> 20) + 1;
            if (mib > best) best = mib;
        }
    return best;
}

static int gen_nginx(void)
{
    collect_paths();
    puts("# Generated by `build.sh gen` from the functions' route declarations; do not edit.");
    puts("# Each location picks the function by method; a method no function declares goes to");
    puts("# the path's first function, whose router answers 405 in its family's format.\n");
    for (int i = 0; i < npaths; i++) {
        print_location(paths[i].path);
        long mib = path_max_body_mib(&paths[i]);
        /* one MiB above the function's own limit, so that it answers 413 itself */
        if (mib) printf("    client_max_body_size %ldm;\n", mib);
        print_pass(paths[i].fn[0]);
        for (int k = 1; k < paths[i].n; k++)
            printf("    if ($request_method = %s) { set $cs_fn %s; }\n", paths[i].method[k],
                   paths[i].fn[k]);
        print_tail();
    }
    for (int i = 0; i < nfuncs; i++) {
        if (!is_ws(funcs[i])) continue;
        /* The upgrade goes to the local WebSocket gateway, kept open both ways. */
        printf("location = /websocket {\n    proxy_pass http://cs_ws_%s;\n"
               "    proxy_http_version 1.1;\n"
               "    proxy_set_header Upgrade $http_upgrade;\n"
               "    proxy_set_header Connection \"upgrade\";\n"
               "    proxy_read_timeout 1h;\n    proxy_send_timeout 1h;\n    proxy_buffering "
               "off;\n}\n\n",
               str(funcs[i], "name"));
    }
    puts("# Unknown paths under a family's base answer 404 in that family's format.");
    for (size_t i = 0; i < sizeof(family_prefixes) / sizeof(family_prefixes[0]); i++) {
        const char *fn = first_of_family(family_prefixes[i].family);
        if (!fn) continue;
        printf("location %s {\n", family_prefixes[i].prefix);
        print_pass(fn);
        print_tail();
    }
    const char *root = first_of_family("triage");
    if (!root && nfuncs) root = str(funcs[0], "name");
    if (root) {
        puts("location / {");
        print_pass(root);
        print_tail();
    }
    return 0;
}

/* One upstream per served function, so that nginx keeps FastCGI connections open
 * between requests (fastcgi_keep_conn; the function serves them from an event loop,
 * runtime/fcgi.c). build.sh serve fills in @RUN@, the sockets' folder. */
static int gen_upstreams(void)
{
    puts("# Generated by `build.sh gen` from the functions' route declarations; do not edit.");
    puts("# Kept FastCGI connections per nginx worker and function: no connect, accept and");
    puts("# close per request.\n");
    for (int i = 0; i < nfuncs; i++) {
        if (*str(funcs[i], "schedule")) continue; /* no socket */
        if (is_ws(funcs[i])) {                    /* HTTP (upgrades), not FastCGI */
            printf("upstream cs_ws_%s {\n    server unix:@RUN@/%s.sock;\n}\n\n",
                   str(funcs[i], "name"), str(funcs[i], "name"));
            continue;
        }
        printf("upstream cs_%s {\n    server unix:@RUN@/%s.sock;\n    keepalive 32;\n}\n\n",
               str(funcs[i], "name"), str(funcs[i], "name"));
    }
    return 0;
}

/* "tickets-process" -> "TicketsProcessFunction" */
static void print_logical_id(const char *name)
{
    int up = 1;
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p)) {
            up = 1;
            continue;
        }
        putchar(up ? toupper((unsigned char)*p) : *p);
        up = 0;
    }
    fputs("Function", stdout);
}

static void print_yaml_str(const char *s)
{
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'') putchar('\'');
        putchar(*s);
    }
    putchar('\'');
}

/* The WebSocket API: one route per WS route key, integrated with its function; the
 * broadcasters (scheduled websocket-* functions) get the management endpoint and the
 * right to post to @connections, which their SigV4-signed requests use. Returns
 * whether there was one. */
static int gen_sam_ws(void)
{
    int found = 0;
    for (int i = 0; i < nfuncs; i++) {
        if (!is_ws(funcs[i])) continue;
        const char *name = str(funcs[i], "name");
        if (!found)
            puts("  WebSocketApi:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n"
                 "      Name: !Sub '${AWS::StackName}-websocket'\n      ProtocolType: WEBSOCKET\n"
                 "      RouteSelectionExpression: $request.body.action\n"
                 "  WebSocketStage:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties:\n"
                 "      ApiId: !Ref WebSocketApi\n      StageName: live\n      AutoDeploy: true");
        found = 1;
        fputs("  WebSocketIntegration", stdout);
        print_logical_id(name);
        fputs(":\n    Type: AWS::ApiGatewayV2::Integration\n    Properties:\n"
              "      ApiId: !Ref WebSocketApi\n      IntegrationType: AWS_PROXY\n"
              "      IntegrationUri: !Sub "
              "'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${",
              stdout);
        print_logical_id(name);
        fputs(".Arn}/invocations'\n  WebSocketPermission", stdout);
        print_logical_id(name);
        fputs(":\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: "
              "lambda:InvokeFunction\n"
              "      Principal: apigateway.amazonaws.com\n      FunctionName: !Ref ",
              stdout);
        print_logical_id(name);
        puts("\n      SourceArn: !Sub "
             "'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/*'");
        json_object *routes;
        json_object_object_get_ex(funcs[i], "routes", &routes);
        for (size_t r = 0; routes && r < json_object_array_length(routes); r++) {
            json_object *ro = json_object_array_get_idx(routes, r);
            const char *key = strrchr(str(ro, "path"), '/');
            if (!is_ws_route(ro) || !key) continue;
            printf("  WebSocketRoute%s%zu:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n"
                   "      ApiId: !Ref WebSocketApi\n      RouteKey: '%s'\n"
                   "      Target: !Sub 'integrations/${WebSocketIntegration",
                   key + 2, r, key + 1);
            print_logical_id(name);
            puts("}'");
            if (strcmp(key + 1, "$default") == 0) /* its answers go back to the client */
                printf(
                    "      RouteResponseSelectionExpression: $default\n"
                    "  WebSocketRouteResponse%zu:\n    Type: AWS::ApiGatewayV2::RouteResponse\n"
                    "    Properties:\n      ApiId: !Ref WebSocketApi\n"
                    "      RouteId: !Ref WebSocketRoute%s%zu\n      RouteResponseKey: $default\n",
                    r, key + 2, r);
        }
    }
    return found;
}

static void print_state_machine_arn(const char *name)
{
    printf("arn:aws:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-%s",
           name);
}

/* Scheduled websocket-* functions post to the WebSocket API's connections. Every
 * function may invoke the dispatcher asynchronously after a commit that staged events,
 * and the dispatcher the broadcaster after a relay (cs/events.h, delivery at once). */
static void print_env_policies(json_object *fn)
{
    const char *name = str(fn, "name");
    bool ws = *str(fn, "schedule") && strncmp(name, "websocket-", 10) == 0;
    bool dispatch = strcmp(name, "webhook-dispatch") == 0;
    bool task = json_object_object_get_ex(fn, "task", NULL);
    if (task) { /* one step trains one epoch of one shard: up to Lambda's limit */
        printf(
            "      Timeout: 900\n      MemorySize: 1024\n      Environment:\n        Variables:\n"
            "          CS_TRAINING_STATE_MACHINE: !Sub '");
        print_state_machine_arn(name);
        puts("'");
    }
    if (ws)
        puts("      Environment:\n        Variables:\n"
             "          CS_WS_ENDPOINT: !Sub "
             "'https://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/live'");
    if (dispatch)
        puts("      Environment:\n        Variables:\n"
             "          CS_EVENTS_KICK_AFTER_RELAY: !Sub '${AWS::StackName}-websocket-broadcast'");
    puts("      Policies:");
    if (ws)
        puts("        - Statement:\n            - Effect: Allow\n"
             "              Action: execute-api:ManageConnections\n"
             "              Resource: !Sub "
             "'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/live/POST/"
             "@connections/*'");
    printf("        - LambdaInvokePolicy:\n            FunctionName: !Sub '${AWS::StackName}-%s'\n",
           dispatch ? "websocket-broadcast" : "webhook-dispatch");
    if (task) {
        fputs("        - Statement:\n            - Effect: Allow\n"
              "              Action: states:StartExecution\n              Resource: !Sub '",
              stdout);
        print_state_machine_arn(name);
        puts("'");
        /* the worker uploads each job's outputs under MlOutputUri (cs/ml_worker.h) */
        puts("        - !If\n          - HasMlOutputUri\n          - Statement:\n"
             "              - Effect: Allow\n                Action: s3:PutObject\n"
             "                Resource: !Sub\n                  - 'arn:aws:s3:::${Root}/*'\n"
             "                  - Root: !Select [1, !Split ['s3://', !Ref MlOutputUri]]\n"
             "          - !Ref AWS::NoValue");
    }
}

/* Functions that are a state machine's task (ai-training-worker) get the machine that
 * invokes them: the training state machine (cs/ml_worker.h), its definition in JSON
 * (valid YAML flow) with the function's ARN substituted by SAM. The machine's ARN is
 * spelled out, not referenced, where the function needs it: the function and the
 * machine would otherwise depend on each other. */
static void gen_sam_steps(void)
{
    for (int i = 0; i < nfuncs; i++) {
        if (!json_object_object_get_ex(funcs[i], "task", NULL)) continue;
        const char *name = str(funcs[i], "name");
        json_object *def = cs_ml_state_machine("${WorkerArn}");
        if (!def) continue;
        fputs("  ", stdout);
        print_logical_id(name);
        printf("StateMachine:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n"
               "      Name: !Sub '${AWS::StackName}-%s'\n      Definition: %s\n"
               "      DefinitionSubstitutions:\n        WorkerArn: !GetAtt ",
               name,
               json_object_to_json_string_ext(def, JSON_C_TO_STRING_SPACED |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
        print_logical_id(name);
        fputs(
            ".Arn\n      Policies:\n        - LambdaInvokePolicy:\n            FunctionName: !Ref ",
            stdout);
        print_logical_id(name);
        putchar('\n');
        json_object_put(def);
    }
}

static int gen_sam(void)
{
    puts("# Generated by `build.sh gen` from the functions' route declarations; do not edit.\n"
         "# One function per endpoint, each a Lambda custom runtime (`bootstrap`) zipped by\n"
         "# `build.sh package` into build/package/<name>.zip.\n"
         "AWSTemplateFormatVersion: '2010-09-09'\n"
         "Transform: AWS::Serverless-2016-10-31\n"
         "Description: AI customer-service functions\n"
         "Parameters:\n"
         "  JwtSecret:\n"
         "    Type: String\n"
         "    NoEcho: true\n"
         "    Description: base64 of at least 32 random bytes, shared by every function\n"
         "  StoreUri:\n"
         "    Type: String\n"
         "    NoEcho: true\n"
         "    Description: mongodb:// URI of the shared store (the zips of `build.sh package`\n"
         "      carry the MongoDB store plugin by default)\n"
         "  CorsOrigins:\n"
         "    Type: CommaDelimitedList\n"
         "    Default: '*'\n"
         "    Description: origins browsers may call the API from (CS_CORS_ORIGIN's list)\n"
         "  SweepTenant:\n"
         "    Type: String\n"
         "    Default: ''\n"
         "    Description: tenant whose idle sessions the scheduled sweep closes; empty turns\n"
         "      the schedule off (one stack per tenant, or copy the rule per tenant)\n"
         "  MlOutputUri:\n"
         "    Type: String\n"
         "    Default: ''\n"
         "    AllowedPattern: '^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*[^/])?)?$'\n"
         "    Description: s3://bucket[/prefix] where training jobs' models, lineage and logs\n"
         "      go (CS_ML_OUTPUT_URI); empty keeps them in each instance's state folder\n"
         "Conditions:\n"
         "  HasSweepTenant: !Not [!Equals [!Ref SweepTenant, '']]\n"
         "  HasMlOutputUri: !Not [!Equals [!Ref MlOutputUri, '']]\n"
         "Globals:\n"
         "  Function:\n"
         "    Runtime: provided.al2023\n"
         "    Handler: bootstrap\n"
         "    Architectures:\n"
         "      - x86_64\n"
         "    MemorySize: 256\n"
         "    Timeout: 29\n"
         "    Environment:\n"
         "      Variables:\n"
         "        CS_JWT_SECRET: !Ref JwtSecret\n"
         "        CS_STORE_URI: !Ref StoreUri\n"
         "        CS_DATA_DIR: /var/task/data\n"
         "        CS_CORS_ORIGIN: !Join [',', !Ref CorsOrigins]\n"
         "        CS_EVENTS_KICK_FUNCTION: !Sub '${AWS::StackName}-webhook-dispatch'\n"
         "        CS_ML_OUTPUT_URI: !Ref MlOutputUri\n"
         "Resources:\n"
         "  HttpApi:\n"
         "    Type: AWS::Serverless::HttpApi\n"
         "    Properties:\n"
         "      CorsConfiguration:\n"
         "        AllowOrigins: !Ref CorsOrigins\n"
         "        AllowMethods: [GET, POST, PUT, PATCH, DELETE, OPTIONS]\n"
         "        AllowHeaders: [authorization, content-type, x-request-id]\n"
         "        ExposeHeaders: [x-request-id, retry-after, x-rate-limit-limit,\n"
         "                        x-rate-limit-remaining, x-rate-limit-reset]\n"
         "        MaxAge: 600");
    for (int i = 0; i < nfuncs; i++) {
        const char *name = str(funcs[i], "name");
        fputs("  ", stdout);
        print_logical_id(name);
        printf(":\n    Type: AWS::Serverless::Function\n    Properties:\n"
               "      FunctionName: !Sub '${AWS::StackName}-%s'\n"
               "      CodeUri: build/package/%s.zip\n      Description: ",
               name, name);
        print_yaml_str(str(funcs[i], "summary"));
        putchar('\n');
        print_env_policies(funcs[i]);
        json_object *routes;
        json_object_object_get_ex(funcs[i], "routes", &routes);
        bool http = *str(funcs[i], "schedule") != '\0';
        for (size_t r = 0; routes && r < json_object_array_length(routes); r++)
            if (!is_ws_route(json_object_array_get_idx(routes, r))) http = true;
        if (http) puts("      Events:");
        for (size_t r = 0; routes && r < json_object_array_length(routes); r++) {
            json_object *ro = json_object_array_get_idx(routes, r);
            if (is_ws_route(ro)) continue; /* the WebSocket API's, below */
            printf(
                "        Route%zu:\n          Type: HttpApi\n          Properties:\n"
                "            ApiId: !Ref HttpApi\n            Path: %s\n            Method: %s\n",
                r, str(ro, "path"), str(ro, "method"));
            const char *alias = seed_alias(str(ro, "path"));
            if (alias)
                printf("        SeedRoute%zu:\n          Type: HttpApi\n          Properties:\n"
                       "            ApiId: !Ref HttpApi\n            Path: %s\n            Method: "
                       "%s\n",
                       r, alias, str(ro, "method"));
        }
        if (*str(funcs[i], "schedule")) /* scheduled functions (webhook-dispatch) */
            printf("        Schedule:\n          Type: Schedule\n          Properties:\n"
                   "            Schedule: %s\n",
                   str(funcs[i], "schedule"));
        if (*str(funcs[i], "sweep")) /* HTTP functions that also sweep a tenant (cs-abandon) */
            printf("        Sweep:\n          Type: Schedule\n          Properties:\n"
                   "            Schedule: %s\n"
                   "            Enabled: !If [HasSweepTenant, true, false]\n"
                   "            Input: !Sub '{\"source\":\"aws.events\",\"detail-type\":"
                   "\"Scheduled Event\",\"detail\":{\"tenant\":\"${SweepTenant}\"}}'\n",
                   str(funcs[i], "sweep"));
    }
    int ws = gen_sam_ws();
    gen_sam_steps();
    puts("Outputs:\n"
         "  ApiUrl:\n"
         "    Value: !Sub 'https://${HttpApi}.execute-api.${AWS::Region}.amazonaws.com'");
    if (ws)
        puts("  WebSocketUrl:\n"
             "    Value: !Sub "
             "'wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/live'");
    return 0;
}

/* http-level map from the request path to its family, so that the gateway's own error
 * pages (400, 413, 414, 500, 502-504: nginx.conf.in) answer in the family's format even
 * when nginx refuses a request before any location ran. Longest prefix first. */
static int gen_families(void)
{
    collect_paths();
    puts("# Generated by `build.sh gen` from the functions' route declarations; do not edit.\n"
         "# The API family of a request path, for the gateway's own JSON error pages.\n"
         "map $uri $cs_family {\n    default triage;");
    for (int i = 0; i < npaths; i++) {
        const char *fam = "";
        for (int f = 0; f < nfuncs; f++)
            if (strcmp(str(funcs[f], "name"), paths[i].fn[0]) == 0) fam = str(funcs[f], "family");
        fputs("    ~^", stdout);
        for (const char *p = paths[i].path; *p; p++) {
            if (*p == '{') {
                fputs("[^/]+", stdout);
                p = strchr(p, '}');
                if (!p) break;
            } else if (strchr(".+*?()|[]^$\\{}", *p)) {
                printf("\\%c", *p);
            } else {
                putchar(*p);
            }
        }
        printf("$ %s;\n", fam);
    }
    for (size_t i = 0; i < sizeof(family_prefixes) / sizeof(family_prefixes[0]); i++)
        printf("    ~^%s %s;\n", family_prefixes[i].prefix, family_prefixes[i].family);
    puts("}");
    return 0;
}

/* Markdown: one row per route that needs a token, with the roles it admits. */
static int gen_roles(void)
{
    puts("| route | function | roles |\n|---|---|---|");
    for (int i = 0; i < nfuncs; i++) {
        if (strcmp(str(funcs[i], "auth"), "bearer") != 0) continue;
        json_object *routes;
        if (!json_object_object_get_ex(funcs[i], "routes", &routes)) continue;
        for (size_t r = 0; r < json_object_array_length(routes); r++) {
            json_object *ro = json_object_array_get_idx(routes, r);
            const char *roles = str(ro, "roles");
            printf("| `%s %s` | %s | %s |\n", str(ro, "method"), str(ro, "path"),
                   str(funcs[i], "name"),
                   strcmp(roles, "any") == 0 || !*roles ? "any role" : roles);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int openapi = argc == 3 && strcmp(argv[1], "openapi") == 0;
    if ((argc != 2 && !openapi) || read_routes() != 0) {
        fprintf(stderr, "usage: cs-gen nginx|nginx-upstreams|families|sam|roles < routes.jsonl\n"
                        "       cs-gen openapi ROOT < routes.jsonl\n");
        return 2;
    }
    int rc = openapi                                   ? cs_gen_openapi(funcs, nfuncs, argv[2])
             : strcmp(argv[1], "nginx") == 0           ? gen_nginx()
             : strcmp(argv[1], "nginx-upstreams") == 0 ? gen_upstreams()
             : strcmp(argv[1], "families") == 0        ? gen_families()
             : strcmp(argv[1], "sam") == 0             ? gen_sam()
             : strcmp(argv[1], "roles") == 0           ? gen_roles()
                                                       : 2;
    for (int i = 0; i < nfuncs; i++) json_object_put(funcs[i]);
    return rc;
}
