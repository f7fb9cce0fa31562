/*
 * test_summary_files: the pieces of the machine-readable summaries and of
 * the progress line that can go wrong quietly: Prometheus label escaping
 * (an OUTPUT path may hold quotes, backslashes, newlines, invalid UTF-8),
 * finding the previous last-success time, and the progress line's text.
 */
#include "check.h"

#include "progress.h"
#include "summary_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_label(const char *value, const char *written)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    metrics_put_label_value(f, value);
    fclose(f);
    CHECK_EQ_STR(buf, written);
    free(buf);
}

static void test_label_escaping(void)
{
    expect_label("out", "\"out\"");
    expect_label("a \"b\"\\c\nd", "\"a \\\"b\\\"\\\\c\\nd\"");
    expect_label("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    expect_label("bad\xff", "\"bad\xef\xbf\xbd\"");
    expect_label("tab\there", "\"tab\there\""); /* only \\, \" and \n are escaped */
}

static void test_find_value(void)
{
    const char *text =
        "# HELP imgbatch_last_success_timestamp_seconds When.\n"
        "# TYPE imgbatch_last_success_timestamp_seconds gauge\n"
        "imgbatch_last_success_timestamp_seconds_not{op=\"x\"} 5\n"
        "imgbatch_last_success_timestamp_seconds{op=\"resize\",output=\"a b\"} 1795000000.5\n";

    CHECK(metrics_find_value(text, "imgbatch_last_success_timestamp_seconds") == 1795000000.5);
    CHECK(metrics_find_value(text, "imgbatch_missing") == -1);
    CHECK(metrics_find_value("imgbatch_x 12\n", "imgbatch_x") == 12);
    CHECK(metrics_find_value("imgbatch_x {broken\n", "imgbatch_x") == -1);
    CHECK(metrics_find_value("", "imgbatch_x") == -1);
}

static void test_progress_text(void)
{
    struct progress p;
    char line[256];

    memset(&p, 0, sizeof(p));
    p.op = "resize";
    p.total = 2000;
    p.start_usec = 0;
    progress_format(&p, 1000000, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 0/2000 0% | 0.0 images/s | ETA --:--");

    p.done = 1234;
    p.failed = 3;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    /* 123.4 images/s, 766 left: 6.2 s, shown rounded. */
    CHECK_EQ_STR(line, "resize 1234/2000 61% | 123.4 images/s | ETA 0:06 | 3 failed");

    p.total = 1000000;
    p.done = 100;
    p.failed = 0;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 100/1000000 0% | 10.0 images/s | ETA 27:46:30");

    /* By bytes where known: the largest files first make a file count pessimistic. */
    p.total = 100;
    p.done = 10;
    p.total_bytes = 1000;
    p.done_bytes = 500; /* half the bytes in 10 s: 10 s left, not 90 */
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 10/100 10% | 1.0 images/s | ETA 0:10");

    /* A narrow terminal: the rate goes, then the ETA, and the rest is cut one column short. */
    p.failed = 2;
    p.columns = 40;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 10/100 10% | ETA 0:10 | 2 failed");
    p.columns = 30;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 10/100 10% | 2 failed");
    p.columns = 12;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 10/1");
    p.columns = 120;
    progress_format(&p, 10 * 1000000LL, line, sizeof(line));
    CHECK_EQ_STR(line, "resize 10/100 10% | 1.0 images/s | ETA 0:10 | 2 failed");
}

int main(void)
{
    test_label_escaping();
    test_find_value();
    test_progress_text();
    return check_summary();
}
