/*
 * jpeg_fast: JPEG in, JPEG out, through TurboJPEG.
 *
 * For a batch of photos the codec is most of the work, and what libvips
 * adds per image (a loader search, a second header parse, a pipeline of
 * objects per operation) costs about as much again.  This path works on
 * the bytes the worker read and sniffed (image_load.c), takes orientation and profile from its
 * markers (jpeg_markers.c), and does what libvips' thumbnail does: decode with libjpeg's DCT
 * scaling at the largest 1/2^k that still leaves twice the target size, reduce with Lanczos3
 * (resample.c), encode with TurboJPEG. A responsive set is decoded once, for its largest size, and
 * each smaller size reduced from the one before (size_plan.h); a thumbnail's box is cut from its
 * level as it is encoded.  grayscale decodes the luminance alone; sepia decodes at full size and
 * runs the seed's arithmetic (pixels.c).
 *
 * It takes only the clean cases: JPEG outputs only, no ICC profile other
 * than sRGB under another name (icc_srgb.c), no CMYK, no metadata to keep,
 * no enlargement, a crop it can place by arithmetic (not attention or
 * entropy), and a decode without a single libjpeg warning.
 * Anything else returns 0 and goes the libvips way, which also words the
 * errors, so a damaged file reads the same whichever path saw it first.
 */
#include "jpeg_fast.h"
#include "fast_mode.h"
#include "geometry.h"
#include "icc_srgb.h"
#include "jpeg_markers.h"
#include "jpeg_write.h"
#include "pixels.h"
#include "pixmap.h"
#include "size_plan.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <unistd.h>

/* One decoder per worker, made on first use. */
static tjhandle decoder;

void jpeg_fast_shutdown(void)
{
    if (decoder)
        tjDestroy(decoder);
    decoder = NULL;
    jpeg_write_shutdown();
}

/*
 * The largest DCT scaling 1/2^k for which the upright decoded image is at
 * least need_w x need_h (twice the target, as libvips leaves it), or 1 if
 * none is; sizes round down, as in decode().
 */
static tjscalingfactor pick_scale(int w, int h, int orientation, int need_w, int need_h)
{
    tjscalingfactor best = {1, 1};

    for (int denom = 2; denom <= 8; denom *= 2) {
        tjscalingfactor f = {1, denom};
        int uw, uh;
        oriented_size(orientation, w / denom, h / denom, &uw, &uh);
        if (uw < need_w || uh < need_h)
            break;
        best = f;
    }
    return best;
}

/* What TurboJPEG says of the stream's header. */
struct jpeg_info {
    int width, height, colorspace;
};

/*
 * Decodes at scale into pm; 0, or -1 on any error or warning (then libvips
 * decides).  libjpeg rounds a scaled size up, its last row and column
 * standing for a partial block; libvips' shrink-on-load rounds down and
 * drops them, and so does this, so both paths see the same pixels.
 */
static int decode(const uint8_t *jpeg, size_t len, const struct jpeg_info *info,
                  tjscalingfactor scale, int want_grey, struct pixmap *pm)
{
    int decoded_w = TJSCALED(info->width, scale), decoded_h = TJSCALED(info->height, scale);

    pm->channels = want_grey ? 1 : 3;
    pm->px = malloc((size_t)decoded_w * decoded_h * pm->channels);
    if (!pm->px)
        return -1;
    if (tjDecompress2(decoder, jpeg, (unsigned long)len, pm->px, decoded_w, 0, decoded_h,
                      pm->channels == 1 ? TJPF_GRAY : TJPF_RGB,
                      TJFLAG_STOPONWARNING | TJFLAG_NOREALLOC)) {
        pixmap_release(pm);
        return -1;
    }
    pm->w = info->width * scale.num / scale.denom;
    pm->h = info->height * scale.num / scale.denom;
    if (pm->w < decoded_w) /* rows move towards the start: never over one not yet moved */
        for (int y = 1; y < pm->h; y++)
            memmove(pm->px + (size_t)y * pm->w * pm->channels,
                    pm->px + (size_t)y * decoded_w * pm->channels, (size_t)pm->w * pm->channels);
    return 0;
}

/*
 * Encodes the rectangle (left, top, w, h) of pm and writes it atomically as
 * the output `done` reports on (jpeg_write.h).
 */
static int encode_and_save(const struct pixmap *pm, int left, int top, int w, int h,
                           const struct image_settings *s, const struct output_target *output,
                           const struct image_input *original, struct job_result *res,
                           struct output_result *done)
{
    return jpeg_write(pm, left, top, w, h, s, output, original, res, done);
}

/*
 * A colour JPEG's profile that is sRGB in all but name converts to sRGB
 * unchanged, within rounding: such a file is as good as untagged.  Any other
 * profile, or one on a grey JPEG, is for libvips' colour management.
 */
static int profile_is_plain_srgb(const struct jpeg_markers *markers, int colorspace)
{
    size_t len = 0;
    uint8_t *icc;
    int srgb;

    if (colorspace == TJCS_GRAY)
        return 0;
    icc = jpeg_icc_profile(markers, &len);
    srgb = icc && icc_profile_is_srgb(icc, len);
    free(icc);
    return srgb;
}

/*
 * Whether this JPEG may take the fast path, judged on its own header: YCbCr,
 * RGB or grey, no profile but sRGB, orientation readable, inside
 * --max-pixels.  (The caller has checked that it goes to JPEG without
 * metadata to keep.)
 */
static int eligible(const struct image_settings *s, const uint8_t *jpeg, size_t len,
                    struct jpeg_info *info, int *orientation, int *plain)
{
    struct jpeg_markers markers;
    int subsamp;

    if (jpeg_read_markers(jpeg, len, &markers))
        return 0;
    if (tjDecompressHeader3(decoder, jpeg, (unsigned long)len, &info->width, &info->height,
                            &subsamp, &info->colorspace))
        return 0;
    if (info->colorspace != TJCS_YCbCr && info->colorspace != TJCS_GRAY &&
        info->colorspace != TJCS_RGB)
        return 0; /* CMYK and YCCK: libvips converts those */
    if (markers.icc_chunks && !profile_is_plain_srgb(&markers, info->colorspace))
        return 0;
    if (over_pixel_limit(s->max_megapixels, info->width, info->height))
        return 0; /* libvips' path words the refusal */
    *orientation = s->no_rotate ? 1 : markers.orientation;
    /* Nothing a stripped output would lose: no EXIF (so no orientation), XMP, comment, profile. */
    *plain = !markers.metadata_segments && !markers.icc_chunks;
    return 1;
}

/*
 * Whether the input's bytes are the very picture this output would hold, so
 * that they may stand in for it (--keep-original-if-smaller): the same size,
 * an operation that leaves the pixels, and nothing that stripping drops.
 */
static int original_may_stand_in(const struct image_settings *s, int plain, int uw, int uh,
                                 int out_w, int out_h)
{
    return s->encode.keep_original && plain && s->op != IMAGE_GRAYSCALE && s->op != IMAGE_SEPIA &&
           out_w == uw && out_h == uh;
}

/* One decode of one JPEG, for every output of the job. */
struct fast_job {
    const struct image_settings *s;
    const struct image_input *in;
    const struct image_job *job;
    struct size_plan plan;
    int orientation, plain;
    int uw, uh; /* upright size of the full image */
};

static enum plan_kind plan_kind_for(enum image_op op)
{
    return op == IMAGE_RESIZE      ? PLAN_RESIZE
           : op == IMAGE_THUMBNAIL ? PLAN_THUMBNAIL
                                   : PLAN_FULL_SIZE;
}

/*
 * The outputs' plan, if this path can follow it: every output JPEG, a crop
 * placed by arithmetic, no enlargement (libvips' thumbnail does that), and
 * each level reduced from the one before, in place.
 */
static int plan_outputs(struct fast_job *f)
{
    const struct image_job *job = f->job;
    struct size_request sizes[JOB_OUTPUTS_MAX];
    /* The format follows the input's name, as the master named the output by it. */
    enum input_kind named = input_kind_of(job->input_shown);

    if (job->noutputs < 1 || job->noutputs > JOB_OUTPUTS_MAX)
        return 0;
    for (size_t i = 0; i < job->noutputs; i++) {
        if (output_format_for(job->outputs[i].format, named) != FMT_JPEG)
            return 0;
        sizes[i] = job->outputs[i].size;
    }
    if (f->s->op == IMAGE_THUMBNAIL && crop_is_smart(f->s->crop))
        return 0;
    size_plan_make(&f->plan, plan_kind_for(f->s->op), sizes, (int)job->noutputs, f->uw, f->uh);
    return !size_plan_enlarges(&f->plan, f->uw, f->uh) && size_plan_is_chain(&f->plan);
}

/* Output i of the job from pm, its level: thumbnail's box cut where --crop says. */
static int write_output(const struct fast_job *f, const struct pixmap *pm, int i,
                        struct job_result *res)
{
    const struct image_settings *s = f->s;
    int out_w = f->plan.out_w[i], out_h = f->plan.out_h[i], left = 0, top = 0;
    struct output_result *done = &res->outputs[i];

    if (s->op == IMAGE_THUMBNAIL)
        crop_window(s->crop, pm->w, pm->h, out_w, out_h, &left, &top);
    const struct image_input *original =
        original_may_stand_in(s, f->plain, f->uw, f->uh, out_w, out_h) ? f->in : NULL;
    if (encode_and_save(pm, left, top, out_w, out_h, s, &f->job->outputs[i].target, original, res,
                        done) < 0)
        return -1;
    done->capped = f->plan.capped[i];
    return 0;
}

/*
 * Each level in turn, reduced in place from the one before, and its
 * outputs written.  Once an output is written there is no going back to
 * libvips (its temporary file is made): a reduction that fails then fails
 * the file.
 */
static void write_levels(const struct fast_job *f, struct pixmap *pm, struct job_result *res)
{
    const struct size_plan *p = &f->plan;
    int scaled = f->s->op == IMAGE_RESIZE || f->s->op == IMAGE_THUMBNAIL;

    for (int l = 0; l < p->nlevels; l++) {
        if (scaled && pixmap_reduce_to(pm, p->levels[l].w, p->levels[l].h)) {
            job_result_fail(res, "out of memory reducing %s to %dx%d", f->in->shown, p->levels[l].w,
                            p->levels[l].h);
            return;
        }
        for (int i = 0; i < p->count; i++)
            if (p->level[i] == l && write_output(f, pm, i, res) < 0)
                return;
    }
}

static int try_fast_path(const struct image_settings *s, const struct image_input *in,
                         const struct image_job *job, struct job_result *res)
{
    struct fast_job f = {.s = s, .in = in, .job = job};
    tjscalingfactor scale = {1, 1};
    struct jpeg_info info;
    struct pixmap pm = {0};
    int handled = 0;

    if (s->keep_metadata)
        return 0;
    if (!decoder && !(decoder = tjInitDecompress()))
        return 0;
    if (!eligible(s, in->data, in->length, &info, &f.orientation, &f.plain))
        goto done;
    oriented_size(f.orientation, info.width, info.height, &f.uw, &f.uh);
    if (!plan_outputs(&f))
        goto done;
    if (s->op == IMAGE_RESIZE || s->op == IMAGE_THUMBNAIL)
        scale = pick_scale(info.width, info.height, f.orientation, 2 * f.plan.need_w,
                           2 * f.plan.need_h);
    if ((double)TJSCALED(info.width, scale) * TJSCALED(info.height, scale) >
        FAST_MAX_DECODED_PIXELS)
        goto done;

    /*
     * grayscale decodes the luminance alone.  A YCbCr JPEG stores Y = 0.299 R
     * + 0.587 G + 0.114 B, Pillow's "L" weights, so libjpeg just skips the
     * chroma's inverse DCT, upsampling and colour conversion (an RGB JPEG
     * it converts with the same weights and rounding as Pillow).  Y equals
     * L of the decoded RGB to +-1 except where that RGB clips: a colour
     * outside sRGB, such as a vivid red, keeps the luminance it was encoded
     * with instead of that of the clipped colour (up to ~20 levels lighter).
     */
    int grey = s->op == IMAGE_GRAYSCALE || (s->op != IMAGE_SEPIA && info.colorspace == TJCS_GRAY);
    if (decode(in->data, in->length, &info, scale, grey, &pm) ||
        pixmap_make_upright(&pm, f.orientation))
        goto done;
    if (s->op == IMAGE_SEPIA)
        rgb_to_sepia(pm.px, (size_t)pm.w * pm.h);
    /* grayscale: the decoder gave luminance; convert: upright is all it asks. */
    if ((s->op == IMAGE_RESIZE || s->op == IMAGE_THUMBNAIL) &&
        pixmap_reduce_to(&pm, f.plan.levels[0].w, f.plan.levels[0].h))
        goto done; /* nothing written yet: libvips may try */
    handled = 1;
    res->in_width = (uint32_t)f.uw;
    res->in_height = (uint32_t)f.uh;
    res->noutputs = (uint32_t)job->noutputs;
    write_levels(&f, &pm, res);
done:
    pixmap_release(&pm);
    return handled;
}

int jpeg_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res)
{
    return fast_path_run("JPEG", try_fast_path, s, in, job, res);
}
