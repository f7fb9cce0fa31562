/*
 * vips_keep: --keep-original-if-smaller on the libvips path.
 *
 * Re-encoding an image that is already small (a web JPEG at quality 75
 * asked for 85, a PNG optimised by hand, a lossy WebP asked for lossless)
 * can make it larger and no better.  Where the output would hold the very
 * picture the input holds, the input's bytes are written instead, into the
 * same temporary file, so the output is as atomic as any other.
 *
 * "The very picture" is judged on the header, before a pixel is decoded,
 * and conservatively: the format kept, one page, 8-bit sRGB or grey (what
 * every output is), upright, and no metadata the output would not carry.
 * Nothing stripped may come back through the original's bytes: not the
 * EXIF (a GPS position) a user had removed, not a profile the pixels were
 * converted out of.  The size is compared once the output is written.
 */
#include "vips_internal.h"

#include <string.h>

/*
 * The metadata an output does not carry: the profile always (pixels are
 * converted to sRGB), EXIF, XMP and IPTC unless --keep-metadata, and the
 * text no saver here writes back.  Names, or with a trailing '-', prefixes.
 */
static const char *const always_dropped[] = {
    VIPS_META_ICC_NAME, VIPS_META_PHOTOSHOP_NAME, VIPS_META_IMAGEDESCRIPTION, "png-comment-",
    "gif-comment",
};
static const char *const dropped_when_stripped[] = {
    VIPS_META_EXIF_NAME, VIPS_META_XMP_NAME, VIPS_META_IPTC_NAME, "exif-",
};

static int named(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list[i]);
        int prefix = list[i][len - 1] == '-';
        if (prefix ? !strncmp(name, list[i], len) : !strcmp(name, list[i]))
            return 1;
    }
    return 0;
}

/* vips_image_map's callback: non-NULL (stop) at the first field the output would drop. */
static void *dropped_field(VipsImage *image, const char *name, GValue *value, void *a)
{
    const struct image_settings *s = a;
    (void)image;
    (void)value;

    if (named(name, always_dropped, G_N_ELEMENTS(always_dropped)))
        return (void *)name;
    if (!s->keep_metadata &&
        named(name, dropped_when_stripped, G_N_ELEMENTS(dropped_when_stripped)))
        return (void *)name;
    return NULL;
}

int vips_original_may_stand_in(const struct image_settings *s, const struct image_input *in,
                               VipsImage *header, enum out_format fmt)
{
    VipsInterpretation type = vips_image_guess_interpretation(header);

    if (!s->encode.keep_original || s->op == IMAGE_GRAYSCALE || s->op == IMAGE_SEPIA)
        return 0;
    if (!format_keeps_kind(in->kind, fmt) || vips_image_get_n_pages(header) > 1)
        return 0;
    if (header->BandFmt != VIPS_FORMAT_UCHAR ||
        (type != VIPS_INTERPRETATION_sRGB && type != VIPS_INTERPRETATION_B_W))
        return 0;
    if (!s->no_rotate && vips_image_get_orientation(header) != 1)
        return 0;
    return vips_image_map(header, dropped_field, (void *)s) == NULL;
}

int vips_keep_original_if_smaller(const struct image_input *in, const struct output_target *output,
                                  struct job_result *res)
{
    int r = temp_output_keep_smaller(output, in->data, in->length, res);

    if (r > 0)
        res->kept_original = 1;
    return r < 0 ? -1 : 0;
}
