/*
 * test_ycbcr: the HEIF fast path's Y'CbCr to RGB against libheif's own
 * arithmetic (heif_colorconversion.cc in libheif 1.15, restated here in
 * floats as it computes): within one level for every matrix libheif knows,
 * full and limited range, over a grid of sample values; grey stays grey;
 * the identity matrix is a reordering; each chroma sample serves the luma
 * samples it covers in 4:2:0 and 4:2:2; YCgCo is refused.
 */
#include "check.h"

#include "ycbcr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* libheif's Kr and Kb for the matrices that do not derive from the primaries. */
static void kr_kb(int matrix, float *kr, float *kb)
{
    switch (matrix) {
    case 1:
        *kr = 0.2126f, *kb = 0.0722f;
        return;
    case 4:
        *kr = 0.30f, *kb = 0.11f;
        return;
    case 7:
        *kr = 0.212f, *kb = 0.087f;
        return;
    case 9:
    case 10:
        *kr = 0.2627f, *kb = 0.0593f;
        return;
    default: /* 5, 6, and libheif's default for the unknown ones */
        *kr = 0.299f, *kb = 0.114f;
    }
}

static uint8_t clip_f(float f)
{
    long x = (long)(f + 0.5f);
    return x < 0 ? 0 : x > 255 ? 255 : (uint8_t)x;
}

/* What libheif 1.15 computes for one sample, in its float arithmetic. */
static void libheif_rgb(int matrix, int full, int y, int cb, int cr, uint8_t out[3])
{
    float kr, kb;
    kr_kb(matrix, &kr, &kb);
    float r_cr = 2 * (-kr + 1), g_cb = 2 * kb * (-kb + 1) / (kb + kr - 1),
          g_cr = 2 * kr * (-kr + 1) / (kb + kr - 1), b_cb = 2 * (-kb + 1);
    float yv = (float)y, fcb = (float)(cb - 128), fcr = (float)(cr - 128);
    if (!full) {
        yv = (yv - 16.0f) * 1.1689f;
        fcb *= 1.1429f;
        fcr *= 1.1429f;
    }
    out[0] = clip_f(yv + r_cr * fcr);
    out[1] = clip_f(yv + g_cb * fcb + g_cr * fcr);
    out[2] = clip_f(yv + b_cb * fcb);
}

static void convert_one(const struct ycbcr_matrix *m, uint8_t y, uint8_t cb, uint8_t cr,
                        uint8_t rgb[3])
{
    struct ycbcr_planes in = {&y, &cb, &cr, 1, 1, 1, 1, 0, 0};
    ycbcr_to_rgb_planes(&in, m, &rgb[0], &rgb[1], &rgb[2], 1);
}

static void test_matches_libheif(void)
{
    static const int matrices[] = {1, 2, 4, 5, 6, 7, 9, 10};
    int worst = 0;

    for (size_t i = 0; i < sizeof(matrices) / sizeof(matrices[0]); i++)
        for (int full = 0; full <= 1; full++) {
            struct ycbcr_matrix m;
            CHECK_EQ_INT(ycbcr_matrix_for(&m, matrices[i], 1, full), 0);
            for (int y = 0; y < 256; y += 5)
                for (int cb = 0; cb < 256; cb += 15)
                    for (int cr = 0; cr < 256; cr += 15) {
                        uint8_t got[3], want[3];
                        convert_one(&m, (uint8_t)y, (uint8_t)cb, (uint8_t)cr, got);
                        libheif_rgb(matrices[i], full, y, cb, cr, want);
                        for (int c = 0; c < 3; c++) {
                            int d = abs(got[c] - want[c]);
                            worst = d > worst ? d : worst;
                        }
                    }
        }
    CHECK(worst <= 1);
}

/* Matrix 12 takes Kr and Kb from the primaries: BT.709's give BT.709's matrix (1). */
static void test_matrix_from_primaries(void)
{
    struct ycbcr_matrix derived, bt709;

    CHECK_EQ_INT(ycbcr_matrix_for(&derived, 12, 1, 1), 0);
    CHECK_EQ_INT(ycbcr_matrix_for(&bt709, 1, 1, 1), 0);
    CHECK(abs(derived.r_cr - bt709.r_cr) < 16 && abs(derived.b_cb - bt709.b_cb) < 16 &&
          abs(derived.g_cb - bt709.g_cb) < 16 && abs(derived.g_cr - bt709.g_cr) < 16);
}

static void test_grey_and_extremes(void)
{
    struct ycbcr_matrix full, limited;
    uint8_t rgb[3];

    ycbcr_matrix_for(&full, 6, 1, 1);
    ycbcr_matrix_for(&limited, 6, 1, 0);
    for (int y = 0; y < 256; y++) {
        convert_one(&full, (uint8_t)y, 128, 128, rgb);
        CHECK(rgb[0] == y && rgb[1] == y && rgb[2] == y);
    }
    convert_one(&limited, 16, 128, 128, rgb);
    CHECK(rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0);
    convert_one(&limited, 235, 128, 128, rgb);
    CHECK(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
    convert_one(&full, 76, 85, 255, rgb); /* BT.601's red */
    CHECK(rgb[0] >= 253 && rgb[1] <= 1 && rgb[2] <= 1);
}

static void test_identity_and_ycgco(void)
{
    struct ycbcr_matrix m;
    uint8_t rgb[3];

    CHECK_EQ_INT(ycbcr_matrix_for(&m, 0, 1, 1), 0);
    convert_one(&m, 10, 20, 30, rgb); /* planes G, B, R */
    CHECK(rgb[0] == 30 && rgb[1] == 10 && rgb[2] == 20);
    CHECK_EQ_INT(ycbcr_matrix_for(&m, 8, 1, 1), -1);
}

/* 4:2:0 and 4:2:2: chroma sample (x >> 1, y >> sy) for luma sample (x, y), odd sizes too. */
static void test_chroma_siting(void)
{
    enum { W = 5, H = 3 };
    uint8_t y[W * H], cb[3 * 2], cr[3 * 2], r[W * H], g[W * H], b[W * H];
    struct ycbcr_matrix m;

    ycbcr_matrix_for(&m, 0, 1, 1); /* identity: R is Cr, B is Cb */
    memset(y, 100, sizeof(y));
    for (int i = 0; i < 6; i++)
        cb[i] = (uint8_t)(10 + i), cr[i] = (uint8_t)(50 + i);
    for (int sy = 0; sy <= 1; sy++) {
        struct ycbcr_planes in = {y, cb, cr, W, 3, W, H, 1, sy};
        int ch = sy ? 2 : 3;
        if (ch > 2) /* 4:2:2 needs three chroma rows: reuse the first again */
            in.c_stride = 0;
        ycbcr_to_rgb_planes(&in, &m, r, g, b, W);
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++) {
                int at = in.c_stride ? (py >> sy) * 3 + (px >> 1) : (px >> 1);
                CHECK_EQ_INT(b[py * W + px], cb[at]);
                CHECK_EQ_INT(r[py * W + px], cr[at]);
                CHECK_EQ_INT(g[py * W + px], 100);
            }
    }
}

int main(void)
{
    test_matches_libheif();
    test_matrix_from_primaries();
    test_grey_and_extremes();
    test_identity_and_ycgco();
    test_chroma_siting();
    return check_summary();
}
