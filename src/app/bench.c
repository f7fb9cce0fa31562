/*
 * bench: throughput against the number of worker processes.
 *
 * Runs the chosen operation over INPUT with each process count (--procs,
 * or 1, 2, 4 ... up to twice the cores), each --repeat times, into a
 * scratch directory that is removed afterwards, and prints the median wall
 * time, images/s, megapixels/s, speedup over one process and parallel
 * efficiency; --csv and --plot write the same table as CSV and as a picture.  Pool sizes are
 * interleaved round by round, so a noisy neighbour spreads over all of them.
 */
#include "atomic_file.h"
#include "base/diag.h"
#include "bench_plot.h"
#include "json.h"
#include "outpath.h"
#include "pool/pool.h"
#include "progress.h"
#include "run.h"
#include "worker.h"
#include "base/xalloc.h"

#include "base/random_name.h"
#include "report_paths.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
    const struct pool_job *jobs; /* to name each output to commit */
    const struct worker_context *workers;
    struct scan_entry **entries; /* job index -> scan entry */
    size_t ok, failed;
    double megapixels;
    char first_error[600];
    struct progress *progress;   /* over every run of the bench */
};

static void count_result(void *ctx, size_t job, const struct job_result *res,
                         const struct pool_worker_info *worker)
{
    struct tally *t = ctx;
    char buf[sizeof(res->error)];
    struct output_target target = worker_output_of(t->workers, &t->jobs[job],
                                                   t->entries[job]->output);
    /* Outputs are settled as in a real run: the rename is part of the cost. */
    const char *failure = settle_output(&target, res, worker->died, NULL, buf, sizeof(buf));

    if (!failure) {
        t->ok++;
        t->megapixels += (double)res->in_width * res->in_height / 1e6;
    } else if (!t->failed++) {
        snprintf(t->first_error, sizeof(t->first_error), "%s", failure);
    }
    progress_file_done(t->progress, failure != NULL);
}

static void on_tick(void *ctx)
{
    progress_tick(((struct tally *)ctx)->progress);
}

/*
 * The process counts to try: --procs, else 1, 2, 4 ... up to -j or twice
 * the online CPUs (beyond the cores, to show where adding processes stops
 * paying), that largest count itself included, never more than the files.
 */
static int process_counts(const struct options *opts, size_t files, int *counts)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int max = opts->jobs > 0 ? opts->jobs : 2 * (int)(cpus > 0 ? cpus : 1);
    int n = 0;

    if (opts->nprocs > 0) {
        memcpy(counts, opts->procs, (size_t)opts->nprocs * sizeof(*counts));
        return opts->nprocs;
    }
    if ((size_t)max > files)
        max = (int)files; /* more workers than files would only sit idle */
    for (int j = 1; j < max && n < BENCH_PROCS_MAX - 1; j *= 2)
        counts[n++] = j;
    counts[n++] = max;
    return n;
}

/* Writes what the bench's --csv or --plot asked for; 0, or -1 with a message printed. */
static int write_bench_file(const char *path, const char *title, const struct bench_point *pts,
                            int n, int plot)
{
    char *data = NULL, err[RESULT_ERROR_MAX];
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    int ret = -1;

    if (!mem) {
        diag_errno("cannot write %s", path);
        return -1;
    }
    if (plot)
        bench_plot_svg(mem, title, pts, n);
    else
        bench_csv(mem, pts, n);
    if (fclose(mem) != 0)
        diag("cannot write %s: out of memory", path);
    else if (write_file_or_stdout(path, data, len, 0666, MODE_UMASK, err, sizeof(err)) < 0)
        diag("%s", err);
    else
        ret = 0;
    free(data);
    return ret;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) < 0)
        diag_errno("cannot remove %s", path);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int run_bench(const struct options *opts)
{
    struct scan_result scan;
    char err[RESULT_ERROR_MAX];
    char scratch[] = "/tmp/imgbatch-bench-XXXXXX";
    struct options o = *opts;

    if (!mkdtemp(scratch)) {
        diag_errno("cannot create a scratch directory");
        return EXIT_USAGE;
    }
    o.output = scratch;
    o.op = opts->bench_op;
    if (scan_inputs(&o, &scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        rmdir(scratch);
        return EXIT_USAGE;
    }
    /* A --csv or --plot naming an input would replace it: refused before any work. */
    if (check_report_paths(&o, &scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        scan_release(&scan);
        rmdir(scratch);
        return EXIT_USAGE;
    }
    scan_sort_largest_first(&scan);

    struct worker_context wctx;
    if (worker_context_init(&wctx, &o, err, sizeof(err)) < 0) {
        diag("%s", err);
        scan_release(&scan);
        rmdir(scratch);
        return EXIT_USAGE;
    }
    struct pool_job *jobs = xcalloc(scan.count, sizeof(*jobs));
    struct scan_entry **entries = xcalloc(scan.count, sizeof(*entries));
    size_t n = 0;
    scan_create_output_dirs(&scan, wctx.output_root);
    for (size_t i = 0; i < scan.count; i++) {
        struct scan_entry *e = &scan.entries[i];
        if (e->error)
            continue;
        entries[n] = e;
        worker_job_for(&wctx, e, &jobs[n]);
        n++;
    }
    if (n == 0) {
        diag("no images in %s", opts->input);
        free(jobs);
        free(entries);
        worker_context_release(&wctx);
        scan_release(&scan);
        rmdir(scratch);
        return EXIT_USAGE;
    }

    int sizes[BENCH_PROCS_MAX];
    int nsizes = process_counts(opts, n, sizes);
    int max = sizes[nsizes - 1];

    double *ips = xcalloc((size_t)(nsizes * opts->repeat), sizeof(*ips));
    double *mps = xcalloc((size_t)(nsizes * opts->repeat), sizeof(*mps));
    double *secs = xcalloc((size_t)(nsizes * opts->repeat), sizeof(*secs));
    struct pool_worker_stats *stats = xcalloc((size_t)max, sizeof(*stats));
    struct progress progress;

    struct pool_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    worker_configure_pool(&cfg, &wctx, opts);
    cfg.on_result = count_result;
    progress_init(&progress, &o, stderr, n * (size_t)nsizes * (size_t)opts->repeat);
    progress.op = "bench";
    if (progress.enabled) {
        cfg.on_tick = on_tick;
        cfg.tick_ms = PROGRESS_REDRAW_MS;
    }
    char title[512];
    int tl = snprintf(title, sizeof(title), "imgbatch bench: %s", op_name(o.op));
    if (o.op == OP_RESIZE || o.op == OP_THUMBNAIL)
        tl += snprintf(title + tl, sizeof(title) - (size_t)tl, " %dx%d", o.width, o.height);
    snprintf(title + tl, sizeof(title) - (size_t)tl, ", %zu files from %s", n, opts->input);

    if (!opts->json) {
        printf("bench: %s", op_name(o.op));
        if (o.op == OP_RESIZE || o.op == OP_THUMBNAIL)
            printf(" %dx%d", o.width, o.height);
        printf(" on %zu files from %s, %d run%s per process count, median shown\n", n, opts->input,
               opts->repeat, opts->repeat == 1 ? "" : "s");
        fflush(stdout);
    }

    int status = 0;
    struct tally last = {0};
    for (int round = 0; round < opts->repeat && !status; round++) {
        for (int k = 0; k < nsizes && !status; k++) {
            struct tally t;
            struct pool_outcome outcome;
            memset(&t, 0, sizeof(t));
            /* Fresh tags each run: no temporary name is ever used twice. */
            for (size_t i = 0; i < n; i++)
                jobs[i].tag = random_u64();
            t.jobs = jobs;
            t.workers = &wctx;
            t.entries = entries;
            t.progress = &progress;
            cfg.workers = sizes[k];
            cfg.result_ctx = &t;
            if (pool_run(&cfg, jobs, n, stats, &outcome) < 0) {
                status = EXIT_USAGE;
                break;
            }
            if (outcome.signal) {
                status = 128 + outcome.signal;
                break;
            }
            double s = (double)outcome.wall_usec / 1e6;
            secs[k * opts->repeat + round] = s;
            ips[k * opts->repeat + round] = s > 0 ? (double)(t.ok + t.failed) / s : 0;
            mps[k * opts->repeat + round] = s > 0 ? t.megapixels / s : 0;
            last = t;
        }
    }

    progress_clear(&progress);
    if (!status) {
        struct bench_point pts[BENCH_PROCS_MAX];
        for (int k = 0; k < nsizes; k++) {
            pts[k].procs = sizes[k];
            pts[k].seconds = median(secs + k * opts->repeat, opts->repeat);
            pts[k].images_per_sec = median(ips + k * opts->repeat, opts->repeat);
            pts[k].megapixels_per_sec = median(mps + k * opts->repeat, opts->repeat);
        }
        /* Speedup over one process; the first count tried stands in when 1 was not. */
        double per_process = pts[0].images_per_sec / pts[0].procs;
        if (!opts->json)
            printf("%9s %9s %10s %10s %8s %11s\n", "processes", "seconds", "images/s", "MP/s",
                   "speedup", "efficiency");
        for (int k = 0; k < nsizes; k++) {
            double speedup = per_process > 0 ? pts[k].images_per_sec / per_process : 0;
            if (opts->json) {
                printf("{\"processes\":%d,\"seconds\":", pts[k].procs);
                json_put_number(stdout, pts[k].seconds, 3);
                fputs(",\"images_per_sec\":", stdout);
                json_put_number(stdout, pts[k].images_per_sec, 2);
                fputs(",\"megapixels_per_sec\":", stdout);
                json_put_number(stdout, pts[k].megapixels_per_sec, 2);
                fputs(",\"speedup\":", stdout);
                json_put_number(stdout, speedup, 3);
                fputs(",\"efficiency\":", stdout);
                json_put_number(stdout, speedup / pts[k].procs, 3);
                printf(",\"files\":%zu,\"failed\":%zu}\n", n, last.failed);
            } else {
                printf("%9d %9.3f %10.1f %10.1f %8.2f %10.0f%%\n", pts[k].procs, pts[k].seconds,
                       pts[k].images_per_sec, pts[k].megapixels_per_sec, speedup,
                       100.0 * speedup / pts[k].procs);
            }
        }
        if (last.failed) {
            diag("%zu of %zu files failed in each run (first: %s)",
                 last.failed, n, last.first_error);
            status = 1;
        }
        if (opts->csv_file && write_bench_file(opts->csv_file, title, pts, nsizes, 0) < 0)
            status = status ? status : 1;
        if (opts->plot_file && write_bench_file(opts->plot_file, title, pts, nsizes, 1) < 0)
            status = status ? status : 1;
    }

    worker_context_release(&wctx);
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(entries);
    free(ips);
    free(mps);
    free(secs);
    free(stats);
    free(jobs);
    scan_release(&scan);
    return status;
}
