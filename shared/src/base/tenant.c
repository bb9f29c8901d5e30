/* Tenant names (cs/tenant.h). */
#include "cs/tenant.h"

#include <ctype.h>
#include <string.h>

bool cs_tenant_valid(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 64 || t[0] == '_' || t[0] == '.') return false;
    for (; *t; t++)
        if (!isalnum((unsigned char)*t) && !strchr("._-", *t)) return false;
    return true;
}
