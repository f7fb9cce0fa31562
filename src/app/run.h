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

/* Returns the process exit status. */
int run_batch(const struct options *opts);

#endif
