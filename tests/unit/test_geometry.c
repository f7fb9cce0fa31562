/*
 * test_geometry: output sizes without any image library.
 *
 * resize's size must be Pillow's Image.thumbnail() size to the pixel: the
 * cases in SPEC.md, and edge cases (1-pixel sides, extreme aspect ratios,
 * an image already inside the box, free sides).  The expected sizes were
 * computed with Pillow 9.4 (Image.new("1", (w, h)).thumbnail(box), a free
 * side as 2**31 - 1).  thumbnail's cover size, every --size mode's target
 * size (rounded to the nearest pixel, at least 1), and the pixel limit.
 */
#include "check.h"

#include "geometry.h"

#include <stdint.h>

struct fit_case {
    int w, h, box_w, box_h, want_w, want_h;
};

static const struct fit_case pillow[] = {
    /* SPEC.md */
    {2048, 1365, 200, 150, 200, 133},
    {3264, 2448, 200, 150, 200, 150},
    {1200, 1800, 200, 150, 100, 150},
    {1200, 1800, 100, 150, 100, 150},
    /* 1-pixel sides and extreme aspect ratios: never below 1 */
    {1, 1, 200, 150, 1, 1},
    {1, 1000, 200, 150, 1, 150},
    {1000, 1, 200, 150, 200, 1},
    {100000, 1, 200, 150, 200, 1},
    {1, 65535, 200, 150, 1, 150},
    {5000, 3, 100, 100, 100, 1},
    {3, 2, 1, 1, 1, 1},
    {2, 3, 1, 1, 1, 1},
    {4000, 3000, 1, 1, 1, 1},
    /* at and around the box: never enlarged */
    {201, 151, 200, 150, 200, 150},
    {200, 150, 200, 150, 200, 150},
    {199, 149, 200, 150, 199, 149},
    {300, 200, 299, 1000, 299, 199},
    /* Pillow's round_aspect: floor or ceil, whichever keeps the ratio closer */
    {1000, 999, 10, 10, 10, 10},
    {999, 1000, 10, 10, 10, 10},
    {101, 100, 50, 50, 50, 50},
    /* a free side (--size xH, --size W) */
    {640, 480, 0, 100, 133, 100},
    {640, 480, 100, 0, 100, 75},
};

static void test_fit_inside_is_pillows(void)
{
    for (size_t i = 0; i < sizeof(pillow) / sizeof(pillow[0]); i++) {
        const struct fit_case *c = &pillow[i];
        int w = -1, h = -1;
        fit_inside(c->w, c->h, c->box_w, c->box_h, &w, &h);
        if (w != c->want_w || h != c->want_h)
            fprintf(stderr, "fit_inside %dx%d in %dx%d: %dx%d, Pillow %dx%d\n", c->w, c->h,
                    c->box_w, c->box_h, w, h, c->want_w, c->want_h);
        CHECK_EQ_INT(w, c->want_w);
        CHECK_EQ_INT(h, c->want_h);
    }
}

static void test_cover_size(void)
{
    int w, h;

    /* The nearer side exact, the other rounded: the centre 150x150 is the thumbnail. */
    cover_size(3264, 2448, 150, 150, &w, &h);
    CHECK_EQ_INT(w, 200);
    CHECK_EQ_INT(h, 150);
    cover_size(2448, 3264, 150, 150, &w, &h);
    CHECK_EQ_INT(w, 150);
    CHECK_EQ_INT(h, 200);
    /* Never short of the box, whatever the rounding. */
    cover_size(1000, 999, 10, 10, &w, &h);
    CHECK(w >= 10 && h >= 10);
    CHECK_EQ_INT(w, 10);
    CHECK_EQ_INT(h, 10);
    /* Small images are enlarged to cover. */
    cover_size(10, 5, 100, 100, &w, &h);
    CHECK_EQ_INT(w, 200);
    CHECK_EQ_INT(h, 100);
    cover_size(1000, 1, 10, 10, &w, &h);
    CHECK_EQ_INT(w, 10000);
    CHECK_EQ_INT(h, 10);
    /* A strip covering a wide box saturates instead of overflowing an int. */
    cover_size(1, 65535, 100000, 2000, &w, &h);
    CHECK_EQ_INT(w, 100000);
    CHECK_EQ_INT(h, INT32_MAX);
}

/* One --size mode on one image, and the size it must give. */
struct target_case {
    struct size_request r;
    int w, h, want_w, want_h;
};

#define BOX(mode, bw, bh) {mode, bw, bh, 0, 0}
#define PERCENT(n) {SIZE_PERCENT, 0, 0, n, 0}
#define AREA(n) {SIZE_AREA, 0, 0, 0, n}

static const struct target_case targets[] = {
    /* cover: the smaller side exact, up or down, no crop */
    {BOX(SIZE_COVER, 1500, 1500), 3000, 2000, 2250, 1500},
    {BOX(SIZE_COVER, 1500, 1500), 2000, 3000, 1500, 2250},
    {BOX(SIZE_COVER, 6000, 100), 3000, 2000, 6000, 4000},
    {BOX(SIZE_COVER, 10, 10), 1, 1, 10, 10},
    {BOX(SIZE_COVER, 1, 1), 3000, 2000, 2, 1},
    /* exact: the box, whatever the aspect */
    {BOX(SIZE_EXACT, 300, 300), 3000, 2000, 300, 300},
    {BOX(SIZE_EXACT, 5000, 1), 3000, 2000, 5000, 1},
    {BOX(SIZE_EXACT, 1, 1), 1, 1, 1, 1},
    /* percent: each side to the nearest pixel, at least 1 */
    {PERCENT(50), 3000, 2000, 1500, 1000},
    {PERCENT(100), 3000, 2000, 3000, 2000},
    {PERCENT(200), 3000, 2000, 6000, 4000},
    {PERCENT(50), 3, 3, 2, 2}, /* 1.5: half up */
    {PERCENT(33), 100, 10, 33, 3},
    {PERCENT(1), 3000, 20, 30, 1}, /* 0.2: never below 1 */
    {PERCENT(1), 1, 1, 1, 1},
    {PERCENT(100000), 100000000, 1, INT32_MAX, 1000}, /* saturates */
    /* area: the aspect kept, at most N pixels */
    {AREA(1000000), 3000, 2000, 1225, 816}, /* 1224.7 x 816.5 */
    {AREA(6000000), 3000, 2000, 3000, 2000},
    {AREA(24000000), 3000, 2000, 6000, 4000}, /* up, too */
    {AREA(100), 10, 10, 10, 10},
    {AREA(2), 3, 2, 2, 1},    /* 1.73 x 1.15 */
    {AREA(1), 3000, 1, 1, 1}, /* 54.8 x 0.02: the thin side held at 1 */
    {AREA(100), 3000, 1, 100, 1},
    {AREA(100), 1, 3000, 1, 100},
    {AREA(4), 3000, 1000, 3, 1}, /* 3.46 x 1.15: nearest 3x1 */
    {AREA(1), 1, 1, 1, 1},
    {AREA(999999999999LL), 1, 1, 999999, 999999},
    /* enlarge: only an image smaller than the box on both sides */
    {BOX(SIZE_ENLARGE, 4000, 4000), 3000, 2000, 4000, 2667},
    {BOX(SIZE_ENLARGE, 2000, 2000), 3000, 2000, 3000, 2000},
    {BOX(SIZE_ENLARGE, 4000, 2000), 3000, 2000, 3000, 2000}, /* equal height: not smaller */
    {BOX(SIZE_ENLARGE, 4000, 3000), 3000, 2000, 4000, 2667},
    {BOX(SIZE_ENLARGE, 6000, 3000), 3000, 2000, 4500, 3000},
    {BOX(SIZE_ENLARGE, 4000, 0), 3000, 2000, 4000, 2667}, /* a free side */
    {BOX(SIZE_ENLARGE, 0, 4000), 3000, 2000, 6000, 4000},
    {BOX(SIZE_ENLARGE, 100000, 2), 1, 1, 2, 2},
    {BOX(SIZE_ENLARGE, 100000, 100000), 100000, 1, 100000, 1},
    {BOX(SIZE_ENLARGE, 100000, 100000), 1, 99999, 1, 100000}, /* 1.00001: nearest is 1 */
    /* fit and shrink: fit_inside, never enlarged */
    {BOX(SIZE_FIT, 200, 150), 2048, 1365, 200, 133},
    {BOX(SIZE_SHRINK, 200, 150), 2048, 1365, 200, 133},
    {BOX(SIZE_SHRINK, 4000, 4000), 3000, 2000, 3000, 2000},
};

static void test_target_size(void)
{
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const struct target_case *c = &targets[i];
        int w = -1, h = -1;
        target_size(&c->r, c->w, c->h, &w, &h);
        if (w != c->want_w || h != c->want_h)
            fprintf(stderr, "target_size case %zu (mode %d) on %dx%d: %dx%d, want %dx%d\n", i,
                    c->r.mode, c->w, c->h, w, h, c->want_w, c->want_h);
        CHECK_EQ_INT(w, c->want_w);
        CHECK_EQ_INT(h, c->want_h);
    }
}

/* The plain forms are exactly fit_inside, so resize's outputs stay what they were. */
static void test_target_size_fit_is_fit_inside(void)
{
    for (size_t i = 0; i < sizeof(pillow) / sizeof(pillow[0]); i++) {
        const struct fit_case *c = &pillow[i];
        struct size_request fit = {SIZE_FIT, c->box_w, c->box_h, 0, 0};
        struct size_request shrink = {SIZE_SHRINK, c->box_w, c->box_h, 0, 0};
        int w, h;
        target_size(&fit, c->w, c->h, &w, &h);
        CHECK_EQ_INT(w, c->want_w);
        CHECK_EQ_INT(h, c->want_h);
        target_size(&shrink, c->w, c->h, &w, &h);
        CHECK_EQ_INT(w, c->want_w);
        CHECK_EQ_INT(h, c->want_h);
    }
}

/* Area never exceeds N, whatever the aspect. */
static void test_area_at_most_n(void)
{
    static const int sizes[][2] = {{3000, 2000}, {2000, 3000}, {1, 1}, {7, 3}, {4032, 3024},
                                   {65535, 3}, {1000, 999}};
    static const long long areas[] = {1, 2, 3, 10, 99, 1000, 123457, 1000000, 12000000};

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (size_t j = 0; j < sizeof(areas) / sizeof(areas[0]); j++) {
            struct size_request r = AREA(areas[j]);
            int w, h;
            target_size(&r, sizes[i][0], sizes[i][1], &w, &h);
            CHECK(w >= 1 && h >= 1);
            CHECK((long long)w * h <= areas[j]);
        }
}

static void test_pixel_limit(void)
{
    CHECK(!over_pixel_limit(200, 20000, 10000)); /* exactly 200 MP */
    CHECK(over_pixel_limit(200, 20000, 10001));
    CHECK(!over_pixel_limit(0, INT32_MAX, INT32_MAX)); /* 0: no limit */
    CHECK(over_pixel_limit(200, INT32_MAX, INT32_MAX)); /* no int overflow */
    CHECK(!over_pixel_limit(0.5, 1000, 500));
    CHECK(over_pixel_limit(0.5, 1000, 501));
    /* An animation counts every frame: a 1000-frame GIF of small frames is a large image. */
    CHECK(!over_pixel_limit_frames(200, 1000, 1000, 200));
    CHECK(over_pixel_limit_frames(200, 1000, 1000, 201));
    CHECK(over_pixel_limit_frames(200, 500, 400, 1001));
    CHECK(!over_pixel_limit_frames(200, 500, 400, 1000));
    CHECK(over_pixel_limit_frames(200, INT32_MAX, INT32_MAX, INT32_MAX)); /* no overflow */
    CHECK(!over_pixel_limit_frames(0, INT32_MAX, INT32_MAX, INT32_MAX));
    CHECK_EQ_INT(over_pixel_limit_frames(200, 20000, 10001, 1),
                 over_pixel_limit(200, 20000, 10001));
}

int main(void)
{
    test_fit_inside_is_pillows();
    test_cover_size();
    test_target_size();
    test_target_size_fit_is_fit_inside();
    test_area_at_most_n();
    test_pixel_limit();
    return check_summary();
}
