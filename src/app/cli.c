/*
 * cli: command-line parsing; see cli.h.
 *
 * The command comes first ("imgbatch resize IN OUT ..."); options may stand
 * anywhere after it, as getopt_long permutes them.
 */
#include "cli.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "shard.h"
#include "suggest.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIZE_MAX_SIDE 100000
#define SIZE_MAX_PERCENT 100000      /* N%: a thousandfold, which --max-pixels then bounds */
#define SIZE_MAX_AREA 999999999999LL /* N@: 12 digits, which --max-pixels then bounds */

static const struct {
    const char *name;
    enum op op;
} ops[] = {
    {"resize", OP_RESIZE},       {"grayscale", OP_GRAYSCALE}, {"greyscale", OP_GRAYSCALE},
    {"sepia", OP_SEPIA},         {"thumbnail", OP_THUMBNAIL}, {"convert", OP_CONVERT},
    {"bench", OP_BENCH},         {"report", OP_REPORT},
};

const char *op_name(enum op op)
{
    switch (op) {
    case OP_RESIZE:
        return "resize";
    case OP_GRAYSCALE:
        return "grayscale";
    case OP_SEPIA:
        return "sepia";
    case OP_THUMBNAIL:
        return "thumbnail";
    case OP_CONVERT:
        return "convert";
    case OP_BENCH:
        return "bench";
    case OP_REPORT:
        return "report";
    }
    return "?";
}

const char *format_name(enum out_format f)
{
    static const char *names[] = {"auto", "jpeg", "png", "webp", "tiff", "gif", "avif", "jxl"};
    return names[f];
}

static int parse_fail_on(const char *s, enum fail_on *f)
{
    for (int i = FAIL_ON_NONE; i <= FAIL_ON_WARNING; i++) {
        if (!strcmp(s, fail_on_name((enum fail_on)i))) {
            *f = (enum fail_on)i;
            return 0;
        }
    }
    return -1;
}

/* Parses a decimal of 1..max, at most digits long, that fills the whole span [s, end). */
static int parse_count(const char *s, const char *end, int digits, long long max, long long *out)
{
    long long v = 0;

    if (s == end || end - s > digits)
        return -1;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_side(const char *s, const char *end, int *out)
{
    long long v;

    if (parse_count(s, end, 6, SIZE_MAX_SIDE, &v))
        return -1;
    *out = (int)v;
    return 0;
}

/* "W", "Wx", "xH" or "WxH" filling [s, end); a missing side is 0. */
static int parse_box(const char *s, const char *end, int *w, int *h)
{
    const char *x = strpbrk(s, "xX");

    *w = *h = 0;
    if (!x || x >= end)
        return parse_side(s, end, w);
    if (x == s)
        return parse_side(x + 1, end, h);
    if (parse_side(s, x, w))
        return -1;
    return x + 1 == end ? 0 : parse_side(x + 1, end, h);
}

/* ImageMagick's flag after a box: what it asks of the image. */
static enum size_mode box_flag(char c)
{
    switch (c) {
    case '>':
        return SIZE_SHRINK;
    case '<':
        return SIZE_ENLARGE;
    case '^':
        return SIZE_COVER;
    case '!':
        return SIZE_EXACT;
    default:
        return SIZE_FIT;
    }
}

int parse_size(const char *text, struct size_request *size)
{
    size_t len = strlen(text);
    const char *end = text + len;
    char last = len ? text[len - 1] : '\0';
    struct size_request r = {.mode = SIZE_FIT};
    long long n;

    if (last == '%') {
        if (parse_count(text, end - 1, 6, SIZE_MAX_PERCENT, &n))
            return -1;
        r.mode = SIZE_PERCENT;
        r.percent = (int)n;
    } else if (last == '@') {
        if (parse_count(text, end - 1, 12, SIZE_MAX_AREA, &n))
            return -1;
        r.mode = SIZE_AREA;
        r.area = n;
    } else {
        r.mode = box_flag(last);
        if (parse_box(text, r.mode == SIZE_FIT ? end : end - 1, &r.width, &r.height))
            return -1;
        /* Covering or filling a box with a free side has no answer. */
        if ((r.mode == SIZE_COVER || r.mode == SIZE_EXACT) && (!r.width || !r.height))
            return -1;
    }
    *size = r;
    return 0;
}

void size_text(const struct size_request *r, char *buf, size_t len)
{
    static const char flags[] = {
        [SIZE_FIT] = '\0',  [SIZE_SHRINK] = '>', [SIZE_ENLARGE] = '<',
        [SIZE_COVER] = '^', [SIZE_EXACT] = '!',
    };

    if (r->mode == SIZE_PERCENT)
        snprintf(buf, len, "%d%%", r->percent);
    else if (r->mode == SIZE_AREA)
        snprintf(buf, len, "%lld@", r->area);
    else
        snprintf(buf, len, "%dx%d%.1s", r->width, r->height, &flags[r->mode]);
}

int parse_size_list(const char *text, struct size_request *sizes, char *bad, size_t bad_len)
{
    char one[64], seen[SIZES_MAX][48];
    int n = 0;

    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        snprintf(bad, bad_len, "%.*s", (int)len, p);
        if (len >= sizeof(one) || n == SIZES_MAX)
            return -1;
        memcpy(one, p, len);
        one[len] = '\0';
        if (parse_size(one, &sizes[n]))
            return -1;
        size_text(&sizes[n], seen[n], sizeof(seen[n]));
        for (int i = 0; i < n; i++)
            if (!strcmp(seen[i], seen[n]))
                return -1; /* the same size twice: the same outputs twice */
        n++;
        if (!p[len])
            return n;
        p += len + 1;
    }
}

void size_shown(const struct size_request *r, char *buf, size_t len)
{
    char w[16] = "", h[16] = "";

    if (r->mode == SIZE_PERCENT || r->mode == SIZE_AREA) {
        size_text(r, buf, len);
        return;
    }
    if (r->width)
        snprintf(w, sizeof(w), "%d", r->width);
    if (r->height)
        snprintf(h, sizeof(h), "%d", r->height);
    size_text(r, buf, len); /* for the flag, which follows the box */
    const char *flag = strchr(buf, 'x');
    flag = flag ? flag + 1 + strspn(flag + 1, "0123456789") : "";
    char tail[4];
    snprintf(tail, sizeof(tail), "%s", flag);
    snprintf(buf, len, "%sx%s%s", w, h, tail);
}

/* Whole-string integer in [lo, hi]. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi || *s == ' ' || *s == '+')
        return -1;
    *out = (int)v;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int parse_procs(const char *text, int *procs)
{
    char buf[16];
    int n = 0, kept = 0;

    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= sizeof(buf) || n == BENCH_PROCS_MAX)
            return -1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (parse_int(buf, 1, JOBS_MAX, &procs[n]))
            return -1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    qsort(procs, (size_t)n, sizeof(*procs), cmp_int);
    for (int i = 0; i < n; i++)
        if (i == 0 || procs[i] != procs[kept - 1])
            procs[kept++] = procs[i];
    return kept;
}

int parse_shard(const char *text, unsigned *index, unsigned *count)
{
    const char *slash = strchr(text, '/');
    char k_text[16];
    int k, n;

    if (!slash || (size_t)(slash - text) >= sizeof(k_text))
        return -1;
    memcpy(k_text, text, (size_t)(slash - text));
    k_text[slash - text] = '\0';
    if (parse_int(k_text, 1, SHARDS_MAX, &k) || parse_int(slash + 1, 1, SHARDS_MAX, &n) || k > n)
        return -1;
    *index = (unsigned)k;
    *count = (unsigned)n;
    return 0;
}

static int parse_positive(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9)
        return -1;
    *out = v;
    return 0;
}

static const struct {
    const char *name;
    unsigned bit;
} keep_names[] = {
    {"exif", KEEP_EXIF}, {"gps", KEEP_GPS},   {"xmp", KEEP_XMP},
    {"icc", KEEP_ICC},   {"iptc", KEEP_IPTC},
};

int parse_keep(const char *text, unsigned *keep)
{
    unsigned bits = 0;

    if (!strcmp(text, "all") || !strcmp(text, "none")) {
        *keep = text[0] == 'a' ? KEEP_ALL : 0;
        return 0;
    }
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof(keep_names) / sizeof(keep_names[0]); i++)
            if (strlen(keep_names[i].name) == len && !strncasecmp(p, keep_names[i].name, len))
                break;
        if (i == sizeof(keep_names) / sizeof(keep_names[0]))
            return -1; /* an unknown word, or an empty one ("exif,,xmp") */
        bits |= keep_names[i].bit;
        if (!p[len])
            break;
        p += len + 1;
    }
    *keep = bits;
    return 0;
}

void keep_text(unsigned keep, char *buf, size_t len)
{
    size_t n = 0;

    if (keep == 0 || keep == KEEP_ALL) {
        snprintf(buf, len, "%s", keep ? "all" : "none");
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(keep_names) / sizeof(keep_names[0]) && n < len; i++)
        if (keep & keep_names[i].bit)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", keep_names[i].name);
}

static int parse_format(const char *s, enum out_format *f)
{
    static const struct {
        const char *name;
        enum out_format f;
    } names[] = {{"auto", FMT_AUTO}, {"jpeg", FMT_JPEG}, {"jpg", FMT_JPEG}, {"png", FMT_PNG},
                 {"webp", FMT_WEBP}, {"tiff", FMT_TIFF}, {"tif", FMT_TIFF}, {"gif", FMT_GIF},
                 {"avif", FMT_AVIF}, {"jxl", FMT_JXL}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcasecmp(s, names[i].name)) {
            *f = names[i].f;
            return 0;
        }
    }
    return -1;
}

int parse_format_list(const char *text, enum out_format *formats)
{
    char one[16];
    int n = 0;

    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        if (len >= sizeof(one) || n == FORMATS_MAX)
            return -1;
        memcpy(one, p, len);
        one[len] = '\0';
        if (parse_format(one, &formats[n]))
            return -1;
        for (int i = 0; i < n; i++)
            if (formats[i] == formats[n])
                return -1;
        n++;
        if (!p[len])
            break;
        p += len + 1;
    }
    /* auto is each input's own format: in a list it would name some format twice. */
    for (int i = 0; n > 1 && i < n; i++)
        if (formats[i] == FMT_AUTO)
            return -1;
    return n;
}

static const struct {
    const char *name;
    enum crop_position crop;
} crop_names[] = {
    {"centre", CROP_CENTRE},   {"center", CROP_CENTRE}, {"attention", CROP_ATTENTION},
    {"entropy", CROP_ENTROPY}, {"top", CROP_TOP},       {"bottom", CROP_BOTTOM},
    {"left", CROP_LEFT},       {"right", CROP_RIGHT},
};

int parse_crop(const char *text, enum crop_position *crop)
{
    for (size_t i = 0; i < sizeof(crop_names) / sizeof(crop_names[0]); i++) {
        if (!strcmp(text, crop_names[i].name)) {
            *crop = crop_names[i].crop;
            return 0;
        }
    }
    return -1;
}

const char *crop_name(enum crop_position crop)
{
    for (size_t i = 0; i < sizeof(crop_names) / sizeof(crop_names[0]); i++)
        if (crop_names[i].crop == crop)
            return crop_names[i].name;
    return "?";
}

/* "420" or "4:2:0", "444" or "4:4:4", "auto". */
static int parse_chroma(const char *s, enum chroma *c)
{
    if (!strcmp(s, "420") || !strcmp(s, "4:2:0"))
        *c = CHROMA_420;
    else if (!strcmp(s, "444") || !strcmp(s, "4:4:4"))
        *c = CHROMA_444;
    else if (!strcmp(s, "auto"))
        *c = CHROMA_AUTO;
    else
        return -1;
    return 0;
}

int cli_check_encode_options(const struct options *o, char *err, size_t errlen)
{
    const char *unused = NULL;

    if (o->nformats == 1 && o->formats[0] != FMT_AUTO)
        unused = encode_option_unused(&o->encode, o->formats[0]);
    if (unused)
        return diag_into(err, errlen, "%s does not apply to %s output (it is for %s)", unused,
                         format_label(o->formats[0]), encode_option_formats(unused));
    /* A list: an option must serve one of its formats at least. */
    if (o->nformats > 1)
        unused = encode_option_unused_by_all(&o->encode, o->formats, (size_t)o->nformats);
    if (unused)
        return diag_into(err, errlen,
                         "%s applies to none of the formats of --format (it is for %s)", unused,
                         encode_option_formats(unused));
    return 0;
}

/*
 * The option getopt complained about, as the user typed it: the argument
 * itself for "--long", the letter for a short one, since in "-xr" the
 * culprit is one letter inside an argument and optopt names it.
 */
static const char *option_as_typed(const char *arg, int letter, char buf[3])
{
    if (!strncmp(arg, "--", 2) || letter <= ' ' || letter >= 127)
        return arg;
    buf[0] = '-';
    buf[1] = (char)letter;
    buf[2] = '\0';
    return buf;
}

/*
 * What people type for a command, and the command they mean: suggested, never
 * accepted (only "greyscale", the other spelling, is a command in its own right).
 */
static const struct {
    const char *typed;
    const char *meant;
} op_synonyms[] = {
    {"grey", "grayscale"},  {"gray", "grayscale"},    {"greyscal", "grayscale"},
    {"thumb", "thumbnail"}, {"scale", "resize"},      {"shrink", "resize"},
    {"mogrify", "convert"}, {"transcode", "convert"},
    {"merge", "report"},    {"stats", "report"},
};

const char *cli_suggest_command(const char *word)
{
    static const char *const names[] = {"resize",  "grayscale", "sepia", "thumbnail",
                                        "convert", "bench",     "report"};

    for (size_t i = 0; i < sizeof(op_synonyms) / sizeof(op_synonyms[0]); i++)
        if (!strcasecmp(word, op_synonyms[i].typed))
            return op_synonyms[i].meant;
    return suggest_closest(word, names, sizeof(names) / sizeof(names[0]));
}

static int lookup_op(const char *s, enum op *op)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (!strcmp(s, ops[i].name)) {
            *op = ops[i].op;
            return 0;
        }
    }
    return -1;
}

int parse_ops(const char *text, enum op *list, char *bad, size_t badlen)
{
    char word[16];
    int n = 0;

    for (const char *p = text;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        enum op op;
        snprintf(word, sizeof(word), "%.*s", (int)(len < sizeof(word) ? len : sizeof(word) - 1), p);
        if (len == 0 || len >= sizeof(word) || lookup_op(word, &op) || op == OP_BENCH) {
            snprintf(bad, badlen, "%.*s", (int)len, p);
            return -1;
        }
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= list[i] == op;
        if (!seen) /* each operation once: "resize,resize" measures it once */
            list[n++] = op;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

/* bench's --op list into o, or -1 with why in err (a likely meaning, when there is one). */
static int parse_op_option(struct options *o, const char *text, char *err, size_t errlen)
{
    char bad[64];
    int n = parse_ops(text, o->bench_ops, bad, sizeof(bad));

    if (n > 0) {
        o->nbench_ops = n;
        o->bench_op = o->bench_ops[0];
        return 0;
    }
    const char *meant = bad[0] ? cli_suggest_command(bad) : NULL;
    if (meant && strcmp(meant, "bench"))
        return diag_into(err, errlen, "--op: unknown operation '%s'; did you mean '%s'?", bad,
                         meant);
    return diag_into(err, errlen,
                     "--op wants resize, grayscale, sepia, thumbnail or convert (several "
                     "separated by commas), not '%s'",
                     bad);
}

/* Whether op has a box: grayscale, sepia and convert keep the full size. */
static int op_takes_size(enum op op)
{
    return op == OP_RESIZE || op == OP_THUMBNAIL;
}

/* Whether any of bench's operations takes --size. */
static int bench_takes_size(const struct options *o)
{
    for (int i = 0; i < o->nbench_ops; i++)
        if (op_takes_size(o->bench_ops[i]))
            return 1;
    return 0;
}

/* "grayscale, sepia or convert": bench's operations, for a refusal. */
static void bench_ops_text(const struct options *o, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int i = 0; i < o->nbench_ops && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s",
                              i == 0                   ? ""
                              : i == o->nbench_ops - 1 ? " or "
                                                       : ", ",
                              op_name(o->bench_ops[i]));
}

/*
 * Each of bench's operations' box, from --size as typed (given) or its
 * default: a thumbnail's needs both sides and covers it; grayscale, sepia
 * and convert keep the full size.  0, or -1 with why in err.
 */
static int bench_boxes(struct options *o, const struct size_request *typed, int given, char *err,
                       size_t errlen)
{
    for (int i = 0; i < o->nbench_ops; i++) {
        struct size_request *r = &o->bench_sizes[i];
        enum op op = o->bench_ops[i];
        memset(r, 0, sizeof(*r));
        if (!op_takes_size(op))
            continue;
        if (!given) {
            r->width = op == OP_RESIZE ? 800 : 150;
            r->height = op == OP_RESIZE ? 600 : 150;
            continue;
        }
        *r = *typed;
        if (op != OP_THUMBNAIL)
            continue;
        if (r->mode != SIZE_FIT && r->mode != SIZE_COVER) {
            char text[48];
            size_text(r, text, sizeof(text));
            return diag_into(err, errlen,
                             "--size '%s' does not apply to thumbnail, which fills its box "
                             "exactly (give W, Wx, xH, WxH or WxH^)",
                             text);
        }
        r->mode = SIZE_FIT;
        if (!r->width)
            r->width = r->height;
        if (!r->height)
            r->height = r->width;
    }
    /* The run's own size is the first operation's box (a list is refused later). */
    if (o->nsizes <= 1) {
        o->nsizes = op_takes_size(o->bench_ops[0]);
        o->sizes[0] = o->bench_sizes[0];
    }
    o->size = o->bench_sizes[0];
    return 0;
}

enum {
    OPT_SUFFIX = 1000,
    OPT_QUIET,
    OPT_JSON,
    OPT_NO_ROTATE,
    OPT_KEEP_METADATA,
    OPT_KEEP,
    OPT_TIMEOUT,
    OPT_MAX_PIXELS,
    OPT_MAX_MEMORY,
    OPT_FAIL_ON,
    OPT_OP,
    OPT_REPEAT,
    OPT_HELP,
    OPT_VERSION,
    OPT_INCREMENTAL,
    OPT_WAIT,
    OPT_STATS_FILE,
    OPT_METRICS_FILE,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_FILES_FROM,
    OPT_SHARD,
    OPT_PROCS,
    OPT_CSV,
    OPT_PLOT,
    OPT_RETRY_FAILED,
    OPT_STATE_DIR,
    OPT_PRUNE,
    OPT_EFFORT,
    OPT_LOSSLESS,
    OPT_PROGRESSIVE,
    OPT_CHROMA,
    OPT_PNG_COMPRESSION,
    OPT_PALETTE,
    OPT_KEEP_ORIGINAL,
    OPT_NAME,
    OPT_MANIFEST,
    OPT_CROP,
};

static const struct option long_options[] = {
    {"jobs", required_argument, NULL, 'j'},
    {"size", required_argument, NULL, 's'},
    {"quality", required_argument, NULL, 'q'},
    {"format", required_argument, NULL, 'f'},
    {"recursive", no_argument, NULL, 'r'},
    {"suffix", required_argument, NULL, OPT_SUFFIX},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-rotate", no_argument, NULL, OPT_NO_ROTATE},
    {"keep-metadata", no_argument, NULL, OPT_KEEP_METADATA},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"op", required_argument, NULL, OPT_OP},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"procs", required_argument, NULL, OPT_PROCS},
    {"csv", required_argument, NULL, OPT_CSV},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"incremental", no_argument, NULL, OPT_INCREMENTAL},
    {"retry-failed", no_argument, NULL, OPT_RETRY_FAILED},
    {"prune", no_argument, NULL, OPT_PRUNE},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    /* Optional: "--wait=30" limits the wait, "--wait 30" is --wait and an operand. */
    {"wait", optional_argument, NULL, OPT_WAIT},
    {"stats-file", required_argument, NULL, OPT_STATS_FILE},
    {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"dry-run", no_argument, NULL, 'n'},
    {"files-from", required_argument, NULL, OPT_FILES_FROM},
    {"null", no_argument, NULL, '0'},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"effort", required_argument, NULL, OPT_EFFORT},
    {"lossless", no_argument, NULL, OPT_LOSSLESS},
    {"progressive", no_argument, NULL, OPT_PROGRESSIVE},
    {"chroma", required_argument, NULL, OPT_CHROMA},
    {"png-compression", required_argument, NULL, OPT_PNG_COMPRESSION},
    {"palette", no_argument, NULL, OPT_PALETTE},
    {"keep-original-if-smaller", no_argument, NULL, OPT_KEEP_ORIGINAL},
    {"name", required_argument, NULL, OPT_NAME},
    {"manifest", required_argument, NULL, OPT_MANIFEST},
    {"crop", required_argument, NULL, OPT_CROP},
    {NULL, 0, NULL, 0},
};

const char *cli_suggest_option(const char *typed)
{
    enum { NOPTIONS = sizeof(long_options) / sizeof(long_options[0]) - 1 };
    const char *names[NOPTIONS];
    char word[SUGGEST_WORD_MAX + 1];
    size_t len;

    if (strncmp(typed, "--", 2))
        return NULL; /* a letter is too short to be mistyped recognisably */
    typed += 2;
    len = strcspn(typed, "="); /* "--szie=10x10" */
    if (len > SUGGEST_WORD_MAX)
        return NULL;
    memcpy(word, typed, len);
    word[len] = '\0';
    for (size_t i = 0; i < NOPTIONS; i++)
        names[i] = long_options[i].name;
    return suggest_closest(word, names, NOPTIONS);
}

static int unknown_option(const char *typed, char *err, size_t errlen)
{
    const char *meant = cli_suggest_option(typed);

    if (meant)
        return diag_into(err, errlen, "unknown option '%s'; did you mean '--%s'?", typed, meant);
    return diag_into(err, errlen, "unknown option '%s'", typed);
}

static void set_defaults(struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->quality = 85;
    o->format = FMT_AUTO;
    o->formats[0] = FMT_AUTO;
    o->nformats = 1;
    o->crop = CROP_CENTRE;
    o->suffix = "";
    o->max_megapixels = DEFAULT_MAX_MEGAPIXELS;
    o->fail_on = FAIL_ON_ERROR;
    o->timeout_s = DEFAULT_TIMEOUT_S;
    o->repeat = 3;
    o->bench_op = o->bench_ops[0] = OP_RESIZE;
    o->nbench_ops = 1;
    encode_options_default(&o->encode);
}

/* Default box per operation, for the sides --size left unset. */
static void default_size(struct options *o, int size_given)
{
    enum op op = o->op == OP_BENCH ? o->bench_op : o->op;

    if (size_given) {
        /* A thumbnail box needs both sides: "200" means 200x200. */
        for (int i = 0; op == OP_THUMBNAIL && i < o->nsizes; i++) {
            struct size_request *r = &o->sizes[i];
            if (!r->width)
                r->width = r->height;
            if (!r->height)
                r->height = r->width;
        }
        return;
    }
    o->nsizes = op == OP_RESIZE || op == OP_THUMBNAIL;
    memset(&o->sizes[0], 0, sizeof(o->sizes[0]));
    if (op == OP_RESIZE) {
        o->sizes[0].width = 800;
        o->sizes[0].height = 600;
    } else if (op == OP_THUMBNAIL) {
        o->sizes[0].width = o->sizes[0].height = 150;
    }
}

/*
 * Output is bounded like input: a thumbnail is exactly the --size box,
 * whatever the input, so a box above --max-pixels (--size 100000 is ten
 * gigapixels) is refused before any work, instead of enlarging every
 * file to it.  resize never enlarges, and grayscale and sepia keep the
 * size, so their outputs are bounded by the input's own check.
 */
static int check_output_pixels(const struct options *o, const struct size_request *r, char *err,
                               size_t errlen)
{
    enum op op = o->op == OP_BENCH ? o->bench_op : o->op;
    double megapixels = (double)r->width * r->height / 1e6;
    char typed[48];

    if (o->max_megapixels <= 0)
        return 0;
    if (op == OP_THUMBNAIL && megapixels > o->max_megapixels)
        return diag_into(
            err, errlen,
            "--size %dx%d makes %.0f-megapixel thumbnails, above --max-pixels %g (give "
            "a smaller --size, or a larger --max-pixels)",
            r->width, r->height, megapixels, o->max_megapixels);
    /* What every file becomes: refused before any work.  The other modes depend on the file. */
    if (r->mode == SIZE_AREA)
        megapixels = (double)r->area / 1e6;
    size_text(r, typed, sizeof(typed));
    if ((r->mode == SIZE_EXACT || r->mode == SIZE_AREA) && megapixels > o->max_megapixels)
        return diag_into(err, errlen,
                         "--size %s makes %.0f-megapixel images, above --max-pixels %g (give a "
                         "smaller --size, or a larger --max-pixels)",
                         typed, megapixels, o->max_megapixels);
    return 0;
}

/*
 * A thumbnail always covers its box and crops the centre, which is what
 * ImageMagick's "^" asks: WxH^ is accepted as WxH, and the other modes
 * have no meaning there.
 */
static int thumbnail_sizes(struct options *o, char *err, size_t errlen)
{
    enum op op = o->op == OP_BENCH ? o->bench_op : o->op;
    char typed[48];

    for (int i = 0; op == OP_THUMBNAIL && i < o->nsizes; i++) {
        struct size_request *r = &o->sizes[i];
        if (r->mode == SIZE_FIT)
            continue;
        size_text(r, typed, sizeof(typed));
        if (r->mode != SIZE_COVER)
            return diag_into(err, errlen,
                             "--size '%s' does not apply to thumbnail, which fills its box "
                             "exactly (give W, Wx, xH, WxH or WxH^)",
                             typed);
        r->mode = SIZE_FIT;
    }
    return 0;
}

/* The sizes, each checked and completed: thumbnail's boxes, defaults, --max-pixels. */
static int settle_sizes(struct options *o, int size_given, char *err, size_t errlen)
{
    if (thumbnail_sizes(o, err, errlen) < 0)
        return -1;
    default_size(o, size_given);
    for (int i = 0; i < o->nsizes; i++)
        if (check_output_pixels(o, &o->sizes[i], err, errlen) < 0)
            return -1;
    return 0;
}

void cli_update_variants(struct options *o)
{
    int nsizes = o->nsizes ? o->nsizes : 1; /* the full-size operations: one, sizeless */

    if (o->nsizes)
        o->size = o->sizes[0];
    o->format = o->formats[0];
    o->nvariants = 0;
    for (int i = 0; i < nsizes; i++) {
        for (int f = 0; f < o->nformats; f++) {
            struct variant *v = &o->variants[o->nvariants++];
            memset(v, 0, sizeof(*v));
            if (o->nsizes)
                v->size = o->sizes[i];
            v->format = o->formats[f];
        }
    }
}

struct naming cli_naming(const struct options *o)
{
    struct naming n = {o->variants, o->nvariants, o->name_template, o->suffix, o->nsizes > 1};

    return n;
}

/* --name, --crop and the lists: what goes with what. */
static int check_set_options(const struct options *o, char *err, size_t errlen)
{
    if (o->op == OP_BENCH && (o->nsizes > 1 || o->nformats > 1))
        return diag_into(err, errlen, "bench measures one --size in one --format, not lists");
    if (o->name_template && o->suffix[0])
        return diag_into(err, errlen, "--name and --suffix: put the suffix in the --name template");
    if (o->manifest_file && !strcmp(o->manifest_file, "-") && o->json)
        return diag_into(err, errlen,
                         "--manifest - would put its document among --json's lines on stdout; "
                         "name a file");
    if (o->crop != CROP_CENTRE && o->op != OP_THUMBNAIL)
        return diag_into(err, errlen,
                         "--crop is for thumbnail, which cuts its box from the image (%s never "
                         "crops)",
                         op_name(o->op));
    struct naming n = cli_naming(o);
    return naming_check(&n, err, errlen);
}

/* Whether "--name" or "--name=value" is an option of the runs or of bench. */
static int runs_option(const char *typed)
{
    char name[SUGGEST_WORD_MAX + 1];
    const char *p = typed + strspn(typed, "-");
    size_t len = strcspn(p, "=");

    if (strncmp(typed, "--", 2) || len > SUGGEST_WORD_MAX)
        return 0;
    memcpy(name, p, len);
    name[len] = '\0';
    return cli_option_applies(OP_RESIZE, name) || cli_option_applies(OP_BENCH, name);
}

/*
 * `imgbatch report FILE... [--json]`: its own few words, read here rather
 * than by getopt, so that every option of the runs is refused by name
 * instead of being taken and ignored.
 */
static int parse_report_args(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
    int operands = 0, options_end = 0;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (options_end || a[0] != '-' || !a[1]) {
            argv[operands++] = argv[i]; /* operands to the front, in order */
            continue;
        }
        if (!strcmp(a, "--")) {
            options_end = 1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = 1;
            o->help_command = 1;
            return 0;
        } else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
            o->version = 1;
            return 0;
        } else if (runs_option(a)) {
            return diag_into(err, errlen, "%s is not for 'imgbatch report' (it takes --json)", a);
        } else {
            return unknown_option(a, err, errlen);
        }
    }
    if (!operands)
        return diag_into(err, errlen,
                         "report needs the stats files (--stats-file) or --json logs of the runs, "
                         "or a folder of them");
    for (int i = 0; i < operands; i++)
        if (!argv[i][0])
            return diag_into(err, errlen, "empty path given");
    o->inputs = (const char *const *)argv;
    o->ninputs = (size_t)operands;
    o->input = argv[0];
    return 0;
}

int cli_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
    const char *size_given = NULL; /* --size as typed */
    int bench_only_given = 0;
    const char *run_only_given = NULL; /* an option bench has no use for */
    char buf[3];
    int c;

    set_defaults(o);
    if (argc < 2)
        return diag_into(err, errlen, "no command given (try 'imgbatch --help')");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        o->help = 1;
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        o->version = 1;
        return 0;
    }
    if (lookup_op(argv[1], &o->op)) {
        const char *meant = cli_suggest_command(argv[1]);
        if (meant)
            return diag_into(err, errlen, "unknown command '%s'; did you mean '%s'?", argv[1],
                             meant);
        return diag_into(err, errlen, "unknown command '%s' (try 'imgbatch --help')", argv[1]);
    }
    if (o->op == OP_REPORT)
        return parse_report_args(argc - 2, argv + 2, o, err, errlen);

    /* Parse argv[1..]: getopt starts at index 1 of what it is given. */
    int ac = argc - 1;
    char **av = argv + 1;
    optind = 0; /* 0, not 1: glibc then also forgets a half-parsed "-abc" of a previous call */
    opterr = 0;
    while ((c = getopt_long(ac, av, ":j:s:q:f:rn0hV", long_options, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (parse_int(optarg, 1, JOBS_MAX, &o->jobs))
                return diag_into(err, errlen, "--jobs wants a number from 1 to %d, not '%s'",
                                 JOBS_MAX, optarg);
            break;
        case 's': {
            char bad[64];
            o->nsizes = parse_size_list(optarg, o->sizes, bad, sizeof(bad));
            if (o->nsizes < 0 && strchr(optarg, ','))
                return diag_into(err, errlen,
                                 "--size '%s': '%s' is not a size, or is there twice, or there "
                                 "are more than %d (W, Wx, xH, WxH, WxH>, WxH<, WxH^, WxH!, N%%, "
                                 "N@; sides from 1 to %d; commas between)",
                                 optarg, bad, SIZES_MAX, SIZE_MAX_SIDE);
            if (o->nsizes < 0)
                return diag_into(
                    err, errlen,
                    "--size '%s': not a size (W, Wx, xH, WxH, WxH>, WxH<, WxH^, WxH!, N%%, "
                    "N@; sides from 1 to %d)",
                    optarg, SIZE_MAX_SIDE);
            size_given = optarg;
            break;
        }
        case 'q':
            if (parse_int(optarg, 1, 100, &o->quality))
                return diag_into(err, errlen, "--quality wants a number from 1 to 100, not '%s'",
                                 optarg);
            break;
        case 'f':
            o->nformats = parse_format_list(optarg, o->formats);
            if (o->nformats < 0)
                return diag_into(
                    err, errlen,
                    "--format wants auto, jpeg, png, webp, tiff, gif, avif or jxl, or a list of "
                    "them without auto (avif,webp,jpeg), each once, not '%s'",
                    optarg);
            break;
        case OPT_NAME:
            run_only_given = "--name";
            if (!optarg[0])
                return diag_into(err, errlen,
                                 "--name wants a template, such as '{name}-{width}.{ext}'");
            o->name_template = optarg;
            break;
        case OPT_MANIFEST:
            run_only_given = "--manifest";
            if (!optarg[0])
                return diag_into(err, errlen, "--manifest wants a file name ('-': stdout)");
            o->manifest_file = optarg;
            break;
        case OPT_CROP:
            if (parse_crop(optarg, &o->crop))
                return diag_into(err, errlen,
                                 "--crop wants centre, attention, entropy, top, bottom, left or "
                                 "right, not '%s'",
                                 optarg);
            break;
        case 'r':
            o->recursive = 1;
            break;
        case OPT_SUFFIX:
            if (strchr(optarg, '/'))
                return diag_into(err, errlen, "--suffix may not contain '/'");
            o->suffix = optarg;
            break;
        case OPT_QUIET:
            o->quiet = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_NO_ROTATE:
            o->no_rotate = 1;
            break;
        case OPT_KEEP_METADATA:
            o->keep_metadata = KEEP_EXIF | KEEP_XMP; /* what it always kept */
            break;
        case OPT_KEEP:
            if (parse_keep(optarg, &o->keep_metadata))
                return diag_into(err, errlen,
                                 "--keep wants a list of exif, gps, xmp, icc and iptc (or all, or "
                                 "none), not '%s'",
                                 optarg);
            break;
        case OPT_TIMEOUT:
            /* Milliseconds in an int: from 1 ms to about 24 days; 0 for none. */
            if (!strcmp(optarg, "0"))
                o->timeout_s = 0;
            else if (parse_positive(optarg, &o->timeout_s) || o->timeout_s < 0.001 ||
                     o->timeout_s > 2000000)
                return diag_into(
                    err, errlen,
                    "--timeout wants seconds from 0.001 to 2000000 (0: none), not '%s'", optarg);
            break;
        case OPT_MAX_PIXELS:
            if (parse_positive(optarg, &o->max_megapixels) && strcmp(optarg, "0"))
                return diag_into(
                    err, errlen,
                    "--max-pixels wants a number of megapixels (0: no limit), not '%s'", optarg);
            if (!strcmp(optarg, "0"))
                o->max_megapixels = 0;
            break;
        case OPT_MAX_MEMORY: {
            /* Below 32 MB a worker cannot even start its image library. */
            int mb;
            if (parse_int(optarg, 0, 1 << 24, &mb) || (mb > 0 && mb < 32))
                return diag_into(
                    err, errlen,
                    "--max-memory wants megabytes per worker, 32 or more (0: no limit), "
                    "not '%s'",
                    optarg);
            o->max_memory_mb = mb;
            break;
        }
        case OPT_FAIL_ON:
            if (parse_fail_on(optarg, &o->fail_on))
                return diag_into(err, errlen,
                                 "--fail-on wants none, truncated, error or warning, not '%s'",
                                 optarg);
            break;
        case OPT_OP:
            bench_only_given = 1;
            if (parse_op_option(o, optarg, err, errlen))
                return -1;
            break;
        case OPT_REPEAT:
            bench_only_given = 1;
            if (parse_int(optarg, 1, 100, &o->repeat))
                return diag_into(err, errlen, "--repeat wants a number from 1 to 100, not '%s'",
                                 optarg);
            break;
        case OPT_INCREMENTAL:
            run_only_given = "--incremental";
            o->incremental = 1;
            break;
        case OPT_RETRY_FAILED:
            run_only_given = "--retry-failed";
            o->retry_failed = 1;
            break;
        case OPT_PRUNE:
            run_only_given = "--prune";
            o->prune = 1;
            break;
        case OPT_STATE_DIR:
            run_only_given = "--state-dir";
            if (!optarg[0])
                return diag_into(err, errlen, "--state-dir wants a directory");
            o->state_dir = optarg;
            break;
        case OPT_WAIT:
            run_only_given = "--wait";
            o->wait_for_lock = 1;
            o->wait_limit_s = 0;
            if (optarg && (parse_positive(optarg, &o->wait_limit_s) || o->wait_limit_s < 0.001 ||
                           o->wait_limit_s > 2000000))
                return diag_into(err, errlen,
                                 "--wait=SECONDS wants seconds from 0.001 to 2000000 (--wait alone "
                                 "waits as long as it takes), not '%s'",
                                 optarg);
            break;
        case OPT_STATS_FILE:
            run_only_given = "--stats-file";
            if (!optarg[0])
                return diag_into(err, errlen, "--stats-file wants a file name");
            o->stats_file = optarg;
            break;
        case OPT_METRICS_FILE:
            run_only_given = "--metrics-file";
            if (!optarg[0])
                return diag_into(err, errlen, "--metrics-file wants a file name");
            o->metrics_file = optarg;
            break;
        case OPT_PROGRESS:
            run_only_given = "--progress";
            o->progress = PROGRESS_ON;
            break;
        case OPT_NO_PROGRESS:
            run_only_given = "--no-progress";
            o->progress = PROGRESS_OFF;
            break;
        case 'n':
            run_only_given = "--dry-run";
            o->dry_run = 1;
            break;
        case OPT_FILES_FROM:
            run_only_given = "--files-from";
            if (!optarg[0])
                return diag_into(err, errlen,
                                 "--files-from wants a file name ('-': standard input)");
            o->files_from = optarg;
            break;
        case '0':
            run_only_given = "--null";
            o->null_separated = 1;
            break;
        case OPT_SHARD:
            run_only_given = "--shard";
            if (parse_shard(optarg, &o->shard_index, &o->shard_count))
                return diag_into(
                    err, errlen,
                    "--shard wants K/N with 1 <= K <= N <= %d (shard K of N), not '%s'", SHARDS_MAX,
                    optarg);
            break;
        case OPT_PROCS:
            bench_only_given = 1;
            o->nprocs = parse_procs(optarg, o->procs);
            if (o->nprocs < 0)
                return diag_into(err, errlen,
                                 "--procs wants process counts from 1 to %d separated by commas "
                                 "(at most %d), not '%s'",
                                 JOBS_MAX, BENCH_PROCS_MAX, optarg);
            break;
        case OPT_CSV:
            bench_only_given = 1;
            if (!optarg[0])
                return diag_into(err, errlen, "--csv wants a file name");
            o->csv_file = optarg;
            break;
        case OPT_PLOT: {
            bench_only_given = 1;
            size_t len = strlen(optarg);
            if (len < 5 || strcasecmp(optarg + len - 4, ".svg"))
                return diag_into(err, errlen, "--plot wants an .svg file name, not '%s'", optarg);
            o->plot_file = optarg;
            break;
        }
        case OPT_EFFORT:
            if (parse_int(optarg, 0, EFFORT_MAX, &o->encode.effort))
                return diag_into(
                    err, errlen,
                    "--effort wants a number from 0 (fastest) to %d (smallest), not '%s'",
                    EFFORT_MAX, optarg);
            break;
        case OPT_LOSSLESS:
            o->encode.lossless = 1;
            break;
        case OPT_PROGRESSIVE:
            o->encode.progressive = 1;
            break;
        case OPT_CHROMA:
            if (parse_chroma(optarg, &o->encode.chroma))
                return diag_into(err, errlen, "--chroma wants 420, 444 or auto, not '%s'", optarg);
            break;
        case OPT_PNG_COMPRESSION:
            if (parse_int(optarg, 0, 9, &o->encode.png_compression))
                return diag_into(
                    err, errlen,
                    "--png-compression wants a zlib level from 0 (none) to 9, not '%s'", optarg);
            break;
        case OPT_PALETTE:
            o->encode.palette = 1;
            break;
        case OPT_KEEP_ORIGINAL:
            o->encode.keep_original = 1;
            break;
        case 'h':
            o->help = 1;
            o->help_command = 1;
            return 0;
        case 'V':
            o->version = 1;
            return 0;
        case ':':
            return diag_into(err, errlen, "option '%s' needs a value",
                             option_as_typed(av[optind - 1], optopt, buf));
        default:
            return unknown_option(option_as_typed(av[optind - 1], optopt, buf), err, errlen);
        }
    }

    if (o->op == OP_BENCH && size_given && !bench_takes_size(o)) {
        char list[64];
        bench_ops_text(o, list, sizeof(list));
        return diag_into(err, errlen, "--size does not apply to %s", list);
    }
    if ((o->op == OP_GRAYSCALE || o->op == OP_SEPIA || o->op == OP_CONVERT) && size_given)
        return diag_into(err, errlen, "--size does not apply to %s (it keeps the full size%s)",
                         op_name(o->op),
                         o->op == OP_CONVERT ? "; 'imgbatch resize' changes it" : "");
    if (o->op != OP_BENCH && bench_only_given)
        return diag_into(err, errlen,
                         "--op, --repeat, --procs, --csv and --plot are for 'imgbatch bench'");
    if (o->op == OP_BENCH && run_only_given)
        return diag_into(err, errlen, "%s is not for 'imgbatch bench'", run_only_given);
    if (o->null_separated && !o->files_from)
        return diag_into(err, errlen, "--null (-0) goes with --files-from");
    if (o->retry_failed && !o->incremental)
        return diag_into(err, errlen, "--retry-failed goes with --incremental");
    if (o->prune && !o->incremental)
        return diag_into(err, errlen,
                         "--prune goes with --incremental (it removes what the state records)");
    if (cli_check_encode_options(o, err, errlen))
        return -1;

    /* As cp: every operand but the last is an INPUT, the last is OUTPUT.  bench has no OUTPUT. */
    int positional = ac - optind;
    if (o->op == OP_BENCH) {
        if (positional < 1)
            return diag_into(err, errlen, "bench needs an INPUT");
        if (positional > 1)
            return diag_into(err, errlen, "unexpected argument '%s' (bench measures one INPUT)",
                             av[optind + 1]);
    } else if (positional < 2) {
        return diag_into(err, errlen, "%s needs %s", op_name(o->op),
                         positional ? "an OUTPUT after the INPUT (a folder, or one image file)"
                                    : "an INPUT and an OUTPUT");
    }
    o->inputs = (const char *const *)&av[optind];
    o->ninputs = (size_t)(o->op == OP_BENCH ? positional : positional - 1);
    o->input = o->inputs[0];
    o->output = o->op == OP_BENCH ? NULL : av[ac - 1];
    o->output_dir = o->output;
    for (size_t i = 0; i < o->ninputs; i++)
        if (!o->inputs[i][0])
            return diag_into(err, errlen, "empty path given");
    if (o->output && !o->output[0])
        return diag_into(err, errlen, "empty path given");
    if (o->files_from && o->ninputs > 1)
        return diag_into(err, errlen, "--files-from names files below one INPUT folder, not %zu",
                         o->ninputs);
    struct size_request typed = o->sizes[0]; /* as given, before the first operation settles it */
    if (settle_sizes(o, size_given != NULL, err, errlen) < 0)
        return -1;
    if (o->op == OP_BENCH && bench_boxes(o, &typed, size_given != NULL, err, errlen) < 0)
        return -1;
    cli_update_variants(o);
    return check_set_options(o, err, errlen);
}

/* Which commands an option of the help applies to: bits of enum op. */
#define FOR(op) (1u << (op))
#define FOR_RUNS                                                                                   \
    (FOR(OP_RESIZE) | FOR(OP_GRAYSCALE) | FOR(OP_SEPIA) | FOR(OP_THUMBNAIL) | FOR(OP_CONVERT))
#define FOR_ALL (FOR_RUNS | FOR(OP_BENCH))
#define FOR_BOX (FOR(OP_RESIZE) | FOR(OP_THUMBNAIL) | FOR(OP_BENCH))
/* Every command, report too: what --help lists. */
#define FOR_EVERY (FOR_ALL | FOR(OP_REPORT))

/*
 * The options' help, in the order --help prints them, each with the
 * commands it applies to: the same refusals cli_parse makes (--size for
 * grayscale and sepia, the unattended options for bench, bench's own for
 * the others), so that "imgbatch COMMAND --help" lists what COMMAND takes.
 */
static const struct help_section {
    const char *heading;
    const struct help_entry {
        unsigned ops;
        const char *text;
    } entries[24];
} help_sections[] = {
    {"options:",
     {
         {FOR_RUNS,
          "  -j, --jobs N        worker processes (default: online CPUs, at most the files)\n"},
         {FOR_BOX,
          "  -s, --size WxH      target size, ImageMagick's geometry: W, Wx, xH or WxH fit\n"
          "                      inside (one side alone constrains that side); WxH> shrink\n"
          "                      only; WxH< enlarge only; WxH^ cover; WxH! exactly WxH;\n"
          "                      N% scale by N percent; N@ at most N pixels (thumbnail:\n"
          "                      W, Wx, xH, WxH or WxH^, all one cropped box); a list\n"
          "                      (1920x,1280x,640x) makes every size of each input\n"
          "                      from one decode, never enlarged (not for bench)\n"},
         {FOR_ALL,
          "  -q, --quality N     quality 1..100 on JPEG's scale, for JPEG, WebP, AVIF and\n"
          "                      JPEG XL (default 85)\n"},
         {FOR_ALL, "  -f, --format F      auto, jpeg, png, webp, tiff, gif, avif or jxl (default\n"
                   "                      auto: JPEG, PNG, WebP, TIFF, GIF, AVIF and JPEG XL keep\n"
                   "                      their format; BMP becomes PNG, HEIF JPEG); a list\n"
                   "                      (avif,webp,jpeg) makes each size in every format\n"},
         {FOR_RUNS,
          "      --name TEMPLATE name the outputs from {name}, {ext}, {dir}, {width},\n"
          "                      {height} and {format}, e.g. '{name}-{width}.{ext}' (default:\n"
          "                      the input's name, with -{width} when there are several\n"
          "                      sizes); a / in it makes folders below OUTPUT\n"},
         {FOR(OP_THUMBNAIL),
          "      --crop POS      where thumbnail's box is cut: centre (default), attention\n"
          "                      or entropy (the subject, found by libvips), top, bottom,\n"
          "                      left or right\n"},
         {FOR_RUNS,
          "      --manifest F    write each input's outputs (path, width, height, format,\n"
          "                      bytes) to F as JSON, atomically ('-': stdout)\n"},
         {FOR_ALL,
          "  -r, --recursive     descend into subdirectories, mirroring them under OUTPUT\n"},
         {FOR_ALL, "      --suffix S      insert S before the output extension (a.jpg -> aS.jpg);\n"
                   "                      with S or --format, OUTPUT may be INPUT: the outputs go\n"
                   "                      beside the inputs, and are never taken as inputs\n"},
         {FOR_ALL, "      --quiet         nothing but failures: no success lines, and no summary\n"
                   "                      when nothing failed\n"},
         {FOR_EVERY, "      --json          one JSON object per file, then a summary object\n"},
         {FOR_ALL, "      --no-rotate     ignore the EXIF orientation\n"},
         {FOR_ALL,
          "      --keep LIST     keep these kinds of metadata: exif, gps, xmp, icc, iptc,\n"
          "                      or all (default: none); GPS only when named; a kept\n"
          "                      ICC profile keeps the pixels in it, not sRGB\n"},
         {FOR_ALL, "      --keep-metadata the same as --keep exif,xmp\n"},
         {FOR_ALL, "      --timeout SEC   fail a file that takes longer, killing its worker\n"
                   "                      (default 300; 0: no limit)\n"},
         {FOR_ALL, "      --max-pixels MP refuse inputs above MP megapixels before decoding them,\n"
                   "                      and outputs the size asked would make larger (default\n"
                   "                      200; 0: no limit)\n"},
         {FOR_ALL, "      --max-memory MB limit each worker's memory: an image that needs more\n"
                   "                      fails alone (default: no limit)\n"},
         {FOR_ALL, "      --fail-on LEVEL damage that fails a file: none (decode what can be),\n"
                   "                      truncated, error (default) or warning (any at all)\n"},
         {FOR_EVERY, "  -h, --help          this text\n"},
         {FOR_EVERY, "  -V, --version       the version, and those of the libraries\n"},
     }},
    {"output encoding (each option for the formats that have it):",
     {
         {FOR_ALL, "      --effort N      CPU spent making WebP, AVIF and JPEG XL smaller, from 0\n"
                   "                      (fastest) to 9 (smallest) (default: WebP 4, AVIF 3,\n"
                   "                      JPEG XL 5)\n"},
         {FOR_ALL, "      --lossless      WebP, AVIF and JPEG XL without loss (no --quality)\n"},
         {FOR_ALL, "      --progressive   progressive JPEG, interlaced PNG\n"},
         {FOR_ALL, "      --chroma C      JPEG and AVIF chroma: 420 (half resolution), 444 (full)\n"
                   "                      or auto (default: full from --quality 90 up)\n"},
         {FOR_ALL, "      --png-compression N  PNG's zlib level, 0 (none) to 9 (default 6)\n"},
         {FOR_ALL,
          "      --palette       PNG of at most 256 colours, quantised by libimagequant\n"},
         {FOR_ALL, "      --keep-original-if-smaller  where the output is the input's own\n"
                   "                      picture (same format, size and pixels) but larger,\n"
                   "                      write the input's bytes instead\n"},
     }},
    {"unattended runs:",
     {
         {FOR_RUNS,
          "      --incremental   skip files whose output is up to date for the same\n"
          "                      operation and options (state in OUTPUT/.imgbatch-state)\n"},
         {FOR_RUNS,
          "      --retry-failed  with --incremental, redo the files that failed before and\n"
          "                      have not changed since (default: skipped, not a failure)\n"},
         {FOR_RUNS,
          "      --prune         with --incremental, remove the outputs it made for inputs\n"
          "                      that are gone (nothing else)\n"},
         {FOR_RUNS, "      --wait[=SEC]    if another run holds OUTPUT, wait for it, at most SEC\n"
                    "                      seconds if given (default: exit 75 at once)\n"},
         {FOR_RUNS,
          "      --state-dir DIR keep the lock and the --incremental state in DIR, named\n"
          "                      after OUTPUT, instead of in OUTPUT\n"},
         {FOR_RUNS,
          "      --stats-file F  write the summary to F as JSON, atomically ('-': stdout,\n"
          "                      after the report)\n"},
         {FOR_RUNS,
          "      --metrics-file F  write the summary to F for Prometheus (node_exporter's\n"
          "                      textfile collector), atomically ('-': stdout)\n"},
         {FOR_RUNS,
          "      --progress      show the progress line on stderr even if not a terminal\n"},
         {FOR_RUNS, "      --no-progress   never show it (default: only on a terminal)\n"},
         {FOR_RUNS, "  -n, --dry-run       list what would be processed, skipped and refused;\n"
                    "                      write nothing\n"},
         {FOR_RUNS,
          "      --files-from F  process the files listed in F ('-': stdin), one per line,\n"
          "                      relative to INPUT, instead of scanning INPUT\n"},
         {FOR_RUNS,
          "  -0, --null          names in the --files-from list end with NUL, not newline\n"},
         {FOR_RUNS,
          "      --shard K/N     process only shard K of N (1..N): the files whose path\n"
          "                      relative to INPUT hashes to K (64-bit FNV-1a mod N, plus 1)\n"},
     }},
    {"bench options:",
     {
         {FOR(OP_BENCH), "      --op OP         operation to measure (default resize)\n"},
         {FOR(OP_BENCH),
          "      --procs LIST    process counts to try, e.g. 1,2,4,8 (default 1, 2, 4 ...\n"
          "                      up to twice the online CPUs, never more than the files)\n"},
         {FOR(OP_BENCH), "  -j, --jobs MAX      without --procs: try 1, 2, 4 ... MAX\n"},
         {FOR(OP_BENCH),
          "      --repeat N      runs per process count; the median is shown (default 3)\n"},
         {FOR(OP_BENCH),
          "      --csv FILE      also write the table as CSV ('-': stdout, after the table)\n"},
         {FOR(OP_BENCH),
          "      --plot FILE.svg draw images/s against processes, with the ideal line\n"},
     }},
};

/* One command: its usage line and what it does, for "imgbatch COMMAND --help". */
static const char *const command_help[] = {
    [OP_RESIZE] = "usage: imgbatch resize INPUT... OUTPUT [--size WxH] [options]\n"
                  "\n"
                  "Fit each image inside WxH (default 800x600), keeping its aspect ratio;\n"
                  "an image already smaller is never enlarged.\n",
    [OP_GRAYSCALE] = "usage: imgbatch grayscale INPUT... OUTPUT [options]\n"
                     "\n"
                     "Keep each image at full size, luminance only (BT.601).\n",
    [OP_SEPIA] = "usage: imgbatch sepia INPUT... OUTPUT [options]\n"
                 "\n"
                 "Keep each image at full size, in sepia tone.\n",
    [OP_THUMBNAIL] = "usage: imgbatch thumbnail INPUT... OUTPUT [--size WxH] [options]\n"
                     "\n"
                     "Fill WxH exactly (default 150x150): scale to cover the box, then crop\n"
                     "its centre.  --size 200 means 200x200.\n",
    [OP_CONVERT] = "usage: imgbatch convert INPUT... OUTPUT [--format F] [options]\n"
                   "\n"
                   "Keep each image at full size: upright, 8-bit sRGB, metadata stripped\n"
                   "(--keep-metadata keeps it), in the format --format or OUTPUT's extension\n"
                   "names (a.png b.webp).\n",
    [OP_BENCH] = "usage: imgbatch bench INPUT [--op OP] [--procs LIST] [options]\n"
                 "\n"
                 "Measure images/s against the number of worker processes: run --op (default\n"
                 "resize) on every image of INPUT with each process count, --repeat times,\n"
                 "and print the medians.  Nothing is written but --csv and --plot.\n",
    [OP_REPORT] = "usage: imgbatch report FILE... [--json]\n"
                  "\n"
                  "Add up the stats files (--stats-file) and --json logs of the shards of a\n"
                  "split run (--shard K/N), or of one run: one summary, a line per shard, the\n"
                  "shards missing, and the files that failed (from the logs).  A FILE may be a\n"
                  "folder: its .json and .jsonl files.  Exit 0 when every shard is there and\n"
                  "ended with 0, 1 when one is missing or did not, 2 when a file cannot be read\n"
                  "or the files are not of one run.\n",
};

/* What INPUT and OUTPUT may be, for the whole help and a command's. */
static const char operands_help[] =
    "INPUT is an image or a folder, and there may be several.  OUTPUT is a folder,\n"
    "created if missing; for one INPUT image it may be an image file (out.webp),\n"
    "written in the format its extension names.  An existing folder, or a name\n"
    "ending in /, is always a folder.  Images are read by their content: JPEG,\n"
    "PNG, GIF, WebP, TIFF, BMP, HEIF (HEIC), AVIF and JPEG XL.\n";

/* Whether an entry of the help describes --name (and not a longer name it begins). */
static int entry_describes(const struct help_entry *e, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = e->text; (p = strstr(p, "--")) != NULL; p += 2)
        if (!strncmp(p + 2, name, len) && (p[2 + len] == ' ' || p[2 + len] == '\n'))
            return 1;
    return 0;
}

int cli_option_applies(enum op op, const char *name)
{
    for (size_t s = 0; s < sizeof(help_sections) / sizeof(help_sections[0]); s++)
        for (const struct help_entry *e = help_sections[s].entries; e->text; e++)
            if ((e->ops & FOR(op)) && entry_describes(e, name))
                return 1;
    return 0;
}

/* The options of every section that apply to one of ops, under their headings. */
static void print_options(FILE *out, unsigned for_ops)
{
    for (size_t s = 0; s < sizeof(help_sections) / sizeof(help_sections[0]); s++) {
        const struct help_section *section = &help_sections[s];
        int headed = 0;
        for (const struct help_entry *e = section->entries; e->text; e++) {
            if (!(e->ops & for_ops))
                continue;
            if (!headed)
                fprintf(out, "\n%s\n", section->heading);
            headed = 1;
            fputs(e->text, out);
        }
    }
}

void cli_usage(FILE *out)
{
    fputs(
        "usage: imgbatch COMMAND INPUT... OUTPUT [options]\n"
        "\n"
        "commands:\n"
        "  resize    [--size WxH]         fit inside WxH, keep aspect, never enlarge\n"
        "                                 (default 800x600)\n"
        "  grayscale                      full size, luminance only (BT.601)\n"
        "  sepia                          full size, sepia tone\n"
        "  thumbnail [--size WxH]         fill WxH exactly, centre crop (default 150x150)\n"
        "  convert   [--format F]         full size: another format, upright, sRGB\n"
        "  bench INPUT [--op OP] [--procs LIST]  images/s against the number of processes\n"
        "  report FILE... [--json]        add up the stats files of a split run's shards\n"
        "\n",
        out);
    fputs(operands_help, out);
    fputs("'imgbatch COMMAND --help' shows one command and its options.\n", out);
    print_options(out, FOR_EVERY);
    fputs("\n"
          "exit status: 0 all files ok, 1 some file failed, 2 usage or setup error,\n"
          "3 stopped because workers kept dying, 75 OUTPUT in use by another imgbatch\n"
          "run (see --wait), 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM (a second\n"
          "signal stops the files in flight at once),\n"
          "141 stopped because the report's reader went away (SIGPIPE).\n",
          out);
}

void cli_command_usage(FILE *out, enum op op)
{
    fputs(command_help[op], out);
    /* report has no INPUT and OUTPUT: its help says what its FILEs are. */
    if (op == OP_BENCH)
        fputs("\nINPUT is a folder or one image.\n", out);
    else if (op != OP_REPORT)
        fprintf(out, "\n%s", operands_help);
    print_options(out, FOR(op));
    fputs("\n'imgbatch --help' shows every command and the exit statuses.\n", out);
}

struct scan_request cli_scan_request(const struct options *opts)
{
    struct scan_request req = {
        .inputs = opts->inputs,
        .ninputs = opts->ninputs,
        .output = opts->output_dir,
        .output_file = opts->output_name ? opts->output : NULL,
        .recursive = opts->recursive,
        .files_from = opts->files_from,
        .null_separated = opts->null_separated,
        .shard_index = opts->shard_index,
        .shard_count = opts->shard_count,
        .format = opts->format,
        .suffix = opts->suffix,
        .naming = cli_naming(opts),
    };
    return req;
}

/*
 * The encoder options folded into the hash h of the others.  All at their
 * defaults they leave h as it was before they existed, so that a state
 * file written then still finds its outputs up to date.
 */
static uint64_t encode_options_hash(const struct encode_options *e, uint64_t h)
{
    struct encode_options plain;

    encode_options_default(&plain);
    if (!memcmp(e, &plain, sizeof(plain)))
        return h;
    char *text = xasprintf("%016llx effort=%d lossless=%d progressive=%d chroma=%d "
                           "png-compression=%d palette=%d keep-original=%d",
                           (unsigned long long)h, e->effort, e->lossless, e->progressive,
                           (int)e->chroma, e->png_compression, e->palette, e->keep_original);
    h = fnv1a64(text);
    free(text);
    return h;
}

uint64_t cli_variant_hash(const struct options *o, size_t v)
{
    /* max-pixels, timeouts and memory limits decide whether a file fails, not its pixels. */
    const struct variant *var = &o->variants[v];
    char size[48];
    char metadata[64];

    /* "WxH" for a plain box, as before the modes; a full-size operation's zero box as ever. */
    size_text(&var->size, size, sizeof(size));
    /* "0" and "1" as before --keep (1: --keep-metadata's exif,xmp), so old states still match. */
    if (o->keep_metadata == 0 || o->keep_metadata == (KEEP_EXIF | KEEP_XMP))
        snprintf(metadata, sizeof(metadata), "%d", o->keep_metadata != 0);
    else
        keep_text(o->keep_metadata, metadata, sizeof(metadata));
    char *text = xasprintf("op=%s size=%s quality=%d format=%s rotate=%d metadata=%s "
                           "fail-on=%s suffix=%s",
                           op_name(o->op), size, o->quality, format_name(var->format),
                           !o->no_rotate, metadata, fail_on_name(o->fail_on), o->suffix);
    uint64_t h = fnv1a64(text);

    free(text);
    /* thumbnail's crop, folded in only when not the centre it always was. */
    if (o->crop != CROP_CENTRE) {
        text = xasprintf("%016llx crop=%s", (unsigned long long)h, crop_name(o->crop));
        h = fnv1a64(text);
        free(text);
    }
    return encode_options_hash(&o->encode, h);
}

uint64_t cli_output_hash(const struct options *o)
{
    return cli_variant_hash(o, 0);
}

struct state_request cli_state_request(const struct options *opts, const struct kept_files *kept,
                                       uint64_t *options, uint64_t *failure_options)
{
    /* A file that failed may pass with a higher limit or a longer timeout. */
    for (size_t v = 0; v < opts->nvariants; v++) {
        options[v] = cli_variant_hash(opts, v);
        char *text = xasprintf("output=%016llx max-pixels=%.17g max-memory=%lld timeout=%.17g",
                               (unsigned long long)options[v], opts->max_megapixels,
                               opts->max_memory_mb, opts->timeout_s);
        failure_options[v] = fnv1a64(text);
        free(text);
    }
    /*
     * The records say which INPUT they came from, for --prune; with several
     * INPUTs they say none, and --prune is refused (run.c).
     */
    struct state_request req = {
        .output = opts->output,
        .dir = kept->dir,
        .name = kept->state_name,
        .options = options,
        .failure_options = failure_options,
        .nvariants = opts->nvariants,
        .input = opts->ninputs > 1 ? NULL : opts->input,
    };

    return req;
}
