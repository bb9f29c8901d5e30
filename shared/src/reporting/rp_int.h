/* Private to the reporting module. */
#ifndef CS_RP_INT_H
#define CS_RP_INT_H

#include <stdbool.h>
#include <stdint.h>

struct cs_store;

/* 52 bits of BLAKE2b of "<kind>:<key>:<n>", plus one (rp_chat.c). */
int64_t cs_rp_hashed_id(const char *kind, const char *key, int64_t n);
/* Whether `st` writes staged reporting records with its next change (SQLite today).
 * With `prepare` it also makes the tables now, on the connection itself and outside the
 * store's own locking: only for callers that never share the handle's connection with
 * another thread (the session message path). Without, the staged write makes them. */
bool cs_rp_stage_ready(struct cs_store *st, bool prepare);

#endif
