/*
 * image_ops: resize, thumbnail, grayscale and sepia on libvips.
 *
 * resize and thumbnail go through vips_thumbnail, which shrinks JPEG and
 * WebP while decoding and so never holds a full-size photo.  resize first
 * computes the output size exactly as Pillow's Image.thumbnail() does and
 * then asks for that size, so both tools agree to the pixel.  grayscale and
 * sepia keep the full size and stream the image through a colour matrix.
 */
#include "image_internal.h"
#include "outpath.h"

#include <math.h>
#include <stdint.h>

/* Pillow's round_aspect: floor or ceil, whichever the key likes (floor on a tie), at least 1. */
static int round_aspect_width(double number, double aspect, double y)
{
    double lo = floor(number), hi = ceil(number);
    double best = fabs(aspect - hi / y) < fabs(aspect - lo / y) ? hi : lo;
    return best < 1 ? 1 : (int)best;
}

static int round_aspect_height(double number, double aspect, double x)
{
    double lo = floor(number), hi = ceil(number);
    double key_lo = lo == 0 ? 0 : fabs(aspect - x / lo);
    double key_hi = hi == 0 ? 0 : fabs(aspect - x / hi);
    double best = key_hi < key_lo ? hi : lo;
    return best < 1 ? 1 : (int)best;
}

void fit_inside(int w, int h, int box_w, int box_h, int *out_w, int *out_h)
{
    /* A free side is one no image can exceed. */
    double x = box_w > 0 ? box_w : (double)INT32_MAX;
    double y = box_h > 0 ? box_h : (double)INT32_MAX;
    double aspect = (double)w / h;

    *out_w = w;
    *out_h = h;
    if (x >= w && y >= h)
        return; /* never enlarge */
    if (x / y >= aspect) {
        *out_w = round_aspect_width(y * aspect, aspect, y);
        *out_h = (int)y;
    } else {
        *out_w = (int)x;
        *out_h = round_aspect_height(x / aspect, aspect, x);
    }
}

static int has_alpha(VipsImage *im)
{
    return vips_image_hasalpha(im);
}

int to_srgb8(VipsImage *in, VipsImage **out, int keep_grey)
{
    VipsImage *t = NULL;
    int colour_bands = in->Bands - (has_alpha(in) ? 1 : 0);
    int grey = colour_bands < 3;
    VipsInterpretation target = grey && keep_grey ? VIPS_INTERPRETATION_B_W
                                                  : VIPS_INTERPRETATION_sRGB;

    /* An embedded profile says what the numbers mean: honour it for colour images. */
    if (!grey && vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
        if (!vips_icc_transform(in, &t, "srgb", "embedded", TRUE, "depth", 8, NULL)) {
            in = t;
        } else {
            vips_error_clear(); /* a broken profile: fall back to the plain conversion */
            t = NULL;
        }
    }
    VipsImage *c = NULL;
    int r = vips_colourspace(in, &c, target, NULL);
    if (t)
        g_object_unref(t);
    if (r)
        return -1;
    if (c->BandFmt != VIPS_FORMAT_UCHAR) {
        VipsImage *u;
        r = vips_cast_uchar(c, &u, NULL);
        g_object_unref(c);
        if (r)
            return -1;
        c = u;
    }
    *out = c;
    return 0;
}

/* Splits off the alpha band (if any) so a colour matrix sees colour only. */
static int split_alpha(VipsImage *in, VipsImage **colour, VipsImage **alpha)
{
    *alpha = NULL;
    if (!has_alpha(in)) {
        g_object_ref(in);
        *colour = in;
        return 0;
    }
    if (vips_extract_band(in, colour, 0, "n", in->Bands - 1, NULL))
        return -1;
    if (vips_extract_band(in, alpha, in->Bands - 1, NULL)) {
        g_object_unref(*colour);
        return -1;
    }
    return 0;
}

/* Applies a rows x 3 matrix to sRGB colour, rounds, clips to 0..255, puts alpha back. */
static int apply_matrix(VipsImage *srgb, const double *m, int rows, VipsInterpretation type,
                        VipsImage **out)
{
    VipsImage *colour, *alpha, *mat = NULL, *mixed = NULL, *rounded = NULL, *u = NULL;
    int r = -1;

    if (split_alpha(srgb, &colour, &alpha))
        return -1;
    mat = vips_image_new_matrix_from_array(3, rows, m, 3 * rows);
    if (!mat || vips_recomb(colour, &mixed, mat, NULL) ||
        vips_round(mixed, &rounded, VIPS_OPERATION_ROUND_RINT, NULL) ||
        vips_cast_uchar(rounded, &u, NULL)) /* cast clips at 0 and 255 */
        goto done;
    u->Type = type;
    if (alpha) {
        r = vips_bandjoin2(u, alpha, out, NULL);
        if (!r)
            (*out)->Type = type;
    } else {
        g_object_ref(u);
        *out = u;
        r = 0;
    }
done:
    if (mat)
        g_object_unref(mat);
    if (mixed)
        g_object_unref(mixed);
    if (rounded)
        g_object_unref(rounded);
    if (u)
        g_object_unref(u);
    g_object_unref(colour);
    if (alpha)
        g_object_unref(alpha);
    return r;
}

static const double grey_matrix[] = {0.299, 0.587, 0.114};

static const double sepia_matrix[] = {
    0.393, 0.769, 0.189, /* R' */
    0.349, 0.686, 0.168, /* G' */
    0.272, 0.534, 0.131, /* B' */
};

/* Refuses inputs above the pixel limit before a single pixel is decoded. */
static int check_limit(const struct image_settings *s, VipsImage *im, struct job_result *res)
{
    double mp = (double)im->Xsize * im->Ysize / 1e6;

    if (s->max_megapixels > 0 && mp > s->max_megapixels) {
        job_result_fail(res, "image too large: %dx%d is %.0f megapixels (limit %.0f, see --max-pixels)",
                        im->Xsize, im->Ysize, mp, s->max_megapixels);
        return -1;
    }
    return 0;
}

/* Full-size operations: load, upright, sRGB, matrix. */
static VipsImage *filter_full_size(const struct image_settings *s, struct image_input *in,
                                   VipsImage *header, struct job_result *res)
{
    int orientation = s->no_rotate ? 1 : vips_image_get_orientation(header);
    VipsImage *loaded = header, *upright = NULL, *srgb = NULL, *out = NULL;

    /* Rotating needs random access: reopen so the decoder keeps the whole image. */
    if (orientation > 1) {
        loaded = image_input_load(in, VIPS_ACCESS_RANDOM);
        if (!loaded) {
            fail_decoding(res, in->path);
            return NULL;
        }
        if (vips_autorot(loaded, &upright, NULL)) {
            fail_from_vips(res, "cannot rotate");
            g_object_unref(loaded);
            return NULL;
        }
        g_object_unref(loaded);
    } else {
        g_object_ref(header);
        upright = header;
    }

    int ok = !to_srgb8(upright, &srgb, s->op == OP_GRAYSCALE);
    if (ok && s->op == OP_GRAYSCALE)
        ok = srgb->Bands - has_alpha(srgb) == 1
                 ? (g_object_ref(srgb), out = srgb, 1) /* grey already is luminance */
                 : !apply_matrix(srgb, grey_matrix, 1, VIPS_INTERPRETATION_B_W, &out);
    else if (ok)
        ok = !apply_matrix(srgb, sepia_matrix, 3, VIPS_INTERPRETATION_sRGB, &out);
    if (!ok)
        fail_from_vips(res, "cannot convert");
    g_object_unref(upright);
    if (srgb)
        g_object_unref(srgb);
    return ok ? out : NULL;
}

/* resize and thumbnail: vips_thumbnail to the exact size we computed. */
static VipsImage *scale(const struct image_settings *s, struct image_input *in,
                        VipsImage *header, struct job_result *res)
{
    int swap = !s->no_rotate && vips_image_get_orientation_swap(header);
    int w = swap ? header->Ysize : header->Xsize;
    int h = swap ? header->Xsize : header->Ysize;
    int colour = header->Bands - vips_image_hasalpha(header) >= 3;
    VipsImage *thumb, *out;

    if (s->op == OP_RESIZE) {
        int tw, th;
        fit_inside(w, h, s->width, s->height, &tw, &th);
        thumb = image_input_thumbnail(in, tw, th, VIPS_SIZE_FORCE, VIPS_INTERESTING_NONE,
                                      s->no_rotate, colour);
    } else {
        thumb = image_input_thumbnail(in, s->width, s->height, VIPS_SIZE_BOTH,
                                      VIPS_INTERESTING_CENTRE, s->no_rotate, colour);
    }
    if (!thumb) {
        fail_decoding(res, in->path);
        return NULL;
    }
    if (to_srgb8(thumb, &out, 1)) {
        fail_from_vips(res, "cannot convert");
        g_object_unref(thumb);
        return NULL;
    }
    g_object_unref(thumb);
    return out;
}

void image_process(const struct image_settings *s, const char *input, const char *output,
                   struct job_result *res)
{
    struct image_input in;
    VipsImage *header, *out = NULL;
    enum out_format fmt = output_format_for(s->format, input_kind_of(input));

    image_warnings_reset();
    if (image_input_open(&in, input, res))
        return;
    header = image_input_load(&in, VIPS_ACCESS_SEQUENTIAL);
    if (!header) {
        fail_decoding(res, input);
        image_input_close(&in);
        return;
    }
    if (check_limit(s, header, res) == 0) {
        int swap = !s->no_rotate && vips_image_get_orientation_swap(header);
        res->in_width = (uint32_t)(swap ? header->Ysize : header->Xsize);
        res->in_height = (uint32_t)(swap ? header->Xsize : header->Ysize);
        if (s->op == OP_RESIZE || s->op == OP_THUMBNAIL)
            out = scale(s, &in, header, res);
        else
            out = filter_full_size(s, &in, header, res);
    }
    g_object_unref(header);

    /* The pixels are computed now, while saving: decode errors surface here. */
    if (out && image_save_atomic(out, input, output, fmt, s, res) == 0) {
        res->out_width = (uint32_t)out->Xsize;
        res->out_height = (uint32_t)out->Ysize;
    }
    if (out)
        g_object_unref(out);
    image_input_close(&in);
}
