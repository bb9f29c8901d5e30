/* Shared between the cs-eval tool's files. */
#ifndef CS_EVAL_INT_H
#define CS_EVAL_INT_H

/* StackFAQ P@1 / MRR / R@5 through cs_retrieval_*, and re-ranked by `e` (may be NULL)
 * with `weight`; 0 when it ran, 1 when skipped. */
struct cs_embed;
int eval_retrieval(const char *data, const struct cs_embed *e, double weight);
/* Paraphrase pairs (data/eval/paraphrase_pairs.jsonl): lexical vs semantic embeddings. */
int eval_embed(const struct cs_embed *e, const char *pairs);

/* End-to-end intent routing before/after the domain gate, validation (or, with dev,
 * development) rows of both intent sets; 0 when it ran, 1 when skipped. */
struct cs_models;
int eval_routing(const struct cs_models *ms, const char *data, const char *policy, int dev);

/* Top-1 article retrieved and cited by the tickets-process path on the labelled tickets
 * of kb_dir/eval_{train,dev}.jsonl; `errors` lists the train split's misses. */
int eval_kb(const struct cs_models *ms, const char *kb_dir, const char *policy, int errors);
/* PERSON spans on WNUT-17 dev (train with `train`; pii_wnut.c); errors lists misses
 * and false alarms. */
int eval_pii_wnut(const struct cs_models *ms, const char *data, int errors, int train);
/* The triage answer against labelled tickets (JSONL, LABELLING.md); with `preds`, the
 * answers in that file instead of the product's. 0 when it ran, 1 when skipped. */
int eval_triage(const struct cs_models *ms, const char *file, const char *policy,
                const char *preds);

/* Escalation triggers, six-level sentiment and the escalation predictor on the triage
 * corpus in `triage` (dev files; with dev the train files): cues_eval.c. 0 when it ran. */
int eval_cues(const struct cs_models *ms, const char *triage, int dev, int errors);

#endif
