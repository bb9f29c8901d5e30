/* API families: each keeps its seed's envelope and error format, so a client written
 * against that seed works unchanged.
 *
 *   triage    seed 004  plain bodies; errors {"detail": "..."} and FastAPI 422 lists
 *   insights  seed 001  {"error":false,"status_code":200,"data":...,"timestamp":...}
 *   predict   seed 000  plain bodies; errors {"error":{"code","message"}}
 *   sessions  seed 003  plain bodies; errors {"error":{"code":"CS_00x","message","details"}}
 *   reporting seed 002  plain bodies; errors {"error":{"code","message"}}
 */
#ifndef CS_FAMILY_H
#define CS_FAMILY_H

#include <json-c/json.h>

struct cs_req;
struct cs_resp;

enum cs_family {
    CS_FAMILY_TRIAGE,
    CS_FAMILY_INSIGHTS,
    CS_FAMILY_PREDICT,
    CS_FAMILY_SESSIONS,
    CS_FAMILY_REPORTING,
    CS_FAMILY__COUNT
};

const char *cs_family_name(enum cs_family f);

/* Writes a success body in the family's envelope: `data` as is for the plain families,
 * wrapped for insights. Takes no reference on data. */
int cs_family_ok(enum cs_family f, const struct cs_req *req, struct cs_resp *resp, int status,
                 json_object *data) __attribute__((warn_unused_result));

/* Turns `code` plus whatever detail the handler recorded in resp into the family's
 * error body and status. Never fails: on allocation failure it falls back to a static
 * body. */
void cs_family_error(enum cs_family f, const struct cs_req *req, struct cs_resp *resp, int code);

#endif
