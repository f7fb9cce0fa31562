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
#include "bench.h"
#include "jobs.h"
#include "run_scratch.h"
#include "base/xalloc.h"

#include "report_paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
    const struct jobs *jobs;     /* to settle each output */
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
    /* Outputs are settled as in a real run: the rename is part of the cost. */
    const char *failure = NULL;

    for (unsigned i = 0; i < t->jobs->list[job].noutputs; i++) {
        const char *why = jobs_settle(t->jobs, job, i, res, worker, NULL, buf, sizeof(buf));
        if (why && !failure)
            failure = why;
    }
    if (!failure) {
        unsigned frames = res->noutputs && res->outputs[0].frames ? res->outputs[0].frames : 1;
        t->ok++;
        /* Every frame of an animation kept whole was decoded, as in a run's report. */
        t->megapixels += (double)res->in_width * res->in_height * frames / 1e6;
    } else if (!t->failed++) {
        snprintf(t->first_error, sizeof(t->first_error), "%s", failure);
    }
    progress_file_done(t->progress, failure != NULL, (long long)t->jobs->entries[job]->size);
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

/* What the bench's --csv or --plot files hold. */
struct bench_table {
    const char *title;
    const struct bench_point *pts;
    int n;
};

static void put_csv(FILE *out, const void *ctx)
{
    const struct bench_table *t = ctx;
    bench_csv(out, t->pts, t->n);
}

static void put_svg(FILE *out, const void *ctx)
{
    const struct bench_table *t = ctx;
    bench_plot_svg(out, t->title, t->pts, t->n);
}

/* Writes what the bench's --csv or --plot asked for; 0, or -1 with a message printed. */
static int write_bench_file(const char *path, const struct bench_table *table, int plot)
{
    char err[RESULT_ERROR_MAX];

    if (write_file_from(path, plot ? put_svg : put_csv, table, 0666, MODE_UMASK, 1, err,
                        sizeof(err)) < 0) {
        diag("%s", err);
        return -1;
    }
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

/* A bench: its jobs, and the samples of every run, SAMPLE(k, round) for process count k. */
struct bench {
    const struct options *opts;
    struct options o;          /* opts with the scratch OUTPUT and the measured operation */
    char *scratch;
    struct scan_result scan;
    struct jobs jobs;
    int counts[BENCH_PROCS_MAX];
    int ncounts;
    double *secs, *ips, *mps;  /* ncounts x repeat samples */
    struct tally last;         /* the last run's counts: what failed */
    struct progress progress;  /* over every run of the bench */
};

#define SAMPLE(b, array, k, round) ((b)->array[(k) * (b)->opts->repeat + (round)])

/*
 * The scratch OUTPUT, the scan, the report paths' check and the jobs: 0,
 * or the exit status with a line said.
 */
static int bench_prepare(struct bench *b)
{
    char err[RESULT_ERROR_MAX];

    b->o = *b->opts;
    b->o.op = b->opts->bench_op;
    if (!(b->scratch = run_scratch_create("imgbatch-bench", err, sizeof(err)))) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    b->o.output = b->o.output_dir = b->scratch;
    struct scan_request scan = cli_scan_request(&b->o);
    if (scan_inputs(&scan, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    /* A --csv or --plot naming an input would replace it: refused before any work. */
    if (check_report_paths(&b->o, NULL, &b->scan, err, sizeof(err)) < 0 ||
        jobs_open(&b->jobs, &b->o, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    scan_sort_largest_first(&b->scan);
    static const unsigned only[] = {0}; /* bench measures one size in one format */
    for (size_t i = 0; i < b->scan.count; i++)
        if (!b->scan.entries[i].error)
            (void)jobs_add(&b->jobs, &b->scan.entries[i], only, 1, err, sizeof(err));
    if (b->jobs.count == 0) {
        diag("no images in %s", b->opts->input);
        return EXIT_USAGE;
    }
    b->ncounts = process_counts(b->opts, b->jobs.count, b->counts);
    size_t samples = (size_t)(b->ncounts * b->opts->repeat);
    b->secs = xcalloc(samples, sizeof(*b->secs));
    b->ips = xcalloc(samples, sizeof(*b->ips));
    b->mps = xcalloc(samples, sizeof(*b->mps));
    return 0;
}

/* "resize 200x150": the operation measured, for the header line and the plot's title. */
static void describe_op(const struct options *o, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s", op_name(o->op));
    if (o->op == OP_RESIZE || o->op == OP_THUMBNAIL) {
        char size[48];
        size_text(&o->size, size, sizeof(size));
        snprintf(buf + n, len - (size_t)n, " %s", size);
    }
}

/*
 * Every process count, --repeat rounds, interleaved round by round so that
 * a noisy neighbour spreads over all of them: 0, or the exit status
 * (128 + a signal that stopped it).
 */
static int bench_measure(struct bench *b)
{
    const struct options *opts = b->opts;
    int max = b->counts[b->ncounts - 1];
    struct pool_worker_stats *stats = xcalloc((size_t)max, sizeof(*stats));
    struct pool_config cfg;
    int status = 0;

    if (worker_engine_ready() < 0) {
        free(stats);
        return EXIT_USAGE;
    }
    jobs_configure_pool(&b->jobs, &cfg, opts, 0, count_result, NULL);
    long long bytes = 0;
    for (size_t i = 0; i < b->jobs.count; i++)
        bytes += (long long)b->jobs.entries[i]->size;
    size_t runs = (size_t)b->ncounts * (size_t)opts->repeat;
    progress_init(&b->progress, opts->progress, "bench", stderr, b->jobs.count * runs,
                  bytes * (long long)runs);
    if (b->progress.enabled) {
        cfg.on_tick = on_tick;
        cfg.tick_ms = PROGRESS_REDRAW_MS;
    }
    for (int round = 0; round < opts->repeat && !status; round++) {
        for (int k = 0; k < b->ncounts && !status; k++) {
            struct tally t;
            struct pool_outcome outcome;
            memset(&t, 0, sizeof(t));
            jobs_retag(&b->jobs); /* no temporary name is ever used twice */
            t.jobs = &b->jobs;
            t.progress = &b->progress;
            cfg.workers = b->counts[k];
            cfg.result_ctx = &t;
            if (pool_run(&cfg, b->jobs.list, b->jobs.count, stats, &outcome) < 0) {
                status = EXIT_USAGE;
            } else if (outcome.signal) {
                status = 128 + outcome.signal;
            } else {
                double s = (double)outcome.wall_usec / 1e6;
                SAMPLE(b, secs, k, round) = s;
                SAMPLE(b, ips, k, round) = s > 0 ? (double)(t.ok + t.failed) / s : 0;
                SAMPLE(b, mps, k, round) = s > 0 ? t.megapixels / s : 0;
                b->last = t;
            }
        }
    }
    progress_finish(&b->progress, NULL); /* bench says what failed itself */
    free(stats);
    return status;
}

/* The medians, one point per process count. */
static void bench_points(struct bench *b, struct bench_point *pts)
{
    int repeat = b->opts->repeat;

    for (int k = 0; k < b->ncounts; k++) {
        pts[k].procs = b->counts[k];
        pts[k].seconds = median(&SAMPLE(b, secs, k, 0), repeat);
        pts[k].images_per_sec = median(&SAMPLE(b, ips, k, 0), repeat);
        pts[k].megapixels_per_sec = median(&SAMPLE(b, mps, k, 0), repeat);
    }
}

/* The table, as text or one JSON object per process count. */
static void bench_print(const struct bench *b, const struct bench_point *pts)
{
    const struct options *opts = b->opts;
    /* Speedup over one process; the first count tried stands in when 1 was not. */
    double per_process = pts[0].images_per_sec / pts[0].procs;

    if (!opts->json)
        printf("%9s %9s %10s %10s %8s %11s\n", "processes", "seconds", "images/s", "MP/s",
               "speedup", "efficiency");
    for (int k = 0; k < b->ncounts; k++) {
        double speedup = per_process > 0 ? pts[k].images_per_sec / per_process : 0;
        if (!opts->json) {
            printf("%9d %9.3f %10.1f %10.1f %8.2f %10.0f%%\n", pts[k].procs, pts[k].seconds,
                   pts[k].images_per_sec, pts[k].megapixels_per_sec, speedup,
                   100.0 * speedup / pts[k].procs);
            continue;
        }
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
        printf(",\"files\":%zu,\"failed\":%zu}\n", b->jobs.count, b->last.failed);
    }
}

static void bench_release(struct bench *b)
{
    jobs_close(&b->jobs);
    run_scratch_remove(b->scratch); /* the outputs of every run with it */
    free(b->secs);
    free(b->ips);
    free(b->mps);
    scan_release(&b->scan);
}

int run_bench(const struct options *opts)
{
    struct bench b;
    char op[64], title[512];

    memset(&b, 0, sizeof(b));
    b.opts = opts;
    int status = bench_prepare(&b);
    if (status) {
        bench_release(&b);
        return status;
    }
    describe_op(&b.o, op, sizeof(op));
    snprintf(title, sizeof(title), "imgbatch bench: %s, %zu files from %s", op, b.jobs.count,
             opts->input);
    if (!opts->json) {
        printf("bench: %s on %zu files from %s, %d run%s per process count, median shown\n", op,
               b.jobs.count, opts->input, opts->repeat, opts->repeat == 1 ? "" : "s");
        fflush(stdout);
    }
    status = bench_measure(&b);
    if (!status) {
        struct bench_point pts[BENCH_PROCS_MAX];
        bench_points(&b, pts);
        bench_print(&b, pts);
        if (b.last.failed) {
            diag("%zu of %zu files failed in each run (first: %s)", b.last.failed, b.jobs.count,
                 b.last.first_error);
            status = 1;
        }
        struct bench_table table = {title, pts, b.ncounts};
        if (opts->csv_file && write_bench_file(opts->csv_file, &table, 0) < 0)
            status = status ? status : 1;
        if (opts->plot_file && write_bench_file(opts->plot_file, &table, 1) < 0)
            status = status ? status : 1;
    }
    bench_release(&b);
    return status;
}
