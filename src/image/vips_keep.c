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
 * every output is), upright, and no metadata the output would not carry
 * (--keep).  Nothing stripped may come back through the original's bytes:
 * not the EXIF or the GPS position a user had removed, not a profile the
 * pixels were converted out of.  The size is compared once the output is
 * written.
 */
#include "vips_internal.h"

#include <string.h>

/*
 * A field the output would not carry, --keep's kinds aside (vips_save.c's
 * keep_only drops the rest): the profile unless kept (with --keep icc the
 * pixels stay in it: keeps_profile), EXIF unless kept, GPS unless named,
 * the EXIF preview always (it shows the picture before the operation),
 * XMP and IPTC unless kept, and the text no saver here writes back.
 */
static int dropped(const char *name, unsigned keep)
{
    if (!strcmp(name, VIPS_META_ICC_NAME))
        return !(keep & KEEP_ICC);
    if (!strcmp(name, VIPS_META_EXIF_NAME) || !strncmp(name, "exif-ifd", 8)) {
        if (!(keep & KEEP_EXIF) || !strncmp(name, "exif-ifd1-", 10))
            return 1;
        return !(keep & KEEP_GPS) && !strncmp(name, "exif-ifd3-", 10);
    }
    if (!strcmp(name, VIPS_META_XMP_NAME))
        return !(keep & KEEP_XMP);
    if (!strcmp(name, VIPS_META_IPTC_NAME))
        return !(keep & KEEP_IPTC);
    return !strcmp(name, "jpeg-thumbnail-data") || !strcmp(name, VIPS_META_PHOTOSHOP_NAME) ||
           !strcmp(name, VIPS_META_IMAGEDESCRIPTION) || !strncmp(name, "png-comment-", 12) ||
           !strcmp(name, "gif-comment");
}

/* vips_image_map's callback: non-NULL (stop) at the first field the output would drop. */
static void *dropped_field(VipsImage *image, const char *name, GValue *value, void *a)
{
    const struct image_settings *s = a;
    (void)image;
    (void)value;

    return dropped(name, s->keep_metadata) ? (void *)name : NULL;
}

int vips_original_may_stand_in(const struct image_settings *s, const struct image_input *in,
                               VipsImage *header, enum out_format fmt)
{
    VipsInterpretation type = vips_image_guess_interpretation(header);

    if (!s->encode.keep_original || s->op == IMAGE_GRAYSCALE || s->op == IMAGE_SEPIA)
        return 0;
    if (!format_keeps_kind(in->kind, fmt) || vips_image_get_n_pages(header) > 1)
        return 0;
    /* 8-bit sRGB or grey already: or, with --keep icc, 8-bit RGB or grey in its own profile. */
    if (header->BandFmt != VIPS_FORMAT_UCHAR ||
        (type != VIPS_INTERPRETATION_sRGB && type != VIPS_INTERPRETATION_B_W))
        return 0;
    if (!s->no_rotate && vips_image_get_orientation(header) != 1)
        return 0;
    return vips_image_map(header, dropped_field, (void *)s) == NULL;
}

int vips_keep_original_if_smaller(const struct image_input *in, const struct output_target *output,
                                  struct job_result *res, struct output_result *done)
{
    int r = temp_output_keep_smaller(output, in->data, in->length, res);

    if (r > 0)
        done->kept_original = 1;
    return r < 0 ? -1 : 0;
}
