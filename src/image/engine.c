/*
 * engine: one file through the image engine; see include/image/image.h.
 *
 * The input is read once (input.c).  A JPEG goes to the TurboJPEG fast path
 * first (jpeg_fast.c), a HEIC to libheif with our HEVC plugin (heif_fast.c), a
 * PNG to libpng and libdeflate (png_fast.c), a WebP to libwebp (webp_fast.c),
 * each taking the clean cases; everything else, and every file they
 * decline, goes through libvips (vips_*.c).  libvips and libheif live in a
 * second module (vips_module.h), loaded in the worker for the first file
 * that needs them, and libvips is started then, with ImageMagick fenced in
 * before it (magick_policy.c): a batch of JPEGs never maps them.
 */
#include "image/image.h"

#include "input.h"
#include "jpeg_fast.h"
#include "png_fast.h"
#include "png_idat.h"
#include "vips_module.h"
#include "webp_fast.h"

#include <string.h>

/* The libvips module, once loaded (vips_module.h); why not, when it could not be. */
static const struct vips_module *vips;
static char vips_missing[256];
static int vips_started, vips_start_failed;

static const struct vips_module *vips_loaded(void)
{
    if (!vips)
        vips = vips_module_load(vips_missing, sizeof(vips_missing));
    return vips;
}

int image_engine_prepare(int with_libvips)
{
    return with_libvips && !vips_loaded() ? -1 : 0;
}

int image_library_start(const struct image_settings *s)
{
    if (!vips_started) {
        vips_started = 1;
        vips_start_failed = !vips_loaded() || vips->start(s->scratch_dir) < 0;
    }
    return vips_start_failed ? -1 : 0;
}

int image_library_failed(void)
{
    return vips_start_failed || (vips && vips->failed());
}

void image_library_shutdown(void)
{
    jpeg_fast_shutdown();
    png_idat_shutdown();
    if (vips)
        vips->shutdown();
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
    } else if (in.kind == IN_HEIF && vips_loaded() && vips->heif_fast(s, &in, job, res)) {
        /* done, well or not, by libheif, our HEVC plugin and TurboJPEG */
    } else if (in.kind == IN_PNG && png_fast_process(s, &in, job, res)) {
        /* done, well or not, by libpng, libdeflate and TurboJPEG */
    } else if (in.kind == IN_WEBP && webp_fast_process(s, &in, job, res)) {
        /* done, well or not, by libwebp and TurboJPEG */
    } else if (image_library_start(s) < 0) {
        job_result_fail(res, "libvips could not start%s%s", vips ? "" : ": ",
                        vips ? "" : vips_missing);
    } else {
        vips->process(s, &in, job, res);
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
