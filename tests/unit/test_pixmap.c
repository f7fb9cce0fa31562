/*
 * test_pixmap: the box shrink the HEIF fast path runs before Lanczos3.
 *
 * Planes are averaged over k x k blocks and interleaved; the last column
 * and row average what is left (libvips' shrink with "ceil"), rounding
 * half up; the span records how much of a block the partial ones stand
 * for, so that the reduction after it keeps the picture's geometry: a
 * sharp edge in the original lands at the same place whether or not the
 * box ran first.
 */
#include "check.h"

#include "pixmap.h"
#include "resample.h"

#include <stdint.h>
#include <stdlib.h>

static void test_interleave_only(void)
{
    const uint8_t r[4] = {1, 2, 3, 4}, g[4] = {5, 6, 7, 8}, b[4] = {9, 10, 11, 12};
    const uint8_t *planes[3] = {r, g, b};
    struct pixmap pm = {0};

    CHECK_EQ_INT(pixmap_from_planes_shrunk(&pm, planes, 3, 2, 2, 2, 1), 0);
    CHECK(pm.w == 2 && pm.h == 2 && pm.channels == 3);
    const uint8_t want[12] = {1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12};
    CHECK(!memcmp(pm.px, want, sizeof(want)));
    pixmap_release(&pm);
}

/*
 * 5 x 3, k = 2: blocks 2x2, 2x2, 1x2 on top, then 2x1, 2x1, 1x1.  Rows are
 * `stride` 8 apart, the bytes between them never read.
 */
static void test_partial_blocks(void)
{
    uint8_t plane[8 * 3];
    const uint8_t *planes[1] = {plane};
    struct pixmap pm = {0};
    static const uint8_t rows[3][5] = {
        {0, 10, 20, 30, 40}, {1, 11, 21, 31, 41}, {100, 110, 120, 130, 200}};

    memset(plane, 255, sizeof(plane));
    for (int y = 0; y < 3; y++)
        memcpy(plane + y * 8, rows[y], 5);
    CHECK_EQ_INT(pixmap_from_planes_shrunk(&pm, planes, 1, 8, 5, 3, 2), 0);
    CHECK(pm.w == 3 && pm.h == 2 && pm.channels == 1);
    CHECK(pm.span_w == 2.5 && pm.span_h == 1.5);
    /* (0+10+1+11)/4 = 5.5 -> 6; (20+30+21+31)/4 = 25.5 -> 26; (40+41)/2 = 40.5 -> 41 */
    const uint8_t want[6] = {6, 26, 41, 105, 125, 200};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(pm.px[i], want[i]);
    pixmap_release(&pm);
}

/*
 * A black-to-white edge at column 1617 of 2048, taken to 200 columns by
 * Lanczos3 alone and by the box (5, so 410 columns, the last of 3) and
 * then Lanczos3: within 8 levels everywhere.  Taking the 410 columns for
 * 410 whole ones instead moves the edge by a third of an output pixel,
 * 24 to 40 levels on the edge's ramp.
 */
static void test_geometry_kept(void)
{
    enum { W = 2048, H = 16, TW = 200, TH = 2 };
    uint8_t *plane = malloc(W * H), direct[TW * TH];
    const uint8_t *planes[1] = {plane};
    struct pixmap pm = {0};

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            plane[y * W + x] = x < 1617 ? 0 : 255;
    CHECK_EQ_INT(resample_lanczos3(plane, W, H, direct, TW, TH, 1), 0);
    CHECK_EQ_INT(pixmap_from_planes_shrunk(&pm, planes, 1, W, W, H, 5), 0);
    CHECK_EQ_INT(pm.w, 410);
    CHECK_EQ_INT(pixmap_reduce_to(&pm, TW, TH), 0);
    int worst = 0;
    for (int i = 0; i < TW * TH; i++)
        worst = abs(pm.px[i] - direct[i]) > worst ? abs(pm.px[i] - direct[i]) : worst;
    CHECK(worst <= 8);
    pixmap_release(&pm);
    free(plane);
}

/* Row by row (box_shrinker) gives what the planes at once give, partial blocks included. */
static void test_streaming_same_as_planes(void)
{
    enum { W = 23, H = 17, K = 4 };
    uint8_t r[W * H], g[W * H], b[W * H], row[W * 3];
    const uint8_t *planes[3] = {r, g, b};
    struct pixmap whole = {0}, streamed = {0};
    struct box_shrinker bs;

    for (int i = 0; i < W * H; i++)
        r[i] = (uint8_t)(i * 7), g[i] = (uint8_t)(i * 13 + 5), b[i] = (uint8_t)(255 - i);
    CHECK_EQ_INT(pixmap_from_planes_shrunk(&whole, planes, 3, W, W, H, K), 0);
    CHECK_EQ_INT(box_shrinker_init(&bs, &streamed, W, H, 3, K), 0);
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++)
            row[x * 3] = r[y * W + x], row[x * 3 + 1] = g[y * W + x], row[x * 3 + 2] = b[y * W + x];
        box_shrinker_row(&bs, row);
    }
    box_shrinker_release(&bs);
    CHECK(streamed.w == whole.w && streamed.h == whole.h && streamed.channels == 3);
    CHECK(streamed.span_w == whole.span_w && streamed.span_h == whole.span_h);
    CHECK(!memcmp(streamed.px, whole.px, (size_t)whole.w * whole.h * 3));
    pixmap_release(&whole);
    pixmap_release(&streamed);
}

int main(void)
{
    test_streaming_same_as_planes();
    test_interleave_only();
    test_partial_blocks();
    test_geometry_kept();
    return check_summary();
}
