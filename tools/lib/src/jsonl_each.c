#include "cs/jsonl_each.h"

#include <stdio.h>
#include <stdlib.h>

#include "cs/error.h"

int cs_jsonl_each(const char *path, cs_jsonl_fn fn, void *ud)
{
    FILE *f = fopen(path, "r");
    if (!f) return CS_ERR_IO;
    char *line = NULL;
    size_t cap = 0;
    int rc = CS_OK;
    while (rc == CS_OK && getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line);
        if (o) rc = fn(o, ud);
        json_object_put(o);
    }
    free(line);
    fclose(f);
    return rc;
}
