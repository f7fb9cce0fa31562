/*
 * run: one processing command from start to exit status.
 *
 * Scans INPUT, creates OUTPUT and its subdirectories, reports the files that
 * fail before any work, runs the rest on the pool largest first, prints a
 * line per result and the summary, and removes what dead workers left.
 */
#ifndef IMGBATCH_RUN_H
#define IMGBATCH_RUN_H

#include "cli.h"
#include "scan.h"
#include "state.h"

#define EXIT_USAGE 2

/* Returns the process exit status. */
int run_batch(const struct options *opts);

/* Returns the process exit status. */
int run_bench(const struct options *opts);

/*
 * --dry-run: prints what a run would process, skip and refuse, from the
 * scan and the incremental state (may be NULL), touching nothing.
 * Returns 0, or 1 when some file would be refused.
 */
int run_dry(const struct options *opts, struct scan_result *scan, const struct run_state *state);

/* The pool size for n files: --jobs, or the online CPUs; never more than n, at least 1. */
int pool_size_for(const struct options *opts, size_t n);

#endif
