/* Tenant identity: what a tenant name may be, and the deployment's own tenant. Below
 * both the store (every store call checks its tenant) and auth (tokens name one), so
 * the store need not include the authentication layer. */
#ifndef CS_TENANT_H
#define CS_TENANT_H

#include <stdbool.h>

/* The tenant that holds deployment-wide directories (API keys, login names). Never a
 * customer tenant: tenant names starting with '_' are refused. */
#define CS_SYSTEM_TENANT "_system"

/* True when `tenant` is a valid customer tenant name: 1-64 of [A-Za-z0-9._-], not
 * starting with '_' or '.'. */
bool cs_tenant_valid(const char *tenant);

#endif
