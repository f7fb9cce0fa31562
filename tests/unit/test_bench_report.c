/*
 * test_bench_report: a bench's figures and how they are shown, on made-up
 * runs (no process is started): min, median and max of odd and even
 * numbers of runs in any order, the rates from the median, the speedup
 * over a first count that is not 1, the table's rows, the JSON's nulls
 * and escapes, the CSV, and the plot of 1 to 16 processes: powers of two
 * evenly apart, and every ideal and measured point inside the frame.
 */
#include "bench_plot.h"
#include "bench_report.h"
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static char *capture_text(void (*put)(FILE *, const struct bench_report *),
                          const struct bench_report *r)
{
    char *text = NULL;
    size_t len;
    FILE *out = open_memstream(&text, &len);

    put(out, r);
    fclose(out);
    return text;
}

static void test_point(void)
{
    struct bench_point p;
    const double odd[] = {0.5, 0.2, 0.4}, even[] = {0.3, 0.1, 0.4, 0.2};

    bench_point_compute(&p, 2, odd, 3, 10, 5000000, 40);
    CHECK_EQ_INT(p.procs, 2);
    CHECK(p.runs == odd && p.nruns == 3); /* kept in the order run */
    CHECK(NEAR(p.seconds_min, 0.2) && NEAR(p.seconds, 0.4) && NEAR(p.seconds_max, 0.5));
    CHECK(NEAR(odd[0], 0.5));          /* not sorted in place */
    CHECK(NEAR(p.images_per_sec, 25)); /* 10 files / 0.4 s */
    CHECK(NEAR(p.mb_per_sec, 12.5));   /* 5 MB / 0.4 s */
    CHECK(NEAR(p.megapixels_per_sec, 100));

    bench_point_compute(&p, 1, even, 4, 10, 0, 0);
    CHECK(NEAR(p.seconds, 0.25)); /* the two middle runs' mean */
    CHECK(NEAR(p.seconds_min, 0.1) && NEAR(p.seconds_max, 0.4));
    CHECK(NEAR(p.images_per_sec, 40));

    const double zero[] = {0};
    bench_point_compute(&p, 1, zero, 1, 10, 1, 1);
    CHECK(p.images_per_sec == 0 && p.mb_per_sec == 0); /* no division by zero */
}

static void test_speedup_over_the_first_count(void)
{
    struct bench_point pts[3];
    const double runs[3][1] = {{1.0}, {0.5}, {0.4}};
    const int counts[] = {2, 4, 8};
    struct bench_series s = {.op = "sepia", .size = "", .points = pts, .npoints = 3, .files = 8};

    for (int k = 0; k < 3; k++)
        bench_point_compute(&pts[k], counts[k], runs[k], 1, 8, 0, 0);
    bench_series_speedup(&s);
    /* 2 processes make 8 images/s: 4 a process, so 4 processes' 16 are 4 times one's. */
    CHECK(NEAR(pts[0].speedup, 2) && NEAR(pts[0].efficiency, 1));
    CHECK(NEAR(pts[1].speedup, 4) && NEAR(pts[1].efficiency, 1));
    CHECK(NEAR(pts[2].speedup, 5) && NEAR(pts[2].efficiency, 0.625));

    char label[64];
    bench_series_label(&s, label, sizeof(label));
    CHECK_EQ_STR(label, "sepia");
    s.op = "resize";
    s.size = "200x150";
    bench_series_label(&s, label, sizeof(label));
    CHECK_EQ_STR(label, "resize 200x150");
}

/* A made-up bench: resize and sepia on 1, 2, 4, 8 and 16 processes, 36 files, 3 runs. */
struct fixture {
    double runs[2][5][3];
    struct bench_point pts[2][5];
    struct bench_series series[2];
    struct bench_machine machine;
    struct image_library libs[2];
    struct bench_report report;
};

static void fixture_make(struct fixture *f)
{
    static const double speed[2][5] = {{1, 2, 3.9, 7, 11}, {1, 1.9, 3.5, 5, 5.2}};
    static const double one[2] = {100, 30};

    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 5; k++) {
            double median = 36 / (one[i] * speed[i][k]);
            f->runs[i][k][0] = median * 1.05; /* the slowest first: the order run is kept */
            f->runs[i][k][1] = median * 0.97;
            f->runs[i][k][2] = median;
            bench_point_compute(&f->pts[i][k], 1 << k, f->runs[i][k], 3, 36, 23441109, 137.2);
        }
        f->series[i] = (struct bench_series){.op = i ? "sepia" : "resize",
                                             .size = i ? "" : "200x150",
                                             .points = f->pts[i],
                                             .npoints = 5,
                                             .files = 36,
                                             .bytes = 23441109,
                                             .megapixels = 137.2};
        bench_series_speedup(&f->series[i]);
    }
    snprintf(f->machine.cpu_model, sizeof(f->machine.cpu_model), "Made <up> & \"quoted\"");
    f->machine.logical_cores = f->machine.physical_cores = 16;
    f->libs[0] = (struct image_library){.name = "libvips", .version = "8.14.1"};
    f->libs[1] = (struct image_library){.name = "libheif", .version = "1.15.1"};
    f->report = (struct bench_report){.version = "0.1.0",
                                      .input = "photos",
                                      .tmpdir = "/scratch",
                                      .repeat = 3,
                                      .quality = 85,
                                      .format = "auto",
                                      .machine = &f->machine,
                                      .libs = f->libs,
                                      .nlibs = 2,
                                      .series = f->series,
                                      .nseries = 2};
}

static void test_text(void)
{
    struct fixture f;

    fixture_make(&f);
    char *header = capture_text(bench_report_header, &f.report);
    CHECK(strstr(header, "bench: resize 200x150, sepia on 36 files (23.4 MB) from photos\n"));
    CHECK(strstr(header, "\nmachine: Made <up> & \"quoted\", 16 physical cores, 16 logical, "
                         "memory unknown, load unknown\n"));
    CHECK(strstr(header, "\nlibraries: libvips 8.14.1, libheif 1.15.1\n"));
    CHECK(strstr(header, "\nruns: 3 per process count, interleaved, into a scratch folder in "
                         "/scratch;"));
    free(header);

    char *table = capture_text(bench_report_table, &f.report);
    CHECK(strstr(table, "op             processes    min s median s    max s  images/s     MB/s"
                        "     MP/s  speedup  efficiency\n"));
    /* resize at 1: 0.36 s the median, 0.3492 the fastest, 0.378 the slowest */
    CHECK(strstr(table, "\nresize 200x150         1    0.349    0.360    0.378     100.0     65.1"
                        "    381.1     1.00        100%\n"));
    CHECK(strstr(table, "\nsepia                 16 "));
    free(table);
}

static void test_json(void)
{
    struct fixture f;

    fixture_make(&f);
    char *json = capture_text(bench_report_json, &f.report);
    CHECK(starts_with(json, "{\"imgbatch\":\"0.1.0\",\n \"machine\":{\"cpu_model\":\"Made <up> & "
                            "\\\"quoted\\\"\",\"physical_cores\":16,"));
    CHECK(strstr(json, "\"memory_bytes\":null,\"load_average\":null}"));
    CHECK(strstr(json, "\"libraries\":{\"libvips\":\"8.14.1\",\"libheif\":\"1.15.1\"}"));
    CHECK(strstr(json, "\"settings\":{\"input\":\"photos\",\"files\":36,\"input_bytes\":23441109,"
                       "\"repeat\":3,\"processes\":[1,2,4,8,16],\"ops\":[\"resize\",\"sepia\"],"
                       "\"quality\":85,\"format\":\"auto\",\"tmpdir\":\"/scratch\"}"));
    CHECK(strstr(json, "{\"op\":\"resize\",\"size\":\"200x150\",\"processes\":1,"
                       "\"seconds\":[0.378000,0.349200,0.360000],\"seconds_min\":0.349200,"
                       "\"seconds_median\":0.360000,\"seconds_max\":0.378000,"
                       "\"images_per_sec\":100.00,"));
    CHECK(strstr(json, "{\"op\":\"sepia\",\"size\":null,\"processes\":16,"));
    CHECK(strstr(json, "\"files\":36,\"failed\":0}\n ]}\n"));
    free(json);
}

static void test_csv(void)
{
    struct fixture f;

    fixture_make(&f);
    char *csv = capture_text(bench_csv, &f.report);
    CHECK(starts_with(csv, "op,size,processes,seconds_min,seconds_median,seconds_max,"
                           "images_per_sec,input_mb_per_sec,megapixels_per_sec,speedup,efficiency\n"
                           "resize,200x150,1,0.349200,0.360000,0.378000,100.00,65.11,381.11,1.000,"
                           "1.000\n"));
    CHECK(strstr(csv, "\nsepia,,16,"));
    int lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    CHECK_EQ_INT(lines, 11);
    free(csv);
}

/* The numbers of an attribute's value after `after` in svg, e.g. every x of the ticks. */
static int attr_values(const char *svg, const char *marker, const char *attr, double *v, int max)
{
    int n = 0;
    for (const char *p = svg; (p = strstr(p, marker)) && n < max; p++) {
        const char *a = strstr(p, attr);
        if (a)
            v[n++] = strtod(a + strlen(attr), NULL);
    }
    return n;
}

/* Every y of the points of the polylines of class cls, checked inside [top, bottom]. */
static int points_inside(const char *svg, const char *cls, double top, double bottom)
{
    int polylines = 0;
    char marker[64];

    snprintf(marker, sizeof(marker), "class=\"%s\"", cls);
    for (const char *p = svg; (p = strstr(p, marker)); p++) {
        const char *pts = strstr(p, "points=\"") + 8, *end = strchr(pts, '"');
        polylines++;
        while (pts < end) {
            char *next;
            strtod(pts, &next);                 /* x */
            double y = strtod(next + 1, &next); /* after the comma */
            CHECK(y >= top - 0.05 && y <= bottom + 0.05);
            pts = next;
        }
    }
    return polylines;
}

static void test_plot(void)
{
    struct fixture f;
    double x[8], frame_y, frame_h;

    fixture_make(&f);
    char *svg = capture_text(bench_plot_svg, &f.report);
    CHECK(!strncmp(svg, "<?xml", 5));
    CHECK(strstr(svg, "Made &lt;up&gt; &amp; \"quoted\"")); /* escaped text */
    CHECK(strstr(svg, ">processes</text>") && strstr(svg, ">images/s</text>"));

    /* 1, 2, 4, 8 and 16 ticked, each doubling the same distance across. */
    CHECK_EQ_INT(attr_values(svg, "class=\"xtick\"", "x=\"", x, 8), 5);
    for (int e = 1; e < 4; e++)
        CHECK(fabs((x[e + 1] - x[e]) - (x[1] - x[0])) < 0.2);
    CHECK(strstr(svg, "\">16</text>"));

    /* The frame; the curves and the cut ideals inside it. */
    const char *frame = strstr(svg, "fill=\"none\" stroke=\"black\"");
    CHECK(frame != NULL);
    while (frame > svg && strncmp(frame, "<rect", 5))
        frame--;
    frame_y = strtod(strstr(frame, "y=\"") + 3, NULL);
    frame_h = strtod(strstr(frame, "height=\"") + 8, NULL);
    CHECK_EQ_INT(points_inside(svg, "measured", frame_y, frame_y + frame_h), 2);
    CHECK_EQ_INT(points_inside(svg, "ideal", frame_y, frame_y + frame_h), 2);
    /* resize's ideal, 1600 images/s at 16, leaves the frame: its last point is at the top. */
    const char *ideal = strstr(svg, "class=\"ideal\"");
    const char *end = strchr(strstr(ideal, "points=\"") + 8, '"');
    const char *last = end;
    while (*last != ',')
        last--;
    CHECK(fabs(strtod(last + 1, NULL) - frame_y) < 0.1);

    /* A value label per point, the legend's entries. */
    int values = 0;
    for (const char *p = svg; (p = strstr(p, "class=\"value\"")); p++)
        values++;
    CHECK_EQ_INT(values, 10);
    CHECK(strstr(svg, ">resize 200x150</text>") && strstr(svg, ">sepia</text>"));
    free(svg);
}

int main(void)
{
    test_point();
    test_speedup_over_the_first_count();
    test_text();
    test_json();
    test_csv();
    test_plot();
    return check_summary();
}
