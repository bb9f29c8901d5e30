#include "cs/presidio.h"

#include "cs/textfeat.h"

#define PRESIDIO_HELDOUT_MOD 4u

int cs_presidio_is_heldout(const char *masked, size_t len)
{
    return masked && cs_textfeat_hash64(masked, len) % PRESIDIO_HELDOUT_MOD == 0;
}
