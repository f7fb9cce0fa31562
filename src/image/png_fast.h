/*
 * png_fast: PNG in, JPEG out, through libpng and TurboJPEG, without libvips.
 */
#ifndef IMGBATCH_PNG_FAST_H
#define IMGBATCH_PNG_FAST_H

#include "image/image.h"
#include "input.h"

/*
 * Returns 1 when it handled the file (res is final, ok or failed), 0 when
 * the file is not for it (alpha, 16 bits, interlaced, a profile, EXIF,
 * metadata to keep, a libpng warning or error...) and libvips must run.
 */
int png_fast_process(const struct image_settings *s, const struct image_input *in,
                     const struct image_job *job, struct job_result *res);

#endif
