/* Time: the real clock and the ISO-8601 renderings the seeds use. Handlers read the
 * request's `now_ms` (from the environment's clock, replaceable in tests), never this
 * clock directly. */
#ifndef CS_CLOCK_H
#define CS_CLOCK_H

#include <stdint.h>

#include "cs/error.h"

#define CS_ISO_MAX 40

enum cs_iso_style {
    CS_ISO_NAIVE_US,  /* 2023-08-15T14:22:31.123456        (seed 001) */
    CS_ISO_OFFSET_US, /* 2026-01-04T19:53:25.881195+00:00  (seed 004) */
    CS_ISO_Z,         /* 2025-12-19T12:15:00Z              (seed 003) */
    CS_ISO_Z_MS,      /* 2025-12-19T12:15:00.123Z */
    CS_ISO_DATE,      /* 2025-12-19 */
};

/* Wall-clock Unix time in ms. */
int64_t cs_now_ms(void);
/* Monotonic ms for latency measurement. */
double cs_mono_ms(void);
/* Formats UTC `ms` into out (at least CS_ISO_MAX bytes). */
void cs_time_iso(int64_t ms, enum cs_iso_style style, char *out);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.frac]]" with optional "Z" or "+hh:mm";
 * naive times are UTC. CS_ERR_INVALID when malformed. */
CS_MUST_CHECK int cs_time_parse_iso(const char *s, int64_t *ms);

#endif
