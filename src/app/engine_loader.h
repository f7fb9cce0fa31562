/*
 * engine_loader: loads the image engine module (image/engine_module.h) in
 * the master, before the fork, when a run has files to process.
 */
#ifndef IMGBATCH_ENGINE_LOADER_H
#define IMGBATCH_ENGINE_LOADER_H

#include <stddef.h>

#include "image/engine_module.h"

/*
 * Loads the module once.  Returns its table, or NULL with why in err (the
 * module missing, unreadable, built for another version of the program).
 */
const struct image_engine *engine_load(char *err, size_t errlen);

/* The table engine_load returned; only after it succeeded (in a worker, always). */
const struct image_engine *engine_loaded(void);

#endif
