/*
 * png_fast: a PNG photo to a smaller JPEG; see png_fast.h.
 *
 * libvips decodes a PNG whole before it shrinks it, through Debian's zlib
 * and libpng, whose Paeth filter (nearly every row of a photo) goes a byte
 * at a time.  Here libpng reads and checks the header and every chunk
 * before the pixels, set up as libvips sets it up; png_idat.c then inflates
 * the pixel data with libdeflate and unfilters it (png_filter.c), and each
 * row goes straight into the box shrink (pixmap.h's box_shrinker), so only
 * the decompressed rows and the shrunk picture are held; then Lanczos3, as
 * libvips' reduce, and TurboJPEG.  A picture too large to hold decompressed
 * is read by libpng row by row instead.
 *
 * It takes resize and thumbnail to JPEG without metadata to keep, from an
 * 8-bit RGB or grey PNG that is not interlaced and has no transparency,
 * no EXIF (which could turn it) and no profile but sRGB under another name,
 * inside --max-pixels.  Every chunk CRC is checked; zlib's Adler-32 by
 * libdeflate too (libvips has libpng skip it); gAMA is ignored, as libvips
 * ignores it.  Any libpng warning or error, and anything png_idat.c finds
 * out of order, returns 0, for libvips, which also words the errors.
 */
#include "png_fast.h"
#include "fast_mode.h"
#include "fast_output.h"
#include "geometry.h"
#include "icc_srgb.h"
#include "pixmap.h"
#include "png_idat.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* What libpng reads from (the input's bytes) and tells us about it. */
struct png_job {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t length, at;
    int warned;
    int w, h, channels;
};

static void read_bytes(png_structp png, png_bytep out, size_t n)
{
    struct png_job *j = png_get_io_ptr(png);

    if (n > j->length - j->at)
        png_error(png, "truncated");
    memcpy(out, j->data + j->at, n);
    j->at += n;
}

static void on_error(png_structp png, png_const_charp msg)
{
    (void)msg; /* libvips' path words it */
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    struct png_job *j = png_get_error_ptr(png);

    (void)msg;
    j->warned = 1;
}

/* A profile that is sRGB in all but name converts to sRGB unchanged. */
static int profile_is_plain_srgb(png_structp png, png_infop info)
{
    png_charp name;
    int compression;
    png_bytep profile;
    png_uint_32 len;

    return png_get_iCCP(png, info, &name, &compression, &profile, &len) &&
           icc_profile_is_srgb(profile, len);
}

/* Reads the header; 1 when the picture is for this path, 0 when not, -1 on an error. */
static int read_header(struct png_job *j, const struct image_settings *s)
{
    png_uint_32 w, h;
    int depth, colour, interlace;

    if (setjmp(png_jmpbuf(j->png)))
        return -1;
    png_read_info(j->png, j->info);
    png_get_IHDR(j->png, j->info, &w, &h, &depth, &colour, &interlace, NULL, NULL);
    if (depth != 8 || interlace != PNG_INTERLACE_NONE ||
        (colour != PNG_COLOR_TYPE_RGB && colour != PNG_COLOR_TYPE_GRAY) ||
        png_get_valid(j->png, j->info, PNG_INFO_tRNS) ||
        png_get_valid(j->png, j->info, PNG_INFO_eXIf) ||
        (png_get_valid(j->png, j->info, PNG_INFO_iCCP) && !profile_is_plain_srgb(j->png, j->info)))
        return 0;
    if (w > INT32_MAX / 4 || h > INT32_MAX / 4 ||
        over_pixel_limit(s->max_megapixels, (int)w, (int)h))
        return 0; /* libvips' path words the refusal */
    j->w = (int)w;
    j->h = (int)h;
    j->channels = colour == PNG_COLOR_TYPE_RGB ? 3 : 1;
    return j->warned ? 0 : 1;
}

/* Reads every row into the box shrinker, then the rest of the file; 0, or -1. */
static int read_rows(struct png_job *j, struct box_shrinker *b, uint8_t *row)
{
    if (setjmp(png_jmpbuf(j->png)))
        return -1;
    for (int y = 0; y < j->h; y++) {
        png_read_row(j->png, row, NULL);
        box_shrinker_row(b, row);
    }
    png_read_end(j->png, NULL); /* the chunks after the pixels, checked as libvips would */
    return j->warned ? -1 : 0;
}

static void take_row(void *ctx, const uint8_t *row)
{
    box_shrinker_row(ctx, row);
}

/*
 * The rows through libdeflate (png_idat.c), or, for a picture too large to
 * hold decompressed, through libpng one at a time.
 */
static int read_all_rows(struct png_job *j, struct box_shrinker *b)
{
    struct png_geometry g = {j->w, j->h, j->channels};
    int r = png_idat_decode(j->data, j->length, &g, take_row, b);

    if (r <= 0)
        return r;
    uint8_t *row = malloc((size_t)j->w * j->channels);
    r = row ? read_rows(j, b, row) : -1;
    free(row);
    return r;
}

static int decode_reduced(struct png_job *j, int tw, int th, struct pixmap *pm)
{
    struct box_shrinker b;
    int r = -1;

    if (!box_shrinker_init(&b, pm, j->w, j->h, j->channels,
                           pixmap_box_factor(j->w, j->h, tw, th))) {
        r = read_all_rows(j, &b);
        box_shrinker_release(&b);
    }
    return r ? -1 : pixmap_reduce_to(pm, tw, th);
}

static int try_fast_path(const struct image_settings *s, const struct image_input *in,
                         const struct image_job *job, struct job_result *res)
{
    struct png_job j = {.data = in->data, .length = in->length};
    struct pixmap pm = {0};
    struct fast_output fo;
    int handled = 0;

    if (job->noutputs != 1 || s->keep_metadata)
        return 0;
    j.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &j, on_error, on_warning);
    if (!j.png || !(j.info = png_create_info_struct(j.png)))
        goto done;
    png_set_read_fn(j.png, &j, read_bytes);
    /*
     * As libvips' loader: zlib's Adler-32 covers the same bytes as the IDAT
     * chunks' CRCs, which libpng still checks (a damaged file fails all the
     * same, for 3% less), and a profile's name is not held against it.
     */
    png_set_option(j.png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
    png_set_option(j.png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
    if (read_header(&j, s) != 1 || !fast_output_plan(s, job, j.w, j.h, &fo) ||
        decode_reduced(&j, fo.tw, fo.th, &pm))
        goto done;
    handled = 1;
    res->in_width = (uint32_t)j.w;
    res->in_height = (uint32_t)j.h;
    fast_output_write(&fo, &pm, s, res);
done:
    pixmap_release(&pm);
    png_destroy_read_struct(j.png ? &j.png : NULL, j.info ? &j.info : NULL, NULL);
    return handled;
}

int png_fast_process(const struct image_settings *s, const struct image_input *in,
                     const struct image_job *job, struct job_result *res)
{
    return fast_path_run("PNG", try_fast_path, s, in, job, res);
}
