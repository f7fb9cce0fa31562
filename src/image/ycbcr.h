/*
 * ycbcr: Y'CbCr planes to R'G'B' planes, 8 bits, for the HEIF fast path.
 *
 * libheif 1.15 turns every decoded HEVC picture into RGB itself, one float
 * multiply-add per sample and colour, which costs a seventh of a HEIC
 * thumbnail's time; its decoder plugin interface lets the decoder hand
 * RGB over instead (heif_hevc.c), and this is that conversion in integers.
 * It reads the same nclx fields as libheif (matrix coefficients, colour
 * primaries for the matrices that derive from them, the full-range flag),
 * takes each chroma sample for the luma samples it covers as libheif does,
 * and agrees with libheif's result to within one level.  No libraries:
 * unit tested alone.
 */
#ifndef IMGBATCH_YCBCR_H
#define IMGBATCH_YCBCR_H

#include <stdint.h>

/* The conversion for one nclx description, in 16.16 fixed point. */
struct ycbcr_matrix {
    int identity;                   /* matrix_coefficients 0: the planes hold G, B, R */
    int full_range;                 /* 0: Y in 16..235, Cb and Cr in 16..240 */
    int32_t y_scale;                /* per luma level */
    int32_t r_cr, g_cb, g_cr, b_cb; /* per chroma level from 128 */
};

/*
 * The matrix libheif would use for an nclx profile with these fields; a
 * stream without one uses libheif's defaults (BT.601, full range).
 * Returns 0, or -1 for YCgCo (matrix 8), which libheif converts its own way.
 */
int ycbcr_matrix_for(struct ycbcr_matrix *m, int matrix_coefficients, int colour_primaries,
                     int full_range);

/* One picture's planes: luma w x h; chroma shrunk by 2^shift_x across, 2^shift_y down. */
struct ycbcr_planes {
    const uint8_t *y, *cb, *cr;
    int y_stride, c_stride;
    int w, h;
    int shift_x, shift_y; /* 4:2:0 is 1, 1; 4:2:2 is 1, 0; 4:4:4 is 0, 0 */
};

/* Writes w x h R, G and B samples, rows `stride` bytes apart in each plane. */
void ycbcr_to_rgb_planes(const struct ycbcr_planes *in, const struct ycbcr_matrix *m, uint8_t *r,
                         uint8_t *g, uint8_t *b, int stride);

#endif
