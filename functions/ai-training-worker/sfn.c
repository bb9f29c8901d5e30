/* StartExecution of the training state machine (Step Functions' JSON 1.0 API), signed
 * with libcurl's SigV4 through the one outbound client (cs_net_perform), with the
 * Lambda's own credentials. The execution name is the job id and the claim's attempt:
 * a start that failed gives the job back, and its next claim (attempt + 1) starts a new
 * execution, which resumes from the stored checkpoint. */
#include "handler.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/error.h"
#include "cs/json.h"
#include "cs/net.h"

int fn_ai_training_worker_sfn_start(void *user, const char *name, const char *input)
{
    const struct fn_sfn_target *t = user;
    if (!t->region || !t->key_id || !t->secret || !t->state_machine) return CS_ERR_CONFIG;
    struct cs_jb b;
    cs_jb_init(&b, json_object_new_object());
    cs_jb_str(&b, "stateMachineArn", t->state_machine);
    cs_jb_str(&b, "name", name);
    cs_jb_str(&b, "input", input);
    json_object *req = b.obj;
    if (cs_jb_done(&b)) {
        json_object_put(req);
        return CS_ERR_NOMEM;
    }
    const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    if (!body) {
        json_object_put(req);
        return CS_ERR_NOMEM;
    }
    char url[300], sigv4[96], tok[2048];
    int bad = (t->endpoint ? snprintf(url, sizeof(url), "%s/", t->endpoint)
                           : snprintf(url, sizeof(url), "https://states.%s.amazonaws.com/",
                                      t->region)) >= (int)sizeof(url) ||
              snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:states", t->region) >= (int)sizeof(sigv4);
    const char *headers[4] = {"Content-Type: application/x-amz-json-1.0",
                              "X-Amz-Target: AWSStepFunctions.StartExecution", NULL, NULL};
    if (t->session_token) {
        bad |= snprintf(tok, sizeof(tok), "X-Amz-Security-Token: %s", t->session_token) >=
               (int)sizeof(tok);
        headers[2] = tok;
    }
    CURL *c = bad ? NULL : curl_easy_init();
    long status = 0;
    int rc = bad ? CS_ERR_CONFIG : c ? CS_OK : CS_ERR_NOMEM;
    if (!rc) {
        const struct cs_net_opts o = {.url = url,
                                      .headers = headers,
                                      .body = body,
                                      .body_len = strlen(body),
                                      .timeout_ms = 5000,
                                      .connect_timeout_ms = 2000,
                                      .aws_sigv4 = sigv4,
                                      .aws_key = t->key_id,
                                      .aws_secret = t->secret};
        CURLcode cc = cs_net_perform(c, &o, &status, NULL);
        rc = cc == CURLE_OUT_OF_MEMORY ? CS_ERR_NOMEM : status == 200 ? CS_OK : CS_ERR_UPSTREAM;
    }
    curl_easy_cleanup(c);
    json_object_put(req);
    return rc;
}
