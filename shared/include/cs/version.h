/* The product version reported by health checks and packages. */
#ifndef CS_VERSION_H
#define CS_VERSION_H

#define CS_VERSION "0.1.0"

#endif
