/*
 * heif_hevc: a libheif decoder plugin for HEVC (HEIC) over libde265, for
 * the HEIF fast path alone.
 *
 * libheif's own libde265 plugin hands each decoded picture to a thread of
 * its own and returns Y'CbCr, which libheif then turns into RGB in floats.
 * A worker is one process on one core, so this one decodes in the calling
 * thread, converts to planar RGB itself (ycbcr.c), and, when the picture
 * is about to be reduced a lot, leaves out HEVC's two in-loop filters:
 * they smooth the edges of blocks a few pixels wide, which a 4x reduction
 * averages away, and a HEIC picture is coded on its own (intra only), so no
 * other picture is predicted from the unfiltered one.
 *
 * It is registered in the fast path's own libheif contexts only: libvips'
 * HEIF loader keeps libheif's plugin.
 */
#ifndef IMGBATCH_HEIF_HEVC_H
#define IMGBATCH_HEIF_HEVC_H

#include <libheif/heif.h>

/* What the next decodes should do; set before heif_decode_image. */
struct hevc_plan {
    int skip_in_loop_filters; /* deblocking and SAO */
    int has_nclx;             /* the container's colour description, which wins over the stream's */
    int matrix_coefficients, colour_primaries, full_range;
};

void heif_hevc_plan(const struct hevc_plan *plan);

/*
 * Makes libheif decode HEVC in ctx with this plugin.  Returns 0, or -1 when
 * libheif refuses it.
 */
int heif_hevc_register(struct heif_context *ctx);

#endif
