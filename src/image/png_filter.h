/*
 * png_filter: undoing PNG's per-row filters (PNG specification, section 9),
 * for the PNG fast path's own IDAT reader (png_idat.c).  No libraries:
 * unit tested alone.
 */
#ifndef IMGBATCH_PNG_FILTER_H
#define IMGBATCH_PNG_FILTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Undoes filter type `filter` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) on
 * the n bytes of row, in place; prev is the row above, already unfiltered
 * (zeros for the first row); bpp is the bytes a pixel.  Both must have one
 * more readable byte after the n (the vector code loads 4 bytes for a
 * 3-byte pixel; the extra one is never written).  Returns 0, or -1 for a
 * filter type PNG does not have.
 */
int png_unfilter_row(int filter, uint8_t *row, const uint8_t *prev, size_t n, int bpp);

/* The same with plain loops only: the reference the vector code must match (test_png_filter). */
int png_unfilter_row_scalar(int filter, uint8_t *row, const uint8_t *prev, size_t n, int bpp);

#endif
