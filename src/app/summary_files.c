/* summary_files: --stats-file and --metrics-file; see summary_files.h. */
#include "summary_files.h"
#include "atomic_file.h"
#include "json.h"
#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Readable by the node_exporter or monitoring user, whoever runs imgbatch. */
#define SUMMARY_FILE_MODE 0644

double wall_clock_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void summary_put_iso_time(FILE *out, double unix_time)
{
    time_t t = (time_t)unix_time;
    struct tm tm;
    char buf[32];

    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, sizeof(buf), "1970-01-01T00:00:00Z");
    fprintf(out, "\"%s\"", buf);
}

static void put_stats(FILE *out, const void *ctx)
{
    const struct run_record *rec = ctx;

    putc('{', out);
    /* "input": the first, as before there were several; "inputs": every one. */
    json_put_path_field(out, "input", rec->opts->input);
    fputs(",\"inputs\":[", out);
    for (size_t i = 0; i < rec->opts->ninputs; i++) {
        if (i)
            putc(',', out);
        json_put_string(out, rec->opts->inputs[i]);
    }
    fputs("],", out);
    json_put_path_field(out, "output", rec->opts->output);
    fputs(",\"started_at\":", out);
    summary_put_iso_time(out, rec->started_unix);
    fputs(",\"finished_at\":", out);
    summary_put_iso_time(out, rec->finished_unix);
    fputs(",\"started_unix\":", out);
    json_put_number(out, rec->started_unix, 3);
    fputs(",\"finished_unix\":", out);
    json_put_number(out, rec->finished_unix, 3);
    fprintf(out, ",\"exit_status\":%d,", rec->exit_status);
    report_put_summary_fields(out, rec->report, rec->totals);
    fputs("}\n", out);
}

int write_stats_file(const char *path, const struct run_record *rec, char *err, size_t errlen)
{
    return write_file_from(path, put_stats, rec, SUMMARY_FILE_MODE, MODE_EXACT, 1, err, errlen);
}

void metrics_put_label_value(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    putc('"', out);
    while (*p) {
        int n = utf8_sequence_length(p);
        if (n == 0) {
            /* Label values are UTF-8; a byte that is not becomes U+FFFD, as in --json. */
            fputs("\xef\xbf\xbd", out);
            p++;
        } else if (*p == '\\' || *p == '"') {
            putc('\\', out);
            putc(*p++, out);
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else {
            fwrite(p, 1, (size_t)n, out);
            p += n;
        }
    }
    putc('"', out);
}

double metrics_find_value(const char *text, const char *name)
{
    size_t n = strlen(name);
    const char *line = text;

    while (*line) {
        const char *end = strchrnul(line, '\n');
        if (!strncmp(line, name, n) && (line[n] == '{' || line[n] == ' ')) {
            /* The value follows the last blank: a label value may hold blanks too. */
            const char *space = memrchr(line, ' ', (size_t)(end - line));
            char *stop;
            double v = space ? strtod(space + 1, &stop) : -1;
            return space && stop != space + 1 ? v : -1;
        }
        line = *end ? end + 1 : end;
    }
    return -1;
}

/* The labels every metric carries: which operation into which OUTPUT, and the shard. */
static void put_labels(FILE *out, const struct run_record *rec, const char *status)
{
    fprintf(out, "{op=\"%s\",output=", op_name(rec->opts->op));
    metrics_put_label_value(out, rec->opts->output);
    if (rec->opts->shard_count)
        fprintf(out, ",shard=\"%u/%u\"", rec->opts->shard_index, rec->opts->shard_count);
    if (status)
        fprintf(out, ",status=\"%s\"", status);
    putc('}', out);
}

static void put_help(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* decimals: as many as the value means (milliseconds for times, none for counts). */
static void put_gauge(FILE *out, const struct run_record *rec, const char *name,
                      const char *help, double value, int decimals)
{
    put_help(out, name, help);
    fputs(name, out);
    put_labels(out, rec, NULL);
    fprintf(out, " %.*f\n", decimals, value);
}

/*
 * The previous metrics file's last success, carried over by a run that did
 * not succeed.  Read without following a link and without blocking: the
 * textfile directory may be shared, and a FIFO there must not hang the run.
 */
static double previous_success(const char *path)
{
    char buf[16384];
    struct stat st;
    ssize_t n;
    int fd;

    if (is_stdout_name(path))
        return -1;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    n = read_in_full(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return metrics_find_value(buf, "imgbatch_last_success_timestamp_seconds");
}

/* The metrics file's content: the run, and when the last run that exited 0 finished. */
struct metrics {
    const struct run_record *rec;
    double last_success; /* < 0: none known, written as 0 */
};

static void put_metrics(FILE *out, const void *ctx)
{
    const struct run_record *rec = ((const struct metrics *)ctx)->rec;
    double last_success = ((const struct metrics *)ctx)->last_success;
    const struct report *r = rec->report;
    const struct pool_outcome *o = rec->totals->outcome;
    static const char *const status_names[] = {"ok", "failed", "skipped", "not_started"};
    size_t counts[] = {r->ok, r->failed, r->skipped, o->not_started};

    put_help(out, "imgbatch_files", "Files in the last run, by status.");
    for (size_t i = 0; i < 4; i++) {
        fputs("imgbatch_files", out);
        put_labels(out, rec, status_names[i]);
        fprintf(out, " %zu\n", counts[i]);
    }
    put_gauge(out, rec, "imgbatch_files_up_to_date",
              "Files of the last run skipped by --incremental, part of the skipped.",
              (double)r->up_to_date, 0);
    put_gauge(out, rec, "imgbatch_files_failed_before",
              "Files of the last run skipped by --incremental because they failed before and "
              "have not changed, part of the skipped.",
              (double)r->failed_before, 0);
    put_gauge(out, rec, "imgbatch_outputs_pruned",
              "Outputs of inputs that are gone, removed by --prune in the last run.",
              (double)r->pruned, 0);
    put_gauge(out, rec, "imgbatch_input_bytes",
              "Bytes of the inputs processed successfully in the last run.",
              (double)r->input_bytes, 0);
    put_gauge(out, rec, "imgbatch_output_bytes", "Bytes of the outputs written in the last run.",
              (double)r->output_bytes, 0);
    put_gauge(out, rec, "imgbatch_duration_seconds", "Wall-clock duration of the last run.",
              rec->duration_s, 3);
    put_gauge(out, rec, "imgbatch_images_per_second",
              "Files processed per second by the pool in the last run.",
              report_images_per_sec(r, o), 2);
    put_gauge(out, rec, "imgbatch_megapixels_per_second",
              "Input megapixels processed per second in the last run.",
              report_megapixels_per_sec(r, o), 2);
    put_gauge(out, rec, "imgbatch_workers", "Worker processes of the last run.",
              (double)rec->totals->workers, 0);
    put_gauge(out, rec, "imgbatch_exit_status", "Exit status of the last run (0: all ok).",
              (double)rec->exit_status, 0);
    put_gauge(out, rec, "imgbatch_last_run_timestamp_seconds",
              "When the last run finished, in seconds since the epoch.", rec->finished_unix, 3);
    /*
     * Always there, 0 before any success: an alert on time() minus it must
     * fire for a job that never succeeded, and an absent series never fires.
     */
    put_gauge(out, rec, "imgbatch_last_success_timestamp_seconds",
              "When the last run that exited 0 finished, in seconds since the epoch "
              "(0: none yet).",
              last_success >= 0 ? last_success : 0, 3);
}

int write_metrics_file(const char *path, const struct run_record *rec, char *err, size_t errlen)
{
    struct metrics m = {rec, rec->exit_status == 0 ? rec->finished_unix : previous_success(path)};

    return write_file_from(path, put_metrics, &m, SUMMARY_FILE_MODE, MODE_EXACT, 1, err, errlen);
}
