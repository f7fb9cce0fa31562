/*
 * dry_run: --dry-run, what a run would do, with nothing written.
 *
 * Besides the scan's verdicts it reads the first bytes of each file that
 * would be processed, as a worker would, so a text file named .jpg shows
 * up as refused now rather than as a failure in the real run.  Decoding is
 * left to the real run: a dry run over a million files must stay cheap.
 */
#include "dry_run.h"
#include "base/diag.h"
#include "base/xio.h"
#include "image/formats.h"
#include "image/image.h"
#include "json.h"
#include "outpath.h"
#include "pool/message.h"
#include "prune.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dry_counts {
    size_t process, skipped, up_to_date, failed_before, refused, prune;
    size_t outputs; /* outputs the files to process would make */
};

/*
 * NULL if the worker would get past the signature check, else why not (in
 * buf).  The file is opened as a worker opens it: below its INPUT (the
 * scan's root), following no link, never blocking on a FIFO swapped in
 * since the scan, and only a regular file.
 */
static const char *content_refusal(struct scan_result *scan, struct open_root *root,
                                   const struct scan_entry *e, char *buf, size_t len)
{
    unsigned char head[SNIFF_BYTES];
    struct stat st;

    int dir = scan_root_fd(scan->roots, root, e->root, buf, len);

    if (dir < 0)
        return buf;
    int fd = image_open_input(dir, scan_open_name(scan->roots, e), &st, buf, len);

    if (fd < 0)
        return buf;
    ssize_t n = read_in_full(fd, head, sizeof(head));
    if (n < 0)
        snprintf(buf, len, "cannot read: %s", strerror(errno));
    close(fd);
    if (n < 0)
        return buf;
    return sniff_refusal(scan_input_shown(scan, e), head, (size_t)n, buf, len) < 0 ? buf : NULL;
}

/* A line's optional second field: a failed-before file's reason, with --json. */
struct line_extra {
    const char *key;
    const char *text;
};

static void put_line_extra(const struct options *opts, const char *word, const char *status,
                           const char *input, const char *output, const char *key, const char *text,
                           const struct line_extra *extra)
{
    FILE *out = stdout;

    if (opts->json) {
        json_begin_file(out, input, output);
        fprintf(out, ",\"status\":\"%s\"", status);
        if (key) {
            fprintf(out, ",\"%s\":", key);
            json_put_string(out, text);
        }
        if (extra) {
            fprintf(out, ",\"%s\":", extra->key);
            json_put_string(out, extra->text);
        }
        fputs("}\n", out);
        return;
    }
    char mark[16];
    snprintf(mark, sizeof(mark), "%-8s", word); /* the names line up after the words */
    text_put_file(out, mark, input, output);
    if (text) {
        fputs(": ", out);
        text_put_message(out, text);
    }
    if (extra) {
        fputs(": ", out);
        text_put_message(out, extra->text);
    }
    putc('\n', out);
}

static void put_line(const struct options *opts, const char *word, const char *status,
                     const char *input, const char *output, const char *key, const char *text)
{
    put_line_extra(opts, word, status, input, output, key, text, NULL);
}

static void put_summary(const struct options *opts, const struct dry_counts *c)
{
    size_t total = c->process + c->skipped + c->refused;

    if (opts->json) {
        printf("{\"summary\":{\"dry_run\":true,\"op\":\"%s\",\"shard\":", op_name(opts->op));
        if (opts->shard_count)
            printf("\"%u/%u\"", opts->shard_index, opts->shard_count);
        else
            fputs("null", stdout);
        printf(",\"total\":%zu,\"would_process\":%zu,", total, c->process);
        if (opts->nvariants > 1)
            printf("\"would_make\":%zu,", c->outputs);
        printf("\"skipped\":%zu,\"up_to_date\":%zu,\"failed_before\":%zu,\"refused\":%zu,"
               "\"would_prune\":%zu}}\n",
               c->skipped, c->up_to_date, c->failed_before, c->refused, c->prune);
        return;
    }
    fputs("dry run", stdout);
    if (opts->shard_count)
        printf(" (shard %u/%u)", opts->shard_index, opts->shard_count);
    printf(": %zu to process", c->process);
    if (opts->nvariants > 1)
        printf(" (%zu output%s)", c->outputs, c->outputs == 1 ? "" : "s");
    printf(", %zu to skip", c->skipped);
    if (c->up_to_date && c->failed_before)
        printf(" (%zu up to date, %zu failed before)", c->up_to_date, c->failed_before);
    else if (c->up_to_date)
        printf(" (%zu up to date)", c->up_to_date);
    else if (c->failed_before)
        printf(" (%zu failed before)", c->failed_before);
    if (c->prune)
        printf(", %zu to prune", c->prune);
    printf(", %zu refused; nothing written\n", c->refused);
}

/* What --prune would remove, for the listing. */
struct dry_prune {
    const struct options *opts;
    struct dry_counts *counts;
};

static void on_would_prune(void *ctx, const char *in_rel, const char *out_rel)
{
    struct dry_prune *d = ctx;
    char *input = path_join(d->opts->input, in_rel);
    char *output = path_join(d->opts->output, out_rel);

    d->counts->prune++;
    if (!d->opts->quiet)
        put_line(d->opts, "prune", "would_prune", input, output, NULL, NULL);
    free(input);
    free(output);
}

/*
 * The outputs of e up to date (current[k]), and how many; the state first,
 * so that an up-to-date file is not even opened.
 */
static unsigned outputs_current(struct scan_result *scan, struct run_state *state,
                                const struct scan_entry *e, int *current)
{
    unsigned n = 0;

    for (unsigned k = 0; k < e->noutputs; k++) {
        const struct scan_output o = scan_output_at(scan, e, k);
        n += current[k] = !e->error && state && state_is_up_to_date(state, e, &o);
    }
    return n;
}

/* Why e failed before, if each output not up to date failed then, unchanged since. */
static const char *failed_before(const struct options *opts, struct scan_result *scan,
                                 struct run_state *state, const struct scan_entry *e,
                                 const int *current)
{
    const char *why = NULL;

    if (!state || opts->retry_failed || (e->error && !e->own_fault))
        return NULL;
    for (unsigned k = 0; k < e->noutputs; k++) {
        const struct scan_output o = scan_output_at(scan, e, k);
        if (!current[k] && !(why = state_failed_before(state, e, &o)))
            return NULL;
    }
    return why;
}

/* Each output's line: made, or up to date (a run of one output each: the file's line). */
static void put_outputs(const struct options *opts, struct scan_result *scan,
                        const struct scan_entry *e, const int *current, struct dry_counts *c)
{
    for (unsigned k = 0; k < e->noutputs; k++) {
        c->outputs += !current[k];
        if (opts->quiet)
            continue;
        /* Each in its own buffer of the scan's: both good until the next of its kind. */
        const char *input = scan_input_shown(scan, e);
        const char *output = scan_output_at(scan, e, k).path;
        if (current[k])
            put_line(opts, "skip", "skipped", input, output, "reason", "up to date");
        else
            put_line(opts, "process", "would_process", input, output, NULL, NULL);
    }
}

/* One file's verdict, as the real run would give it. */
static void dry_entry(const struct options *opts, struct scan_result *scan, struct run_state *state,
                      struct open_root *root, const struct scan_entry *e, struct dry_counts *c)
{
    static int current[JOB_OUTPUTS_MAX];
    char buf[RESULT_ERROR_MAX];
    unsigned ncurrent = outputs_current(scan, state, e, current);
    int all_current = e->noutputs && ncurrent == e->noutputs;
    const char *before = all_current ? NULL : failed_before(opts, scan, state, e, current);
    const char *refusal = all_current || before ? NULL
                          : e->error            ? e->error
                                                : content_refusal(scan, root, e, buf, sizeof(buf));
    const char *input = scan_input_shown(scan, e);

    if (refusal) {
        c->refused++;
        put_line(opts, "refuse", "refused", input, NULL, "error", refusal);
    } else if (all_current) {
        c->skipped++;
        c->up_to_date++;
        put_outputs(opts, scan, e, current, c);
    } else if (before) {
        struct line_extra why = {"error", before};
        c->skipped++;
        c->failed_before++;
        if (!opts->quiet && opts->json)
            put_line_extra(opts, "skip", "skipped", input, NULL, "reason", "failed before", &why);
        else if (!opts->quiet)
            put_line_extra(opts, "skip", "skipped", input, NULL, "reason",
                           "failed before, unchanged since (--retry-failed retries it)", &why);
    } else {
        c->process++;
        put_outputs(opts, scan, e, current, c);
    }
}

/* For a person reading the list: by the input as shown. */
static int by_input(const void *a, const void *b, void *scan)
{
    return scan_compare_inputs(scan, a, b);
}

int run_dry(const struct options *opts, struct scan_result *scan, struct run_state *state)
{
    struct dry_counts c = {0, 0, 0, 0, 0, 0, 0};
    struct open_root root = OPEN_ROOT_NONE;

    scan_check_outputs(scan, opts->output_dir);
    /* For a person reading the list: by name, not in the real run's largest-first order. */
    if (scan->count > 1)
        qsort_r(scan->entries, scan->count, sizeof(*scan->entries), by_input, scan);
    for (size_t i = 0; i < scan->skipped_count; i++) {
        c.skipped++;
        if (!opts->quiet)
            put_line(opts, "skip", "skipped", scan->skipped[i].input, NULL, "reason",
                     scan->skipped[i].reason);
    }
    for (size_t i = 0; i < scan->count && !ferror(stdout); i++) {
        dry_entry(opts, scan, state, &root, &scan->entries[i], &c);
        /* Line by line, so that a reader that left ("| head") stops the walk through the files. */
        fflush(stdout);
    }
    int prune_trouble = 0;
    if (state && opts->prune) {
        struct prune_request prune = {opts->input,       opts->output,      scan,
                                      opts->shard_index, opts->shard_count, 1};
        struct dry_prune d = {opts, &c};
        prune_outputs(state, &prune, on_would_prune, &d, &prune_trouble);
    }
    put_summary(opts, &c);
    close_quietly(root.fd);
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (errno == EPIPE)
            return 128 + SIGPIPE;
        diag_errno("cannot write the report");
        return 1;
    }
    return c.refused || prune_trouble ? 1 : 0;
}
