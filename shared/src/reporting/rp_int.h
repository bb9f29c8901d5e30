/* Private to the reporting module. */
#ifndef CS_RP_INT_H
#define CS_RP_INT_H

#include <stdbool.h>
#include <stdint.h>

struct cs_store;

/* 52 bits of BLAKE2b of "<kind>:<key>:<n>", plus one (rp_chat.c). */
int64_t cs_rp_hashed_id(const char *kind, const char *key, int64_t n);
/* Whether `st` writes staged reporting records with its next change (SQLite today). The
 * tables exist from the connection's opening; nothing here touches the connection,
 * which the process's threads share under the store's own lock. */
bool cs_rp_stage_ready(struct cs_store *st);

#endif
