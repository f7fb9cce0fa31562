/*
 * pixels: orientation, luma and sepia on plain buffers; see include/pixels.h.
 *
 * The sepia sums must round exactly like the seed's Python doubles, so this
 * file is built with -ffp-contract=off: a fused multiply-add would round
 * once where Python rounds twice.
 */
#include "pixels.h"

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

void orient_pixels(const uint8_t *src, uint8_t *dst, int w, int h, int channels,
                   int orientation)
{
    int ow, oh;

    oriented_size(orientation, w, h, &ow, &oh);
    if (orientation < 2 || orientation > 8) {
        memcpy(dst, src, (size_t)w * h * channels);
        return;
    }
    for (int y = 0; y < oh; y++) {
        uint8_t *out = dst + (size_t)y * ow * channels;
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            stored_position(orientation, x, y, ow, oh, &sx, &sy);
            memcpy(out + (size_t)x * channels, src + ((size_t)sy * w + sx) * channels,
                   (size_t)channels);
        }
    }
}

void rgb_to_luma(const uint8_t *rgb, uint8_t *grey, size_t pixels)
{
    for (size_t i = 0; i < pixels; i++, rgb += 3)
        grey[i] = (uint8_t)((19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] + 32768u) >> 16);
}

/* Clips like the seed's min(255, int(v)); v is never negative here. */
static uint8_t truncate_clip(double v)
{
    int i = (int)v;
    return (uint8_t)(i > 255 ? 255 : i);
}

void rgb_to_sepia(uint8_t *rgb, size_t pixels)
{
    for (size_t i = 0; i < pixels; i++, rgb += 3) {
        double r = rgb[0], g = rgb[1], b = rgb[2];
        rgb[0] = truncate_clip(0.393 * r + 0.769 * g + 0.189 * b);
        rgb[1] = truncate_clip(0.349 * r + 0.686 * g + 0.168 * b);
        rgb[2] = truncate_clip(0.272 * r + 0.534 * g + 0.131 * b);
    }
}
