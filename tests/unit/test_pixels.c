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

/* RGB in, Pillow's convert("L") out, and the same in place. */
static const uint8_t rgb_cases[][3] = {
    {0, 0, 0},    {255, 255, 255}, {255, 0, 0},   {0, 255, 0},    {0, 0, 255},
    {1, 2, 3},    {128, 128, 128}, {10, 200, 30}, {254, 1, 127},  {3, 25, 14},
    {6, 50, 28},  {6, 235, 147},   {12, 100, 56}, {18, 85, 56},   {18, 115, 119},
};
#define NCASES (sizeof(rgb_cases) / sizeof(rgb_cases[0]))
static const uint8_t pillow_luma[NCASES] = {0, 255, 76, 150, 29, 2, 128, 124,
                                            91, 17, 34, 156, 69, 62, 86};
static const uint8_t seed_sepia[NCASES][3] = {
    {0, 0, 0},      {255, 255, 238}, {100, 88, 69},  {196, 174, 136}, {48, 42, 33},
    {2, 2, 1},      {172, 153, 119}, {163, 145, 113}, {124, 110, 86}, {23, 20, 16},
    {46, 41, 32},   {210, 188, 146}, {92, 82, 64},    {83, 74, 57},   {118, 105, 81},
};

static void test_luma(void)
{
    uint8_t buf[NCASES * 3], grey[NCASES];

    memcpy(buf, rgb_cases, sizeof(buf));
    rgb_to_luma(buf, grey, NCASES);
    for (size_t i = 0; i < NCASES; i++)
        CHECK_EQ_INT(grey[i], pillow_luma[i]);
    /* In place, as the fast path runs it. */
    rgb_to_luma(buf, buf, NCASES);
    CHECK(memcmp(buf, pillow_luma, NCASES) == 0);
}

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

int main(void)
{
    test_orientation_one_channel();
    test_orientation_three_channels();
    test_orientation_out_of_range();
    test_luma();
    test_sepia();
    return check_summary();
}
