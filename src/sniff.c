/* sniff: file signatures of the formats imgbatch reads; see include/sniff.h. */
#include "sniff.h"

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
