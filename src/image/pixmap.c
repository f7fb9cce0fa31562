/* pixmap: decoded images in memory and the fast paths' steps on them; see pixmap.h. */
#include "pixmap.h"
#include "pixels.h"
#include "resample.h"

#include <stdlib.h>
#include <string.h>

void pixmap_release(struct pixmap *p)
{
    free(p->px);
    p->px = NULL;
}

int pixmap_make_upright(struct pixmap *pm, int orientation)
{
    if (orientation < 2 || orientation > 8)
        return 0;
    uint8_t *dst = malloc((size_t)pm->w * pm->h * pm->channels);
    if (!dst)
        return -1;
    orient_pixels(pm->px, dst, pm->w, pm->h, pm->channels, orientation);
    free(pm->px);
    pm->px = dst;
    oriented_size(orientation, pm->w, pm->h, &pm->w, &pm->h);
    if (orientation >= 5) {
        double span = pm->span_w;
        pm->span_w = pm->span_h;
        pm->span_h = span;
    }
    return 0;
}

int pixmap_reduce_to(struct pixmap *pm, int w, int h)
{
    uint8_t *dst;

    if (pm->w == w && pm->h == h)
        return 0;
    double span_w = pm->span_w > 0 ? pm->span_w : pm->w;
    double span_h = pm->span_h > 0 ? pm->span_h : pm->h;
    dst = malloc((size_t)w * h * pm->channels);
    if (!dst ||
        resample_lanczos3_spans(pm->px, pm->w, pm->h, span_w, span_h, dst, w, h, pm->channels)) {
        free(dst);
        return -1;
    }
    free(pm->px);
    pm->px = dst;
    pm->w = w;
    pm->h = h;
    pm->span_w = pm->span_h = 0;
    return 0;
}

int pixmap_box_factor(int w, int h, int tw, int th)
{
    int k = 1;

    while (w / (k + 1) >= 2 * tw && h / (k + 1) >= 2 * th)
        k++;
    return k;
}

/*
 * One output row from the `rows` input rows at row0: the column sums, then
 * k columns at a time (fewer in the last block).
 */
static void shrink_row(const uint8_t *row0, int stride, int rows, int w, int k, uint32_t *sums,
                       uint8_t *out, int channels)
{
    memset(sums, 0, sizeof(*sums) * (size_t)w);
    for (int dy = 0; dy < rows; dy++) {
        const uint8_t *row = row0 + (size_t)dy * stride;
        for (int x = 0; x < w; x++)
            sums[x] += row[x];
    }
    for (int x0 = 0, o = 0; x0 < w; x0 += k, o++) {
        int cols = w - x0 < k ? w - x0 : k;
        uint32_t s = 0, area = (uint32_t)cols * rows;
        for (int dx = 0; dx < cols; dx++)
            s += sums[x0 + dx];
        out[(size_t)o * channels] = (uint8_t)((s + area / 2) / area);
    }
}

int pixmap_from_planes_shrunk(struct pixmap *pm, const uint8_t *const planes[], int channels,
                              int stride, int w, int h, int k)
{
    int out_w = (w + k - 1) / k, out_h = (h + k - 1) / k;
    uint32_t *sums = malloc(sizeof(*sums) * (size_t)w);

    pm->px = malloc((size_t)out_w * out_h * channels);
    if (!sums || !pm->px) {
        free(sums);
        pixmap_release(pm);
        return -1;
    }
    pm->w = out_w;
    pm->h = out_h;
    pm->channels = channels;
    pm->span_w = (double)w / k;
    pm->span_h = (double)h / k;
    for (int c = 0; c < channels; c++)
        for (int y = 0; y < out_h; y++) {
            int rows = h - y * k < k ? h - y * k : k;
            shrink_row(planes[c] + (size_t)y * k * stride, stride, rows, w, k, sums,
                       pm->px + (size_t)y * out_w * channels + c, channels);
        }
    free(sums);
    return 0;
}

int box_shrinker_init(struct box_shrinker *b, struct pixmap *out, int w, int h, int channels, int k)
{
    int out_w = (w + k - 1) / k, out_h = (h + k - 1) / k;

    memset(b, 0, sizeof(*b));
    b->sums = calloc((size_t)w * channels, sizeof(*b->sums));
    out->px = malloc((size_t)out_w * out_h * channels);
    if (!b->sums || !out->px) {
        box_shrinker_release(b);
        pixmap_release(out);
        return -1;
    }
    b->out = out;
    b->w = w, b->h = h, b->channels = channels, b->k = k;
    out->w = out_w, out->h = out_h, out->channels = channels;
    out->span_w = (double)w / k;
    out->span_h = (double)h / k;
    return 0;
}

/* The block row just completed, `rows` input rows deep, averaged into its output row. */
static void emit_block_row(struct box_shrinker *b, int rows)
{
    int c = b->channels;
    uint8_t *out = b->out->px + (size_t)((b->rows_in - 1) / b->k) * b->out->w * c;

    for (int x0 = 0, o = 0; x0 < b->w; x0 += b->k, o++) {
        int cols = b->w - x0 < b->k ? b->w - x0 : b->k;
        uint32_t area = (uint32_t)cols * rows;
        for (int ch = 0; ch < c; ch++) {
            uint32_t s = 0;
            for (int dx = 0; dx < cols; dx++)
                s += b->sums[(size_t)(x0 + dx) * c + ch];
            out[(size_t)o * c + ch] = (uint8_t)((s + area / 2) / area);
        }
    }
    memset(b->sums, 0, sizeof(*b->sums) * (size_t)b->w * c);
}

void box_shrinker_row(struct box_shrinker *b, const uint8_t *row)
{
    size_t n = (size_t)b->w * b->channels;

    if (b->rows_in >= b->h)
        return;
    for (size_t i = 0; i < n; i++)
        b->sums[i] += row[i];
    b->rows_in++;
    int in_block = (b->rows_in - 1) % b->k + 1;
    if (in_block == b->k || b->rows_in == b->h)
        emit_block_row(b, in_block);
}

void box_shrinker_release(struct box_shrinker *b)
{
    free(b->sums);
    b->sums = NULL;
}
