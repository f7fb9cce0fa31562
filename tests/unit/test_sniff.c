/*
 * test_sniff: file signatures decide which formats reach libvips at all:
 * every supported format is known by its first bytes, and nothing else
 * (SVG, PDF, HEIF, text, a signature cut short) is taken for an image.
 */
#include "check.h"

#include "image/formats.h"

#include <string.h>

#define SNIFF(lit) sniff_format((const unsigned char *)(lit), sizeof(lit) - 1)

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
    CHECK_EQ_INT(SNIFF("\0\0\0\x18" "ftypheic"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\xff\x0a"), IN_NONE);              /* JPEG XL codestream */
    CHECK_EQ_INT(SNIFF("RIFF\x24\0\0\0WAVEfmt "), IN_NONE); /* RIFF, but not WebP */
    CHECK_EQ_INT(SNIFF("P6\n3 2\n255\n"), IN_NONE);        /* PPM */
    CHECK_EQ_INT(SNIFF("MATLAB 5.0 MAT-file"), IN_NONE);
    CHECK_EQ_INT(SNIFF("hello\n"), IN_NONE);

    /* Cut short: a prefix of a signature is not the format. */
    CHECK_EQ_INT(SNIFF("\xff\xd8"), IN_NONE);
    CHECK_EQ_INT(SNIFF("\x89PNG"), IN_NONE);
    CHECK_EQ_INT(SNIFF("GIF8"), IN_NONE);
    CHECK_EQ_INT(SNIFF("RIFF\x24\0\0\0WEB"), IN_NONE);
    CHECK_EQ_INT(SNIFF("II*"), IN_NONE);
    CHECK_EQ_INT(SNIFF("B"), IN_NONE);
    CHECK_EQ_INT(sniff_format((const unsigned char *)"", 0), IN_NONE);
    return check_summary();
}
