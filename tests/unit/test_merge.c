/*
 * test_merge: what `imgbatch report` reads and adds up.  The JSON reader
 * takes what imgbatch writes (escapes, \ufffd, numbers) and refuses, with
 * a reason and where, what is not JSON; merge tells stats files, log
 * summaries and records apart, adds the shards up, names the missing ones,
 * prefers a stats file to a log's summary of the same shard, and refuses
 * files that are not of one run.
 */
#include "check.h"

#include "json_read.h"
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parses(const char *text, struct json_value *v)
{
    char err[256];

    return json_parse(text, strlen(text), v, err, sizeof(err)) == 0;
}

/* text is refused, and the reason holds want. */
static void expect_refused(const char *text, const char *want)
{
    struct json_value v;
    char err[256] = "";

    CHECK(json_parse(text, strlen(text), &v, err, sizeof(err)) < 0);
    if (!strstr(err, want))
        fprintf(stderr, "refusing %s: \"%s\" does not hold \"%s\"\n", text, err, want);
    CHECK(strstr(err, want) != NULL);
    CHECK(v.type == JSON_NULL && v.count == 0 && !v.items && !v.string); /* left empty */
}

static void test_json_values(void)
{
    struct json_value v;

    CHECK(parses(" {\"a\":[1,-2.5e2,true,false,null,\"x\"],\"b\":{},\"c\":[]} \n", &v));
    CHECK(v.type == JSON_OBJECT && v.count == 3);
    const struct json_value *a = json_get(&v, "a");
    CHECK(a && a->type == JSON_ARRAY && a->count == 6);
    CHECK(a->items[0].number == 1 && a->items[1].number == -250);
    CHECK(a->items[2].type == JSON_TRUE && a->items[3].type == JSON_FALSE);
    CHECK(a->items[4].type == JSON_NULL);
    CHECK_EQ_STR(a->items[5].string, "x");
    CHECK(json_get(&v, "b")->type == JSON_OBJECT && json_get(&v, "c")->count == 0);
    CHECK(json_get(&v, "missing") == NULL && json_get(a, "a") == NULL);
    CHECK(json_get_number(&v, "a", 7) == 7); /* not a number: the fallback */
    CHECK(json_get_string(&v, "a") == NULL);
    json_release(&v);

    /* A key given twice: the last, as JSON.parse and Python take it. */
    CHECK(parses("{\"k\":1,\"k\":2}", &v));
    CHECK(json_get_number(&v, "k", 0) == 2);
    json_release(&v);

    /* Counts as imgbatch writes them, exact up to 2^53. */
    CHECK(parses("{\"input_bytes\":9007199254740992,\"seconds\":0.125}", &v));
    CHECK(json_get_number(&v, "input_bytes", 0) == 9007199254740992.0);
    CHECK(json_get_number(&v, "seconds", 0) == 0.125);
    json_release(&v);
}

static void test_json_strings(void)
{
    struct json_value v;

    /* What json_put_string writes: \", \\, \n, \t, \u00XX for control characters. */
    CHECK(parses("\"a\\\"b\\\\c\\nd\\te\\u0001\\/\"", &v));
    CHECK_EQ_STR(v.string, "a\"b\\c\nd\te\x01/");
    json_release(&v);
    /* UTF-8 kept as it is; \u escapes made UTF-8, a surrogate pair as one code point. */
    CHECK(parses("\"caf\xc3\xa9 \\u00e9 \\ufffd \\ud83d\\ude00\"", &v));
    CHECK_EQ_STR(v.string, "caf\xc3\xa9 \xc3\xa9 \xef\xbf\xbd \xf0\x9f\x98\x80");
    json_release(&v);
}

static void test_json_refusals(void)
{
    expect_refused("", "ends where a value should be");
    expect_refused("{\"a\":1", "expected ',' or '}'");
    expect_refused("{\"a\" 1}", "expected ':'");
    expect_refused("{a:1}", "expected a string key");
    expect_refused("[1,]", "not a JSON value");
    expect_refused("{} {}", "more after the value");
    expect_refused("\"abc", "without its closing quote");
    expect_refused("\"a\nb\"", "control character");
    expect_refused("\"\\q\"", "unknown escape");
    expect_refused("\"\\u12\"", "four hex digits");
    expect_refused("\"\\u0000\"", "NUL");
    expect_refused("\"\\udc00\"", "lone low surrogate");
    expect_refused("\"\\ud800x\"", "without its low half");
    expect_refused("\"\xff\"", "invalid UTF-8");
    expect_refused("01", "more after the value");
    expect_refused("1.", "decimal point");
    expect_refused("1e", "exponent");
    expect_refused("+1", "not a JSON value");
    expect_refused("tru", "not a JSON value");
    expect_refused("at byte", "at byte 0");

    /* Nested deeper than the limit: refused, not a stack overflow. */
    char deep[JSON_DEPTH_MAX * 2 + 8];
    memset(deep, '[', JSON_DEPTH_MAX + 1);
    memset(deep + JSON_DEPTH_MAX + 1, ']', JSON_DEPTH_MAX + 1);
    deep[2 * JSON_DEPTH_MAX + 2] = '\0';
    expect_refused(deep, "nested more than");
    /* Exactly the limit: fine. */
    char ok[JSON_DEPTH_MAX * 2 + 1];
    memset(ok, '[', JSON_DEPTH_MAX);
    memset(ok + JSON_DEPTH_MAX, ']', JSON_DEPTH_MAX);
    ok[2 * JSON_DEPTH_MAX] = '\0';
    struct json_value v;
    CHECK(parses(ok, &v));
    json_release(&v);
}

/* A stats file's object, as write_stats_file writes it (the fields merge reads). */
static char *stats(const char *shard, int exit_status, int ok, int failed, int skipped,
                   double started, double finished)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    fprintf(f,
            "{\"input\":\"in\",\"inputs\":[\"in\"],\"output\":\"out\",\"started_at\":\"x\","
            "\"finished_at\":\"y\",\"started_unix\":%.3f,\"finished_unix\":%.3f,"
            "\"exit_status\":%d,\"op\":\"resize\",\"shard\":%s,\"workers\":1,\"total\":%d,"
            "\"ok\":%d,\"failed\":%d,\"skipped\":%d,\"up_to_date\":1,\"failed_before\":0,"
            "\"not_started\":0,\"pruned\":0,\"input_bytes\":100,\"output_bytes\":50,"
            "\"seconds\":%.3f,\"images_per_sec\":1,\"megapixels_per_sec\":1,"
            "\"interrupted_by\":null,\"gave_up\":null,\"per_worker\":[{\"worker\":1,\"jobs\":1,"
            "\"busy\":0.5,\"respawns\":0}]}\n",
            started, finished, exit_status, shard, ok + failed + skipped, ok, failed, skipped,
            finished - started);
    fclose(f);
    return text;
}

static int add(struct merge *m, const char *file, char *text, char *err, size_t errlen)
{
    int ret = merge_add(m, file, text, strlen(text), err, errlen);

    free(text);
    return ret;
}

static void test_merge_shards(void)
{
    struct merge m;
    struct merge_totals t;
    char err[512] = "";

    merge_init(&m);
    /* Given out of order: the runs come back by shard. */
    CHECK(add(&m, "t3", stats("\"3/3\"", 1, 2, 1, 1, 1000, 1004), err, sizeof(err)) == 0);
    CHECK(add(&m, "t1", stats("\"1/3\"", 0, 5, 0, 0, 1001, 1003), err, sizeof(err)) == 0);
    CHECK(add(&m, "t2", stats("\"2/3\"", 0, 4, 0, 2, 999.5, 1002), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK_EQ_INT(m.nruns, 3);
    CHECK_EQ_INT(m.shard_count, 3);
    CHECK_EQ_INT(m.nmissing, 0);
    CHECK(m.runs[0].shard_index == 1 && m.runs[2].shard_index == 3);
    CHECK_EQ_STR(m.runs[2].file, "t3");
    merge_totals(&m, &t);
    CHECK(t.ok == 11 && t.failed == 1 && t.skipped == 3 && t.total == 15);
    CHECK(t.up_to_date == 3 && t.input_bytes == 300);
    /* From the first start to the last finish: the shards ran side by side. */
    CHECK(t.started_unix == 999.5 && t.finished_unix == 1004 && t.seconds == 4.5);
    CHECK_EQ_INT(t.unclean, 1);
    CHECK_EQ_INT(merge_exit_status(&m), 1); /* shard 3 ended with 1 */
    merge_release(&m);

    /* All there and all 0: 0.  One missing: 1, and named. */
    merge_init(&m);
    CHECK(add(&m, "a", stats("\"1/4\"", 0, 1, 0, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(add(&m, "b", stats("\"4/4\"", 0, 1, 0, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK_EQ_INT(m.nmissing, 2);
    CHECK(m.missing[0] == 2 && m.missing[1] == 3);
    CHECK_EQ_INT(merge_exit_status(&m), 1);
    merge_release(&m);

    merge_init(&m);
    CHECK(add(&m, "one", stats("null", 0, 3, 0, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK(m.shard_count == 0 && m.nmissing == 0);
    CHECK_EQ_INT(merge_exit_status(&m), 0);
    merge_release(&m);
}

static void test_merge_logs(void)
{
    struct merge m;
    char err[512] = "";
    /* A --json --quiet log: the failures, then the summary (no exit status in it). */
    const char *log =
        "{\"input\":\"in/a\\\"b.jpg\",\"status\":\"failed\",\"error\":\"truncated JPEG\","
        "\"worker\":1}\n"
        "{\"input\":\"in/\\ufffd.jpg\",\"input_hex\":\"696e2fff2e6a7067\",\"status\":\"failed\","
        "\"error\":\"not a JPEG\"}\n"
        "{\"input\":\"in/c.jpg\",\"output\":\"out/c.jpg\",\"status\":\"ok\",\"width\":1}\n"
        "{\"summary\":{\"op\":\"resize\",\"shard\":\"2/2\",\"workers\":1,\"total\":3,\"ok\":1,"
        "\"failed\":2,\"skipped\":0,\"seconds\":0.5}}\n";

    merge_init(&m);
    CHECK(merge_add(&m, "log2", log, strlen(log), err, sizeof(err)) == 0);
    CHECK(merge_add(&m, "empty", "", 0, err, sizeof(err)) == 0); /* quiet, nothing failed */
    CHECK(add(&m, "stats1", stats("\"1/2\"", 0, 2, 0, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK_EQ_INT(m.nruns, 2);
    CHECK_EQ_INT(m.nfailures, 2);
    CHECK_EQ_STR(m.failures[0].input, "in/a\"b.jpg");
    CHECK_EQ_STR(m.failures[0].error, "truncated JPEG");
    CHECK_EQ_STR(m.failures[1].input, "in/\xff.jpg"); /* the exact bytes, from input_hex */
    CHECK(m.runs[1].exit_status == -1 && !m.runs[1].from_stats);
    CHECK_EQ_INT(merge_exit_status(&m), 1); /* the log's shard had failures */
    merge_release(&m);

    /* The same shard's stats file and log: the stats file counts, once. */
    merge_init(&m);
    CHECK(merge_add(&m, "log2", log, strlen(log), err, sizeof(err)) == 0);
    CHECK(add(&m, "stats2", stats("\"2/2\"", 1, 1, 2, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(add(&m, "stats1", stats("\"1/2\"", 0, 2, 0, 0, 1, 2), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK_EQ_INT(m.nruns, 2);
    CHECK(m.runs[1].from_stats && m.runs[1].exit_status == 1);
    struct merge_totals t;
    merge_totals(&m, &t);
    CHECK(t.ok == 3 && t.failed == 2);
    merge_release(&m);

    /* A stats file reformatted over several lines (jq .) is read whole. */
    merge_init(&m);
    const char *pretty = "{\n  \"exit_status\": 0,\n  \"op\": \"resize\",\n  \"shard\": null,\n"
                         "  \"total\": 1,\n  \"ok\": 1,\n  \"failed\": 0,\n  \"skipped\": 0\n}\n";
    CHECK(merge_add(&m, "pretty", pretty, strlen(pretty), err, sizeof(err)) == 0);
    CHECK(merge_settle(&m, err, sizeof(err)) == 0);
    CHECK(m.nruns == 1 && m.runs[0].ok == 1 && m.runs[0].exit_status == 0);
    merge_release(&m);
}

/* The first file is added, the second refused at merge_add (or at settle), err holding want. */
static void expect_merge_refused(char *first, const char *second, const char *want)
{
    struct merge m;
    char err[512] = "";

    merge_init(&m);
    if (first)
        CHECK(add(&m, "first", first, err, sizeof(err)) == 0);
    int ret = merge_add(&m, "second", second, strlen(second), err, sizeof(err));
    if (ret == 0)
        ret = merge_settle(&m, err, sizeof(err));
    CHECK(ret < 0);
    if (!strstr(err, want))
        fprintf(stderr, "\"%s\" does not hold \"%s\"\n", err, want);
    CHECK(strstr(err, want) != NULL);
    merge_release(&m);
}

static void test_merge_refusals(void)
{
    char *s;

    /* Not ours, torn, or a line that is no object of ours: the file and line named. */
    expect_merge_refused(NULL, "{\"a\":1}\n", "second: line 1: neither a stats file");
    expect_merge_refused(NULL, "[1]\n", "second: line 1: not a JSON object");
    expect_merge_refused(NULL, "{\"summary\":{\"op\":\"resize\"}}\n", "no \"total\" count");
    expect_merge_refused(NULL, "{\"input\":\"a\",\"status\":\"failed\"}\n{\"input\":\"b\",\"st",
                         "second: line 2 is not JSON");
    expect_merge_refused(NULL, "{\"input\":\"a\",\"status\":\"failed\"}\n{\"input\":\"b\",\"st",
                         "cut short");
    expect_merge_refused(NULL, "", "no summary in the file given");
    expect_merge_refused(NULL,
                         "{\"exit_status\":0,\"op\":\"resize\",\"shard\":\"5/4\","
                         "\"total\":1,\"ok\":1,\"failed\":0,\"skipped\":0}",
                         "its \"shard\" is not K/N");
    /* Not of one run. */
    s = stats("\"1/2\"", 0, 1, 0, 0, 1, 2);
    char *other = stats("\"1/2\"", 0, 1, 0, 0, 1, 2);
    expect_merge_refused(s, other, "shard 1/2 twice: in first and in second");
    free(other);
    s = stats("\"1/2\"", 0, 1, 0, 0, 1, 2);
    other = stats("\"1/3\"", 0, 1, 0, 0, 1, 2);
    expect_merge_refused(s, other, "two splits");
    free(other);
    s = stats("null", 0, 1, 0, 0, 1, 2);
    other = stats("\"1/3\"", 0, 1, 0, 0, 1, 2);
    expect_merge_refused(s, other, "a run without --shard");
    free(other);
    s = stats("null", 0, 1, 0, 0, 1, 2);
    other = stats("null", 0, 1, 0, 0, 1, 2);
    expect_merge_refused(s, other, "two runs without --shard");
    free(other);
    s = stats("\"1/2\"", 0, 1, 0, 0, 1, 2);
    other = stats("\"2/2\"", 0, 1, 0, 0, 1, 2);
    char *p = strstr(other, "\"op\":\"resize\"");
    memcpy(p, "\"op\":\"sepia\" ", 13);
    expect_merge_refused(s, other, "of a sepia run");
    free(other);
    s = stats("\"1/2\"", 0, 1, 0, 0, 1, 2);
    other = stats("\"2/2\"", 0, 1, 0, 0, 1, 2);
    p = strstr(other, "\"output\":\"out\"");
    memcpy(p, "\"output\":\"own\"", 14);
    expect_merge_refused(s, other, "wrote into own");
    free(other);
}

int main(void)
{
    test_json_values();
    test_json_strings();
    test_json_refusals();
    test_merge_shards();
    test_merge_logs();
    test_merge_refusals();
    return check_summary();
}
