/*
 * bench_plot: the picture of a bench, as a standalone SVG, and its CSV.
 *
 * Images/s against the number of processes on a log2 axis (1, 2, 4, 8,
 * 16 evenly apart), one curve per operation with each median marked and
 * labelled and a bar from the slowest run to the fastest, and each
 * operation's ideal (its first count's rate per process, times the count)
 * dashed beside it: how far the two part is what the pool loses to memory
 * bandwidth, shared caches and the dispatch.  The y axis spans the
 * measured runs; the ideal is clipped where it leaves the frame, so it
 * never squashes the curves.  SVG, because any browser shows it and a
 * report can include it as it is.
 */
#ifndef IMGBATCH_BENCH_PLOT_H
#define IMGBATCH_BENCH_PLOT_H

#include <stdio.h>

#include "bench_report.h"

/* Writes the SVG document of r: its title, the machine, a curve per operation. */
void bench_plot_svg(FILE *out, const struct bench_report *r);

/* Writes the table as CSV, a header line first, a row per operation and process count. */
void bench_csv(FILE *out, const struct bench_report *r);

#endif
