/* Loads the shipped sample knowledge base (CS_DATA_DIR/kb/sample_kb.jsonl, default
 * data/) into a store under the system tenant, as `cs-admin load-kb --system` does, so
 * handler tests answer from the same articles as a fresh deployment. */
#ifndef CS_TEST_SAMPLE_KB_H
#define CS_TEST_SAMPLE_KB_H

struct cs_arena;
struct cs_store;

/* CS_OK, or the first error (CS_ERR_IO when the file is missing). */
int sample_kb_load(struct cs_store *st, struct cs_arena *a);

#endif
