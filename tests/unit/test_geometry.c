/*
 * test_geometry: output sizes without any image library.
 *
 * resize's size must be Pillow's Image.thumbnail() size to the pixel: the
 * cases in SPEC.md, and edge cases (1-pixel sides, extreme aspect ratios,
 * an image already inside the box, free sides).  The expected sizes were
 * computed with Pillow 9.4 (Image.new("1", (w, h)).thumbnail(box), a free
 * side as 2**31 - 1).  thumbnail's cover size, and the pixel limit.
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

static void test_pixel_limit(void)
{
    CHECK(!over_pixel_limit(200, 20000, 10000)); /* exactly 200 MP */
    CHECK(over_pixel_limit(200, 20000, 10001));
    CHECK(!over_pixel_limit(0, INT32_MAX, INT32_MAX)); /* 0: no limit */
    CHECK(over_pixel_limit(200, INT32_MAX, INT32_MAX)); /* no int overflow */
    CHECK(!over_pixel_limit(0.5, 1000, 500));
    CHECK(over_pixel_limit(0.5, 1000, 501));
}

int main(void)
{
    test_fit_inside_is_pillows();
    test_cover_size();
    test_pixel_limit();
    return check_summary();
}
