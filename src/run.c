/*
 * run: a processing command end to end; see include/run.h.
 */
#include "run.h"
#include "outpath.h"
#include "pool.h"
#include "report.h"
#include "worker.h"
#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pool_size_for(const struct options *opts, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long j = opts->jobs > 0 ? opts->jobs : (cpus > 0 ? cpus : 1);

    if ((size_t)j > n)
        j = (long)n;
    return j < 1 ? 1 : (int)j;
}

struct batch {
    struct scan_entry **runnable; /* job index -> scan entry */
    struct report report;
};

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct batch *b = ctx;
    const struct scan_entry *e = b->runnable[job];
    char buf[sizeof(res->error)];
    const char *failure = settle_output(e->output, res, worker->pid, worker->died, buf,
                                        sizeof(buf));

    if (!failure)
        report_ok(&b->report, e->input, e->output, res, worker->no);
    else
        report_failed(&b->report, e->input, failure, worker->no);
    /* Nobody reads the report any more ("imgbatch ... | head"): stop like on a signal. */
    if (report_reader_gone(&b->report))
        pool_request_stop(SIGPIPE);
}

/* 1 if both paths name one existing directory, whatever the spelling ("in", "./in/"). */
static int same_directory(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int run_batch(const struct options *opts)
{
    struct scan_result scan;
    struct stat st;
    char err[512];

    if (stat(opts->input, &st) < 0) {
        fprintf(stderr, "imgbatch: cannot read INPUT %s: %s\n", opts->input, strerror(errno));
        return EXIT_USAGE;
    }
    if (S_ISDIR(st.st_mode) && same_directory(opts->input, opts->output)) {
        fprintf(stderr,
                "imgbatch: OUTPUT %s is INPUT: the outputs would replace the inputs or be "
                "taken as inputs by the next run; choose another directory\n",
                opts->output);
        return EXIT_USAGE;
    }
    if (make_dirs(opts->output) < 0) {
        fprintf(stderr, "imgbatch: cannot create OUTPUT %s: %s\n", opts->output,
                strerror(errno));
        return EXIT_USAGE;
    }
    if (scan_inputs(opts, &scan, err, sizeof(err)) < 0) {
        fprintf(stderr, "imgbatch: %s\n", err);
        return EXIT_USAGE;
    }
    scan_create_output_dirs(&scan);
    scan_check_outputs(&scan);
    scan_sort_largest_first(&scan);

    struct batch b;
    memset(&b, 0, sizeof(b));
    report_init(&b.report, stdout, opts);
    b.runnable = xcalloc(scan.count, sizeof(*b.runnable));
    struct pool_job *jobs = xcalloc(scan.count, sizeof(*jobs));

    /* Files skipped, and files that cannot run, are reported before any work starts. */
    for (size_t i = 0; i < scan.skipped_count; i++)
        report_skipped(&b.report, scan.skipped[i].input, scan.skipped[i].reason);
    size_t n = 0;
    for (size_t i = 0; i < scan.count; i++) {
        struct scan_entry *e = &scan.entries[i];
        if (e->error) {
            report_failed(&b.report, e->input, e->error, 0);
            continue;
        }
        b.runnable[n] = e;
        jobs[n].input = e->input;
        jobs[n].output = e->output;
        n++;
    }

    struct worker_context wctx;
    struct pool_config cfg;
    struct pool_outcome outcome;
    int workers = pool_size_for(opts, n);
    struct pool_worker_stats *stats = xcalloc((size_t)workers, sizeof(*stats));
    memset(&outcome, 0, sizeof(outcome));
    memset(&cfg, 0, sizeof(cfg));
    worker_context_init(&wctx, opts);
    worker_configure_pool(&cfg, &wctx, opts);
    cfg.workers = workers;
    cfg.on_result = on_result;
    cfg.result_ctx = &b;

    int status = 0;
    if (report_reader_gone(&b.report)) {
        /* The lines before any work already found nobody reading. */
        outcome.signal = SIGPIPE;
        outcome.not_started = n;
    } else if (n > 0 && pool_run(&cfg, jobs, n, stats, &outcome) < 0) {
        status = EXIT_USAGE;
    }
    if (outcome.gave_up)
        fprintf(stderr, "imgbatch: stopped: %s\n", outcome.gave_up_reason);
    if (status == 0) {
        struct report_totals totals = {n > 0 ? workers : 0, stats, &outcome};
        report_summary(&b.report, &totals);
        status = report_exit_status(&b.report, &outcome);
    }
    free(stats);
    free(jobs);
    free(b.runnable);
    scan_release(&scan);
    return status;
}
