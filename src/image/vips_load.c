/*
 * vips_load: libvips start-up in a worker, and an input's bytes through the
 * loader of the format they were sniffed as.
 *
 * A worker starts libvips for the first file the JPEG fast path does not
 * take.  Starting it loads every module libvips has (HEIF, JPEG XL, PDF,
 * OpenSlide, ImageMagick and what they link), 20 to 50 ms per worker here,
 * which a batch of plain JPEGs never needs.
 *
 * Only the loaders imgbatch needs are allowed: every other libvips loader is
 * blocked, so a file named .jpg that really holds SVG, PDF or a Matlab file
 * is refused instead of reaching a loader nobody meant to expose; and for
 * each file, every loader but its sniffed format's.
 *
 * HEIF, AVIF and JPEG XL are loaded by name too, never found by libvips'
 * search: its HEIF loader only knows files by their major brand, where the
 * sniff (formats.c) also reads the compatible ones.
 */
#include "vips_internal.h"

#include <string.h>

/*
 * --fail-on as libvips' fail_on, and as a loader option string:
 * vips_thumbnail_source() in libvips 8.14 does not hand its own fail_on to
 * the loader, so it must go both ways.  By default (error), errors from
 * decoders and truncated files are failures and libjpeg's recoverable
 * warnings are not.
 */
static VipsFailOn vips_fail_on(enum fail_on f)
{
    switch (f) {
    case FAIL_ON_NONE:
        return VIPS_FAIL_ON_NONE;
    case FAIL_ON_TRUNCATED:
        return VIPS_FAIL_ON_TRUNCATED;
    case FAIL_ON_WARNING:
        return VIPS_FAIL_ON_WARNING;
    case FAIL_ON_ERROR:
        break;
    }
    return VIPS_FAIL_ON_ERROR;
}

void vips_input_init(struct vips_input *vin, const struct image_input *in, enum fail_on fail_on)
{
    vin->in = in;
    vin->fail_on = vips_fail_on(fail_on);
    snprintf(vin->fail_on_option, sizeof(vin->fail_on_option), "fail_on=%s",
             fail_on_name(fail_on));
    vin->pages = 1;
}

void vips_input_all_frames(struct vips_input *vin)
{
    /* vips_thumbnail_buffer hands its loader nothing but the option string. */
    size_t len = strlen(vin->fail_on_option);

    if (vin->pages < 0)
        return;
    vin->pages = -1;
    snprintf(vin->fail_on_option + len, sizeof(vin->fail_on_option) - len, ",n=-1");
}

/* Whether libvips is started in this process: 0 not yet, 1 started, -1 it failed. */
static int library_state;

int vips_library_start(void)
{
    static const char *allowed[] = {
        "VipsForeignLoadJpeg",       "VipsForeignLoadPng",       "VipsForeignLoadNsgif",
        "VipsForeignLoadWebp",       "VipsForeignLoadTiff",      "VipsForeignLoadMagickBuffer",
        "VipsForeignLoadHeifBuffer", "VipsForeignLoadJxlBuffer",
    };

    if (library_state)
        return library_state > 0 ? 0 : -1;
    library_state = -1; /* a start that fails is not tried again */
    if (VIPS_INIT("imgbatch"))
        return -1;
    /* The pool is the parallelism: one thread per worker, and no cache across files. */
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        vips_operation_block_set(allowed[i], FALSE);
    vips_warnings_catch();
    library_state = 1;
    return 0;
}

void vips_library_refuse(void)
{
    library_state = -1;
}

int vips_library_failed(void)
{
    return library_state < 0;
}

void vips_library_shutdown(void)
{
    if (library_state > 0)
        vips_shutdown();
}

/*
 * The libvips loader classes for each format we read.  Before each file,
 * every loader but the sniffed format's is blocked, so that whatever
 * libvips does with the bytes (vips_thumbnail_buffer asks every loader
 * whether they are its own), only that one loader can run.
 */
static const char *loader_class(enum input_kind kind)
{
    switch (kind) {
    case IN_JPEG:
        return "VipsForeignLoadJpeg";
    case IN_PNG:
        return "VipsForeignLoadPng";
    case IN_GIF:
        return "VipsForeignLoadNsgif";
    case IN_WEBP:
        return "VipsForeignLoadWebp";
    case IN_TIFF:
        return "VipsForeignLoadTiff";
    case IN_BMP:
        /* No libvips loader of its own: ImageMagick, under its policy (magick_policy.c). */
        return "VipsForeignLoadMagickBuffer";
    case IN_HEIF:
    case IN_AVIF:
        return "VipsForeignLoadHeifBuffer"; /* libheif, with libde265 and dav1d or aom */
    case IN_JXL:
        return "VipsForeignLoadJxlBuffer";
    case IN_NONE:
        break;
    }
    return NULL;
}

static void allow_only_loader(enum input_kind kind)
{
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set(loader_class(kind), FALSE);
}

VipsImage *vips_input_load(const struct vips_input *vin, VipsAccess access)
{
    const struct image_input *in = vin->in;
    VipsImage *out = NULL;
    int r = -1;

    allow_only_loader(in->kind);
    switch (in->kind) {
    case IN_JPEG:
        r = vips_jpegload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 vin->fail_on, NULL);
        break;
    case IN_PNG:
        r = vips_pngload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                vin->fail_on, NULL);
        break;
    case IN_GIF:
        r = vips_gifload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                vin->fail_on, "n", vin->pages, NULL);
        break;
    case IN_WEBP:
        r = vips_webpload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 vin->fail_on, "n", vin->pages, NULL);
        break;
    case IN_TIFF:
        r = vips_tiffload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 vin->fail_on, NULL);
        break;
    case IN_BMP:
        r = vips_magickload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                   vin->fail_on, NULL);
        break;
    case IN_HEIF:
    case IN_AVIF:
        /*
         * libheif applies the rotation and mirroring stored in the file
         * (irot, imir) and libvips then drops the EXIF orientation, which
         * the HEIF standard makes informative only: the image comes out
         * upright, with orientation 1, and is turned once, not twice.
         */
        r = vips_heifload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 vin->fail_on, NULL);
        break;
    case IN_JXL:
        /* libjxl applies the codestream's orientation itself and reports 1. */
        r = vips_jxlload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                vin->fail_on, NULL);
        break;
    case IN_NONE:
        vips_error("imgbatch", "not a known file format");
        break;
    }
    return r ? NULL : out;
}

/*
 * Whether libvips' thumbnail shrinks this format while decoding: JPEG by
 * DCT scaling, WebP, TIFF and GIF in their own ways.  libheif and libjxl
 * decode the whole image whatever the size asked (libvips' HEIF thumbnail
 * would take the small preview some files carry, which is not the image).
 */
static int shrinks_on_load(enum input_kind kind)
{
    return kind != IN_HEIF && kind != IN_AVIF && kind != IN_JXL;
}

VipsImage *vips_input_thumbnail(const struct vips_input *vin, int width, int height,
                                int no_rotate, int to_srgb)
{
    const struct image_input *in = vin->in;
    VipsImage *out = NULL;
    /* libvips 8.14 honours an embedded profile only when asked to export to one. */
    const char *profile_option = to_srgb ? "export_profile" : NULL;

    if (!shrinks_on_load(in->kind)) {
        /* Its loader by name (see the top of this file), then the same thumbnail. */
        VipsImage *whole = vips_input_load(vin, VIPS_ACCESS_SEQUENTIAL);
        int r;
        if (!whole)
            return NULL;
        r = vips_thumbnail_image(whole, &out, width, "height", height, "size", VIPS_SIZE_FORCE,
                                 "no_rotate", no_rotate, "fail_on", vin->fail_on, profile_option,
                                 "srgb", NULL);
        g_object_unref(whole);
        return r ? NULL : out;
    }
    /* vips_thumbnail_buffer picks its loader by asking them all: only the sniffed one may answer. */
    allow_only_loader(in->kind);
    if (vips_thumbnail_buffer(in->data, in->length, &out, width, "height", height, "size",
                              VIPS_SIZE_FORCE, "no_rotate", no_rotate, "fail_on", vin->fail_on,
                              "option_string", vin->fail_on_option, profile_option, "srgb", NULL))
        return NULL;
    return out;
}
