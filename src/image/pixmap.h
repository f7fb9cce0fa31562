/*
 * pixmap: a decoded image in memory, as the fast paths hold one, and the
 * steps they take on it: turn it upright, reduce it with Lanczos3.
 */
#ifndef IMGBATCH_PIXMAP_H
#define IMGBATCH_PIXMAP_H

#include <stdint.h>

/*
 * w x h, channels (1 or 3) bytes a pixel, tightly packed.  span_w x span_h
 * is how much of its own pixels it covers, which is less than w x h after a
 * box shrink whose last blocks were partial (0: w x h).
 */
struct pixmap {
    uint8_t *px;
    int w, h, channels;
    double span_w, span_h;
};

void pixmap_release(struct pixmap *p);

/* Turns pm upright for an EXIF orientation (a new buffer for 2..8).  0, or -1 out of memory. */
int pixmap_make_upright(struct pixmap *pm, int orientation);

/* Lanczos3 down to exactly w x h, as libvips' reduce would.  0, or -1 out of memory. */
int pixmap_reduce_to(struct pixmap *pm, int w, int h);

/*
 * The largest box shrink k that still leaves at least twice the target
 * (tw x th) of a w x h picture, as libvips' shrink does before its reduce.
 */
int pixmap_box_factor(int w, int h, int tw, int th);

/*
 * Fills pm with the planes (each w x h, rows `stride` bytes apart) averaged
 * over k x k blocks, interleaved: ceil(w / k) x ceil(h / k) pixels of
 * `channels` bytes, the last column and row averaging what is left, as
 * libvips' shrink does with "ceil".  k = 1 just interleaves.  A box takes a
 * large reduction down to twice the target, and Lanczos3 the rest, as in
 * libvips' reduce.  0, or -1 out of memory.
 */
int pixmap_from_planes_shrunk(struct pixmap *pm, const uint8_t *const planes[], int channels,
                              int stride, int w, int h, int k);

/*
 * The same box shrink for a decoder that hands over one interleaved row at
 * a time (libpng): only k rows' column sums are held, never the picture.
 */
struct box_shrinker {
    struct pixmap *out; /* ceil(w / k) x ceil(h / k), filled row by row */
    int w, h, channels, k;
    int rows_in;    /* input rows taken so far */
    uint32_t *sums; /* w * channels column sums of the current block row */
};

/* Sets up out for a w x h picture of `channels` bytes a pixel.  0, or -1 out of memory. */
int box_shrinker_init(struct box_shrinker *b, struct pixmap *out, int w, int h, int channels,
                      int k);

/* Takes the next input row (w * channels bytes). */
void box_shrinker_row(struct box_shrinker *b, const uint8_t *row);

/* Frees the sums (not out); out is complete once all h rows were taken. */
void box_shrinker_release(struct box_shrinker *b);

#endif
