/*
 * jpeg_fast: JPEG in, JPEG out, through TurboJPEG.
 *
 * For a batch of photos the codec is most of the work, and what libvips
 * adds per image (building a pipeline, its loader and saver objects, a
 * shrink stage) costs about as much again.  This path does what the
 * original Pillow program did: decode with libjpeg's DCT scaling at the
 * largest 1/2^k that still leaves twice the target size (Pillow's "draft"
 * with reducing_gap 2), resample the small result with libvips' Lanczos3
 * reduce, and encode with TurboJPEG.  grayscale and sepia decode at full
 * size and run plain loops (pixels.c) with Pillow's and the seed's exact
 * arithmetic.
 *
 * It takes only the clean cases: no ICC profile, no CMYK, no metadata to
 * keep, no enlargement, and a decode without a single libjpeg warning.
 * Anything else returns 0 and goes the libvips way, which also words the
 * errors, so a damaged file reads the same whichever path saw it first.
 */
#include "image_internal.h"
#include "pixels.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/*
 * This path holds the decoded image in memory (and a second copy to turn
 * it upright); beyond this many decoded pixels libvips, which streams,
 * does the work instead.
 */
#define FAST_MAX_DECODED_PIXELS (48.0 * 1000 * 1000)

/* One decoder and one encoder per worker, made on first use. */
static tjhandle decoder, encoder;

void jpeg_fast_shutdown(void)
{
    if (decoder)
        tjDestroy(decoder);
    if (encoder)
        tjDestroy(encoder);
    decoder = encoder = NULL;
}

/* A decoded image in memory: w x h, channels bytes a pixel, tightly packed. */
struct pixmap {
    uint8_t *px;
    int w, h, channels;
};

static void pixmap_release(struct pixmap *p)
{
    free(p->px);
    p->px = NULL;
}

/* Can this image take the fast path at all?  header is libvips' view of it. */
static int eligible(const struct image_settings *s, VipsImage *header, enum out_format fmt)
{
    const char *loader = NULL;

    if (fmt != FMT_JPEG || s->keep_metadata)
        return 0;
    if (vips_image_get_string(header, VIPS_META_LOADER, &loader) || !loader ||
        strncmp(loader, "jpegload", 8)) {
        vips_error_clear();
        return 0;
    }
    if (vips_image_get_typeof(header, VIPS_META_ICC_NAME))
        return 0; /* a profile to honour: libvips' colour management does that */
    if (header->Bands != 1 && header->Bands != 3)
        return 0; /* CMYK */
    return 1;
}

/*
 * The largest DCT scaling 1/2^k for which the upright decoded image is at
 * least need_w x need_h (twice the target), or 1 if none is.
 */
static tjscalingfactor pick_scale(int w, int h, int orientation, int need_w, int need_h)
{
    tjscalingfactor best = {1, 1};

    for (int denom = 2; denom <= 8; denom *= 2) {
        tjscalingfactor f = {1, denom};
        int uw, uh;
        oriented_size(orientation, TJSCALED(w, f), TJSCALED(h, f), &uw, &uh);
        if (uw < need_w || uh < need_h)
            break;
        best = f;
    }
    return best;
}

/* Decodes at scale into pm; 0, or -1 on any error or warning (then libvips decides). */
static int decode(const uint8_t *jpeg, size_t len, tjscalingfactor scale, int want_grey,
                  struct pixmap *pm)
{
    int w, h, subsamp, colorspace;

    if (tjDecompressHeader3(decoder, jpeg, (unsigned long)len, &w, &h, &subsamp, &colorspace))
        return -1;
    if (colorspace != TJCS_YCbCr && colorspace != TJCS_GRAY && colorspace != TJCS_RGB)
        return -1;
    pm->w = TJSCALED(w, scale);
    pm->h = TJSCALED(h, scale);
    pm->channels = want_grey && colorspace == TJCS_GRAY ? 1 : 3;
    pm->px = malloc((size_t)pm->w * pm->h * pm->channels);
    if (!pm->px)
        return -1;
    if (tjDecompress2(decoder, jpeg, (unsigned long)len, pm->px, pm->w, 0, pm->h,
                      pm->channels == 1 ? TJPF_GRAY : TJPF_RGB,
                      TJFLAG_STOPONWARNING | TJFLAG_NOREALLOC)) {
        pixmap_release(pm);
        return -1;
    }
    return 0;
}

/* Turns pm upright in place (a new buffer for the turned cases). */
static int make_upright(struct pixmap *pm, int orientation)
{
    if (orientation < 2 || orientation > 8)
        return 0;
    uint8_t *dst = malloc((size_t)pm->w * pm->h * pm->channels);
    if (!dst)
        return -1;
    orient_pixels(pm->px, dst, pm->w, pm->h, pm->channels, orientation);
    free(pm->px);
    pm->px = dst;
    oriented_size(orientation, pm->w, pm->h, &pm->w, &pm->h);
    return 0;
}

/* Lanczos3 down to exactly w x h with libvips' reduce; -1 if libvips disagrees on the size. */
static int reduce_to(struct pixmap *pm, int w, int h)
{
    VipsImage *in, *out = NULL;
    size_t size;
    void *px;

    if (pm->w == w && pm->h == h)
        return 0;
    in = vips_image_new_from_memory(pm->px, (size_t)pm->w * pm->h * pm->channels, pm->w, pm->h,
                                    pm->channels, VIPS_FORMAT_UCHAR);
    if (!in)
        return -1;
    int r = vips_reduce(in, &out, (double)pm->w / w, (double)pm->h / h, "kernel",
                        VIPS_KERNEL_LANCZOS3, NULL);
    g_object_unref(in);
    if (r || out->Xsize != w || out->Ysize != h) {
        VIPS_UNREF(out);
        vips_error_clear();
        return -1;
    }
    px = vips_image_write_to_memory(out, &size);
    g_object_unref(out);
    if (!px) {
        vips_error_clear();
        return -1;
    }
    /* libvips' buffer is g_malloc'd; keep the pixmap's malloc contract. */
    uint8_t *copy = malloc(size);
    if (copy)
        memcpy(copy, px, size);
    g_free(px);
    if (!copy)
        return -1;
    free(pm->px);
    pm->px = copy;
    pm->w = w;
    pm->h = h;
    return 0;
}

/* The size that covers box_w x box_h at the image's aspect ratio (thumbnail). */
static void cover_size(int w, int h, int box_w, int box_h, int *cw, int *ch)
{
    double scale = (double)box_w / w > (double)box_h / h ? (double)box_w / w : (double)box_h / h;
    int x = (int)(w * scale + 0.5), y = (int)(h * scale + 0.5);

    *cw = x < box_w ? box_w : x;
    *ch = y < box_h ? box_h : y;
}

/* As libvips' jpegsave chooses: full-resolution chroma from quality 90 up. */
static int chroma_subsampling(int channels, int quality)
{
    if (channels == 1)
        return TJSAMP_GRAY;
    return quality >= 90 ? TJSAMP_444 : TJSAMP_420;
}

/*
 * Encodes the rectangle (left, top, w, h) of pm and writes it atomically.
 * TurboJPEG compresses with the fast integer DCT unless told otherwise;
 * libvips and Pillow use the accurate one, and so do we: the same bytes
 * whichever path wrote them.
 */
static int encode_and_save(const struct pixmap *pm, int left, int top, int w, int h,
                           const struct image_settings *s, const char *output,
                           struct job_result *res)
{
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    const uint8_t *origin = pm->px + ((size_t)top * pm->w + left) * pm->channels;

    if (tjCompress2(encoder, origin, w, pm->w * pm->channels, h,
                    pm->channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &len,
                    chroma_subsampling(pm->channels, s->quality), s->quality,
                    TJFLAG_ACCURATEDCT)) {
        job_result_fail(res, "cannot encode JPEG: %s", tjGetErrorStr2(encoder));
        tjFree(jpeg);
        return -1;
    }
    int r = save_bytes_atomic(jpeg, len, output, res);
    tjFree(jpeg);
    return r;
}

int jpeg_fast_process(const struct image_settings *s, VipsImage *header, const char *input,
                      const char *output, enum out_format fmt, struct job_result *res)
{
    int orientation = s->no_rotate ? 1 : vips_image_get_orientation(header);
    int uw, uh; /* upright size of the full image */
    int tw = 0, th = 0;
    tjscalingfactor scale = {1, 1};
    struct pixmap pm = {0};
    gchar *jpeg = NULL;
    gsize len = 0;
    int handled = 0;

    if (!eligible(s, header, fmt))
        return 0;
    if ((!decoder && !(decoder = tjInitDecompress())) ||
        (!encoder && !(encoder = tjInitCompress())))
        return 0;
    oriented_size(orientation, header->Xsize, header->Ysize, &uw, &uh);

    if (s->op == OP_RESIZE) {
        fit_inside(uw, uh, s->width, s->height, &tw, &th);
    } else if (s->op == OP_THUMBNAIL) {
        cover_size(uw, uh, s->width, s->height, &tw, &th);
        if (tw > uw || th > uh)
            return 0; /* enlarging: libvips' thumbnail does that */
    }
    if (tw)
        scale = pick_scale(header->Xsize, header->Ysize, orientation, 2 * tw, 2 * th);
    if ((double)TJSCALED(header->Xsize, scale) * TJSCALED(header->Ysize, scale) >
        FAST_MAX_DECODED_PIXELS)
        return 0;

    if (!g_file_get_contents(input, &jpeg, &len, NULL))
        return 0; /* libvips will say why */
    if (decode((const uint8_t *)jpeg, len, scale, s->op != OP_SEPIA, &pm) ||
        make_upright(&pm, orientation))
        goto done;

    switch (s->op) {
    case OP_RESIZE:
    case OP_THUMBNAIL:
        if (reduce_to(&pm, tw, th))
            goto done;
        break;
    case OP_GRAYSCALE:
        if (pm.channels == 3) {
            rgb_to_luma(pm.px, pm.px, (size_t)pm.w * pm.h); /* in place: writes trail reads */
            pm.channels = 1;
        }
        break;
    case OP_SEPIA:
        rgb_to_sepia(pm.px, (size_t)pm.w * pm.h);
        break;
    case OP_BENCH:
        goto done;
    }

    int out_w = s->op == OP_THUMBNAIL ? s->width : pm.w;
    int out_h = s->op == OP_THUMBNAIL ? s->height : pm.h;
    handled = 1;
    res->in_width = (uint32_t)uw;
    res->in_height = (uint32_t)uh;
    if (encode_and_save(&pm, (pm.w - out_w) / 2, (pm.h - out_h) / 2, out_w, out_h, s, output,
                        res) == 0) {
        res->out_width = (uint32_t)out_w;
        res->out_height = (uint32_t)out_h;
    }
done:
    pixmap_release(&pm);
    g_free(jpeg);
    return handled;
}
