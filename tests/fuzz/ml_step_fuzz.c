/* libFuzzer target: the training state machine's step events (cs_ml_step_parse), which
 * arrive from outside (a Lambda invocation) as JSON.
 *
 * Beyond "no crash, no leak, no UB" it checks the parser's promises: an accepted step
 * names a valid tenant, a job id of 1-64 bytes, a lease, and for train_shard / mix a
 * shard below CS_ML_MAX_INSTANCES and an epoch of 1-200. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/lifecycle.h"
#include "cs/ml_worker.h"
#include "cs/tenant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok) return 0;
    json_object *ev = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (!ev) return 0;
    struct cs_ml_step s;
    const char *why = NULL;
    int rc = cs_ml_step_parse(ev, &s, &why);
    if (rc == CS_OK) {
        if (!cs_tenant_valid(s.tenant) || !s.job_id || !*s.job_id || strlen(s.job_id) > 64 ||
            !s.lease_item || s.lease_id < 0)
            abort();
        if ((s.action == CS_ML_STEP_TRAIN_SHARD || s.action == CS_ML_STEP_MIX) &&
            (s.epoch < 1 || s.epoch > 200 || s.shard >= CS_ML_MAX_INSTANCES))
            abort();
    } else if (rc != CS_ERR_VALIDATION || !why) {
        abort();
    }
    json_object_put(ev);
    return 0;
}
