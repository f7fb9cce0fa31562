/*
 * vips_animation: animated GIF and WebP through the libvips path.
 *
 * libvips holds an animation as one tall image, its frames stacked top to
 * bottom, with "page-height" (one frame's height), "delay" (each frame's
 * time in ms) and "loop" (times played, 0 for ever) as metadata; the GIF
 * and WebP savers write such an image back as an animation.  Colour
 * operations work on the tall image as they would on one frame, and keep
 * the metadata.  vips_thumbnail (libvips 8.14) shrinks each frame alike and
 * sets the new frame height, but turns the whole strip by an EXIF
 * orientation, not each frame: so rotation and the thumbnail's centre crop
 * are done here, frame by frame, and the frames joined again.
 *
 * Whether the frames are kept is decided per file from its header: all of
 * them where the output format animates (GIF, WebP), the first alone where
 * it does not (JPEG, PNG, TIFF), as before animations were kept.  A job
 * with outputs of both kinds keeps them all, and its still outputs take
 * the first frame of each scaled strip.  The frame
 * count is read from the header loaded as one frame, so that --max-pixels
 * is checked on every frame to be decoded before any is, and before
 * libvips is asked for a strip whose height might not fit in an int.
 */
#include "geometry.h"
#include "vips_internal.h"

#include <limits.h>

/* GIF and WebP are the kinds that animate, in and out. */
static int kind_animates(enum input_kind kind)
{
    return kind == IN_GIF || kind == IN_WEBP;
}

static int format_animates(enum out_format fmt)
{
    return fmt == FMT_GIF || fmt == FMT_WEBP;
}

void anim_plan_for(struct anim_plan *p, VipsImage *header, enum input_kind kind,
                   const enum out_format *fmts, size_t nfmts)
{
    /* n-pages is the file's count, whatever the load asked for; TIFF pages are no animation. */
    int n = kind_animates(kind) ? vips_image_get_n_pages(header) : 1;
    int any = 0;

    for (size_t i = 0; i < nfmts; i++)
        any |= format_animates(fmts[i]);
    p->frames = n > 1 ? n : 1;
    p->kept = p->frames > 1 && any ? p->frames : 1;
}

struct anim_plan anim_plan_of_output(const struct anim_plan *p, enum out_format fmt)
{
    struct anim_plan one = {p->frames, format_animates(fmt) ? p->kept : 1};

    return one;
}

int anim_frame_height(VipsImage *im, int frames)
{
    return frames > 1 ? im->Ysize / frames : im->Ysize;
}

/* What to do to one frame: out is a new reference, or the call fails. */
typedef int (*frame_op)(VipsImage *frame, VipsImage **out, const void *arg);

/*
 * Cuts in into its frames, applies op to each and stacks the results
 * again.  The frames are cut in order, top to bottom, so that a
 * sequential source is read forward only.
 */
static int each_frame(VipsImage *in, int frames, frame_op op, const void *arg, VipsImage **out)
{
    int height = anim_frame_height(in, frames);
    VipsImage **done = g_new0(VipsImage *, frames);
    int r = -1, i;

    for (i = 0; i < frames; i++) {
        VipsImage *frame;
        if (vips_extract_area(in, &frame, 0, i * height, in->Xsize, height, NULL))
            goto out;
        int failed = op(frame, &done[i], arg);
        g_object_unref(frame);
        if (failed)
            goto out;
    }
    r = vips_arrayjoin(done, out, frames, "across", 1, NULL);
out:
    for (i = 0; i < frames; i++)
        VIPS_UNREF(done[i]);
    g_free(done);
    return r;
}

static int rotate_frame(VipsImage *frame, VipsImage **out, const void *arg)
{
    (void)arg;
    return vips_autorot(frame, out, NULL);
}

int anim_autorot(VipsImage *in, int frames, VipsImage **out)
{
    if (frames <= 1)
        return vips_autorot(in, out, NULL);
    return each_frame(in, frames, rotate_frame, NULL, out);
}

struct area {
    int left, top, width, height;
};

static int crop_frame(VipsImage *frame, VipsImage **out, const void *arg)
{
    const struct area *a = arg;
    return vips_extract_area(frame, out, a->left, a->top, a->width, a->height, NULL);
}

int anim_crop(VipsImage *in, int frames, int left, int top, int width, int height, VipsImage **out)
{
    struct area a = {left, top, width, height};

    if (frames <= 1)
        return vips_extract_area(in, out, left, top, width, height, NULL);
    return each_frame(in, frames, crop_frame, &a, out);
}

struct frame_size {
    int width, height;
};

static int resize_frame(VipsImage *frame, VipsImage **out, const void *arg)
{
    const struct frame_size *to = arg;

    /* Upright already: nothing turns it again. */
    return vips_thumbnail_image(frame, out, to->width, "height", to->height, "size",
                                VIPS_SIZE_FORCE, "no_rotate", TRUE, NULL);
}

int anim_resize(VipsImage *in, int frames, int width, int height, VipsImage **out)
{
    struct frame_size to = {width, height};

    if (frames <= 1)
        return resize_frame(in, out, &to);
    return each_frame(in, frames, resize_frame, &to, out);
}

/* libvips' cgif saver refuses frames above 64k a side, or above INT_MAX / 4 bytes as RGBA. */
static int gif_frame_too_large(int width, int height)
{
    return width > 65535 || height > 65535 || (double)width * height > INT_MAX / 4;
}

int anim_finish(VipsImage *in, const struct anim_plan *p, enum out_format fmt, VipsImage **out,
                struct job_result *res, struct output_result *done)
{
    int height = anim_frame_height(in, p->kept);

    if (in->Ysize != height * p->kept) {
        /* Never seen: it would make the saver cut frames across their seams. */
        job_result_fail(res, "cannot keep the animation: %d frames do not stack to %dx%d", p->kept,
                        in->Xsize, in->Ysize);
        return -1;
    }
    if (fmt == FMT_GIF && gif_frame_too_large(in->Xsize, height)) {
        job_result_fail(res,
                        "image too large for GIF: %dx%d (GIF holds at most 65535x65535 "
                        "and libvips' GIF writer at most 536 megapixels)",
                        in->Xsize, height);
        res->input_fault = 1; /* this input, these options: the same again every time */
        return -1;
    }
    if (vips_copy(in, out, NULL)) {
        fail_from_vips(res, "cannot copy");
        return -1;
    }
    /* The saver animates an image whose page-height is below its height, and only then. */
    if (p->kept > 1)
        vips_image_set_int(*out, VIPS_META_PAGE_HEIGHT, height);
    else
        vips_image_remove(*out, VIPS_META_PAGE_HEIGHT);
    res->in_frames = (uint32_t)p->frames;
    done->frames = (uint32_t)p->kept;
    return 0;
}
