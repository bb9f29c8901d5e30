/* ai-embed: its entry points, defined in handler.c and named in routes.c (the
 * signatures are cs/function.h's; see "Function folders" there). */
#ifndef CS_FN_AI_EMBED_H
#define CS_FN_AI_EMBED_H

#include "cs/function.h"

CS_HANDLER(fn_ai_embed);

#endif
