/* fast_mode: IMGBATCH_FAST_PATHS; see fast_mode.h. */
#include "fast_mode.h"

#include <stdlib.h>
#include <string.h>

enum fast_mode fast_path_mode(void)
{
    const char *v = getenv("IMGBATCH_FAST_PATHS");

    if (v && !strcmp(v, "0"))
        return FAST_OFF;
    if (v && !strcmp(v, "only"))
        return FAST_ONLY;
    return FAST_ON;
}
