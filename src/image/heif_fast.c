/*
 * heif_fast: HEIC to a smaller JPEG; see heif_fast.h.
 *
 * A phone's HEIC is one HEVC picture (or a grid of them) that libheif
 * decodes whole: there is no DCT scaling to lean on as for JPEG.  What can
 * go is what surrounds the decoder.  libheif's own plugin hands the
 * picture to a thread and back, then libheif converts it to RGB in
 * floats, and libvips builds a pipeline around the result; here the HEVC
 * plugin decodes in the worker's thread and converts in integers, the
 * planes are box-averaged to twice the target and interleaved in one pass,
 * Lanczos3 (resample.c) takes them to the target as libvips' reduce would,
 * and TurboJPEG encodes.  libheif still parses the file, applies the
 * rotation, mirroring and crop it stores (irot, imir, clap) and assembles
 * grids, as on the libvips path, which also leaves EXIF orientation alone
 * (HEIF makes it informative only).
 *
 * It takes resize and thumbnail to a JPEG without metadata to keep, from a
 * still without alpha, 8 bits a sample, no profile but sRGB under another
 * name, inside --max-pixels; anything else, and any decode that fails or
 * that libde265 warns about, returns 0 for libvips, which also words the
 * errors.
 */
#include "heif_fast.h"
#include "fast_mode.h"
#include "fast_output.h"
#include "geometry.h"
#include "heif_hevc.h"
#include "icc_srgb.h"
#include "pixmap.h"

#include <libheif/heif.h>
#include <stdlib.h>

/*
 * The in-loop filters are left out from this reduction on: what they
 * smooth is a few pixels wide, and a quarter of it or less survives.
 */
#define SKIP_FILTERS_FROM 4

/* A profile other than sRGB under another name is for libvips' colour management. */
static int profile_is_plain_srgb(const struct heif_image_handle *handle)
{
    size_t len = heif_image_handle_get_raw_color_profile_size(handle);
    uint8_t *icc = len ? malloc(len) : NULL;
    int srgb = 0;

    if (icc && !heif_image_handle_get_raw_color_profile(handle, icc).code)
        srgb = icc_profile_is_srgb(icc, len);
    free(icc);
    return srgb;
}

/*
 * Whether the image may take this path, judged on its header, and the
 * container's colour description for the plugin.
 */
static int eligible(const struct image_settings *s, const struct heif_image_handle *handle,
                    struct hevc_plan *plan)
{
    enum heif_color_profile_type icc = heif_image_handle_get_color_profile_type(handle);
    struct heif_color_profile_nclx *nclx = NULL;

    if (heif_image_handle_has_alpha_channel(handle) ||
        heif_image_handle_get_luma_bits_per_pixel(handle) != 8)
        return 0;
    if ((icc == heif_color_profile_type_prof || icc == heif_color_profile_type_rICC) &&
        !profile_is_plain_srgb(handle))
        return 0;
    if (over_pixel_limit(s->max_megapixels, heif_image_handle_get_width(handle),
                         heif_image_handle_get_height(handle)))
        return 0; /* libvips' path words the refusal */
    if (!heif_image_handle_get_nclx_color_profile(handle, &nclx).code && nclx) {
        plan->has_nclx = 1;
        plan->matrix_coefficients = nclx->matrix_coefficients;
        plan->colour_primaries = nclx->color_primaries;
        plan->full_range = nclx->full_range_flag;
    }
    heif_nclx_color_profile_free(nclx);
    return 1;
}

/* The decoded image's planes, box-shrunk and interleaved into pm. */
static int shrink_decoded(const struct heif_image *img, int tw, int th, struct pixmap *pm)
{
    static const enum heif_channel rgb[] = {heif_channel_R, heif_channel_G, heif_channel_B};
    static const enum heif_channel grey[] = {heif_channel_Y};
    enum heif_colorspace cs = heif_image_get_colorspace(img);
    enum heif_chroma chroma = heif_image_get_chroma_format(img);
    const enum heif_channel *channels;
    const uint8_t *planes[3];
    int n, stride = 0;

    if (cs == heif_colorspace_RGB && chroma == heif_chroma_444)
        channels = rgb, n = 3;
    else if (cs == heif_colorspace_monochrome)
        channels = grey, n = 1;
    else
        return -1;
    int w = heif_image_get_width(img, channels[0]), h = heif_image_get_height(img, channels[0]);
    for (int c = 0; c < n; c++) {
        int plane_stride;
        if (heif_image_get_bits_per_pixel_range(img, channels[c]) != 8 ||
            heif_image_get_width(img, channels[c]) != w ||
            heif_image_get_height(img, channels[c]) != h ||
            !(planes[c] = heif_image_get_plane_readonly(img, channels[c], &plane_stride)) ||
            (c && plane_stride != stride))
            return -1;
        stride = plane_stride;
    }
    if (w < tw || h < th)
        return -1;
    return pixmap_from_planes_shrunk(pm, planes, n, stride, w, h, pixmap_box_factor(w, h, tw, th));
}

/* Decodes the primary image of the file in ctx, reduced to tw x th, into pm. */
static int decode_reduced(struct heif_image_handle *handle, struct hevc_plan *plan, int tw, int th,
                          struct pixmap *pm)
{
    struct heif_image *img = NULL;
    int w = heif_image_handle_get_width(handle), h = heif_image_handle_get_height(handle);

    plan->skip_in_loop_filters = tw * SKIP_FILTERS_FROM <= w && th * SKIP_FILTERS_FROM <= h;
    heif_hevc_plan(plan);
    if (heif_decode_image(handle, &img, heif_colorspace_undefined, heif_chroma_undefined, NULL)
            .code)
        return -1;
    int r = shrink_decoded(img, tw, th, pm);
    heif_image_release(img);
    return r ? -1 : pixmap_reduce_to(pm, tw, th);
}

static int try_fast_path(const struct image_settings *s, const struct image_input *in,
                         const struct image_job *job, struct job_result *res)
{
    struct heif_context *ctx;
    struct heif_image_handle *handle = NULL;
    struct hevc_plan plan = {0};
    struct pixmap pm = {0};
    struct fast_output fo;
    int w, h, handled = 0;

    if (job->noutputs != 1 || s->keep_metadata)
        return 0;
    if (!(ctx = heif_context_alloc()))
        return 0;
    /* A worker is one core: grid tiles one after another, in this thread. */
    heif_context_set_max_decoding_threads(ctx, 0);
    if (heif_hevc_register(ctx) ||
        heif_context_read_from_memory_without_copy(ctx, in->data, in->length, NULL).code ||
        heif_context_get_primary_image_handle(ctx, &handle).code || !eligible(s, handle, &plan))
        goto done;
    w = heif_image_handle_get_width(handle);
    h = heif_image_handle_get_height(handle);
    if (!fast_output_plan(s, job, w, h, &fo) || (double)w * h > FAST_MAX_DECODED_PIXELS ||
        decode_reduced(handle, &plan, fo.tw, fo.th, &pm))
        goto done;
    handled = 1;
    res->in_width = (uint32_t)w;
    res->in_height = (uint32_t)h;
    fast_output_write(&fo, &pm, s, res);
done:
    pixmap_release(&pm);
    heif_image_handle_release(handle);
    heif_context_free(ctx);
    return handled;
}

int heif_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res)
{
    return fast_path_run("HEIF", try_fast_path, s, in, job, res);
}
