/*
 * report_cmd: `imgbatch report FILE...`, how a split run went, from its files.
 *
 * Reads the stats files and --json logs named (a folder: its *.json and
 * *.jsonl files), adds them up (merge.h), and prints one summary, a line
 * per shard, and the files that failed, as text or, with --json, as the
 * failed files' records and one summary object.  No image is touched and
 * no worker started, so it runs anywhere the files can be read.
 */
#ifndef IMGBATCH_REPORT_CMD_H
#define IMGBATCH_REPORT_CMD_H

#include "cli.h"

/*
 * Runs the command: 0 every shard there and each ended with 0; 1 a shard
 * missing or one that did not end with 0; 2 a file that cannot be read or
 * is none of imgbatch's, or files of runs that do not belong together.
 */
int run_report(const struct options *opts);

#endif
