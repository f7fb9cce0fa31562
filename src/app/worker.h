/*
 * worker: the pool callbacks that run the image operations in a worker.
 *
 * The context is filled by the master before the fork and inherited by
 * every worker, OUTPUT's open descriptor and the scan's roots included: a
 * job names its input below one of the roots (the INPUT folders, and the
 * folders of INPUT files) and its output below OUTPUT, and the worker
 * opens both below them without following a link (beneath.h).  A worker
 * opens a root when a job needs it, checking it is the folder the scan
 * saw, and keeps the last one open.  The engine's module is loaded by each
 * worker as it starts, and libvips only for the first file that needs it.
 */
#ifndef IMGBATCH_WORKER_H
#define IMGBATCH_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "image/image.h"
#include "pool/pool.h"
#include "scan.h"

struct worker_context {
    struct image_settings settings;
    struct variant variants[VARIANTS_MAX]; /* a job's outputs name theirs: a size and a format */
    size_t nvariants;
    const struct scan_root *roots; /* the scan's, which outlives the pool */
    size_t root_count;
    struct open_root open_root; /* in a worker: the root of its last job */
    int output_root;         /* OUTPUT's folder, open */
    const char *output_shown; /* OUTPUT's folder as given: a job's output is shown joined to it */
    const char *output_file; /* OUTPUT as given when it is one file; else NULL */
    char *scratch;           /* the run's private directory (run_scratch.h) */
    int with_libvips;        /* some file will need libvips: loaded before the first job */
};

/*
 * Fills w from opts and the scan's roots, and opens OUTPUT's folder (which
 * must exist) and the run's scratch directory.  Returns 0, or -1 with
 * "why" in err.
 */
int worker_context_init(struct worker_context *w, const struct options *opts,
                        const struct scan_result *scan, char *err, size_t errlen);
void worker_context_release(struct worker_context *w);

/* A job's output as the master settles it (output_file.h), shown as shown. */
struct output_target worker_output_of(const struct worker_context *w,
                                      const struct job_output *output, const char *shown);

/*
 * Checks, in the master, that the image engine's module is there for the
 * workers to load (engine_loader.h).  0, or -1 after saying why on stderr.
 */
int worker_engine_ready(void);

/*
 * Fills cfg's init/work/fini with the image worker's functions, ctx with w,
 * and the per-worker limits (--timeout, --max-memory) from opts.
 */
void worker_configure_pool(struct pool_config *cfg, struct worker_context *w,
                           const struct options *opts);

#endif
