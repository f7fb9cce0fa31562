/*
 * run: a processing command end to end; see include/run.h.
 */
#include "run.h"
#include "base/diag.h"
#include "outpath.h"
#include "output_lock.h"
#include "pool/pool.h"
#include "progress.h"
#include "report.h"
#include "report_paths.h"
#include "state.h"
#include "summary_files.h"
#include "worker.h"
#include "base/xalloc.h"
#include "base/xio.h"

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
    const struct pool_job *jobs;
    const struct worker_context *workers;
    struct report report;
    struct progress progress;
    struct run_state *state;      /* --incremental, else NULL */
};

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct batch *b = ctx;
    const struct scan_entry *e = b->runnable[job];
    char buf[sizeof(res->error)];
    struct output_target target = worker_output_of(b->workers, &b->jobs[job], e->output);
    struct stat out;
    const char *failure = settle_output(&target, res, worker->died, &out, buf, sizeof(buf));

    if (!failure) {
        b->report.input_bytes += (long long)e->size;
        if (out.st_ino) { /* 0: it could not be looked at after the rename */
            b->report.output_bytes += (long long)out.st_size;
            if (b->state)
                state_record(b->state, e, &out);
        }
        report_ok(&b->report, e->input, e->output, res, worker->no);
    } else {
        report_failed(&b->report, e->input, failure, worker->no);
    }
    progress_file_done(&b->progress, failure != NULL);
    /* Nobody reads the report any more ("imgbatch ... | head"): stop like on a signal. */
    if (report_reader_gone(&b->report))
        pool_request_stop(SIGPIPE);
}

static void on_tick(void *ctx)
{
    struct batch *b = ctx;

    progress_tick(&b->progress);
}

/* 1 if both paths name one existing directory, whatever the spelling ("in", "./in/"). */
static int same_directory(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/*
 * A --stats-file or --metrics-file whose directory cannot take it is found
 * out now, not after hours of work.  Returns 0, or -1 with a message printed.
 */
static int check_summary_file(const char *option, const char *path)
{
    if (!strcmp(path, "-"))
        return 0; /* stdout */
    char *dir = path_dir(path);
    int ok = access(dir, W_OK | X_OK) == 0;

    if (!ok)
        diag_errno("%s %s cannot be written: directory %s", option, path, dir);
    free(dir);
    return ok ? 0 : -1;
}

/* Creates OUTPUT and takes its lock: returns 0, or the exit status to leave with. */
static int claim_output(const struct options *opts, int *lock_fd)
{
    char err[RESULT_ERROR_MAX]; /* a path and its cause */
    struct lock_holder holder;

    if (make_dirs(opts->output) < 0) {
        diag_errno("cannot create OUTPUT %s", opts->output);
        return EXIT_USAGE;
    }
    switch (output_lock(opts, opts->wait_for_lock, lock_fd, &holder, err, sizeof(err))) {
    case LOCK_TAKEN:
        return 0;
    case LOCK_BUSY:
        fprintf(stderr, "imgbatch: OUTPUT %s is in use by another imgbatch run", opts->output);
        if (holder.pid > 0 && holder.shard_count)
            fprintf(stderr, " (pid %ld, --shard %u/%u)", (long)holder.pid, holder.shard_index,
                    holder.shard_count);
        else if (holder.pid > 0)
            fprintf(stderr, " (pid %ld)", (long)holder.pid);
        fputs("; not started (--wait waits for it)\n", stderr);
        return EXIT_OUTPUT_BUSY;
    case LOCK_ERROR:
        break;
    }
    diag("%s", err);
    return EXIT_USAGE;
}

/*
 * Writes --stats-file, then --metrics-file; a failure makes a clean run's
 * status 1.  The metrics come last, so that they never report a success
 * (and move the last-success time on) for a run whose stats were lost.
 */
static int write_summary_files(struct run_record *rec)
{
    const struct options *opts = rec->opts;
    char err[RESULT_ERROR_MAX]; /* a path and its cause */

    if (opts->stats_file && write_stats_file(opts->stats_file, rec, err, sizeof(err)) < 0) {
        diag("%s", err);
        rec->exit_status = rec->exit_status ? rec->exit_status : 1;
    }
    if (opts->metrics_file && write_metrics_file(opts->metrics_file, rec, err, sizeof(err)) < 0) {
        diag("%s", err);
        rec->exit_status = rec->exit_status ? rec->exit_status : 1;
    }
    return rec->exit_status;
}

int run_batch(const struct options *opts)
{
    struct scan_result scan;
    struct stat st;
    char err[RESULT_ERROR_MAX]; /* a path and its cause */
    int lock_fd = -1;

    if (stat(opts->input, &st) < 0) {
        diag_errno("cannot read INPUT %s", opts->input);
        return EXIT_USAGE;
    }
    if (S_ISDIR(st.st_mode) && same_directory(opts->input, opts->output)) {
        fprintf(stderr,
                "imgbatch: OUTPUT %s is INPUT: the outputs would replace the inputs or be "
                "taken as inputs by the next run; choose another directory\n",
                opts->output);
        return EXIT_USAGE;
    }
    if (opts->files_from && !S_ISDIR(st.st_mode)) {
        diag("--files-from needs INPUT to be a directory, and %s is not", opts->input);
        return EXIT_USAGE;
    }
    /* A dry run touches nothing in OUTPUT, not even the lock. */
    if (!opts->dry_run) {
        int status = claim_output(opts, &lock_fd);
        if (status)
            return status;
    }
    /* After the claim, which made OUTPUT: a stats file may live in it. */
    if (!opts->dry_run &&
        ((opts->stats_file && check_summary_file("--stats-file", opts->stats_file) < 0) ||
         (opts->metrics_file && check_summary_file("--metrics-file", opts->metrics_file) < 0))) {
        output_unlock(opts, lock_fd);
        return EXIT_USAGE;
    }
    /* The run starts once it holds OUTPUT: time spent in --wait is not its duration. */
    double started = wall_clock_now();
    long long started_usec = now_usec();
    if (scan_inputs(opts, &scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        output_unlock(opts, lock_fd);
        return EXIT_USAGE;
    }
    if (check_report_paths(opts, &scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        scan_release(&scan);
        output_unlock(opts, lock_fd);
        return EXIT_USAGE;
    }

    struct batch b;
    memset(&b, 0, sizeof(b));
    if (opts->incremental) {
        b.state = state_open(opts, !opts->dry_run, err, sizeof(err));
        if (!b.state) {
            diag("%s", err);
            scan_release(&scan);
            output_unlock(opts, lock_fd);
            return EXIT_USAGE;
        }
    }
    if (opts->dry_run) {
        int status = run_dry(opts, &scan, b.state);
        state_close(b.state, NULL, 0);
        scan_release(&scan);
        return status;
    }
    /* INPUT and OUTPUT open for the workers, who work below them (worker.h). */
    struct worker_context wctx;
    if (worker_context_init(&wctx, opts, err, sizeof(err)) < 0) {
        diag("%s", err);
        state_close(b.state, NULL, 0);
        scan_release(&scan);
        output_unlock(opts, lock_fd);
        return EXIT_USAGE;
    }
    scan_create_output_dirs(&scan, wctx.output_root);
    scan_check_outputs(&scan, opts->output);
    scan_sort_largest_first(&scan);

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
        if (b.state && state_is_up_to_date(b.state, e)) {
            report_up_to_date(&b.report, e->input, e->output);
            continue;
        }
        b.runnable[n] = e;
        worker_job_for(&wctx, e, &jobs[n]);
        n++;
    }
    b.jobs = jobs;
    b.workers = &wctx;

    struct pool_config cfg;
    struct pool_outcome outcome;
    int workers = pool_size_for(opts, n);
    struct pool_worker_stats *stats = xcalloc((size_t)workers, sizeof(*stats));
    memset(&outcome, 0, sizeof(outcome));
    memset(&cfg, 0, sizeof(cfg));
    worker_configure_pool(&cfg, &wctx, opts);
    cfg.workers = workers;
    cfg.on_result = on_result;
    cfg.result_ctx = &b;
    progress_init(&b.progress, opts, stderr, n);
    if (b.progress.enabled) {
        b.report.progress = &b.progress;
        cfg.on_tick = on_tick;
        cfg.tick_ms = PROGRESS_REDRAW_MS;
    }

    int status = 0;
    if (report_reader_gone(&b.report)) {
        /* The lines before any work already found nobody reading. */
        outcome.signal = SIGPIPE;
        outcome.not_started = n;
    } else if (n > 0 && pool_run(&cfg, jobs, n, stats, &outcome) < 0) {
        status = EXIT_USAGE;
    }
    progress_clear(&b.progress);
    if (outcome.gave_up)
        diag("stopped: %s", outcome.gave_up_reason);
    /* What finished is remembered even when the run was interrupted. */
    int state_lost = 0;
    if (b.state && state_close(b.state, err, sizeof(err)) < 0) {
        diag("cannot save the incremental state: %s", err);
        state_lost = 1;
    }
    if (status == 0) {
        /* The workers that really ran: fewer than asked when the system had no more. */
        struct report_totals totals = {outcome.workers, stats, &outcome};
        report_summary(&b.report, &totals);
        status = report_exit_status(&b.report, &outcome);
        if (state_lost && status == 0)
            status = 1;
        struct run_record rec = {
            .opts = opts,
            .report = &b.report,
            .totals = &totals,
            .started_unix = started,
            .finished_unix = wall_clock_now(),
            .duration_s = (double)(now_usec() - started_usec) / 1e6,
            .exit_status = status,
        };
        status = write_summary_files(&rec);
    }
    output_unlock(opts, lock_fd); /* after the state and the summary files: the run is over */
    worker_context_release(&wctx);
    free(stats);
    free(jobs);
    free(b.runnable);
    scan_release(&scan);
    return status;
}
