/* The Presidio synthetic PII set's held-out split, one rule for the trainer and cs-eval.
 *
 * Records are grouped by their masked template text (the `masked` field: the sentence
 * with every span replaced by {{TYPE}}), not by template_id: two template ids share a
 * masked text, and a rule tuned on one would be scored on its twin. A group is held out
 * when fnv1a64(masked) % 4 == 0 (32 of 174 masked templates, 236 of 1,245 records). Rules and
 * the name lexicon are written and fitted on the other templates only; the held-out
 * ones are scored, never read for rule work (cs-eval --errors prints the training
 * templates unless --heldout-errors is asked for).
 */
#ifndef CS_PRESIDIO_H
#define CS_PRESIDIO_H

#include <stddef.h>

/* 1 when the record with this masked template text is in the held-out split. */
int cs_presidio_is_heldout(const char *masked, size_t len);

#endif
