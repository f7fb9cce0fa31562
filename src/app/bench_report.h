/*
 * bench_report: what a bench measured, and its table and JSON.
 *
 * A bench is one or more operations (series), each run on every process
 * count (points) --repeat times.  A point keeps its runs' seconds in the
 * order they ran and shows their min, median and max, so a reader sees how
 * far the runs agree; its rates all come from the median seconds: images/s
 * is the files over it, MB/s the input's bytes (10^6) over it, MP/s the
 * decoded megapixels over it.  The speedup is over the series' first count
 * (1 process unless --procs starts higher), per process.
 *
 * Above the table go the machine, the libraries and the settings: a figure
 * without them cannot be compared with another.
 */
#ifndef IMGBATCH_BENCH_REPORT_H
#define IMGBATCH_BENCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "bench_machine.h"
#include "versions.h"

/* One process count of one operation. */
struct bench_point {
    int procs;
    const double *runs; /* seconds of each run, in the order run */
    int nruns;
    double seconds_min, seconds, seconds_max; /* seconds: the median */
    double images_per_sec;                    /* files / median seconds */
    double mb_per_sec;                        /* input bytes / 10^6 / median seconds */
    double megapixels_per_sec;                /* decoded megapixels / median seconds */
    double speedup;                           /* images/s over the first point's, per process */
    double efficiency;                        /* speedup / procs */
};

/* One operation: a block of the table, a curve of the plot. */
struct bench_series {
    const char *op;             /* "resize" */
    const char *size;           /* "200x150"; "" for an operation that keeps the size */
    struct bench_point *points; /* ascending by procs */
    int npoints;
    size_t files, failed; /* failed: in the last run */
    long long bytes;      /* the input files' */
    double megapixels;    /* decoded in a run (every frame of an animation kept whole) */
};

/* A whole bench, as its header, table, JSON, CSV and plot show it. */
struct bench_report {
    const char *version; /* imgbatch's */
    const char *input;
    const char *tmpdir; /* where the scratch OUTPUT was made: $TMPDIR or /tmp */
    int repeat;
    int quality;
    const char *format;
    const struct bench_machine *machine;
    const struct image_library *libs;
    int nlibs;
    struct bench_series *series;
    int nseries;
};

/*
 * Fills p for procs processes from runs[0..nruns) (kept, not copied) over
 * files, bytes and megapixels; the speedup is left to bench_series_speedup.
 */
void bench_point_compute(struct bench_point *p, int procs, const double *runs, int nruns,
                         size_t files, long long bytes, double megapixels);

/* The speedup and efficiency of each of s's points, over its first. */
void bench_series_speedup(struct bench_series *s);

/* "resize 200x150" or "grayscale": an operation as the table and the plot name it. */
void bench_series_label(const struct bench_series *s, char *buf, size_t len);

/* The lines above the table: what ran, on what, with which libraries, how often. */
void bench_report_header(FILE *out, const struct bench_report *r);

/* The table: a row per operation and process count. */
void bench_report_table(FILE *out, const struct bench_report *r);

/* Everything as one JSON object (its keys are listed in the man page). */
void bench_report_json(FILE *out, const struct bench_report *r);

#endif
