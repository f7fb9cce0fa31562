/*
 * engine_module: the image engine as the program loads it.
 *
 * The engine is a module, imgbatch-engine.so, that each worker loads as it
 * starts: the master never maps an image library, so a run with nothing to
 * do, a dry run and --version never pay for them.  It carries the fast
 * paths (TurboJPEG, libpng, libdeflate, libwebp) and loads libvips and
 * libheif, a second module, only when a file needs them (vips_module.h).
 * The modules call back into the program for the engine's core (formats,
 * output files, resampling: the program exports them), so there is one
 * copy of each.
 */
#ifndef IMGBATCH_IMAGE_ENGINE_MODULE_H
#define IMGBATCH_IMAGE_ENGINE_MODULE_H

#include "image/image.h"

/* Raised whenever the table or what it points to changes shape. */
#define IMAGE_ENGINE_ABI 2

/* The module's one exported symbol: a struct image_engine. */
#define IMAGE_ENGINE_SYMBOL "imgbatch_image_engine"

/* The file, beside the program (the build tree) or in IMGBATCH_ENGINE_DIR once installed. */
#define IMAGE_ENGINE_FILE "imgbatch-engine.so"

struct image_engine {
    int abi; /* IMAGE_ENGINE_ABI */
    /*
     * In a worker before its first job: loads the libvips module now when
     * the run will need it, so that loading it never counts against a
     * file's --timeout.  0, or -1 when it cannot be loaded (said later, by
     * the file that needs it).
     */
    int (*prepare)(int with_libvips);
    void (*process)(const struct image_settings *s, const struct image_job *job,
                    struct job_result *res);
    int (*library_failed)(void);
    void (*library_shutdown)(void);
};

#endif
