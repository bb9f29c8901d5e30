/* A small libcurl client for end-to-end tests against the real gateway. */
#ifndef CS_TEST_HTTP_CLIENT_H
#define CS_TEST_HTTP_CLIENT_H

#include <stddef.h>

#include <json-c/json.h>

struct http_result {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t body_len;
    char *headers;     /* raw response header block, malloc'd */
    json_object *json; /* parsed body or NULL */
};

/* Performs METHOD base+path with optional body and extra "Name: value" headers
 * (NULL-terminated). Returns 0 when a response was received. */
int http_do(const char *method, const char *path, const char *body, const char *const *headers,
            struct http_result *out);
/* Value of a response header (case-insensitive name) copied into buf; NULL if absent. */
const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap);
void http_result_free(struct http_result *r);

#endif
