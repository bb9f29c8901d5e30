#include "json_path.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A part indexes an array only when it is all digits, so "items.id" on an array stays
 * NULL instead of quietly reading element 0. */
static bool is_index(const char *k)
{
    if (!*k) return false;
    for (const char *p = k; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

json_object *jget(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_object *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur;
         k = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(cur, json_type_array)) {
            if (!is_index(k)) return NULL;
            cur = json_object_array_get_idx(cur, (size_t)strtoul(k, NULL, 10));
        } else if (!json_object_object_get_ex(cur, k, &cur)) {
            return NULL;
        }
    }
    return cur;
}

const char *jstr(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

double jnum(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    return v ? json_object_get_double(v) : NAN;
}

long long jint(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    return v ? (long long)json_object_get_int64(v) : -999;
}

size_t jlen(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    return v && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}
