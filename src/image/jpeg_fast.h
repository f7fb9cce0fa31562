/*
 * jpeg_fast: JPEG in, JPEG out, through TurboJPEG, without libvips.
 */
#ifndef IMGBATCH_IMAGE_JPEG_FAST_H
#define IMGBATCH_IMAGE_JPEG_FAST_H

#include "image/image.h"
#include "input.h"

/*
 * Returns 1 when it handled the file, every output of the job (res is
 * final, ok or failed), 0 when the file is not for it (a profile, CMYK, a
 * decoder warning, an output that is not JPEG...) and the libvips path
 * must run; it then wrote nothing.
 */
int jpeg_fast_process(const struct image_settings *s, const struct image_input *in,
                      const struct image_job *job, struct job_result *res);
void jpeg_fast_shutdown(void);

#endif
