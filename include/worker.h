/*
 * worker: the pool callbacks that run the image operations in a worker.
 *
 * The context is filled by the master before the fork and inherited by
 * every worker; libvips is started only in the worker, after the fork.
 */
#ifndef IMGBATCH_WORKER_H
#define IMGBATCH_WORKER_H

#include "cli.h"
#include "image.h"
#include "pool.h"

struct worker_context {
    struct image_settings settings;
};

void worker_context_init(struct worker_context *w, const struct options *opts);

/*
 * Fills cfg's init/work/fini with the image worker's functions, ctx with w,
 * and the per-worker limits (--timeout, --max-memory) from opts.
 */
void worker_configure_pool(struct pool_config *cfg, struct worker_context *w,
                           const struct options *opts);

#endif
