/*
 * test_png_filter: PNG's row filters undone (png_filter.c).
 *
 * Each filter type against a direct transcription of the PNG
 * specification's definitions (section 9.2), on random rows of 1- and
 * 3-byte pixels with odd lengths; the vector Paeth against the plain one
 * byte for byte; filter types past 4 refused; and the byte after a row,
 * which the vector code reads, never written.
 */
#include "check.h"

#include "png_filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned rng = 12345;

static uint8_t next_byte(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

/* The specification's predictor, as it is written there. */
static int spec_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    if (pb <= pc)
        return b;
    return c;
}

/* Recon(x) for every filter type, byte by byte, as section 9.2 defines it. */
static void spec_unfilter(int filter, uint8_t *row, const uint8_t *prev, size_t n, int bpp)
{
    for (size_t i = 0; i < n; i++) {
        int a = i >= (size_t)bpp ? row[i - bpp] : 0, b = prev[i];
        int c = i >= (size_t)bpp ? prev[i - bpp] : 0, pred = 0;
        switch (filter) {
        case 1:
            pred = a;
            break;
        case 2:
            pred = b;
            break;
        case 3:
            pred = (a + b) / 2;
            break;
        case 4:
            pred = spec_paeth(a, b, c);
            break;
        }
        row[i] = (uint8_t)(row[i] + pred);
    }
}

static void test_every_filter(void)
{
    static const size_t lengths[] = {1, 2, 3, 4, 7, 30, 301, 4803};
    for (int bpp = 1; bpp <= 3; bpp += 2)
        for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
            for (int filter = 0; filter <= 4; filter++) {
                size_t n = lengths[l] - lengths[l] % (size_t)bpp;
                if (!n)
                    continue;
                uint8_t *prev = malloc(n + 1), *got = malloc(n + 1), *want = malloc(n + 1),
                        *plain = malloc(n + 1);
                for (size_t i = 0; i <= n; i++)
                    prev[i] = next_byte(), got[i] = next_byte();
                got[n] = 0xa5; /* the byte after the row: read, never written */
                memcpy(want, got, n + 1);
                memcpy(plain, got, n + 1);
                CHECK_EQ_INT(png_unfilter_row(filter, got, prev, n, bpp), 0);
                CHECK_EQ_INT(png_unfilter_row_scalar(filter, plain, prev, n, bpp), 0);
                spec_unfilter(filter, want, prev, n, bpp);
                CHECK(!memcmp(got, want, n));
                CHECK(!memcmp(plain, want, n));
                CHECK_EQ_INT(got[n], 0xa5);
                free(prev), free(got), free(want), free(plain);
            }
}

/* Neighbours chosen to land on each of Paeth's ties. */
static void test_paeth_ties(void)
{
    for (int a = 0; a < 256; a += 17)
        for (int b = 0; b < 256; b += 17)
            for (int c = 0; c < 256; c += 17) {
                uint8_t prev[7] = {(uint8_t)c, (uint8_t)c, (uint8_t)c, (uint8_t)b,
                                   (uint8_t)b, (uint8_t)b, 0};
                uint8_t row[7] = {(uint8_t)(a - c), (uint8_t)(a - c), (uint8_t)(a - c), 0, 0, 0, 0};
                CHECK_EQ_INT(png_unfilter_row(4, row, prev, 6, 3), 0);
                int want = spec_paeth(a, b, c);
                CHECK(row[3] == want && row[4] == want && row[5] == want);
            }
}

static void test_unknown_filter(void)
{
    uint8_t row[4] = {1, 2, 3, 0}, prev[4] = {0};
    CHECK_EQ_INT(png_unfilter_row(5, row, prev, 3, 3), -1);
    CHECK_EQ_INT(png_unfilter_row(255, row, prev, 3, 3), -1);
}

int main(void)
{
    test_every_filter();
    test_paeth_ties();
    test_unknown_filter();
    return check_summary();
}
