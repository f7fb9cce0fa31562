/*
 * engine_module: the image engine as the program loads it.
 *
 * The engine (libvips, TurboJPEG, libheif and the hundred libraries behind
 * them) is a module, imgbatch-engine.so, that the master loads just before
 * it forks the workers, and only when there are files to process: a run
 * with nothing to do, a dry run and --version never map those libraries,
 * which cost more than the rest of such a run.  The workers inherit it
 * across the fork, as before.  The module calls back into the program for
 * the engine's core (formats, output files, resampling: the program
 * exports them), so there is one copy of each.
 */
#ifndef IMGBATCH_IMAGE_ENGINE_MODULE_H
#define IMGBATCH_IMAGE_ENGINE_MODULE_H

#include "image/image.h"

/* Raised whenever the table or what it points to changes shape. */
#define IMAGE_ENGINE_ABI 1

/* The module's one exported symbol: a struct image_engine. */
#define IMAGE_ENGINE_SYMBOL "imgbatch_image_engine"

/* The file, beside the program (the build tree) or in IMGBATCH_ENGINE_DIR once installed. */
#define IMAGE_ENGINE_FILE "imgbatch-engine.so"

struct image_engine {
    int abi; /* IMAGE_ENGINE_ABI */
    void (*process)(const struct image_settings *s, const struct image_job *job,
                    struct job_result *res);
    int (*library_failed)(void);
    void (*library_shutdown)(void);
};

#endif
