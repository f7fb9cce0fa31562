/*
 * jpeg_write: a fast path's pixels to a JPEG file, through TurboJPEG, as
 * libvips' jpegsave would write them (accurate DCT, its chroma choice,
 * --progressive), and atomically (output_file.h).
 */
#ifndef IMGBATCH_JPEG_WRITE_H
#define IMGBATCH_JPEG_WRITE_H

#include "image/image.h"
#include "input.h"
#include "pixmap.h"

/*
 * Encodes the rectangle (left, top, w, h) of pm and writes it to output,
 * filling done (written, its size, whether the original stood in).  With
 * original set, the original's bytes are written instead when they are
 * fewer (--keep-original-if-smaller; the caller knows they hold the same
 * picture).  Returns 0, or -1 with res failed.
 */
int jpeg_write(const struct pixmap *pm, int left, int top, int w, int h,
               const struct image_settings *s, const struct output_target *output,
               const struct image_input *original, struct job_result *res,
               struct output_result *done);

/* Frees the worker's one encoder. */
void jpeg_write_shutdown(void);

#endif
