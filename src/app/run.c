/*
 * run: a processing command end to end; see run.h.
 */
#include "run.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "dry_run.h"
#include "jobs.h"
#include "kept_files.h"
#include "manifest.h"
#include "outpath.h"
#include "output_lock.h"
#include "pool/pool.h"
#include "progress.h"
#include "prune.h"
#include "report.h"
#include "report_paths.h"
#include "state.h"
#include "summary_files.h"
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One run, from its checks to its exit status. */
struct batch {
    const struct options *opts;
    struct scan_result scan;
    struct jobs jobs;
    struct report report;
    struct progress progress;
    struct run_state *state;  /* --incremental, else NULL */
    struct kept_files kept;   /* where the lock and the state are (kept.dir NULL: unknown) */
    struct lock_request lock; /* OUTPUT and this run's split */
    int lock_fd;              /* OUTPUT's lock, or -1 */
    int prune_trouble;        /* --prune could not remove or look at something */
    struct manifest manifest; /* --manifest: what is there of each input's outputs */
    uint64_t options[VARIANTS_MAX], failure_options[VARIANTS_MAX]; /* the state's hashes */
    double started_unix; /* once OUTPUT is held: --wait is not the run's time */
    long long started_usec;
};

/* What became of a job's outputs, as the master settled them. */
struct settled {
    struct report_output made[JOB_OUTPUTS_MAX];
    char *paths[JOB_OUTPUTS_MAX]; /* the outputs made, as shown: made[i].path (malloc'd) */
    size_t nmade;
    const char *failure; /* the first output's that is not in place; NULL if none */
    char buf[RESULT_ERROR_MAX];
};

/* Output i of job, in place or not: counted, recorded in the state and the manifest. */
static void settle_one(struct batch *b, size_t job, unsigned i, const struct job_result *res,
                       const struct pool_worker_info *worker, struct settled *s)
{
    const struct scan_entry *e = b->jobs.entries[job];
    char buf[RESULT_ERROR_MAX];
    struct stat out;
    const char *failure = jobs_settle(&b->jobs, job, i, res, worker, &out, buf, sizeof(buf));

    if (failure) {
        if (!s->failure) {
            snprintf(s->buf, sizeof(s->buf), "%s", failure);
            s->failure = s->buf;
        }
        return;
    }
    const struct scan_output o = jobs_output(&b->jobs, job, i);
    const struct variant *v = &b->opts->variants[o.variant];
    const struct output_result *r = &res->outputs[i];
    /* The path shown is made in the scan's buffer, and reported once the job's outputs all are. */
    char *path = s->paths[s->nmade] = xstrdup(o.path);
    struct report_output *m = &s->made[s->nmade++];
    *m = (struct report_output){path,     v->format,        b->opts->nsizes ? &v->size : NULL,
                                r->width, r->height,        r->frames,
                                -1,       r->kept_original, r->capped};
    if (m->format == FMT_AUTO)
        m->format = output_format_for(FMT_AUTO, input_kind_of(o.rel));
    if (!out.st_ino)
        return; /* it could not be looked at after the rename */
    m->bytes = (long long)out.st_size;
    b->report.output_bytes += (long long)out.st_size;
    if (b->state)
        state_record(b->state, e, &o, &out, r->width, r->height);
    manifest_output(&b->manifest, e, o.variant, r->width, r->height, (long long)out.st_size);
}

/* A failed input: the outputs not made are remembered where the input itself is at fault. */
static void input_failed(struct batch *b, size_t job, const struct job_result *res,
                         const struct settled *s, int worker_no)
{
    const struct scan_entry *e = b->jobs.entries[job];
    unsigned n = jobs_noutputs(&b->jobs, job);
    char *line = NULL;

    if (s->nmade)
        line = xasprintf("%s (%zu of %u outputs made)", s->failure, s->nmade, n);
    /* Only a failure the input itself caused would recur unchanged: remember those. */
    for (unsigned i = 0; b->state && !res->ok && res->input_fault && i < n; i++) {
        if (!(i < res->noutputs && res->outputs[i].done)) {
            struct scan_output o = jobs_output(&b->jobs, job, i);
            state_record_failure(b->state, e, &o, s->failure);
        }
    }
    manifest_failed(&b->manifest, e, line ? line : s->failure);
    b->report.outputs += s->nmade;
    report_failed(&b->report, scan_input_shown(&b->scan, e), line ? line : s->failure, worker_no);
    free(line);
}

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct batch *b = ctx;
    const struct scan_entry *e = b->jobs.entries[job];
    static struct settled s;
    unsigned n = jobs_noutputs(&b->jobs, job);

    s.nmade = 0;
    s.failure = NULL;
    for (unsigned i = 0; i < n; i++)
        settle_one(b, job, i, res, worker, &s);
    if (!s.failure) {
        struct report_file f = {
            scan_input_shown(&b->scan, e), res, worker->no, s.made, s.nmade, e->noutputs - n};
        b->report.input_bytes += (long long)e->size;
        report_ok(&b->report, &f);
    } else {
        input_failed(b, job, res, &s, worker->no);
    }
    for (size_t i = 0; i < s.nmade; i++)
        free(s.paths[i]);
    progress_file_done(&b->progress, s.failure != NULL, (long long)e->size);
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

/*
 * Names the files kept for OUTPUT (kept_files.h): 0, or -1 with a line said
 * unless quiet (a dry run before OUTPUT exists has none yet).
 */
static int locate_kept_files(struct batch *b, int quiet)
{
    const struct options *opts = b->opts;
    char err[RESULT_ERROR_MAX];

    if (kept_files_locate(&b->kept, opts->output, opts->state_dir, opts->shard_index,
                          opts->shard_count, err, sizeof(err)) == 0) {
        b->lock.dir = b->kept.dir;
        b->lock.name = b->kept.lock_name;
        return 0;
    }
    if (!quiet)
        diag("%s", err);
    return -1;
}

/*
 * Creates OUTPUT (and --state-dir) and takes the lock: returns 0, or the
 * exit status to leave with.
 */
static int claim_output(struct batch *b)
{
    const struct options *opts = b->opts;
    char err[RESULT_ERROR_MAX]; /* a path and its cause */
    struct lock_holder holder;
    long long asked = now_usec();

    /*
     * An OUTPUT file's folder exists (operands.h), and holds no state to
     * guard: its one output is renamed into place like any other.
     */
    if (opts->output_name)
        return 0;
    if (make_dirs(opts->output) < 0) {
        diag_errno("cannot create OUTPUT %s", opts->output);
        return EXIT_USAGE;
    }
    if (opts->state_dir && make_dirs(opts->state_dir) < 0) {
        diag_errno("cannot create --state-dir %s", opts->state_dir);
        return EXIT_USAGE;
    }
    if (locate_kept_files(b, 0) < 0)
        return EXIT_USAGE;
    switch (output_lock(&b->lock, opts->wait_for_lock, &b->lock_fd, &holder, err, sizeof(err))) {
    case LOCK_TAKEN:
        return 0;
    case LOCK_BUSY: {
        /* Who holds it, as far as the lock tells: its pid, and its split if it is a shard. */
        char who[96] = "";
        if (holder.pid > 0 && holder.shard_count)
            snprintf(who, sizeof(who), " (pid %ld, --shard %u/%u)", (long)holder.pid,
                     holder.shard_index, holder.shard_count);
        else if (holder.pid > 0)
            snprintf(who, sizeof(who), " (pid %ld)", (long)holder.pid);
        /* --wait=SECONDS comes back busy from a wait: say how long it waited. */
        char waited[96] = " (--wait waits for it)";
        if (opts->wait_for_lock && opts->wait_limit_s > 0)
            snprintf(waited, sizeof(waited), " after waiting %.1f s (--wait=%g)",
                     (double)(now_usec() - asked) / 1e6, opts->wait_limit_s);
        diag("OUTPUT %s is in use by another imgbatch run%s; not started%s", opts->output, who,
             waited);
        return EXIT_OUTPUT_BUSY;
    }
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

/* The INPUTs and OUTPUT as given make sense together; 0, or the exit status with a line said. */
static int check_inputs_and_output(const struct options *opts)
{
    int names_differ = opts->suffix[0] || opts->format != FMT_AUTO;
    /* A set's names are not told from inputs by suffix and format (is_output_name). */
    int set = opts->nvariants > 1 || opts->name_template;

    for (size_t i = 0; i < opts->ninputs; i++) {
        const char *input = opts->inputs[i];
        struct stat st;
        if (stat(input, &st) < 0) {
            diag_errno("cannot read INPUT %s", input);
            return EXIT_USAGE;
        }
        if (S_ISDIR(st.st_mode) && set && same_directory(input, opts->output_dir)) {
            diag("OUTPUT %s is INPUT %s: several sizes or formats, or --name, write into "
                 "another OUTPUT, where their outputs are never taken for inputs",
                 opts->output, input);
            return EXIT_USAGE;
        }
        if (S_ISDIR(st.st_mode) && !names_differ && !opts->output_name &&
            same_directory(input, opts->output_dir)) {
            diag("OUTPUT %s is INPUT %s: the outputs would replace the inputs; give --suffix "
                 "or --format to write them beside the inputs, or another OUTPUT",
                 opts->output, input);
            return EXIT_USAGE;
        }
        if (opts->files_from && !S_ISDIR(st.st_mode)) {
            diag("--files-from needs INPUT to be a directory, and %s is not", input);
            return EXIT_USAGE;
        }
    }
    struct stat st;
    if (opts->prune && (opts->ninputs > 1 || stat(opts->input, &st) < 0 || !S_ISDIR(st.st_mode))) {
        diag("--prune needs one INPUT, a directory: it removes the outputs whose input is gone "
             "from it");
        return EXIT_USAGE;
    }
    return 0;
}

/*
 * Everything before the work: OUTPUT claimed (not for a dry run, which
 * touches nothing in it), the report files' directories checked, INPUT
 * scanned, the report paths checked against the scan, the incremental
 * state loaded.  0, or the exit status with a line said and nothing held.
 */
static int prepare(struct batch *b)
{
    const struct options *opts = b->opts;
    char err[RESULT_ERROR_MAX]; /* a path and its cause */
    int status = check_inputs_and_output(opts);

    if (status)
        return status;
    if (!opts->dry_run && (status = claim_output(b)))
        return status;
    /* A dry run writes nothing, so may meet an OUTPUT not made yet: then no state either. */
    if (opts->dry_run)
        (void)locate_kept_files(b, 1);
    /* After the claim, which made OUTPUT: a stats file may live in it. */
    if (!opts->dry_run &&
        ((opts->stats_file && check_summary_file("--stats-file", opts->stats_file) < 0) ||
         (opts->metrics_file && check_summary_file("--metrics-file", opts->metrics_file) < 0)))
        goto fail;
    b->started_unix = wall_clock_now();
    b->started_usec = now_usec();
    struct scan_request scan = cli_scan_request(opts);
    if (scan_inputs(&scan, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        goto fail;
    }
    struct state_request state = cli_state_request(opts, &b->kept, b->options, b->failure_options);
    const struct kept_files *kept = b->kept.dir ? &b->kept : NULL;
    if (check_report_paths(opts, kept, &b->scan, err, sizeof(err)) < 0 ||
        (opts->incremental && kept &&
         !(b->state = state_open(&state, !opts->dry_run, err, sizeof(err))))) {
        diag("%s", err);
        scan_release(&b->scan);
        goto fail;
    }
    return 0;
fail:
    output_unlock(&b->lock, b->lock_fd);
    b->lock_fd = -1;
    return EXIT_USAGE;
}

/* --prune's line for an output removed. */
static void on_pruned(void *ctx, const char *in_rel, const char *out_rel)
{
    struct batch *b = ctx;
    char *input = path_join(b->opts->input, in_rel);
    char *output = path_join(b->opts->output, out_rel);

    report_pruned(&b->report, input, output);
    free(input);
    free(output);
}

/*
 * Which of e's outputs are to be made: those not up to date (with
 * --manifest, also those whose size the state does not know).  Their
 * indices in which; the count.  The outputs up to date go in the manifest.
 */
static unsigned outputs_to_make(struct batch *b, const struct scan_entry *e, unsigned *which)
{
    unsigned n = 0, w, h;
    long long bytes;

    for (unsigned k = 0; k < e->noutputs; k++) {
        const struct scan_output o = scan_output_at(&b->scan, e, k);
        int current =
            b->state && state_is_up_to_date(b->state, e, &o) &&
            (!b->opts->manifest_file || state_output_size(b->state, &o, &w, &h, &bytes) == 0);
        if (current && b->opts->manifest_file)
            manifest_output(&b->manifest, e, k, w, h, bytes);
        else if (!current)
            which[n++] = k;
    }
    return n;
}

/*
 * Why e failed last time, if every output still to make failed then and
 * nothing has changed since; NULL otherwise.
 */
static const char *failed_before(struct batch *b, const struct scan_entry *e, const unsigned *which,
                                 unsigned n)
{
    const char *why = NULL;

    if (!b->state || b->opts->retry_failed)
        return NULL;
    for (unsigned i = 0; i < n; i++) {
        const struct scan_output o = scan_output_at(&b->scan, e, which[i]);
        if (!(why = state_failed_before(b->state, e, &o)))
            return NULL;
    }
    return why;
}

/* A file that cannot run: reported now, and (a link, a FIFO) remembered like a bad file. */
static void refuse(struct batch *b, const struct scan_entry *e, const char *error)
{
    report_failed(&b->report, scan_input_shown(&b->scan, e), error, 0);
    manifest_failed(&b->manifest, e, error);
    /* A link or a FIFO named like an image stays one: said once, like a bad file. */
    for (unsigned k = 0; e->own_fault && b->state && k < e->noutputs; k++) {
        const struct scan_output o = scan_output_at(&b->scan, e, k);
        state_record_failure(b->state, e, &o, error);
    }
}

/* Why e, a file refused for what it is, failed last time, unchanged since; NULL if it did not. */
static const char *refused_before(struct batch *b, const struct scan_entry *e)
{
    if (!e->own_fault || !b->state || b->opts->retry_failed || !e->noutputs)
        return NULL;
    const struct scan_output first = scan_output_at(&b->scan, e, 0);
    return state_failed_before(b->state, e, &first);
}

/* One scanned file: reported before any work, or a job for the outputs it still needs. */
static void plan_entry(struct batch *b, struct scan_entry *e)
{
    unsigned which[JOB_OUTPUTS_MAX], n;
    const char *before = NULL;
    char err[RESULT_ERROR_MAX];

    if ((before = refused_before(b, e))) {
        report_failed_before(&b->report, scan_input_shown(&b->scan, e), before);
        manifest_failed(&b->manifest, e, before);
    } else if (e->error) {
        refuse(b, e, e->error);
    } else if ((n = outputs_to_make(b, e, which)) == 0) {
        report_up_to_date(&b->report, scan_input_shown(&b->scan, e),
                          scan_output_at(&b->scan, e, 0).path, e->noutputs);
    } else if ((before = failed_before(b, e, which, n))) {
        report_failed_before(&b->report, scan_input_shown(&b->scan, e), before);
        manifest_failed(&b->manifest, e, before);
    } else if (jobs_add(&b->jobs, e, which, n, err, sizeof(err)) < 0) {
        refuse(b, e, err);
    }
}

/*
 * The jobs: files skipped, files that cannot run and files up to date are
 * reported before any work starts, and --prune's removals; the rest become
 * jobs, largest first.
 */
static int plan(struct batch *b)
{
    char err[RESULT_ERROR_MAX];

    /* INPUT and OUTPUT open for the workers, who work below them (worker.h). */
    if (jobs_open(&b->jobs, b->opts, &b->scan, err, sizeof(err)) < 0) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    scan_check_outputs(&b->scan, b->opts->output_dir);
    scan_sort_largest_first(&b->scan);
    if (b->opts->manifest_file)
        manifest_init(&b->manifest, &b->scan, b->opts->variants, b->opts->output);
    struct report_style style = {b->opts->json,        b->opts->quiet,
                                 op_name(b->opts->op), b->opts->shard_index,
                                 b->opts->shard_count, b->opts->nvariants > 1};
    report_init(&b->report, stdout, stderr, &style);
    for (size_t i = 0; i < b->scan.skipped_count; i++) {
        const struct scan_skip *skip = &b->scan.skipped[i];
        if (skip->not_read)
            report_not_read(&b->report, skip->input, skip->reason);
        else
            report_skipped(&b->report, skip->input, skip->reason);
    }
    for (size_t i = 0; i < b->scan.count; i++)
        plan_entry(b, &b->scan.entries[i]);
    if (b->state && b->opts->prune) {
        struct prune_request prune = {b->opts->input,       b->opts->output,      &b->scan,
                                      b->opts->shard_index, b->opts->shard_count, 0};
        prune_outputs(b->state, &prune, on_pruned, b, &b->prune_trouble);
    }
    return 0;
}

/* Runs the jobs on the pool; 0, or EXIT_USAGE when the pool could not start at all. */
static int work(struct batch *b, struct pool_worker_stats *stats, int workers,
                struct pool_outcome *outcome)
{
    struct pool_config cfg;
    size_t n = b->jobs.count;

    jobs_configure_pool(&b->jobs, &cfg, b->opts, workers, on_result, b);
    long long bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += (long long)b->jobs.entries[i]->size;
    progress_init(&b->progress, b->opts->progress, op_name(b->opts->op), stderr, n, bytes);
    if (b->progress.enabled) {
        b->report.progress = &b->progress;
        cfg.on_tick = on_tick;
        cfg.tick_ms = PROGRESS_REDRAW_MS;
    }
    memset(outcome, 0, sizeof(*outcome));
    int status = 0;
    if (report_reader_gone(&b->report)) {
        /* The lines before any work already found nobody reading. */
        outcome->signal = SIGPIPE;
        outcome->not_started = n;
    } else if (n > 0 &&
               (worker_engine_ready() < 0 || pool_run(&cfg, NULL, n, stats, outcome) < 0)) {
        status = EXIT_USAGE;
    }
    progress_finish(&b->progress, report_failure_stream(&b->report));
    if (outcome->gave_up)
        diag("stopped: %s", outcome->gave_up_reason);
    return status;
}

/*
 * The end of a run that worked: the state saved (what finished is kept even
 * when the run was interrupted), the summary, the exit status, the report
 * files.
 */
static int finish(struct batch *b, const struct pool_worker_stats *stats,
                  const struct pool_outcome *outcome)
{
    char err[RESULT_ERROR_MAX];
    int state_lost = 0;

    /* Workers that kept dying say nothing of the files they failed. */
    if (b->state && outcome->gave_up)
        state_drop_new_failures(b->state);
    if (b->state && state_close(b->state, err, sizeof(err)) < 0) {
        diag("cannot save the incremental state: %s", err);
        state_lost = 1;
    }
    b->state = NULL;
    /* The workers that really ran: fewer than asked when the system had no more. */
    struct report_totals totals = {outcome->workers, stats, outcome};
    report_summary(&b->report, &totals);
    int status = report_exit_status(&b->report, outcome);
    if ((state_lost || b->prune_trouble) && status == 0)
        status = 1;
    if (b->opts->manifest_file &&
        manifest_write(&b->manifest, b->opts->manifest_file, err, sizeof(err)) < 0) {
        diag("%s", err);
        status = status ? status : 1;
    }
    struct run_record rec = {
        .opts = b->opts,
        .report = &b->report,
        .totals = &totals,
        .started_unix = b->started_unix,
        .finished_unix = wall_clock_now(),
        .duration_s = (double)(now_usec() - b->started_usec) / 1e6,
        .exit_status = status,
    };
    return write_summary_files(&rec);
}

int run_batch(const struct options *opts)
{
    struct batch b;

    memset(&b, 0, sizeof(b));
    b.opts = opts;
    b.lock = (struct lock_request){
        opts->output, NULL, NULL, opts->shard_index, opts->shard_count, opts->wait_limit_s};
    b.lock_fd = -1;
    int status = prepare(&b);
    if (status) {
        kept_files_release(&b.kept);
        return status;
    }
    if (opts->dry_run) {
        status = run_dry(opts, &b.scan, b.state);
        state_close(b.state, NULL, 0);
        scan_release(&b.scan);
        kept_files_release(&b.kept);
        return status;
    }
    status = plan(&b);
    if (status == 0) {
        int workers = pool_size_for(opts, b.jobs.count);
        struct pool_worker_stats *stats = xcalloc((size_t)workers, sizeof(*stats));
        struct pool_outcome outcome;
        status = work(&b, stats, workers, &outcome);
        if (status == 0)
            status = finish(&b, stats, &outcome);
        free(stats);
    }
    state_close(b.state, NULL, 0);     /* saved by finish(); here only after a failed start */
    output_unlock(&b.lock, b.lock_fd); /* after the state and the summary files: the run is over */
    manifest_release(&b.manifest);
    jobs_close(&b.jobs);
    scan_release(&b.scan);
    kept_files_release(&b.kept);
    return status;
}
