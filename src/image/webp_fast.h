/*
 * webp_fast: WebP in, JPEG out, through libwebp and TurboJPEG, without libvips.
 */
#ifndef IMGBATCH_WEBP_FAST_H
#define IMGBATCH_WEBP_FAST_H

#include "image/image.h"
#include "input.h"

/*
 * Returns 1 when it handled the file (res is final, ok or failed), 0 when
 * the file is not for it (alpha, an animation, EXIF, a profile, metadata to
 * keep, a decode that fails...) and libvips must run.
 */
int webp_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res);

#endif
