/*
 * versions: the libraries the engine runs on, for "imgbatch --version".
 *
 * A bug report needs them: how a file decodes depends on libvips and its
 * loaders as much as on imgbatch.  They are the versions imgbatch was built
 * against (pkg-config's), which the engine module is linked with: asking
 * the libraries themselves would load the engine and its hundred
 * libraries, which --version has no other use for.
 */
#ifndef IMGBATCH_VERSIONS_H
#define IMGBATCH_VERSIONS_H

#define IMAGE_LIBRARIES 6

struct image_library {
    const char *name;    /* "libvips", "libjpeg-turbo", ... */
    const char *version; /* "8.14.1" */
};

/* Fills libs with the libraries' names and versions. */
void image_library_versions(struct image_library libs[IMAGE_LIBRARIES]);

#endif
