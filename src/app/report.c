/* report: per-file lines and the summary; see report.h. */
#include "report.h"
#include "base/diag.h"
#include "cli.h"
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
    r->sets = style->sets;
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

static unsigned frames_of(const struct report_output *o)
{
    return o->frames ? o->frames : 1;
}

/*
 * An animated input's frames, read and written: in JSON
 * ,"input_frames":N,"frames":M (and "animation":"first frame only" where
 * the output format is still); in text ", N frames" or ", first of N
 * frames".  Nothing for a still input, whose records stay as they were.
 */
static void put_frames(FILE *out, int json, unsigned in, unsigned written)
{
    if (in <= 1)
        return;
    if (json) {
        fprintf(out, ",\"input_frames\":%u,\"frames\":%u", in, written);
        if (written < in)
            fputs(",\"animation\":\"first frame only\"", out);
    } else if (written < in) {
        fprintf(out, ", first of %u frames", in);
    } else {
        fprintf(out, ", %u frames", written);
    }
}

/* The line of a run of one output per input, as it always was. */
static void put_one(struct report *r, const struct report_file *f, double ms)
{
    const struct job_result *res = f->res;
    const struct report_output *o = &f->made[0];

    if (r->json) {
        json_begin_file(r->out, f->input, o->path);
        fprintf(r->out,
                ",\"status\":\"ok\",\"input_width\":%u,\"input_height\":%u,"
                "\"width\":%u,\"height\":%u",
                res->in_width, res->in_height, o->width, o->height);
        put_frames(r->out, 1, frames_in(res), frames_of(o));
        fputs(",\"ms\":", r->out);
        json_put_number(r->out, ms, 1);
        if (o->kept_original)
            fputs(",\"kept_original\":true", r->out);
        fprintf(r->out, ",\"worker\":%d}\n", f->worker);
        return;
    }
    text_put_file(r->out, "\u2713", f->input, o->path);
    fprintf(r->out, " (%ux%u -> %ux%u", res->in_width, res->in_height, o->width, o->height);
    put_frames(r->out, 0, frames_in(res), frames_of(o));
    fprintf(r->out, ", %.1f ms%s)\n", ms,
            o->kept_original ? ", original kept: re-encoded it was larger" : "");
}

/* One output of a set in JSON: where, what, how large, and what was asked. */
static void put_set_output(FILE *out, const struct report_output *o, unsigned in_frames)
{
    char asked[48];

    fputs("{", out);
    json_put_path_field(out, "output", o->path);
    fprintf(out, ",\"format\":\"%s\",\"width\":%u,\"height\":%u", format_name(o->format), o->width,
            o->height);
    if (o->bytes >= 0)
        fprintf(out, ",\"bytes\":%lld", o->bytes);
    if (o->asked) {
        size_shown(o->asked, asked, sizeof(asked));
        fprintf(out, ",\"asked\":\"%s\"", asked);
    }
    if (o->capped)
        fputs(",\"not_enlarged\":true", out);
    if (in_frames > 1)
        fprintf(out, ",\"frames\":%u", frames_of(o));
    if (o->kept_original)
        fputs(",\"kept_original\":true", out);
    fputs("}", out);
}

/* Whether o's size (or format) came before index i among the outputs made. */
static int seen_before(const struct report_file *f, size_t i, int by_format)
{
    const struct report_output *o = &f->made[i];

    for (size_t j = 0; j < i; j++) {
        const struct report_output *p = &f->made[j];
        if (by_format ? p->format == o->format : p->width == o->width && p->height == o->height)
            return 1;
    }
    return 0;
}

/* "1920x1440, 1280x960 in AVIF, WebP and JPEG": each size and format made, once. */
static void put_sizes_and_formats(FILE *out, const struct report_file *f)
{
    size_t nformats = 0, said = 0;

    for (size_t i = 0; i < f->nmade; i++) {
        if (!seen_before(f, i, 0))
            fprintf(out, "%s%ux%u", said++ ? ", " : "", f->made[i].width, f->made[i].height);
        nformats += !seen_before(f, i, 1);
    }
    said = 0;
    for (size_t i = 0; i < f->nmade; i++) {
        if (seen_before(f, i, 1))
            continue;
        said++;
        fprintf(out, "%s%s",
                said == 1          ? " in "
                : said == nformats ? " and "
                                   : ", ",
                format_label(f->made[i].format));
    }
}

/* "; 1920x, 1280x not enlarged: kept at 1000x667": the sizes asked that never-enlarge held. */
static void put_capped(FILE *out, const struct report_file *f)
{
    char asked[48];
    size_t said = 0;
    const struct report_output *last = NULL;

    for (size_t i = 0; i < f->nmade; i++) {
        const struct report_output *o = &f->made[i];
        if (!o->capped || !o->asked)
            continue;
        int repeat = 0;
        for (size_t j = 0; j < i && !repeat; j++)
            repeat = f->made[j].capped && f->made[j].asked &&
                     !memcmp(f->made[j].asked, o->asked, sizeof(*o->asked));
        if (repeat)
            continue;
        size_shown(o->asked, asked, sizeof(asked));
        fprintf(out, "%s%s", said++ ? ", " : "; ", asked);
        last = o;
    }
    if (last)
        fprintf(out, " not enlarged: kept at %ux%u", last->width, last->height);
}

/* The line of a set: the input, how many outputs, their sizes and formats. */
static void put_set(struct report *r, const struct report_file *f, double ms)
{
    const struct job_result *res = f->res;
    int kept = 0;

    if (r->json) {
        json_begin_file(r->out, f->input, NULL);
        fprintf(r->out, ",\"status\":\"ok\",\"input_width\":%u,\"input_height\":%u", res->in_width,
                res->in_height);
        if (frames_in(res) > 1)
            fprintf(r->out, ",\"input_frames\":%u", frames_in(res));
        fputs(",\"outputs\":[", r->out);
        for (size_t i = 0; i < f->nmade; i++) {
            fputs(i ? "," : "", r->out);
            put_set_output(r->out, &f->made[i], frames_in(res));
        }
        fprintf(r->out, "],\"up_to_date\":%zu,\"ms\":", f->up_to_date);
        json_put_number(r->out, ms, 1);
        fprintf(r->out, ",\"worker\":%d}\n", f->worker);
        return;
    }
    for (size_t i = 0; i < f->nmade; i++)
        kept += f->made[i].kept_original;
    text_put_file(r->out, "\u2713", f->input, NULL);
    fprintf(r->out, " -> %zu output%s (%ux%u -> ", f->nmade, f->nmade == 1 ? "" : "s",
            res->in_width, res->in_height);
    put_sizes_and_formats(r->out, f);
    put_frames(r->out, 0, frames_in(res), f->nmade ? frames_of(&f->made[0]) : 1);
    fprintf(r->out, ", %.1f ms", ms);
    if (f->up_to_date)
        fprintf(r->out, "; %zu up to date", f->up_to_date);
    put_capped(r->out, f);
    if (kept)
        fprintf(r->out, "; original kept in %d: re-encoded it was larger", kept);
    fputs(")\n", r->out);
}

void report_ok(struct report *r, const struct report_file *f)
{
    const struct job_result *res = f->res;
    double ms = (double)res->usec / 1000.0;
    unsigned written = f->nmade ? frames_of(&f->made[0]) : 1;

    r->ok++;
    r->outputs += f->nmade;
    /* What was decoded: every frame of an animation kept whole. */
    r->input_megapixels += (double)res->in_width * res->in_height * written / 1e6;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->sets || f->nmade != 1)
        put_set(r, f, ms);
    else
        put_one(r, f, ms);
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

void report_up_to_date(struct report *r, const char *input, const char *output, size_t n)
{
    r->skipped++;
    r->up_to_date++;
    if (r->quiet || r->reader_gone)
        return;
    begin_line(r);
    if (r->json) {
        json_begin_file(r->out, input, r->sets ? NULL : output);
        fputs(",\"status\":\"skipped\",\"reason\":\"up to date\"", r->out);
        if (r->sets)
            fprintf(r->out, ",\"up_to_date\":%zu", n);
        fputs("}\n", r->out);
    } else if (r->sets) {
        text_put_file(r->out, "=", input, NULL);
        fprintf(r->out, " -> %zu output%s (up to date)\n", n, n == 1 ? "" : "s");
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
            "\"outputs\":%zu,\"input_bytes\":%lld,\"output_bytes\":%lld,\"seconds\":",
            t->workers, total, r->ok, r->failed, r->skipped, r->up_to_date, r->failed_before,
            o->not_started, r->pruned, r->outputs, r->input_bytes, r->output_bytes);
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
    if (r->sets)
        fprintf(r->out, "; %zu output%s made", r->outputs, r->outputs == 1 ? "" : "s");
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
