#include "cs/error.h"

static const struct {
    const char *name;
    int status;
    const char *message;
} cs_errors[] = {
#define CS_X_ROW(e, status, msg) {#e, status, msg},
    CS_ERROR_TABLE(CS_X_ROW)
#undef CS_X_ROW
};

static int in_table(int code) { return code >= 0 && code < CS_ERR__COUNT; }

const char *cs_error_name(int code)
{
    return in_table(code) ? cs_errors[code].name : "CS_ERR_UNKNOWN";
}

const char *cs_error_message(int code)
{
    return in_table(code) ? cs_errors[code].message : "Unknown error";
}

int cs_error_status(int code) { return in_table(code) ? cs_errors[code].status : 500; }
