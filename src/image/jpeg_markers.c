/*
 * jpeg_markers: the segments before a JPEG's image data; see jpeg_markers.h.
 *
 * libexif, which libvips uses, parses every IFD and maker note of an EXIF
 * block; the fast path needs one 16-bit value from IFD0, so it reads just
 * that, and refuses (leaves the file to libvips) rather than guesses
 * whenever the block is not plain.
 */
#include "jpeg_markers.h"

#include <stdlib.h>
#include <string.h>

#define EXIF_HEADER "Exif\0\0"
#define EXIF_HEADER_LEN 6
#define ICC_HEADER "ICC_PROFILE"
#define ICC_HEADER_LEN 12 /* with its NUL */

#define TIFF_SHORT 3
#define TIFF_LONG 4
#define TAG_ORIENTATION 0x0112

static unsigned read16(const uint8_t *p, int big_endian)
{
    return big_endian ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t read32(const uint8_t *p, int big_endian)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int exif_orientation(const uint8_t *p, size_t n)
{
    if (n < EXIF_HEADER_LEN + 8 || memcmp(p, EXIF_HEADER, EXIF_HEADER_LEN))
        return -1;
    /* Offsets in the block count from the TIFF header after "Exif\0\0". */
    const uint8_t *tiff = p + EXIF_HEADER_LEN;
    size_t len = n - EXIF_HEADER_LEN;
    int big_endian;

    if (!memcmp(tiff, "MM", 2))
        big_endian = 1;
    else if (!memcmp(tiff, "II", 2))
        big_endian = 0;
    else
        return -1;
    if (read16(tiff + 2, big_endian) != 42)
        return -1;
    uint32_t ifd0 = read32(tiff + 4, big_endian);
    if (ifd0 < 8 || ifd0 > len - 2)
        return -1;
    unsigned entries = read16(tiff + ifd0, big_endian);
    if (entries > (len - ifd0 - 2) / 12)
        return -1;

    for (unsigned i = 0; i < entries; i++) {
        const uint8_t *e = tiff + ifd0 + 2 + 12 * i;
        if (read16(e, big_endian) != TAG_ORIENTATION)
            continue;
        unsigned type = read16(e + 2, big_endian);
        uint32_t count = read32(e + 4, big_endian);
        uint32_t value;
        if (count != 1)
            return -1;
        if (type == TIFF_SHORT)
            value = read16(e + 8, big_endian);
        else if (type == TIFF_LONG)
            value = read32(e + 8, big_endian);
        else
            return -1;
        /* libvips reads any other value as "upright" (vips_image_get_orientation). */
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 1;
}

/*
 * Files one APP2 ICC segment ("ICC_PROFILE\0", sequence number, count,
 * data).  The rules are libjpeg's jpeg_read_icc_profile(): every segment
 * gives the same count, and each number from 1 to it appears once.
 * Returns -1 where they are broken.
 */
static int add_icc_chunk(struct jpeg_markers *m, const uint8_t *body, size_t body_len)
{
    if (body_len < ICC_HEADER_LEN + 2)
        return -1;
    int seq = body[ICC_HEADER_LEN], count = body[ICC_HEADER_LEN + 1];

    if (count == 0 || seq == 0 || seq > count || (m->icc_chunks && count != m->icc_chunks))
        return -1;
    if (m->icc[seq - 1].data)
        return -1;
    m->icc_chunks = count;
    m->icc[seq - 1].data = body + ICC_HEADER_LEN + 2;
    m->icc[seq - 1].len = body_len - ICC_HEADER_LEN - 2;
    return 0;
}

static int icc_complete(const struct jpeg_markers *m)
{
    for (int i = 0; i < m->icc_chunks; i++)
        if (!m->icc[i].data)
            return 0;
    return 1;
}

uint8_t *jpeg_icc_profile(const struct jpeg_markers *m, size_t *len)
{
    size_t total = 0;

    if (!m->icc_chunks)
        return NULL;
    for (int i = 0; i < m->icc_chunks; i++)
        total += m->icc[i].len;
    uint8_t *profile = malloc(total ? total : 1);
    if (!profile)
        return NULL;
    *len = 0;
    for (int i = 0; i < m->icc_chunks; i++) {
        memcpy(profile + *len, m->icc[i].data, m->icc[i].len);
        *len += m->icc[i].len;
    }
    return profile;
}

static int is_icc_segment(uint8_t code, const uint8_t *body, size_t body_len)
{
    return code == 0xE2 && body_len >= ICC_HEADER_LEN && !memcmp(body, ICC_HEADER, ICC_HEADER_LEN);
}

int jpeg_read_markers(const uint8_t *p, size_t n, struct jpeg_markers *m)
{
    size_t at = 2;
    int exif_blocks = 0;

    m->orientation = 1;
    m->icc_chunks = 0;
    m->metadata_segments = 0;
    memset(m->icc, 0, sizeof(m->icc));
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
        return -1;
    for (;;) {
        /* A marker is 0xFF, any number of fill 0xFF, then its code. */
        if (at >= n || p[at] != 0xFF)
            return -1;
        while (at < n && p[at] == 0xFF)
            at++;
        if (at >= n)
            return -1;
        uint8_t code = p[at++];
        if (code == 0xDA) /* start of scan: the header is complete */
            return icc_complete(m) ? 0 : -1;
        if (code == 0xD9 || code == 0x00)
            return -1; /* end of image before any scan, or a stuffed byte */
        if (code == 0x01 || (code >= 0xD0 && code <= 0xD7))
            continue; /* stand-alone markers carry no length */
        if (at + 2 > n)
            return -1;
        size_t seg_len = (size_t)p[at] << 8 | p[at + 1];
        if (seg_len < 2 || at + seg_len > n)
            return -1;
        const uint8_t *body = p + at + 2;
        size_t body_len = seg_len - 2;

        if ((code >= 0xE1 && code <= 0xEF && code != 0xEE &&
             !is_icc_segment(code, body, body_len)) ||
            code == 0xFE)
            m->metadata_segments++;

        if (code == 0xE1 && body_len >= EXIF_HEADER_LEN &&
            !memcmp(body, EXIF_HEADER, EXIF_HEADER_LEN)) {
            /* libvips keeps the last of several; rather than choose, do not guess. */
            if (++exif_blocks > 1)
                return -1;
            m->orientation = exif_orientation(body, body_len);
            if (m->orientation < 0)
                return -1;
        } else if (is_icc_segment(code, body, body_len)) {
            if (add_icc_chunk(m, body, body_len))
                return -1;
        }
        at += seg_len;
    }
}
