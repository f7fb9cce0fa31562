/*
 * resample: Lanczos3 reduction in two separable passes; see resample.h.
 *
 * Each pass reduces one axis.  For every output position the weights of
 * the input pixels under the kernel are worked out once (an axis has a few
 * hundred outputs), in fixed point, so the pixel loops are integer
 * multiply-adds only.
 */
#include "resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Weights in 1/2^14, as 16-bit integers: products of a weight and a pixel
 * fit the 16 x 16 -> 32 bit multiply-adds every x86-64 has (SSE2), and
 * sums stay far below 2^31.
 */
#define WEIGHT_BITS 14
#define LANCZOS_LOBES 3

/* The weights of one axis: output i reads inputs first[i] .. first[i] + count - 1. */
struct axis {
    int count;        /* taps per output, the same for all */
    int *first;       /* [outputs] */
    int16_t *weights; /* [outputs * count] */
};

static double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double lanczos3(double x)
{
    return x > -LANCZOS_LOBES && x < LANCZOS_LOBES ? sinc(x) * sinc(x / LANCZOS_LOBES) : 0.0;
}

static void axis_release(struct axis *a)
{
    free(a->first);
    free(a->weights);
}

/*
 * Weights for in_size -> out_size.  Output pixel i's centre lies at input
 * position (i + 0.5) * scale; the kernel is stretched by scale so that it
 * filters out what the smaller image cannot hold.  Taps falling off an edge
 * read the edge pixel.
 */
static int axis_build(struct axis *a, int in_size, int out_size)
{
    double scale = (double)in_size / out_size;
    double support = LANCZOS_LOBES * scale;
    double *w;

    a->count = (int)ceil(2 * support) + 1;
    if (a->count > in_size)
        a->count = in_size;
    a->first = malloc(sizeof(*a->first) * (size_t)out_size);
    a->weights = calloc((size_t)out_size * a->count, sizeof(*a->weights));
    w = malloc(sizeof(*w) * (size_t)a->count);
    if (!a->first || !a->weights || !w) {
        free(w);
        axis_release(a);
        return -1;
    }

    for (int i = 0; i < out_size; i++) {
        double centre = (i + 0.5) * scale;
        /* The inputs under the kernel: centres strictly within support of ours. */
        int lo = (int)floor(centre - support - 0.5) + 1;
        int hi = (int)ceil(centre + support - 0.5) - 1;
        int first = lo < 0 ? 0 : lo;
        if (first > in_size - a->count)
            first = in_size - a->count;
        double sum = 0;

        for (int k = 0; k < a->count; k++)
            w[k] = 0;
        for (int x = lo; x <= hi; x++) {
            int at = x < 0 ? 0 : x >= in_size ? in_size - 1 : x; /* copy the edge */
            double v = lanczos3((x + 0.5 - centre) / scale);
            w[at - first] += v;
            sum += v;
        }
        a->first[i] = first;
        int16_t *out = a->weights + (size_t)i * a->count;
        for (int k = 0; k < a->count; k++)
            out[k] = (int16_t)lround(w[k] / sum * (1 << WEIGHT_BITS));
    }
    free(w);
    return 0;
}

/* A fixed-point sum back to 8 bits: rounded, clipped (Lanczos overshoots at edges). */
static uint8_t clip8(int32_t acc)
{
    acc = (acc + (1 << (WEIGHT_BITS - 1))) >> WEIGHT_BITS;
    return (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
}

/*
 * The dh rows of dst, each a weighted sum of rows of src (row_bytes each).
 * The inner loop runs along contiguous rows, which compilers vectorise.
 */
static void pass_vertical(const uint8_t *src, size_t row_bytes, uint8_t *dst, int dh,
                          const struct axis *ay, int32_t *acc)
{
    for (int y = 0; y < dh; y++) {
        const int16_t *w = ay->weights + (size_t)y * ay->count;
        const uint8_t *in = src + (size_t)ay->first[y] * row_bytes;
        uint8_t *out = dst + (size_t)y * row_bytes;

        for (size_t i = 0; i < row_bytes; i++)
            acc[i] = 1 << (WEIGHT_BITS - 1); /* rounds the final shift to nearest */
        for (int k = 0; k < ay->count; k++, in += row_bytes) {
            int32_t wk = w[k];
            for (size_t i = 0; i < row_bytes; i++)
                acc[i] += wk * in[i];
        }
        for (size_t i = 0; i < row_bytes; i++) {
            int32_t v = acc[i] >> WEIGHT_BITS;
            out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

/* Each of the rows of src (sw wide) to a row of dst (dw wide); one or three channels. */
static void pass_horizontal(const uint8_t *src, int sw, int rows, uint8_t *dst, int dw,
                            int channels, const struct axis *ax)
{
    for (int y = 0; y < rows; y++) {
        const uint8_t *in = src + (size_t)y * sw * channels;
        uint8_t *out = dst + (size_t)y * dw * channels;

        for (int x = 0; x < dw; x++) {
            const int16_t *w = ax->weights + (size_t)x * ax->count;
            const uint8_t *p = in + (size_t)ax->first[x] * channels;
            if (channels == 3) {
                int32_t r = 0, g = 0, b = 0;
                for (int k = 0; k < ax->count; k++, p += 3) {
                    r += w[k] * p[0];
                    g += w[k] * p[1];
                    b += w[k] * p[2];
                }
                *out++ = clip8(r);
                *out++ = clip8(g);
                *out++ = clip8(b);
            } else {
                int32_t v = 0;
                for (int k = 0; k < ax->count; k++)
                    v += w[k] * p[k];
                *out++ = clip8(v);
            }
        }
    }
}

int resample_lanczos3(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                      int channels)
{
    struct axis ax, ay;
    uint8_t *mid;
    int32_t *acc;
    int r = -1;

    if ((channels != 1 && channels != 3) || dw < 1 || dh < 1 || dw > sw || dh > sh)
        return -1;
    if (axis_build(&ax, sw, dw))
        return -1;
    if (axis_build(&ay, sh, dh)) {
        axis_release(&ax);
        return -1;
    }
    /*
     * Vertical first, as libvips does: the larger of the two passes then
     * runs along rows.  An axis kept at its size passes through untouched.
     */
    size_t row_bytes = (size_t)sw * channels;
    mid = dh == sh ? NULL : malloc(row_bytes * dh);
    acc = malloc(sizeof(*acc) * row_bytes);
    if ((dh == sh || mid) && acc) {
        if (mid)
            pass_vertical(src, row_bytes, mid, dh, &ay, acc);
        const uint8_t *rows = mid ? mid : src;
        if (dw == sw)
            memcpy(dst, rows, row_bytes * dh);
        else
            pass_horizontal(rows, sw, dh, dst, dw, channels, &ax);
        r = 0;
    }
    free(mid);
    free(acc);
    axis_release(&ax);
    axis_release(&ay);
    return r;
}
