/*
 * test_geometry: output sizes without any image library.
 *
 * resize's size must be Pillow's Image.thumbnail() size to the pixel: the
 * cases in SPEC.md, and edge cases (1-pixel sides, extreme aspect ratios,
 * an image already inside the box, free sides).  The expected sizes were
 * computed with Pillow 9.4 (Image.new("1", (w, h)).thumbnail(box), a free
 * side as 2**31 - 1).  thumbnail's cover size, every --size mode's target
 * size (rounded to the nearest pixel, at least 1), and the pixel limit.
 * --crop's windows, which sizes never enlarge, and the size plan of a
 * responsive set (size_plan.c): one level per distinct size, largest
 * first, each made from the nearest larger one.
 */
#include "check.h"

#include "geometry.h"
#include "size_plan.h"

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

static void test_crop_window(void)
{
    int left, top;

    /* A portrait covering a square: the cut is across its height. */
    crop_window(CROP_CENTRE, 100, 150, 100, 100, &left, &top);
    CHECK(left == 0 && top == 25);
    crop_window(CROP_TOP, 100, 150, 100, 100, &left, &top);
    CHECK(left == 0 && top == 0);
    crop_window(CROP_BOTTOM, 100, 150, 100, 100, &left, &top);
    CHECK(left == 0 && top == 50);
    /* left and right name the other side: centred across the height. */
    crop_window(CROP_LEFT, 100, 150, 100, 100, &left, &top);
    CHECK(left == 0 && top == 25);
    crop_window(CROP_RIGHT, 100, 150, 100, 100, &left, &top);
    CHECK(left == 0 && top == 25);
    /* A landscape: left and right move, top and bottom stay centred. */
    crop_window(CROP_LEFT, 201, 100, 100, 100, &left, &top);
    CHECK(left == 0 && top == 0);
    crop_window(CROP_RIGHT, 201, 100, 100, 100, &left, &top);
    CHECK(left == 101 && top == 0);
    crop_window(CROP_TOP, 201, 100, 100, 100, &left, &top);
    CHECK(left == 50 && top == 0);
    crop_window(CROP_CENTRE, 201, 100, 100, 100, &left, &top);
    CHECK(left == 50 && top == 0);
    /* The smart ones are libvips' to place: the centre here. */
    crop_window(CROP_ATTENTION, 201, 100, 100, 100, &left, &top);
    CHECK(left == 50 && top == 0);
    CHECK(crop_is_smart(CROP_ATTENTION) && crop_is_smart(CROP_ENTROPY));
    CHECK(!crop_is_smart(CROP_CENTRE) && !crop_is_smart(CROP_TOP));
}

static void test_size_capped(void)
{
    struct size_request r = {.mode = SIZE_FIT, .width = 1920};

    CHECK(size_capped(&r, 1000, 667));  /* 1920x asked of 1000 wide */
    CHECK(!size_capped(&r, 1920, 1280)); /* exactly as asked */
    CHECK(!size_capped(&r, 4000, 3000));
    r.height = 1080;
    CHECK(size_capped(&r, 1000, 667));
    CHECK(!size_capped(&r, 1000, 1080)); /* it meets the box's height: nothing larger asked */
    r = (struct size_request){.mode = SIZE_FIT, .height = 480};
    CHECK(size_capped(&r, 640, 400));
    r.mode = SIZE_SHRINK;
    CHECK(size_capped(&r, 640, 400));
    /* The modes that enlarge on purpose, or keep only the aspect, are never capped. */
    r.mode = SIZE_ENLARGE;
    CHECK(!size_capped(&r, 640, 400));
    r = (struct size_request){.mode = SIZE_PERCENT, .percent = 200};
    CHECK(!size_capped(&r, 640, 400));
}

static struct size_request fit(int w, int h)
{
    struct size_request r = {.mode = SIZE_FIT, .width = w, .height = h};
    return r;
}

static void test_plan_resize_chain(void)
{
    /* --size 1920x,1280x,640x,320x of a 4032x3024 photo, given in any order. */
    struct size_request sizes[] = {fit(640, 0), fit(1920, 0), fit(320, 0), fit(1280, 0)};
    struct size_plan p;

    size_plan_make(&p, PLAN_RESIZE, sizes, 4, 4032, 3024);
    CHECK_EQ_INT(p.nlevels, 4);
    CHECK(p.levels[0].w == 1920 && p.levels[0].h == 1440 && p.levels[0].from == -1);
    CHECK(p.levels[1].w == 1280 && p.levels[1].h == 960 && p.levels[1].from == 0);
    CHECK(p.levels[2].w == 640 && p.levels[2].from == 1);
    CHECK(p.levels[3].w == 320 && p.levels[3].h == 240 && p.levels[3].from == 2);
    CHECK(p.level[0] == 2 && p.level[1] == 0 && p.level[2] == 3 && p.level[3] == 1);
    CHECK(p.need_w == 1920 && p.need_h == 1440);
    CHECK(size_plan_is_chain(&p) && !size_plan_enlarges(&p, 4032, 3024));
    for (int i = 0; i < 4; i++)
        CHECK(!p.capped[i]);
    CHECK(p.out_w[3] == 1280 && p.out_h[3] == 960);
}

static void test_plan_never_enlarges(void)
{
    /* A 1000-wide photo asked for 1920 and 1280: both at its own size, one level. */
    struct size_request sizes[] = {fit(1920, 0), fit(1280, 0), fit(640, 0)};
    struct size_plan p;

    size_plan_make(&p, PLAN_RESIZE, sizes, 3, 1000, 667);
    CHECK_EQ_INT(p.nlevels, 2);
    CHECK(p.level[0] == 0 && p.level[1] == 0 && p.level[2] == 1);
    CHECK(p.out_w[0] == 1000 && p.out_h[0] == 667 && p.out_w[1] == 1000);
    CHECK(p.capped[0] && p.capped[1] && !p.capped[2]);
    CHECK(p.out_w[2] == 640 && p.out_h[2] == 427);
    CHECK(!size_plan_enlarges(&p, 1000, 667));
}

static void test_plan_formats_share_levels(void)
{
    /* Two sizes in three formats: six outputs, two levels. */
    struct size_request sizes[] = {fit(800, 0), fit(800, 0), fit(800, 0),
                                   fit(400, 0), fit(400, 0), fit(400, 0)};
    struct size_plan p;

    size_plan_make(&p, PLAN_RESIZE, sizes, 6, 3000, 2000);
    CHECK_EQ_INT(p.nlevels, 2);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(p.level[i], i < 3 ? 0 : 1);
    /* A full-size operation in several formats: one level, the image itself. */
    size_plan_make(&p, PLAN_FULL_SIZE, NULL, 3, 3000, 2000);
    CHECK(p.nlevels == 1 && p.levels[0].w == 3000 && p.levels[0].h == 2000);
    CHECK(p.out_w[2] == 3000 && p.level[2] == 0);
}

static void test_plan_thumbnail_levels_are_uncut(void)
{
    /* 400x300 and 300x400 of a landscape: the second needs height the first cut away. */
    struct size_request sizes[] = {fit(400, 300), fit(300, 400)};
    struct size_plan p;

    size_plan_make(&p, PLAN_THUMBNAIL, sizes, 2, 4000, 3000);
    CHECK_EQ_INT(p.nlevels, 2);
    CHECK(p.levels[0].w == 533 && p.levels[0].h == 400); /* covers 300x400 */
    CHECK(p.levels[1].w == 400 && p.levels[1].h == 300 && p.levels[1].from == 0);
    CHECK(p.level[0] == 1 && p.level[1] == 0);
    CHECK(p.out_w[1] == 300 && p.out_h[1] == 400);
    /* A thumbnail enlarges to cover its box, by design. */
    struct size_request big[] = {fit(200, 200)};
    size_plan_make(&p, PLAN_THUMBNAIL, big, 1, 100, 50);
    CHECK(size_plan_enlarges(&p, 100, 50) && !p.capped[0]);
}

static void test_plan_from_the_decode_when_no_level_holds_it(void)
{
    /* Exact sizes of other shapes: 100x800 fits in no larger level, so it comes from the decode. */
    struct size_request sizes[] = {{.mode = SIZE_EXACT, .width = 900, .height = 600},
                                   {.mode = SIZE_EXACT, .width = 100, .height = 800}};
    struct size_plan p;

    size_plan_make(&p, PLAN_RESIZE, sizes, 2, 3000, 2000);
    CHECK_EQ_INT(p.nlevels, 2);
    CHECK(p.levels[1].w == 100 && p.levels[1].from == -1);
    CHECK(!size_plan_is_chain(&p));
    CHECK(p.need_w == 900 && p.need_h == 800);
}

int main(void)
{
    test_fit_inside_is_pillows();
    test_cover_size();
    test_target_size();
    test_target_size_fit_is_fit_inside();
    test_area_at_most_n();
    test_pixel_limit();
    test_crop_window();
    test_size_capped();
    test_plan_resize_chain();
    test_plan_never_enlarges();
    test_plan_formats_share_levels();
    test_plan_thumbnail_levels_are_uncut();
    test_plan_from_the_decode_when_no_level_holds_it();
    return check_summary();
}
