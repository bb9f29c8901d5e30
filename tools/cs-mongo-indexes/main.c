/* cs-mongo-indexes: applies infra/mongodb/indexes.json to the MongoDB store named by
 * CS_STORE_URI (an environment variable, not an argument, so a password in it stays out
 * of process listings and shell history). mongosh is not packaged in Debian; this is
 * the deploy step that creates the text index, the TTL index and the query indexes.
 *
 *   CS_STORE_URI=mongodb://... cs-mongo-indexes [--file infra/mongodb/indexes.json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mongo/store_mongo_admin.h"

#define SPEC_MAX (1 << 20)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(SPEC_MAX + 1);
    *len = buf ? fread(buf, 1, SPEC_MAX + 1, f) : 0;
    fclose(f);
    if (!buf || *len > SPEC_MAX) {
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    const char *file = "infra/mongodb/indexes.json";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else {
            fprintf(stderr, "usage: CS_STORE_URI=mongodb://... %s [--file indexes.json]\n",
                    argv[0]);
            return 2;
        }
    }
    const char *uri = getenv("CS_STORE_URI");
    if (!uri || (strncmp(uri, "mongodb://", 10) != 0 && strncmp(uri, "mongodb+srv://", 14) != 0)) {
        fprintf(stderr,
                "cs-mongo-indexes: CS_STORE_URI must be a mongodb:// or mongodb+srv:// URI\n");
        return 2;
    }
    size_t len;
    char *spec = read_file(file, &len);
    if (!spec) {
        fprintf(stderr, "cs-mongo-indexes: cannot read %s\n", file);
        return 1;
    }
    size_t applied = 0;
    char why[512] = "";
    int rc = cs_mongo_apply_indexes(uri, spec, len, &applied, why, sizeof(why));
    free(spec);
    if (rc) {
        fprintf(stderr, "cs-mongo-indexes: %s\n", why);
        return 1;
    }
    printf("applied %zu index definitions from %s\n", applied, file);
    return 0;
}
