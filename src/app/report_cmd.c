/* report_cmd: `imgbatch report`, a split run's files added up and said; see report_cmd.h. */
#include "report_cmd.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "json.h"
#include "merge.h"
#include "summary_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the regular file path whole into *text (NUL-terminated); 0, or -1 with a line said. */
static int read_whole(const char *path, char **text, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0) {
        diag_errno("cannot read %s", path);
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        diag_errno("cannot read %s", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        diag("cannot read %s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = xcalloc(cap + 1, 1);
    for (;;) {
        /* The file may grow while read (a log still written): read until the end. */
        ssize_t got = read_in_full(fd, buf + n, cap - n);
        if (got < 0) {
            diag_errno("cannot read %s", path);
            free(buf);
            close(fd);
            return -1;
        }
        n += (size_t)got;
        if (n < cap)
            break;
        cap *= 2;
        buf = xrealloc(buf, cap + 1);
    }
    close(fd);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int merge_file(struct merge *m, const char *path)
{
    char err[1024];
    char *text;
    size_t len;

    if (read_whole(path, &text, &len) < 0)
        return -1;
    int ret = merge_add(m, path, text, len, err, sizeof(err));
    free(text);
    if (ret < 0)
        diag("%s", err);
    return ret;
}

static int is_report_name(const char *name)
{
    size_t n = strlen(name);

    if (name[0] == '.')
        return 0;
    return (n > 5 && !strcmp(name + n - 5, ".json")) || (n > 6 && !strcmp(name + n - 6, ".jsonl"));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder: its *.json and *.jsonl files, in name order. */
static int merge_folder(struct merge *m, const char *dir)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int ret = 0;
    struct dirent *de;

    if (!d) {
        diag_errno("cannot read %s", dir);
        return -1;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!is_report_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
    }
    if (errno) {
        diag_errno("cannot read %s", dir);
        ret = -1;
    }
    closedir(d);
    if (!ret && n == 0) {
        diag("%s holds no .json or .jsonl file (stats files or --json logs)", dir);
        ret = -1;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        if (!ret)
            ret = merge_file(m, names[i]);
        free(names[i]);
    }
    free(names);
    return ret;
}

static int merge_operand(struct merge *m, const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return merge_folder(m, path);
    return merge_file(m, path);
}

static const char *plural(double n)
{
    return n == 1 ? "" : "s";
}

/* "resize (4 shards of 4)" or "resize": what the run was. */
static void put_heading(FILE *out, const struct merge *m)
{
    fputs(m->runs[0].op, out);
    if (m->shard_count)
        fprintf(out, " (%zu shard%s of %u)", m->nruns, plural((double)m->nruns), m->shard_count);
}

/* "60 ok, 2 failed, 2 skipped (1 up to date, 2 failed before)", as a run's summary says it. */
static void put_counts(FILE *out, double ok, double failed, double skipped, double up_to_date,
                       double failed_before, double not_started)
{
    fprintf(out, "%.0f ok, %.0f failed, %.0f skipped", ok, failed, skipped);
    if (up_to_date && failed_before)
        fprintf(out, " (%.0f up to date, %.0f failed before)", up_to_date, failed_before);
    else if (up_to_date)
        fprintf(out, " (%.0f up to date)", up_to_date);
    else if (failed_before)
        fprintf(out, " (%.0f failed before)", failed_before);
    if (not_started)
        fprintf(out, ", %.0f not started", not_started);
}

static void put_run_line(FILE *out, const struct merge_run *r)
{
    if (r->shard_count)
        fprintf(out, "  shard %u/%u: ", r->shard_index, r->shard_count);
    else
        fputs("  run: ", out);
    put_counts(out, r->ok, r->failed, r->skipped, r->up_to_date, r->failed_before, r->not_started);
    fprintf(out, " in %.2f s", r->seconds);
    if (r->exit_status >= 0)
        fprintf(out, ", exit %d", r->exit_status);
    if (r->interrupted_by)
        fprintf(out, ", interrupted by %s", r->interrupted_by);
    if (r->gave_up)
        fputs(", gave up: workers kept dying", out);
    fputs(" (", out);
    text_put_path(out, r->file);
    fputs(")\n", out);
}

static void print_text(FILE *out, const struct merge *m, const struct merge_totals *t)
{
    size_t next = 0;

    put_heading(out, m);
    fputs(": ", out);
    put_counts(out, t->ok, t->failed, t->skipped, t->up_to_date, t->failed_before, t->not_started);
    if (t->pruned)
        fprintf(out, ", %.0f pruned", t->pruned);
    fprintf(out, " in %.2f s: %.1f images/s\n", t->seconds, t->images_per_sec);
    for (unsigned k = 1; k <= (m->shard_count ? m->shard_count : 1); k++) {
        if (next < m->nruns && m->runs[next].shard_index == (m->shard_count ? k : 0))
            put_run_line(out, &m->runs[next++]);
        else
            fprintf(out, "  shard %u/%u: missing (no stats file or log given)\n", k,
                    m->shard_count);
    }
    if (m->nmissing)
        fprintf(out, "%zu of %u shards missing: the run is not complete\n", m->nmissing,
                m->shard_count);
    for (size_t i = 0; i < m->nfailures; i++) {
        text_put_file(out, "\u2717", m->failures[i].input, NULL);
        fputs(": ", out);
        text_put_message(out, m->failures[i].error);
        putc('\n', out);
    }
    if (t->failed > (double)m->nfailures)
        fprintf(out, "%.0f failed file%s not listed: %s\n", t->failed - (double)m->nfailures,
                plural(t->failed - (double)m->nfailures),
                m->nfailures ? "give every shard's --json log to list them all"
                             : "give the shards' --json logs to list them");
}

static void put_field(FILE *out, const char *key, double v)
{
    fprintf(out, ",\"%s\":%.0f", key, v);
}

static void put_run_json(FILE *out, const struct merge_run *r)
{
    fputs("{\"shard\":", out);
    if (r->shard_count)
        fprintf(out, "\"%u/%u\"", r->shard_index, r->shard_count);
    else
        fputs("null", out);
    putc(',', out);
    json_put_path_field(out, "file", r->file);
    fputs(",\"exit_status\":", out);
    if (r->exit_status >= 0)
        fprintf(out, "%d", r->exit_status);
    else
        fputs("null", out);
    put_field(out, "total", r->total);
    put_field(out, "ok", r->ok);
    put_field(out, "failed", r->failed);
    put_field(out, "skipped", r->skipped);
    put_field(out, "up_to_date", r->up_to_date);
    put_field(out, "failed_before", r->failed_before);
    put_field(out, "not_started", r->not_started);
    fputs(",\"seconds\":", out);
    json_put_number(out, r->seconds, 3);
    putc('}', out);
}

static void print_json(FILE *out, const struct merge *m, const struct merge_totals *t)
{
    for (size_t i = 0; i < m->nfailures; i++) {
        json_begin_file(out, m->failures[i].input, NULL);
        fputs(",\"status\":\"failed\",\"error\":", out);
        json_put_string(out, m->failures[i].error);
        fputs("}\n", out);
    }
    fputs("{\"summary\":{\"op\":", out);
    json_put_string(out, m->runs[0].op);
    fprintf(out, ",\"shards\":%u,\"missing\":[", m->shard_count);
    for (size_t i = 0; i < m->nmissing; i++)
        fprintf(out, "%s%u", i ? "," : "", m->missing[i]);
    putc(']', out);
    put_field(out, "total", t->total);
    put_field(out, "ok", t->ok);
    put_field(out, "failed", t->failed);
    put_field(out, "skipped", t->skipped);
    put_field(out, "up_to_date", t->up_to_date);
    put_field(out, "failed_before", t->failed_before);
    put_field(out, "not_started", t->not_started);
    put_field(out, "pruned", t->pruned);
    put_field(out, "input_bytes", t->input_bytes);
    put_field(out, "output_bytes", t->output_bytes);
    fprintf(out, ",\"failures_listed\":%zu,\"seconds\":", m->nfailures);
    json_put_number(out, t->seconds, 3);
    fputs(",\"images_per_sec\":", out);
    json_put_number(out, t->images_per_sec, 2);
    fputs(",\"started_at\":", out);
    if (t->started_unix > 0)
        summary_put_iso_time(out, t->started_unix);
    else
        fputs("null", out);
    fputs(",\"finished_at\":", out);
    if (t->finished_unix > 0)
        summary_put_iso_time(out, t->finished_unix);
    else
        fputs("null", out);
    fprintf(out, ",\"exit_status\":%d,\"per_shard\":[", merge_exit_status(m));
    for (size_t i = 0; i < m->nruns; i++) {
        if (i)
            putc(',', out);
        put_run_json(out, &m->runs[i]);
    }
    fputs("]}}\n", out);
}

int run_report(const struct options *opts)
{
    struct merge m;
    struct merge_totals t;
    char err[1024];
    int status = 0;

    merge_init(&m);
    for (size_t i = 0; i < opts->ninputs && !status; i++)
        if (merge_operand(&m, opts->inputs[i]) < 0)
            status = EXIT_USAGE;
    if (!status && merge_settle(&m, err, sizeof(err)) < 0) {
        diag("%s", err);
        status = EXIT_USAGE;
    }
    if (!status) {
        merge_totals(&m, &t);
        if (opts->json)
            print_json(stdout, &m, &t);
        else
            print_text(stdout, &m, &t);
        status = merge_exit_status(&m);
        if (fflush(stdout) == EOF || ferror(stdout)) {
            diag_errno("cannot write the report");
            status = status ? status : 1;
        }
    }
    merge_release(&m);
    return status;
}
