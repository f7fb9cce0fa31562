/*
 * test_cli: the command line as a user types it.
 *
 * parse_size() for every shape of --size a user may write (and the ones that
 * must be refused), and cli_parse() for the per-command defaults, the value
 * checks, the error texts (which must name the bad value), option order, and
 * repeated calls in one process (cli_parse drives getopt_long, whose hidden
 * state must not leak from one call into the next).  The lists of a
 * responsive set (--size and --format), --name, --crop and --manifest,
 * what goes with what, and the per-variant output hashes.
 */
#include "check.h"

#include "cli.h"
#include "shard.h"
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

/* argv arrays built in place: argv[0] is the program, then the arguments. */
#define ARGV(...) ((char *[]){"imgbatch", __VA_ARGS__, NULL})

static int argc_of(char **argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

static char err[512];

static int parse(char **argv, struct options *o)
{
    err[0] = '\0';
    return cli_parse(argc_of(argv), argv, o, err, sizeof(err));
}

/* The parse must fail, and its message must hold every one of the words. */
static void expect_error(char **argv, const char *word1, const char *word2, int line)
{
    struct options o;
    int r = parse(argv, &o);

    if (r != -1) {
        fprintf(stderr, "test_cli.c:%d: parse succeeded, expected an error\n", line);
        CHECK(r == -1);
        return;
    }
    CHECK(err[0] != '\0');
    if (word1 && !strstr(err, word1)) {
        fprintf(stderr, "test_cli.c:%d: error \"%s\" does not mention \"%s\"\n", line, err,
                word1);
        CHECK(strstr(err, word1) != NULL);
    }
    if (word2 && !strstr(err, word2)) {
        fprintf(stderr, "test_cli.c:%d: error \"%s\" does not mention \"%s\"\n", line, err,
                word2);
        CHECK(strstr(err, word2) != NULL);
    }
}

#define EXPECT_ERROR(argv, w1, w2) expect_error(argv, w1, w2, __LINE__)

/* parse_size(text) must give mode, width, height, percent and area. */
static void expect_size(const char *text, enum size_mode mode, int w, int h, int percent,
                        long long area, int line)
{
    struct size_request r = {.mode = SIZE_AREA, .width = -7, .height = -7, .percent = -7,
                             .area = -7};

    if (parse_size(text, &r) != 0 || r.mode != mode || r.width != w || r.height != h ||
        r.percent != percent || r.area != area) {
        fprintf(stderr, "line %d: parse_size(\"%s\") gave mode %d %dx%d %d%% %lld@\n", line, text,
                r.mode, r.width, r.height, r.percent, r.area);
        check_failed++;
    } else {
        check_passed++;
    }
}

#define EXPECT_SIZE(text, mode, w, h, pct, area) expect_size(text, mode, w, h, pct, area, __LINE__)

static void test_parse_size(void)
{
    EXPECT_SIZE("200x150", SIZE_FIT, 200, 150, 0, 0);
    EXPECT_SIZE("200X150", SIZE_FIT, 200, 150, 0, 0);
    EXPECT_SIZE("200", SIZE_FIT, 200, 0, 0, 0);
    EXPECT_SIZE("200x", SIZE_FIT, 200, 0, 0, 0); /* "1920 wide", as ImageMagick reads it */
    EXPECT_SIZE("x150", SIZE_FIT, 0, 150, 0, 0);
    /* The largest side accepted, and the smallest. */
    EXPECT_SIZE("100000x1", SIZE_FIT, 100000, 1, 0, 0);
    EXPECT_SIZE("1x1", SIZE_FIT, 1, 1, 0, 0);

    /* ImageMagick's flags after a box. */
    EXPECT_SIZE("200x150>", SIZE_SHRINK, 200, 150, 0, 0);
    EXPECT_SIZE("200>", SIZE_SHRINK, 200, 0, 0, 0);
    EXPECT_SIZE("x150>", SIZE_SHRINK, 0, 150, 0, 0);
    EXPECT_SIZE("200x150<", SIZE_ENLARGE, 200, 150, 0, 0);
    EXPECT_SIZE("200x<", SIZE_ENLARGE, 200, 0, 0, 0);
    EXPECT_SIZE("x150<", SIZE_ENLARGE, 0, 150, 0, 0);
    EXPECT_SIZE("200x150^", SIZE_COVER, 200, 150, 0, 0);
    EXPECT_SIZE("200x150!", SIZE_EXACT, 200, 150, 0, 0);
    EXPECT_SIZE("1x100000!", SIZE_EXACT, 1, 100000, 0, 0);

    /* Percent and area. */
    EXPECT_SIZE("50%", SIZE_PERCENT, 0, 0, 50, 0);
    EXPECT_SIZE("1%", SIZE_PERCENT, 0, 0, 1, 0);
    EXPECT_SIZE("10000%", SIZE_PERCENT, 0, 0, 10000, 0);
    EXPECT_SIZE("100000%", SIZE_PERCENT, 0, 0, 100000, 0);
    EXPECT_SIZE("1000000@", SIZE_AREA, 0, 0, 0, 1000000);
    EXPECT_SIZE("1@", SIZE_AREA, 0, 0, 0, 1);
    EXPECT_SIZE("999999999999@", SIZE_AREA, 0, 0, 0, 999999999999LL);

    static const char *bad[] = {
        "0x5", "-1x5", "abcx5", "x", "", "1000000x1", " 200x150", "200x150 ", "100001",
        "5x0", "200x150x3", "2e2x150", "+200x150", "200xx150", "0", "200y3",
        /* flags: one, last, after a box; ^ and ! need both sides */
        "200x150>>", ">", "x>", ">200x150", "200>x150", "200x150<>", "200^", "x150^", "200x^",
        "200!", "x150!", "200x150?", "200x150#",
        /* percent and area: a positive whole number alone */
        "%", "0%", "-5%", "50.5%", "50%x50%", "50x50%", "100001%", "%50", "50%%", "@", "0@",
        "1e6@", "1000x1000@", "1000000000000@", "50%@", "50@%",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct size_request r = {.mode = SIZE_AREA, .width = -7, .height = -7};
        int rc = parse_size(bad[i], &r);
        if (rc != -1)
            fprintf(stderr, "parse_size(\"%s\") accepted a malformed size\n", bad[i]);
        CHECK_EQ_INT(rc, -1);
        /* A refused size leaves the caller's values alone. */
        CHECK_EQ_INT(r.mode, SIZE_AREA);
        CHECK_EQ_INT(r.width, -7);
        CHECK_EQ_INT(r.height, -7);
    }
}

/* size_text writes --size back, a free side as 0: a plain box is "WxH", as the state hash had it. */
static void test_size_text(void)
{
    static const struct {
        const char *typed, *text;
    } cases[] = {
        {"200x150", "200x150"},   {"200", "200x0"},         {"200x", "200x0"},
        {"x150", "0x150"},        {"200x150>", "200x150>"}, {"200<", "200x0<"},
        {"200x150^", "200x150^"}, {"200x150!", "200x150!"}, {"50%", "50%"},
        {"1000000@", "1000000@"},
    };
    char buf[48];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct size_request r = {0};
        CHECK_EQ_INT(parse_size(cases[i].typed, &r), 0);
        size_text(&r, buf, sizeof(buf));
        CHECK_EQ_STR(buf, cases[i].text);
    }
}

/* --incremental redoes files when the mode changes, and keeps a plain box's state as it was. */
static void test_size_in_output_hash(void)
{
    struct options o;
    static const char *sizes[] = {"200x150!", "200x150^", "200x150<", "50%", "25%", "30000@"};
    uint64_t seen[sizeof(sizes) / sizeof(sizes[0])];

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "200x150"), &o), 0);
    uint64_t plain = cli_output_hash(&o);
    /* The text hashed before --size had modes: a state file written then still matches. */
    CHECK(plain == fnv1a64("op=resize size=200x150 quality=85 format=auto rotate=1 metadata=0 "
                           "fail-on=error suffix="));
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "200"), &o), 0);
    CHECK(cli_output_hash(&o) == fnv1a64("op=resize size=200x0 quality=85 format=auto rotate=1 "
                                         "metadata=0 fail-on=error suffix="));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", (char *)sizes[i]), &o), 0);
        seen[i] = cli_output_hash(&o);
        CHECK(seen[i] != plain);
        for (size_t j = 0; j < i; j++)
            CHECK(seen[i] != seen[j]);
    }
}

/* --keep's list, and what it does to the output hash. */
static void test_keep(void)
{
    struct options o;
    unsigned keep = 99;
    char text[64];

    CHECK_EQ_INT(parse_keep("exif", &keep), 0);
    CHECK_EQ_INT(keep, KEEP_EXIF);
    CHECK_EQ_INT(parse_keep("icc,EXIF,gps", &keep), 0);
    CHECK_EQ_INT(keep, KEEP_ICC | KEEP_EXIF | KEEP_GPS);
    CHECK_EQ_INT(parse_keep("all", &keep), 0);
    CHECK_EQ_INT(keep, KEEP_ALL);
    CHECK_EQ_INT(parse_keep("none", &keep), 0);
    CHECK_EQ_INT(keep, 0);
    CHECK_EQ_INT(parse_keep("xmp,xmp", &keep), 0);
    CHECK_EQ_INT(keep, KEEP_XMP);
    keep = 7;
    static const char *bad[] = {"", "exif,", ",exif", "exif,,xmp", "location", "exif;xmp",
                                "all,exif", "exifx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(parse_keep(bad[i], &keep), -1);
    CHECK_EQ_INT(keep, 7);

    keep_text(KEEP_GPS | KEEP_EXIF | KEEP_ICC, text, sizeof(text));
    CHECK_EQ_STR(text, "exif,gps,icc");
    keep_text(KEEP_ALL, text, sizeof(text));
    CHECK_EQ_STR(text, "all");
    keep_text(0, text, sizeof(text));
    CHECK_EQ_STR(text, "none");

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--keep", "gps,exif"), &o), 0);
    CHECK_EQ_INT(o.keep_metadata, KEEP_EXIF | KEEP_GPS);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--keep", "exif,location"), "--keep", "'exif,location'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--keep"), "needs a value", NULL);

    /* --keep-metadata is --keep exif,xmp, and hashes as it always did ("metadata=1"). */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--keep-metadata"), &o), 0);
    uint64_t old = cli_output_hash(&o);
    CHECK(old == fnv1a64("op=resize size=800x600 quality=85 format=auto rotate=1 metadata=1 "
                         "fail-on=error suffix="));
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--keep", "xmp,exif"), &o), 0);
    CHECK(cli_output_hash(&o) == old);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--keep", "exif,gps"), &o), 0);
    CHECK(cli_output_hash(&o) != old);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--keep", "none"), &o), 0);
    CHECK(cli_output_hash(&o) == fnv1a64("op=resize size=800x600 quality=85 format=auto "
                                         "rotate=1 metadata=0 fail-on=error suffix="));
}

/* Every form of --size reaches struct options; the wrong ones are refused in words. */
static void test_size_modes(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "1500x1500^"), &o), 0);
    CHECK_EQ_INT(o.size.mode, SIZE_COVER);
    CHECK_EQ_INT(o.size.width, 1500);
    CHECK_EQ_INT(o.size.height, 1500);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "50%"), &o), 0);
    CHECK_EQ_INT(o.size.mode, SIZE_PERCENT);
    CHECK_EQ_INT(o.size.percent, 50);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "1920x"), &o), 0);
    CHECK_EQ_INT(o.size.mode, SIZE_FIT);
    CHECK_EQ_INT(o.size.width, 1920);
    CHECK_EQ_INT(o.size.height, 0);
    /* A percentage above --max-pixels depends on the file: refused per file, not here. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "10000%"), &o), 0);

    /* thumbnail always covers: ^ is its plain box, the other modes mean nothing there. */
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "64x48^"), &o), 0);
    CHECK_EQ_INT(o.size.mode, SIZE_FIT);
    CHECK_EQ_INT(o.size.width, 64);
    CHECK_EQ_INT(o.size.height, 48);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "64x"), &o), 0);
    CHECK_EQ_INT(o.size.width, 64);
    CHECK_EQ_INT(o.size.height, 64);
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--size", "64x48!"), "64x48!", "thumbnail");
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--size", "50%"), "50%", "WxH^");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "thumbnail", "--size", "50@"), "50@", "thumbnail");

    /* A malformed size names every accepted form. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "200y3"), "--size '200y3': not a size",
                 "(W, Wx, xH, WxH, WxH>, WxH<, WxH^, WxH!, N%, N@; sides from 1 to 100000)");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "200^"), "'200^'", "WxH^");

    /* What every file would become, above --max-pixels: refused before any work. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "20000x10001!"), "20000x10001!",
                 "above --max-pixels 200");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "20000x10000!"), &o), 0);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "250000000@"), "250000000@",
                 "250-megapixel");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "200000000@"), &o), 0);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "200000001@"), "200000001@", NULL);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "100000x100000!", "--max-pixels", "0"),
                       &o), 0);
}

/* The robustness options: --fail-on levels, --max-memory in MB, --max-pixels in MP. */
static void test_limits(void)
{
    struct options o;
    static const char *levels[] = {"none", "truncated", "error", "warning"};

    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(parse(ARGV("sepia", "in", "out", "--fail-on", (char *)levels[i]), &o), 0);
        CHECK_EQ_INT(o.fail_on, FAIL_ON_NONE + i);
        CHECK_EQ_STR(fail_on_name(o.fail_on), levels[i]);
    }
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--timeout", "0"), &o), 0);
    CHECK(o.timeout_s == 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--timeout", "2.5"), &o), 0);
    CHECK(o.timeout_s == 2.5);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--max-memory", "256"), &o), 0);
    CHECK_EQ_INT(o.max_memory_mb, 256);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--max-memory", "0"), &o), 0);
    CHECK_EQ_INT(o.max_memory_mb, 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--max-pixels", "0"), &o), 0);
    CHECK(o.max_megapixels == 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--max-pixels", "300"), &o), 0);
    CHECK(o.max_megapixels == 300);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--max-pixels", "0.5"), &o), 0);
    CHECK(o.max_megapixels == 0.5);
}

static void test_defaults(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.op, OP_RESIZE);
    CHECK_EQ_STR(o.input, "in");
    CHECK_EQ_STR(o.output, "out");
    CHECK_EQ_INT(o.size.width, 800);
    CHECK_EQ_INT(o.size.height, 600);
    CHECK_EQ_INT(o.quality, 85);
    CHECK_EQ_INT(o.jobs, 0);
    CHECK_EQ_INT(o.format, FMT_AUTO);
    CHECK_EQ_INT(o.recursive, 0);
    CHECK_EQ_INT(o.quiet, 0);
    CHECK_EQ_INT(o.json, 0);
    CHECK_EQ_STR(o.suffix, "");
    CHECK_EQ_INT(o.help, 0);
    CHECK_EQ_INT(o.version, 0);
    CHECK(o.max_megapixels == DEFAULT_MAX_MEGAPIXELS);
    CHECK_EQ_INT(o.max_memory_mb, 0);
    CHECK_EQ_INT(o.fail_on, FAIL_ON_ERROR);
    CHECK(o.timeout_s == DEFAULT_TIMEOUT_S);

    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.op, OP_THUMBNAIL);
    CHECK_EQ_INT(o.size.width, 150);
    CHECK_EQ_INT(o.size.height, 150);
    CHECK_EQ_INT(o.quality, 85);
    CHECK_EQ_INT(o.jobs, 0);
    CHECK_EQ_INT(o.format, FMT_AUTO);

    CHECK_EQ_INT(parse(ARGV("grayscale", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.op, OP_GRAYSCALE);
    CHECK_EQ_INT(o.quality, 85);
    CHECK_EQ_INT(o.format, FMT_AUTO);

    CHECK_EQ_INT(parse(ARGV("sepia", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.op, OP_SEPIA);

    CHECK_EQ_INT(parse(ARGV("convert", "in", "out.webp"), &o), 0);
    CHECK_EQ_INT(o.op, OP_CONVERT);
    CHECK_EQ_STR(op_name(o.op), "convert");

    /* As cp: every operand but the last is an INPUT, wherever the options stand. */
    /* o points into argv: a named array, not a compound literal that ends with the statement. */
    char *several[] = {"imgbatch", "resize", "a.jpg", "-s", "10x10", "b.jpg", "photos", "out/", NULL};
    CHECK_EQ_INT(parse(several, &o), 0);
    CHECK_EQ_INT(o.ninputs, 3);
    CHECK_EQ_STR(o.inputs[0], "a.jpg");
    CHECK_EQ_STR(o.inputs[1], "b.jpg");
    CHECK_EQ_STR(o.inputs[2], "photos");
    CHECK_EQ_STR(o.input, "a.jpg");
    CHECK_EQ_STR(o.output, "out/");
    CHECK_EQ_STR(o.output_dir, "out/");
    CHECK(o.output_name == NULL);

    CHECK_EQ_INT(parse(ARGV("bench", "photos"), &o), 0);
    CHECK_EQ_INT(o.op, OP_BENCH);
    CHECK_EQ_STR(o.input, "photos");
    CHECK(o.output == NULL);
    CHECK_EQ_INT(o.bench_op, OP_RESIZE);
    CHECK_EQ_INT(o.size.width, 800);
    CHECK_EQ_INT(o.size.height, 600);

    CHECK_EQ_STR(op_name(OP_RESIZE), "resize");
    CHECK_EQ_STR(op_name(OP_THUMBNAIL), "thumbnail");
    CHECK_EQ_STR(format_name(FMT_AUTO), "auto");
    CHECK_EQ_STR(format_name(FMT_TIFF), "tiff");
    CHECK_EQ_STR(format_name(FMT_GIF), "gif");
}

static void test_values(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "200x150"), &o), 0);
    CHECK_EQ_INT(o.size.width, 200);
    CHECK_EQ_INT(o.size.height, 150);

    /* resize with one side: the other stays free. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "200"), &o), 0);
    CHECK_EQ_INT(o.size.width, 200);
    CHECK_EQ_INT(o.size.height, 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size=x90"), &o), 0);
    CHECK_EQ_INT(o.size.width, 0);
    CHECK_EQ_INT(o.size.height, 90);

    /* A thumbnail box needs both sides: one side given means a square. */
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "200"), &o), 0);
    CHECK_EQ_INT(o.size.width, 200);
    CHECK_EQ_INT(o.size.height, 200);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "x90"), &o), 0);
    CHECK_EQ_INT(o.size.width, 90);
    CHECK_EQ_INT(o.size.height, 90);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "64x48"), &o), 0);
    CHECK_EQ_INT(o.size.width, 64);
    CHECK_EQ_INT(o.size.height, 48);

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-j", "1", "-q", "1"), &o), 0);
    CHECK_EQ_INT(o.jobs, 1);
    CHECK_EQ_INT(o.quality, 1);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--jobs", "256", "--quality=100"), &o), 0);
    CHECK_EQ_INT(o.jobs, 256);
    CHECK_EQ_INT(o.quality, 100);

    static const struct {
        const char *name;
        enum out_format f;
    } formats[] = {{"auto", FMT_AUTO}, {"jpeg", FMT_JPEG}, {"jpg", FMT_JPEG},
                   {"png", FMT_PNG},   {"webp", FMT_WEBP}, {"tiff", FMT_TIFF},
                   {"tif", FMT_TIFF},  {"PNG", FMT_PNG},   {"gif", FMT_GIF},
                   {"GIF", FMT_GIF}};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        char *argv[] = {"imgbatch", "resize", "in", "out", "-f", (char *)formats[i].name, NULL};
        CHECK_EQ_INT(parse(argv, &o), 0);
        CHECK_EQ_INT(o.format, formats[i].f);
    }

    CHECK_EQ_INT(parse(ARGV("sepia", "in", "out", "-r", "--suffix", "_processed", "--quiet",
                            "--json", "--no-rotate", "--keep-metadata"),
                       &o),
                 0);
    CHECK_EQ_INT(o.recursive, 1);
    CHECK_EQ_STR(o.suffix, "_processed");
    CHECK_EQ_INT(o.quiet, 1);
    CHECK_EQ_INT(o.json, 1);
    CHECK_EQ_INT(o.no_rotate, 1);
    CHECK_EQ_INT(o.keep_metadata, KEEP_EXIF | KEEP_XMP);

    /* greyscale is accepted as a spelling of grayscale. */
    CHECK_EQ_INT(parse(ARGV("greyscale", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.op, OP_GRAYSCALE);

    /* bench takes only INPUT, and its own options. */
    CHECK_EQ_INT(parse(ARGV("bench", "photos", "--op", "thumbnail", "-j", "4", "--repeat", "5"),
                       &o),
                 0);
    CHECK_EQ_INT(o.bench_op, OP_THUMBNAIL);
    CHECK_EQ_INT(o.size.width, 150);
    CHECK_EQ_INT(o.size.height, 150);
    CHECK_EQ_INT(o.jobs, 4);
    CHECK_EQ_INT(o.repeat, 5);
}

static void test_order(void)
{
    struct options o;

    /* Options after the positionals. */
    CHECK_EQ_INT(parse(ARGV("resize", "photos", "out", "-j", "4", "--size", "10x20"), &o), 0);
    CHECK_EQ_STR(o.input, "photos");
    CHECK_EQ_STR(o.output, "out");
    CHECK_EQ_INT(o.jobs, 4);
    CHECK_EQ_INT(o.size.width, 10);
    CHECK_EQ_INT(o.size.height, 20);

    /* Before them, and between them. */
    CHECK_EQ_INT(parse(ARGV("resize", "-j", "3", "photos", "out"), &o), 0);
    CHECK_EQ_STR(o.input, "photos");
    CHECK_EQ_STR(o.output, "out");
    CHECK_EQ_INT(o.jobs, 3);
    CHECK_EQ_INT(parse(ARGV("resize", "photos", "-q", "50", "out", "-r"), &o), 0);
    CHECK_EQ_STR(o.input, "photos");
    CHECK_EQ_STR(o.output, "out");
    CHECK_EQ_INT(o.quality, 50);
    CHECK_EQ_INT(o.recursive, 1);

    /* Short options clustered, value attached. */
    CHECK_EQ_INT(parse(ARGV("resize", "photos", "out", "-rj2"), &o), 0);
    CHECK_EQ_INT(o.recursive, 1);
    CHECK_EQ_INT(o.jobs, 2);

    /* "--" ends the options: a file name may start with a dash. */
    CHECK_EQ_INT(parse(ARGV("resize", "-j", "2", "--", "-photos", "-out"), &o), 0);
    CHECK_EQ_STR(o.input, "-photos");
    CHECK_EQ_STR(o.output, "-out");
    CHECK_EQ_INT(o.jobs, 2);

    /* The last --size wins. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-s", "10x10", "-s", "30x40"), &o), 0);
    CHECK_EQ_INT(o.size.width, 30);
    CHECK_EQ_INT(o.size.height, 40);
}

static void test_help_version(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("--help"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(parse(ARGV("-h"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(parse(ARGV("--version"), &o), 0);
    CHECK_EQ_INT(o.version, 1);
    CHECK_EQ_INT(o.help, 0);
    CHECK_EQ_INT(parse(ARGV("-V"), &o), 0);
    CHECK_EQ_INT(o.version, 1);

    /* After a command, with or without the positionals. */
    CHECK_EQ_INT(parse(ARGV("resize", "--help"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--help"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "--version"), &o), 0);
    CHECK_EQ_INT(o.version, 1);
    CHECK_EQ_INT(parse(ARGV("bench", "-h"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(parse(ARGV("sepia", "a", "b", "c", "-V"), &o), 0);
    CHECK_EQ_INT(o.version, 1);

    /* The help text goes to the stream given, and documents every command. */
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        cli_usage(f);
        CHECK(ftell(f) > 100);
        char text[4096] = "";
        rewind(f);
        size_t got = fread(text, 1, sizeof(text) - 1, f);
        text[got] = '\0';
        CHECK(strstr(text, "resize") && strstr(text, "grayscale") && strstr(text, "sepia") &&
              strstr(text, "thumbnail") && strstr(text, "bench") && strstr(text, "--suffix"));
        fclose(f);
    }
}

static void test_errors(void)
{
    char *none[] = {"imgbatch", NULL};
    EXPECT_ERROR(none, "command", NULL);

    EXPECT_ERROR(ARGV("blur", "in", "out"), "unknown command", "blur");
    EXPECT_ERROR(ARGV("in", "out"), "unknown command", "'in'");
    EXPECT_ERROR(ARGV("resize", "in"), "OUTPUT", NULL);
    EXPECT_ERROR(ARGV("resize"), "INPUT", NULL);
    EXPECT_ERROR(ARGV("bench"), "INPUT", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "out"), "unexpected argument", "out");
    EXPECT_ERROR(ARGV("resize", "a.jpg", "", "out"), "empty", NULL);
    EXPECT_ERROR(ARGV("resize", "a", "b", "out", "--files-from", "list"), "--files-from", "one");
    EXPECT_ERROR(ARGV("convert", "in", "out", "-s", "10x10"), "--size does not apply", "resize");
    EXPECT_ERROR(ARGV("resize", "", "out"), "empty", NULL);

    EXPECT_ERROR(ARGV("resize", "in", "out", "-j", "0"), "--jobs", "'0'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-j", "257"), "--jobs", "'257'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--jobs", "abc"), "--jobs", "'abc'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-j", "4x"), "--jobs", "'4x'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-j", "-2"), "--jobs", "'-2'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--quality", "0"), "--quality", "'0'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--quality", "101"), "--quality", "'101'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-q", ""), "--quality", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--format", "bmp"), "--format", "'bmp'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "0x5"), "--size", "'0x5'");
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "-s", "big"), "--size", "'big'");

    /* grayscale and sepia keep the full size: a --size is a mistake. */
    EXPECT_ERROR(ARGV("grayscale", "in", "out", "--size", "200x150"), "--size", "grayscale");
    EXPECT_ERROR(ARGV("sepia", "in", "out", "-s", "200"), "--size", "sepia");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "sepia", "--size", "200"), "--size", "sepia");

    EXPECT_ERROR(ARGV("resize", "in", "out", "--bogus"), "unknown option", "--bogus");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-z"), "unknown option", "-z");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--json=yes"), "--json", NULL);

    EXPECT_ERROR(ARGV("resize", "in", "out", "--size"), "needs a value", "--size");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-j"), "needs a value", "-j");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--suffix"), "needs a value", "--suffix");

    EXPECT_ERROR(ARGV("resize", "in", "out", "--suffix", "a/b"), "--suffix", "/");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--op", "sepia"), "--op", "bench");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--repeat", "5"), "--repeat", "bench");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "blur"), "--op", "'blur'");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "bench"), "--op", "'bench'");
    EXPECT_ERROR(ARGV("bench", "in", "--repeat", "0"), "--repeat", "'0'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--timeout", "0.0001"), "--timeout", "'0.0001'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--fail-on", "sometimes"), "--fail-on", "'sometimes'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--fail-on", ""), "--fail-on", "''");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--max-memory", "16"), "--max-memory", "'16'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--max-memory", "-1"), "--max-memory", "'-1'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--max-memory", "1e3"), "--max-memory", "'1e3'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--max-memory", "99999999999"), "--max-memory",
                 NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--max-pixels", "-5"), "--max-pixels", "'-5'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--timeout", "-1"), "--timeout", "'-1'");
}

/*
 * An unknown short option inside a cluster ("-xr") must name the option,
 * not whatever argument happened to come before it.
 */
static void test_error_names_clustered_option(void)
{
    EXPECT_ERROR(ARGV("resize", "in", "out", "-xr"), "unknown option", "-x");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-rx"), "unknown option", "x");
}

/*
 * --op and --repeat mean something only to bench; the message says so.
 * Giving them their default value outside bench is the same mistake.
 */
static void test_bench_options_outside_bench(void)
{
    EXPECT_ERROR(ARGV("resize", "in", "out", "--op", "resize"), "--op", "bench");
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--repeat", "3"), "--repeat", "bench");
}

static void test_bench_procs(void)
{
    struct options o;
    int procs[BENCH_PROCS_MAX];

    CHECK_EQ_INT(parse_procs("1,2,4,8,16", procs), 5);
    CHECK_EQ_INT(procs[4], 16);
    CHECK_EQ_INT(parse_procs("8,1,4,1", procs), 3); /* sorted, each once */
    CHECK(procs[0] == 1 && procs[1] == 4 && procs[2] == 8);
    CHECK_EQ_INT(parse_procs("3", procs), 1);
    CHECK_EQ_INT(parse_procs("0", procs), -1);
    CHECK_EQ_INT(parse_procs("1,,2", procs), -1);
    CHECK_EQ_INT(parse_procs("1,2,", procs), -1);
    CHECK_EQ_INT(parse_procs("", procs), -1);
    CHECK_EQ_INT(parse_procs("257", procs), -1);
    CHECK_EQ_INT(parse_procs("1,x", procs), -1);
    CHECK_EQ_INT(parse_procs("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
                             "27,28,29,30,31,32",
                             procs),
                 32);
    CHECK_EQ_INT(parse_procs("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
                             "27,28,29,30,31,32,33",
                             procs),
                 -1);

    CHECK_EQ_INT(parse(ARGV("bench", "in", "--procs", "1,2", "--csv", "t.csv", "--plot", "p.svg"),
                       &o),
                 0);
    CHECK_EQ_INT(o.nprocs, 2);
    CHECK_EQ_STR(o.csv_file, "t.csv");
    CHECK_EQ_STR(o.plot_file, "p.svg");
    EXPECT_ERROR(ARGV("bench", "in", "--plot", "p.png"), "--plot", ".svg");
    EXPECT_ERROR(ARGV("bench", "in", "--procs", "0,2"), "--procs", "0,2");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--csv", "t.csv"), "--csv", "bench");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--procs", "1"), "--procs", "bench");
}

/*
 * bench's --op list: several operations in the order given, each once,
 * each with its own box: --size for those that take one, their default
 * otherwise, nothing for those that keep the full size.
 */
static void test_bench_ops(void)
{
    struct options o;
    enum op ops[BENCH_OPS_MAX];
    char bad[64];

    CHECK_EQ_INT(parse_ops("thumbnail,resize,thumbnail", ops, bad, sizeof(bad)), 2);
    CHECK(ops[0] == OP_THUMBNAIL && ops[1] == OP_RESIZE);
    CHECK_EQ_INT(
        parse_ops("resize,grayscale,sepia,thumbnail,convert,greyscale", ops, bad, sizeof(bad)), 5);
    CHECK_EQ_INT(parse_ops("resize,blur", ops, bad, sizeof(bad)), -1);
    CHECK_EQ_STR(bad, "blur");
    CHECK_EQ_INT(parse_ops("resize,,sepia", ops, bad, sizeof(bad)), -1);
    CHECK_EQ_STR(bad, "");
    CHECK_EQ_INT(parse_ops("resize,", ops, bad, sizeof(bad)), -1);
    CHECK_EQ_INT(parse_ops("bench", ops, bad, sizeof(bad)), -1);
    CHECK_EQ_STR(bad, "bench");
    CHECK_EQ_INT(parse_ops("resizeresizeresize", ops, bad, sizeof(bad)), -1);
    CHECK_EQ_STR(bad, "resizeresizeresize");

    /* Defaults: resize alone at 800x600. */
    CHECK_EQ_INT(parse(ARGV("bench", "in"), &o), 0);
    CHECK_EQ_INT(o.nbench_ops, 1);
    CHECK_EQ_INT(o.bench_ops[0], OP_RESIZE);
    CHECK_EQ_INT(o.bench_sizes[0].width, 800);

    /* Each its default box, and size is the first's. */
    CHECK_EQ_INT(parse(ARGV("bench", "in", "--op", "thumbnail,resize,sepia"), &o), 0);
    CHECK_EQ_INT(o.nbench_ops, 3);
    CHECK_EQ_INT(o.bench_op, OP_THUMBNAIL);
    CHECK(o.bench_sizes[0].width == 150 && o.bench_sizes[0].height == 150);
    CHECK(o.bench_sizes[1].width == 800 && o.bench_sizes[1].height == 600);
    CHECK(o.bench_sizes[2].width == 0 && o.bench_sizes[2].height == 0);
    CHECK(o.size.width == 150 && o.size.height == 150);

    /* --size for those that take one; a thumbnail's one side makes a square. */
    CHECK_EQ_INT(parse(ARGV("bench", "in", "--op", "grayscale,resize,thumbnail", "-s", "200"), &o),
                 0);
    CHECK(o.bench_sizes[0].width == 0 && o.bench_sizes[0].height == 0);
    CHECK(o.bench_sizes[1].width == 200 && o.bench_sizes[1].height == 0);
    CHECK(o.bench_sizes[2].width == 200 && o.bench_sizes[2].height == 200);
    CHECK(o.size.width == 0 && o.size.height == 0); /* the first, grayscale, has none */

    /* The checks of each operation's box still apply. */
    EXPECT_ERROR(ARGV("bench", "in", "--op", "resize,thumbnail", "--size", "50%"), "50%",
                 "thumbnail");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "grayscale,sepia", "--size", "200"),
                 "--size does not apply to grayscale or sepia", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "--op", "resize,blur"), "--op", "'blur'");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "resize,thumbnial"), "'thumbnial'",
                 "did you mean 'thumbnail'?");
    EXPECT_ERROR(ARGV("bench", "in", "--op", ""), "--op", "''");
    EXPECT_ERROR(ARGV("bench", "in", "--op", "resize,"), "--op", "''");
}

static void test_unattended_options(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.incremental, 0);
    CHECK_EQ_INT(o.progress, PROGRESS_AUTO);
    CHECK(o.stats_file == NULL && o.metrics_file == NULL && o.files_from == NULL);
    CHECK_EQ_INT(o.shard_count, 0);

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--incremental", "--wait", "--stats-file",
                            "s.json", "--metrics-file", "m.prom", "--no-progress", "-n",
                            "--files-from", "-", "-0", "--shard", "3/8"),
                       &o),
                 0);
    CHECK_EQ_INT(o.incremental, 1);
    CHECK_EQ_INT(o.wait_for_lock, 1);
    CHECK_EQ_STR(o.stats_file, "s.json");
    CHECK_EQ_STR(o.metrics_file, "m.prom");
    CHECK_EQ_INT(o.progress, PROGRESS_OFF);
    CHECK_EQ_INT(o.dry_run, 1);
    CHECK_EQ_STR(o.files_from, "-");
    CHECK_EQ_INT(o.null_separated, 1);
    CHECK_EQ_INT(o.shard_index, 3);
    CHECK_EQ_INT(o.shard_count, 8);

    CHECK_EQ_INT(parse(ARGV("sepia", "in", "out", "--no-progress", "--progress", "--dry-run"), &o), 0);
    CHECK_EQ_INT(o.progress, PROGRESS_ON); /* the last one wins */
    CHECK_EQ_INT(o.dry_run, 1);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--shard", "1/1"), &o), 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--shard", "1000000/1000000"), &o), 0);

    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "0/4"), "--shard", "0/4");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "5/4"), "--shard", "5/4");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "3"), "--shard", "K/N");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "a/b"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "1/0"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "-1/2"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "1/2/3"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", " 1/2"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "+1/2"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", ""), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--shard", "1/1000001"), "--shard", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "-0"), "--null", "--files-from");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--stats-file", ""), "--stats-file", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--files-from", ""), "--files-from", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--stats-file"), "--stats-file", "needs a value");
    EXPECT_ERROR(ARGV("bench", "in", "--incremental"), "--incremental", "bench");
    EXPECT_ERROR(ARGV("bench", "in", "--shard", "1/2"), "--shard", "bench");
    EXPECT_ERROR(ARGV("bench", "in", "-n"), "--dry-run", "bench");
    EXPECT_ERROR(ARGV("bench", "in", "--progress"), "--progress", "bench");
}

/* --wait takes its limit only joined: "--wait 30" is --wait and an operand. */
static void test_wait_limit(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--wait"), &o), 0);
    CHECK_EQ_INT(o.wait_for_lock, 1);
    CHECK(o.wait_limit_s == 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--wait=30"), &o), 0);
    CHECK_EQ_INT(o.wait_for_lock, 1);
    CHECK(o.wait_limit_s == 30);
    CHECK_EQ_INT(parse(ARGV("resize", "--wait=0.5", "in", "out"), &o), 0);
    CHECK(o.wait_limit_s == 0.5);
    CHECK_EQ_STR(o.input, "in");
    /* The last one wins, a limit or none. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--wait=30", "--wait"), &o), 0);
    CHECK(o.wait_limit_s == 0);
    /* An operand after --wait stays an operand: "30" is the OUTPUT here, "out" an INPUT. */
    CHECK_EQ_INT(parse(ARGV("resize", "--wait", "in", "out"), &o), 0);
    CHECK_EQ_STR(o.input, "in");
    CHECK_EQ_STR(o.output, "out");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--wait", "30"), &o), 0);
    CHECK(o.wait_for_lock && o.wait_limit_s == 0);
    CHECK_EQ_INT(o.ninputs, 2);
    CHECK_EQ_STR(o.output, "30");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--wait="), "--wait=SECONDS", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--wait=0"), "--wait=SECONDS", "'0'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--wait=-1"), "--wait=SECONDS", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--wait=1s"), "--wait=SECONDS", "'1s'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--wait=3000000"), "--wait=SECONDS", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "--wait=3"), "--wait", "bench");
}

/* --retry-failed and --prune are refinements of --incremental; --state-dir names a directory. */
static void test_retry_failed(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--incremental", "--prune", "--state-dir",
                            "/var/lib/imgbatch"),
                       &o),
                 0);
    CHECK_EQ_INT(o.prune, 1);
    CHECK_EQ_STR(o.state_dir, "/var/lib/imgbatch");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--prune"), "--prune", "--incremental");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--state-dir", ""), "--state-dir", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "--state-dir", "d"), "--state-dir", "bench");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--state-dir", "d"), &o), 0);
    CHECK_EQ_INT(o.incremental, 0); /* the lock alone goes there */

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--incremental", "--retry-failed"), &o), 0);
    CHECK_EQ_INT(o.retry_failed, 1);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--incremental"), &o), 0);
    CHECK_EQ_INT(o.retry_failed, 0);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--retry-failed"), "--retry-failed",
                 "--incremental");
    EXPECT_ERROR(ARGV("bench", "in", "--retry-failed"), "--retry-failed", "bench");
}

/*
 * cli_parse is called many times in one process (this file does): each call
 * must start from a clean getopt state, even when the previous call returned
 * in the middle of a cluster of short options ("-hr": help is returned at
 * 'h', before 'r' was read).
 */
static void test_repeated_calls(void)
{
    struct options o;

    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(parse(ARGV("resize", "a", "b", "-rq", "20"), &o), 0);
        CHECK_EQ_INT(o.recursive, 1);
        CHECK_EQ_INT(o.quality, 20);
        CHECK_EQ_INT(parse(ARGV("grayscale", "c", "d"), &o), 0);
        CHECK_EQ_INT(o.recursive, 0);
        CHECK_EQ_INT(o.quality, 85);
        CHECK_EQ_STR(o.input, "c");
        CHECK_EQ_STR(o.output, "d");
    }

    /* A call that returns early inside "-hr"... */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-hr"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    /* ...must not leave its 'r' to the next call. */
    CHECK_EQ_INT(parse(ARGV("resize", "x", "y"), &o), 0);
    CHECK_EQ_INT(o.recursive, 0);
    CHECK_EQ_STR(o.input, "x");
    CHECK_EQ_STR(o.output, "y");

    /* Same after an error inside a cluster. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "-zj9"), "unknown option", NULL);
    CHECK_EQ_INT(parse(ARGV("resize", "x", "y"), &o), 0);
    CHECK_EQ_INT(o.jobs, 0);
}

/* The edit distance behind "did you mean", and when it is close enough to suggest. */
static void test_suggest_distance(void)
{
    CHECK_EQ_INT(suggest_distance("size", "size"), 0);
    CHECK_EQ_INT(suggest_distance("", "size"), 4);
    CHECK_EQ_INT(suggest_distance("size", ""), 4);
    CHECK_EQ_INT(suggest_distance("szie", "size"), 1);      /* two letters swapped */
    CHECK_EQ_INT(suggest_distance("resise", "resize"), 1);  /* one substituted */
    CHECK_EQ_INT(suggest_distance("rsize", "resize"), 1);   /* one missing */
    CHECK_EQ_INT(suggest_distance("resizze", "resize"), 1); /* one too many */
    CHECK_EQ_INT(suggest_distance("sepai", "sepia"), 1);
    CHECK_EQ_INT(suggest_distance("ab", "ba"), 1);
    CHECK_EQ_INT(suggest_distance("kitten", "sitting"), 3);
    CHECK_EQ_INT(suggest_distance("ca", "abc"), 3); /* restricted: no edit of a swapped pair */

    char longer[SUGGEST_WORD_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    CHECK_EQ_INT(suggest_distance(longer, "a"), SUGGEST_WORD_MAX + 1);

    static const char *const words[] = {"size", "suffix", "shard"};
    CHECK_EQ_STR(suggest_closest("szie", words, 3), "size");
    CHECK_EQ_STR(suggest_closest("sufix", words, 3), "suffix");
    CHECK_EQ_STR(suggest_closest("size", words, 3), "size");
    /* Two edits in a five-letter word are a slip; in a four-letter one, a guess. */
    CHECK_EQ_STR(suggest_closest("shrdd", words, 3), "shard");
    CHECK(suggest_closest("sx", words, 3) == NULL);
    CHECK(suggest_closest("sz", words, 3) == NULL);
    CHECK(suggest_closest("zzzz", words, 3) == NULL);
    CHECK(suggest_closest("", words, 3) == NULL);
    CHECK(suggest_closest(longer, words, 3) == NULL);
}

static void expect_suggestion(const char *got, const char *want, const char *typed, int line)
{
    if (want && (!got || strcmp(got, want)))
        fprintf(stderr, "test_cli.c:%d: '%s' suggests '%s', expected '%s'\n", line, typed,
                got ? got : "(none)", want);
    if (!want && got)
        fprintf(stderr, "test_cli.c:%d: '%s' suggests '%s', expected none\n", line, typed, got);
    CHECK(want ? got && !strcmp(got, want) : got == NULL);
}

#define EXPECT_COMMAND(typed, want)                                                                \
    expect_suggestion(cli_suggest_command(typed), want, typed, __LINE__)
#define EXPECT_OPTION(typed, want)                                                                 \
    expect_suggestion(cli_suggest_option(typed), want, typed, __LINE__)

static void test_suggestions(void)
{
    EXPECT_COMMAND("resise", "resize");
    EXPECT_COMMAND("rezise", "resize");
    EXPECT_COMMAND("grayscal", "grayscale");
    EXPECT_COMMAND("sepa", "sepia");
    EXPECT_COMMAND("thumbnial", "thumbnail");
    EXPECT_COMMAND("bnech", "bench");
    /* What people call the commands: suggested, not accepted. */
    EXPECT_COMMAND("grey", "grayscale");
    EXPECT_COMMAND("gray", "grayscale");
    EXPECT_COMMAND("Grey", "grayscale");
    EXPECT_COMMAND("thumb", "thumbnail");
    EXPECT_COMMAND("scale", "resize");
    EXPECT_COMMAND("shrink", "resize");
    /* Far from every command: no guess. */
    EXPECT_COMMAND("frobnicate", NULL);
    EXPECT_COMMAND("crop", NULL);
    EXPECT_COMMAND("rs", NULL);
    EXPECT_COMMAND("", NULL);

    EXPECT_OPTION("--szie", "size");
    EXPECT_OPTION("--szie=10x10", "size");
    EXPECT_OPTION("--recusrive", "recursive");
    EXPECT_OPTION("--keep-metdata", "keep-metadata");
    EXPECT_OPTION("--incremntal", "incremental");
    EXPECT_OPTION("--dryrun", "dry-run");
    EXPECT_OPTION("--verison", "version");
    EXPECT_OPTION("--xyzzy", NULL);
    EXPECT_OPTION("--colour", NULL);
    EXPECT_OPTION("-z", NULL);
    EXPECT_OPTION("--", NULL);

    /* The suggestion is in the error, in place of a bare "unknown". */
    EXPECT_ERROR(ARGV("resise", "in", "out"), "unknown command 'resise'", "did you mean 'resize'?");
    EXPECT_ERROR(ARGV("grey", "in", "out"), "unknown command 'grey'", "did you mean 'grayscale'?");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--szie", "10x10"), "unknown option '--szie'",
                 "did you mean '--size'?");
    EXPECT_ERROR(ARGV("frobnicate", "in", "out"), "unknown command 'frobnicate'", "--help");
    struct options o;
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--xyzzy"), &o), -1);
    CHECK(strstr(err, "did you mean") == NULL);
}

/* The help one command prints, as text. */
static char *command_help(enum op op)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    CHECK(f != NULL);
    cli_command_usage(f, op);
    fclose(f);
    return text;
}

static void test_command_help(void)
{
    struct options o;

    /* --help after a command asks for that command's help; alone, for all of it. */
    CHECK_EQ_INT(parse(ARGV("resize", "--help"), &o), 0);
    CHECK_EQ_INT(o.help_command, 1);
    CHECK_EQ_INT(o.op, OP_RESIZE);
    CHECK_EQ_INT(parse(ARGV("sepia", "in", "out", "-h"), &o), 0);
    CHECK_EQ_INT(o.help_command, 1);
    CHECK_EQ_INT(o.op, OP_SEPIA);
    CHECK_EQ_INT(parse(ARGV("--help"), &o), 0);
    CHECK_EQ_INT(o.help, 1);
    CHECK_EQ_INT(o.help_command, 0);

    /* Each command's help lists what it takes: the refusals of cli_parse. */
    CHECK(cli_option_applies(OP_RESIZE, "size"));
    CHECK(cli_option_applies(OP_THUMBNAIL, "size"));
    CHECK(!cli_option_applies(OP_GRAYSCALE, "size"));
    CHECK(!cli_option_applies(OP_SEPIA, "size"));
    CHECK(cli_option_applies(OP_SEPIA, "fail-on"));
    CHECK(cli_option_applies(OP_RESIZE, "incremental"));
    CHECK(!cli_option_applies(OP_BENCH, "incremental"));
    CHECK(!cli_option_applies(OP_BENCH, "shard"));
    CHECK(cli_option_applies(OP_BENCH, "procs"));
    CHECK(cli_option_applies(OP_BENCH, "jobs"));
    CHECK(cli_option_applies(OP_BENCH, "help"));
    CHECK(!cli_option_applies(OP_RESIZE, "procs"));
    CHECK(!cli_option_applies(OP_THUMBNAIL, "op"));
    CHECK(!cli_option_applies(OP_RESIZE, "progres")); /* a whole name, not a prefix */
    CHECK(cli_option_applies(OP_RESIZE, "progress"));
    CHECK(!cli_option_applies(OP_RESIZE, "no-such-option"));

    char *resize = command_help(OP_RESIZE);
    CHECK(strstr(resize, "usage: imgbatch resize ") == resize);
    CHECK(strstr(resize, "--size") != NULL);
    CHECK(strstr(resize, "--shard") != NULL);
    CHECK(strstr(resize, "--procs") == NULL);
    CHECK(strstr(resize, "bench options") == NULL);
    free(resize);

    char *gray = command_help(OP_GRAYSCALE);
    CHECK(strstr(gray, "usage: imgbatch grayscale ") == gray);
    CHECK(strstr(gray, "--size") == NULL);
    CHECK(strstr(gray, "--quality") != NULL);
    free(gray);

    char *bench = command_help(OP_BENCH);
    CHECK(strstr(bench, "--procs") != NULL);
    CHECK(strstr(bench, "--jobs MAX") != NULL);
    CHECK(strstr(bench, "--jobs N") == NULL);
    CHECK(strstr(bench, "--incremental") == NULL);
    CHECK(strstr(bench, "unattended") == NULL);
    free(bench);
}

/*
 * The encoder options: their values and defaults, what each refuses, the
 * formats they apply to once --format says every output's, and the hash
 * that redoes files when one changes (and not when none is given).
 */
static void test_encode_options(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.encode.effort, EFFORT_DEFAULT);
    CHECK_EQ_INT(o.encode.lossless, 0);
    CHECK_EQ_INT(o.encode.progressive, 0);
    CHECK_EQ_INT(o.encode.chroma, CHROMA_AUTO);
    CHECK_EQ_INT(o.encode.png_compression, 6);
    CHECK_EQ_INT(o.encode.palette, 0);
    CHECK_EQ_INT(o.encode.keep_original, 0);
    uint64_t plain = cli_output_hash(&o);

    CHECK_EQ_INT(parse(ARGV("convert", "in", "out", "--effort", "0", "--lossless", "--progressive",
                            "--chroma", "444", "--png-compression=9", "--palette",
                            "--keep-original-if-smaller"),
                       &o),
                 0);
    CHECK_EQ_INT(o.encode.effort, 0);
    CHECK_EQ_INT(o.encode.lossless, 1);
    CHECK_EQ_INT(o.encode.progressive, 1);
    CHECK_EQ_INT(o.encode.chroma, CHROMA_444);
    CHECK_EQ_INT(o.encode.png_compression, 9);
    CHECK_EQ_INT(o.encode.palette, 1);
    CHECK_EQ_INT(o.encode.keep_original, 1);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--effort=9", "--chroma=4:2:0"), &o), 0);
    CHECK_EQ_INT(o.encode.effort, 9);
    CHECK_EQ_INT(o.encode.chroma, CHROMA_420);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--chroma", "4:4:4"), &o), 0);
    CHECK_EQ_INT(o.encode.chroma, CHROMA_444);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--chroma", "444", "--chroma", "auto"), &o), 0);
    CHECK_EQ_INT(o.encode.chroma, CHROMA_AUTO);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--png-compression", "0"), &o), 0);
    CHECK_EQ_INT(o.encode.png_compression, 0);
    /* bench measures what the encoders cost: it takes them too. */
    CHECK_EQ_INT(parse(ARGV("bench", "in", "-f", "avif", "--effort", "2"), &o), 0);
    CHECK_EQ_INT(o.format, FMT_AVIF);
    CHECK_EQ_INT(o.encode.effort, 2);

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-f", "avif"), &o), 0);
    CHECK_EQ_INT(o.format, FMT_AVIF);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--format=JXL"), &o), 0);
    CHECK_EQ_INT(o.format, FMT_JXL);
    CHECK_EQ_STR(format_name(FMT_AVIF), "avif");
    CHECK_EQ_STR(format_name(FMT_JXL), "jxl");

    EXPECT_ERROR(ARGV("resize", "in", "out", "--effort", "10"), "--effort", "'10'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--effort", "-1"), "--effort", "'-1'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--effort", "fast"), "--effort", "'fast'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--chroma", "422"), "--chroma", "'422'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--chroma", "4:2:2"), "--chroma", "'4:2:2'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--png-compression", "10"), "--png-compression",
                 "'10'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--lossless=yes"), "--lossless", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--format", "heic"), "--format", "avif or jxl");

    /* One format for every output: an option it has no use for is a mistake, said so. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "jpeg", "--lossless"), "--lossless",
                 "does not apply to JPEG output (it is for WebP, AVIF and JPEG XL)");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "png", "--effort", "3"), "--effort", "PNG");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "webp", "--progressive"), "--progressive",
                 "JPEG and PNG");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "jxl", "--chroma", "420"), "--chroma",
                 "JPEG and AVIF");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "tiff", "--png-compression", "1"),
                 "--png-compression", "TIFF");
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "webp", "--palette"), "--palette", "WebP");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-f", "avif", "--lossless", "--effort", "1",
                            "--chroma", "444", "--keep-original-if-smaller"),
                       &o),
                 0);
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-f", "png", "--palette", "--progressive",
                            "--png-compression", "9"),
                       &o),
                 0);
    /* An option at its default value asks nothing of the format. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-f", "jpeg", "--png-compression", "6",
                            "--chroma", "auto"),
                       &o),
                 0);
    /* --format auto: each option goes to the outputs whose format has it. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--lossless", "--progressive", "--palette"),
                       &o),
                 0);
    /* The same check for an OUTPUT file's format, once operands.c has read its name. */
    CHECK_EQ_INT(parse(ARGV("resize", "in.jpg", "out.jpg", "--lossless"), &o), 0);
    o.formats[0] = FMT_JPEG;
    CHECK_EQ_INT(cli_check_encode_options(&o, err, sizeof(err)), -1);
    CHECK(strstr(err, "--lossless does not apply to JPEG output") != NULL);
    o.formats[0] = FMT_WEBP;
    CHECK_EQ_INT(cli_check_encode_options(&o, err, sizeof(err)), 0);

    /* Each option, given, redoes every file under --incremental; each differently. */
    static const char *const given[][2] = {
        {"--effort", "0"},  {"--effort", "9"},       {"--lossless", NULL},
        {"--progressive", NULL}, {"--chroma", "420"}, {"--chroma", "444"},
        {"--png-compression", "9"}, {"--palette", NULL}, {"--keep-original-if-smaller", NULL},
    };
    uint64_t seen[sizeof(given) / sizeof(given[0])];
    for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
        char *argv[] = {"imgbatch", "resize", "in", "out", (char *)given[i][0],
                        (char *)given[i][1], NULL};
        CHECK_EQ_INT(parse(argv, &o), 0);
        seen[i] = cli_output_hash(&o);
        CHECK(seen[i] != plain);
        for (size_t j = 0; j < i; j++)
            CHECK(seen[i] != seen[j]);
    }
    /* Defaults given out loud are no change: the state of a run without them still holds. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--chroma", "auto", "--png-compression", "6"),
                       &o),
                 0);
    CHECK(cli_output_hash(&o) == plain);
    CHECK(plain == fnv1a64("op=resize size=800x600 quality=85 format=auto rotate=1 metadata=0 "
                           "fail-on=error suffix="));

    /* Each command's help lists them, bench's too. */
    CHECK(cli_option_applies(OP_RESIZE, "lossless"));
    CHECK(cli_option_applies(OP_SEPIA, "keep-original-if-smaller"));
    CHECK(cli_option_applies(OP_BENCH, "effort"));
    CHECK(cli_option_applies(OP_CONVERT, "png-compression"));
}

/* --size and --format lists: each item as the one it would be, in order, each once. */
static void test_lists(void)
{
    struct options o;
    char bad[64];
    struct size_request sizes[SIZES_MAX];
    enum out_format formats[FORMATS_MAX];

    CHECK_EQ_INT(parse_size_list("1920x,1280x,640x,320x", sizes, bad, sizeof(bad)), 4);
    CHECK(sizes[0].width == 1920 && sizes[0].height == 0 && sizes[3].width == 320);
    CHECK_EQ_INT(parse_size_list("200x150", sizes, bad, sizeof(bad)), 1);
    CHECK_EQ_INT(parse_size_list("50%,1000000@,300x300!", sizes, bad, sizeof(bad)), 3);
    CHECK(sizes[0].mode == SIZE_PERCENT && sizes[1].mode == SIZE_AREA &&
          sizes[2].mode == SIZE_EXACT);
    /* Empty items, a bad one, one twice, and 17 sizes. */
    static const char *bad_lists[] = {
        "1920x,",
        ",640x",
        "1920x,,640x",
        "1920x,abc",
        "640x,640x",
        "640x480,640x480",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
    };
    for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++)
        CHECK_EQ_INT(parse_size_list(bad_lists[i], sizes, bad, sizeof(bad)), -1);
    CHECK_EQ_INT(parse_size_list("1920x,abc,640x", sizes, bad, sizeof(bad)), -1);
    CHECK_EQ_STR(bad, "abc");

    CHECK_EQ_INT(parse_format_list("avif,webp,jpeg", formats), 3);
    CHECK(formats[0] == FMT_AVIF && formats[1] == FMT_WEBP && formats[2] == FMT_JPEG);
    CHECK_EQ_INT(parse_format_list("auto", formats), 1);
    static const char *bad_formats[] = {"avif,",     "jpeg,jpg", "webp,auto",
                                        "auto,auto", "png,heic", "a,b"};
    for (size_t i = 0; i < sizeof(bad_formats) / sizeof(bad_formats[0]); i++)
        CHECK_EQ_INT(parse_format_list(bad_formats[i], formats), -1);

    /* Every size in every format, size by size, and the first of each as the one. */
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "1920x,640x", "-f", "avif,jpeg"), &o),
                 0);
    CHECK_EQ_INT(o.nvariants, 4);
    CHECK(o.variants[0].size.width == 1920 && o.variants[0].format == FMT_AVIF);
    CHECK(o.variants[1].size.width == 1920 && o.variants[1].format == FMT_JPEG);
    CHECK(o.variants[3].size.width == 640 && o.variants[3].format == FMT_JPEG);
    CHECK(o.size.width == 1920 && o.format == FMT_AVIF);
    /* A thumbnail list: each box completed as the one is. */
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--size", "400x300,200,100x100^"), &o), 0);
    CHECK(o.nsizes == 3 && o.sizes[1].width == 200 && o.sizes[1].height == 200);
    CHECK(o.sizes[2].mode == SIZE_FIT && o.sizes[2].width == 100);
    /* grayscale has no size: one variant per format. */
    CHECK_EQ_INT(parse(ARGV("grayscale", "in", "out", "-f", "png,webp"), &o), 0);
    CHECK(o.nsizes == 0 && o.nvariants == 2);

    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "1920x,huge"), "'huge' is not a size",
                 "commas");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "640x,640x"), "twice", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "webp,auto"), "without auto", NULL);
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--size", "200,300x300!"), "'300x300!'",
                 "thumbnail");
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--size", "200,20000"), "--max-pixels", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "--size", "200,100"), "bench measures one --size", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "-f", "webp,avif"), "not lists", NULL);
    /* The default names need a width in each size. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "1920x,x480"), "need a width each",
                 "--name");
    /* An encoder option must serve a format of the list. */
    EXPECT_ERROR(ARGV("resize", "in", "out", "-f", "jpeg,png", "--lossless"), "--lossless",
                 "none of the formats");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "-f", "jpeg,webp", "--lossless"), &o), 0);
}

static void test_crop_name_manifest(void)
{
    struct options o;
    enum crop_position c;

    CHECK_EQ_INT(parse_crop("attention", &c), 0);
    CHECK_EQ_INT(c, CROP_ATTENTION);
    CHECK_EQ_INT(parse_crop("center", &c), 0);
    CHECK_EQ_INT(c, CROP_CENTRE);
    CHECK_EQ_STR(crop_name(CROP_BOTTOM), "bottom");
    CHECK_EQ_INT(parse_crop("middle", &c), -1);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--crop", "entropy"), &o), 0);
    CHECK_EQ_INT(o.crop, CROP_ENTROPY);
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out"), &o), 0);
    CHECK_EQ_INT(o.crop, CROP_CENTRE);
    EXPECT_ERROR(ARGV("thumbnail", "in", "out", "--crop", "faces"), "--crop", "'faces'");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--crop", "top"), "--crop is for thumbnail",
                 "resize never crops");

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "800x,400x", "--name",
                            "{width}/{name}.{ext}", "--manifest", "m.json"),
                       &o),
                 0);
    CHECK_EQ_STR(o.name_template, "{width}/{name}.{ext}");
    CHECK_EQ_STR(o.manifest_file, "m.json");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--name", "{name}-{size}.{ext}"),
                 "unknown placeholder", "{size}");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--name", "{name}.{ext}", "--suffix", "_s"),
                 "--name and --suffix", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--size", "800x,400x", "--name", "{name}.{ext}"),
                 "would be named", "{width}");
    EXPECT_ERROR(ARGV("resize", "in", "out", "--name", ""), "--name wants a template", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--manifest", ""), "--manifest wants", NULL);
    EXPECT_ERROR(ARGV("bench", "in", "--manifest", "m.json"), "--manifest is not for", NULL);
    EXPECT_ERROR(ARGV("resize", "in", "out", "--manifest", "-", "--json"), "--json's lines",
                 "name a file");
    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--manifest", "-", "--quiet"), &o), 0);
    EXPECT_ERROR(ARGV("bench", "in", "--name", "{name}.{ext}"), "--name is not for", NULL);
}

/* Each variant's outputs hash apart; one size in one format hashes as before lists. */
static void test_variant_hashes(void)
{
    struct options o;

    CHECK_EQ_INT(parse(ARGV("resize", "in", "out", "--size", "200x150"), &o), 0);
    uint64_t plain = cli_variant_hash(&o, 0);
    CHECK(plain == cli_output_hash(&o));
    CHECK_EQ_INT(
        parse(ARGV("resize", "in", "out", "--size", "200x150,100x75", "-f", "png,webp"), &o), 0);
    CHECK_EQ_INT(o.nvariants, 4);
    /* 200x150 in PNG is what "-s 200x150 -f png" makes: adding sizes redoes nothing made. */
    CHECK(cli_variant_hash(&o, 0) == fnv1a64("op=resize size=200x150 quality=85 format=png "
                                             "rotate=1 metadata=0 fail-on=error suffix="));
    for (size_t i = 0; i < 4; i++)
        for (size_t j = i + 1; j < 4; j++)
            CHECK(cli_variant_hash(&o, i) != cli_variant_hash(&o, j));
    /* thumbnail's crop shapes its outputs; the centre, as ever, hashes as ever. */
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out"), &o), 0);
    uint64_t centre = cli_output_hash(&o);
    CHECK(centre == fnv1a64("op=thumbnail size=150x150 quality=85 format=auto rotate=1 "
                            "metadata=0 fail-on=error suffix="));
    CHECK_EQ_INT(parse(ARGV("thumbnail", "in", "out", "--crop", "attention"), &o), 0);
    CHECK(cli_output_hash(&o) != centre);
}

/* What a report says of a size: as typed, a free side left out. */
static void test_size_shown(void)
{
    static const char *typed[] = {"1920x", "x480",  "640x480",  "640x480^", "300x300!",
                                  "50%",   "1000@", "800x600>", "100x100<"};
    struct size_request r;
    char buf[48];

    for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
        CHECK_EQ_INT(parse_size(typed[i], &r), 0);
        size_shown(&r, buf, sizeof(buf));
        CHECK_EQ_STR(buf, typed[i]);
    }
    CHECK_EQ_INT(parse_size("1920", &r), 0);
    size_shown(&r, buf, sizeof(buf));
    CHECK_EQ_STR(buf, "1920x");
}

int main(void)
{
    test_keep();
    test_parse_size();
    test_size_text();
    test_size_modes();
    test_size_in_output_hash();
    test_defaults();
    test_limits();
    test_values();
    test_order();
    test_help_version();
    test_errors();
    test_error_names_clustered_option();
    test_bench_options_outside_bench();
    test_unattended_options();
    test_wait_limit();
    test_retry_failed();
    test_bench_procs();
    test_bench_ops();
    test_repeated_calls();
    test_suggest_distance();
    test_suggestions();
    test_command_help();
    test_encode_options();
    test_lists();
    test_crop_name_manifest();
    test_variant_hashes();
    test_size_shown();
    return check_summary();
}
