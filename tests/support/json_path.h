/* Dot-path getters for reading JSON responses in tests: one definition instead of one
 * per test file.
 *
 * A path is dot-separated: "data.providers.0.id". A part made only of digits indexes an
 * array; any other part looks up an object member. A path that does not resolve gives
 * NULL (or the getter's stated "missing" value), never a crash, so a CHECK on it fails
 * cleanly. o may be NULL.
 */
#ifndef CS_TEST_JSON_PATH_H
#define CS_TEST_JSON_PATH_H

#include <stddef.h>

#include <json-c/json.h>

/* The value at path under o (borrowed from o), or NULL. */
json_object *jget(json_object *o, const char *path);
/* The string at path (borrowed), or NULL when missing or not a string. */
const char *jstr(json_object *o, const char *path);
/* The number at path, or NAN when missing: every comparison with it then fails. */
double jnum(json_object *o, const char *path);
/* The integer at path, or -999 when missing (a value no field checked here takes). */
long long jint(json_object *o, const char *path);
/* The length of the array at path, or 0 when missing or not an array. */
size_t jlen(json_object *o, const char *path);

#endif
