/*
 * engine_loader: finds the image engine module (image/engine_module.h) in
 * the master, when a run has files to process, and loads it in each worker
 * as it starts: the master itself never maps an image library.
 */
#ifndef IMGBATCH_ENGINE_LOADER_H
#define IMGBATCH_ENGINE_LOADER_H

#include <stddef.h>

#include "image/engine_module.h"

/*
 * Finds the module and checks it can be read, without loading it: 0, or -1
 * with why in err.  The master's check, so that a missing module is one
 * line before any worker starts.
 */
int engine_locate(char *err, size_t errlen);

/*
 * Loads the module once.  Returns its table, or NULL with why in err (the
 * module missing, unreadable, built for another version of the program).
 */
const struct image_engine *engine_load(char *err, size_t errlen);

/* The table engine_load returned; only after it succeeded (in a worker, always). */
const struct image_engine *engine_loaded(void);

#endif
