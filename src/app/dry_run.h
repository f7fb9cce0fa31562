/*
 * dry_run: --dry-run, what a run would do, with nothing written.
 */
#ifndef IMGBATCH_DRY_RUN_H
#define IMGBATCH_DRY_RUN_H

#include "cli.h"
#include "scan.h"
#include "state.h"

/*
 * Prints what a run would process, skip and refuse, from the scan and the
 * incremental state (may be NULL), touching nothing.  Returns 0, or 1 when
 * some file would be refused.
 */
int run_dry(const struct options *opts, struct scan_result *scan, struct run_state *state);

#endif
