/*
 * versions: the libraries' versions; see image/versions.h.
 *
 * libvips, libpng, lcms2, libheif and libde265 say which version is
 * loaded; TurboJPEG has no such call, so its version is the one built
 * against, from pkg-config.
 */
#include "image/versions.h"

#include <lcms2.h>
#include <libde265/de265.h>
#include <libheif/heif.h>
#include <png.h>
#include <stdio.h>
#include <vips/vips.h>

#ifndef IMGBATCH_TURBOJPEG_VERSION
#define IMGBATCH_TURBOJPEG_VERSION "unknown"
#endif

void image_library_versions(struct image_library libs[IMAGE_LIBRARIES])
{
    /* vips_version() reads constants: no VIPS_INIT, which must wait for the workers. */
    int lcms = cmsGetEncodedCMMversion(); /* 2140: 2.14.0 */

    libs[0].name = "libvips";
    snprintf(libs[0].version, sizeof(libs[0].version), "%d.%d.%d", vips_version(0), vips_version(1),
             vips_version(2));
    libs[1].name = "libjpeg-turbo";
    snprintf(libs[1].version, sizeof(libs[1].version), "%s", IMGBATCH_TURBOJPEG_VERSION);
    libs[2].name = "libpng";
    snprintf(libs[2].version, sizeof(libs[2].version), "%s", png_get_libpng_ver(NULL));
    libs[3].name = "lcms2";
    if (lcms % 10)
        snprintf(libs[3].version, sizeof(libs[3].version), "%d.%d.%d", lcms / 1000,
                 lcms % 1000 / 10, lcms % 10);
    else
        snprintf(libs[3].version, sizeof(libs[3].version), "%d.%d", lcms / 1000, lcms % 1000 / 10);
    /* The HEIC fast path: libheif parses the file, libde265 decodes its pictures. */
    libs[4].name = "libheif";
    snprintf(libs[4].version, sizeof(libs[4].version), "%s", heif_get_version());
    libs[5].name = "libde265";
    snprintf(libs[5].version, sizeof(libs[5].version), "%s", de265_get_version());
}
