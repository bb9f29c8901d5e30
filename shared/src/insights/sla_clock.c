/* The tenant's SLA clock (cs/tenant_models.h): business seconds between two instants
 * and the due time of a target, over weekly opening hours on the wall clock of the
 * tenant's IANA time zone (cs/tz.h, the zone its summaries use) and a list of closed
 * local dates. A day's window is found from its local date: opening and closing are
 * wall times converted to instants with the zone's rules, so a DST change inside a day
 * lengthens or shortens that day's window by the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/clock.h"
#include "cs/insights.h"
#include "cs/json.h"
#include "cs/tenant_models.h"
#include "cs/tz.h"

#define DAY_MS 86400000LL
#define MIN_MS 60000LL
/* Walking the calendar stops after ten years: a target never met within them is never met. */
#define MAX_DAYS 3660

void cs_bh_always(struct cs_business_hours *bh)
{
    memset(bh, 0, sizeof(*bh));
    bh->always = true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ISO weekday index 0 (Monday) .. 6 of a day since the epoch (1970-01-01 was a Thursday). */
static int weekday(int64_t day) { return (int)(((day % 7) + 7 + 3) % 7); }

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static bool holiday(const struct cs_business_hours *bh, int64_t day)
{
    int32_t d = (int32_t)day;
    return bh->nholidays && bsearch(&d, bh->holidays, bh->nholidays, sizeof(d), cmp_i32) != NULL;
}

/* Local wall time (ms since 1970-01-01 local) to the instant, in the clock's zone. */
static int64_t utc_of(const struct cs_business_hours *bh, int64_t local_ms)
{
    return bh->tz ? cs_tz_utc_of_local(bh->tz, local_ms) : local_ms;
}

/* The open window of local day `day` in UTC ms; false when closed all day. */
static bool window(const struct cs_business_hours *bh, int64_t day, int64_t *lo, int64_t *hi)
{
    if (!(bh->days & (1u << weekday(day))) || holiday(bh, day)) return false;
    *lo = utc_of(bh, day * DAY_MS + bh->open_min * MIN_MS);
    *hi = utc_of(bh, day * DAY_MS + bh->close_min * MIN_MS);
    return *hi > *lo;
}

/* Instants far outside any calendar (a damaged stored time) are held to about +-30,000
 * years, so the local-day arithmetic below cannot overflow. */
#define FAR_MS 1000000000000000LL

static int64_t clamp_ms(int64_t ms) { return ms > FAR_MS ? FAR_MS : ms < -FAR_MS ? -FAR_MS : ms; }

static int64_t local_day(const struct cs_business_hours *bh, int64_t ms)
{
    return floor_div(bh->tz ? cs_tz_local_ms(bh->tz, ms) : ms, DAY_MS);
}

double cs_bh_seconds(const struct cs_business_hours *bh, int64_t from_ms, int64_t to_ms)
{
    from_ms = clamp_ms(from_ms), to_ms = clamp_ms(to_ms);
    if (to_ms <= from_ms) return 0;
    if (bh->always) return (double)(to_ms - from_ms) / 1000.0;
    int64_t total = 0, first = local_day(bh, from_ms), last = local_day(bh, to_ms);
    /* Whole weeks in the middle count the same every time except for holidays, but a
     * day-by-day walk over a few years is a few thousand steps: kept simple. */
    if (last - first > 20 * 366) last = first + 20 * 366;
    for (int64_t d = first; d <= last; d++) {
        int64_t lo, hi;
        if (!window(bh, d, &lo, &hi)) continue;
        if (lo < from_ms) lo = from_ms;
        if (hi > to_ms) hi = to_ms;
        if (hi > lo) total += hi - lo;
    }
    return (double)total / 1000.0;
}

int64_t cs_bh_due(const struct cs_business_hours *bh, int64_t from_ms, double seconds)
{
    from_ms = clamp_ms(from_ms);
    if (!(seconds < 1e12)) return INT64_MAX; /* also NaN */
    int64_t need = (int64_t)(seconds * 1000.0 + 0.5);
    if (need <= 0) return from_ms;
    if (bh->always) return from_ms + need;
    int64_t d = local_day(bh, from_ms);
    for (int i = 0; i < MAX_DAYS; i++, d++) {
        int64_t lo, hi;
        if (!window(bh, d, &lo, &hi)) continue;
        if (lo < from_ms) lo = from_ms;
        if (hi <= lo) continue;
        if (hi - lo >= need) return lo + need;
        need -= hi - lo;
    }
    return INT64_MAX;
}

bool cs_bh_open_at(const struct cs_business_hours *bh, int64_t at_ms)
{
    if (bh->always) return true;
    at_ms = clamp_ms(at_ms);
    int64_t lo, hi;
    return window(bh, local_day(bh, at_ms), &lo, &hi) && at_ms >= lo && at_ms < hi;
}

/* ---- reading the configuration ---- */

/* "HH:MM" (00:00..24:00) into minutes. */
static bool parse_hhmm(const char *s, int *out)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return false;
    *out = h * 60 + m;
    return true;
}

static int read_days(json_object *arr, uint8_t *days)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    *days = 0;
    if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0 ||
        json_object_array_length(arr) > 7)
        return CS_ERR_VALIDATION;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        size_t k = 0;
        while (s && k < 7 && strcmp(s, names[k]) != 0) k++;
        if (!s || k == 7 || (*days & (1u << k))) return CS_ERR_VALIDATION;
        *days |= (uint8_t)(1u << k);
    }
    return CS_OK;
}

static int read_hours(json_object *o, struct cs_business_hours *bh, const char **field,
                      const char **why)
{
    json_object *v;
    if (!json_object_is_type(o, json_type_object))
        return *field = "business_hours", *why = "Input should be an object or null",
               CS_ERR_VALIDATION;
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        /* The zone is the tenant's one setting (top-level time_zone); a fixed offset
         * saved before it existed is read by cs_insights_cfg_read (legacy_zone). */
        if (strcmp(key, "utc_offset") == 0) continue;
        if (strcmp(key, "days") && strcmp(key, "open") && strcmp(key, "close"))
            return *field = "business_hours", *why = "Unknown field: give days, open, close",
                   CS_ERR_VALIDATION;
    }
    bh->always = false;
    if (!json_object_object_get_ex(o, "days", &v) || read_days(v, &bh->days))
        return *field = "business_hours.days",
               *why = "Input should list distinct days from mon..sun", CS_ERR_VALIDATION;
    if (!json_object_object_get_ex(o, "open", &v) || !json_object_is_type(v, json_type_string) ||
        !parse_hhmm(json_object_get_string(v), &bh->open_min))
        return *field = "business_hours.open", *why = "Input should be a time HH:MM",
               CS_ERR_VALIDATION;
    if (!json_object_object_get_ex(o, "close", &v) || !json_object_is_type(v, json_type_string) ||
        !parse_hhmm(json_object_get_string(v), &bh->close_min) || bh->close_min <= bh->open_min)
        return *field = "business_hours.close",
               *why = "Input should be a time HH:MM after open (same day)", CS_ERR_VALIDATION;
    return CS_OK;
}

static int read_holidays(json_object *arr, struct cs_business_hours *bh, const char **field,
                         const char **why)
{
    *field = "holidays";
    if (!json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) > CS_BH_MAX_HOLIDAYS)
        return *why = "Input should be a list of at most 366 dates YYYY-MM-DD", CS_ERR_VALIDATION;
    bh->nholidays = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        int64_t ms;
        if (!s || strlen(s) != 10 || cs_time_parse_iso(s, &ms))
            return *why = "Input should be a list of dates YYYY-MM-DD", CS_ERR_VALIDATION;
        /* The date names a local day of the tenant's zone: its day number as if UTC is
         * that local day's number (local_day counts wall-clock days). */
        bh->holidays[bh->nholidays++] = (int32_t)floor_div(ms, DAY_MS);
    }
    qsort(bh->holidays, bh->nholidays, sizeof(*bh->holidays), cmp_i32);
    return CS_OK;
}

int cs_bh_read(json_object *cfg, struct cs_business_hours *bh, const char **field, const char **why)
{
    cs_bh_always(bh);
    json_object *v;
    int rc = CS_OK;
    if (json_object_object_get_ex(cfg, "business_hours", &v) &&
        !json_object_is_type(v, json_type_null))
        rc = read_hours(v, bh, field, why);
    if (!rc && json_object_object_get_ex(cfg, "holidays", &v) &&
        !json_object_is_type(v, json_type_null))
        rc = read_holidays(v, bh, field, why);
    return rc;
}

static int read_threshold(json_object *t, const char *key, double *out, const char **field,
                          const char **why)
{
    json_object *v;
    *out = CS_TM_DEFAULT_THRESHOLD;
    if (!t || !json_object_object_get_ex(t, key, &v) || json_object_is_type(v, json_type_null))
        return CS_OK;
    double d = json_object_get_double(v);
    if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
        !(d > 0 && d <= 1)) {
        *field = strcmp(key, "churn") == 0 ? "thresholds.churn" : "thresholds.sla_breach";
        *why = "Input should be a number in (0, 1]";
        return CS_ERR_VALIDATION;
    }
    *out = d;
    return CS_OK;
}

/* "Z", "+hh:mm" or "-hh:mm" in whole hours within -12..+14, as the fixed offset of the
 * configurations saved before the clock followed an IANA zone; false otherwise. */
static bool whole_hour_offset(const char *s, int *hours)
{
    if (s && strcmp(s, "Z") == 0) return *hours = 0, true;
    if (!s || strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || s[4] != '0' ||
        s[5] != '0' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
        return false;
    int h = (s[1] - '0') * 10 + (s[2] - '0');
    *hours = s[0] == '-' ? -h : h;
    return *hours >= -12 && *hours <= 14;
}

/* Configurations saved before the SLA clock followed the tenant's IANA zone carry a fixed
 * business_hours.utc_offset. Read back (or sent again by an older client) without a
 * time_zone, the offset becomes the Etc zone of that offset, so a stored configuration
 * keeps working unchanged; a time_zone given beside it wins. tzdata's Etc zones have
 * POSIX signs: UTC+02:00 is Etc/GMT-2. Offsets no Etc zone names (+05:30) are refused
 * with the way to fix them. */
static int legacy_zone(json_object *body, struct cs_insights_cfg *cfg, const char **field,
                       const char **why)
{
    json_object *bh, *off, *z;
    if (!json_object_object_get_ex(body, "business_hours", &bh) ||
        !json_object_object_get_ex(bh, "utc_offset", &off))
        return CS_OK;
    if (json_object_object_get_ex(body, "time_zone", &z) && !json_object_is_type(z, json_type_null))
        return CS_OK;
    int h = 0;
    if (!json_object_is_type(off, json_type_string) ||
        !whole_hour_offset(json_object_get_string(off), &h))
        return *field = "business_hours.utc_offset",
               *why = "utc_offset is replaced by the top-level IANA time_zone (such as "
                      "Asia/Kolkata); only whole-hour offsets are still read",
               CS_ERR_VALIDATION;
    if (h == 0)
        snprintf(cfg->time_zone, sizeof(cfg->time_zone), "UTC");
    else
        snprintf(cfg->time_zone, sizeof(cfg->time_zone), "Etc/GMT%+d", -h);
    return CS_OK;
}

int cs_insights_cfg_read(json_object *body, struct cs_insights_cfg *cfg, const char **field,
                         const char **why)
{
    memset(cfg, 0, sizeof(*cfg));
    if (!json_object_is_type(body, json_type_object))
        return *field = "body", *why = "Input should be a valid object", CS_ERR_VALIDATION;
    json_object_object_foreach(body, key, val)
    {
        (void)val;
        if (strcmp(key, "business_hours") && strcmp(key, "holidays") && strcmp(key, "thresholds") &&
            strcmp(key, "time_zone") && strcmp(key, "max_workload"))
            return *field = "body",
                   *why = "Unknown field: give business_hours, holidays, thresholds, time_zone, "
                          "max_workload",
                   CS_ERR_VALIDATION;
    }
    cfg->max_workload = CS_INSIGHTS_DEFAULT_MAX_WORKLOAD;
    json_object *mw;
    if (json_object_object_get_ex(body, "max_workload", &mw) &&
        !json_object_is_type(mw, json_type_null)) {
        int64_t n = json_object_get_int64(mw);
        if (!json_object_is_type(mw, json_type_int) || n < 1 || n > 1000)
            return *field = "max_workload", *why = "Input should be an integer 1..1000",
                   CS_ERR_VALIDATION;
        cfg->max_workload = n;
    }
    int rc = cs_bh_read(body, &cfg->bh, field, why);
    if (!rc) rc = legacy_zone(body, cfg, field, why);
    json_object *z;
    if (!rc && json_object_object_get_ex(body, "time_zone", &z) &&
        !json_object_is_type(z, json_type_null)) {
        struct cs_tz *tz = NULL;
        const char *name =
            json_object_is_type(z, json_type_string) ? json_object_get_string(z) : NULL;
        if (!name || strlen(name) >= sizeof(cfg->time_zone) || cs_tz_load(name, &tz))
            return *field = "time_zone",
                   *why = "Input should be an IANA time zone name such as Europe/Berlin",
                   CS_ERR_VALIDATION;
        cs_tz_free(tz);
        snprintf(cfg->time_zone, sizeof(cfg->time_zone), "%s", name);
    }
    json_object *t = NULL;
    if (!rc && json_object_object_get_ex(body, "thresholds", &t) &&
        !json_object_is_type(t, json_type_null) && !json_object_is_type(t, json_type_object))
        return *field = "thresholds", *why = "Input should be an object {sla_breach, churn}",
               CS_ERR_VALIDATION;
    if (t && json_object_is_type(t, json_type_null)) t = NULL;
    if (!rc) rc = read_threshold(t, "sla_breach", &cfg->sla_threshold, field, why);
    if (!rc) rc = read_threshold(t, "churn", &cfg->churn_threshold, field, why);
    return rc;
}
