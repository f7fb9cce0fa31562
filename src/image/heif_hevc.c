/*
 * heif_hevc: HEVC pictures for libheif, decoded by libde265 in the calling
 * thread and handed over as planar RGB; see heif_hevc.h.
 *
 * libheif gives the plugin the hvcC headers and then the picture, each as
 * NAL units behind a 4-byte big-endian length (libheif writes those
 * lengths itself).  Anything libde265 warns about, and anything this
 * plugin does not convert, fails the decode: the fast path then leaves the
 * file to libvips, whose libheif words the problem.
 */
#include "heif_hevc.h"
#include "ycbcr.h"

#include <libde265/de265.h>
#include <libheif/heif_plugin.h>
#include <stdlib.h>
#include <string.h>

static struct hevc_plan current_plan;

void heif_hevc_plan(const struct hevc_plan *plan)
{
    current_plan = *plan;
}

struct hevc_decoder {
    de265_decoder_context *ctx;
    int failed; /* a NAL unit libde265 refused */
};

static struct heif_error plugin_error(const char *why)
{
    return (struct heif_error){heif_error_Decoder_plugin_error, heif_suberror_Unspecified, why};
}

static const struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "Success"};

static const char *plugin_name(void)
{
    return "imgbatch HEVC (libde265, in the calling thread)";
}

static int supports(enum heif_compression_format format)
{
    /* Above libheif's own plugin (100), in the contexts that register this one. */
    return format == heif_compression_HEVC ? 200 : 0;
}

static struct heif_error new_decoder(void **out)
{
    struct hevc_decoder *d = calloc(1, sizeof(*d));

    if (!d || !(d->ctx = de265_new_decoder())) {
        free(d);
        return (struct heif_error){heif_error_Memory_allocation_error, heif_suberror_Unspecified,
                                   "cannot make a libde265 decoder"};
    }
    /* No worker threads: libde265 then decodes in the thread that asks. */
    de265_set_parameter_bool(d->ctx, DE265_DECODER_PARAM_BOOL_SEI_CHECK_HASH, 0);
    de265_set_parameter_bool(d->ctx, DE265_DECODER_PARAM_DISABLE_DEBLOCKING,
                             current_plan.skip_in_loop_filters);
    de265_set_parameter_bool(d->ctx, DE265_DECODER_PARAM_DISABLE_SAO,
                             current_plan.skip_in_loop_filters);
    *out = d;
    return ok;
}

static void free_decoder(void *raw)
{
    struct hevc_decoder *d = raw;

    if (!d)
        return;
    de265_free_decoder(d->ctx);
    free(d);
}

static struct heif_error push_data(void *raw, const void *data, size_t size)
{
    struct hevc_decoder *d = raw;
    const uint8_t *p = data;

    for (size_t at = 0; at < size;) {
        if (size - at < 4)
            return plugin_error("HEVC data ends inside a NAL unit's length");
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 |
                       (uint32_t)p[at + 2] << 8 | p[at + 3];
        at += 4;
        if (len > size - at || len > INT32_MAX)
            return plugin_error("HEVC NAL unit longer than the data");
        if (de265_push_NAL(d->ctx, p + at, (int)len, 0, NULL) != DE265_OK)
            d->failed = 1;
        at += len;
    }
    return ok;
}

/* The picture's colour description: the container's when it has one, as libheif does. */
static int matrix_for(const struct de265_image *pic, struct ycbcr_matrix *m)
{
    if (current_plan.has_nclx)
        return ycbcr_matrix_for(m, current_plan.matrix_coefficients, current_plan.colour_primaries,
                                current_plan.full_range);
    return ycbcr_matrix_for(m, de265_get_image_matrix_coefficients(pic),
                            de265_get_image_colour_primaries(pic),
                            de265_get_image_full_range_flag(pic));
}

static struct heif_error add_plane(struct heif_image *img, enum heif_channel ch, int w, int h,
                                   uint8_t **plane, int *stride)
{
    struct heif_error e = heif_image_add_plane(img, ch, w, h, 8);

    if (e.code)
        return e;
    *plane = heif_image_get_plane(img, ch, stride);
    return ok;
}

/* A monochrome picture as libheif's own plugin hands it over: its one plane. */
static struct heif_error grey_image(const struct de265_image *pic, struct heif_image **out)
{
    int w = de265_get_image_width(pic, 0), h = de265_get_image_height(pic, 0), in_stride,
        out_stride;
    const uint8_t *src = de265_get_image_plane(pic, 0, &in_stride);
    uint8_t *dst;
    struct heif_error e =
        heif_image_create(w, h, heif_colorspace_monochrome, heif_chroma_monochrome, out);

    if (e.code)
        return e;
    e = add_plane(*out, heif_channel_Y, w, h, &dst, &out_stride);
    if (e.code) {
        heif_image_release(*out);
        return e;
    }
    for (int y = 0; y < h; y++)
        memcpy(dst + (size_t)y * out_stride, src + (size_t)y * in_stride, (size_t)w);
    return ok;
}

static int chroma_shifts(enum de265_chroma chroma, int *sx, int *sy)
{
    switch (chroma) {
    case de265_chroma_420:
        *sx = 1, *sy = 1;
        return 0;
    case de265_chroma_422:
        *sx = 1, *sy = 0;
        return 0;
    case de265_chroma_444:
        *sx = 0, *sy = 0;
        return 0;
    default:
        return -1;
    }
}

static struct heif_error rgb_image(const struct de265_image *pic, struct heif_image **out)
{
    struct ycbcr_planes in = {0};
    struct ycbcr_matrix m;
    uint8_t *r, *g, *b;
    int rs, gs, bs, cr_stride;

    if (chroma_shifts(de265_get_chroma_format(pic), &in.shift_x, &in.shift_y) ||
        matrix_for(pic, &m))
        return plugin_error("a chroma layout or colour matrix this plugin leaves to libheif");
    in.w = de265_get_image_width(pic, 0);
    in.h = de265_get_image_height(pic, 0);
    in.y = de265_get_image_plane(pic, 0, &in.y_stride);
    in.cb = de265_get_image_plane(pic, 1, &in.c_stride);
    in.cr = de265_get_image_plane(pic, 2, &cr_stride);
    /* The chroma planes cover the luma plane, as the shifts say, with one stride. */
    if (cr_stride != in.c_stride ||
        de265_get_image_width(pic, 1) != (in.w + (1 << in.shift_x) - 1) >> in.shift_x ||
        de265_get_image_height(pic, 1) != (in.h + (1 << in.shift_y) - 1) >> in.shift_y ||
        de265_get_image_width(pic, 2) != de265_get_image_width(pic, 1) ||
        de265_get_image_height(pic, 2) != de265_get_image_height(pic, 1))
        return plugin_error("HEVC chroma planes of an unexpected size");

    struct heif_error e = heif_image_create(in.w, in.h, heif_colorspace_RGB, heif_chroma_444, out);
    if (e.code)
        return e;
    if ((e = add_plane(*out, heif_channel_R, in.w, in.h, &r, &rs)).code ||
        (e = add_plane(*out, heif_channel_G, in.w, in.h, &g, &gs)).code ||
        (e = add_plane(*out, heif_channel_B, in.w, in.h, &b, &bs)).code) {
        heif_image_release(*out);
        return e;
    }
    if (rs != gs || rs != bs) {
        heif_image_release(*out);
        return plugin_error("RGB planes with different strides");
    }
    ycbcr_to_rgb_planes(&in, &m, r, g, b, rs);
    return ok;
}

static int eight_bit(const struct de265_image *pic)
{
    int planes = de265_get_chroma_format(pic) == de265_chroma_mono ? 1 : 3;

    for (int c = 0; c < planes; c++)
        if (de265_get_bits_per_pixel(pic, c) != 8)
            return 0;
    return 1;
}

static struct heif_error decode_image(void *raw, struct heif_image **out)
{
    struct hevc_decoder *d = raw;
    const struct de265_image *pic = NULL;
    int more = 1;

    *out = NULL;
    if (d->failed || de265_flush_data(d->ctx) != DE265_OK)
        return plugin_error("libde265 refused a NAL unit");
    while (more && !pic) {
        more = 0;
        if (de265_decode(d->ctx, &more) != DE265_OK)
            return plugin_error("libde265 could not decode the picture");
        pic = de265_get_next_picture(d->ctx);
    }
    if (!pic)
        return plugin_error("libde265 decoded no picture");
    if (de265_get_warning(d->ctx) != DE265_OK) /* damage it concealed */
        return plugin_error("libde265 warned while decoding");
    if (!eight_bit(pic))
        return plugin_error("more than 8 bits a sample");
    struct heif_error e = de265_get_chroma_format(pic) == de265_chroma_mono ? grey_image(pic, out)
                                                                            : rgb_image(pic, out);
    de265_release_next_picture(d->ctx);
    return e;
}

static const struct heif_decoder_plugin plugin = {
    .plugin_api_version = 1,
    .get_plugin_name = plugin_name,
    .does_support_format = supports,
    .new_decoder = new_decoder,
    .free_decoder = free_decoder,
    .push_data = push_data,
    .decode_image = decode_image,
};

int heif_hevc_register(struct heif_context *ctx)
{
    /* Per context, so libvips' loader in the same worker keeps libheif's own plugin. */
    struct heif_error e = heif_register_decoder(ctx, &plugin);

    return e.code == heif_error_Ok ? 0 : -1;
}
