/* The OpenAPI 3.1 document (openapi.c). */
#ifndef CS_GEN_OPENAPI_H
#define CS_GEN_OPENAPI_H

#include <json-c/json.h>

/* Prints the document for the `nfuncs` declarations; `root` holds functions/ and
 * events/. Returns nonzero when a route has no declared responses. */
int cs_gen_openapi(json_object *const *funcs, int nfuncs, const char *root);

#endif
