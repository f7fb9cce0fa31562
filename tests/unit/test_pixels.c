/*
 * test_pixels: the JPEG fast path's plain loops.
 *
 * Orientation: each EXIF value 1..8 applied to a 3x2 image of distinct
 * values must give the upright picture the EXIF definition describes, for
 * one and three channels.  Luma and sepia: values taken from Pillow's
 * convert("L") and from the seed's Python expression, including pixels
 * where single-precision arithmetic would truncate to another integer.
 */
#include "check.h"

#include "pixels.h"

#include <stdint.h>
#include <string.h>

/*
 * Stored:  1 2 3     Each orientation's upright image, row by row, as the
 *          4 5 6     EXIF tag defines it.
 */
static const uint8_t stored[6] = {1, 2, 3, 4, 5, 6};
static const struct {
    int orientation, w, h;
    uint8_t upright[6];
} cases[] = {
    {1, 3, 2, {1, 2, 3, 4, 5, 6}}, {2, 3, 2, {3, 2, 1, 6, 5, 4}},
    {3, 3, 2, {6, 5, 4, 3, 2, 1}}, {4, 3, 2, {4, 5, 6, 1, 2, 3}},
    {5, 2, 3, {1, 4, 2, 5, 3, 6}}, {6, 2, 3, {4, 1, 5, 2, 6, 3}},
    {7, 2, 3, {6, 3, 5, 2, 4, 1}}, {8, 2, 3, {3, 6, 2, 5, 1, 4}},
};

static void test_orientation_one_channel(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[6] = {0};
        int w, h;
        oriented_size(cases[i].orientation, 3, 2, &w, &h);
        CHECK_EQ_INT(w, cases[i].w);
        CHECK_EQ_INT(h, cases[i].h);
        orient_pixels(stored, out, 3, 2, 1, cases[i].orientation);
        if (memcmp(out, cases[i].upright, 6)) {
            fprintf(stderr, "orientation %d: got %d %d %d %d %d %d\n", cases[i].orientation,
                    out[0], out[1], out[2], out[3], out[4], out[5]);
        }
        CHECK(memcmp(out, cases[i].upright, 6) == 0);
    }
}

/* Three channels move together: pixel v becomes (v, v + 10, v + 20). */
static void test_orientation_three_channels(void)
{
    uint8_t src[18], out[18], want[18];

    for (int i = 0; i < 6; i++) {
        src[3 * i] = stored[i];
        src[3 * i + 1] = (uint8_t)(stored[i] + 10);
        src[3 * i + 2] = (uint8_t)(stored[i] + 20);
    }
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (int i = 0; i < 6; i++) {
            want[3 * i] = cases[c].upright[i];
            want[3 * i + 1] = (uint8_t)(cases[c].upright[i] + 10);
            want[3 * i + 2] = (uint8_t)(cases[c].upright[i] + 20);
        }
        orient_pixels(src, out, 3, 2, 3, cases[c].orientation);
        CHECK(memcmp(out, want, sizeof(want)) == 0);
    }
}

/* An orientation outside 1..8 (a broken tag) leaves the image as stored. */
static void test_orientation_out_of_range(void)
{
    uint8_t out[6];
    int w, h;

    orient_pixels(stored, out, 3, 2, 1, 0);
    CHECK(memcmp(out, stored, 6) == 0);
    orient_pixels(stored, out, 3, 2, 1, 9);
    CHECK(memcmp(out, stored, 6) == 0);
    oriented_size(9, 3, 2, &w, &h);
    CHECK_EQ_INT(w, 3);
    CHECK_EQ_INT(h, 2);
}

/* RGB in, the seed's sepia out. */
static const uint8_t rgb_cases[][3] = {
    {0, 0, 0},    {255, 255, 255}, {255, 0, 0},   {0, 255, 0},    {0, 0, 255},
    {1, 2, 3},    {128, 128, 128}, {10, 200, 30}, {254, 1, 127},  {3, 25, 14},
    {6, 50, 28},  {6, 235, 147},   {12, 100, 56}, {18, 85, 56},   {18, 115, 119},
};
#define NCASES (sizeof(rgb_cases) / sizeof(rgb_cases[0]))
static const uint8_t seed_sepia[NCASES][3] = {
    {0, 0, 0},      {255, 255, 238}, {100, 88, 69},  {196, 174, 136}, {48, 42, 33},
    {2, 2, 1},      {172, 153, 119}, {163, 145, 113}, {124, 110, 86}, {23, 20, 16},
    {46, 41, 32},   {210, 188, 146}, {92, 82, 64},    {83, 74, 57},   {118, 105, 81},
};

static void test_sepia(void)
{
    uint8_t buf[NCASES * 3];

    memcpy(buf, rgb_cases, sizeof(buf));
    rgb_to_sepia(buf, NCASES);
    for (size_t i = 0; i < NCASES; i++) {
        CHECK_EQ_INT(buf[3 * i], seed_sepia[i][0]);
        CHECK_EQ_INT(buf[3 * i + 1], seed_sepia[i][1]);
        CHECK_EQ_INT(buf[3 * i + 2], seed_sepia[i][2]);
    }
}

/*
 * Long runs go through the vectorised loop (whichever copy the CPU picked),
 * short ones and tails through the plain one: the same cases, repeated and
 * started at every offset, must come out the same.
 */
static void test_sepia_long_runs(void)
{
    enum { REPEAT = 97 };
    static uint8_t buf[(NCASES * REPEAT + 8) * 3];

    for (size_t start = 0; start < 8; start++) {
        uint8_t *px = buf + start * 3;
        for (size_t i = 0; i < NCASES * REPEAT; i++)
            memcpy(px + 3 * i, rgb_cases[i % NCASES], 3);
        rgb_to_sepia(px, NCASES * REPEAT);
        size_t wrong = 0;
        for (size_t i = 0; i < NCASES * REPEAT; i++)
            wrong += memcmp(px + 3 * i, seed_sepia[i % NCASES], 3) != 0;
        CHECK_EQ_INT((int)wrong, 0);
    }
}

/*
 * Images wider and taller than orient_pixels' tiles, odd sizes, one and
 * three channels: every pixel lands where the EXIF definition puts it.
 */
static void test_orientation_large(void)
{
    enum { W = 150, H = 67 };
    static uint8_t src[W * H * 3], dst[W * H * 3];

    for (int channels = 1; channels <= 3; channels += 2) {
        for (size_t i = 0; i < sizeof(src); i++)
            src[i] = (uint8_t)(i * 31 + i / 7);
        for (int o = 1; o <= 8; o++) {
            int ow, oh, wrong = 0;
            orient_pixels(src, dst, W, H, channels, o);
            oriented_size(o, W, H, &ow, &oh);
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    /* Where upright (x, y) was stored, from the EXIF tag's meaning. */
                    int sx = x, sy = y;
                    switch (o) {
                    case 2: sx = W - 1 - x; break;
                    case 3: sx = W - 1 - x, sy = H - 1 - y; break;
                    case 4: sy = H - 1 - y; break;
                    case 5: sx = y, sy = x; break;
                    case 6: sx = y, sy = H - 1 - x; break;
                    case 7: sx = W - 1 - y, sy = H - 1 - x; break;
                    case 8: sx = W - 1 - y, sy = x; break;
                    }
                    wrong += memcmp(dst + ((size_t)y * ow + x) * channels,
                                    src + ((size_t)sy * W + sx) * channels, (size_t)channels) != 0;
                }
            if (wrong)
                fprintf(stderr, "orientation %d, %d channels: %d pixels misplaced\n", o,
                        channels, wrong);
            CHECK_EQ_INT(wrong, 0);
        }
    }
}

int main(void)
{
    test_orientation_one_channel();
    test_orientation_three_channels();
    test_orientation_out_of_range();
    test_orientation_large();
    test_sepia();
    test_sepia_long_runs();
    return check_summary();
}
