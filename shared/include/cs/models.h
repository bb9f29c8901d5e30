/* The bundle of built-in models a function maps at cold start.
 *
 * cs_models_open maps every "*.csm" file in a directory (data/models) and indexes
 * them by the name stored inside each file (intent-banking77, intent-support,
 * sentiment, pii, escalation), and the one "*.cse" word-vector file (cs/embed.h) if
 * there is one; cs_models_open_only maps just the ones a function declares. The bundle is immutable afterwards and shareable
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

/* The name that stands for the *.cse word-vector file in a list of declared models. */
#define CS_MODELS_EMBED "embed"

/* cs_models_open restricted to `names` (NULL-terminated; NULL: every file), a function's
 * declaration (cs_function.models): only those files are mapped and validated at cold
 * start, so a corrupt declared model still fails it; of the others only the header and
 * name are read (a file whose name cannot be read fails too: it may be a declared one).
 * A declared name with no file is not an error (callers treat a missing model as they
 * always did). An undeclared model asked for (cs_models_get, cs_models_embed) is opened
 * and validated then, once, under a lock, and logged with CS_MODELS_UNDECLARED (error
 * level if it is corrupt: then it is NULL, as a missing file): the answer is the same,
 * the cold start saving is lost, and the test suites fail on the log line. */
#define CS_MODELS_UNDECLARED "model opened on first use: not in the function's models list"
CS_MUST_CHECK int cs_models_open_only(const char *dir, const char *const *names,
                                      struct cs_models **out);
void cs_models_close(struct cs_models *m);

/* The model with that name, or NULL. cs_models_count and cs_models_at see only the
 * models opened at cold start. */
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
