/* merge: reading and adding up the shards' stats files and --json logs; see merge.h. */
#include "merge.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "cli.h"
#include "json.h"
#include "json_read.h"

#include <stdlib.h>
#include <string.h>

void merge_init(struct merge *m)
{
    memset(m, 0, sizeof(*m));
}

/* A string field, copied; NULL when absent or not a string. */
static char *string_field(const struct json_value *o, const char *key)
{
    const char *s = json_get_string(o, key);

    return s ? xstrdup(s) : NULL;
}

/* "K/N" as --shard writes it into the summaries, or null: 0, or -1 if it is neither. */
static int shard_field(const struct json_value *o, unsigned *index, unsigned *count)
{
    const struct json_value *v = json_get(o, "shard");

    *index = *count = 0;
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_STRING)
        return -1;
    return parse_shard(v->string, index, count);
}

/* The counts a summary must have: a file without them is not one of ours. */
static const char *const counted[] = {"total", "ok", "failed", "skipped"};

/* One run's summary from o (a stats object, or the object in a log's "summary"). */
static int add_run(struct merge *m, const char *file, const struct json_value *o, int from_stats,
                   char *err, size_t errlen)
{
    struct merge_run r;

    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
        if (json_get_number(o, counted[i], -1) < 0)
            return diag_into(err, errlen, "no \"%s\" count in its summary", counted[i]);
    if (!json_get_string(o, "op"))
        return diag_into(err, errlen, "no \"op\" in its summary");
    if (shard_field(o, &r.shard_index, &r.shard_count) < 0)
        return diag_into(err, errlen, "its \"shard\" is not K/N");
    r.file = xstrdup(file);
    r.from_stats = from_stats;
    r.exit_status = from_stats ? (int)json_get_number(o, "exit_status", -1) : -1;
    r.op = string_field(o, "op");
    r.output = from_stats ? string_field(o, "output") : NULL;
    r.total = json_get_number(o, "total", 0);
    r.ok = json_get_number(o, "ok", 0);
    r.failed = json_get_number(o, "failed", 0);
    r.skipped = json_get_number(o, "skipped", 0);
    r.up_to_date = json_get_number(o, "up_to_date", 0);
    r.failed_before = json_get_number(o, "failed_before", 0);
    r.not_started = json_get_number(o, "not_started", 0);
    r.pruned = json_get_number(o, "pruned", 0);
    r.input_bytes = json_get_number(o, "input_bytes", 0);
    r.output_bytes = json_get_number(o, "output_bytes", 0);
    r.seconds = json_get_number(o, "seconds", 0);
    r.started_unix = json_get_number(o, "started_unix", 0);
    r.finished_unix = json_get_number(o, "finished_unix", 0);
    r.interrupted_by = string_field(o, "interrupted_by");
    r.gave_up = string_field(o, "gave_up");
    if (m->nruns == m->runs_cap) {
        m->runs_cap = m->runs_cap ? m->runs_cap * 2 : 16;
        m->runs = xrealloc(m->runs, m->runs_cap * sizeof(*m->runs));
    }
    m->runs[m->nruns++] = r;
    return 0;
}

/* A --json per-file record: a failure joins the list; the rest are in the summary's counts. */
static int add_record(struct merge *m, const struct json_value *o, char *err, size_t errlen)
{
    const char *status = json_get_string(o, "status");
    const char *hex = json_get_string(o, "input_hex");
    struct merge_failure f;

    if (!status)
        return diag_into(err, errlen, "a file's record without a \"status\"");
    if (strcmp(status, "failed"))
        return 0;
    f.input = hex ? from_hex(hex) : string_field(o, "input");
    if (!f.input)
        return diag_into(err, errlen, "a failed file's record without a readable \"input\"");
    f.error = string_field(o, "error");
    if (!f.error)
        f.error = xstrdup("(no reason given)");
    if (m->nfailures == m->failures_cap) {
        m->failures_cap = m->failures_cap ? m->failures_cap * 2 : 16;
        m->failures = xrealloc(m->failures, m->failures_cap * sizeof(*m->failures));
    }
    m->failures[m->nfailures++] = f;
    return 0;
}

/* One JSON object: a stats file's, a log's summary line, or a log's record. */
static int add_object(struct merge *m, const char *file, const struct json_value *o, char *err,
                      size_t errlen)
{
    const struct json_value *summary = json_get(o, "summary");

    if (o->type != JSON_OBJECT)
        return diag_into(err, errlen, "not a JSON object");
    if (summary && summary->type == JSON_OBJECT)
        return add_run(m, file, summary, 0, err, errlen);
    if (json_get(o, "exit_status"))
        return add_run(m, file, o, 1, err, errlen);
    if (json_get(o, "input"))
        return add_record(m, o, err, errlen);
    return diag_into(err, errlen, "neither a stats file (--stats-file) nor a line of a --json log");
}

int merge_add(struct merge *m, const char *file, const char *text, size_t len, char *err,
              size_t errlen)
{
    size_t line = 0;
    const char *p = text, *end = text + len;

    m->files++;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        int whole = 0;
        struct json_value v;
        char why[256];
        line++;
        if (stop == p || (stop == p + 1 && *p == '\r')) {
            p = stop == end ? end : stop + 1;
            continue; /* an empty line */
        }
        if (json_parse(p, (size_t)(stop - p), &v, why, sizeof(why)) < 0) {
            whole = line == 1 && nl && json_parse(text, len, &v, NULL, 0) == 0;
            /* Not a line of JSON, nor (from line 1) a stats file over several lines (jq .). */
            if (!whole)
                return diag_into(err, errlen, "%s: line %zu is not JSON (%s)%s", file, line, why,
                                 nl ? "" : "; a log cut short by a killed run?");
        }
        int ret = add_object(m, file, &v, why, sizeof(why));
        json_release(&v);
        if (ret < 0)
            return diag_into(err, errlen, "%s: line %zu: %s", file, line, why);
        p = whole || stop == end ? end : stop + 1;
    }
    return 0;
}

static void release_run(struct merge_run *r)
{
    free(r->file);
    free(r->op);
    free(r->output);
    free(r->interrupted_by);
    free(r->gave_up);
}

static int by_shard_then_source(const void *a, const void *b)
{
    const struct merge_run *x = a, *y = b;

    if (x->shard_index != y->shard_index)
        return x->shard_index < y->shard_index ? -1 : 1;
    /* A stats file first: it says how the run ended, a log's summary does not. */
    return y->from_stats - x->from_stats;
}

/* The runs are of one operation into one OUTPUT, and of one split or none. */
static int check_together(const struct merge *m, char *err, size_t errlen)
{
    const struct merge_run *first = &m->runs[0];
    const struct merge_run *with_output = NULL;

    for (size_t i = 0; i < m->nruns; i++) {
        const struct merge_run *r = &m->runs[i];
        if (strcmp(r->op, first->op))
            return diag_into(err, errlen, "%s is of a %s run and %s of a %s run: not one run",
                             r->file, r->op, first->file, first->op);
        if (r->shard_count != first->shard_count) {
            if (!r->shard_count || !first->shard_count) {
                const struct merge_run *whole = r->shard_count ? first : r;
                return diag_into(err, errlen,
                                 "%s is of a run without --shard, %s of a shard: not one run",
                                 whole->file, whole == r ? first->file : r->file);
            }
            return diag_into(err, errlen, "%s is of shard %u/%u and %s of shard %u/%u: two splits",
                             r->file, r->shard_index, r->shard_count, first->file,
                             first->shard_index, first->shard_count);
        }
        if (r->output && with_output && strcmp(r->output, with_output->output))
            return diag_into(err, errlen, "%s wrote into %s and %s into %s: not one run", r->file,
                             r->output, with_output->file, with_output->output);
        if (r->output && !with_output)
            with_output = r;
    }
    return 0;
}

/*
 * One run per shard: a stats file, else a log's summary line.  A shard
 * may have one of each (the same run's), never two of either.
 */
static int one_run_per_shard(struct merge *m, char *err, size_t errlen)
{
    size_t kept = 0;

    qsort(m->runs, m->nruns, sizeof(*m->runs), by_shard_then_source);
    for (size_t i = 0; i < m->nruns;) {
        size_t j = i + 1;
        while (j < m->nruns && m->runs[j].shard_index == m->runs[i].shard_index)
            j++;
        for (size_t k = i + 1; k < j; k++) {
            const struct merge_run *a = &m->runs[k - 1], *b = &m->runs[k];
            if (a->from_stats != b->from_stats)
                continue;
            if (b->shard_count)
                return diag_into(err, errlen, "shard %u/%u twice: in %s and in %s", b->shard_index,
                                 b->shard_count, a->file, b->file);
            return diag_into(err, errlen, "two runs without --shard: %s and %s", a->file, b->file);
        }
        m->runs[kept++] = m->runs[i];
        for (size_t k = i + 1; k < j; k++)
            release_run(&m->runs[k]); /* the log's summary of a run whose stats file is here */
        i = j;
    }
    m->nruns = kept;
    return 0;
}

int merge_settle(struct merge *m, char *err, size_t errlen)
{
    if (m->nruns == 0)
        return diag_into(err, errlen,
                         "no summary in %s: give the stats files (--stats-file) of the runs, or "
                         "their --json logs",
                         m->files == 1 ? "the file given" : "the files given");
    if (check_together(m, err, errlen) < 0 || one_run_per_shard(m, err, errlen) < 0)
        return -1;
    m->shard_count = m->runs[0].shard_count;
    free(m->missing);
    m->missing = NULL;
    m->nmissing = 0;
    if (m->shard_count) {
        m->missing = xcalloc(m->shard_count, sizeof(*m->missing));
        size_t next = 0;
        for (unsigned k = 1; k <= m->shard_count; k++) {
            if (next < m->nruns && m->runs[next].shard_index == k)
                next++;
            else
                m->missing[m->nmissing++] = k;
        }
    }
    return 0;
}

/* Whether r ended as a run that went well: exit 0, or from a log, nothing said against it. */
static int went_well(const struct merge_run *r)
{
    if (r->exit_status >= 0)
        return r->exit_status == 0;
    return r->failed == 0 && r->not_started == 0 && !r->interrupted_by && !r->gave_up;
}

void merge_totals(const struct merge *m, struct merge_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < m->nruns; i++) {
        const struct merge_run *r = &m->runs[i];
        t->total += r->total;
        t->ok += r->ok;
        t->failed += r->failed;
        t->skipped += r->skipped;
        t->up_to_date += r->up_to_date;
        t->failed_before += r->failed_before;
        t->not_started += r->not_started;
        t->pruned += r->pruned;
        t->input_bytes += r->input_bytes;
        t->output_bytes += r->output_bytes;
        if (r->started_unix > 0 && (t->started_unix == 0 || r->started_unix < t->started_unix))
            t->started_unix = r->started_unix;
        if (r->finished_unix > t->finished_unix)
            t->finished_unix = r->finished_unix;
        if (r->seconds > t->seconds)
            t->seconds = r->seconds;
        t->interrupted += r->interrupted_by != NULL;
        t->gave_up += r->gave_up != NULL;
        t->unclean += !went_well(r);
    }
    /* The shards run side by side: the run took from the first start to the last finish. */
    if (t->started_unix > 0 && t->finished_unix > t->started_unix)
        t->seconds = t->finished_unix - t->started_unix;
    t->images_per_sec = t->seconds > 0 ? (t->ok + t->failed) / t->seconds : 0;
}

int merge_exit_status(const struct merge *m)
{
    struct merge_totals t;

    merge_totals(m, &t);
    return m->nmissing || t.unclean ? 1 : 0;
}

void merge_release(struct merge *m)
{
    for (size_t i = 0; i < m->nruns; i++)
        release_run(&m->runs[i]);
    free(m->runs);
    for (size_t i = 0; i < m->nfailures; i++) {
        free(m->failures[i].input);
        free(m->failures[i].error);
    }
    free(m->failures);
    free(m->missing);
    memset(m, 0, sizeof(*m));
}
