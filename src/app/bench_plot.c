/* bench_plot: SVG and CSV of a bench's table; see bench_plot.h. */
#include "bench_plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 820
#define PLOT_H 376    /* the plot area's height */
#define LEFT 86       /* room for the y labels and the axis title */
#define RIGHT 70      /* room for the last points' labels */
#define TOP 100       /* the title, the machine, the runs and the y axis title */
#define BOTTOM 60     /* below the plot area: the x labels and the axis title */
#define LEGEND_ROW 22 /* below those, the legend's rows */
#define X_PAD 0.35    /* log2 units left free at each end of the x axis: room for labels */
#define LABEL_GAP 15  /* least vertical distance between two points' labels */
#define LABELS_MAX 8  /* operations labelled in one column: bench measures at most 5 */

static const char *const colours[] = {"#1f6fb4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"};
#define COLOUR(i) colours[(i) % (int)(sizeof(colours) / sizeof(colours[0]))]

/* The plot area's scales: log2 of the processes across, images/s up from 0. */
struct frame {
    double x_lo, x_hi; /* log2 of the first and last tick */
    double top, step;  /* y range [0, top], a grid line every step */
    double w, h;       /* the plot area in pixels */
    int height;        /* the whole picture's, with the legend's rows */
    int legend_cols;   /* legend entries side by side */
    double legend_col_w;
};

static double px(const struct frame *f, double procs)
{
    return LEFT + f->w * (log2(procs) - f->x_lo + X_PAD) / (f->x_hi - f->x_lo + 2 * X_PAD);
}

static double py(const struct frame *f, double rate)
{
    return TOP + f->h * (1 - rate / f->top);
}

/* A step of 1, 2 or 5 times a power of ten that cuts [0, top] into about five. */
static double nice_step(double top)
{
    double raw = top / 5, power = pow(10, floor(log10(raw))), q = raw / power;

    return (q <= 1 ? 1 : q <= 2 ? 2 : q <= 5 ? 5 : 10) * power;
}

/* The fastest run's rate: the top of a point's bar. */
static double fastest(const struct bench_series *s, const struct bench_point *p)
{
    return p->seconds_min > 0 ? (double)s->files / p->seconds_min : p->images_per_sec;
}

static const char ideal_legend[] = "dashed: ideal, linear from the first count";

/*
 * The legend goes below the plot, where it can hide no curve: as many
 * entries side by side as fit, at about 7.5 pixels a character of 13.
 */
static void legend_layout(struct frame *f, const struct bench_report *r)
{
    size_t longest = sizeof(ideal_legend) - 1;
    char label[96];

    for (int i = 0; i < r->nseries; i++) {
        bench_series_label(&r->series[i], label, sizeof(label));
        if (strlen(label) > longest)
            longest = strlen(label);
    }
    int entries = r->nseries + 1;
    f->legend_col_w = 64 + 7.5 * (double)longest;
    f->legend_cols = (int)((WIDTH - 40) / f->legend_col_w);
    if (f->legend_cols < 1)
        f->legend_cols = 1;
    if (f->legend_cols > entries)
        f->legend_cols = entries;
    int rows = (entries + f->legend_cols - 1) / f->legend_cols;
    f->height = TOP + PLOT_H + BOTTOM + rows * LEGEND_ROW + 12;
}

/*
 * Powers of two around the counts measured across, and on the y axis the
 * measured runs only: the ideal would stretch it far above the curves.
 */
static struct frame frame_for(const struct bench_report *r)
{
    struct frame f = {.x_lo = 0, .x_hi = 1, .top = 0, .w = WIDTH - LEFT - RIGHT, .h = PLOT_H};
    int lo = 0, hi = 1;

    for (int i = 0; i < r->nseries; i++) {
        const struct bench_series *s = &r->series[i];
        for (int k = 0; k < s->npoints; k++) {
            if (fastest(s, &s->points[k]) > f.top)
                f.top = fastest(s, &s->points[k]);
            if (i == 0 && k == 0)
                lo = (int)floor(log2(s->points[k].procs));
            if ((int)ceil(log2(s->points[k].procs)) > hi)
                hi = (int)ceil(log2(s->points[k].procs));
        }
    }
    f.x_lo = lo;
    f.x_hi = hi > lo ? hi : lo + 1;
    if (f.top <= 0)
        f.top = 1;
    f.step = nice_step(f.top * 1.08);
    f.top = ceil(f.top * 1.08 / f.step) * f.step;
    legend_layout(&f, r);
    return f;
}

/* Text for an SVG element: the title is ours, but INPUT paths may hold anything. */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if (*s == '&')
            fputs("&amp;", out);
        else if ((unsigned char)*s >= ' ' || *s == '\t')
            putc(*s, out);
    }
}

/* A path for a line of the picture: its last max bytes, "..." before them if cut. */
static void put_path_tail(FILE *out, const char *path, size_t max)
{
    size_t len = strlen(path);

    if (len > max) {
        path += len - max;
        while ((*path & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
            path++;
        fputs("...", out);
    }
    put_escaped(out, path);
}

/* The document's start, the title (the operations) and below it the machine and the runs. */
static void put_head(FILE *out, const struct frame *f, const struct bench_report *r)
{
    const struct bench_machine *m = r->machine;
    const struct bench_series *first = &r->series[0];
    char label[96];

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\" "
            "font-size=\"14\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text class=\"title\" x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"18\" "
            "font-weight=\"bold\">imgbatch bench: ",
            WIDTH, f->height, WIDTH, f->height, WIDTH / 2);
    for (int i = 0; i < r->nseries; i++) {
        bench_series_label(&r->series[i], label, sizeof(label));
        fputs(i ? ", " : "", out);
        put_escaped(out, label);
    }
    fprintf(out,
            "</text>\n<text class=\"machine\" x=\"%d\" y=\"50\" text-anchor=\"middle\" "
            "font-size=\"13\" fill=\"#333\">",
            WIDTH / 2);
    put_escaped(out, m->cpu_model[0] ? m->cpu_model : "CPU model unknown");
    if (m->physical_cores && m->logical_cores)
        fprintf(out, ", %d physical cores, %d logical", m->physical_cores, m->logical_cores);
    if (m->memory_bytes)
        fprintf(out, ", %.1f GiB", (double)m->memory_bytes / (1 << 30));
    if (m->load_known)
        fprintf(out, ", load %.2f before the run", m->load[0]);
    fprintf(out,
            "</text>\n<text class=\"runs\" x=\"%d\" y=\"68\" text-anchor=\"middle\" "
            "font-size=\"13\" fill=\"#333\">%zu files (%.1f MB) from ",
            WIDTH / 2, first->files, (double)first->bytes / 1e6);
    put_path_tail(out, r->input, 32);
    fprintf(out, "; median of %d run%s, bar from the slowest to the fastest</text>\n", r->repeat,
            r->repeat == 1 ? "" : "s");
}

/* Grid lines and values up the side. */
static void put_y_axis(FILE *out, const struct frame *f)
{
    for (double v = 0; v <= f->top + f->step / 2; v += f->step)
        fprintf(out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                LEFT, py(f, v), WIDTH - RIGHT, py(f, v), LEFT - 8, py(f, v) + 5, v);
}

/* A tick below the plot at x, labelled procs; minor: a count measured between powers of two. */
static void put_x_tick(FILE *out, double x, int procs, int minor)
{
    const int bottom = TOP + PLOT_H;

    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n"
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n"
            "<text class=\"xtick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\"%s>%d</text>\n",
            x, TOP, x, bottom, minor ? "#f4f4f4" : "#e4e4e4", x, bottom, x, bottom + 5, x,
            bottom + 22, minor ? " font-size=\"12\" fill=\"#555\"" : "", procs);
}

/*
 * Powers of two evenly apart across, and each count measured between
 * them (--procs 1,3,6) where its label has room beside theirs.
 */
static void put_x_axis(FILE *out, const struct frame *f, const struct bench_series *s)
{
    for (int e = (int)f->x_lo; e <= (int)f->x_hi; e++)
        put_x_tick(out, px(f, pow(2, e)), 1 << e, 0);
    for (int k = 0; k < s->npoints; k++) {
        int procs = s->points[k].procs;
        if (!(procs & (procs - 1)))
            continue; /* a power of two: ticked above */
        double x = px(f, procs);
        double below = px(f, pow(2, floor(log2(procs)))), above = px(f, pow(2, ceil(log2(procs))));
        if (x - below >= 24 && above - x >= 24)
            put_x_tick(out, x, procs, 1);
    }
}

/* The frame and the axis titles, written level: every renderer puts them where they belong. */
static void put_frame(FILE *out, const struct frame *f)
{
    fprintf(out,
            "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
            "stroke=\"black\"/>\n"
            "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
            "font-size=\"15\">processes</text>\n"
            "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\" "
            "font-size=\"15\">images/s</text>\n",
            LEFT, TOP, f->w, f->h, LEFT + f->w / 2, TOP + PLOT_H + 46, LEFT - 8, TOP - 10);
}

/*
 * s's ideal: its first point's rate per process times the processes, at
 * each count measured and joined by straight lines as the medians are, so
 * that the two compare between the points too (the exact curve bends on
 * the log axis, and a straight measured line would cross it where nothing
 * was measured).  Cut where it leaves the top of the frame: cut here, not
 * by a clip path, which some renderers ignore.
 */
static void put_ideal(FILE *out, const struct frame *f, const struct bench_series *s,
                      const char *colour)
{
    double per_process = s->points[0].images_per_sec / s->points[0].procs;
    double x0 = 0, y0 = 0;

    if (per_process <= 0)
        return;
    fprintf(out,
            "<polyline class=\"ideal\" fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.75\" "
            "stroke-width=\"1.5\" stroke-dasharray=\"6 4\" points=\"",
            colour);
    for (int k = 0; k < s->npoints; k++) {
        double x = px(f, s->points[k].procs), y = py(f, per_process * s->points[k].procs);
        if (k > 0 && y < TOP) { /* over the top: end where the segment meets it */
            fprintf(out, " %.1f,%d", x0 + (x - x0) * (y0 - TOP) / (y0 - y), TOP);
            break;
        }
        fprintf(out, "%s%.1f,%.1f", k ? " " : "", x, y);
        x0 = x;
        y0 = y;
    }
    fputs("\"/>\n", out);
}

/* s's medians joined, each marked, with a bar from its slowest run to its fastest. */
static void put_measured(FILE *out, const struct frame *f, const struct bench_series *s,
                         const char *colour)
{
    fprintf(out,
            "<polyline class=\"measured\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
            "points=\"",
            colour);
    for (int k = 0; k < s->npoints; k++)
        fprintf(out, "%s%.1f,%.1f", k ? " " : "", px(f, s->points[k].procs),
                py(f, s->points[k].images_per_sec));
    fputs("\"/>\n", out);
    for (int k = 0; k < s->npoints; k++) {
        const struct bench_point *p = &s->points[k];
        double x = px(f, p->procs), slow = p->seconds_max > 0 ? s->files / p->seconds_max : 0;
        double lo = py(f, slow), hi = py(f, fastest(s, p));
        fprintf(out,
                "<path class=\"range\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8\" "
                "stroke=\"%s\" stroke-width=\"1.5\"/>\n"
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
                x, lo, hi, x - 4, lo, x - 4, hi, colour, x, py(f, p->images_per_sec), colour);
    }
}

struct label {
    double y; /* the baseline of its text */
    int series;
};

static int cmp_label(const void *a, const void *b)
{
    double x = ((const struct label *)a)->y, y = ((const struct label *)b)->y;
    return (x > y) - (x < y);
}

/* Labels on one side of a column: at least LABEL_GAP apart, none below the frame. */
static void spread(struct label *l, int n)
{
    const double lowest = TOP + PLOT_H - 4;

    qsort(l, (size_t)n, sizeof(*l), cmp_label);
    for (int j = 1; j < n; j++)
        if (l[j].y < l[j - 1].y + LABEL_GAP)
            l[j].y = l[j - 1].y + LABEL_GAP;
    if (n > 0 && l[n - 1].y > lowest)
        for (int j = n - 1, over = (int)ceil(l[n - 1].y - lowest); j >= 0; j--)
            l[j].y -= over;
}

static void put_label(FILE *out, const struct frame *f, const struct bench_report *r, int k,
                      const struct label *l, int left)
{
    const struct bench_point *p = &r->series[l->series].points[k];

    fprintf(out,
            "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" "
            "fill=\"%s\">%.1f</text>\n",
            px(f, p->procs) + (left ? -7 : 7), l->y, left ? "end" : "start", COLOUR(l->series),
            p->images_per_sec);
}

/*
 * Each median's value beside its point, column by column: in the first
 * column on the left, where nothing else is drawn; further on the highest
 * point's above and left (clear of a rising curve and of its bar), the
 * others below and right.  Each side's labels are pushed apart where two
 * operations' points are close, and kept inside the frame.
 */
static void put_values(FILE *out, const struct frame *f, const struct bench_report *r)
{
    struct label all[LABELS_MAX], left[LABELS_MAX], right[LABELS_MAX];

    for (int k = 0; k < r->series[0].npoints; k++) {
        int n = 0, nl = 0, nr = 0;
        for (int i = 0; i < r->nseries && n < LABELS_MAX; i++)
            all[n++] = (struct label){py(f, r->series[i].points[k].images_per_sec), i};
        qsort(all, (size_t)n, sizeof(*all), cmp_label); /* the highest point first */
        for (int j = 0; j < n; j++) {
            if (k == 0)
                left[nl++] = (struct label){all[j].y + 4, all[j].series};
            else if (j == 0)
                left[nl++] = (struct label){all[j].y - 8, all[j].series};
            else
                right[nr++] = (struct label){all[j].y + 17, all[j].series};
        }
        spread(left, nl);
        spread(right, nr);
        for (int j = 0; j < nl; j++)
            put_label(out, f, r, k, &left[j], 1);
        for (int j = 0; j < nr; j++)
            put_label(out, f, r, k, &right[j], 0);
    }
}

/* Below the plot: a sample of each curve and its operation, then the ideal's dashes. */
static void put_legend(FILE *out, const struct frame *f, const struct bench_report *r)
{
    const int entries = r->nseries + 1;
    double x0 = (WIDTH - f->legend_cols * f->legend_col_w) / 2;
    double y0 = TOP + PLOT_H + BOTTOM + 4;
    char label[96];

    for (int i = 0; i < entries; i++) {
        double x = x0 + f->legend_col_w * (i % f->legend_cols);
        double y = y0 + LEGEND_ROW * (i / f->legend_cols) + LEGEND_ROW / 2.0;
        int curve = i < r->nseries;
        fprintf(out,
                "<line class=\"legend\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-width=\"%s\"%s/>\n<text x=\"%.1f\" y=\"%.1f\" "
                "font-size=\"13\">",
                x, y, x + 30, y, curve ? COLOUR(i) : "#555", curve ? "2.5" : "1.5",
                curve ? "" : " stroke-dasharray=\"6 4\"", x + 38, y + 5);
        if (curve)
            bench_series_label(&r->series[i], label, sizeof(label));
        put_escaped(out, curve ? label : ideal_legend);
        fputs("</text>\n", out);
    }
}

void bench_plot_svg(FILE *out, const struct bench_report *r)
{
    struct frame f = frame_for(r);

    put_head(out, &f, r);
    put_y_axis(out, &f);
    if (r->nseries > 0)
        put_x_axis(out, &f, &r->series[0]);
    put_frame(out, &f);
    for (int i = 0; i < r->nseries; i++)
        if (r->series[i].npoints > 0)
            put_ideal(out, &f, &r->series[i], COLOUR(i));
    for (int i = 0; i < r->nseries; i++)
        put_measured(out, &f, &r->series[i], COLOUR(i));
    if (r->nseries > 0)
        put_values(out, &f, r);
    put_legend(out, &f, r);
    fputs("</svg>\n", out);
}

void bench_csv(FILE *out, const struct bench_report *r)
{
    fputs("op,size,processes,seconds_min,seconds_median,seconds_max,images_per_sec,"
          "input_mb_per_sec,megapixels_per_sec,speedup,efficiency\n",
          out);
    /*
     * Seconds to the microsecond: a batch of small files can take a few
     * milliseconds, and a spreadsheet recomputing images/s from a value
     * rounded to the millisecond would be off by several percent.
     */
    for (int i = 0; i < r->nseries; i++) {
        const struct bench_series *s = &r->series[i];
        for (int k = 0; k < s->npoints; k++) {
            const struct bench_point *p = &s->points[k];
            fprintf(out, "%s,%s,%d,%.6f,%.6f,%.6f,%.2f,%.2f,%.2f,%.3f,%.3f\n", s->op, s->size,
                    p->procs, p->seconds_min, p->seconds, p->seconds_max, p->images_per_sec,
                    p->mb_per_sec, p->megapixels_per_sec, p->speedup, p->efficiency);
        }
    }
}
