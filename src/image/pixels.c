/*
 * pixels: orientation and sepia on plain buffers; see pixels.h.
 *
 * The sepia sums must round exactly like the seed's Python doubles, so this
 * file is built with -ffp-contract=off: a fused multiply-add would round
 * once where Python rounds twice.
 */
#include "pixels.h"

#include <stddef.h>
#include <string.h>

void oriented_size(int orientation, int w, int h, int *out_w, int *out_h)
{
    int swap = orientation >= 5 && orientation <= 8;

    *out_w = swap ? h : w;
    *out_h = swap ? w : h;
}

/*
 * For each upright pixel (x, y) of an ow x oh image, where it was stored.
 * The eight EXIF cases are the eight symmetries of a rectangle.
 */
static void stored_position(int orientation, int x, int y, int ow, int oh, int *sx, int *sy)
{
    switch (orientation) {
    case 2: /* mirrored */
        *sx = ow - 1 - x, *sy = y;
        break;
    case 3: /* turned 180 */
        *sx = ow - 1 - x, *sy = oh - 1 - y;
        break;
    case 4: /* flipped */
        *sx = x, *sy = oh - 1 - y;
        break;
    case 5: /* transposed */
        *sx = y, *sy = x;
        break;
    case 6: /* stored turned 90 anticlockwise */
        *sx = y, *sy = ow - 1 - x;
        break;
    case 7: /* transversed */
        *sx = oh - 1 - y, *sy = ow - 1 - x;
        break;
    case 8: /* stored turned 90 clockwise */
        *sx = oh - 1 - y, *sy = x;
        break;
    default:
        *sx = x, *sy = y;
        break;
    }
}

/*
 * Upright pixel (x, y) is stored at (sx, sy), an affine function of x and y:
 * so each step right or down in the output is a fixed step in the input.
 * The turned cases walk the input down its columns; doing that a square
 * tile at a time keeps both sides in cache.
 */
#define ORIENT_TILE 64

/* Output rows y0..y1, columns x0..x1; offsets (not pointers) so none ever leaves src. */
static void copy_tile(const uint8_t *src, ptrdiff_t origin, ptrdiff_t step_x, ptrdiff_t step_y,
                      uint8_t *dst, size_t dst_stride, int channels, int x0, int y0, int x1,
                      int y1)
{
    for (int y = y0; y < y1; y++) {
        ptrdiff_t at = origin + y * step_y + x0 * step_x;
        uint8_t *out = dst + (size_t)y * dst_stride + (size_t)x0 * channels;
        /* Constant sizes: the compiler turns each copy into a plain move. */
        if (channels == 1)
            for (int x = x0; x < x1; x++, at += step_x, out++)
                *out = src[at];
        else if (channels == 3)
            for (int x = x0; x < x1; x++, at += step_x, out += 3)
                memcpy(out, src + at, 3);
        else
            for (int x = x0; x < x1; x++, at += step_x, out += channels)
                memcpy(out, src + at, (size_t)channels);
    }
}

void orient_pixels(const uint8_t *src, uint8_t *dst, int w, int h, int channels,
                   int orientation)
{
    int ow, oh, sx0, sy0, sx1, sy1, sx2, sy2;

    if (orientation < 2 || orientation > 8) {
        memcpy(dst, src, (size_t)w * h * channels);
        return;
    }
    oriented_size(orientation, w, h, &ow, &oh);
    stored_position(orientation, 0, 0, ow, oh, &sx0, &sy0);
    stored_position(orientation, 1, 0, ow, oh, &sx1, &sy1);
    stored_position(orientation, 0, 1, ow, oh, &sx2, &sy2);

    ptrdiff_t row = (ptrdiff_t)w * channels;
    ptrdiff_t step_x = (sx1 - sx0) * (ptrdiff_t)channels + (sy1 - sy0) * row;
    ptrdiff_t step_y = (sx2 - sx0) * (ptrdiff_t)channels + (sy2 - sy0) * row;
    ptrdiff_t origin = sy0 * row + (ptrdiff_t)sx0 * channels;

    for (int ty = 0; ty < oh; ty += ORIENT_TILE)
        for (int tx = 0; tx < ow; tx += ORIENT_TILE)
            copy_tile(src, origin, step_x, step_y, dst, (size_t)ow * channels, channels, tx, ty,
                      tx + ORIENT_TILE < ow ? tx + ORIENT_TILE : ow,
                      ty + ORIENT_TILE < oh ? ty + ORIENT_TILE : oh);
}

/* Clips like the seed's min(255, int(v)); v is never negative here. */
static uint8_t truncate_clip(double v)
{
    int i = (int)v;
    return (uint8_t)(i > 255 ? 255 : i);
}

/*
 * The sepia loop vectorises; on x86-64 a second copy built for AVX2 is
 * picked at load time on CPUs that have it (twice as fast here).  Both run
 * the same IEEE operations in the same order, so they write the same bytes.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* GCC only: clang 14 leaves callers in other files an undefined symbol. */
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

VECTOR_CLONES
void rgb_to_sepia(uint8_t *rgb, size_t pixels)
{
    for (size_t i = 0; i < pixels; i++, rgb += 3) {
        double r = rgb[0], g = rgb[1], b = rgb[2];
        rgb[0] = truncate_clip(0.393 * r + 0.769 * g + 0.189 * b);
        rgb[1] = truncate_clip(0.349 * r + 0.686 * g + 0.168 * b);
        rgb[2] = truncate_clip(0.272 * r + 0.534 * g + 0.131 * b);
    }
}
