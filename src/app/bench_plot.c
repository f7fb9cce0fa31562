/* bench_plot: SVG and CSV of a bench's table; see bench_plot.h. */
#include "bench_plot.h"

#include <math.h>
#include <string.h>

#define WIDTH 720
#define HEIGHT 440
#define LEFT 80 /* room for the y labels */
#define RIGHT 30
#define TOP 50
#define BOTTOM 60

/* A step of 1, 2 or 5 times a power of ten that cuts [0, top] into about five. */
static double nice_step(double top)
{
    double raw = top / 5, power = pow(10, floor(log10(raw))), f = raw / power;

    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
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

void bench_plot_svg(FILE *out, const char *title, const struct bench_point *p, int n)
{
    double base = n > 0 ? p[0].images_per_sec / p[0].procs : 0; /* per process, ideally */
    int max_procs = n > 0 ? p[n - 1].procs : 1;
    double top = base * max_procs;

    for (int i = 0; i < n; i++)
        if (p[i].images_per_sec > top)
            top = p[i].images_per_sec;
    if (top <= 0)
        top = 1;
    double step = nice_step(top * 1.05);
    top = ceil(top * 1.05 / step) * step;

    const double plot_w = WIDTH - LEFT - RIGHT, plot_h = HEIGHT - TOP - BOTTOM;
#define X(procs) (LEFT + plot_w * (double)(procs) / max_procs)
#define Y(rate) (TOP + plot_h * (1 - (rate) / top))

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%d\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">",
            WIDTH, HEIGHT, WIDTH, HEIGHT, WIDTH / 2);
    put_escaped(out, title);
    fputs("</text>\n", out);

    /* Grid and y labels. */
    for (double v = 0; v <= top + step / 2; v += step) {
        fprintf(out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                LEFT, Y(v), WIDTH - RIGHT, Y(v), LEFT - 8, Y(v) + 4, v);
    }
    /* x ticks at the counts measured. */
    for (int i = 0; i < n; i++)
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                X(p[i].procs), HEIGHT - BOTTOM + 20, p[i].procs);
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">worker processes</text>\n"
            "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 18 %.1f)\">images/s</text>\n",
            LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, LEFT, TOP, LEFT,
            HEIGHT - BOTTOM, LEFT + plot_w / 2, HEIGHT - 18, TOP + plot_h / 2,
            TOP + plot_h / 2);

    /* The ideal: one process's rate, times the processes. */
    fprintf(out,
            "<line class=\"ideal\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#888\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
            X(0), Y(0), X(max_procs), Y(base * max_procs));
    /* The measured rates. */
    fputs("<polyline class=\"measured\" fill=\"none\" stroke=\"#1f6fb4\" stroke-width=\"2.5\" "
          "points=\"",
          out);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", X(p[i].procs), Y(p[i].images_per_sec));
    fputs("\"/>\n", out);
    for (int i = 0; i < n; i++)
        fprintf(out,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#1f6fb4\"/>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#1f6fb4\">%.1f</text>\n",
                X(p[i].procs), Y(p[i].images_per_sec), X(p[i].procs),
                Y(p[i].images_per_sec) - 10, p[i].images_per_sec);

    /* Legend, top left inside the plot. */
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f6fb4\" stroke-width=\"2.5\"/>\n"
            "<text x=\"%d\" y=\"%d\">measured (median)</text>\n"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"6 4\"/>\n"
            "<text x=\"%d\" y=\"%d\">ideal (1 process &#215; N)</text>\n"
            "</svg>\n",
            LEFT + 15, TOP + 15, LEFT + 45, TOP + 15, LEFT + 52, TOP + 19, LEFT + 15, TOP + 35,
            LEFT + 45, TOP + 35, LEFT + 52, TOP + 39);
#undef X
#undef Y
}

void bench_csv(FILE *out, const struct bench_point *p, int n)
{
    double base = n > 0 ? p[0].images_per_sec / p[0].procs : 0;

    fputs("processes,seconds,images_per_sec,megapixels_per_sec,speedup,efficiency\n", out);
    /*
     * Seconds to the microsecond: a batch of small files can take a few
     * milliseconds, and a spreadsheet recomputing images/s from a value
     * rounded to the millisecond would be off by several percent.
     */
    for (int i = 0; i < n; i++) {
        double speedup = base > 0 ? p[i].images_per_sec / base : 0;
        fprintf(out, "%d,%.6f,%.2f,%.2f,%.3f,%.3f\n", p[i].procs, p[i].seconds,
                p[i].images_per_sec, p[i].megapixels_per_sec, speedup, speedup / p[i].procs);
    }
}
