/* One error table for the whole product.
 *
 * Every function that can fail returns an `int` code from this table; 0 is success.
 * The table gives each code its HTTP status, a stable name and a default message.
 * Only a family's error writer (cs/family.h) turns a code into a response body, so
 * the same code reads as FastAPI's `{"detail":...}`, seed 001's envelope or seed 003's
 * `{"error":{code,...}}` depending on which API family answered.
 */
#ifndef CS_ERROR_H
#define CS_ERROR_H

#define CS_MUST_CHECK __attribute__((warn_unused_result))

/* X(ENUM, http_status, "message") */
#define CS_ERROR_TABLE(X)                                                                          \
    X(CS_OK, 200, "OK")                                                                            \
    X(CS_ERR_NOMEM, 500, "Out of memory")                                                          \
    X(CS_ERR_INTERNAL, 500, "Internal server error")                                               \
    X(CS_ERR_INVALID, 400, "Invalid argument")                                                     \
    X(CS_ERR_BAD_REQUEST, 400, "Bad request")                                                      \
    X(CS_ERR_BAD_JSON, 400, "Malformed JSON body")                                                 \
    X(CS_ERR_BAD_UTF8, 400, "Request body is not valid UTF-8")                                     \
    X(CS_ERR_TOO_DEEP, 400, "JSON nesting too deep")                                               \
    X(CS_ERR_VALIDATION, 422, "Validation error")                                                  \
    X(CS_ERR_UNAUTHORIZED, 401, "Not authenticated")                                               \
    X(CS_ERR_BAD_TOKEN, 401, "Invalid or expired token")                                           \
    X(CS_ERR_BAD_CREDENTIALS, 401, "Invalid credentials")                                          \
    X(CS_ERR_FORBIDDEN, 403, "Insufficient permissions")                                           \
    X(CS_ERR_NOT_FOUND, 404, "Not Found")                                                          \
    X(CS_ERR_METHOD, 405, "Method Not Allowed")                                                    \
    X(CS_ERR_CONFLICT, 409, "Version conflict")                                                    \
    X(CS_ERR_EXISTS, 409, "Already exists")                                                        \
    X(CS_ERR_TOO_LARGE, 413, "Request body too large")                                             \
    X(CS_ERR_MEDIA_TYPE, 415, "Unsupported media type; expected application/json")                 \
    X(CS_ERR_RATE_LIMITED, 429, "Rate limit exceeded")                                             \
    X(CS_ERR_STORE, 503, "Store unavailable")                                                      \
    X(CS_ERR_UPSTREAM, 502, "Upstream service failed")                                             \
    X(CS_ERR_TIMEOUT, 504, "Deadline exceeded")                                                    \
    X(CS_ERR_UNAVAILABLE, 503, "Service unavailable")                                              \
    X(CS_ERR_IO, 500, "I/O error")                                                                 \
    X(CS_ERR_FORMAT, 500, "Corrupt or unsupported file format")                                    \
    X(CS_ERR_CONFIG, 500, "Invalid configuration")                                                 \
    /* Seed 003 (sessions family): CS_001..CS_010; CS_007 is CS_ERR_RATE_LIMITED. */               \
    X(CS_ERR_SESSION_ID, 400, "Invalid session ID")                                                \
    X(CS_ERR_SESSION_NOT_FOUND, 404, "Session not found")                                          \
    X(CS_ERR_SESSION_RESOLVED, 400, "Session already resolved")                                    \
    X(CS_ERR_ESCALATION_TARGET, 400, "Invalid escalation target")                                  \
    X(CS_ERR_COMPANY_ID, 400, "Missing company ID")                                                \
    X(CS_ERR_AI_UNAVAILABLE, 503, "AI service unavailable")                                        \
    X(CS_ERR_MESSAGE_CONTENT, 400, "Invalid message content")                                      \
    X(CS_ERR_CS_DISABLED, 403, "Company CS not enabled")                                           \
    X(CS_ERR_AI_FAILED, 500, "AI response generation failed")                                      \
    /* A well-formed request the server cannot act on (unknown training options). */               \
    X(CS_ERR_UNPROCESSABLE, 422, "Unprocessable request")

enum cs_code {
#define CS_X_ENUM(e, status, msg) e,
    CS_ERROR_TABLE(CS_X_ENUM)
#undef CS_X_ENUM
        CS_ERR__COUNT
};

/* Stable upper-case name of a code ("CS_ERR_NOT_FOUND"); never NULL. */
const char *cs_error_name(int code);
/* Default human message of a code; never NULL. */
const char *cs_error_message(int code);
/* HTTP status of a code; 500 for codes outside the table. */
int cs_error_status(int code);

#endif
