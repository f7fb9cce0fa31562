/*
 * merge: the stats files and --json logs of a split's shards, added up.
 *
 * A run split with --shard K/N leaves N stats files (--stats-file) and,
 * where they were kept, N --json logs.  `imgbatch report` reads them all
 * and says how the whole run went: one summary, which shards are missing,
 * and one list of the files that failed.  This module reads and adds up;
 * report_cmd.c says it.
 *
 * Every line of a file is one JSON object, one of three kinds:
 *  - a stats file's object (it has "exit_status"): one run's summary and
 *    how it ended;
 *  - a --json log's summary line ({"summary":{...}}): the same counts,
 *    without the exit status; used for a shard that has no stats file;
 *  - a --json log's per-file record ("input" and "status"): the failed
 *    ones make the list of failures, the others are counted in a summary.
 * A stats file reformatted over several lines (jq .) is read whole.  An
 * empty file is a quiet --json log of a run where nothing failed.
 *
 * The runs must belong together: one operation, one OUTPUT, and either
 * the shards of one split (each K at most once) or one run without
 * --shard.  Anything else is refused, since adding it up would mislead.
 */
#ifndef IMGBATCH_MERGE_H
#define IMGBATCH_MERGE_H

#include <stddef.h>

/* One run's summary: a shard's, or the one run without --shard. */
struct merge_run {
    char *file;                        /* where it was read */
    unsigned shard_index, shard_count; /* both 0: not sharded */
    int from_stats;                    /* a stats file (else a log's summary line) */
    int exit_status;                   /* -1: not known (a log's summary) */
    char *op;
    char *output; /* a stats file's OUTPUT; NULL from a log */
    double total, ok, failed, skipped, up_to_date, failed_before, not_started, pruned;
    double input_bytes, output_bytes;
    double seconds;                     /* the run's own wall time */
    double started_unix, finished_unix; /* 0: not known (a log's summary) */
    char *interrupted_by;               /* the signal's name, or NULL */
    char *gave_up;                      /* why the pool gave up, or NULL */
};

/* A file a --json log reports as failed. */
struct merge_failure {
    char *input; /* as it was named, its exact bytes (from input_hex where given) */
    char *error;
};

struct merge {
    struct merge_run *runs; /* by shard once merge_settle has run */
    size_t nruns, runs_cap;
    struct merge_failure *failures;
    size_t nfailures, failures_cap;
    size_t files; /* read */
    /* Set by merge_settle: */
    unsigned shard_count; /* N of the split; 0 for a run without --shard */
    unsigned *missing;    /* the Ks of 1..N no file had */
    size_t nmissing;
};

void merge_init(struct merge *m);

/*
 * Adds the content of one file (text[0..len), its name for messages).
 * Returns 0, or -1 with one line in err naming the file, and the line where
 * it matters: "task-3.json: line 2: not JSON (at byte 17: ...)".
 */
int merge_add(struct merge *m, const char *file, const char *text, size_t len, char *err,
              size_t errlen);

/*
 * Once every file is added: one run per shard (a stats file wins over a
 * log's summary of the same shard), sorted by K, the missing shards
 * listed.  Returns 0, or -1 with why in err when the runs do not belong
 * together (two splits, two operations, two OUTPUTs, a shard twice, no run
 * at all).
 */
int merge_settle(struct merge *m, char *err, size_t errlen);

/* The runs' counts added up, and the span from the first start to the last finish. */
struct merge_totals {
    double total, ok, failed, skipped, up_to_date, failed_before, not_started, pruned;
    double input_bytes, output_bytes;
    double started_unix, finished_unix;   /* 0: not known */
    double seconds;                       /* that span, or the longest run's own time */
    double images_per_sec;                /* (ok + failed) / seconds */
    size_t interrupted, gave_up, unclean; /* runs stopped by a signal / giving up / exit not 0 */
};

void merge_totals(const struct merge *m, struct merge_totals *t);

/*
 * The exit status `imgbatch report` ends with: 0 when every shard is there
 * and each ended with 0; 1 when one is missing or one did not end with 0
 * (failed files, a signal, workers that kept dying).
 */
int merge_exit_status(const struct merge *m);

void merge_release(struct merge *m);

#endif
