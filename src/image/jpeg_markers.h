/*
 * jpeg_markers: what a JPEG file says about itself before its image data,
 * read straight from the bytes.
 *
 * The JPEG fast path must know two things libvips would otherwise find by
 * opening the file through its loader: which way up the photo is (EXIF
 * orientation in IFD0, the only place libvips reads it) and which ICC
 * profile it carries, if any (the fast path takes sRGB in all but name;
 * any other profile needs libvips' colour management).
 * Anything unusual is not guessed at: the caller leaves the file to
 * libvips, which decides as it always does.
 */
#ifndef IMGBATCH_JPEG_MARKERS_H
#define IMGBATCH_JPEG_MARKERS_H

#include <stddef.h>
#include <stdint.h>

/* An ICC profile is cut into at most 255 APP2 segments, numbered from 1. */
#define JPEG_ICC_MAX_CHUNKS 255

struct jpeg_icc_chunk {
    const uint8_t *data; /* inside the bytes given to jpeg_read_markers */
    size_t len;
};

struct jpeg_markers {
    int orientation; /* EXIF orientation 1..8; 1 when there is no EXIF or no such tag */
    int icc_chunks;  /* segments of the ICC profile, all present; 0 when it has none */
    /*
     * Segments that stripping drops, the profile's aside: APP1 (EXIF, XMP)
     * to APP15 but APP14 (Adobe's colour transform), and comments.
     */
    int metadata_segments;
    struct jpeg_icc_chunk icc[JPEG_ICC_MAX_CHUNKS]; /* by sequence number - 1 */
};

/*
 * Walks the segments of the n bytes at p from SOI to the first SOS.
 * Returns 0 with *m filled in, or -1 when the header is not plainly
 * readable: not a JPEG, cut short, two EXIF blocks, an EXIF block that does
 * not parse, ICC segments that do not number 1..N exactly once each.
 */
int jpeg_read_markers(const uint8_t *p, size_t n, struct jpeg_markers *m);

/* The ICC profile put back together (malloc'd, *len set), or NULL if there is none. */
uint8_t *jpeg_icc_profile(const struct jpeg_markers *m, size_t *len);

/*
 * The orientation in an EXIF block (the APP1 payload, starting "Exif\0\0"):
 * 1..8, or 1 if IFD0 has no orientation tag or one outside 1..8 (libvips
 * reads those as upright too); -1 if the block does not parse.
 */
int exif_orientation(const uint8_t *p, size_t n);

#endif
