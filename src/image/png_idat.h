/*
 * png_idat: a PNG's pixel data (its IDAT chunks) decompressed with
 * libdeflate and unfiltered, one row at a time, for the PNG fast path.
 *
 * libpng inflates with zlib, about half of a PNG photo's decode; libdeflate
 * decompresses a whole zlib stream two to three times faster, but only a
 * whole one, which libpng cannot hand over.  So once libpng has read and
 * checked everything before the pixels (png_fast.c), this walks the chunks
 * itself: each IDAT's CRC checked and its data gathered, every chunk after
 * them checked up to IEND, the stream inflated into exactly the bytes the
 * header promises, and each row unfiltered as the PNG specification says.
 * Anything out of order fails, and png_fast leaves the file to libvips.
 */
#ifndef IMGBATCH_PNG_IDAT_H
#define IMGBATCH_PNG_IDAT_H

#include <stddef.h>
#include <stdint.h>

/* What the header said: 8 bits a sample, not interlaced. */
struct png_geometry {
    int w, h, channels; /* channels: 1 grey, 3 RGB (bytes a pixel) */
};

/* Receives each unfiltered row, top to bottom: w * channels bytes. */
typedef void (*png_row_fn)(void *ctx, const uint8_t *row);

/*
 * Decodes the PNG file data[0..len) of geometry g.  Returns 0, 1 when the
 * picture is too large for one buffer here (the caller reads it with
 * libpng, row by row), or -1 when the file breaks a rule (a CRC, the
 * chunk order, the stream's length, a filter type).
 */
int png_idat_decode(const uint8_t *data, size_t len, const struct png_geometry *g, png_row_fn row,
                    void *ctx);

/* Frees the worker's decompressor and buffers. */
void png_idat_shutdown(void);

#endif
