/*
 * versions: the libraries' versions; see image/versions.h.
 *
 * libvips, libpng and lcms2 say which version is loaded; TurboJPEG has no
 * such call, so its version is the one built against, from pkg-config.
 */
#include "image/versions.h"

#include <lcms2.h>
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
}
