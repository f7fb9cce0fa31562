/*
 * jpeg_fast: JPEG in, JPEG out, through TurboJPEG, without libvips.
 */
#ifndef IMGBATCH_IMAGE_JPEG_FAST_H
#define IMGBATCH_IMAGE_JPEG_FAST_H

#include "image/image.h"
#include "input.h"

/*
 * Returns 1 when it handled the file (res is final, ok or failed), 0 when
 * the file is not for it (a profile, CMYK, a decoder warning...) and the
 * libvips path must run.
 */
int jpeg_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct output_target *output, enum out_format fmt,
                      struct job_result *res);
void jpeg_fast_shutdown(void);

#endif
