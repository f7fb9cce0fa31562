/*
 * jpeg_markers: what a JPEG file says about itself before its image data,
 * read straight from the bytes.
 *
 * The JPEG fast path must know two things libvips would otherwise find by
 * opening the file through its loader: which way up the photo is (EXIF
 * orientation in IFD0, the only place libvips reads it) and whether it
 * carries an ICC profile (then libvips' colour management must see it).
 * Anything unusual is not guessed at: the caller leaves the file to
 * libvips, which decides as it always does.
 */
#ifndef IMGBATCH_JPEG_MARKERS_H
#define IMGBATCH_JPEG_MARKERS_H

#include <stddef.h>
#include <stdint.h>

struct jpeg_markers {
    int orientation; /* EXIF orientation 1..8; 1 when there is no EXIF or no such tag */
    int has_icc;     /* an APP2 ICC_PROFILE segment is present */
};

/*
 * Walks the segments of the n bytes at p from SOI to the first SOS.
 * Returns 0 with *m filled in, or -1 when the header is not plainly
 * readable: not a JPEG, cut short, two EXIF blocks, an EXIF block that does
 * not parse.
 */
int jpeg_read_markers(const uint8_t *p, size_t n, struct jpeg_markers *m);

/*
 * The orientation in an EXIF block (the APP1 payload, starting "Exif\0\0"):
 * 1..8, or 1 if IFD0 has no orientation tag or one outside 1..8 (libvips
 * reads those as upright too); -1 if the block does not parse.
 */
int exif_orientation(const uint8_t *p, size_t n);

#endif
