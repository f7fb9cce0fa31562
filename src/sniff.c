/* sniff: file signatures of the formats imgbatch reads; see include/sniff.h. */
#include "sniff.h"

#include <stdio.h>
#include <string.h>

static int starts_with(const unsigned char *p, size_t n, const void *sig, size_t len)
{
    return n >= len && !memcmp(p, sig, len);
}

enum input_kind sniff_format(const unsigned char *p, size_t n)
{
    if (starts_with(p, n, "\xff\xd8\xff", 3))
        return IN_JPEG;
    if (starts_with(p, n, "\x89PNG\r\n\x1a\n", 8))
        return IN_PNG;
    if (starts_with(p, n, "GIF87a", 6) || starts_with(p, n, "GIF89a", 6))
        return IN_GIF;
    if (starts_with(p, n, "RIFF", 4) && n >= 12 && !memcmp(p + 8, "WEBP", 4))
        return IN_WEBP;
    /* Classic TIFF (42) and BigTIFF (43), either byte order. */
    if (starts_with(p, n, "II*\0", 4) || starts_with(p, n, "MM\0*", 4) ||
        starts_with(p, n, "II+\0", 4) || starts_with(p, n, "MM\0+", 4))
        return IN_TIFF;
    if (starts_with(p, n, "BM", 2))
        return IN_BMP;
    return IN_NONE;
}

const char *input_kind_label(enum input_kind kind)
{
    switch (kind) {
    case IN_JPEG:
        return "JPEG";
    case IN_PNG:
        return "PNG";
    case IN_GIF:
        return "GIF";
    case IN_BMP:
        return "BMP";
    case IN_WEBP:
        return "WebP";
    case IN_TIFF:
        return "TIFF";
    case IN_NONE:
        break;
    }
    return "image";
}

int sniff_refusal(const char *path, const unsigned char *head, size_t n, char *buf, size_t len)
{
    if (n == 0) {
        snprintf(buf, len, "empty file (0 bytes)");
        return -1;
    }
    if (sniff_format(head, n) == IN_NONE) {
        snprintf(buf, len,
                 "not a %s file (its content is none of the formats imgbatch reads: "
                 "JPEG, PNG, GIF, WebP, TIFF, BMP)",
                 input_kind_label(input_kind_of(path)));
        return -1;
    }
    return 0;
}
