/* IANA time zones for calendar buckets (days, ISO weeks, months) in a tenant's zone.
 *
 * Reads the compiled zone files of the system's tz database (/usr/share/zoneinfo,
 * Debian's and Amazon Linux's tzdata). Why not libc: localtime_r works only in the
 * process-wide TZ, which a multi-threaded FastCGI process serving many tenants cannot
 * switch per request; why not ICU: it would map ~30 MB of data into the functions that
 * need it and add to their cold start, for what is a table of transitions here.
 * Beyond a file's last transition (2037 in Debian's "fat" files) its last offset holds. */
#ifndef CS_TZ_H
#define CS_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "cs/error.h"

#define CS_TZ_NAME_MAX 64

struct cs_tz;

enum cs_tz_unit { CS_TZ_DAY, CS_TZ_WEEK, CS_TZ_MONTH };

/* "UTC" or an IANA name ("Europe/Berlin"): letters, digits, '_', '-', '+' and '/'
 * between non-empty parts. CS_ERR_INVALID for a malformed or unknown name (or a file
 * that is not a zone file). Free with cs_tz_free. */
CS_MUST_CHECK int cs_tz_load(const char *name, struct cs_tz **out);
void cs_tz_free(struct cs_tz *tz);
/* A zone from the bytes of a zone file (what cs_tz_load reads; for tests and fuzzing).
 * CS_ERR_INVALID for anything that is not a well-formed TZif file. */
CS_MUST_CHECK int cs_tz_parse(const unsigned char *buf, size_t len, struct cs_tz **out);
const char *cs_tz_name(const struct cs_tz *tz);

/* Seconds east of UTC at the instant utc_ms. */
int32_t cs_tz_offset(const struct cs_tz *tz, int64_t utc_ms);
/* The first instant (UTC ms) of the local day, ISO week (Monday) or month holding
 * utc_ms, and of the next one. A local midnight that a DST change skips starts its day
 * at the change. */
int64_t cs_tz_unit_start(const struct cs_tz *tz, int64_t utc_ms, enum cs_tz_unit unit);
int64_t cs_tz_unit_next(const struct cs_tz *tz, int64_t unit_start_ms, enum cs_tz_unit unit);
/* The local wall-clock time of utc_ms, as ms since 1970-01-01T00:00 local. */
int64_t cs_tz_local_ms(const struct cs_tz *tz, int64_t utc_ms);
/* The first instant (UTC ms) whose local wall-clock time is at or after local_ms: a
 * wall time that a DST change skips maps to the change, one it repeats to its first
 * occurrence. */
int64_t cs_tz_utc_of_local(const struct cs_tz *tz, int64_t local_ms);
/* The local date "YYYY-MM-DD" of utc_ms. */
void cs_tz_date(const struct cs_tz *tz, int64_t utc_ms, char out[11]);

#endif
