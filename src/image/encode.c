/* encode: the encoders' options and numbers; see include/image/encode.h. */
#include "image/encode.h"

#include <stddef.h>
#include <string.h>

#define FMT(f) (1u << (f))

void encode_options_default(struct encode_options *e)
{
    memset(e, 0, sizeof(*e));
    e->effort = EFFORT_DEFAULT;
    e->chroma = CHROMA_AUTO;
    e->png_compression = PNG_COMPRESSION_DEFAULT;
}

static int effort_set(const struct encode_options *e)
{
    return e->effort != EFFORT_DEFAULT;
}

static int lossless_set(const struct encode_options *e)
{
    return e->lossless;
}

static int progressive_set(const struct encode_options *e)
{
    return e->progressive;
}

static int chroma_set(const struct encode_options *e)
{
    return e->chroma != CHROMA_AUTO;
}

static int png_compression_set(const struct encode_options *e)
{
    return e->png_compression != PNG_COMPRESSION_DEFAULT;
}

static int palette_set(const struct encode_options *e)
{
    return e->palette;
}

/* Each option, whether e sets it, and the formats that have it. */
static const struct {
    const char *name;
    int (*set)(const struct encode_options *e);
    unsigned formats;
    const char *formats_text;
} encode_options_table[] = {
    {"--effort", effort_set, FMT(FMT_WEBP) | FMT(FMT_AVIF) | FMT(FMT_JXL),
     "WebP, AVIF and JPEG XL"},
    {"--lossless", lossless_set, FMT(FMT_WEBP) | FMT(FMT_AVIF) | FMT(FMT_JXL),
     "WebP, AVIF and JPEG XL"},
    {"--progressive", progressive_set, FMT(FMT_JPEG) | FMT(FMT_PNG), "JPEG and PNG"},
    {"--chroma", chroma_set, FMT(FMT_JPEG) | FMT(FMT_AVIF), "JPEG and AVIF"},
    {"--png-compression", png_compression_set, FMT(FMT_PNG), "PNG"},
    {"--palette", palette_set, FMT(FMT_PNG), "PNG"},
};

const char *encode_option_unused(const struct encode_options *e, enum out_format f)
{
    for (size_t i = 0; i < sizeof(encode_options_table) / sizeof(encode_options_table[0]); i++)
        if (encode_options_table[i].set(e) && !(encode_options_table[i].formats & FMT(f)))
            return encode_options_table[i].name;
    return NULL;
}

const char *encode_option_unused_by_all(const struct encode_options *e,
                                        const enum out_format *formats, size_t n)
{
    unsigned any = 0;

    for (size_t f = 0; f < n; f++)
        any |= FMT(formats[f]);
    for (size_t i = 0; i < sizeof(encode_options_table) / sizeof(encode_options_table[0]); i++)
        if (encode_options_table[i].set(e) && !(encode_options_table[i].formats & any))
            return encode_options_table[i].name;
    return NULL;
}

const char *encode_option_formats(const char *option)
{
    for (size_t i = 0; i < sizeof(encode_options_table) / sizeof(encode_options_table[0]); i++)
        if (!strcmp(option, encode_options_table[i].name))
            return encode_options_table[i].formats_text;
    return "";
}

/*
 * The batch defaults, measured on the corpus photos (docs/performance.md):
 * where the next step costs far more CPU than it saves bytes.  AVIF's 4
 * (libvips' and sharp's default) takes 5 to 5.5 times the CPU of 3 for
 * about 8% fewer bytes at the same SSIM; JPEG XL's 5 scores libjxl's
 * default 7 in SSIM, in 1% fewer bytes, at 55 to 70% of its CPU.  WebP's 4
 * is cwebp's and libvips' own.
 */
#define WEBP_EFFORT_DEFAULT 4
#define AVIF_EFFORT_DEFAULT 3
#define JXL_EFFORT_DEFAULT 5

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int encode_effort(const struct encode_options *e, enum out_format f)
{
    int given = e->effort != EFFORT_DEFAULT;

    switch (f) {
    case FMT_WEBP:
        return given ? clamp(e->effort, 0, 6) : WEBP_EFFORT_DEFAULT;
    case FMT_AVIF:
        return given ? clamp(e->effort, 0, 9) : AVIF_EFFORT_DEFAULT;
    case FMT_JXL:
        /* libvips 8.14 takes 3..9 (libjxl's 1 and 2 are its fastest lossless modes). */
        return given ? clamp(e->effort, 3, 9) : JXL_EFFORT_DEFAULT;
    default:
        return 0;
    }
}

/*
 * JPEG quality and the AV1 quality (at the default effort, 3) whose
 * output scored the same mean SSIM on seven corpus photos shrunk to fit
 * 1024x1024 (scripts/quality-match.py, docs/performance.md); between two
 * rows the line between them.  libvips' own default, 50, looks like JPEG
 * at 55 to 60, where its documentation puts HEVC's 30 level with JPEG 75.
 */
static const struct {
    int jpeg, avif;
} avif_scale[] = {
    {1, 1},   {50, 48}, {60, 51}, {70, 55}, {75, 59},
    {80, 63}, {85, 71}, {90, 80}, {95, 89}, {100, 100},
};

int avif_quality(int quality)
{
    size_t n = sizeof(avif_scale) / sizeof(avif_scale[0]);

    quality = clamp(quality, 1, 100);
    for (size_t i = 1; i < n; i++) {
        if (quality <= avif_scale[i].jpeg) {
            int j0 = avif_scale[i - 1].jpeg, j1 = avif_scale[i].jpeg;
            int a0 = avif_scale[i - 1].avif, a1 = avif_scale[i].avif;
            /* Rounded to the nearest, halves up. */
            return a0 + ((a1 - a0) * (quality - j0) * 2 + (j1 - j0)) / (2 * (j1 - j0));
        }
    }
    return 100;
}

int chroma_full(const struct encode_options *e, int quality)
{
    if (e->chroma != CHROMA_AUTO)
        return e->chroma == CHROMA_444;
    return quality >= 90; /* libvips' jpegsave and heifsave */
}
