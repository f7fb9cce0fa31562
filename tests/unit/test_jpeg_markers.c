/*
 * test_jpeg_markers: reading orientation and ICC presence from a JPEG's
 * segments, and refusing (-1) whatever is not plain, on hand-built headers.
 */
#include "check.h"
#include "jpeg_markers.h"

#include <stdlib.h>
#include <string.h>

/* A growing byte buffer to assemble headers in. */
struct bytes {
    uint8_t b[1024];
    size_t n;
};

static void put(struct bytes *s, const void *p, size_t n)
{
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put_segment(struct bytes *s, uint8_t code, const void *body, size_t n)
{
    uint8_t head[4] = {0xFF, code, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2)};
    put(s, head, 4);
    put(s, body, n);
}

/* "Exif\0\0" and a TIFF header of the given byte order with one IFD0 entry. */
static size_t exif_block(uint8_t *out, int big_endian, unsigned tag, unsigned type,
                         unsigned count, unsigned value)
{
    uint8_t *p = out;
    memcpy(p, "Exif\0\0", 6);
    p += 6;
#define U16(v) (big_endian ? (*p++ = (uint8_t)((v) >> 8), *p++ = (uint8_t)(v)) \
                           : (*p++ = (uint8_t)(v), *p++ = (uint8_t)((v) >> 8)))
#define U32(v) (big_endian ? (U16((v) >> 16), U16((v) & 0xFFFF)) : (U16((v) & 0xFFFF), U16((v) >> 16)))
    memcpy(p, big_endian ? "MM" : "II", 2);
    p += 2;
    U16(42);
    U32(8u);     /* IFD0 right after the header */
    U16(1);      /* one entry */
    U16(tag);
    U16(type);
    U32(count);
    if (type == 3) {
        U16(value);
        U16(0);
    } else {
        U32(value);
    }
    U32(0u); /* no next IFD */
#undef U16
#undef U32
    return (size_t)(p - out);
}

static const uint8_t soi[2] = {0xFF, 0xD8};
static const uint8_t sos[4] = {0xFF, 0xDA, 0x00, 0x02};

static int markers_of(const struct bytes *s, struct jpeg_markers *m)
{
    return jpeg_read_markers(s->b, s->n, m);
}

static void test_plain_and_orientation(void)
{
    struct bytes s = {.n = 0};
    struct jpeg_markers m;
    uint8_t exif[64];

    put(&s, soi, 2);
    put_segment(&s, 0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0", 14);
    put(&s, sos, 4);
    CHECK_EQ_INT(markers_of(&s, &m), 0);
    CHECK_EQ_INT(m.orientation, 1);
    CHECK_EQ_INT(m.icc_chunks, 0);

    for (int big = 0; big <= 1; big++)
        for (unsigned o = 1; o <= 8; o++) {
            s.n = 0;
            put(&s, soi, 2);
            put_segment(&s, 0xE1, exif, exif_block(exif, big, 0x0112, 3, 1, o));
            put(&s, sos, 4);
            CHECK_EQ_INT(markers_of(&s, &m), 0);
            CHECK_EQ_INT(m.orientation, (int)o);
        }

    /* LONG is read too; values outside 1..8 are upright, as libvips reads them. */
    size_t n = exif_block(exif, 0, 0x0112, 4, 1, 6);
    CHECK_EQ_INT(exif_orientation(exif, n), 6);
    n = exif_block(exif, 1, 0x0112, 3, 1, 0);
    CHECK_EQ_INT(exif_orientation(exif, n), 1);
    n = exif_block(exif, 1, 0x0112, 3, 1, 9);
    CHECK_EQ_INT(exif_orientation(exif, n), 1);
    /* Another tag only: no orientation. */
    n = exif_block(exif, 0, 0x010F, 3, 1, 6);
    CHECK_EQ_INT(exif_orientation(exif, n), 1);
}

static void test_icc_and_fill_bytes(void)
{
    struct bytes s = {.n = 0};
    struct jpeg_markers m;
    const uint8_t fill[3] = {0xFF, 0xFF, 0xFF};

    put(&s, soi, 2);
    put(&s, fill, 3); /* fill bytes before a marker are allowed */
    put_segment(&s, 0xE2, "ICC_PROFILE\0\1\1abcd", 18);
    put(&s, sos, 4);
    CHECK_EQ_INT(markers_of(&s, &m), 0);
    CHECK_EQ_INT(m.icc_chunks, 1);
}

/*
 * A header whose ICC segments carry (sequence, count, text) each.  Static:
 * the chunks in *m point into it.
 */
static int icc_header(struct jpeg_markers *m, int nseg, const int seq[], const int count[],
                      const char *const text[])
{
    static struct bytes s;

    s.n = 0;
    put(&s, soi, 2);
    for (int i = 0; i < nseg; i++) {
        uint8_t body[64];
        size_t len = strlen(text[i]);
        memcpy(body, "ICC_PROFILE", 12);
        body[12] = (uint8_t)seq[i];
        body[13] = (uint8_t)count[i];
        memcpy(body + 14, text[i], len);
        put_segment(&s, 0xE2, body, 14 + len);
    }
    put(&s, sos, 4);
    return markers_of(&s, m);
}

static void test_icc_profile_assembly(void)
{
    struct jpeg_markers m;
    size_t len = 0;
    uint8_t *icc;

    /* Three segments stored out of order come back in sequence order. */
    CHECK_EQ_INT(icc_header(&m, 3, (int[]){2, 3, 1}, (int[]){3, 3, 3},
                            (const char *[]){"bb", "ccc", "a"}), 0);
    icc = jpeg_icc_profile(&m, &len);
    CHECK(icc && len == 6 && !memcmp(icc, "abbccc", 6));
    free(icc);
    /* No profile: nothing to assemble. */
    CHECK_EQ_INT(icc_header(&m, 0, NULL, NULL, NULL), 0);
    CHECK(jpeg_icc_profile(&m, &len) == NULL);

    /* libjpeg's rules, broken: the file is left to libvips. */
    CHECK_EQ_INT(icc_header(&m, 1, (int[]){1}, (int[]){2}, (const char *[]){"a"}), -1);
    CHECK_EQ_INT(icc_header(&m, 2, (int[]){1, 1}, (int[]){2, 2}, (const char *[]){"a", "b"}), -1);
    CHECK_EQ_INT(icc_header(&m, 2, (int[]){1, 2}, (int[]){2, 3}, (const char *[]){"a", "b"}), -1);
    CHECK_EQ_INT(icc_header(&m, 1, (int[]){0}, (int[]){1}, (const char *[]){"a"}), -1);
    CHECK_EQ_INT(icc_header(&m, 1, (int[]){2}, (int[]){1}, (const char *[]){"a"}), -1);
    CHECK_EQ_INT(icc_header(&m, 1, (int[]){1}, (int[]){0}, (const char *[]){"a"}), -1);
}

static void test_refusals(void)
{
    struct bytes s = {.n = 0};
    struct jpeg_markers m;
    uint8_t exif[64];
    size_t n = exif_block(exif, 0, 0x0112, 3, 1, 6);

    /* Not a JPEG, and a header cut anywhere before the scan. */
    CHECK_EQ_INT(jpeg_read_markers((const uint8_t *)"GIF89a", 6, &m), -1);
    put(&s, soi, 2);
    put_segment(&s, 0xE1, exif, n);
    put(&s, sos, 4);
    /* (The scan marker's own bytes, the last 4, are not needed: it ends the header.) */
    for (size_t cut = 0; cut < s.n - 2; cut++)
        CHECK_EQ_INT(jpeg_read_markers(s.b, cut, &m), -1);
    CHECK_EQ_INT(markers_of(&s, &m), 0);

    /* Two EXIF blocks: libvips keeps the last; we do not guess. */
    s.n = 0;
    put(&s, soi, 2);
    put_segment(&s, 0xE1, exif, n);
    put_segment(&s, 0xE1, exif, n);
    put(&s, sos, 4);
    CHECK_EQ_INT(markers_of(&s, &m), -1);

    /* An orientation of another type or count, an IFD0 outside the block, a bad TIFF header. */
    CHECK_EQ_INT(exif_orientation(exif, exif_block(exif, 0, 0x0112, 2, 1, 6)), -1);
    CHECK_EQ_INT(exif_orientation(exif, exif_block(exif, 0, 0x0112, 3, 2, 6)), -1);
    n = exif_block(exif, 0, 0x0112, 3, 1, 6);
    exif[10] = 0xF0; /* IFD0 offset far past the end */
    CHECK_EQ_INT(exif_orientation(exif, n), -1);
    n = exif_block(exif, 0, 0x0112, 3, 1, 6);
    exif[6] = 'X'; /* neither II nor MM */
    CHECK_EQ_INT(exif_orientation(exif, n), -1);
    /* Entry count larger than the block holds. */
    n = exif_block(exif, 0, 0x0112, 3, 1, 6);
    exif[14] = 200;
    CHECK_EQ_INT(exif_orientation(exif, n), -1);

    /* End of image before any scan, and a segment length running off the end. */
    s.n = 0;
    put(&s, soi, 2);
    put(&s, "\xFF\xD9", 2);
    CHECK_EQ_INT(markers_of(&s, &m), -1);
    s.n = 0;
    put(&s, soi, 2);
    put(&s, "\xFF\xE0\x40\x00", 4);
    CHECK_EQ_INT(markers_of(&s, &m), -1);
}

/*
 * What stripping would drop, counted (--keep-original-if-smaller keeps no
 * input that has any): EXIF, XMP, IPTC, comments, any APPn but JFIF's
 * APP0 and Adobe's APP14; the ICC profile is counted on its own.
 */
static void test_metadata_segments(void)
{
    static const uint8_t dqt[] = {0x00, 1, 2, 3};
    struct bytes s = {.n = 0};
    struct jpeg_markers m;
    uint8_t exif[64];
    size_t n = exif_block(exif, 1, 0x0112, 3, 1, 1);

    put(&s, soi, 2);
    put_segment(&s, 0xE0, "JFIF\0\1\1\0\0\1\0\1\0\0", 14);
    put_segment(&s, 0xEE, "Adobe\0\144\0\0\0\0\1", 12);
    put_segment(&s, 0xDB, dqt, sizeof(dqt));
    size_t plain_end = s.n;
    put(&s, sos, 4);
    CHECK_EQ_INT(markers_of(&s, &m), 0);
    CHECK_EQ_INT(m.metadata_segments, 0);

    static const struct {
        uint8_t code;
        const char *body;
        size_t len;
    } extra[] = {
        {0xE1, NULL, 0},                                    /* EXIF (built above) */
        {0xE1, "http://ns.adobe.com/xap/1.0/\0<x/>", 33}, /* XMP */
        {0xED, "Photoshop 3.0\0", 14},                     /* IPTC */
        {0xFE, "a comment", 9},
        {0xEF, "anything", 8},
    };
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        s.n = plain_end;
        if (extra[i].body)
            put_segment(&s, extra[i].code, extra[i].body, extra[i].len);
        else
            put_segment(&s, extra[i].code, exif, n);
        put(&s, sos, 4);
        CHECK_EQ_INT(markers_of(&s, &m), 0);
        CHECK_EQ_INT(m.metadata_segments, 1);
    }

    /* A profile alone is the profile's count, not metadata's. */
    s.n = plain_end;
    put_segment(&s, 0xE2, "ICC_PROFILE\0\1\1data", 18);
    put(&s, sos, 4);
    CHECK_EQ_INT(markers_of(&s, &m), 0);
    CHECK_EQ_INT(m.icc_chunks, 1);
    CHECK_EQ_INT(m.metadata_segments, 0);
}

int main(void)
{
    test_metadata_segments();
    test_plain_and_orientation();
    test_icc_and_fill_bytes();
    test_icc_profile_assembly();
    test_refusals();
    return check_summary();
}
