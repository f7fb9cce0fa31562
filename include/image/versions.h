/*
 * versions: the libraries the engine runs on, for "imgbatch --version".
 *
 * A bug report needs them: how a file decodes depends on libvips and its
 * loaders as much as on imgbatch.  Nothing here initialises libvips, so
 * the master may ask before it forks (libvips must not start before a fork).
 */
#ifndef IMGBATCH_IMAGE_VERSIONS_H
#define IMGBATCH_IMAGE_VERSIONS_H

#define IMAGE_LIBRARIES 6

struct image_library {
    const char *name; /* "libvips", "libjpeg-turbo", "libpng", "lcms2", "libheif", "libde265" */
    char version[32]; /* "8.14.1" */
};

/* Fills libs with the library versions: those loaded where the library says, else built against. */
void image_library_versions(struct image_library libs[IMAGE_LIBRARIES]);

#endif
