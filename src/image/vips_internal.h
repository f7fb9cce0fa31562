/*
 * vips_internal: what the vips_*.c files share with each other and with the
 * engine, and nothing else includes.
 */
#ifndef IMGBATCH_IMAGE_VIPS_INTERNAL_H
#define IMGBATCH_IMAGE_VIPS_INTERNAL_H

#include <vips/vips.h>

#include "image/image.h"
#include "input.h"

/* ---- vips_load.c */

/* Starts libvips once per worker; 0, or -1 then and ever after. */
int vips_library_start(void);
/* Marks libvips as not to be started (its fence could not be put up). */
void vips_library_refuse(void);
int vips_library_failed(void);
void vips_library_shutdown(void);

/* An input as libvips reads it: its bytes, and --fail-on in libvips' words. */
struct vips_input {
    const struct image_input *in;
    VipsFailOn fail_on;      /* for every load of this input */
    char fail_on_option[32]; /* the same as a loader option string */
    int pages;               /* GIF and WebP frames loaded: 1, or -1 for all */
};

void vips_input_init(struct vips_input *vin, const struct image_input *in, enum fail_on fail_on);

/* Makes every later load and thumbnail of this input take all its frames (an animation). */
void vips_input_all_frames(struct vips_input *vin);

/* Header and lazy pixels, by the sniffed format's loader; damage surfaces on use. */
VipsImage *vips_input_load(const struct vips_input *vin, VipsAccess access);

/*
 * vips_thumbnail from this input, to exactly width x height (the caller
 * computes the size, and crops, as the fast path does).  With to_srgb, an
 * embedded profile (P3, ProPhoto, CMYK...) is used to reach sRGB; without,
 * grey stays grey.
 */
VipsImage *vips_input_thumbnail(const struct vips_input *vin, int width, int height,
                                int no_rotate, int to_srgb);

/* ---- vips_levels.c */

/* The operation on libvips, each output of the job written to its temporary file. */
void vips_process(const struct image_settings *s, const struct image_input *in,
                  const struct image_job *job, struct job_result *res);

/* ---- vips_ops.c */

/*
 * 8-bit sRGB (or 8-bit grey where keep_grey and the input is grey), alpha
 * kept.  With keep_profile the numbers are not moved out of the embedded
 * profile's space (keeps_profile).
 */
int to_srgb8(VipsImage *in, VipsImage **out, int keep_grey, int keep_profile);

/* Whether in's embedded profile stays, with its numbers (--keep icc on an RGB or grey image). */
int keeps_profile(const struct image_settings *s, VipsImage *in);

struct anim_plan;

/*
 * The input's header, and what becomes of its frames, written as fmts: an
 * animation to be kept whole (any of fmts animates) is counted and checked
 * against --max-pixels on its first frame's header, and only then loaded
 * with all its frames.  NULL with res failed if the file cannot be read
 * or is refused.
 */
VipsImage *load_header(const struct image_settings *s, struct vips_input *vin,
                       const enum out_format *fmts, size_t nfmts, struct anim_plan *p,
                       struct job_result *res);

/* grayscale, sepia, convert: the whole image, upright, sRGB, filtered; NULL with res failed. */
VipsImage *filter_full_size(const struct image_settings *s, const struct vips_input *in,
                            VipsImage *header, int frames, struct job_result *res);

/*
 * vips_thumbnail of the input to tw x th, upright (an animation's frames
 * turned one by one); with colour, an embedded profile is used to reach
 * sRGB.  NULL on failure (libvips' error buffer says why).
 */
VipsImage *thumbnail_upright(const struct image_settings *s, const struct vips_input *in,
                             VipsImage *header, int tw, int th, int frames, int colour);

/* ---- vips_animation.c */

/* What becomes of an input's frames. */
struct anim_plan {
    int frames; /* in the file: 1 for a still image, and for the kinds that do not animate */
    int kept;   /* written: all of them where the output format animates, else 1 */
};

/*
 * The plan for an input whose header (loaded as one frame) is header,
 * written as each of fmts: all its frames kept where any of them animates.
 */
void anim_plan_for(struct anim_plan *p, VipsImage *header, enum input_kind kind,
                   const enum out_format *fmts, size_t nfmts);

/* What one output written as fmt keeps of images made under p: all p's frames, or the first. */
struct anim_plan anim_plan_of_output(const struct anim_plan *p, enum out_format fmt);

/* One frame's height in im, which stacks frames of them. */
int anim_frame_height(VipsImage *im, int frames);

/* Each frame turned upright by im's orientation (vips_autorot), stacked again. */
int anim_autorot(VipsImage *in, int frames, VipsImage **out);

/* The same area of each frame, stacked again. */
int anim_crop(VipsImage *in, int frames, int left, int top, int width, int height,
              VipsImage **out);

/* Each frame scaled to exactly width x height with Lanczos3 (vips_thumbnail_image), stacked again.
 */
int anim_resize(VipsImage *in, int frames, int width, int height, VipsImage **out);

/*
 * The image to save: with page-height set where p keeps several frames
 * (and none otherwise), checked against what the GIF saver can write, and
 * the frames written in done.  0, or -1 with res failed.
 */
int anim_finish(VipsImage *in, const struct anim_plan *p, enum out_format fmt, VipsImage **out,
                struct job_result *res, struct output_result *done);

/* ---- vips_save.c */

/*
 * Writes img in format fmt into the output's temporary file (output_file.h),
 * for the master to rename; in, the input, words decode errors (the pixels
 * are decoded while they are written).
 */
int image_save_atomic(VipsImage *img, const struct image_input *in,
                      const struct output_target *output, enum out_format fmt,
                      const struct image_settings *s, struct job_result *res);

/* ---- vips_keep.c */

/*
 * Whether in's own bytes hold the picture its output, decoded from
 * header, would (--keep-original-if-smaller asked): the format kept, an
 * operation that keeps the pixels, one page of 8-bit sRGB or grey,
 * upright, and no metadata that the output drops.  The caller checks
 * that the size is kept.
 */
int vips_original_may_stand_in(const struct image_settings *s, const struct image_input *in,
                               VipsImage *header, enum out_format fmt);

/*
 * Once the output is written: if it is larger than the input, the input's
 * bytes take its place (done->kept_original).  0, or -1 with res failed and
 * the output removed.
 */
int vips_keep_original_if_smaller(const struct image_input *in, const struct output_target *output,
                                  struct job_result *res, struct output_result *done);

/* ---- vips_errors.c */

/* Catches libvips' warnings (called once libvips is started). */
void vips_warnings_catch(void);

/*
 * Copies libvips' error buffer into res as one line and clears it.  what
 * says which step failed ("cannot open"); for decode errors, pass the
 * input instead and the message names the format it was sniffed as
 * (whatever the file's name says) and the damage: "truncated JPEG
 * (Premature end of JPEG file)", "truncated HEIF (...)" for a HEIC cut
 * short and named .jpg.
 */
void fail_from_vips(struct job_result *res, const char *what);
void fail_decoding(struct job_result *res, const struct image_input *in);

/*
 * The decoder's word that the data ended before the image did, if it said
 * so while this file was decoded (without failing it): NULL if not.
 */
const char *vips_truncation_warning(void);

/* Forgets the last file's warnings and errors: called as each file starts. */
void vips_warnings_reset(void);

#endif
