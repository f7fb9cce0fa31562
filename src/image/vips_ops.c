/*
 * vips_ops: resize, thumbnail, grayscale and sepia on libvips, for the
 * files the fast path does not take; vips_levels.c drives them for each
 * output of a job.
 *
 * resize and thumbnail go through vips_thumbnail, which shrinks JPEG and
 * WebP while decoding and so never holds a full-size photo.  resize first
 * computes the output size exactly as Pillow's Image.thumbnail() does and
 * then asks for that size, so both tools agree to the pixel.  grayscale and
 * sepia keep the full size and stream the image through a colour matrix.
 */
#include "vips_internal.h"
#include "geometry.h"
#include "pixels.h"

#include <math.h>
#include <stdint.h>

int keeps_profile(const struct image_settings *s, VipsImage *in)
{
    int colour_bands = in->Bands - (vips_image_hasalpha(in) ? 1 : 0);

    /* CMYK numbers cannot stay: the output is RGB, which a CMYK profile does not describe. */
    return (s->keep_metadata & KEEP_ICC) && vips_image_get_typeof(in, VIPS_META_ICC_NAME) &&
           colour_bands != 4 && in->Type != VIPS_INTERPRETATION_CMYK;
}

int to_srgb8(VipsImage *in, VipsImage **out, int keep_grey, int keep_profile)
{
    VipsImage *t = NULL;
    int colour_bands = in->Bands - (vips_image_hasalpha(in) ? 1 : 0);
    int grey = colour_bands < 3;
    VipsInterpretation target = grey && keep_grey ? VIPS_INTERPRETATION_B_W
                                                  : VIPS_INTERPRETATION_sRGB;

    /*
     * An embedded profile says what the numbers mean: honour it for colour
     * images, unless it is kept (--keep icc), when the numbers stay its own.
     */
    if (!grey && !keep_profile && vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
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
    if (!keep_profile) {
        /* The numbers are sRGB now: the profile they came with describes them no more. */
        VipsImage *bare;
        r = vips_copy(c, &bare, NULL);
        g_object_unref(c);
        if (r)
            return -1;
        vips_image_remove(bare, VIPS_META_ICC_NAME);
        c = bare;
    }
    *out = c;
    return 0;
}

/* Splits off the alpha band (if any) so a colour matrix sees colour only. */
static int split_alpha(VipsImage *in, VipsImage **colour, VipsImage **alpha)
{
    *alpha = NULL;
    if (!vips_image_hasalpha(in)) {
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

/*
 * A colour matrix and how to bring its result back to 0..255:
 * out = floor(recomb(m) * scale + offset), clipped.
 */
struct colour_matrix {
    const double *m;
    int rows;
    double scale, offset;
    VipsBandFormat precision; /* what the sum is computed in: exact, and no wider */
    VipsInterpretation type;
};

/*
 * Pillow's "L": (19595 R + 38470 G + 7471 B + 32768) >> 16.  The weighted
 * sum stays below 2^24, so libvips' float arithmetic computes it exactly and
 * the result matches Pillow to the value.
 */
static const double grey_weights[] = {19595, 38470, 7471};
static const struct colour_matrix grey_matrix = {grey_weights, 1, 1.0 / 65536, 0.5,
                                                 VIPS_FORMAT_FLOAT, VIPS_INTERPRETATION_B_W};

/*
 * The seed's sepia, truncated as its int() did: in double, so that floor()
 * sees the value the seed's Python computed.
 */
static const double sepia_weights[] = {
    0.393, 0.769, 0.189, /* R' */
    0.349, 0.686, 0.168, /* G' */
    0.272, 0.534, 0.131, /* B' */
};
static const struct colour_matrix sepia_matrix = {sepia_weights, 3, 1.0, 0.0,
                                                  VIPS_FORMAT_DOUBLE, VIPS_INTERPRETATION_sRGB};

/* Applies cm to the colour bands of an 8-bit sRGB image; alpha passes through. */
static int apply_matrix(VipsImage *srgb, const struct colour_matrix *cm, VipsImage **out)
{
    VipsImage *colour, *alpha, *wide = NULL, *mat = NULL, *mixed = NULL, *scaled = NULL,
                               *floored = NULL, *u = NULL;
    int r = -1;

    if (split_alpha(srgb, &colour, &alpha))
        return -1;
    mat = vips_image_new_matrix_from_array(3, cm->rows, cm->m, 3 * cm->rows);
    if (!mat || vips_cast(colour, &wide, cm->precision, NULL) ||
        vips_recomb(wide, &mixed, mat, NULL) ||
        vips_linear1(mixed, &scaled, cm->scale, cm->offset, NULL) ||
        vips_round(scaled, &floored, VIPS_OPERATION_ROUND_FLOOR, NULL) ||
        vips_cast_uchar(floored, &u, NULL)) /* the cast clips at 0 and 255 */
        goto done;
    u->Type = cm->type;
    if (alpha) {
        r = vips_bandjoin2(u, alpha, out, NULL);
        if (!r)
            (*out)->Type = cm->type;
    } else {
        g_object_ref(u);
        *out = u;
        r = 0;
    }
done:
    VIPS_UNREF(wide);
    VIPS_UNREF(mat);
    VIPS_UNREF(mixed);
    VIPS_UNREF(scaled);
    VIPS_UNREF(floored);
    VIPS_UNREF(u);
    g_object_unref(colour);
    VIPS_UNREF(alpha);
    return r;
}

/*
 * Refuses inputs above the pixel limit before a single pixel is decoded.
 * im is one frame; an animation kept whole counts all of them.
 */
static int check_limit(const struct image_settings *s, VipsImage *im, const struct anim_plan *p,
                       struct job_result *res)
{
    if (p->kept > 1 && over_pixel_limit_frames(s->max_megapixels, im->Xsize, im->Ysize, p->kept)) {
        job_result_fail(res, "image too large: %d frames of %dx%d are %.0f megapixels (limit %.0f, "
                             "see --max-pixels)",
                        p->kept, im->Xsize, im->Ysize,
                        (double)im->Xsize * im->Ysize * p->kept / 1e6, s->max_megapixels);
        res->input_fault = 1;
        return -1;
    }
    if (over_pixel_limit(s->max_megapixels, im->Xsize, im->Ysize)) {
        job_result_fail(res, "image too large: %dx%d is %.0f megapixels (limit %.0f, see --max-pixels)",
                        im->Xsize, im->Ysize, (double)im->Xsize * im->Ysize / 1e6,
                        s->max_megapixels);
        res->input_fault = 1;
        return -1;
    }
    return 0;
}

/* Full-size operations: load, upright, sRGB, then the matrix of grayscale or sepia. */
VipsImage *filter_full_size(const struct image_settings *s, const struct vips_input *in,
                            VipsImage *header, int frames, struct job_result *res)
{
    int orientation = s->no_rotate ? 1 : vips_image_get_orientation(header);
    VipsImage *loaded = header, *upright = NULL, *srgb = NULL, *out = NULL;

    /* Rotating needs random access: reopen so the decoder keeps the whole image. */
    if (orientation > 1) {
        loaded = vips_input_load(in, VIPS_ACCESS_RANDOM);
        if (!loaded) {
            fail_decoding(res, in->in);
            return NULL;
        }
        if (anim_autorot(loaded, frames, &upright)) {
            fail_from_vips(res, "cannot rotate");
            g_object_unref(loaded);
            return NULL;
        }
        g_object_unref(loaded);
    } else {
        g_object_ref(header);
        upright = header;
    }

    /* convert keeps a grey image grey, like resize; sepia needs colour channels. */
    int ok = !to_srgb8(upright, &srgb, s->op != IMAGE_SEPIA, keeps_profile(s, upright));
    if (ok && s->op == IMAGE_CONVERT) {
        g_object_ref(srgb);
        out = srgb;
    } else if (ok && s->op == IMAGE_GRAYSCALE)
        ok = srgb->Bands - vips_image_hasalpha(srgb) == 1
                 ? (g_object_ref(srgb), out = srgb, 1) /* grey already is luminance */
                 : !apply_matrix(srgb, &grey_matrix, &out);
    else if (ok)
        ok = !apply_matrix(srgb, &sepia_matrix, &out);
    if (!ok)
        fail_from_vips(res, "cannot convert");
    g_object_unref(upright);
    if (srgb)
        g_object_unref(srgb);
    return ok ? out : NULL;
}

/*
 * vips_thumbnail to tw x th (upright).  An animation's frames are turned
 * upright here, one by one, not by libvips, which would turn the whole
 * strip: so it is asked for the size as stored, and the small frames are
 * turned in memory (rotating reads a frame across, not top to bottom).
 */
VipsImage *thumbnail_upright(const struct image_settings *s, const struct vips_input *in,
                             VipsImage *header, int tw, int th, int frames, int colour)
{
    int turn = frames > 1 && !s->no_rotate && vips_image_get_orientation(header) > 1;
    int swap = turn && vips_image_get_orientation_swap(header);
    VipsImage *thumb, *memory, *upright = NULL;

    thumb = vips_input_thumbnail(in, swap ? th : tw, swap ? tw : th, s->no_rotate || turn, colour);
    if (!thumb || !turn)
        return thumb;
    memory = vips_image_copy_memory(thumb);
    g_object_unref(thumb);
    if (memory && anim_autorot(memory, frames, &upright))
        upright = NULL;
    VIPS_UNREF(memory);
    return upright;
}

VipsImage *load_header(const struct image_settings *s, struct vips_input *vin,
                       const enum out_format *fmts, size_t nfmts, struct anim_plan *p,
                       struct job_result *res)
{
    VipsImage *header = vips_input_load(vin, VIPS_ACCESS_SEQUENTIAL), *all;

    if (!header) {
        fail_decoding(res, vin->in);
        return NULL;
    }
    anim_plan_for(p, header, vin->in->kind, fmts, nfmts);
    res->in_frames = (uint32_t)p->frames;
    if (check_limit(s, header, p, res) < 0) {
        g_object_unref(header); /* refused before decoding a pixel */
        return NULL;
    }
    if (p->kept == 1)
        return header;
    vips_input_all_frames(vin);
    all = vips_input_load(vin, VIPS_ACCESS_SEQUENTIAL);
    if (!all) {
        fail_decoding(res, vin->in);
    } else if (all->Xsize != header->Xsize || all->Ysize / p->kept != header->Ysize ||
               all->Ysize % p->kept) {
        job_result_fail(res, "cannot read the %d frames of this %s as %dx%d each",
                        p->kept, input_kind_label(vin->in->kind), header->Xsize, header->Ysize);
        g_object_unref(all);
        all = NULL;
    }
    g_object_unref(header);
    return all;
}
