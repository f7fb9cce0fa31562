/*
 * heif_fast: HEIC in, JPEG out, through libheif with this project's HEVC
 * plugin (heif_hevc.h) and TurboJPEG, without libvips.
 */
#ifndef IMGBATCH_HEIF_FAST_H
#define IMGBATCH_HEIF_FAST_H

#include "image/image.h"
#include "input.h"

/*
 * Returns 1 when it handled the file (res is final, ok or failed), 0 when
 * the file is not for it (alpha, more than 8 bits, a profile, metadata to
 * keep, damage...) and the libvips path must run.
 */
int heif_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res);

#endif
