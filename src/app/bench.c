/*
 * bench: throughput against the number of worker processes.
 *
 * Runs each operation of --op over INPUT with each process count (--procs,
 * or 1, 2, 4 ... up to twice the cores), each --repeat times, into a
 * scratch directory in $TMPDIR (else /tmp) that is removed afterwards.  It
 * prints what it ran on (bench_machine.h) and a table of the min, median
 * and max seconds with the rates of the median (bench_report.h); --json
 * prints all of it as one object, --csv and --plot write the table as CSV
 * and as a picture.  Runs are interleaved round by round, every operation
 * and pool size once a round, so a noisy neighbour spreads over all of them.
 */
#include "bench.h"

#include "atomic_file.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "bench_machine.h"
#include "bench_plot.h"
#include "bench_report.h"
#include "jobs.h"
#include "pool/pool.h"
#include "progress.h"
#include "report_paths.h"
#include "run_scratch.h"
#include "versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
    const struct jobs *jobs; /* to settle each output */
    size_t ok, failed;
    double megapixels;
    char first_error[600];
    struct progress *progress; /* over every run of the bench */
};

static void count_result(void *ctx, size_t job, const struct job_result *res,
                         const struct pool_worker_info *worker)
{
    struct tally *t = ctx;
    char buf[sizeof(res->error)];
    /* Outputs are settled as in a real run: the rename is part of the cost. */
    const char *failure = NULL;

    for (unsigned i = 0; i < jobs_noutputs(t->jobs, job); i++) {
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

/* One operation measured: its options, jobs, runs and figures. */
struct bench_op {
    struct options o; /* the bench's, with the scratch OUTPUT, this operation and its box */
    struct jobs jobs;
    double *secs;      /* SECS(op, k, round): ncounts x repeat */
    struct tally last; /* the last run's counts: what failed, the megapixels */
    char size[48];
    struct bench_point points[BENCH_PROCS_MAX];
};

struct bench {
    const struct options *opts;
    char *scratch;
    const char *tmpdir;
    struct scan_result scan;
    struct bench_op ops[BENCH_OPS_MAX];
    int nops;
    int counts[BENCH_PROCS_MAX];
    int ncounts;
    size_t files;
    long long bytes;
    struct bench_machine machine;
    struct image_library libs[IMAGE_LIBRARIES];
    struct bench_series series[BENCH_OPS_MAX];
    struct bench_report report;
    struct progress progress; /* over every run of the bench */
};

#define SECS(b, op, k, round) ((op)->secs[(k) * (b)->opts->repeat + (round)])

/*
 * The process counts to try: --procs, else 1, 2, 4 ... up to -j or twice
 * the online CPUs (beyond the cores, to show where adding processes stops
 * paying), that largest count itself included.  A count asked for above
 * the files is refused: those workers would sit idle and the row would
 * measure nothing.  0, or -1 with a line said.
 */
static int process_counts(struct bench *b)
{
    const struct options *opts = b->opts;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int max = opts->jobs > 0 ? opts->jobs : 2 * (int)(cpus > 0 ? cpus : 1);
    int asked = opts->nprocs > 0 ? opts->procs[opts->nprocs - 1] : opts->jobs;

    if (asked > 0 && (size_t)asked > b->files) {
        diag("%s %d is more processes than the %zu file%s of %s: a worker without a file "
             "measures nothing (give at most %zu)",
             opts->nprocs > 0 ? "--procs" : "-j", asked, b->files, b->files == 1 ? "" : "s",
             opts->input, b->files);
        return -1;
    }
    if (opts->nprocs > 0) {
        memcpy(b->counts, opts->procs, (size_t)opts->nprocs * sizeof(*b->counts));
        b->ncounts = opts->nprocs;
        return 0;
    }
    if ((size_t)max > b->files)
        max = (int)b->files; /* the default's own reach, not asked for: stop at the files */
    b->ncounts = 0;
    for (int j = 1; j < max && b->ncounts < BENCH_PROCS_MAX - 1; j *= 2)
        b->counts[b->ncounts++] = j;
    b->counts[b->ncounts++] = max;
    return 0;
}

/* The scratch OUTPUT in $TMPDIR or /tmp, and the scan of INPUT: 0, or -1 with a line said. */
static int bench_scan(struct bench *b)
{
    char err[RESULT_ERROR_MAX];
    const char *tmp = getenv("TMPDIR");
    struct options o = *b->opts;

    b->tmpdir = tmp && *tmp ? tmp : "/tmp"; /* as run_scratch_create chooses */
    if (!(b->scratch = run_scratch_create("imgbatch-bench", err, sizeof(err)))) {
        diag("%s", err);
        return -1;
    }
    o.output = o.output_dir = b->scratch;
    struct scan_request scan = cli_scan_request(&o);
    /* A --csv or --plot naming an input would replace it: refused before any work. */
    if (scan_inputs(&scan, &b->scan, err, sizeof(err)) < 0 ||
        check_report_paths(&o, NULL, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        return -1;
    }
    scan_sort_largest_first(&b->scan);
    for (size_t i = 0; i < b->scan.count; i++) {
        if (!b->scan.entries[i].error) {
            b->files++;
            b->bytes += (long long)b->scan.entries[i].size;
        }
    }
    if (b->files == 0) {
        diag("no images in %s", b->opts->input);
        return -1;
    }
    return 0;
}

/* Operation i's options and jobs: 0, or -1 with a line said. */
static int bench_op_prepare(struct bench *b, int i)
{
    struct bench_op *op = &b->ops[i];
    char err[RESULT_ERROR_MAX];

    op->o = *b->opts;
    op->o.op = b->opts->bench_ops[i];
    /* This operation's box, or none for the full-size ones: one output per file. */
    op->o.sizes[0] = b->opts->bench_sizes[i];
    op->o.nsizes = op->o.op == OP_RESIZE || op->o.op == OP_THUMBNAIL ? 1 : 0;
    cli_update_variants(&op->o);
    op->o.output = op->o.output_dir = b->scratch;
    if (op->o.op == OP_RESIZE || op->o.op == OP_THUMBNAIL)
        size_text(&op->o.size, op->size, sizeof(op->size));
    if (jobs_open(&op->jobs, &op->o, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        return -1;
    }
    static const unsigned only[] = {0}; /* bench measures one size in one format */
    for (size_t e = 0; e < b->scan.count; e++)
        if (!b->scan.entries[e].error)
            (void)jobs_add(&op->jobs, &b->scan.entries[e], only, 1, err, sizeof(err));
    op->secs = xcalloc((size_t)(b->ncounts * b->opts->repeat), sizeof(*op->secs));
    return 0;
}

/* The scratch OUTPUT, the scan, the process counts and each operation's jobs: 0, or -1. */
static int bench_prepare(struct bench *b)
{
    if (bench_scan(b) < 0 || process_counts(b) < 0 || worker_engine_ready() < 0)
        return -1;
    for (b->nops = 0; b->nops < b->opts->nbench_ops; b->nops++)
        if (bench_op_prepare(b, b->nops) < 0)
            return -1;
    return 0;
}

/* One run of op on k's process count, as round: 0, or the exit status. */
static int bench_run_once(struct bench *b, struct bench_op *op, int k, int round,
                          struct pool_worker_stats *stats)
{
    struct pool_config cfg;
    struct pool_outcome outcome;
    struct tally t;

    memset(&t, 0, sizeof(t));
    jobs_retag(&op->jobs); /* no temporary name is ever used twice */
    t.jobs = &op->jobs;
    t.progress = &b->progress;
    jobs_configure_pool(&op->jobs, &cfg, &op->o, b->counts[k], count_result, &t);
    if (b->progress.enabled) {
        cfg.on_tick = on_tick;
        cfg.tick_ms = PROGRESS_REDRAW_MS;
    }
    if (pool_run(&cfg, NULL, op->jobs.count, stats, &outcome) < 0)
        return EXIT_USAGE;
    if (outcome.signal)
        return 128 + outcome.signal;
    SECS(b, op, k, round) = (double)outcome.wall_usec / 1e6;
    op->last = t;
    return 0;
}

/*
 * Every operation on every process count, --repeat rounds, interleaved
 * round by round: 0, or the exit status (128 + a signal that stopped it).
 */
static int bench_measure(struct bench *b)
{
    const struct options *opts = b->opts;
    struct pool_worker_stats *stats = xcalloc((size_t)b->counts[b->ncounts - 1], sizeof(*stats));
    size_t runs = (size_t)b->nops * (size_t)b->ncounts * (size_t)opts->repeat;
    int status = 0;

    progress_init(&b->progress, opts->progress, "bench", stderr, b->files * runs,
                  b->bytes * (long long)runs);
    for (int round = 0; round < opts->repeat && !status; round++)
        for (int i = 0; i < b->nops && !status; i++)
            for (int k = 0; k < b->ncounts && !status; k++)
                status = bench_run_once(b, &b->ops[i], k, round, stats);
    progress_finish(&b->progress, NULL); /* bench says what failed itself */
    free(stats);
    return status;
}

/* The report's view of the bench, before (no points yet) and after the runs. */
static void bench_describe(struct bench *b)
{
    for (int i = 0; i < b->nops; i++) {
        struct bench_series *s = &b->series[i];
        s->op = op_name(b->ops[i].o.op);
        s->size = b->ops[i].size;
        s->points = b->ops[i].points;
        s->files = b->files;
        s->bytes = b->bytes;
    }
    b->report = (struct bench_report){
        .version = IMGBATCH_VERSION,
        .input = b->opts->input,
        .tmpdir = b->tmpdir,
        .repeat = b->opts->repeat,
        .quality = b->opts->quality,
        .format = format_name(b->opts->format),
        .machine = &b->machine,
        .libs = b->libs,
        .nlibs = IMAGE_LIBRARIES,
        .series = b->series,
        .nseries = b->nops,
    };
}

/* Each operation's points from its runs. */
static void bench_figures(struct bench *b)
{
    for (int i = 0; i < b->nops; i++) {
        struct bench_op *op = &b->ops[i];
        struct bench_series *s = &b->series[i];
        s->megapixels = op->last.megapixels;
        s->failed = op->last.failed;
        s->npoints = b->ncounts;
        for (int k = 0; k < b->ncounts; k++)
            bench_point_compute(&op->points[k], b->counts[k], &SECS(b, op, k, 0), b->opts->repeat,
                                b->files, b->bytes, op->last.megapixels);
        bench_series_speedup(s);
    }
}

static void put_csv(FILE *out, const void *ctx)
{
    bench_csv(out, ctx);
}

static void put_svg(FILE *out, const void *ctx)
{
    bench_plot_svg(out, ctx);
}

/* Writes what the bench's --csv or --plot asked for; 0, or -1 with a message printed. */
static int write_bench_file(const char *path, const struct bench_report *r, int plot)
{
    char err[RESULT_ERROR_MAX];

    if (write_file_from(path, plot ? put_svg : put_csv, r, 0666, MODE_UMASK, 1, err, sizeof(err)) <
        0) {
        diag("%s", err);
        return -1;
    }
    return 0;
}

/* The table or the JSON, what failed, and the files asked for: the exit status. */
static int bench_output(struct bench *b)
{
    const struct options *opts = b->opts;
    int status = 0;

    bench_figures(b);
    if (opts->json)
        bench_report_json(stdout, &b->report);
    else
        bench_report_table(stdout, &b->report);
    for (int i = 0; i < b->nops; i++) {
        if (b->ops[i].last.failed) {
            diag("%s: %zu of %zu files failed in each run (first: %s)", b->series[i].op,
                 b->ops[i].last.failed, b->files, b->ops[i].last.first_error);
            status = 1;
        }
    }
    if (opts->csv_file && write_bench_file(opts->csv_file, &b->report, 0) < 0)
        status = status ? status : 1;
    if (opts->plot_file && write_bench_file(opts->plot_file, &b->report, 1) < 0)
        status = status ? status : 1;
    return status;
}

static void bench_release(struct bench *b)
{
    for (int i = 0; i < b->nops; i++) {
        jobs_close(&b->ops[i].jobs);
        free(b->ops[i].secs);
    }
    run_scratch_remove(b->scratch); /* the outputs of every run with it */
    scan_release(&b->scan);
}

int run_bench(const struct options *opts)
{
    struct bench *b = xcalloc(1, sizeof(*b));
    int status = EXIT_USAGE;

    b->opts = opts;
    /* The load before any work of ours, and the libraries: what the figures depend on. */
    bench_machine_read(&b->machine);
    image_library_versions(b->libs);
    if (bench_prepare(b) == 0) {
        bench_describe(b);
        if (!opts->json) {
            bench_report_header(stdout, &b->report);
            fflush(stdout); /* before the workers fork, and while they run */
        }
        status = bench_measure(b);
        if (!status)
            status = bench_output(b);
    }
    bench_release(b);
    free(b);
    return status;
}
