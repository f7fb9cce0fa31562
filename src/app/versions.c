/* versions: the libraries' versions, from the build; see versions.h. */
#include "versions.h"

#define VERSION_OR_UNKNOWN(v) (v[0] ? v : "unknown")

void image_library_versions(struct image_library libs[IMAGE_LIBRARIES])
{
    static const char *const names[IMAGE_LIBRARIES] = {"libvips", "libjpeg-turbo", "libpng",
                                                       "lcms2",   "libheif",       "libde265"};
    static const char *const versions[IMAGE_LIBRARIES] = {
        IMGBATCH_VIPS_VERSION,  IMGBATCH_TURBOJPEG_VERSION, IMGBATCH_PNG_VERSION,
        IMGBATCH_LCMS2_VERSION, IMGBATCH_HEIF_VERSION,      IMGBATCH_DE265_VERSION};

    for (int i = 0; i < IMAGE_LIBRARIES; i++) {
        libs[i].name = names[i];
        libs[i].version = VERSION_OR_UNKNOWN(versions[i]);
    }
}
