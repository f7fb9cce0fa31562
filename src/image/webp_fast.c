/*
 * webp_fast: a WebP photo to a smaller JPEG; see webp_fast.h.
 *
 * libwebp reduces while it decodes (its rescaler averages each output
 * pixel's area, row by row), and libvips' thumbnail asks it to, as sharp
 * does; what libvips adds is the rest: RGBA always, a frame compositor
 * written for animations, a pipeline.  Here libwebp decodes straight to
 * RGB at the size the operation wants, in this thread, into the buffer
 * TurboJPEG encodes from.
 *
 * It takes resize and thumbnail to JPEG without metadata to keep, from a
 * still WebP without alpha, EXIF (which could turn it) or an ICC profile,
 * inside --max-pixels; anything else, and a decode that fails, returns 0
 * for libvips, which also words the errors.
 */
#include "webp_fast.h"
#include "fast_mode.h"
#include "fast_output.h"
#include "geometry.h"
#include "pixmap.h"

#include <stdlib.h>
#include <webp/decode.h>
#include <webp/demux.h>

/* A still, opaque picture with nothing in its container that would change it. */
static int plain_still(const struct image_input *in, int *w, int *h)
{
    WebPBitstreamFeatures f;
    WebPData data = {in->data, in->length};
    int plain = 0;

    if (WebPGetFeatures(in->data, in->length, &f) != VP8_STATUS_OK || f.has_alpha ||
        f.has_animation)
        return 0;
    WebPDemuxer *demux = WebPDemux(&data);
    if (demux) {
        uint32_t flags = WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS);
        plain = !(flags & (EXIF_FLAG | ICCP_FLAG | ALPHA_FLAG | ANIMATION_FLAG));
        WebPDemuxDelete(demux);
    }
    *w = f.width;
    *h = f.height;
    return plain;
}

/* Decodes, reduced to tw x th by libwebp, into pm; 0 or -1. */
static int decode_scaled(const struct image_input *in, int w, int h, int tw, int th,
                         struct pixmap *pm)
{
    WebPDecoderConfig config;

    if (!WebPInitDecoderConfig(&config))
        return -1;
    pm->px = malloc((size_t)tw * th * 3);
    if (!pm->px)
        return -1;
    pm->w = tw, pm->h = th, pm->channels = 3;
    if (tw != w || th != h) {
        config.options.use_scaling = 1;
        config.options.scaled_width = tw;
        config.options.scaled_height = th;
    }
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = pm->px;
    config.output.u.RGBA.stride = tw * 3;
    config.output.u.RGBA.size = (size_t)tw * th * 3;
    VP8StatusCode status = WebPDecode(in->data, in->length, &config);
    WebPFreeDecBuffer(&config.output); /* ours stays: external memory */
    return status == VP8_STATUS_OK ? 0 : -1;
}

static int try_fast_path(const struct image_settings *s, const struct image_input *in,
                         const struct image_job *job, struct job_result *res)
{
    struct pixmap pm = {0};
    struct fast_output fo;
    int w, h, handled = 0;

    if (job->noutputs != 1 || s->keep_metadata)
        return 0;
    if (!plain_still(in, &w, &h) || over_pixel_limit(s->max_megapixels, w, h))
        return 0; /* libvips' path words a refusal */
    if (!fast_output_plan(s, job, w, h, &fo))
        return 0;
    if (decode_scaled(in, w, h, fo.tw, fo.th, &pm))
        goto done;
    handled = 1;
    res->in_width = (uint32_t)w;
    res->in_height = (uint32_t)h;
    fast_output_write(&fo, &pm, s, res);
done:
    pixmap_release(&pm);
    return handled;
}

int webp_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res)
{
    return fast_path_run("WebP", try_fast_path, s, in, job, res);
}
