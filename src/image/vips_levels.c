/*
 * vips_levels: every output of one job through libvips, from one decode.
 *
 * The job's sizes become levels (size_plan.h): the largest is made from
 * the input by vips_thumbnail (shrinking while decoding where the format
 * allows), and each smaller one from the level before it by
 * vips_thumbnail_image, Lanczos3 as ever.  libvips' pipelines are lazy:
 * a level read twice (two formats, a smaller level made from it, a smart
 * crop that looks before it cuts) would run its whole chain again, the
 * decode included, for each read.  So such a level is copied to memory
 * once, and the ones after it read that copy.  A level is let go as soon
 * as no later level is made from it, so a worker holds the largest level
 * and the next at most: memory follows the largest output, not the number
 * of sizes.  A job of one output reads its level once and streams as it
 * always did.
 *
 * Each output is its level as it is (resize, the full-size operations) or
 * thumbnail's box cut from it where --crop says: by arithmetic
 * (crop_window), or where libvips' smartcrop finds the subject.
 */
#include "geometry.h"
#include "pixels.h"
#include "size_plan.h"
#include "vips_internal.h"

#include <string.h>

struct vips_job {
    const struct image_settings *s;
    const struct image_input *in;
    const struct image_job *job;
    struct vips_input vin;
    VipsImage *header; /* the input's header: one frame, or the strip of every frame kept */
    struct anim_plan anim;
    enum out_format fmt[JOB_OUTPUTS_MAX];
    int may_keep[JOB_OUTPUTS_MAX]; /* --keep-original-if-smaller may stand the input in */
    struct size_plan plan;
    int w, h; /* upright, one frame */
    VipsImage *levels[JOB_OUTPUTS_MAX];
};

static int scaled_op(const struct image_settings *s)
{
    return s->op == IMAGE_RESIZE || s->op == IMAGE_THUMBNAIL;
}

/* " of 10 frames" for an animation, "" for a still image: the limit counts all of them. */
static const char *frames_words(int frames, char *buf, size_t len)
{
    if (frames <= 1)
        return "";
    snprintf(buf, len, " of %d frames", frames);
    return buf;
}

/*
 * Every output's scaled size within --max-pixels, before a pixel is
 * decoded: fit and shrink stay within the input's own limit, the other
 * modes and thumbnail's cover may not.  0, or -1 with res failed.
 */
static int check_output_limits(const struct vips_job *v, struct job_result *res)
{
    const struct image_settings *s = v->s;
    char words[32];

    for (int i = 0; scaled_op(s) && i < v->plan.count; i++) {
        const struct size_level *l = &v->plan.levels[v->plan.level[i]];
        const struct size_request *r = &v->job->outputs[i].size;
        if (!over_pixel_limit_frames(s->max_megapixels, l->w, l->h, v->anim.kept))
            continue;
        if (s->op == IMAGE_RESIZE)
            job_result_fail(res,
                            "image too large: --size scales this %dx%d image to %dx%d%s, above "
                            "--max-pixels %g",
                            v->w, v->h, l->w, l->h,
                            frames_words(v->anim.kept, words, sizeof(words)), s->max_megapixels);
        else
            job_result_fail(res,
                            "image too large: covering %dx%d scales this %dx%d image to %dx%d%s, "
                            "above --max-pixels %.0f",
                            r->width, r->height, v->w, v->h, l->w, l->h,
                            frames_words(v->anim.kept, words, sizeof(words)), s->max_megapixels);
        res->input_fault = 1;
        return -1;
    }
    return 0;
}

/* How many times level l is read: once per output (twice for a smart crop), once per child. */
static int level_reads(const struct vips_job *v, int l)
{
    int reads = 0;
    int smart = v->s->op == IMAGE_THUMBNAIL && crop_is_smart(v->s->crop);

    for (int i = 0; i < v->plan.count; i++)
        reads += v->plan.level[i] == l ? 1 + smart : 0;
    for (int k = l + 1; k < v->plan.nlevels; k++)
        reads += v->plan.levels[k].from == l;
    return reads;
}

/* The last level made from level l, or l: after it, l may go. */
static int last_reader(const struct vips_job *v, int l)
{
    int last = l;

    for (int k = l + 1; k < v->plan.nlevels; k++)
        if (v->plan.levels[k].from == l)
            last = k;
    return last;
}

/* Level l from the input: scaled by vips_thumbnail, or the full-size operation. */
static VipsImage *level_from_input(struct vips_job *v, int l, struct job_result *res)
{
    const struct image_settings *s = v->s;
    const struct size_level *lv = &v->plan.levels[l];
    VipsImage *header = v->header, *thumb, *out;

    if (!scaled_op(s))
        return filter_full_size(s, &v->vin, header, v->anim.kept, res);
    /*
     * Only a colour image with an embedded profile needs a colour transform:
     * building an lcms transform costs more than shrinking a whole photo, and
     * without a profile the pixels are taken as sRGB anyway.
     */
    int keep_profile = keeps_profile(s, header);
    int colour = header->Bands - vips_image_hasalpha(header) >= 3 &&
                 vips_image_get_typeof(header, VIPS_META_ICC_NAME) && !keep_profile;
    thumb = thumbnail_upright(s, &v->vin, header, lv->w, lv->h, v->anim.kept, colour);
    if (!thumb) {
        fail_decoding(res, v->in);
        return NULL;
    }
    /* Per pixel, so before the crop as after it: the same pixels, converted once. */
    int r = to_srgb8(thumb, &out, 1, keep_profile);
    g_object_unref(thumb);
    if (r) {
        fail_from_vips(res, "cannot convert");
        return NULL;
    }
    return out;
}

/* Level l: from the input, or scaled from the level it follows; in memory if read again. */
static VipsImage *make_level(struct vips_job *v, int l, struct job_result *res)
{
    const struct size_level *lv = &v->plan.levels[l];
    VipsImage *level;

    if (lv->from < 0) {
        level = level_from_input(v, l, res);
    } else if (anim_resize(v->levels[lv->from], v->anim.kept, lv->w, lv->h, &level)) {
        fail_from_vips(res, "cannot scale");
        level = NULL;
    }
    if (!level || level_reads(v, l) < 2)
        return level;
    /* The pixels are computed now: decode errors surface here. */
    VipsImage *memory = vips_image_copy_memory(level);
    g_object_unref(level);
    if (!memory)
        fail_decoding(res, v->in);
    return memory;
}

/*
 * Where libvips' smartcrop puts a w x h box in level (its first frame for
 * an animation, so that every frame is cut alike).  0, or -1.
 */
static int smart_window(VipsImage *level, int frames, int w, int h, enum crop_position pos,
                        int *left, int *top)
{
    VipsImage *first = NULL, *cut = NULL;
    VipsInteresting how =
        pos == CROP_ATTENTION ? VIPS_INTERESTING_ATTENTION : VIPS_INTERESTING_ENTROPY;
    int r = -1;

    if (vips_extract_area(level, &first, 0, 0, level->Xsize, anim_frame_height(level, frames),
                          NULL) == 0 &&
        vips_smartcrop(first, &cut, w, h, "interesting", how, NULL) == 0) {
        /* The cut says where it came from as its offset into the frame, negated. */
        *left = -cut->Xoffset;
        *top = -cut->Yoffset;
        r = 0;
    }
    VIPS_UNREF(cut);
    VIPS_UNREF(first);
    return r;
}

/* Output i's pixels: its level, or thumbnail's box cut from it.  NULL with res failed. */
static VipsImage *output_pixels(const struct vips_job *v, int i, VipsImage *level,
                                struct job_result *res)
{
    const struct image_settings *s = v->s;
    int w = v->plan.out_w[i], h = v->plan.out_h[i], frame_h;
    int left, top;
    VipsImage *out;

    frame_h = anim_frame_height(level, v->anim.kept);
    if (s->op != IMAGE_THUMBNAIL || (level->Xsize == w && frame_h == h)) {
        g_object_ref(level);
        return level;
    }
    crop_window(s->crop, level->Xsize, frame_h, w, h, &left, &top);
    if (crop_is_smart(s->crop) &&
        smart_window(level, v->anim.kept, w, h, s->crop, &left, &top) < 0) {
        fail_from_vips(res, "cannot find the subject");
        return NULL;
    }
    if (anim_crop(level, v->anim.kept, left, top, w, h, &out)) {
        fail_from_vips(res, "cannot crop");
        return NULL;
    }
    return out;
}

/* The first frame alone, for a still format, of a strip kept for the animated ones. */
static VipsImage *frames_for(const struct vips_job *v, VipsImage *img, const struct anim_plan *p,
                             struct job_result *res)
{
    VipsImage *first;

    if (p->kept == v->anim.kept) {
        g_object_ref(img);
        return img;
    }
    if (vips_extract_area(img, &first, 0, 0, img->Xsize, anim_frame_height(img, v->anim.kept),
                          NULL)) {
        fail_from_vips(res, "cannot take the first frame");
        return NULL;
    }
    return first;
}

/* Output i written from level: 0, or -1 with res failed. */
static int write_output(const struct vips_job *v, int i, VipsImage *level, struct job_result *res)
{
    const struct image_output *o = &v->job->outputs[i];
    struct output_result *done = &res->outputs[i];
    struct anim_plan p = anim_plan_of_output(&v->anim, v->fmt[i]);
    VipsImage *pixels = output_pixels(v, i, level, res), *frames = NULL, *ready = NULL;
    int r = -1;

    if (pixels && (frames = frames_for(v, pixels, &p, res)) &&
        anim_finish(frames, &p, v->fmt[i], &ready, res, done) == 0 &&
        image_save_atomic(ready, v->in, &o->target, v->fmt[i], v->s, res) == 0) {
        done->done = 1;
        done->width = (uint32_t)ready->Xsize;
        done->height = (uint32_t)anim_frame_height(ready, p.kept);
        done->capped = v->plan.capped[i];
        r = 0;
        if (v->may_keep[i] && done->width == res->in_width && done->height == res->in_height &&
            vips_keep_original_if_smaller(v->in, &o->target, res, done) < 0) {
            done->done = 0;
            r = -1;
        }
    }
    VIPS_UNREF(ready);
    VIPS_UNREF(frames);
    VIPS_UNREF(pixels);
    return r;
}

/* Each level in turn, its outputs written, and let go once no later level needs it. */
static void write_levels(struct vips_job *v, struct job_result *res)
{
    for (int l = 0; l < v->plan.nlevels; l++) {
        v->levels[l] = make_level(v, l, res);
        if (!v->levels[l])
            return;
        for (int i = 0; i < v->plan.count; i++)
            if (v->plan.level[i] == l && write_output(v, i, v->levels[l], res) < 0)
                return;
        for (int k = 0; k <= l; k++)
            if (v->levels[k] && last_reader(v, k) <= l)
                VIPS_UNREF(v->levels[k]);
    }
}

/* The outputs' formats and sizes, and the plan of levels for the upright w x h input. */
static void plan_outputs(struct vips_job *v)
{
    struct size_request sizes[JOB_OUTPUTS_MAX];
    const struct image_settings *s = v->s;
    enum plan_kind kind = s->op == IMAGE_RESIZE      ? PLAN_RESIZE
                          : s->op == IMAGE_THUMBNAIL ? PLAN_THUMBNAIL
                                                     : PLAN_FULL_SIZE;

    for (size_t i = 0; i < v->job->noutputs; i++) {
        sizes[i] = v->job->outputs[i].size;
        v->may_keep[i] = vips_original_may_stand_in(s, v->in, v->header, v->fmt[i]);
    }
    size_plan_make(&v->plan, kind, sizes, (int)v->job->noutputs, v->w, v->h);
}

/*
 * libjpeg reports data that ran out early as it closes, once the pixels
 * are written: truncation, which --fail-on truncated and above refuse.
 * Every output written goes then.
 */
static void refuse_truncated(const struct vips_job *v, struct job_result *res)
{
    const char *truncated = vips_truncation_warning();

    if (!res->ok || !truncated || v->s->fail_on < FAIL_ON_TRUNCATED)
        return;
    for (uint32_t i = 0; i < res->noutputs; i++) {
        if (res->outputs[i].done)
            discard_temp_output(&v->job->outputs[i].target);
        memset(&res->outputs[i], 0, sizeof(res->outputs[i]));
    }
    job_result_fail(res, "truncated %s (%s)", input_kind_label(v->in->kind), truncated);
    res->input_fault = 1;
}

void vips_process(const struct image_settings *s, const struct image_input *in,
                  const struct image_job *job, struct job_result *res)
{
    static struct vips_job v; /* large, and one job at a time in a worker */
    /* The format follows the input's name, as the master named the output by it. */
    enum input_kind named = input_kind_of(in->shown);

    memset(&v, 0, sizeof(v));
    v.s = s;
    v.in = in;
    v.job = job;
    for (size_t i = 0; i < job->noutputs; i++)
        v.fmt[i] = output_format_for(job->outputs[i].format, named);
    vips_input_init(&v.vin, in, s->fail_on);
    vips_warnings_reset();
    v.header = load_header(s, &v.vin, v.fmt, job->noutputs, &v.anim, res);
    if (!v.header)
        return;
    /* One frame's size, upright: what the report gives and the operation sizes. */
    oriented_size(s->no_rotate ? 1 : vips_image_get_orientation(v.header), v.header->Xsize,
                  anim_frame_height(v.header, v.anim.kept), &v.w, &v.h);
    res->in_width = (uint32_t)v.w;
    res->in_height = (uint32_t)v.h;
    res->noutputs = (uint32_t)job->noutputs;
    plan_outputs(&v);
    if (check_output_limits(&v, res) == 0)
        write_levels(&v, res);
    for (int l = 0; l < v.plan.nlevels; l++)
        VIPS_UNREF(v.levels[l]);
    g_object_unref(v.header);
    refuse_truncated(&v, res);
}
