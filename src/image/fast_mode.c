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

int fast_path_run(const char *name, fast_path_fn try, const struct image_settings *s,
                  const struct image_input *in, const struct image_job *job, struct job_result *res)
{
    enum fast_mode mode = fast_path_mode();

    if (mode == FAST_OFF)
        return 0;
    if (try(s, in, job, res))
        return 1;
    if (mode == FAST_ONLY) {
        job_result_fail(res, "not for the %s fast path (IMGBATCH_FAST_PATHS=only)", name);
        return 1;
    }
    return 0;
}
