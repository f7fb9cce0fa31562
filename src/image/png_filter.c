/* png_filter: PNG's row filters undone; see png_filter.h. */
#include "png_filter.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * The predictor of the three neighbours closest to a + b - c, ties to a,
 * then b; written so that every choice is a conditional move, not a
 * branch the processor would mispredict on a photo's noise.
 */
static inline uint8_t paeth(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int nearest_bc = pb <= pc ? b : c;
    int min_bc = pb <= pc ? pb : pc;

    return (uint8_t)(pa <= min_bc ? a : nearest_bc);
}

static void paeth_row_scalar(uint8_t *row, const uint8_t *prev, size_t n, int bpp)
{
    for (size_t i = (size_t)bpp; i < n; i++)
        row[i] = (uint8_t)(row[i] + paeth(row[i - bpp], prev[i], prev[i - bpp]));
}

#if defined(__SSE2__)
/*
 * A pixel's three bytes and the byte after them (readable, see the header),
 * widened to 16-bit lanes: one 4-byte load, which a 3-byte copy through
 * memory would turn into a store-forwarding stall on every pixel.
 */
static inline __m128i load3(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_unpacklo_epi8(_mm_cvtsi32_si128(v), _mm_setzero_si128());
}

static inline __m128i abs16(__m128i x)
{
    return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x));
}

/* Paeth on 3-byte pixels, a pixel's three samples at once in 16-bit lanes. */
static void paeth_row_rgb_sse2(uint8_t *row, const uint8_t *prev, size_t n)
{
    __m128i a = load3(row), c = load3(prev);

    for (size_t i = 3; i + 3 <= n; i += 3) {
        __m128i b = load3(prev + i), x = load3(row + i);
        __m128i pa = abs16(_mm_sub_epi16(b, c)), pb = abs16(_mm_sub_epi16(a, c));
        __m128i pc = abs16(_mm_sub_epi16(_mm_add_epi16(a, b), _mm_add_epi16(c, c)));
        __m128i c_nearer = _mm_cmpgt_epi16(pb, pc); /* pb > pc: c, else b */
        __m128i nearest_bc =
            _mm_or_si128(_mm_and_si128(c_nearer, c), _mm_andnot_si128(c_nearer, b));
        __m128i min_bc = _mm_min_epi16(pb, pc);
        __m128i not_a = _mm_cmpgt_epi16(pa, min_bc);
        __m128i pred = _mm_or_si128(_mm_and_si128(not_a, nearest_bc), _mm_andnot_si128(not_a, a));
        a = _mm_and_si128(_mm_add_epi16(x, pred), _mm_set1_epi16(0xff));
        uint32_t v = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(a, a));
        memcpy(row + i, &v, 3);
        c = b;
    }
}
#endif

int png_unfilter_row(int filter, uint8_t *row, const uint8_t *prev, size_t n, int bpp)
{
    size_t i, first = (size_t)bpp < n ? (size_t)bpp : n; /* the bytes with no left neighbour */

    switch (filter) {
    case 0: /* None */
        return 0;
    case 1: /* Sub */
        for (i = first; i < n; i++)
            row[i] = (uint8_t)(row[i] + row[i - bpp]);
        return 0;
    case 2: /* Up */
        for (i = 0; i < n; i++)
            row[i] = (uint8_t)(row[i] + prev[i]);
        return 0;
    case 3: /* Average */
        for (i = 0; i < first; i++)
            row[i] = (uint8_t)(row[i] + (prev[i] >> 1));
        for (; i < n; i++)
            row[i] = (uint8_t)(row[i] + ((row[i - bpp] + prev[i]) >> 1));
        return 0;
    case 4: /* Paeth: with no left neighbour, the one above */
        for (i = 0; i < first; i++)
            row[i] = (uint8_t)(row[i] + prev[i]);
#if defined(__SSE2__)
        if (bpp == 3) {
            paeth_row_rgb_sse2(row, prev, n);
            return 0;
        }
#endif
        paeth_row_scalar(row, prev, n, bpp);
        return 0;
    default:
        return -1;
    }
}

int png_unfilter_row_scalar(int filter, uint8_t *row, const uint8_t *prev, size_t n, int bpp)
{
    if (filter != 4)
        return png_unfilter_row(filter, row, prev, n, bpp);
    for (size_t i = 0; i < (size_t)bpp && i < n; i++)
        row[i] = (uint8_t)(row[i] + prev[i]);
    paeth_row_scalar(row, prev, n, bpp);
    return 0;
}
