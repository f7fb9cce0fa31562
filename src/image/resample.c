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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
 * Weights for in_size -> out_size, the inputs spanning in_span of their own
 * pixels (in_size, or less when the last input pixel stands for a part of
 * one).  Output pixel i's centre lies at input position (i + 0.5) * scale; the kernel is stretched
 * by scale so that it filters out what the smaller image cannot hold.  Taps falling off an edge
 * read the edge pixel.
 */
static int axis_build(struct axis *a, int in_size, double in_span, int out_size)
{
    double scale = in_span / out_size;
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
 * Bytes from `from` on; the SSE2 version leaves it a row's last few.
 */
static void pass_vertical(const uint8_t *src, size_t row_bytes, uint8_t *dst, int dh,
                          const struct axis *ay, int32_t *acc, size_t from)
{
    row_bytes -= from;
    src += from;
    dst += from;
    size_t stride = row_bytes + from;
    for (int y = 0; y < dh; y++) {
        const int16_t *w = ay->weights + (size_t)y * ay->count;
        const uint8_t *in = src + (size_t)ay->first[y] * stride;
        uint8_t *out = dst + (size_t)y * stride;

        for (size_t i = 0; i < row_bytes; i++)
            acc[i] = 1 << (WEIGHT_BITS - 1); /* rounds the final shift to nearest */
        for (int k = 0; k < ay->count; k++, in += stride) {
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

/*
 * Rows from_row .. rows - 1 of src (sw wide) to rows of dst (dw wide); one
 * or three channels.
 */
static void pass_horizontal(const uint8_t *src, int sw, int rows, uint8_t *dst, int dw,
                            int channels, const struct axis *ax, int from_row)
{
    for (int y = from_row; y < rows; y++) {
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

#if defined(__SSE2__)
/*
 * SSE2, which every x86-64 has: the same integer sums as the loops above,
 * bit for bit, two taps per multiply-add.  _mm_madd_epi16 multiplies 16-bit
 * lanes pairwise and adds neighbours, so a pixel value of tap k and one of
 * tap k + 1 sit side by side, against the weights w[k], w[k + 1].  The
 * final shift, saturating packs and the rounding constant give exactly
 * clip8()'s result.
 */

/* (w[k], w[k + 1]) in every 32-bit lane; a lone last tap pairs with 0. */
static __m128i weight_pair(const int16_t *w, int k, int count)
{
    uint16_t lo = (uint16_t)w[k], hi = k + 1 < count ? (uint16_t)w[k + 1] : 0;
    return _mm_set1_epi32((int)((uint32_t)hi << 16 | lo));
}

/* Four 32-bit sums shifted back to 8 bits and clipped, in the low 4 bytes. */
static __m128i to_bytes(__m128i sum)
{
    __m128i v = _mm_srai_epi32(sum, WEIGHT_BITS);
    v = _mm_packs_epi32(v, v);
    return _mm_packus_epi16(v, v);
}

/* 16 bytes of every output row at a time; returns where the scalar loop takes over. */
static size_t pass_vertical_sse2(const uint8_t *src, size_t row_bytes, uint8_t *dst, int dh,
                                 const struct axis *ay)
{
    const __m128i zero = _mm_setzero_si128();
    const __m128i half = _mm_set1_epi32(1 << (WEIGHT_BITS - 1));
    size_t end = row_bytes & ~(size_t)15;

    for (int y = 0; y < dh; y++) {
        const int16_t *w = ay->weights + (size_t)y * ay->count;
        const uint8_t *in = src + (size_t)ay->first[y] * row_bytes;
        uint8_t *out = dst + (size_t)y * row_bytes;

        for (size_t i = 0; i < end; i += 16) {
            __m128i s0 = half, s1 = half, s2 = half, s3 = half;
            for (int k = 0; k < ay->count; k += 2) {
                __m128i wp = weight_pair(w, k, ay->count);
                __m128i a = _mm_loadu_si128((const __m128i *)(in + (size_t)k * row_bytes + i));
                __m128i b =
                    k + 1 < ay->count
                        ? _mm_loadu_si128((const __m128i *)(in + (size_t)(k + 1) * row_bytes + i))
                        : zero;
                __m128i lo = _mm_unpacklo_epi8(a, b), hi = _mm_unpackhi_epi8(a, b);
                s0 = _mm_add_epi32(s0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), wp));
                s1 = _mm_add_epi32(s1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), wp));
                s2 = _mm_add_epi32(s2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), wp));
                s3 = _mm_add_epi32(s3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), wp));
            }
            __m128i v01 =
                _mm_packs_epi32(_mm_srai_epi32(s0, WEIGHT_BITS), _mm_srai_epi32(s1, WEIGHT_BITS));
            __m128i v23 =
                _mm_packs_epi32(_mm_srai_epi32(s2, WEIGHT_BITS), _mm_srai_epi32(s3, WEIGHT_BITS));
            _mm_storeu_si128((__m128i *)(out + i), _mm_packus_epi16(v01, v23));
        }
    }
    return end;
}

static uint32_t load3(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t load4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/*
 * Three channels, a pixel at a time: pixels k and k + 1 are loaded as four
 * bytes each and interleaved to r r g g b b, so one multiply-add sums two
 * taps of all three channels.  Loading pixel k + 1 as four bytes reads one
 * byte past it; returns how many rows it did, leaving the last (where that
 * byte may lie past the buffer) to the scalar loop.
 */
static int pass_horizontal_rgb_sse2(const uint8_t *src, int sw, int rows, uint8_t *dst, int dw,
                                    const struct axis *ax)
{
    const __m128i zero = _mm_setzero_si128();
    const __m128i half = _mm_set1_epi32(1 << (WEIGHT_BITS - 1));

    for (int y = 0; y < rows - 1; y++) {
        const uint8_t *in = src + (size_t)y * sw * 3;
        uint8_t *out = dst + (size_t)y * dw * 3;

        for (int x = 0; x < dw; x++, out += 3) {
            const int16_t *w = ax->weights + (size_t)x * ax->count;
            const uint8_t *p = in + (size_t)ax->first[x] * 3;
            __m128i sum = half;
            int k = 0;
            for (; k + 1 < ax->count; k += 2, p += 6) {
                __m128i a = _mm_cvtsi32_si128((int)load4(p));
                __m128i b = _mm_cvtsi32_si128((int)load4(p + 3));
                __m128i pair = _mm_unpacklo_epi8(_mm_unpacklo_epi8(a, b), zero);
                sum = _mm_add_epi32(sum, _mm_madd_epi16(pair, weight_pair(w, k, ax->count)));
            }
            if (k < ax->count) {
                __m128i a = _mm_cvtsi32_si128((int)load3(p));
                __m128i pair = _mm_unpacklo_epi8(_mm_unpacklo_epi8(a, zero), zero);
                sum = _mm_add_epi32(sum, _mm_madd_epi16(pair, weight_pair(w, k, ax->count)));
            }
            uint32_t rgb = (uint32_t)_mm_cvtsi128_si32(to_bytes(sum));
            out[0] = (uint8_t)rgb;
            out[1] = (uint8_t)(rgb >> 8);
            out[2] = (uint8_t)(rgb >> 16);
        }
    }
    return rows > 0 ? rows - 1 : 0;
}
#endif

static void reduce_vertical(const uint8_t *src, size_t row_bytes, uint8_t *dst, int dh,
                            const struct axis *ay, int32_t *acc, bool simd)
{
    size_t done = 0;
#if defined(__SSE2__)
    if (simd)
        done = pass_vertical_sse2(src, row_bytes, dst, dh, ay);
#endif
    if (done < row_bytes)
        pass_vertical(src, row_bytes, dst, dh, ay, acc, done);
}

static void reduce_horizontal(const uint8_t *src, int sw, int rows, uint8_t *dst, int dw,
                              int channels, const struct axis *ax, bool simd)
{
    int done = 0;
#if defined(__SSE2__)
    if (simd && channels == 3)
        done = pass_horizontal_rgb_sse2(src, sw, rows, dst, dw, ax);
#endif
    pass_horizontal(src, sw, rows, dst, dw, channels, ax, done);
}

/*
 * A batch repeats sizes (a camera's photos, a folder of icons): the weights
 * of the last few axes are kept, per process, instead of worked out again
 * from sines for every file.
 */
#define AXIS_CACHE 4

static struct cached_axis {
    int in_size, out_size;
    double in_span;
    unsigned last_used; /* 0: empty */
    struct axis axis;
} axis_cache[AXIS_CACHE];

static const struct axis *axis_for(int in_size, double in_span, int out_size)
{
    static unsigned clock;
    struct cached_axis *victim = &axis_cache[0];

    for (int i = 0; i < AXIS_CACHE; i++) {
        struct cached_axis *c = &axis_cache[i];
        if (c->last_used && c->in_size == in_size && c->out_size == out_size &&
            c->in_span == in_span) {
            c->last_used = ++clock;
            return &c->axis;
        }
        if (c->last_used < victim->last_used)
            victim = c;
    }
    if (victim->last_used)
        axis_release(&victim->axis);
    victim->last_used = 0;
    if (axis_build(&victim->axis, in_size, in_span, out_size))
        return NULL;
    victim->in_size = in_size;
    victim->out_size = out_size;
    victim->in_span = in_span;
    victim->last_used = ++clock;
    return &victim->axis;
}

static int resample(const uint8_t *src, int sw, int sh, double span_w, double span_h, uint8_t *dst,
                    int dw, int dh, int channels, bool simd)
{
    const struct axis *pax, *pay;
    uint8_t *mid;
    int32_t *acc;
    int r = -1;

    if ((channels != 1 && channels != 3) || dw < 1 || dh < 1 || dw > sw || dh > sh)
        return -1;
    /* The second lookup may evict an entry, never the one the first returned (just used). */
    if (!(pax = axis_for(sw, span_w, dw)) || !(pay = axis_for(sh, span_h, dh)))
        return -1;
    struct axis ax = *pax, ay = *pay;
    /*
     * Vertical first, as libvips does: the larger of the two passes then
     * runs along rows.  An axis kept at its size passes through untouched.
     */
    size_t row_bytes = (size_t)sw * channels;
    mid = dh == sh ? NULL : malloc(row_bytes * dh);
    acc = malloc(sizeof(*acc) * row_bytes);
    if ((dh == sh || mid) && acc) {
        if (mid)
            reduce_vertical(src, row_bytes, mid, dh, &ay, acc, simd);
        const uint8_t *rows = mid ? mid : src;
        if (dw == sw)
            memcpy(dst, rows, row_bytes * dh);
        else
            reduce_horizontal(rows, sw, dh, dst, dw, channels, &ax, simd);
        r = 0;
    }
    free(mid);
    free(acc);
    return r;
}

int resample_lanczos3(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                      int channels)
{
    return resample(src, sw, sh, sw, sh, dst, dw, dh, channels, true);
}

int resample_lanczos3_spans(const uint8_t *src, int sw, int sh, double span_w, double span_h,
                            uint8_t *dst, int dw, int dh, int channels)
{
    return resample(src, sw, sh, span_w, span_h, dst, dw, dh, channels, true);
}

int resample_lanczos3_scalar(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                             int channels)
{
    return resample(src, sw, sh, sw, sh, dst, dw, dh, channels, false);
}
