/*
 * test_resample: the Lanczos3 reduction of the JPEG fast path.  The vector
 * code must give the plain loops' bytes exactly, at every size (row ends
 * that are not a multiple of 16, a single row, odd tap counts), and the
 * reduction must do what a user would see: a flat image stays flat, an
 * edge stays where it was, nothing wraps around.
 */
#include "check.h"

#include "resample.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 12345;

static uint8_t next_byte(void)
{
    rng = rng * 1103515245u + 12345u;
    return (uint8_t)(rng >> 16);
}

/* Noise with hard 0 and 255 runs: Lanczos overshoots there, so clipping is exercised. */
static uint8_t *noisy(int w, int h, int ch)
{
    size_t n = (size_t)w * h * ch;
    uint8_t *p = malloc(n);

    for (size_t i = 0; i < n; i++) {
        uint8_t b = next_byte();
        p[i] = b < 40 ? 0 : b > 215 ? 255 : next_byte();
    }
    return p;
}

static void test_vector_equals_scalar(void)
{
    static const int sizes[][4] = {
        {408, 306, 200, 150}, {512, 341, 200, 133}, {17, 9, 5, 4},   {33, 2, 7, 1},
        {64, 48, 64, 20},     {64, 48, 20, 48},     {300, 1, 7, 1},  {1, 300, 1, 17},
        {250, 250, 249, 248}, {999, 37, 10, 3},     {48, 48, 16, 16}, {5, 5, 1, 1},
    };
    int mismatches = 0, runs = 0;

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (int ch = 1; ch <= 3; ch += 2) {
            int sw = sizes[i][0], sh = sizes[i][1], dw = sizes[i][2], dh = sizes[i][3];
            uint8_t *src = noisy(sw, sh, ch);
            size_t out = (size_t)dw * dh * ch;
            uint8_t *a = malloc(out), *b = malloc(out);

            CHECK_EQ_INT(resample_lanczos3(src, sw, sh, a, dw, dh, ch), 0);
            CHECK_EQ_INT(resample_lanczos3_scalar(src, sw, sh, b, dw, dh, ch), 0);
            if (memcmp(a, b, out)) {
                mismatches++;
                fprintf(stderr, "vector != scalar: %dx%d -> %dx%d, %d channels\n", sw, sh, dw,
                        dh, ch);
            }
            runs++;
            free(src);
            free(a);
            free(b);
        }
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(runs, 24);
}

static void test_flat_stays_flat(void)
{
    uint8_t src[120 * 80 * 3], dst[37 * 23 * 3];

    for (size_t i = 0; i < sizeof(src); i += 3) {
        src[i] = 12;
        src[i + 1] = 200;
        src[i + 2] = 255;
    }
    CHECK_EQ_INT(resample_lanczos3(src, 120, 80, dst, 37, 23, 3), 0);
    int wrong = 0;
    for (size_t i = 0; i < sizeof(dst); i += 3)
        wrong += dst[i] != 12 || dst[i + 1] != 200 || dst[i + 2] != 255;
    CHECK_EQ_INT(wrong, 0);
}

/* Left half black, right half white, halved: the edge lands mid-row, the sides stay put. */
static void test_edge_stays(void)
{
    enum { SW = 160, SH = 40, DW = 80, DH = 20 };
    static uint8_t src[SW * SH * 3], dst[DW * DH * 3];

    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            memset(src + ((size_t)y * SW + x) * 3, x < SW / 2 ? 0 : 255, 3);
    CHECK_EQ_INT(resample_lanczos3(src, SW, SH, dst, DW, DH, 3), 0);
    for (int y = 0; y < DH; y += DH - 1) {
        const uint8_t *row = dst + (size_t)y * DW * 3;
        CHECK_EQ_INT(row[0], 0);               /* no wrap-around from the white side */
        CHECK_EQ_INT(row[(DW - 1) * 3 + 2], 255);
        CHECK_EQ_INT(row[(DW / 2 - 4) * 3], 0); /* away from the edge: untouched */
        CHECK_EQ_INT(row[(DW / 2 + 3) * 3 + 1], 255);
        CHECK(row[(DW / 2 - 1) * 3] < 64 && row[(DW / 2) * 3] > 191);
    }
}

int main(void)
{
    test_vector_equals_scalar();
    test_flat_stays_flat();
    test_edge_stays();
    return check_summary();
}
