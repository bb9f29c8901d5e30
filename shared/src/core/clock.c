#include "cs/clock.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t cs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double cs_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void cs_time_iso(int64_t ms, enum cs_iso_style style, char *out)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac_ms = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof(base), style == CS_ISO_DATE ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%S", &tm);
    switch (style) {
    case CS_ISO_NAIVE_US: snprintf(out, CS_ISO_MAX, "%s.%03d000", base, frac_ms); break;
    case CS_ISO_OFFSET_US: snprintf(out, CS_ISO_MAX, "%s.%03d000+00:00", base, frac_ms); break;
    case CS_ISO_Z: snprintf(out, CS_ISO_MAX, "%sZ", base); break;
    case CS_ISO_Z_MS: snprintf(out, CS_ISO_MAX, "%s.%03dZ", base, frac_ms); break;
    case CS_ISO_DATE: snprintf(out, CS_ISO_MAX, "%s", base); break;
    }
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int cs_time_parse_iso(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    const char *p = s;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return CS_ERR_INVALID;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi)) return CS_ERR_INVALID;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec)) return CS_ERR_INVALID;
            if (*p == '.') {
                p++;
                int scale = 100, nd = 0;
                while (isdigit((unsigned char)*p)) {
                    if (nd++ < 3) frac += (*p - '0') * scale, scale /= 10;
                    p++;
                }
                if (nd == 0) return CS_ERR_INVALID;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om;
            if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om)) return CS_ERR_INVALID;
            off = sign * (oh * 60 + om);
        }
    }
    if (*p != '\0' || mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 60) return CS_ERR_INVALID;
    /* timegm would quietly turn February 30th into March 2nd. */
    if (d < 1 || d > days_in_month(y, mo)) return CS_ERR_INVALID;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - (int64_t)off * 60) * 1000 + frac;
    return CS_OK;
}
