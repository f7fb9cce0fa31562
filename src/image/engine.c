/*
 * engine: one file through the image engine; see include/image/image.h.
 *
 * The input is read once (input.c).  A JPEG goes to the TurboJPEG fast path
 * first (jpeg_fast.c), which takes the clean cases; everything else, and
 * every file it declines, goes through libvips (vips_*.c), started in the
 * worker for the first such file, with ImageMagick fenced in before it
 * (magick_policy.c).
 */
#include "image/image.h"

#include "input.h"
#include "jpeg_fast.h"
#include "magick_policy.h"
#include "vips_internal.h"

#include <string.h>

int image_library_start(const struct image_settings *s)
{
    static int tried;

    if (tried)
        return vips_library_failed() ? -1 : 0;
    tried = 1;
    /*
     * ImageMagick reads its policy when it starts, inside libvips' start;
     * libvips' own disc temporaries (a large image turned upright) follow
     * TMPDIR into the same private directory, removed with the run.
     */
    if (magick_policy_install(s->scratch_dir) < 0) {
        vips_library_refuse();
        return -1;
    }
    return vips_library_start();
}

int image_library_failed(void)
{
    return vips_library_failed();
}

void image_library_shutdown(void)
{
    jpeg_fast_shutdown();
    vips_library_shutdown();
    magick_policy_remove();
}

/*
 * libheif reports an allocation that failed as whatever step it was in
 * ("Unsupported color conversion", "Decoder plugin generated an error"),
 * which reads as damage.
 */
static int hides_out_of_memory(enum input_kind kind)
{
    return kind == IN_HEIF || kind == IN_AVIF;
}

void image_process(const struct image_settings *s, const struct image_job *job,
                   struct job_result *res)
{
    struct image_input in;

    if (image_input_read(&in, job, s, res) < 0)
        return;
    enum input_kind kind = in.kind;
    if (in.kind == IN_JPEG && jpeg_fast_process(s, &in, job, res)) {
        /* done, well or not, by TurboJPEG */
    } else if (image_library_start(s) < 0) {
        job_result_fail(res, "libvips could not start");
    } else {
        vips_process(s, &in, job, res);
    }
    image_input_close(&in);
    if (!res->ok && s->max_memory_mb > 0 && strstr(res->error, "out of memory")) {
        char why[sizeof(res->error)];
        memcpy(why, res->error, sizeof(why));
        job_result_fail(res, "%s; the limit is %lld MB per worker (--max-memory)", why,
                        s->max_memory_mb);
        res->input_fault = 1; /* the file needs more than the limit it was given */
    } else if (!res->ok && s->max_memory_mb > 0 && hides_out_of_memory(kind) &&
               !strncmp(res->error, "corrupt ", 8)) {
        char why[sizeof(res->error)];
        memcpy(why, res->error, sizeof(why));
        job_result_fail(res,
                        "%s, or out of memory: libheif words both alike, and the limit is "
                        "%lld MB per worker (--max-memory)",
                        why, s->max_memory_mb);
    }
}
