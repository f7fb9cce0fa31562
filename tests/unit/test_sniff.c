/*
 * test_sniff: file signatures decide which formats reach libvips at all:
 * every supported format is known by its first bytes, and nothing else
 * (SVG, PDF, videos and raw files in ISO BMFF boxes, text, a signature
 * cut short) is taken for an image.  HEIF and AVIF are told apart by the
 * brands of their ftyp box, within the first SNIFF_BYTES.
 */
#include "check.h"

#include "image/formats.h"

#include <string.h>

#define SNIFF(lit) sniff_format((const unsigned char *)(lit), sizeof(lit) - 1)

/* An ftyp box of size bytes: major brand, minor version 0, then the compatible brands. */
static size_t ftyp(unsigned char *buf, size_t size, const char *major, const char *compatible)
{
    size_t n = strlen(compatible);

    memset(buf, 0, size);
    buf[0] = (unsigned char)(size >> 24);
    buf[1] = (unsigned char)(size >> 16);
    buf[2] = (unsigned char)(size >> 8);
    buf[3] = (unsigned char)size;
    memcpy(buf + 4, "ftyp", 4);
    memcpy(buf + 8, major, 4);
    memcpy(buf + 16, compatible, n);
    return 16 + n;
}

static enum input_kind sniff_ftyp(const char *major, const char *compatible)
{
    unsigned char buf[256];
    size_t n = ftyp(buf, 16 + strlen(compatible), major, compatible);

    return sniff_format(buf, n);
}

static void test_iso_bmff(void)
{
    /* What the encoders and phones write. */
    CHECK_EQ_INT(sniff_ftyp("heic", "mif1MiHEMiPrmiafMiHBheic"), IN_HEIF); /* an iPhone */
    CHECK_EQ_INT(sniff_ftyp("heic", "mif1heicmiaf"), IN_HEIF);             /* heif-enc */
    CHECK_EQ_INT(sniff_ftyp("avif", "avifmif1miafMA1B"), IN_AVIF);         /* avifenc */
    CHECK_EQ_INT(sniff_ftyp("heix", "mif1heix"), IN_HEIF);                 /* 10-bit, .hif */
    CHECK_EQ_INT(sniff_ftyp("avis", "avismsf1miafMA1B"), IN_AVIF);         /* a sequence */
    CHECK_EQ_INT(sniff_ftyp("msf1", "msf1hevc"), IN_HEIF);
    /* mif1 names no codec: AV1 among the brands makes it AVIF, else it is HEIF. */
    CHECK_EQ_INT(sniff_ftyp("mif1", "mif1avifmiaf"), IN_AVIF);
    CHECK_EQ_INT(sniff_ftyp("mif1", "mif1heic"), IN_HEIF);
    CHECK_EQ_INT(sniff_ftyp("mif1", "mif1"), IN_HEIF);
    CHECK_EQ_INT(sniff_ftyp("miaf", "miafmif1"), IN_HEIF);
    CHECK_EQ_INT(sniff_ftyp("mif1", ""), IN_HEIF);

    /* ftyp boxes of other things: videos, Canon's raw files, JPEG 2000 part 2. */
    CHECK_EQ_INT(sniff_ftyp("isom", "isomiso2avc1mp41"), IN_NONE);
    CHECK_EQ_INT(sniff_ftyp("qt  ", "qt  "), IN_NONE);
    CHECK_EQ_INT(sniff_ftyp("crx ", "crx isom"), IN_NONE);
    CHECK_EQ_INT(sniff_ftyp("3gp4", "isom3gp4"), IN_NONE);
    CHECK_EQ_INT(sniff_ftyp("jpx ", "jp2 jpx "), IN_NONE);
    CHECK_EQ_INT(sniff_ftyp("miaf", "miaf"), IN_NONE); /* a profile, not a brand of HEIF */
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cjP  \r\n\x87\x0a\0\0\0\024ftypjp2 "), IN_NONE);

    /* The minor version is a number, not a brand, even when it spells one. */
    CHECK_EQ_INT(SNIFF("\0\0\0\024ftypisomheicisom"), IN_NONE);

    /* A box size no ftyp has: too small for its brands, not whole brands, absurd. */
    unsigned char buf[256];
    size_t n = ftyp(buf, 24, "heic", "mif1heic");
    buf[3] = 8;
    CHECK_EQ_INT(sniff_format(buf, n), IN_NONE);
    buf[3] = 26;
    CHECK_EQ_INT(sniff_format(buf, n), IN_NONE);
    buf[2] = 0x10, buf[3] = 0; /* 4096 */
    CHECK_EQ_INT(sniff_format(buf, n), IN_NONE);
    buf[0] = 0xff, buf[2] = 0, buf[3] = 24;
    CHECK_EQ_INT(sniff_format(buf, n), IN_NONE);

    /* Brands past the box's end are another box's bytes. */
    n = ftyp(buf, 20, "mif1", "mif1avif");
    CHECK_EQ_INT(sniff_format(buf, n), IN_HEIF);

    /*
     * Brands beyond SNIFF_BYTES are not looked at, so the kind is the same
     * from the first bytes as from the whole file.
     */
    n = ftyp(buf, 128, "mif1", "mif1isomisomisomisomisomisomisomisomisomisomisomisomavif");
    CHECK(n > SNIFF_BYTES);
    CHECK_EQ_INT(sniff_format(buf, n), IN_HEIF);
    CHECK_EQ_INT(sniff_format(buf, SNIFF_BYTES), IN_HEIF);
    n = ftyp(buf, 64, "mif1", "mif1isomisomisomisomisomisomisomisomisomisomavif");
    CHECK_EQ_INT(n, SNIFF_BYTES);
    CHECK_EQ_INT(sniff_format(buf, n), IN_AVIF);

    /* Cut short: a box that has not reached its first compatible brand is no HEIF yet. */
    CHECK_EQ_INT(SNIFF("\0\0\0\030ftyphei"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\0\0\0\030ftypheic\0\0\0"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\0\0\0\030ftypheic\0\0\0\0"), IN_HEIF);
}

static void test_jpeg_xl(void)
{
    CHECK_EQ_INT(SNIFF("\xff\x0a\xfa\x1f"), IN_JXL); /* a bare codestream */
    CHECK_EQ_INT(SNIFF("\xff\x0a"), IN_JXL);
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cJXL \r\n\x87\x0a\0\0\0\024ftypjxl "), IN_JXL);
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cJXL \r\n\x87\x0a"), IN_JXL);
    /* Cut short, or nearly the container's signature. */
    CHECK_EQ_INT(SNIFF("\xff"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cJXL \r\n\x87"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cJXL \r\n\x87\x0b"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\0\0\0\x0cjxl \r\n\x87\x0a"), IN_NONE);
}

static void test_refusals(void)
{
    char buf[256];
    unsigned char head[64];
    size_t n;

    CHECK_EQ_INT(sniff_refusal("a.heic", (const unsigned char *)"", 0, buf, sizeof(buf)), -1);
    CHECK_EQ_STR(buf, "empty file (0 bytes)");

    /* Named by its extension, refused with every format it could have been. */
    CHECK_EQ_INT(sniff_refusal("notes.jxl", (const unsigned char *)"hello\n", 6, buf, sizeof(buf)),
                 -1);
    CHECK_EQ_STR(buf, "not a JPEG XL file (its content is none of the formats imgbatch reads: "
                      "JPEG, PNG, GIF, WebP, TIFF, BMP, HEIF, AVIF, JPEG XL)");

    /* A phone's video named .heic, a raw file: the brand says what it is. */
    n = ftyp(head, 32, "qt  ", "qt  ");
    CHECK_EQ_INT(sniff_refusal("IMG_0001.HEIC", head, n, buf, sizeof(buf)), -1);
    CHECK_EQ_STR(buf, "not a HEIF file (an ISO media file of brand 'qt  ': a video, or a kind "
                      "of image imgbatch does not read)");
    /* Whatever bytes the brand holds, the line stays plain text. */
    n = ftyp(head, 24, "cr\x01'", "isom");
    CHECK_EQ_INT(sniff_refusal("a.avif", head, n, buf, sizeof(buf)), -1);
    CHECK_EQ_STR(buf, "not an AVIF file (an ISO media file of brand 'cr?"
                      "?': a video, or a "
                      "kind of image imgbatch does not read)");

    /* Ours, whatever the name says: the name only words a refusal. */
    n = ftyp(head, 24, "heic", "mif1heic");
    CHECK_EQ_INT(sniff_refusal("photo.jpg", head, n, buf, sizeof(buf)), 0);
    CHECK_EQ_INT(sniff_refusal("x.png", (const unsigned char *)"\xff\x0a", 2, buf, sizeof(buf)), 0);
}

#define CUT_SHORT(lit) iso_bmff_cut_short((const unsigned char *)(lit), sizeof(lit) - 1)

static void test_boxes_cut_short(void)
{
    /* Whole: boxes end to end, the last one to the end of the file (size 0). */
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x10"
                           "ftypheic\0\0\0\0"
                           "\0\0\0\x08"
                           "mdat"),
                 0);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x10"
                           "ftypheic\0\0\0\0"
                           "\0\0\0\0"
                           "mdatxyz"),
                 0);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x01"
                           "mdat"
                           "\0\0\0\0\0\0\0\x11"
                           "x"),
                 0);
    CHECK_EQ_INT(iso_bmff_cut_short((const unsigned char *)"", 0), 0);

    /* Cut: a box running past the end, a header in two, a 64-bit size in two. */
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x10"
                           "ftypheic\0\0\0\0"
                           "\0\0\x01\0"
                           "meta"),
                 1);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x10"
                           "ftypheic\0\0\0\0"
                           "\0\0\x01"),
                 1);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x10"
                           "ftypheic\0\0"),
                 1);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x01"
                           "mdat"
                           "\0\0\0\0\0\0\0\x12"
                           "x"),
                 1);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x01"
                           "mdat"
                           "\0\0\0\0"),
                 1);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x01"
                           "mdat"
                           "\xff\xff\xff\xff\xff\xff\xff\xff"),
                 1);

    /* Sizes no box can have are damage, not a cut. */
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x04"
                           "ftypheic\0\0\0\0"),
                 0);
    CHECK_EQ_INT(CUT_SHORT("\0\0\0\x01"
                           "mdat"
                           "\0\0\0\0\0\0\0\x0f"
                           "x"),
                 0);
}

static void test_labels(void)
{
    CHECK_EQ_STR(input_kind_label(IN_HEIF), "HEIF");
    CHECK_EQ_STR(input_kind_label(IN_AVIF), "AVIF");
    CHECK_EQ_STR(input_kind_label(IN_JXL), "JPEG XL");
    CHECK_EQ_STR(input_kind_label(IN_NONE), "image");
    CHECK_EQ_STR(input_kind_article(IN_AVIF), "an");
    CHECK_EQ_STR(input_kind_article(IN_HEIF), "a");
    CHECK_EQ_STR(input_kind_article(IN_JXL), "a");
    CHECK_EQ_STR(input_kind_article(IN_NONE), "an");
}

int main(void)
{
    CHECK_EQ_INT(SNIFF("\xff\xd8\xff\xe0\0\x10JFIF"), IN_JPEG);
    CHECK_EQ_INT(SNIFF("\xff\xd8\xff\xdb"), IN_JPEG);
    CHECK_EQ_INT(SNIFF("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), IN_PNG);
    CHECK_EQ_INT(SNIFF("GIF89a\x01\0"), IN_GIF);
    CHECK_EQ_INT(SNIFF("GIF87a"), IN_GIF);
    CHECK_EQ_INT(SNIFF("RIFF\x24\0\0\0WEBPVP8 "), IN_WEBP);
    CHECK_EQ_INT(SNIFF("II*\0\x08\0\0\0"), IN_TIFF);
    CHECK_EQ_INT(SNIFF("MM\0*\0\0\0\x08"), IN_TIFF);
    CHECK_EQ_INT(SNIFF("II+\0\x08\0\0\0"), IN_TIFF);
    CHECK_EQ_INT(SNIFF("BM\x36\x0c\0\0"), IN_BMP);

    /* Formats libvips (or its modules) could read, but imgbatch does not. */
    CHECK_EQ_INT(SNIFF("<?xml version=\"1.0\"?><svg"), IN_NONE);
    CHECK_EQ_INT(SNIFF("<svg xmlns="), IN_NONE);
    CHECK_EQ_INT(SNIFF("%PDF-1.4\n"), IN_NONE);
    CHECK_EQ_INT(SNIFF("RIFF\x24\0\0\0WAVEfmt "), IN_NONE); /* RIFF, but not WebP */
    CHECK_EQ_INT(SNIFF("P6\n3 2\n255\n"), IN_NONE);        /* PPM */
    CHECK_EQ_INT(SNIFF("MATLAB 5.0 MAT-file"), IN_NONE);
    CHECK_EQ_INT(SNIFF("8BPS\0\x01"), IN_NONE); /* Photoshop */
    CHECK_EQ_INT(SNIFF("hello\n"), IN_NONE);

    /* Cut short: a prefix of a signature is not the format. */
    CHECK_EQ_INT(SNIFF("\xff\xd8"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\xff"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\x89PNG"), IN_NONE);
    CHECK_EQ_INT(SNIFF("GIF8"), IN_NONE);
    CHECK_EQ_INT(SNIFF("RIFF\x24\0\0\0WEB"), IN_NONE);
    CHECK_EQ_INT(SNIFF("II*"), IN_NONE);
    CHECK_EQ_INT(SNIFF("B"), IN_NONE);
    CHECK_EQ_INT(sniff_format((const unsigned char *)"", 0), IN_NONE);

    test_iso_bmff();
    test_jpeg_xl();
    test_refusals();
    test_boxes_cut_short();
    test_labels();
    return check_summary();
}
