/* The bundle of built-in models a function maps at cold start.
 *
 * cs_models_open maps every "*.csm" file in a directory (data/models) and indexes
 * them by the name stored inside each file (intent-banking77, intent-support,
 * sentiment, pii, escalation), and the one "*.cse" word-vector file (cs/embed.h) if
 * there is one. The bundle is immutable afterwards and shareable
 * between threads; keep it in the environment struct for the process lifetime.
 */
#ifndef CS_MODELS_H
#define CS_MODELS_H

#include <stddef.h>

#include "cs/error.h"
#include "cs/model.h"

#define CS_MODELS_MAX 32

struct cs_models;

/* Errors: CS_ERR_IO (directory unreadable or a file unmappable), CS_ERR_FORMAT (a file
 * is corrupt: fail at cold start rather than answer with a half-loaded bundle),
 * CS_ERR_EXISTS (two files carry the same model name), CS_ERR_NOMEM. */
CS_MUST_CHECK int cs_models_open(const char *dir, struct cs_models **out);
void cs_models_close(struct cs_models *m);

/* The model with that name, or NULL. */
const struct cs_model *cs_models_get(const struct cs_models *m, const char *name);
size_t cs_models_count(const struct cs_models *m);
/* The semantic embedding model (data/models/embed.cse), or NULL when none shipped. */
struct cs_embed;
const struct cs_embed *cs_models_embed(const struct cs_models *m);
/* i-th model in name order (NULL when out of range). */
const struct cs_model *cs_models_at(const struct cs_models *m, size_t i);

/* A bundle that is `base` with models put in the place of the ones of the same name
 * (cs_model_name; a name base lacks is added), for calls that take a bundle (a tenant's
 * deployed models in triage, issue 18). Built in the arena, borrowing every model: it
 * is never closed and lives as long as the arena and the models. CS_ERR_INVALID past
 * CS_MODELS_MAX, CS_ERR_NOMEM. */
struct cs_arena;
CS_MUST_CHECK int cs_models_overlay(struct cs_arena *a, const struct cs_models *base,
                                    const struct cs_model *const *put, size_t n,
                                    const struct cs_models **out);

/* Thread-local feature scratch for the high-level calls, so request code needs no
 * 64 KiB buffer of its own. Valid until the thread's next model call. */
struct cs_textfeat_vec *cs_models_scratch(void);

#endif
