/*
 * image_save: writes a result atomically in the chosen format.
 *
 * The bytes go to a temporary file that ends up as
 * "dir/.name.imgbatch-TAG.tmp" (output_file.h), which the directory scan
 * skips (hidden) and the master can name from the job's tag.  A worker
 * only writes and closes it; the master renames it over the output
 * when it takes the worker's result (settle_output), so a reader never sees
 * half a file and an output exists exactly when its file is reported ok.
 * Both the libvips savers and the JPEG fast path write through it.
 */
#include "vips_internal.h"
#include "image/output_file.h"
#include "base/xio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* JPEG has no transparency: composite onto white, as the eye expects. */
static int flatten_onto_white(VipsImage *in, VipsImage **out)
{
    double white[4] = {255, 255, 255, 255};
    VipsArrayDouble *bg = vips_array_double_new(white, in->Bands - 1);
    int r = vips_flatten(in, out, "background", bg, NULL);

    vips_area_unref(VIPS_AREA(bg));
    return r;
}

/* Whether field name is one of EXIF's: the block, or a tag of IFD ifd (-1: any IFD). */
static int exif_field(const char *name, int ifd)
{
    char prefix[16];

    if (ifd < 0)
        return !strcmp(name, VIPS_META_EXIF_NAME) || !strncmp(name, "exif-ifd", 8);
    snprintf(prefix, sizeof(prefix), "exif-ifd%d-", ifd);
    return !strncmp(name, prefix, strlen(prefix));
}

/*
 * The metadata kept (--keep), and nothing else.  libvips 8.14's savers
 * only strip all or nothing, so the kinds not kept are removed here:
 *
 *  - EXIF: libvips rebuilds the block from the "exif-ifdN-" fields when it
 *    saves, so those go with the block.  GPS is IFD 3: without KEEP_GPS its
 *    tags go, and libvips leaves them out of the rebuilt block.  The old
 *    preview (IFD 1, "jpeg-thumbnail-data") always goes: it shows the
 *    picture before this operation.  With other metadata kept and EXIF not,
 *    libvips still writes a minimal block of its own (resolution, size,
 *    orientation 1): nothing of the original's.
 *  - the ICC profile: kept with KEEP_ICC.  It is there only where the
 *    pixels are still in it (keeps_profile): to_srgb8 removes the profile
 *    of pixels it converted to sRGB.
 */
static int keep_only(VipsImage *in, VipsImage **out, unsigned keep)
{
    if (vips_copy(in, out, NULL))
        return -1;
    gchar **fields = vips_image_get_fields(*out);
    for (int i = 0; fields[i]; i++) {
        const char *f = fields[i];
        int drop = (!(keep & KEEP_EXIF) && exif_field(f, -1)) ||
                   (!(keep & KEEP_GPS) && exif_field(f, 3)) || exif_field(f, 1) ||
                   !strcmp(f, "jpeg-thumbnail-data") ||
                   (!(keep & KEEP_XMP) && !strcmp(f, VIPS_META_XMP_NAME)) ||
                   (!(keep & KEEP_IPTC) && !strcmp(f, VIPS_META_IPTC_NAME)) ||
                   (!(keep & KEEP_ICC) && !strcmp(f, VIPS_META_ICC_NAME));
        if (drop)
            vips_image_remove(*out, f);
    }
    g_strfreev(fields);
    return 0;
}

/* --chroma, or libvips' own choice (full chroma from quality 90 up), as libvips says it. */
static VipsForeignSubsample subsample_mode(const struct encode_options *e)
{
    switch (e->chroma) {
    case CHROMA_420:
        return VIPS_FOREIGN_SUBSAMPLE_ON;
    case CHROMA_444:
        return VIPS_FOREIGN_SUBSAMPLE_OFF;
    case CHROMA_AUTO:
        break;
    }
    return VIPS_FOREIGN_SUBSAMPLE_AUTO;
}

/*
 * AVIF: AV1 in HEIF, 8 bits (the pixels are 8-bit sRGB), through libheif
 * and aom, at --quality mapped to AV1's scale (encode.c).  libvips 8.14
 * leaves lossless AV1 at 4:2:0 unless told; and it always stores YCbCr
 * (libheif's exact RGB needs matrix coefficients it does not pass), so a
 * lossless AVIF is within a level or two of the pixels, not exact.
 */
static int save_avif(VipsImage *img, VipsTarget *target, const struct image_settings *s,
                     gboolean strip)
{
    const struct encode_options *e = &s->encode;
    VipsForeignSubsample chroma = e->lossless ? VIPS_FOREIGN_SUBSAMPLE_OFF : subsample_mode(e);

    return vips_heifsave_target(img, target, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "Q",
                                avif_quality(s->quality), "bitdepth", 8, "lossless", e->lossless,
                                "effort", encode_effort(e, FMT_AVIF), "subsample_mode", chroma,
                                "strip", strip, NULL);
}

static int save_as(VipsImage *img, VipsTarget *target, enum out_format fmt,
                   const struct image_settings *s)
{
    gboolean strip = !s->keep_metadata; /* keep_only() took out the kinds not kept */
    const struct encode_options *e = &s->encode;

    switch (fmt) {
    case FMT_JPEG:
        return vips_jpegsave_target(img, target, "Q", s->quality, "strip", strip, "interlace",
                                    e->progressive, "subsample_mode", subsample_mode(e), NULL);
    case FMT_WEBP:
        return vips_webpsave_target(img, target, "Q", s->quality, "strip", strip, "lossless",
                                    e->lossless, "effort", encode_effort(e, FMT_WEBP), NULL);
    case FMT_TIFF:
        return vips_tiffsave_target(img, target, "compression",
                                    VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE, "predictor",
                                    VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL, "strip", strip, NULL);
    case FMT_GIF:
        return vips_gifsave_target(img, target, "strip", strip, NULL);
    case FMT_AVIF:
        return save_avif(img, target, s, strip);
    case FMT_JXL:
        /* libjxl's quality is JPEG's scale already ("roughly match libjpeg quality", cjxl -h). */
        return vips_jxlsave_target(img, target, "Q", s->quality, "lossless", e->lossless, "effort",
                                   encode_effort(e, FMT_JXL), "strip", strip, NULL);
    case FMT_PNG:
    case FMT_AUTO:
        break;
    }
    /*
     * A palette is quantised at libimagequant's best (Q 100): --quality is for
     * lossy formats.  Rows are filtered as libpng, Pillow and ImageMagick
     * filter them: adaptively, except a palette's, which filters make larger.
     * libvips 8.14 leaves them unfiltered, which makes a photo's PNG half as
     * large again (docs/performance.md).
     */
    VipsForeignPngFilter filter =
        e->palette ? VIPS_FOREIGN_PNG_FILTER_NONE : VIPS_FOREIGN_PNG_FILTER_ALL;
    return vips_pngsave_target(img, target, "compression", e->png_compression, "filter", filter,
                               "interlace", e->progressive, "palette", e->palette, "strip", strip,
                               NULL);
}

/*
 * Runs the pipeline into the open temporary file.  Pixels are computed here,
 * so a failure is either the input's damage surfacing or the disk refusing.
 */
/*
 * The file a saver writes to, with a memory for write errors.  libvips
 * 8.14's PNG and TIFF savers can report success after a write failed (a
 * full disk that another worker then freed): the file has a hole, and the
 * saver's word cannot be trusted.  So the target is ours: the first error
 * sticks, every later write fails too, and the save fails on it.
 */
struct sink {
    int fd;
    int error; /* errno of the first failed write or seek; 0 if none */
};

static gint64 sink_write(VipsTargetCustom *t, const void *data, gint64 len, struct sink *k)
{
    (void)t;
    if (k->error)
        return -1;
    if (write_in_full(k->fd, data, (size_t)len) < 0) {
        k->error = errno;
        return -1;
    }
    return len;
}

/* libtiff reads back and seeks in what it wrote. */
static gint64 sink_read(VipsTargetCustom *t, void *buf, gint64 len, struct sink *k)
{
    (void)t;
    ssize_t n = read(k->fd, buf, (size_t)len);
    return n < 0 ? -1 : n;
}

static gint64 sink_seek(VipsTargetCustom *t, gint64 offset, int whence, struct sink *k)
{
    (void)t;
    off_t at = lseek(k->fd, (off_t)offset, whence);
    if (at < 0 && !k->error)
        k->error = errno;
    return at;
}

static int write_pixels(VipsImage *img, int fd, const struct image_input *in,
                        const struct output_target *output, enum out_format fmt,
                        const struct image_settings *s, struct job_result *res)
{
    struct sink k = {fd, 0};
    VipsTargetCustom *target = vips_target_custom_new();
    int r;

    g_signal_connect(target, "write", G_CALLBACK(sink_write), &k);
    g_signal_connect(target, "read", G_CALLBACK(sink_read), &k);
    g_signal_connect(target, "seek", G_CALLBACK(sink_seek), &k);
    r = save_as(img, VIPS_TARGET(target), fmt, s);
    g_object_unref(target);
    if (k.error) {
        /* Whatever the saver says: a failed write is a broken file, in plain words. */
        vips_error_clear();
        job_result_fail(res, "cannot write %s: %s", output->shown, strerror(k.error));
        return -1;
    }
    if (r) {
        if (strstr(vips_error_buffer(), "write error") || strstr(vips_error_buffer(), "ENOSPC"))
            fail_from_vips(res, "cannot write");
        else
            fail_decoding(res, in);
    }
    return r;
}

int image_save_atomic(VipsImage *img, const struct image_input *in,
                      const struct output_target *output, enum out_format fmt,
                      const struct image_settings *s, struct job_result *res)
{
    VipsImage *flat = NULL, *clean = NULL;
    struct temp_output t;
    char err[RESULT_ERROR_MAX];
    int r = -1;

    if (fmt == FMT_JPEG && vips_image_hasalpha(img)) {
        if (flatten_onto_white(img, &flat)) {
            fail_from_vips(res, "cannot flatten alpha");
            goto done;
        }
        img = flat;
    }
    if (keep_only(img, &clean, s->keep_metadata)) {
        fail_from_vips(res, "cannot copy");
        goto done;
    }
    if (temp_output_open(&t, output, true, err, sizeof(err)) < 0) {
        job_result_fail(res, "%s", err);
        goto done;
    }
    if (write_pixels(clean, t.fd, in, output, fmt, s, res)) {
        temp_output_abandon(&t);
        goto done;
    }
    r = temp_output_finish(&t, output, err, sizeof(err));
    if (r)
        job_result_fail(res, "%s", err);
done:
    if (flat)
        g_object_unref(flat);
    if (clean)
        g_object_unref(clean);
    return r;
}
