/* formats: the image formats imgbatch reads and writes; see include/image/formats.h. */
#include "image/formats.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* The extension of the last path component, with its dot, or NULL. */
const char *file_extension(const char *name)
{
    const char *base = strrchr(name, '/');
    const char *dot;

    base = base ? base + 1 : name;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        return NULL; /* "photo" or ".hidden" */
    return dot;
}

enum input_kind input_kind_of(const char *name)
{
    static const struct {
        const char *ext;
        enum input_kind kind;
    } table[] = {
        {".jpg", IN_JPEG}, {".jpeg", IN_JPEG}, {".png", IN_PNG},   {".gif", IN_GIF},
        {".bmp", IN_BMP},  {".webp", IN_WEBP}, {".tif", IN_TIFF}, {".tiff", IN_TIFF},
    };
    const char *ext = file_extension(name);

    if (!ext)
        return IN_NONE;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcasecmp(ext, table[i].ext))
            return table[i].kind;
    return IN_NONE;
}

enum out_format output_format_for(enum out_format requested, enum input_kind kind)
{
    if (requested != FMT_AUTO)
        return requested;
    switch (kind) {
    case IN_JPEG:
        return FMT_JPEG;
    case IN_WEBP:
        return FMT_WEBP;
    case IN_TIFF:
        return FMT_TIFF;
    default:
        return FMT_PNG; /* PNG, GIF and BMP */
    }
}

const char *format_extension(enum out_format f)
{
    switch (f) {
    case FMT_JPEG:
        return ".jpg";
    case FMT_WEBP:
        return ".webp";
    case FMT_TIFF:
        return ".tif";
    default:
        return ".png";
    }
}

/* The format an input of this kind is already in, if it is one we write. */
int format_keeps_kind(enum input_kind kind, enum out_format f)
{
    return (kind == IN_JPEG && f == FMT_JPEG) || (kind == IN_PNG && f == FMT_PNG) ||
           (kind == IN_WEBP && f == FMT_WEBP) || (kind == IN_TIFF && f == FMT_TIFF);
}
