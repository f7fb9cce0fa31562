/*
 * fast_output: the one JPEG a decode-and-reduce fast path (HEIF, PNG, WebP)
 * makes of a job: whether the job is one, the size to reduce to, and the
 * thumbnail's box cut where --crop says as it is written.
 *
 * A responsive set (several outputs) goes to the JPEG path or libvips,
 * which plan their levels (size_plan.h); these paths take the common case,
 * one size in one format.
 */
#ifndef IMGBATCH_FAST_OUTPUT_H
#define IMGBATCH_FAST_OUTPUT_H

#include "image/image.h"
#include "input.h"
#include "pixmap.h"

struct fast_output {
    const struct image_output *out;
    int tw, th;       /* the size to reduce the upright w x h picture to */
    int out_w, out_h; /* what is written: thumbnail's box, else tw x th */
};

/*
 * Fills fo when job is one JPEG output of resize or thumbnail, without
 * metadata to keep or a crop that looks at the pixels, and no enlargement
 * of the upright w x h picture: 1, else 0.
 */
int fast_output_plan(const struct image_settings *s, const struct image_job *job, int w, int h,
                     struct fast_output *fo);

/* Writes pm (reduced to tw x th) as the job's output, reporting in res.  0, or -1. */
int fast_output_write(const struct fast_output *fo, const struct pixmap *pm,
                      const struct image_settings *s, struct job_result *res);

#endif
