/* Reading a JSON Lines file (one JSON value a line) for the offline tools: the trainers
 * and the evaluator read their corpora this way. Not for request paths. */
#ifndef CS_JSONL_EACH_H
#define CS_JSONL_EACH_H

#include <json-c/json.h>

/* Called with each line's parsed value (owned by the reader: valid during the call);
 * a non-zero return stops the reading and is returned. */
typedef int (*cs_jsonl_fn)(json_object *row, void *ud);

/* Calls fn for every line that parses as JSON; a line that does not is skipped, as the
 * corpora's blank or truncated last lines are. CS_ERR_IO when the file cannot be opened,
 * CS_OK after the last line, else fn's first non-zero answer. */
int cs_jsonl_each(const char *path, cs_jsonl_fn fn, void *ud);

#endif
