/*
 * summary_files: a run's summary for machines, written when the run ends.
 *
 * --stats-file gets one JSON object (the --json summary plus when, where
 * and how the run ended); --metrics-file gets the same numbers in the
 * Prometheus text exposition format, for node_exporter's textfile
 * collector, so that a cron job's throughput, failures and last success
 * can be graphed and alerted on.  Both are replaced atomically: a scrape
 * or a script never reads half a file.
 */
#ifndef IMGBATCH_SUMMARY_FILES_H
#define IMGBATCH_SUMMARY_FILES_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "report.h"

struct run_record {
    const struct options *opts;
    const struct report *report;
    const struct report_totals *totals;
    double started_unix;  /* wall-clock time, seconds since the epoch */
    double finished_unix;
    double duration_s;    /* on the monotonic clock: a clock step cannot bend it */
    int exit_status;
};

/* Each returns 0, or -1 with a one-line reason in err. */
int write_stats_file(const char *path, const struct run_record *rec, char *err, size_t errlen);
int write_metrics_file(const char *path, const struct run_record *rec, char *err, size_t errlen);

/* Writes s as a Prometheus label value, quotes included (exposed for the unit tests). */
void metrics_put_label_value(FILE *out, const char *s);

/*
 * The value of metric name in an exposition text, or -1 if it is not
 * there (exposed for the unit tests; used to carry the last success over).
 */
double metrics_find_value(const char *text, const char *name);

/* Writes unix_time as a quoted ISO 8601 UTC time, "2026-12-07T03:14:21Z". */
void summary_put_iso_time(FILE *out, double unix_time);

/* Current wall-clock time, seconds since the epoch. */
double wall_clock_now(void);

#endif
