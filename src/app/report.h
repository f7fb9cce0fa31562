/*
 * report: what a run prints, as text lines or as JSON lines.
 *
 * One line per file as results arrive, in completion order, then the
 * summary.  The counters kept here also decide the exit status.  A run
 * that makes several outputs of each input (a responsive set) still gives
 * each input one line: how many outputs, their sizes and formats, and
 * which sizes were not enlarged; JSON lists every output.
 *
 * Text goes to two streams, so that a cron job can keep them apart: the
 * failures (the \u2717 lines) to stderr, everything else to stdout.  --json is
 * one stream of objects on stdout, failures included.  With --quiet a run
 * that went well prints nothing at all, not even the summary; one that did
 * not prints its failures (and, with --json, the summary).
 */
#ifndef IMGBATCH_REPORT_H
#define IMGBATCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "image/formats.h"
#include "image/size.h"
#include "pool/message.h"
#include "pool/pool.h"
#include "progress.h"

struct report {
    FILE *out;               /* the report */
    FILE *err;               /* text failure lines */
    int json;
    int quiet;
    const char *op;          /* "resize" */
    size_t ok;
    size_t failed;
    size_t skipped;
    size_t up_to_date;       /* of the skipped: --incremental found the output current */
    size_t failed_before;    /* of the skipped: --incremental found it failed, unchanged since */
    size_t pruned;           /* outputs --prune removed: not files of this run, not in total */
    size_t outputs;          /* outputs made, of the files that succeeded or failed part way */
    int sets;                /* several outputs of each input: the set's form of lines */
    double input_megapixels; /* of the files that succeeded */
    long long input_bytes;   /* of the files that succeeded, and of their outputs */
    long long output_bytes;
    unsigned shard_index, shard_count; /* --shard, or 0 and 0 */
    struct progress *progress; /* erased before each line; may be NULL */
    int reader_gone;         /* writing failed with EPIPE: nothing more is written */
};

/* Exit status of a run stopped because its workers kept dying. */
#define EXIT_WORKERS_DYING 3

/* How the report is written: the command line's choices. */
struct report_style {
    int json;
    int quiet;
    const char *op; /* "resize" */
    unsigned shard_index, shard_count; /* --shard, or 0 and 0 */
    int sets;                          /* each input has several outputs (sizes, formats) */
};

/* One output made, as the report tells it. */
struct report_output {
    const char *path;                 /* as shown */
    enum out_format format;           /* as written */
    const struct size_request *asked; /* the size asked; NULL for the full-size operations */
    unsigned width, height;           /* as written: one frame's */
    unsigned frames;                  /* written: 0 (not said) or 1 for a still image */
    long long bytes;                  /* -1: not known */
    int kept_original, capped;
};

/* One input done: the outputs made of it now, and how many were up to date already. */
struct report_file {
    const char *input;
    const struct job_result *res; /* the input's size, frames and the time */
    int worker;
    const struct report_output *made;
    size_t nmade;
    size_t up_to_date;
};

void report_init(struct report *r, FILE *out, FILE *err, const struct report_style *style);

/* Where failures are written: err for text, out for --json. */
FILE *report_failure_stream(const struct report *r);

/* A file processed: each output made, the input's dimensions and the time. */
void report_ok(struct report *r, const struct report_file *f);

/* A file not processed, and why: counted; a line only with --json. */
void report_skipped(struct report *r, const char *input, const char *reason);

/*
 * A file skipped as an image of a kind imgbatch does not read (.psd, .cr2):
 * as report_skipped, and a line in the text report too, for the user may
 * have expected it done.
 */
void report_not_read(struct report *r, const char *input, const char *reason);

/*
 * A file skipped by --incremental: its outputs are up to date (output: the
 * one of a run of one output each; n of them).  Counted as skipped.
 */
void report_up_to_date(struct report *r, const char *input, const char *output, size_t n);

/*
 * A file skipped by --incremental: it failed last time, for error, and
 * has not changed since.  Counted as skipped; a line on stdout naming
 * --retry-failed.
 */
void report_failed_before(struct report *r, const char *input, const char *error);

/* --prune removed output, made from input, which is gone.  A line on stdout. */
void report_pruned(struct report *r, const char *input, const char *output);

/* A file failed (on the failure stream); worker is 0 when it failed before reaching one. */
void report_failed(struct report *r, const char *input, const char *error, int worker);

struct report_totals {
    int workers;
    const struct pool_worker_stats *stats;
    const struct pool_outcome *outcome;
};

void report_summary(struct report *r, const struct report_totals *t);

/*
 * The summary's fields as JSON object members ("op":"resize",...), without
 * braces, for the --json summary line and the --stats-file object.
 */
void report_put_summary_fields(FILE *out, const struct report *r, const struct report_totals *t);

/* The run's speed: files processed (ok or failed) and input megapixels per second. */
double report_images_per_sec(const struct report *r, const struct pool_outcome *o);
double report_megapixels_per_sec(const struct report *r, const struct pool_outcome *o);

/* 1 once a write found the report's reader gone (EPIPE); the run should stop. */
int report_reader_gone(const struct report *r);

/*
 * 0, 1, EXIT_WORKERS_DYING, or 128 + the signal that stopped the run
 * (SIGPIPE when the report's reader went away).  A report that could not
 * be written (stdout on a full disk, say) makes it at least 1.
 */
int report_exit_status(struct report *r, const struct pool_outcome *outcome);

#endif
