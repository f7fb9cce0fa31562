/* bench_report: a bench's figures, its table and its JSON; see bench_report.h. */
#include "bench_report.h"

#include "base/xalloc.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_point_compute(struct bench_point *p, int procs, const double *runs, int nruns,
                         size_t files, long long bytes, double megapixels)
{
    double *v = xcalloc((size_t)(nruns > 0 ? nruns : 1), sizeof(*v));

    memset(p, 0, sizeof(*p));
    p->procs = procs;
    p->runs = runs;
    p->nruns = nruns;
    if (nruns > 0) {
        memcpy(v, runs, (size_t)nruns * sizeof(*v));
        qsort(v, (size_t)nruns, sizeof(*v), cmp_double);
        p->seconds_min = v[0];
        p->seconds_max = v[nruns - 1];
        p->seconds = nruns % 2 ? v[nruns / 2] : (v[nruns / 2 - 1] + v[nruns / 2]) / 2;
    }
    free(v);
    if (p->seconds > 0) {
        p->images_per_sec = (double)files / p->seconds;
        p->mb_per_sec = (double)bytes / 1e6 / p->seconds;
        p->megapixels_per_sec = megapixels / p->seconds;
    }
}

void bench_series_speedup(struct bench_series *s)
{
    if (s->npoints < 1)
        return;
    /* The first count tried stands in for one process when --procs left 1 out. */
    double per_process = s->points[0].images_per_sec / s->points[0].procs;

    for (int k = 0; k < s->npoints; k++) {
        struct bench_point *p = &s->points[k];
        p->speedup = per_process > 0 ? p->images_per_sec / per_process : 0;
        p->efficiency = p->speedup / p->procs;
    }
}

void bench_series_label(const struct bench_series *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", s->op, s->size[0] ? " " : "", s->size);
}

void bench_report_header(FILE *out, const struct bench_report *r)
{
    char label[96];
    const struct bench_series *first = &r->series[0];

    fputs("bench: ", out);
    for (int i = 0; i < r->nseries; i++) {
        bench_series_label(&r->series[i], label, sizeof(label));
        fprintf(out, "%s%s", i ? ", " : "", label);
    }
    fprintf(out, " on %zu files (%.1f MB) from ", first->files, (double)first->bytes / 1e6);
    text_put_path(out, r->input);
    fputs("\nmachine: ", out);
    bench_machine_put_text(out, r->machine);
    fputs("\nlibraries: ", out);
    for (int i = 0; i < r->nlibs; i++)
        fprintf(out, "%s%s %s", i ? ", " : "", r->libs[i].name, r->libs[i].version);
    fprintf(out,
            "\nruns: %d per process count, interleaved, into a scratch folder in %s; seconds "
            "min / median / max of the runs, rates from the median\n",
            r->repeat, r->tmpdir);
}

/* The width of the op column: its title or the longest label. */
static int label_width(const struct bench_report *r)
{
    char label[96];
    int width = 2; /* "op" */

    for (int i = 0; i < r->nseries; i++) {
        bench_series_label(&r->series[i], label, sizeof(label));
        if ((int)strlen(label) > width)
            width = (int)strlen(label);
    }
    return width;
}

void bench_report_table(FILE *out, const struct bench_report *r)
{
    char label[96];
    int w = label_width(r);

    fprintf(out, "%-*s %9s %8s %8s %8s %9s %8s %8s %8s %11s\n", w, "op", "processes", "min s",
            "median s", "max s", "images/s", "MB/s", "MP/s", "speedup", "efficiency");
    for (int i = 0; i < r->nseries; i++) {
        const struct bench_series *s = &r->series[i];
        bench_series_label(s, label, sizeof(label));
        for (int k = 0; k < s->npoints; k++) {
            const struct bench_point *p = &s->points[k];
            fprintf(out, "%-*s %9d %8.3f %8.3f %8.3f %9.1f %8.1f %8.1f %8.2f %10.0f%%\n", w, label,
                    p->procs, p->seconds_min, p->seconds, p->seconds_max, p->images_per_sec,
                    p->mb_per_sec, p->megapixels_per_sec, p->speedup, 100.0 * p->efficiency);
        }
    }
}

/* "key":number, after a comma unless first. */
static void put_number(FILE *out, const char *key, double v, int decimals)
{
    fprintf(out, ",\"%s\":", key);
    json_put_number(out, v, decimals);
}

static void put_libraries(FILE *out, const struct bench_report *r)
{
    fputc('{', out);
    for (int i = 0; i < r->nlibs; i++) {
        if (i)
            fputc(',', out);
        json_put_string(out, r->libs[i].name);
        fputc(':', out);
        json_put_string(out, r->libs[i].version);
    }
    fputc('}', out);
}

static void put_settings(FILE *out, const struct bench_report *r)
{
    const struct bench_series *first = &r->series[0];

    fputc('{', out);
    json_put_path_field(out, "input", r->input);
    fprintf(out, ",\"files\":%zu,\"input_bytes\":%lld,\"repeat\":%d,\"processes\":", first->files,
            first->bytes, r->repeat);
    for (int k = 0; k < first->npoints; k++)
        fprintf(out, "%c%d", k ? ',' : '[', first->points[k].procs);
    fputs("],\"ops\":", out);
    for (int i = 0; i < r->nseries; i++) {
        fputs(i ? "," : "[", out);
        json_put_string(out, r->series[i].op);
    }
    fprintf(out, "],\"quality\":%d,\"format\":", r->quality);
    json_put_string(out, r->format);
    fputc(',', out);
    json_put_path_field(out, "tmpdir", r->tmpdir);
    fputc('}', out);
}

/* One operation at one process count. */
static void put_result(FILE *out, const struct bench_series *s, const struct bench_point *p)
{
    fputs("{\"op\":", out);
    json_put_string(out, s->op);
    fputs(",\"size\":", out);
    if (s->size[0])
        json_put_string(out, s->size);
    else
        fputs("null", out);
    fprintf(out, ",\"processes\":%d,\"seconds\":", p->procs);
    for (int i = 0; i < p->nruns; i++) {
        fputc(i ? ',' : '[', out);
        json_put_number(out, p->runs[i], 6);
    }
    fputc(']', out);
    put_number(out, "seconds_min", p->seconds_min, 6);
    put_number(out, "seconds_median", p->seconds, 6);
    put_number(out, "seconds_max", p->seconds_max, 6);
    put_number(out, "images_per_sec", p->images_per_sec, 2);
    put_number(out, "input_mb_per_sec", p->mb_per_sec, 2);
    put_number(out, "megapixels_per_sec", p->megapixels_per_sec, 2);
    put_number(out, "speedup", p->speedup, 3);
    put_number(out, "efficiency", p->efficiency, 3);
    put_number(out, "input_megapixels", s->megapixels, 3);
    fprintf(out, ",\"files\":%zu,\"failed\":%zu}", s->files, s->failed);
}

void bench_report_json(FILE *out, const struct bench_report *r)
{
    fputs("{\"imgbatch\":", out);
    json_put_string(out, r->version);
    fputs(",\n \"machine\":", out);
    bench_machine_put_json(out, r->machine);
    fputs(",\n \"libraries\":", out);
    put_libraries(out, r);
    fputs(",\n \"settings\":", out);
    put_settings(out, r);
    fputs(",\n \"results\":[", out);
    for (int i = 0, n = 0; i < r->nseries; i++) {
        for (int k = 0; k < r->series[i].npoints; k++, n++) {
            fputs(n ? ",\n  " : "\n  ", out);
            put_result(out, &r->series[i], &r->series[i].points[k]);
        }
    }
    fputs("\n ]}\n", out);
}
