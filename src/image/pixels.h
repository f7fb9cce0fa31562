/*
 * pixels: plain loops over 8-bit interleaved pixel buffers, for the JPEG
 * fast path.  No libraries: these are pure functions, unit tested alone.
 */
#ifndef IMGBATCH_PIXELS_H
#define IMGBATCH_PIXELS_H

#include <stddef.h>
#include <stdint.h>

/* Width and height an EXIF orientation (1..8) gives a w x h image once upright. */
void oriented_size(int orientation, int w, int h, int *out_w, int *out_h);

/*
 * Writes the upright version of src (w x h, `channels` bytes a pixel,
 * tightly packed) into dst, which holds as many bytes.  orientation is the
 * EXIF value: 1 upright, 2 mirrored, 3 turned 180, 4 flipped, 5 transposed,
 * 6 turned 90 clockwise to fix, 7 transversed, 8 turned 90 anticlockwise.
 */
void orient_pixels(const uint8_t *src, uint8_t *dst, int w, int h, int channels,
                   int orientation);

/*
 * The seed's sepia, in place on RGB: the same double arithmetic, in the
 * same order, truncated and clipped at 255 as its Python did.
 */
void rgb_to_sepia(uint8_t *rgb, size_t pixels);

#endif
