/* IANA time zones from the system's compiled zone files (RFC 8536, TZif); see cs/tz.h
 * for why not libc or ICU. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define TZIF_MAX (1 << 20) /* the largest real zone file is under 4 KB */
#define DAY_S 86400LL

struct cs_tz {
    char name[CS_TZ_NAME_MAX];
    size_t n;       /* transitions */
    int64_t *at;    /* transition times, Unix seconds, ascending */
    int32_t *off;   /* offset in force from at[i] */
    int32_t before; /* offset before the first transition */
};

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CS_TZ_NAME_MAX || s[0] == '/' || s[n - 1] == '/' || strstr(s, "//"))
        return false;
    /* No '.', so no path can leave the zone folder. */
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_-+/", *p)) return false;
    return true;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}
static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses the file's data block (64-bit times for version 2+, else 32-bit). */
static int parse(const unsigned char *b, size_t len, struct cs_tz *tz)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0) return CS_ERR_INVALID;
    int tsize = 4;
    const unsigned char *h = b;
    uint32_t c[6];
    for (int i = 0; i < 6; i++) c[i] = be32(h + 20 + 4 * i);
    if (b[4] >= '2') { /* skip the 32-bit block to the second header */
        size_t v1 = (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
        if (44 + v1 + 44 > len) return CS_ERR_INVALID;
        h = b + 44 + v1;
        if (memcmp(h, "TZif", 4) != 0) return CS_ERR_INVALID;
        for (int i = 0; i < 6; i++) c[i] = be32(h + 20 + 4 * i);
        tsize = 8;
    }
    uint32_t timecnt = c[3], typecnt = c[4];
    size_t at = (size_t)(h - b) + 44; /* offsets, so no pointer ever leaves the buffer */
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 ||
        at + (size_t)timecnt * (size_t)(tsize + 1) + (size_t)typecnt * 6 > len)
        return CS_ERR_INVALID;
    const unsigned char *times = b + at, *idx = times + (size_t)timecnt * tsize,
                        *types = idx + timecnt;
    tz->n = timecnt;
    tz->at = calloc(timecnt + 1, sizeof(*tz->at));
    tz->off = calloc(timecnt + 1, sizeof(*tz->off));
    if (!tz->at || !tz->off) return CS_ERR_NOMEM;
    tz->before = (int32_t)be32(types); /* time type 0 (RFC 8536 3.2) */
    for (uint32_t i = 0; i < timecnt; i++) {
        tz->at[i] = tsize == 8 ? be64(times + 8 * (size_t)i) : (int32_t)be32(times + 4 * (size_t)i);
        if (idx[i] >= typecnt || (i && tz->at[i] <= tz->at[i - 1])) return CS_ERR_INVALID;
        tz->off[i] = (int32_t)be32(types + 6 * (size_t)idx[i]);
    }
    return CS_OK;
}

int cs_tz_parse(const unsigned char *buf, size_t len, struct cs_tz **out)
{
    *out = NULL;
    struct cs_tz *tz = calloc(1, sizeof(*tz));
    if (!tz) return CS_ERR_NOMEM;
    snprintf(tz->name, sizeof(tz->name), "%s", "(parsed)");
    int rc = parse(buf, len, tz);
    if (rc) {
        cs_tz_free(tz);
        return rc;
    }
    *out = tz;
    return CS_OK;
}

int cs_tz_load(const char *name, struct cs_tz **out)
{
    *out = NULL;
    if (!name || !name_ok(name)) return CS_ERR_INVALID;
    struct cs_tz *tz = calloc(1, sizeof(*tz));
    if (!tz) return CS_ERR_NOMEM;
    snprintf(tz->name, sizeof(tz->name), "%s", name);
    if (strcmp(name, "UTC") == 0) return *out = tz, CS_OK;
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", ZONEINFO, name);
    FILE *f = fopen(path, "rb");
    unsigned char *buf = f ? malloc(TZIF_MAX) : NULL;
    size_t len = buf ? fread(buf, 1, TZIF_MAX, f) : 0;
    int rc = buf ? parse(buf, len, tz) : f ? CS_ERR_NOMEM : CS_ERR_INVALID;
    if (f) fclose(f);
    free(buf);
    if (rc) {
        cs_tz_free(tz);
        return rc;
    }
    *out = tz;
    return CS_OK;
}

void cs_tz_free(struct cs_tz *tz)
{
    if (!tz) return;
    free(tz->at);
    free(tz->off);
    free(tz);
}

const char *cs_tz_name(const struct cs_tz *tz) { return tz->name; }

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int32_t offset_s(const struct cs_tz *tz, int64_t t)
{
    if (tz->n == 0 || t < tz->at[0]) return tz->before;
    size_t lo = 0, hi = tz->n; /* at[lo] <= t < at[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t < tz->at[mid])
            hi = mid;
        else
            lo = mid;
    }
    return tz->off[lo];
}

int32_t cs_tz_offset(const struct cs_tz *tz, int64_t utc_ms)
{
    return offset_s(tz, floor_div(utc_ms, 1000));
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's
 * algorithms, public domain). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t local_days(const struct cs_tz *tz, int64_t utc_ms)
{
    int64_t t = floor_div(utc_ms, 1000);
    return floor_div(t + offset_s(tz, t), DAY_S);
}

/* The first instant (Unix seconds) whose local wall time is at or after L (local
 * seconds): local time only jumps at transitions, so it is L - offset for one of the
 * offsets around, or a transition itself (a skipped wall time). */
static int64_t first_at_or_after(const struct cs_tz *tz, int64_t L)
{
    int64_t best = INT64_MAX;
    int64_t cand[2] = {L - offset_s(tz, L - 2 * DAY_S), L - offset_s(tz, L + 2 * DAY_S)};
    for (int i = 0; i < 2; i++)
        if (cand[i] + offset_s(tz, cand[i]) >= L && cand[i] < best) best = cand[i];
    /* Transitions within two days of L (binary search for the first one). */
    size_t lo = 0, hi = tz->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tz->at[mid] < L - 2 * DAY_S)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < tz->n && tz->at[i] <= L + 2 * DAY_S; i++) {
        int64_t t = tz->at[i];
        if (t + offset_s(tz, t) >= L && t < best) best = t;
    }
    return best == INT64_MAX ? L : best;
}

static int64_t first_instant(const struct cs_tz *tz, int64_t days)
{
    return first_at_or_after(tz, days * DAY_S);
}

int64_t cs_tz_local_ms(const struct cs_tz *tz, int64_t utc_ms)
{
    return utc_ms + (int64_t)offset_s(tz, floor_div(utc_ms, 1000)) * 1000;
}

int64_t cs_tz_utc_of_local(const struct cs_tz *tz, int64_t local_ms)
{
    int64_t s = floor_div(local_ms, 1000);
    return first_at_or_after(tz, s) * 1000 + (local_ms - s * 1000);
}

static int64_t unit_first_day(int64_t days, enum cs_tz_unit unit)
{
    if (unit == CS_TZ_DAY) return days;
    if (unit == CS_TZ_WEEK)
        return days - (days + 3 - floor_div(days + 3, 7) * 7); /* 1970-01-01 was a Thursday */
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    return days_from_civil(y, m, 1);
}

int64_t cs_tz_unit_start(const struct cs_tz *tz, int64_t utc_ms, enum cs_tz_unit unit)
{
    return first_instant(tz, unit_first_day(local_days(tz, utc_ms), unit)) * 1000;
}

int64_t cs_tz_unit_next(const struct cs_tz *tz, int64_t unit_start_ms, enum cs_tz_unit unit)
{
    int64_t days = unit_first_day(local_days(tz, unit_start_ms), unit);
    if (unit == CS_TZ_DAY)
        days += 1;
    else if (unit == CS_TZ_WEEK)
        days += 7;
    else {
        int64_t y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        days = m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
    }
    return first_instant(tz, days) * 1000;
}

void cs_tz_date(const struct cs_tz *tz, int64_t utc_ms, char out[11])
{
    int64_t y;
    unsigned m, d;
    civil_from_days(local_days(tz, utc_ms), &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", (int)(y < 0 ? 0 : y > 9999 ? 9999 : y), m, d);
}
