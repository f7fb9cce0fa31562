/*
 * resample: Lanczos3 reduction of an 8-bit image held in memory.
 *
 * The JPEG fast path decodes a photo at 1/2, 1/4 or 1/8 scale and then
 * needs one small Lanczos3 reduction, the same one libvips' vips_reduce()
 * computes for the general path.  Through libvips that reduction costs
 * more in building its pipeline (objects, a compiled vector program, a
 * thread hand-off) than in arithmetic; done here it is a pair of loops.
 * Like libvips it samples pixel centres, extends the edges by copying, and
 * rounds to 8 bits between the vertical and horizontal passes.
 */
#ifndef IMGBATCH_RESAMPLE_H
#define IMGBATCH_RESAMPLE_H

#include <stdint.h>

/*
 * Reduces the sw x sh image at src (1 or 3 bytes a pixel, rows packed) to
 * dw x dh at dst (rows packed).  dw <= sw and dh <= sh.  Returns 0, or -1
 * when memory runs out.
 */
int resample_lanczos3(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                      int channels);

/*
 * The same for an image whose sw x sh pixels span only span_w x span_h of
 * their own size: a box-shrunk image whose last column and row average
 * what was left of the original (pixmap.h), so that the result lines up
 * with the original's geometry and not the rounded one.
 */
int resample_lanczos3_spans(const uint8_t *src, int sw, int sh, double span_w, double span_h,
                            uint8_t *dst, int dw, int dh, int channels);

/*
 * The same with plain loops only, no SSE2: the reference the vector code
 * must match byte for byte (tests/unit/test_resample.c).
 */
int resample_lanczos3_scalar(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                             int channels);

#endif
