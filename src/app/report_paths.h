/*
 * report_paths: a --stats-file, --metrics-file or --manifest (or bench's
 * --csv and --plot) must not name a file the run reads or writes.
 *
 * Each is replaced whole when the run ends, so one naming an input, an
 * output, OUTPUT's lock or state file, or the other report file would
 * silently replace it; so would one naming the lock or a state kept in
 * --state-dir.  The check runs once the scan knows the inputs and
 * outputs, before any work: it compares by identity where the file exists
 * (device and inode against the scan's inputs) and by canonical path (the
 * real path of the directory plus the base name) against every input and
 * output of the scan.  "-" (stdout) names no file.
 */
#ifndef IMGBATCH_REPORT_PATHS_H
#define IMGBATCH_REPORT_PATHS_H

#include <stddef.h>

#include "cli.h"
#include "kept_files.h"
#include "scan.h"

/*
 * Returns 0, or -1 with a one-line reason (naming the option and the file)
 * in err.  kept: the lock and state files of OUTPUT, NULL when there are
 * none (bench; a dry run before OUTPUT exists).
 */
int check_report_paths(const struct options *opts, const struct kept_files *kept,
                       struct scan_result *scan, char *err, size_t errlen);

#endif
