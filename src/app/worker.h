/*
 * worker: the pool callbacks that run the image operations in a worker.
 *
 * The context is filled by the master before the fork and inherited by
 * every worker, INPUT's and OUTPUT's open descriptors included: a job
 * names its input and output relative to them (scan_entry's rel and
 * out_rel), and the worker opens both below them without following a link
 * (beneath.h).  libvips is started only in the worker, after the fork.
 */
#ifndef IMGBATCH_WORKER_H
#define IMGBATCH_WORKER_H

#include <stddef.h>

#include "cli.h"
#include "image/image.h"
#include "pool/pool.h"
#include "scan.h"

struct worker_context {
    struct image_settings settings;
    int input_root;          /* INPUT, or the directory of a file INPUT, open */
    int output_root;         /* OUTPUT, open */
    const char *input_shown; /* INPUT as given: a job's input is shown joined to it */
    const char *output_shown;
    char *file_input;        /* a file INPUT: its name in input_root (links resolved) */
    char *scratch;           /* the run's private directory (run_scratch.h) */
};

/*
 * Fills w from opts and opens INPUT and OUTPUT (which must exist) and the
 * run's scratch directory.  Returns 0, or -1 with "why" in err.
 */
int worker_context_init(struct worker_context *w, const struct options *opts, char *err,
                        size_t errlen);
void worker_context_release(struct worker_context *w);

/* The pool job for scan entry e: its paths below INPUT and OUTPUT and a fresh random tag. */
void worker_job_for(const struct worker_context *w, const struct scan_entry *e,
                    struct pool_job *job);

/* The output of job as the master settles it (output_file.h). */
struct output_target worker_output_of(const struct worker_context *w, const struct pool_job *job,
                                      const char *shown);

/*
 * Fills cfg's init/work/fini with the image worker's functions, ctx with w,
 * and the per-worker limits (--timeout, --max-memory) from opts.
 */
void worker_configure_pool(struct pool_config *cfg, struct worker_context *w,
                           const struct options *opts);

#endif
