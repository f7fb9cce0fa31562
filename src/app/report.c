/* report: per-file lines and the summary; see report.h. */
#include "report.h"
#include "base/diag.h"
#include "json.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

void report_init(struct report *r, FILE *out, FILE *err, const struct report_style *style)
{
    memset(r, 0, sizeof(*r));
    r->out = out;
    r->err = err;
    r->json = style->json;
    r->quiet = style->quiet;
    r->op = style->op;
    r->shard_index = style->shard_index;
    r->shard_count = style->shard_count;
}

/* Before a line: the progress line, if any, makes room. */
static void begin_line(struct report *r)
{
    progress_clear(r->progress);
}

/*
 * Flushes the line just written to stream.  A reader that went away (EPIPE:
 * "imgbatch ... | head") is remembered, so the caller can stop the run and
 * nothing more is written; other errors (a full disk) are seen at the end.
 */
static void end_line_on(struct report *r, FILE *stream)
{
    if (fflush(stream) == EOF && errno == EPIPE)
        r->reader_gone = 1;
}

static void end_line(struct report *r)
{
    end_line_on(r, r->out);
}

FILE *report_failure_stream(const struct report *r)
{
    /* JSON is one stream a program reads whole; text keeps failures apart from successes. */
    return r->json ? r->out : r->err;
}

int report_reader_gone(const struct report *r)
{
    return r->reader_gone;
}

/* An animation's frames as the result gives them; 0 (not said) is a still image's 1. */
static unsigned frames_in(const struct job_result *res)
{
    return res->in_frames ? res->in_frames : 1;
}

static unsigned frames_out(const struct job_result *res)
{
    return res->out_frames ? res->out_frames : 1;
}

/*
 * An animated input's frames, read and written: in JSON
 * ,"input_frames":N,"frames":M (and "animation":"first frame only" where
 * the output format is still); in text ", N frames" or ", first of N
 * frames".  Nothing for a still input, whose records stay as they were.
 */
static void put_frames(struct report *r, const struct job_result *res)
{
    unsigned in = frames_in(res), out = frames_out(res);

    if (in <= 1)
        return;
    if (r->json) {
        fprintf(r->out, ",\"input_frames\":%u,\"frames\":%u", in, out);
        if (out < in)
            fputs(",\"animation\":\"first frame only\"", r->out);
    } else if (out < in) {
        fprintf(r->out, ", first of %u frames", in);
    } else {
        fprintf(r->out, ", %u frames", out);
    }
}

void report_ok(struct report *r, const char *input, const char *output,
               const struct job_result *res, int worker)
{
    double ms = (double)res->usec / 1000.0;

    r->ok++;
    /* What was decoded: every frame of an animation kept whole. */
    r->input_megapixels += (double)res->in_width * res->in_height * frames_out(res) / 1e6;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(r->out, input, output);
        fprintf(r->out,
                ",\"status\":\"ok\",\"input_width\":%u,\"input_height\":%u,"
                "\"width\":%u,\"height\":%u",
                res->in_width, res->in_height, res->out_width, res->out_height);
        put_frames(r, res);
        fputs(",\"ms\":", r->out);
        json_put_number(r->out, ms, 1);
        if (res->kept_original)
            fputs(",\"kept_original\":true", r->out);
        fprintf(r->out, ",\"worker\":%d}\n", worker);
    } else {
        text_put_file(r->out, "\u2713", input, output);
        fprintf(r->out, " (%ux%u -> %ux%u", res->in_width, res->in_height, res->out_width,
                res->out_height);
        put_frames(r, res);
        fprintf(r->out, ", %.1f ms%s)\n", ms,
                res->kept_original ? ", original kept: re-encoded it was larger" : "");
    }
    end_line(r); /* a line per file as it happens, also into a pipe */
}

void report_skipped(struct report *r, const char *input, const char *reason)
{
    r->skipped++;
    if (!r->json || r->quiet || r->reader_gone)
        return;
    begin_line(r);
    json_begin_file(r->out, input, NULL);
    fputs(",\"status\":\"skipped\",\"reason\":", r->out);
    json_put_string(r->out, reason);
    fputs("}\n", r->out);
    end_line(r);
}

void report_not_read(struct report *r, const char *input, const char *reason)
{
    if (!r->json && !r->quiet && !r->reader_gone) {
        begin_line(r);
        text_put_file(r->out, "?", input, NULL);
        fputs(": skipped: ", r->out);
        text_put_message(r->out, reason);
        putc('\n', r->out);
        end_line(r);
    }
    report_skipped(r, input, reason);
}

void report_up_to_date(struct report *r, const char *input, const char *output)
{
    r->skipped++;
    r->up_to_date++;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(r->out, input, output);
        fputs(",\"status\":\"skipped\",\"reason\":\"up to date\"}\n", r->out);
    } else {
        text_put_file(r->out, "=", input, output);
        fputs(" (up to date)\n", r->out);
    }
    end_line(r);
}

void report_failed_before(struct report *r, const char *input, const char *error)
{
    r->skipped++;
    r->failed_before++;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(r->out, input, NULL);
        fputs(",\"status\":\"skipped\",\"reason\":\"failed before\",\"error\":", r->out);
        json_put_string(r->out, error);
        fputs("}\n", r->out);
    } else {
        text_put_file(r->out, "=", input, NULL);
        fputs(" (failed before, unchanged since; --retry-failed retries it): ", r->out);
        text_put_message(r->out, error);
        putc('\n', r->out);
    }
    end_line(r);
}

void report_pruned(struct report *r, const char *input, const char *output)
{
    r->pruned++;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(r->out, input, output);
        fputs(",\"status\":\"pruned\"}\n", r->out);
    } else {
        text_put_file(r->out, "-", input, output);
        fputs(" (removed: its input is gone)\n", r->out);
    }
    end_line(r);
}

void report_failed(struct report *r, const char *input, const char *error, int worker)
{
    FILE *out = report_failure_stream(r);

    r->failed++;
    if (r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(out, input, NULL);
        fputs(",\"status\":\"failed\",\"error\":", out);
        json_put_string(out, error);
        if (worker > 0)
            fprintf(out, ",\"worker\":%d", worker);
        fputs("}\n", out);
    } else {
        text_put_file(out, "\u2717", input, NULL);
        fputs(": ", out);
        text_put_message(out, error);
        putc('\n', out);
    }
    end_line_on(r, out);
}

static double share(long long part, long long whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

double report_images_per_sec(const struct report *r, const struct pool_outcome *o)
{
    double seconds = (double)o->wall_usec / 1e6;
    return seconds > 0 ? (double)(r->ok + r->failed) / seconds : 0;
}

double report_megapixels_per_sec(const struct report *r, const struct pool_outcome *o)
{
    double seconds = (double)o->wall_usec / 1e6;
    return seconds > 0 ? r->input_megapixels / seconds : 0;
}

void report_put_summary_fields(FILE *out, const struct report *r, const struct report_totals *t)
{
    const struct pool_outcome *o = t->outcome;
    size_t total = r->ok + r->failed + r->skipped + o->not_started;

    fprintf(out, "\"op\":\"%s\",\"shard\":", r->op);
    if (r->shard_count)
        fprintf(out, "\"%u/%u\"", r->shard_index, r->shard_count);
    else
        fputs("null", out);
    fprintf(out,
            ",\"workers\":%d,\"total\":%zu,\"ok\":%zu,\"failed\":%zu,\"skipped\":%zu,"
            "\"up_to_date\":%zu,\"failed_before\":%zu,\"not_started\":%zu,\"pruned\":%zu,"
            "\"input_bytes\":%lld,\"output_bytes\":%lld,\"seconds\":",
            t->workers, total, r->ok, r->failed, r->skipped, r->up_to_date, r->failed_before,
            o->not_started, r->pruned, r->input_bytes, r->output_bytes);
    json_put_number(out, (double)o->wall_usec / 1e6, 3);
    fputs(",\"images_per_sec\":", out);
    json_put_number(out, report_images_per_sec(r, o), 2);
    fputs(",\"megapixels_per_sec\":", out);
    json_put_number(out, report_megapixels_per_sec(r, o), 2);
    fputs(",\"interrupted_by\":", out);
    if (o->signal)
        json_put_string(out, pool_signal_name(o->signal));
    else
        fputs("null", out);
    fputs(",\"gave_up\":", out);
    if (o->gave_up)
        json_put_string(out, o->gave_up_reason);
    else
        fputs("null", out);
    fputs(",\"per_worker\":[", out);
    for (int i = 0; i < t->workers; i++) {
        fprintf(out, "%s{\"worker\":%d,\"jobs\":%u,\"busy\":", i ? "," : "", i + 1,
                t->stats[i].jobs);
        json_put_number(out, share(t->stats[i].busy_usec, o->wall_usec), 3);
        fprintf(out, ",\"respawns\":%u}", t->stats[i].respawns);
    }
    putc(']', out);
}

/* Nothing failed and nothing cut the run short: what --quiet keeps silent about. */
static int all_went_well(const struct report *r, const struct pool_outcome *o)
{
    return r->failed == 0 && !o->signal && !o->gave_up;
}

void report_summary(struct report *r, const struct report_totals *t)
{
    const struct pool_outcome *o = t->outcome;

    if (r->reader_gone || (r->quiet && all_went_well(r, o)))
        return;
    begin_line(r);
    if (r->quiet && !r->json) {
        /*
         * The failures are on stderr already; an interrupted run says so
         * there too ("stopped: ..." was said when the pool gave up).
         */
        if (o->signal)
            fprintf(r->err, "imgbatch: interrupted by %s: %zu file%s not started\n",
                    pool_signal_name(o->signal), o->not_started, o->not_started == 1 ? "" : "s");
        end_line_on(r, r->err);
        return;
    }
    if (r->json) {
        fputs("{\"summary\":{", r->out);
        report_put_summary_fields(r->out, r, t);
        fputs("}}\n", r->out);
        end_line(r);
        return;
    }

    fputs(r->op, r->out);
    if (r->shard_count)
        fprintf(r->out, " (shard %u/%u)", r->shard_index, r->shard_count);
    fprintf(r->out, ": %zu ok, %zu failed, %zu skipped", r->ok, r->failed, r->skipped);
    if (r->up_to_date && r->failed_before)
        fprintf(r->out, " (%zu up to date, %zu failed before)", r->up_to_date, r->failed_before);
    else if (r->up_to_date)
        fprintf(r->out, " (%zu up to date)", r->up_to_date);
    else if (r->failed_before)
        fprintf(r->out, " (%zu failed before)", r->failed_before);
    if (r->pruned)
        fprintf(r->out, ", %zu pruned", r->pruned);
    fprintf(r->out, " in %.2f s: %.1f images/s, %.1f MP/s, %d worker%s\n",
            (double)o->wall_usec / 1e6, report_images_per_sec(r, o),
            report_megapixels_per_sec(r, o), t->workers, t->workers == 1 ? "" : "s");
    for (int i = 0; i < t->workers; i++) {
        fprintf(r->out, "  worker %d: %u file%s, busy %.0f%%", i + 1, t->stats[i].jobs,
                t->stats[i].jobs == 1 ? "" : "s",
                100.0 * share(t->stats[i].busy_usec, o->wall_usec));
        if (t->stats[i].respawns)
            fprintf(r->out, ", replaced %u time%s", t->stats[i].respawns,
                    t->stats[i].respawns == 1 ? "" : "s");
        putc('\n', r->out);
    }
    if (o->signal)
        fprintf(r->out, "interrupted by %s: %zu file%s not started\n",
                pool_signal_name(o->signal), o->not_started, o->not_started == 1 ? "" : "s");
    if (o->gave_up)
        fprintf(r->out, "stopped: %s\n", o->gave_up_reason);
    end_line(r);
}

int report_exit_status(struct report *r, const struct pool_outcome *outcome)
{
    /*
     * A report that did not reach its reader (a full disk, a closed pipe)
     * is a failure too: whoever reads the exit status cannot read the lines.
     */
    if (!r->reader_gone && fflush(r->out) == EOF && errno == EPIPE)
        r->reader_gone = 1;
    int lost = r->reader_gone || ferror(r->out);

    /*
     * A reader that left on purpose ("| head") needs no message: the status
     * says it, 128 + SIGPIPE as a shell shows for a writer whose reader left.
     */
    if (lost && !r->reader_gone)
        diag_errno("cannot write the report");
    if (outcome->signal)
        return 128 + outcome->signal;
    if (r->reader_gone)
        return 128 + SIGPIPE;
    if (outcome->gave_up)
        return EXIT_WORKERS_DYING;
    return r->failed || lost ? 1 : 0;
}
