/* The reporting resources and their fields (seed 002, CCAI Platform's Manager API
 * shapes). `column` fields are real columns of the resource's table, indexed for the
 * filters a reporting client uses most (time windows, agent, team, menu, status);
 * every other field is still filterable and sortable, read from the stored record. */
#include <string.h>

#include "cs/reporting.h"

#define F(n, t)                                                                                    \
    {                                                                                              \
        n, t, false, false, false                                                                  \
    }
#define C(n, t)                                                                                    \
    {                                                                                              \
        n, t, true, false, false                                                                   \
    }
#define K(n, t)                                                                                    \
    {                                                                                              \
        n, t, true, false, true                                                                    \
    }
#define REQ(n, t)                                                                                  \
    {                                                                                              \
        n, t, true, true, false                                                                    \
    }
#define COMMON C("created_at", RP_TIME), C("updated_at", RP_TIME), C("deleted_at", RP_TIME)
/* Participants are read by their call or chat, and tailed by updated_at: no index of
 * their own on created_at (each index is one more B-tree write per imported row). */
#define PART_TIMES K("created_at", RP_TIME), C("updated_at", RP_TIME), C("deleted_at", RP_TIME)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct cs_rp_field agents_f[] = {
    REQ("id", RP_INT),       F("first_name", RP_STR),         F("last_name", RP_STR),
    F("email", RP_STR),      F("agent_number", RP_STR),       F("status", RP_JSON),
    C("status_id", RP_INT),  F("status_updated_at", RP_TIME), C("online", RP_BOOL),
    F("teams", RP_JSON),     F("channels", RP_JSON),          F("roles", RP_JSON),
    F("call_count", RP_INT), F("chat_count", RP_INT),         COMMON,
};

static const struct cs_rp_field user_info_f[] = {
    REQ("id", RP_INT),  F("first_name", RP_STR),   F("last_name", RP_STR),
    F("email", RP_STR), F("agent_number", RP_STR), COMMON,
};

static const struct cs_rp_field activity_f[] = {
    REQ("id", RP_INT),        C("agent_id", RP_INT),
    C("status", RP_STR),      F("activity", RP_STR),
    C("started_at", RP_TIME), F("ended_at", RP_TIME),
    F("duration", RP_NUM),    F("call_id", RP_INT),
    F("chat_id", RP_INT),     COMMON,
};

/* Calls and chats share everything but their type and channel-specific fields. Their
 * status is a column without an index of its own: it is the second key of the
 * created_at index (a status filter comes with a time window), one B-tree less to write
 * per imported contact. */
#define CONTACT_COMMON                                                                             \
    K("status", RP_STR), F("sub_status", RP_STR), F("lang", RP_STR), F("queued_at", RP_TIME),      \
        F("assigned_at", RP_TIME), F("connected_at", RP_TIME), F("ends_at", RP_TIME),              \
        F("queue_duration", RP_NUM), F("rating", RP_INT), F("selected_menu", RP_JSON),             \
        F("menu_path", RP_JSON), F("agent_info", RP_JSON), F("end_user", RP_JSON),                 \
        F("disconnected_by", RP_STR), F("finish_reason", RP_STR), F("participants", RP_JSON),      \
        F("transfers", RP_JSON), F("photos", RP_JSON), F("videos", RP_JSON),                       \
        C("agent_id", RP_INT), C("team_id", RP_INT), C("menu_id", RP_INT)

static const struct cs_rp_field calls_f[] = {
    REQ("id", RP_INT),
    K("call_type", RP_STR),
    CONTACT_COMMON,
    F("connecting_at", RP_TIME),
    F("call_duration", RP_NUM),
    F("hold_duration", RP_NUM),
    F("recording_url", RP_STR),
    COMMON,
};

static const struct cs_rp_field chats_f[] = {
    REQ("id", RP_INT),
    K("chat_type", RP_STR),
    CONTACT_COMMON,
    F("chat_duration", RP_NUM),
    F("first_msg_sent_at", RP_TIME),
    F("message_count", RP_INT),
    F("average_response_time", RP_NUM),
    F("transcript_url", RP_STR),
    F("session_id", RP_STR),
    COMMON,
};

static const struct cs_rp_field call_part_f[] = {
    REQ("id", RP_INT),         C("call_id", RP_INT),
    K("type", RP_STR),         K("agent_id", RP_INT),
    F("status", RP_STR),       F("name", RP_STR),
    F("phone_number", RP_STR), F("connected_at", RP_TIME),
    F("ended_at", RP_TIME),    PART_TIMES,
};

static const struct cs_rp_field chat_part_f[] = {
    REQ("id", RP_INT),          C("chat_id", RP_INT),   K("type", RP_STR),
    K("agent_id", RP_INT),      F("status", RP_STR),    F("name", RP_STR),
    F("connected_at", RP_TIME), F("ended_at", RP_TIME), PART_TIMES,
};

static const struct cs_rp_field changed_f[] = {
    REQ("id", RP_INT),
    C("record_type", RP_STR),
    C("record_id", RP_INT),
    C("field", RP_STR),
    F("former_value", RP_JSON),
    F("new_value", RP_JSON),
    COMMON,
};

static const struct cs_rp_field media_f[] = {
    REQ("id", RP_INT),         C("call_id", RP_INT), C("chat_id", RP_INT),  F("url", RP_STR),
    F("content_type", RP_STR), F("size", RP_INT),    F("duration", RP_NUM), COMMON,
};

static const struct cs_rp_field teams_f[] = {
    REQ("id", RP_INT), REQ("name", RP_STR), C("parent_id", RP_INT), C("position", RP_INT), COMMON,
};

static const struct cs_rp_field menus_f[] = {
    REQ("id", RP_INT),
    REQ("name", RP_STR),
    C("parent_id", RP_INT),
    C("position", RP_INT),
    F("menu_type", RP_STR),
    F("channel", RP_STR),
    COMMON,
};

static const struct cs_rp_field statuses_f[] = {
    REQ("id", RP_INT),    REQ("name", RP_STR),     F("color", RP_STR),
    C("active", RP_BOOL), F("wfm_status", RP_STR), COMMON,
};

#define RES(n, t, rt, f, imp)                                                                      \
    {                                                                                              \
        n, t, rt, f, N(f), imp, NULL                                                               \
    }

static const struct cs_rp_resource agents = RES("agents", "rp_agents", "agent", agents_f, true);
static const struct cs_rp_resource user_info = {"user_info",    "rp_agents", "agent", user_info_f,
                                                N(user_info_f), false,       &agents};
static const struct cs_rp_resource activity =
    RES("agent_activity_logs", "rp_agent_activity_logs", "agent_activity_log", activity_f, true);
static const struct cs_rp_resource calls = RES("calls", "rp_calls", "call", calls_f, true);
static const struct cs_rp_resource chats = RES("chats", "rp_chats", "chat", chats_f, true);
/* Participants come nested in their call or chat and are written with it. */
static const struct cs_rp_resource call_parts =
    RES("call_participants", "rp_call_participants", "call_participant", call_part_f, false);
static const struct cs_rp_resource chat_parts =
    RES("chat_participants", "rp_chat_participants", "chat_participant", chat_part_f, false);
static const struct cs_rp_resource changed =
    RES("changed_details", "rp_changed_details", "changed_detail", changed_f, false);
static const struct cs_rp_resource photos = RES("photos", "rp_photos", "photo", media_f, true);
static const struct cs_rp_resource videos = RES("videos", "rp_videos", "video", media_f, true);
static const struct cs_rp_resource teams = RES("teams", "rp_teams", "team", teams_f, true);
static const struct cs_rp_resource menus = RES("menus", "rp_menus", "menu", menus_f, true);
static const struct cs_rp_resource statuses =
    RES("user_statuses", "rp_user_statuses", "user_status", statuses_f, true);

static const struct cs_rp_resource *const all[] = {
    &agents,  &user_info, &activity, &calls, &chats, &call_parts, &chat_parts,
    &changed, &photos,    &videos,   &teams, &menus, &statuses,   NULL,
};

const struct cs_rp_resource *const *cs_rp_resources(void) { return all; }

const struct cs_rp_resource *cs_rp_resource_find(const char *name)
{
    for (size_t i = 0; name && all[i]; i++)
        if (strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}

const struct cs_rp_field *cs_rp_field_find(const struct cs_rp_resource *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0) return &r->fields[i];
    return NULL;
}
