/*
 * bench_plot: the picture of a bench, as a standalone SVG.
 *
 * Images/s against the number of processes, each measured point marked
 * and labelled, with the ideal line (one process's rate times the count)
 * dashed beside it: how far the two part is what the pool loses to
 * memory bandwidth, shared caches and the dispatch.  SVG, because any
 * browser shows it and a report can include it as it is.
 */
#ifndef IMGBATCH_BENCH_PLOT_H
#define IMGBATCH_BENCH_PLOT_H

#include <stdio.h>

struct bench_point {
    int procs;
    double seconds;        /* median wall time of the whole batch */
    double images_per_sec; /* median */
    double megapixels_per_sec;
};

/* Writes the SVG document for points[0..n), ascending by procs, titled title. */
void bench_plot_svg(FILE *out, const char *title, const struct bench_point *points, int n);

/* Writes the table as CSV, a header line first. */
void bench_csv(FILE *out, const struct bench_point *points, int n);

#endif
