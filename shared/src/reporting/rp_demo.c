/* A deterministic contact centre for demos and benchmarks (same seed, same window:
 * same records). Calls arrive by weekday and hour of day, walk an IVR menu, wait in the
 * queue of the menu's team until one of its agents is on shift, not on a break and free
 * (so waits grow with load), abandon past a patience drawn per caller, go to voicemail
 * when the team is off shift, ring, talk for a lognormal time, sometimes hold, get
 * transferred (warm or cold), add a supervisor (conference) or a third party. Agents
 * work 8-hour shifts with two breaks and lunch, recorded as status history. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arena.h"
#include "cs/clock.h"
#include "cs/json.h"
#include "cs/reporting.h"

#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL
#define MIN_MS 60000LL
#define BATCH 5000
#define NTEAMS 8
#define NMENUS 6

/* xoshiro256** seeded through splitmix64: small, fast and the same everywhere. */
struct rng {
    uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next64(struct rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return out;
}

static double unif(struct rng *r) { return (double)(next64(r) >> 11) * 0x1.0p-53; }
static double between(struct rng *r, double lo, double hi) { return lo + (hi - lo) * unif(r); }

static double normal(struct rng *r)
{
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(2.0 * M_PI * v);
}

/* Lognormal with the given median (seconds) and shape, in ms. */
static int64_t lognormal_ms(struct rng *r, double median_s, double sigma)
{
    return (int64_t)(median_s * exp(sigma * normal(r)) * 1000.0);
}

/* ---- the centre ---- */

static const char *const team_names[NTEAMS] = {"Contact Centre", "Tier 1",   "Tier 2",
                                               "Billing",        "Orders",   "Technical",
                                               "Escalations",    "Retention"};
static const int team_parent[NTEAMS] = {0, 1, 1, 2, 2, 2, 3, 3};
static const char *const menu_names[NMENUS] = {"Main menu",         "Billing",        "Orders",
                                               "Technical support", "Cancel service", "Sales"};
static const int menu_team[NMENUS] = {0, 4, 5, 6, 8, 5};
static const double menu_share[NMENUS] = {0, 0.30, 0.25, 0.25, 0.08, 0.12};
/* Monday first; calls per weekday and per hour of day, relative. */
static const double weekday_w[7] = {1.15, 1.10, 1.0, 1.0, 0.95, 0.55, 0.40};
static const double hour_w[24] = {0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.6, 2.4, 2.8,  2.7,
                                  2.2, 2.4,  2.7,  2.5,  2.1,  1.6, 1.1, 0.8, 0.6, 0.4, 0.25, 0.15};
static const char *const first_names[] = {"Ana",  "Ben",  "Chloe", "Dev",  "Eva",  "Farid", "Grace",
                                          "Hugo", "Ines", "Jon",   "Kara", "Liam", "Mei",   "Nia",
                                          "Omar", "Pia",  "Quinn", "Rosa", "Sam",  "Tara"};
static const char *const last_names[] = {"Silva", "Okafor", "Novak", "Patel", "Berg", "Haddad",
                                         "Kim",   "Moreau", "Costa", "Walsh", "Ito",  "Reyes"};

struct agent {
    int64_t id;
    int team;       /* team id */
    int shift_hour; /* 7, 9, 11 or 13 */
    bool weekend;   /* works Saturday to Wednesday instead of Monday to Friday */
    int64_t free_at;
    int64_t calls, chats;
    int64_t last_status_ms;
};

static int weekday_of(int64_t ms) { return (int)(((ms / DAY_MS) + 3) % 7); } /* 1970-01-01: Thu */

static bool works(const struct agent *ag, int64_t day_start)
{
    int wd = weekday_of(day_start);
    return ag->weekend ? (wd >= 5 || wd <= 2) : wd <= 4;
}

/* Breaks relative to the shift start: 15 min at 2 h, lunch 30 min at 4 h, 15 min at 6 h. */
static const int64_t break_at[3] = {2 * HOUR_MS, 4 * HOUR_MS, 6 * HOUR_MS};
static const int64_t break_len[3] = {15 * MIN_MS, 30 * MIN_MS, 15 * MIN_MS};

/* The first moment >= t the agent can take a call, or INT64_MAX past `limit`. */
static int64_t next_available(const struct agent *ag, int64_t t, int64_t limit)
{
    if (t < ag->free_at) t = ag->free_at;
    while (t <= limit) {
        int64_t day = t - ((t % DAY_MS) + DAY_MS) % DAY_MS;
        int64_t s = day + ag->shift_hour * HOUR_MS, e = s + 8 * HOUR_MS;
        if (!works(ag, day) || t >= e) {
            t = day + DAY_MS;
            continue;
        }
        if (t < s) t = s;
        bool moved = false;
        for (int b = 0; b < 3; b++)
            if (t >= s + break_at[b] && t < s + break_at[b] + break_len[b]) {
                t = s + break_at[b] + break_len[b];
                moved = true;
            }
        if (!moved) return t;
    }
    return INT64_MAX;
}

struct gen {
    struct cs_store *st;
    const char *tenant;
    int64_t now_ms;
    struct rng rng;
    struct agent *agents;
    int nagents;
    struct cs_arena *a;
    json_object *batch;
    const struct cs_rp_resource *res;
    int64_t written;
    int64_t next_photo, next_video;
    json_object *photos, *videos;
    const struct cs_rp_demo *d;
    int64_t contacts; /* calls and chats made so far, for the progress callback */
};

static void progressed(struct gen *g)
{
    if (++g->contacts % 2000 == 0 && g->d->progress)
        g->d->progress(g->d->progress_ctx, g->contacts, g->d->calls + g->d->chats);
}

static int flush(struct gen *g)
{
    if (!g->batch || json_object_array_length(g->batch) == 0) return CS_OK;
    json_object *errors;
    int rc = cs_rp_import_check(g->res, g->batch, g->a, &errors);
    struct cs_rp_import_result r;
    if (!rc) rc = cs_rp_store_import(g->st, g->a, g->tenant, g->res, g->batch, g->now_ms, &r);
    if (!rc) g->written += (int64_t)json_object_array_length(g->batch);
    cs_arena_reset(g->a);
    g->batch = NULL;
    return rc;
}

static int emit(struct gen *g, const char *resource, json_object *rec)
{
    const struct cs_rp_resource *r = cs_rp_resource_find(resource);
    if (g->res != r) {
        int rc = flush(g);
        if (rc) {
            json_object_put(rec);
            return rc;
        }
        g->res = r;
    }
    if (!g->batch && !(g->batch = cs_json_array(g->a))) {
        json_object_put(rec);
        return CS_ERR_NOMEM;
    }
    json_object_array_add(g->batch, rec);
    return json_object_array_length(g->batch) >= BATCH ? flush(g) : CS_OK;
}

static void add_time(json_object *o, const char *key, int64_t ms)
{
    char iso[CS_ISO_MAX];
    cs_rp_time_str(ms, iso);
    json_object_object_add(o, key, json_object_new_string(iso));
}

static json_object *named(int64_t id, const char *name)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "name", json_object_new_string(name));
    return o;
}

static int directory(struct gen *g, int64_t start)
{
    static const char *const statuses[] = {"Available", "Break",   "Lunch",
                                           "Wrap-up",   "Offline", "In call"};
    int rc = CS_OK;
    for (int i = 0; !rc && i < 6; i++) {
        json_object *o = named(i + 1, statuses[i]);
        json_object_object_add(o, "active", json_object_new_boolean(1));
        json_object_object_add(
            o, "wfm_status",
            json_object_new_string(i == 0 || i == 5 ? "productive" : "unproductive"));
        add_time(o, "created_at", start);
        rc = emit(g, "user_statuses", o);
    }
    for (int i = 0; !rc && i < NTEAMS; i++) {
        json_object *o = named(i + 1, team_names[i]);
        if (team_parent[i])
            json_object_object_add(o, "parent_id", json_object_new_int64(team_parent[i]));
        json_object_object_add(o, "position", json_object_new_int64(i));
        add_time(o, "created_at", start);
        rc = emit(g, "teams", o);
    }
    for (int i = 0; !rc && i < NMENUS; i++) {
        json_object *o = named(i + 1, menu_names[i]);
        if (i) json_object_object_add(o, "parent_id", json_object_new_int64(1));
        json_object_object_add(o, "position", json_object_new_int64(i));
        json_object_object_add(o, "menu_type", json_object_new_string(i ? "queue" : "menu"));
        json_object_object_add(o, "channel", json_object_new_string("voice"));
        add_time(o, "created_at", start);
        rc = emit(g, "menus", o);
    }
    return rc;
}

static const char *first_of(int64_t id) { return first_names[(id - 1) % 20]; }
static const char *last_of(int64_t id) { return last_names[((id - 1) / 20 + (id - 1)) % 12]; }

static json_object *agent_info(const struct agent *ag)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(ag->id));
    json_object_object_add(o, "first_name", json_object_new_string(first_of(ag->id)));
    json_object_object_add(o, "last_name", json_object_new_string(last_of(ag->id)));
    return o;
}

static json_object *participant(int64_t id, const char *type, int64_t agent_id, int64_t on,
                                int64_t off)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "id", json_object_new_int64(id));
    json_object_object_add(p, "type", json_object_new_string(type));
    if (agent_id) json_object_object_add(p, "agent_id", json_object_new_int64(agent_id));
    json_object_object_add(p, "status", json_object_new_string("finished"));
    add_time(p, "connected_at", on);
    add_time(p, "ended_at", off);
    return p;
}

/* The team's agent who can answer first (ties: the lowest id). */
static struct agent *pick(struct gen *g, int team, int64_t t, int64_t limit, int64_t *avail,
                          const struct agent * not )
{
    struct agent *best = NULL;
    *avail = INT64_MAX;
    for (int i = 0; i < g->nagents; i++) {
        struct agent *ag = &g->agents[i];
        if (ag->team != team || ag == not ) continue;
        int64_t at = next_available(ag, t, limit);
        if (at < *avail) *avail = at, best = ag;
    }
    return best;
}

struct call_plan {
    int64_t id, created, queued, connecting, connected, ends, hold_ms;
    int menu;
    struct agent *agent;
    const char *status, *type, *finish, *by;
};

static json_object *call_base(struct gen *g, const struct call_plan *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(c->id));
    json_object_object_add(o, "call_type", json_object_new_string(c->type));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "lang", json_object_new_string("en"));
    add_time(o, "created_at", c->created);
    add_time(o, "queued_at", c->queued);
    if (c->connecting)
        add_time(o, "assigned_at", c->connecting), add_time(o, "connecting_at", c->connecting);
    if (c->connected) add_time(o, "connected_at", c->connected);
    add_time(o, "ends_at", c->ends);
    int64_t qend = c->connected ? c->connected : c->ends;
    json_object_object_add(o, "queue_duration",
                           json_object_new_double((double)(qend - c->queued) / 1000.0));
    if (c->connected) {
        json_object_object_add(o, "call_duration",
                               json_object_new_double((double)(c->ends - c->connected) / 1000.0));
        json_object_object_add(o, "hold_duration",
                               json_object_new_double((double)c->hold_ms / 1000.0));
    }
    json_object_object_add(o, "selected_menu", named(c->menu + 1, menu_names[c->menu]));
    json_object *path = json_object_new_array();
    json_object_array_add(path, named(1, menu_names[0]));
    json_object_array_add(path, named(c->menu + 1, menu_names[c->menu]));
    json_object_object_add(o, "menu_path", path);
    json_object *eu = json_object_new_object();
    json_object_object_add(eu, "id",
                           json_object_new_int64(100000 + (int64_t)(next64(&g->rng) % 900000)));
    json_object_object_add(o, "end_user", eu);
    json_object_object_add(o, "team_id", json_object_new_int64(menu_team[c->menu]));
    if (c->agent) json_object_object_add(o, "agent_info", agent_info(c->agent));
    json_object_object_add(o, "disconnected_by", json_object_new_string(c->by));
    json_object_object_add(o, "finish_reason", json_object_new_string(c->finish));
    return o;
}

/* Warm or cold transfer to Escalations, a supervisor joining, or a third party. */
static void extras(struct gen *g, struct call_plan *c, json_object *parts, json_object *xfers,
                   json_object *first)
{
    double u = unif(&g->rng);
    int64_t span = c->ends - c->connected;
    if (u < 0.07) {
        int64_t tx = c->connected + (int64_t)(span * between(&g->rng, 0.3, 0.7)), avail;
        struct agent *to = pick(g, 7, tx, tx + 2 * MIN_MS, &avail, c->agent);
        if (!to || avail == INT64_MAX) return;
        int64_t on = avail + (int64_t)between(&g->rng, 5000, 30000);
        bool warm = unif(&g->rng) < 0.5;
        int64_t first_off = warm ? on + (int64_t)between(&g->rng, 20000, 90000) : tx;
        c->ends = on + lognormal_ms(&g->rng, 240, 0.5);
        if (first_off > c->ends) first_off = c->ends;
        if (!warm) c->hold_ms += on - tx;
        json_object_object_del(first, "ended_at");
        add_time(first, "ended_at", first_off);
        json_object_array_add(parts, participant(c->id * 10 + 3, "agent", to->id, on, c->ends));
        json_object *t = json_object_new_object();
        json_object_object_add(t, "id", json_object_new_int64(c->id * 10 + 1));
        json_object_object_add(t, "from_agent_id", json_object_new_int64(c->agent->id));
        json_object_object_add(t, "to_agent_id", json_object_new_int64(to->id));
        json_object_object_add(t, "participant_id", json_object_new_int64(c->id * 10 + 3));
        json_object_object_add(t, "transfer_type", json_object_new_string(warm ? "warm" : "cold"));
        add_time(t, "created_at", tx);
        json_object_array_add(xfers, t);
        to->free_at = c->ends + 30000;
        to->calls++;
    } else if (u < 0.10) {
        int64_t on = c->connected + (int64_t)(span * between(&g->rng, 0.2, 0.5));
        int64_t off = on + (int64_t)between(&g->rng, 60000, 180000);
        struct agent *sup = &g->agents[(c->agent - g->agents + 1) % g->nagents];
        json_object_array_add(parts, participant(c->id * 10 + 4, "agent", sup->id, on,
                                                 off < c->ends ? off : c->ends));
    } else if (u < 0.13) {
        int64_t on = c->connected + (int64_t)(span * between(&g->rng, 0.2, 0.5));
        int64_t off = on + (int64_t)between(&g->rng, 60000, 300000);
        json_object_array_add(parts, participant(c->id * 10 + 5, "third_party", 0, on,
                                                 off < c->ends ? off : c->ends));
    }
}

static int media(struct gen *g, const struct call_plan *c)
{
    double u = unif(&g->rng);
    if (u >= 0.006 || !c->connected) return CS_OK;
    bool video = u < 0.001;
    json_object *o = json_object_new_object();
    int64_t id = video ? ++g->next_video : ++g->next_photo;
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "call_id", json_object_new_int64(c->id));
    json_object_object_add(o, "url",
                           json_object_new_string(video ? "https://media.example/videos/v.mp4"
                                                        : "https://media.example/photos/p.jpg"));
    json_object_object_add(o, "content_type",
                           json_object_new_string(video ? "video/mp4" : "image/jpeg"));
    json_object_object_add(o, "size", json_object_new_int64((int64_t)between(&g->rng, 2e5, 4e6)));
    if (video)
        json_object_object_add(o, "duration",
                               json_object_new_double(round(between(&g->rng, 5, 60))));
    add_time(o, "created_at", c->connected + 10000);
    json_object_array_add(video ? g->videos : g->photos, o);
    return CS_OK;
}

static int one_call(struct gen *g, int64_t id, int64_t created)
{
    struct call_plan c = {.id = id,
                          .created = created,
                          .status = "finished",
                          .type = "inbound",
                          .finish = "completed",
                          .by = "end_user"};
    double u = unif(&g->rng), acc = 0;
    c.menu = NMENUS - 1;
    for (int m = 1; m < NMENUS; m++)
        if (u < (acc += menu_share[m])) {
            c.menu = m;
            break;
        }
    c.queued = created + lognormal_ms(&g->rng, 35, 0.4);
    int64_t patience = (int64_t)(-log(1.0 - unif(&g->rng) * 0.999) * 150000.0) + 5000;
    int64_t avail;
    struct agent *ag = pick(g, menu_team[c.menu], c.queued, c.queued + HOUR_MS, &avail, NULL);
    json_object *parts = json_object_new_array(), *xfers = json_object_new_array();
    json_object *eu = NULL, *first = NULL;
    if (!ag || avail > c.queued + HOUR_MS) {
        c.type = "voicemail", c.status = "voicemail", c.finish = "voicemail";
        c.ends = c.queued + (int64_t)between(&g->rng, 20000, 90000);
    } else if (avail - c.queued > patience) {
        c.status = "abandoned", c.finish = "abandoned";
        c.ends = c.queued + patience;
    } else {
        c.agent = ag;
        c.connecting = avail;
        c.connected = avail + (int64_t)between(&g->rng, 3000, 15000);
        c.ends = c.connected + lognormal_ms(&g->rng, 300, 0.6);
        if (unif(&g->rng) < 0.25) c.hold_ms = (int64_t)between(&g->rng, 10000, 120000);
        if (c.hold_ms > c.ends - c.connected) c.hold_ms = c.ends - c.connected;
        first = participant(id * 10 + 2, "agent", ag->id, c.connected, c.ends);
        json_object_array_add(parts, first);
        extras(g, &c, parts, xfers, first);
        ag->free_at = c.ends + (int64_t)between(&g->rng, 20000, 60000);
        ag->calls++;
        if (unif(&g->rng) < 0.5) c.by = "agent";
    }
    eu = participant(id * 10 + 1, "end_user", 0, created, c.ends);
    json_object_array_add(parts, eu);
    json_object *o = call_base(g, &c);
    json_object_object_add(o, "participants", parts);
    json_object_object_add(o, "transfers", xfers);
    if (c.connected) {
        json_object_object_add(o, "recording_url",
                               json_object_new_string("https://recordings.example/calls/rec.mp3"));
        if (unif(&g->rng) < 0.3)
            json_object_object_add(o, "rating",
                                   json_object_new_int64(1 + (int64_t)(next64(&g->rng) % 5)));
    }
    int rc = media(g, &c);
    progressed(g);
    return rc ? rc : emit(g, "calls", o);
}

/* Calls per (day, hour) slot in proportion to the weights, rounded so they sum to
 * exactly `calls`; arrival times uniform within the slot, in order. */
static int calls(struct gen *g, int64_t start, int days, int64_t ncalls)
{
    double total = 0;
    for (int d = 0; d < days; d++)
        for (int h = 0; h < 24; h++) total += weekday_w[weekday_of(start + d * DAY_MS)] * hour_w[h];
    double acc = 0;
    int64_t done = 0, id = 0;
    for (int d = 0; d < days; d++)
        for (int h = 0; h < 24; h++) {
            acc += weekday_w[weekday_of(start + d * DAY_MS)] * hour_w[h];
            int64_t upto = (int64_t)llround(acc / total * (double)ncalls), n = upto - done;
            int64_t base = start + d * DAY_MS + h * HOUR_MS;
            int64_t *at = n > 0 ? malloc((size_t)n * sizeof(*at)) : NULL;
            if (n > 0 && !at) return CS_ERR_NOMEM;
            for (int64_t i = 0; i < n; i++) at[i] = base + (int64_t)(next64(&g->rng) % HOUR_MS);
            for (int64_t i = 1; i < n; i++) /* insertion sort: a slot holds few hundred */
                for (int64_t j = i; j > 0 && at[j - 1] > at[j]; j--) {
                    int64_t t = at[j];
                    at[j] = at[j - 1], at[j - 1] = t;
                }
            int rc = CS_OK;
            for (int64_t i = 0; !rc && i < n; i++) rc = one_call(g, ++id, at[i]);
            free(at);
            if (rc) return rc;
            done = upto;
        }
    return CS_OK;
}

/* ---- chats ---- */

/* Chats reach the Billing, Orders and Technical queues; agents answer them between
 * calls on the same shifts (their own availability: a chat does not wait for calls). */
static const int chat_menu[3] = {1, 2, 3};

static struct agent *pick_chat(struct gen *g, int team, int64_t t, int64_t limit, int64_t *free_at,
                               int64_t *avail, const struct agent * not )
{
    struct agent *best = NULL;
    *avail = INT64_MAX;
    for (int i = 0; i < g->nagents; i++) {
        struct agent ag = g->agents[i];
        if (ag.team != team || &g->agents[i] == not ) continue;
        ag.free_at = free_at[i];
        int64_t at = next_available(&ag, t, limit);
        if (at < *avail) *avail = at, best = &g->agents[i];
    }
    return best;
}

static void chat_times(json_object *o, int64_t created, int64_t queued, int64_t first_msg)
{
    add_time(o, "created_at", created);
    add_time(o, "queued_at", queued);
    add_time(o, "first_msg_sent_at", first_msg);
}

/* One chat: the customer types first, waits in the queue (abandons past their
 * patience), an agent answers; message count and response time are lognormal, some
 * chats move to the Escalations team (a transfer). */
static int one_chat(struct gen *g, struct rng *r, int64_t id, int64_t created, int64_t *free_at)
{
    int menu = chat_menu[next64(r) % 3];
    int64_t first_msg = created + (int64_t)between(r, 3000, 40000);
    int64_t queued = first_msg + (int64_t)between(r, 500, 3000);
    int64_t patience = (int64_t)(-log(1.0 - unif(r) * 0.999) * 240000.0) + 10000, avail;
    struct agent *ag =
        pick_chat(g, menu_team[menu], queued, queued + HOUR_MS, free_at, &avail, NULL);
    json_object *o = json_object_new_object(), *parts = json_object_new_array(),
                *xfers = json_object_new_array();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "chat_type",
                           json_object_new_string(unif(r) < 0.7 ? "web" : "mobile"));
    json_object_object_add(o, "lang", json_object_new_string("en"));
    chat_times(o, created, queued, first_msg);
    json_object_object_add(o, "selected_menu", named(menu + 1, menu_names[menu]));
    json_object_object_add(o, "team_id", json_object_new_int64(menu_team[menu]));
    json_object *eu = json_object_new_object();
    json_object_object_add(eu, "id", json_object_new_int64(100000 + (int64_t)(next64(r) % 900000)));
    json_object_object_add(o, "end_user", eu);
    int64_t ends;
    if (!ag || avail - queued > patience) {
        ends = queued + (ag ? patience : (int64_t)between(r, 60000, 300000));
        json_object_object_add(o, "status", json_object_new_string("abandoned"));
        json_object_object_add(o, "finish_reason", json_object_new_string("abandoned"));
        json_object_object_add(o, "message_count",
                               json_object_new_int64(1 + (int64_t)(next64(r) % 3)));
        json_object_object_add(o, "queue_duration",
                               json_object_new_double((double)(ends - queued) / 1000.0));
    } else {
        int64_t connected = avail + (int64_t)between(r, 1000, 8000);
        int64_t nmsg = 2 + lognormal_ms(r, 12, 0.5) / 1000;
        double resp = (double)lognormal_ms(r, 35, 0.6) / 1000.0;
        ends = connected + (int64_t)((double)nmsg * resp * 1000.0 * between(r, 1.2, 2.0));
        json_object *first = participant(id * 10 + 2, "agent", ag->id, connected, ends);
        json_object_array_add(parts, first);
        if (unif(r) < 0.08) {
            int64_t tx = connected + (ends - connected) / 2, av2;
            struct agent *to = pick_chat(g, 7, tx, tx + 2 * MIN_MS, free_at, &av2, ag);
            if (to && av2 != INT64_MAX) {
                int64_t on = av2 + (int64_t)between(r, 5000, 20000);
                ends = on + lognormal_ms(r, 300, 0.5);
                json_object_object_del(first, "ended_at");
                add_time(first, "ended_at", tx);
                json_object_array_add(parts, participant(id * 10 + 3, "agent", to->id, on, ends));
                json_object *t = json_object_new_object();
                json_object_object_add(t, "id", json_object_new_int64(id * 10 + 1));
                json_object_object_add(t, "from_agent_id", json_object_new_int64(ag->id));
                json_object_object_add(t, "to_agent_id", json_object_new_int64(to->id));
                json_object_object_add(t, "participant_id", json_object_new_int64(id * 10 + 3));
                json_object_object_add(t, "transfer_type", json_object_new_string("warm"));
                add_time(t, "created_at", tx);
                json_object_array_add(xfers, t);
                free_at[to - g->agents] = ends;
                to->chats++;
            }
        }
        /* An agent holds up to three chats: the next one can start a third of the way in. */
        free_at[ag - g->agents] = connected + (ends - connected) / 3;
        ag->chats++;
        json_object_object_add(o, "status", json_object_new_string("finished"));
        json_object_object_add(o, "finish_reason", json_object_new_string("completed"));
        add_time(o, "assigned_at", avail);
        add_time(o, "connected_at", connected);
        json_object_object_add(o, "queue_duration",
                               json_object_new_double((double)(connected - queued) / 1000.0));
        json_object_object_add(o, "message_count", json_object_new_int64(nmsg));
        json_object_object_add(o, "average_response_time",
                               json_object_new_double(round(resp * 1000.0) / 1000.0));
        json_object_object_add(o, "agent_info", agent_info(ag));
        if (unif(r) < 0.25)
            json_object_object_add(o, "rating",
                                   json_object_new_int64(1 + (int64_t)(next64(r) % 5)));
    }
    add_time(o, "ends_at", ends);
    json_object_object_add(o, "chat_duration",
                           json_object_new_double((double)(ends - created) / 1000.0));
    json_object_array_add(parts, participant(id * 10 + 1, "end_user", 0, first_msg, ends));
    json_object_object_add(o, "participants", parts);
    json_object_object_add(o, "transfers", xfers);
    json_object_object_add(o, "disconnected_by", json_object_new_string("end_user"));
    progressed(g);
    return emit(g, "chats", o);
}

/* Chats by the same weekday and hour weights as calls, from their own stream. */
static int chats(struct gen *g, int64_t start, int days, int64_t nchats, uint64_t seed)
{
    if (nchats <= 0) return CS_OK;
    struct rng r;
    uint64_t x = seed ^ 0x63686174735f7631ULL; /* "chats_v1": a stream apart from the calls' */
    for (int i = 0; i < 4; i++) r.s[i] = splitmix(&x);
    int64_t *free_at = calloc((size_t)g->nagents, sizeof(*free_at));
    if (!free_at) return CS_ERR_NOMEM;
    double total = 0, acc = 0;
    for (int d = 0; d < days; d++)
        for (int h = 0; h < 24; h++) total += weekday_w[weekday_of(start + d * DAY_MS)] * hour_w[h];
    int64_t done = 0, id = 0;
    int rc = CS_OK;
    for (int d = 0; !rc && d < days; d++)
        for (int h = 0; !rc && h < 24; h++) {
            acc += weekday_w[weekday_of(start + d * DAY_MS)] * hour_w[h];
            int64_t upto = (int64_t)llround(acc / total * (double)nchats), n = upto - done;
            int64_t base = start + d * DAY_MS + h * HOUR_MS, step = n > 0 ? HOUR_MS / n : HOUR_MS;
            /* Evenly spread with a jitter inside each share: in order without a sort. */
            for (int64_t i = 0; !rc && i < n; i++)
                rc = one_chat(g, &r, ++id, base + i * step + (int64_t)(next64(&r) % (uint64_t)step),
                              free_at);
            done = upto;
        }
    free(free_at);
    return rc;
}

static int activity(struct gen *g, int64_t start, int days)
{
    static const char *const names[] = {"Available", "Break", "Available", "Lunch",
                                        "Available", "Break", "Available", "Offline"};
    int64_t id = 0;
    int rc = CS_OK;
    for (int d = 0; !rc && d < days; d++)
        for (int i = 0; !rc && i < g->nagents; i++) {
            const struct agent *ag = &g->agents[i];
            int64_t day = start + d * DAY_MS, s = day + ag->shift_hour * HOUR_MS;
            if (!works(ag, day)) continue;
            int64_t edges[9] = {s,
                                s + break_at[0],
                                s + break_at[0] + break_len[0],
                                s + break_at[1],
                                s + break_at[1] + break_len[1],
                                s + break_at[2],
                                s + break_at[2] + break_len[2],
                                s + 8 * HOUR_MS,
                                s + 8 * HOUR_MS};
            for (int k = 0; !rc && k < 8; k++) {
                json_object *o = json_object_new_object();
                int64_t end = k < 7 ? edges[k + 1] : day + DAY_MS;
                json_object_object_add(o, "id", json_object_new_int64(++id));
                json_object_object_add(o, "agent_id", json_object_new_int64(ag->id));
                json_object_object_add(o, "status", json_object_new_string(names[k]));
                json_object_object_add(o, "activity",
                                       json_object_new_string(k == 7 ? "logout" : "status_change"));
                add_time(o, "started_at", edges[k]);
                add_time(o, "ended_at", end);
                json_object_object_add(o, "duration",
                                       json_object_new_double((double)(end - edges[k]) / 1000.0));
                add_time(o, "created_at", edges[k]);
                rc = emit(g, "agent_activity_logs", o);
            }
        }
    return rc;
}

static int agents_out(struct gen *g, int64_t start, int64_t end)
{
    int rc = CS_OK;
    for (int i = 0; !rc && i < g->nagents; i++) {
        const struct agent *ag = &g->agents[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_int64(ag->id));
        json_object_object_add(o, "first_name", json_object_new_string(first_of(ag->id)));
        json_object_object_add(o, "last_name", json_object_new_string(last_of(ag->id)));
        json_object_object_add(o, "email",
                               json_object_new_string(cs_arena_printf(
                                   g->a, "agent%lld@demo.example", (long long)ag->id)));
        json_object_object_add(
            o, "agent_number",
            json_object_new_string(cs_arena_printf(g->a, "A%04lld", (long long)ag->id)));
        json_object_object_add(o, "status", named(5, "Offline"));
        json_object_object_add(o, "status_id", json_object_new_int64(5));
        add_time(o, "status_updated_at", end);
        json_object_object_add(o, "online", json_object_new_boolean(0));
        json_object *teams = json_object_new_array();
        json_object_array_add(teams, named(ag->team, team_names[ag->team - 1]));
        json_object_object_add(o, "teams", teams);
        json_object *ch = json_object_new_array();
        json_object_array_add(ch, json_object_new_string("voice"));
        if (ag->chats) json_object_array_add(ch, json_object_new_string("chat"));
        json_object_object_add(o, "channels", ch);
        json_object *roles = json_object_new_array();
        json_object_array_add(roles,
                              json_object_new_string(ag->team == 7 ? "supervisor" : "agent"));
        json_object_object_add(o, "roles", roles);
        json_object_object_add(o, "call_count", json_object_new_int64(ag->calls));
        json_object_object_add(o, "chat_count", json_object_new_int64(ag->chats));
        add_time(o, "created_at", start);
        rc = emit(g, "agents", o);
    }
    return rc;
}

static int media_out(struct gen *g)
{
    int rc = CS_OK;
    json_object *lists[2] = {g->photos, g->videos};
    const char *names[2] = {"photos", "videos"};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; !rc && i < json_object_array_length(lists[k]); i++)
            rc = emit(g, names[k], json_object_get(json_object_array_get_idx(lists[k], i)));
    return rc;
}

int cs_rp_demo_generate(struct cs_store *st, const char *tenant, const struct cs_rp_demo *d,
                        int64_t now_ms, int64_t *written)
{
    *written = 0;
    if (d->days < 1 || d->days > 3660 || d->agents < 5 || d->agents > 100000 || d->calls < 0 ||
        d->chats < 0)
        return CS_ERR_INVALID;
    struct gen g = {.st = st, .tenant = tenant, .now_ms = now_ms, .nagents = d->agents, .d = d};
    uint64_t x = d->seed;
    for (int i = 0; i < 4; i++) g.rng.s[i] = splitmix(&x);
    g.agents = calloc((size_t)d->agents, sizeof(*g.agents));
    g.a = cs_arena_new(0);
    g.photos = json_object_new_array();
    g.videos = json_object_new_array();
    int rc = g.agents && g.a && g.photos && g.videos ? CS_OK : CS_ERR_NOMEM;
    static const int shifts[4] = {7, 9, 11, 13};
    for (int i = 0; !rc && i < d->agents; i++)
        g.agents[i] = (struct agent){.id = i + 1,
                                     .team = 4 + i % 5,
                                     .shift_hour = shifts[(i / 5) % 4],
                                     .weekend = i % 4 == 3};
    int64_t end = d->end_ms - d->end_ms % DAY_MS, start = end - d->days * DAY_MS;
    if (!rc) rc = directory(&g, start);
    if (!rc) rc = calls(&g, start, d->days, d->calls);
    if (!rc) rc = chats(&g, start, d->days, d->chats, d->seed);
    if (!rc) rc = media_out(&g);
    if (!rc) rc = activity(&g, start, d->days);
    if (!rc) rc = agents_out(&g, start, end);
    if (!rc) rc = flush(&g);
    *written = g.written;
    json_object_put(g.photos), json_object_put(g.videos);
    if (g.batch) cs_arena_reset(g.a);
    cs_arena_destroy(g.a);
    free(g.agents);
    return rc;
}
