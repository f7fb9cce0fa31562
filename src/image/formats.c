/* formats: the image formats imgbatch reads and writes; see include/image/formats.h. */
#include "image/formats.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int starts_with(const unsigned char *p, size_t n, const void *sig, size_t len)
{
    return n >= len && !memcmp(p, sig, len);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int brand_in(const unsigned char *brand, const char *const *list)
{
    for (; *list; list++)
        if (!memcmp(brand, *list, 4))
            return 1;
    return 0;
}

/*
 * HEIF and AVIF open with an ISO BMFF ftyp box: its size, "ftyp", a major
 * brand, a minor version, then compatible brands.  A file is ours when one
 * of those brands is a HEIF or AVIF brand.  mif1 and msf1 (any HEIF still
 * image or sequence) say nothing of the codec, so a file whose brands name
 * AV1 is AVIF whatever else they say, and HEIF otherwise: the two only
 * differ in the messages, as libheif reads both.  MP4, QuickTime and 3GP
 * videos, and Canon's CR3 raw files, have ftyp boxes too, and none of
 * these brands.
 */
static enum input_kind sniff_iso_bmff(const unsigned char *p, size_t n)
{
    static const char *const avif_brands[] = {"avif", "avis", NULL};
    static const char *const heif_brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx",
                                              "hevm", "hevs", "mif1", "msf1", NULL};
    int heif = 0;

    if (n < 16 || memcmp(p + 4, "ftyp", 4))
        return IN_NONE;
    /* libvips' own bound on the box, and whole brands only. */
    uint32_t box = be32(p);
    if (box < 16 || box > 2048 || box % 4)
        return IN_NONE;
    size_t end = box < n ? box : n;
    if (end > SNIFF_BYTES)
        end = SNIFF_BYTES;
    for (size_t at = 8; at + 4 <= end; at += 4) {
        if (at == 12)
            continue; /* the minor version, not a brand */
        if (brand_in(p + at, avif_brands))
            return IN_AVIF;
        heif |= brand_in(p + at, heif_brands);
    }
    return heif ? IN_HEIF : IN_NONE;
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
    /* JPEG XL: a bare codestream, or the codestream in its ISO BMFF container. */
    if (starts_with(p, n, "\xff\x0a", 2) || starts_with(p, n, "\0\0\0\x0cJXL \r\n\x87\x0a", 12))
        return IN_JXL;
    enum input_kind bmff = sniff_iso_bmff(p, n);
    if (bmff != IN_NONE)
        return bmff;
    if (starts_with(p, n, "BM", 2))
        return IN_BMP;
    return IN_NONE;
}

int iso_bmff_cut_short(const unsigned char *p, size_t n)
{
    size_t at = 0;

    while (at < n) {
        if (n - at < 8)
            return 1; /* a box header cut in two */
        uint64_t size = be32(p + at);
        size_t header = 8;
        if (size == 1) { /* a 64-bit size follows the type */
            if (n - at < 16)
                return 1;
            size = (uint64_t)be32(p + at + 8) << 32 | be32(p + at + 12);
            header = 16;
        }
        if (size == 0)
            return 0; /* the last box, to the end of the file, however long */
        if (size < header)
            return 0; /* no size a box can have: damage, not a cut */
        if (size > n - at)
            return 1;
        at += (size_t)size;
    }
    return 0;
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
    case IN_HEIF:
        return "HEIF";
    case IN_AVIF:
        return "AVIF";
    case IN_JXL:
        return "JPEG XL";
    case IN_NONE:
        break;
    }
    return "image";
}

const char *input_kind_article(enum input_kind kind)
{
    /* "A-vif" and "image" start with a vowel; "heef", "jay-peg", "ping" and the rest do not. */
    return kind == IN_AVIF || kind == IN_NONE ? "an" : "a";
}

/* A file of brand b: its four bytes, as text a report line may hold. */
static void put_brand(char *out, const unsigned char *b)
{
    for (int i = 0; i < 4; i++)
        out[i] = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'' ? (char)b[i] : '?';
    out[4] = '\0';
}

int sniff_refusal(const char *path, const unsigned char *head, size_t n, char *buf, size_t len)
{
    if (n == 0) {
        snprintf(buf, len, "empty file (0 bytes)");
        return -1;
    }
    if (sniff_format(head, n) != IN_NONE)
        return 0;
    enum input_kind named = input_kind_of(path);
    if (n >= 12 && !memcmp(head + 4, "ftyp", 4)) {
        /* A video, a CR3 raw file, a JPEG 2000 part 2...: say which, by its brand. */
        char brand[5];
        put_brand(brand, head + 8);
        snprintf(buf, len,
                 "not %s %s file (an ISO media file of brand '%s': a video, or a kind of image "
                 "imgbatch does not read)",
                 input_kind_article(named), input_kind_label(named), brand);
        return -1;
    }
    snprintf(buf, len,
             "not %s %s file (its content is none of the formats imgbatch reads: "
             "JPEG, PNG, GIF, WebP, TIFF, BMP, HEIF, AVIF, JPEG XL)",
             input_kind_article(named), input_kind_label(named));
    return -1;
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

static const struct {
    const char *ext;
    enum input_kind kind;
} read_extensions[] = {
    {".jpg", IN_JPEG},  {".jpeg", IN_JPEG}, {".png", IN_PNG},  {".gif", IN_GIF},
    {".bmp", IN_BMP},   {".webp", IN_WEBP}, {".tif", IN_TIFF}, {".tiff", IN_TIFF},
    {".heic", IN_HEIF}, {".heif", IN_HEIF}, {".hif", IN_HEIF}, /* Canon's and Fujifilm's HEIF */
    {".avif", IN_AVIF}, {".jxl", IN_JXL},
};

enum input_kind input_kind_of(const char *name)
{
    const char *ext = file_extension(name);

    if (!ext)
        return IN_NONE;
    for (size_t i = 0; i < sizeof(read_extensions) / sizeof(read_extensions[0]); i++)
        if (!strcasecmp(ext, read_extensions[i].ext))
            return read_extensions[i].kind;
    return IN_NONE;
}

const char *input_extensions(void)
{
    return ".jpg .jpeg .png .gif .bmp .webp .tif .tiff .heic .heif .hif .avif .jxl";
}

/*
 * Images of the kinds people keep beside the ones imgbatch reads: a
 * camera's raw files beside its JPEGs, the layered documents beside their
 * exports, vector drawings, icons.  Skipping them is right (a raw file is
 * not a damaged JPEG, and a run should not fail for it every night), but
 * not silently: the user may have expected them done.
 */
static const struct {
    const char *exts; /* space-separated, each with its dot */
    const char *why;
} unread_kinds[] = {
    {".dng .cr2 .cr3 .crw .nef .nrw .arw .srf .sr2 .orf .rw2 .raf .pef .srw .x3f .3fr .iiq "
     ".erf .mrw .kdc .dcr .mos .rwl .raw",
     "a camera raw image, a kind imgbatch does not read (export it as JPEG or TIFF first)"},
    {".psd .psb", "a Photoshop document, a kind of image imgbatch does not read"},
    {".xcf", "a GIMP image, a kind imgbatch does not read"},
    {".kra .ora", "a layered painting (Krita, OpenRaster), a kind of image imgbatch does not read"},
    {".svg .svgz", "an SVG drawing, a kind of image imgbatch does not read"},
    {".pdf", "a PDF document, a kind of image imgbatch does not read"},
    {".eps .ps .ai", "a PostScript or Illustrator drawing, a kind of image imgbatch does not read"},
    {".wmf .emf", "a Windows metafile, a kind of image imgbatch does not read"},
    {".ico .cur .icns", "an icon file, a kind of image imgbatch does not read"},
    {".jp2 .j2k .j2c .jpf .jpx .jpm", "a JPEG 2000 image, a kind imgbatch does not read"},
    {".jxr .hdp .wdp", "a JPEG XR image, a kind imgbatch does not read"},
    {".heics .avifs", "an image sequence, a kind of image imgbatch does not read"},
    {".exr .hdr", "a high dynamic range image (OpenEXR, Radiance), a kind imgbatch does not read"},
    {".tga .pcx .dds .qoi .ppm .pgm .pbm .pnm .pam .pfm .fits .fit .djvu",
     "an image in a format imgbatch does not read"},
};

const char *unread_image_kind(const char *name)
{
    const char *ext = file_extension(name);
    size_t len = ext ? strlen(ext) : 0;

    if (len < 2)
        return NULL;
    for (size_t i = 0; i < sizeof(unread_kinds) / sizeof(unread_kinds[0]); i++) {
        for (const char *e = unread_kinds[i].exts; *e;) {
            size_t n = strcspn(e, " ");
            if (n == len && !strncasecmp(e, ext, n))
                return unread_kinds[i].why;
            e += n;
            e += *e == ' ';
        }
    }
    return NULL;
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
    case IN_GIF:
        /* Most GIFs are animations, and only GIF or WebP would keep one moving. */
        return FMT_GIF;
    case IN_HEIF:
        /* A phone's photo: JPEG, as an iPhone itself hands it out when asked to be compatible. */
        return FMT_JPEG;
    case IN_AVIF:
        return FMT_AVIF;
    case IN_JXL:
        return FMT_JXL;
    default:
        return FMT_PNG; /* PNG and BMP */
    }
}

const char *format_label(enum out_format f)
{
    switch (f) {
    case FMT_JPEG:
        return "JPEG";
    case FMT_PNG:
        return "PNG";
    case FMT_WEBP:
        return "WebP";
    case FMT_TIFF:
        return "TIFF";
    case FMT_GIF:
        return "GIF";
    case FMT_AVIF:
        return "AVIF";
    case FMT_JXL:
        return "JPEG XL";
    case FMT_AUTO:
        break;
    }
    return "auto";
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
    case FMT_GIF:
        return ".gif";
    case FMT_AVIF:
        return ".avif";
    case FMT_JXL:
        return ".jxl";
    default:
        return ".png";
    }
}

/* The format an input of this kind is already in, if it is one we write. */
int format_keeps_kind(enum input_kind kind, enum out_format f)
{
    return (kind == IN_JPEG && f == FMT_JPEG) || (kind == IN_PNG && f == FMT_PNG) ||
           (kind == IN_WEBP && f == FMT_WEBP) || (kind == IN_TIFF && f == FMT_TIFF) ||
           (kind == IN_GIF && f == FMT_GIF) || (kind == IN_AVIF && f == FMT_AVIF) ||
           (kind == IN_JXL && f == FMT_JXL);
}

int input_kind_written(enum input_kind kind)
{
    /* Not HEIF: its HEVC is patent-encumbered, and AVIF is the same container with AV1. */
    return kind == IN_JPEG || kind == IN_PNG || kind == IN_WEBP || kind == IN_TIFF ||
           kind == IN_GIF || kind == IN_AVIF || kind == IN_JXL;
}
