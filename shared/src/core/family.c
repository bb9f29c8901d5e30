#include "cs/family.h"

#include <ctype.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/error.h"
#include "cs/http.h"
#include "cs/json.h"

static const char *const family_names[CS_FAMILY__COUNT] = {"triage", "insights", "predict",
                                                           "sessions", "reporting"};

const char *cs_family_name(enum cs_family f)
{
    return f < CS_FAMILY__COUNT ? family_names[f] : "unknown";
}

static int status_of(enum cs_family f, int code)
{
    /* FastAPI answers a body it cannot decode with 422 json_invalid, not 400. */
    if (f == CS_FAMILY_TRIAGE &&
        (code == CS_ERR_BAD_JSON || code == CS_ERR_BAD_UTF8 || code == CS_ERR_TOO_DEEP))
        return 422;
    /* Seed 003's table gives CS_008 (invalid content) status 400, not FastAPI's 422, and
     * seed 001 answers its validation errors 400 "Validation error" with a field map. */
    if ((f == CS_FAMILY_SESSIONS || f == CS_FAMILY_INSIGHTS) && code == CS_ERR_VALIDATION)
        return 400;
    return cs_error_status(code);
}

static const char *message_of(const struct cs_resp *resp, int code)
{
    return resp->err_message ? resp->err_message : cs_error_message(code);
}

/* "CS_ERR_NOT_FOUND" -> "not_found": the plain families' machine-readable code. */
static const char *snake_code(struct cs_arena *a, int code)
{
    const char *name = cs_error_name(code);
    if (strncmp(name, "CS_ERR_", 7) == 0) name += 7;
    char *s = cs_arena_strdup(a, name);
    if (!s) return "error";
    for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

/* The field a 400 is about: the first field error's name, else the single key of the
 * details object the handler recorded (cs_session_fail). NULL when neither. */
static const char *error_field(const struct cs_resp *resp)
{
    if (resp->fields.n > 0) {
        const struct cs_field_error *e = &resp->fields.e[0];
        const char *name = NULL;
        for (int i = 0; i < 4 && e->loc[i]; i++) name = e->loc[i];
        return name;
    }
    if (resp->err_details && json_object_is_type(resp->err_details, json_type_object)) {
        json_object_object_foreach(resp->err_details, key, val)
        {
            /* cs_session_fail's {"field": "<name>"} / {"parameter": "<name>"} name it. */
            if ((strcmp(key, "field") == 0 || strcmp(key, "parameter") == 0) &&
                json_object_is_type(val, json_type_string))
                return json_object_get_string(val);
            return key;
        }
    }
    return NULL;
}

/* Seed 003's table has ten codes and its clients know no others, so every error maps to
 * one of them: the specific code where the seed has one (the session id, the escalation
 * target, the company id, the message), CS_008 for any other invalid request content,
 * CS_009 for a caller who may not do this, CS_002 for no such resource, CS_006 for
 * "unavailable, try again" and CS_010 for a failure on our side. */
static const char *sessions_code(const struct cs_resp *resp, int code)
{
    switch (code) {
    case CS_ERR_SESSION_ID: return "CS_001";
    case CS_ERR_NOT_FOUND:
    case CS_ERR_METHOD:
    case CS_ERR_SESSION_NOT_FOUND: return "CS_002";
    case CS_ERR_SESSION_RESOLVED: return "CS_003";
    case CS_ERR_ESCALATION_TARGET: return "CS_004";
    case CS_ERR_COMPANY_ID: return "CS_005";
    case CS_ERR_AI_UNAVAILABLE: return "CS_006";
    case CS_ERR_RATE_LIMITED: return "CS_007";
    case CS_ERR_MESSAGE_CONTENT: return "CS_008";
    case CS_ERR_UNAUTHORIZED:
    case CS_ERR_BAD_TOKEN:
    case CS_ERR_BAD_CREDENTIALS:
    case CS_ERR_FORBIDDEN:
    case CS_ERR_CS_DISABLED: return "CS_009";
    case CS_ERR_AI_FAILED: return "CS_010";
    case CS_ERR_VALIDATION:
    case CS_ERR_INVALID:
    case CS_ERR_BAD_REQUEST: {
        const char *f = error_field(resp);
        if (f && strcmp(f, "sessionId") == 0) return "CS_001";
        if (f && strcmp(f, "targetTier") == 0) return "CS_004";
        if (f && strcmp(f, "companyId") == 0) return "CS_005";
        return "CS_008";
    }
    case CS_ERR_UNAVAILABLE:
    case CS_ERR_UPSTREAM:
    case CS_ERR_TIMEOUT:
    case CS_ERR_STORE:
    case CS_ERR_CONFLICT:
    case CS_ERR_EXISTS: return "CS_006";
    default: return cs_error_status(code) >= 500 ? "CS_010" : "CS_008";
    }
}

static json_object *field_loc(const struct cs_field_error *e)
{
    json_object *loc = json_object_new_array();
    int rc = loc ? CS_OK : CS_ERR_NOMEM;
    for (int i = 0; !rc && i < 4 && e->loc[i]; i++)
        rc = cs_json_push(loc, json_object_new_string(e->loc[i]));
    if (!rc && e->loc_index >= 0) rc = cs_json_push(loc, json_object_new_int(e->loc_index));
    if (!rc) return loc;
    json_object_put(loc);
    return NULL;
}

/* The last named loc element: "body.raw_message" reads as "raw_message". */
static const char *field_name(const struct cs_field_error *e)
{
    const char *name = "body";
    for (int i = 0; i < 4 && e->loc[i]; i++) name = e->loc[i];
    return name;
}

static void triage_error(const struct cs_resp *resp, int code, struct cs_jb *root)
{
    if (resp->fields.n == 0) {
        cs_jb_str(root, "detail", message_of(resp, code));
        return;
    }
    json_object *list = json_object_new_array();
    for (size_t i = 0; list && i < resp->fields.n; i++) {
        const struct cs_field_error *e = &resp->fields.e[i];
        struct cs_jb item;
        cs_jb_init(&item, json_object_new_object());
        cs_jb_str(&item, "type", e->type);
        cs_jb_add(&item, "loc", field_loc(e));
        cs_jb_str(&item, "msg", e->msg);
        if (cs_json_push(list, cs_jb_take(&item))) {
            json_object_put(list);
            list = NULL;
        }
    }
    cs_jb_add(root, "detail", list);
}

/* A new reference to the error's details, or NULL when there are none. *rc is
 * CS_ERR_NOMEM when building them failed. */
static json_object *details_object(const struct cs_resp *resp, int *rc)
{
    *rc = CS_OK;
    if (resp->err_details) return json_object_get(resp->err_details);
    if (resp->fields.n == 0) return NULL;
    struct cs_jb d;
    cs_jb_init(&d, json_object_new_object());
    for (size_t i = 0; i < resp->fields.n; i++)
        cs_jb_str(&d, field_name(&resp->fields.e[i]), resp->fields.e[i].msg);
    json_object *o = cs_jb_take(&d);
    if (!o) *rc = CS_ERR_NOMEM;
    return o;
}

/* "details" when the error has any. */
static void add_details(const struct cs_resp *resp, struct cs_jb *o)
{
    int rc;
    json_object *d = details_object(resp, &rc);
    if (rc)
        cs_jb_add(o, "details", NULL); /* fails the builder */
    else if (d)
        cs_jb_add(o, "details", d);
}

static void insights_error(const struct cs_req *req, const struct cs_resp *resp, int code,
                           int status, struct cs_jb *root)
{
    char ts[CS_ISO_MAX];
    /* The request's clock, as in the success envelope (tests replace it). */
    cs_time_iso(req->now_ms ? req->now_ms : cs_now_ms(), CS_ISO_NAIVE_US, ts);
    cs_jb_bool(root, "error", true);
    cs_jb_int(root, "status_code", status);
    cs_jb_str(root, "message", message_of(resp, code));
    add_details(resp, root);
    cs_jb_str(root, "timestamp", ts);
}

static void coded_error(struct cs_arena *a, enum cs_family f, const struct cs_resp *resp, int code,
                        struct cs_jb *root)
{
    const char *cname = f == CS_FAMILY_SESSIONS ? sessions_code(resp, code) : resp->err_code_name;
    if (!cname) cname = snake_code(a, code);
    struct cs_jb err;
    cs_jb_init(&err, json_object_new_object());
    cs_jb_str(&err, "code", cname);
    cs_jb_str(&err, "message", message_of(resp, code));
    add_details(resp, &err);
    cs_jb_nest(root, "error", &err);
}

void cs_family_error(enum cs_family f, const struct cs_req *req, struct cs_resp *resp, int code)
{
    struct cs_arena *a = req->arena;
    int status = status_of(f, code);
    resp->err_code = code;
    struct cs_jb root;
    cs_jb_init(&root, cs_json_object(a));
    switch (f) {
    case CS_FAMILY_TRIAGE: triage_error(resp, code, &root); break;
    case CS_FAMILY_INSIGHTS: insights_error(req, resp, code, status, &root); break;
    default: coded_error(a, f, resp, code, &root); break;
    }
    int rc = cs_jb_done(&root);
    if (!rc) rc = cs_resp_json(resp, a, status, root.obj);
    if (rc) {
        /* Out of memory: a static body, still in the family's shape. */
        static const char *const fallback[CS_FAMILY__COUNT] = {
            "{\"detail\":\"Internal server error\"}",
            "{\"error\":true,\"status_code\":500,\"message\":\"Internal server error\"}",
            "{\"error\":{\"code\":\"internal\",\"message\":\"Internal server error\"}}",
            "{\"error\":{\"code\":\"CS_010\",\"message\":\"Internal server error\"}}",
            "{\"error\":{\"code\":\"internal\",\"message\":\"Internal server error\"}}",
        };
        const char *body = fallback[f < CS_FAMILY__COUNT ? f : CS_FAMILY_TRIAGE];
        cs_resp_raw(resp, 500, "application/json", body, strlen(body));
    }
}

int cs_family_ok(enum cs_family f, const struct cs_req *req, struct cs_resp *resp, int status,
                 json_object *data)
{
    if (f != CS_FAMILY_INSIGHTS) return cs_resp_json(resp, req->arena, status, data);
    char ts[CS_ISO_MAX];
    cs_time_iso(req->now_ms, CS_ISO_NAIVE_US, ts);
    struct cs_jb root;
    cs_jb_init(&root, cs_json_object(req->arena));
    cs_jb_bool(&root, "error", false);
    cs_jb_int(&root, "status_code", status);
    cs_jb_add(&root, "data", json_object_get(data));
    cs_jb_str(&root, "timestamp", ts);
    int rc = cs_jb_done(&root);
    return rc ? rc : cs_resp_json(resp, req->arena, status, root.obj);
}
