/*
 * bench: `imgbatch bench`, throughput against the number of processes.
 *
 * The same jobs as a run (jobs.h), into a scratch OUTPUT removed at the end,
 * on 1, 2, 4 ... processes (or --procs), each count --repeat times,
 * interleaved; the table shows medians.
 */
#ifndef IMGBATCH_BENCH_H
#define IMGBATCH_BENCH_H

#include "cli.h"

/* Returns the process exit status. */
int run_bench(const struct options *opts);

#endif
