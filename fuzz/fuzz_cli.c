/*
 * fuzz_cli: cli_parse and parse_size on arbitrary command lines.
 *
 * The input, split on NUL bytes, is the arguments after "imgbatch".  Each
 * argument and the error buffer are allocations of their exact size, so
 * AddressSanitizer sees any access past them.  cli_parse drives getopt_long,
 * whose hidden state outlives a call: the command line is parsed from a
 * first copy, that copy is freed, and a second copy must parse to the same
 * result (a pointer kept into the first copy becomes a use after free).  The
 * whole input, up to its first NUL, is also one string for parse_size.  A
 * broken rule calls abort(), which libFuzzer reports with the input.
 */
#include "cli.h"
#include "base/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#define SIDE_MAX 100000 /* cli.c's SIZE_MAX_SIDE */
#define ARGS_MAX 64
#define ERR_LEN 512 /* main.c's buffer */

struct args {
    int argc;
    char *argv[ARGS_MAX + 2];
    char *orig[ARGS_MAX + 1]; /* argv as built: getopt_long permutes argv */
};

static void args_make(struct args *a, const uint8_t *data, size_t size)
{
    size_t start = 0;

    a->argc = 0;
    a->argv[a->argc++] = xstrdup("imgbatch");
    for (size_t i = 0; size && i <= size && a->argc <= ARGS_MAX; i++) {
        if (i == size || data[i] == '\0') {
            a->argv[a->argc++] = xstrndup((const char *)data + start, i - start);
            start = i + 1;
        }
    }
    a->argv[a->argc] = NULL;
    memcpy(a->orig, a->argv, sizeof(a->orig));
}

static void args_release(struct args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->orig[i]);
}

/* Whether p is one of the arguments after the command, not a copy or a stray pointer. */
static int is_path_arg(const char *p, const struct args *a)
{
    for (int i = 2; i < a->argc; i++)
        if (p == a->orig[i])
            return 1;
    return 0;
}

/* An operation's box as the engine may take it. */
static void check_box(enum op op, const struct size_request *r)
{
    CHECK(r->width >= 0 && r->width <= SIDE_MAX && r->height >= 0 && r->height <= SIDE_MAX);
    if (op == OP_RESIZE)
        CHECK(r->width || r->height || r->mode == SIZE_PERCENT || r->mode == SIZE_AREA);
    if (op == OP_THUMBNAIL)
        CHECK(r->width && r->height && r->mode == SIZE_FIT);
    if (op == OP_GRAYSCALE || op == OP_SEPIA)
        CHECK(!r->width && !r->height && r->mode == SIZE_FIT);
}

/* What a successful parse promises to run.c and bench.c; plain: "resize a b". */
static void check_options(const struct options *o, const struct options *plain,
                          const struct args *a)
{
    if (o->help || o->version)
        return; /* parsing stopped there, and nothing else is used */

    enum op op = o->op == OP_BENCH ? o->bench_op : o->op;
    CHECK((unsigned)o->op <= OP_REPORT && (unsigned)o->bench_op < OP_BENCH);
    if (o->op == OP_REPORT) {
        /* Its FILEs, each an argument, and no option of the runs taken (--json alone). */
        CHECK(o->ninputs >= 1 && o->input == o->inputs[0] && !o->output);
        for (size_t i = 0; i < o->ninputs; i++)
            CHECK(o->inputs[i][0] && is_path_arg(o->inputs[i], a));
        CHECK(o->quality == plain->quality && o->jobs == plain->jobs && !o->shard_count);
        return;
    }
    CHECK(o->input && o->input[0] && is_path_arg(o->input, a));
    if (o->op == OP_BENCH)
        CHECK(!o->output);
    else
        CHECK(o->output && o->output[0] && is_path_arg(o->output, a));
    CHECK(o->jobs >= 0 && o->jobs <= JOBS_MAX);
    check_box(op, &o->size);
    if (o->op == OP_BENCH) { /* each operation measured, once, with its own box */
        CHECK(o->nbench_ops >= 1 && o->nbench_ops <= BENCH_OPS_MAX);
        CHECK(o->bench_ops[0] == o->bench_op);
        for (int i = 0; i < o->nbench_ops; i++) {
            CHECK((unsigned)o->bench_ops[i] < OP_BENCH);
            for (int k = 0; k < i; k++)
                CHECK(o->bench_ops[k] != o->bench_ops[i]);
            check_box(o->bench_ops[i], &o->bench_sizes[i]);
        }
    }
    CHECK(o->quality >= 1 && o->quality <= 100);
    CHECK((unsigned)o->format <= FMT_JXL);
    /* The lists: sizes checked as the one was, formats each once, one variant per pair. */
    CHECK(o->nsizes >= 0 && o->nsizes <= SIZES_MAX && o->nformats >= 1 &&
          o->nformats <= FORMATS_MAX);
    CHECK(o->nvariants == (size_t)(o->nsizes ? o->nsizes : 1) * (size_t)o->nformats);
    CHECK(o->nsizes == 0 || !memcmp(&o->size, &o->sizes[0], sizeof(o->size)));
    CHECK(o->format == o->formats[0]);
    for (int i = 0; i < o->nsizes; i++) {
        const struct size_request *s = &o->sizes[i];
        CHECK(s->width >= 0 && s->width <= SIDE_MAX && s->height >= 0 && s->height <= SIDE_MAX);
        if (op == OP_THUMBNAIL)
            CHECK(s->width && s->height && s->mode == SIZE_FIT);
    }
    for (int i = 0; o->nformats > 1 && i < o->nformats; i++)
        CHECK(o->formats[i] != FMT_AUTO);
    CHECK(o->crop == CROP_CENTRE || o->op == OP_THUMBNAIL);
    /* The encoder options: in range, and none that the one format of every output lacks. */
    const struct encode_options *e = &o->encode;
    CHECK(e->effort == EFFORT_DEFAULT || (e->effort >= 0 && e->effort <= EFFORT_MAX));
    CHECK(e->png_compression >= 0 && e->png_compression <= 9);
    CHECK((unsigned)e->chroma <= CHROMA_444);
    CHECK((e->lossless | e->progressive | e->palette | e->keep_original) <= 1);
    CHECK(o->nformats > 1 || o->format == FMT_AUTO || !encode_option_unused(e, o->format));
    CHECK(!encode_option_unused_by_all(e, o->formats, (size_t)o->nformats) ||
          (o->nformats == 1 && o->format == FMT_AUTO));
    CHECK(o->suffix && !strchr(o->suffix, '/'));
    CHECK(o->timeout_s == 0 || (o->timeout_s >= 0.001 && o->timeout_s <= 2000000));
    CHECK(o->max_megapixels >= 0 && o->max_megapixels <= 1e9); /* false for NaN too */
    CHECK(o->max_memory_mb == 0 || (o->max_memory_mb >= 32 && o->max_memory_mb <= 1 << 24));
    CHECK((unsigned)o->fail_on <= FAIL_ON_WARNING);
    CHECK(o->repeat >= 1 && o->repeat <= 100);
    if (o->op != OP_BENCH) /* --op and --repeat are refused outside bench: defaults stay */
        CHECK(o->bench_op == plain->bench_op && o->repeat == plain->repeat);
}

/* The options of a plain "resize a b", parsed once: the defaults of what it does not set. */
static const struct options *plain_options(void)
{
    static const uint8_t line[] = "resize\0a\0b";
    static struct options o;
    static int done;

    if (!done) {
        struct args a;
        char err[ERR_LEN];
        args_make(&a, line, sizeof(line) - 1);
        CHECK(cli_parse(a.argc, a.argv, &o, err, sizeof(err)) == 0);
        args_release(&a);
        o.input = o.output = NULL; /* they pointed into a */
        done = 1;
    }
    return &o;
}

/* Everything a parse produced, as text, to compare two parses. */
static char *describe(int rc, const struct options *o, const char *err)
{
    if (rc)
        return xasprintf("error: %s", err);
    return xasprintf("op %d/%d in %s out %s j %d size %dx%d/%d/%d/%lld q %d f %d r %d quiet %d json %d "
                     "norot %d meta %d suffix %s timeout %a mp %a mem %lld fail_on %d repeat %d "
                     "help %d version %d encode %d/%d/%d/%d/%d/%d/%d",
                     o->op, o->bench_op, o->input ? o->input : "-", o->output ? o->output : "-",
                     o->jobs, o->size.width, o->size.height, o->size.mode, o->size.percent,
                     o->size.area, o->quality, o->format, o->recursive, o->quiet,
                     o->json, o->no_rotate, o->keep_metadata, o->suffix ? o->suffix : "-",
                     o->timeout_s, o->max_megapixels, o->max_memory_mb, o->fail_on, o->repeat,
                     o->help, o->version, o->encode.effort, o->encode.lossless,
                     o->encode.progressive, (int)o->encode.chroma, o->encode.png_compression,
                     o->encode.palette, o->encode.keep_original);
}

/* One parse into an error buffer of exactly errlen bytes; returns describe()'s text. */
static char *parse(const uint8_t *data, size_t size, size_t errlen, int *rc, char **err_out)
{
    struct args a;
    struct options o;
    char *err = malloc(errlen);

    CHECK(err);
    memset(err, 'E', errlen); /* so that a missing terminator shows */
    args_make(&a, data, size);
    *rc = cli_parse(a.argc, a.argv, &o, err, errlen);
    CHECK(*rc == 0 || *rc == -1);
    if (*rc)
        CHECK(memchr(err, '\0', errlen) && (errlen == 1 || err[0]));
    else
        check_options(&o, plain_options(), &a);
    char *text = describe(*rc, &o, err);
    args_release(&a);
    *err_out = err;
    return text;
}

static void check_cli(const uint8_t *data, size_t size)
{
    int rc1, rc2, rc3;
    char *err1, *err2, *err3;
    char *first = parse(data, size, ERR_LEN, &rc1, &err1);
    char *second = parse(data, size, ERR_LEN, &rc2, &err2);

    CHECK(rc1 == rc2 && !strcmp(first, second));

    /* A short buffer gets the same message, cut and terminated. */
    size_t small = 1 + size % 16;
    free(parse(data, size, small, &rc3, &err3));
    CHECK(rc3 == rc1);
    if (rc3) {
        size_t want = strlen(err1) < small - 1 ? strlen(err1) : small - 1;
        CHECK(strlen(err3) == want && !memcmp(err3, err1, want));
    }
    free(first);
    free(second);
    free(err1);
    free(err2);
    free(err3);
}

/* parse_size's promises, checked against strtol on the same text. */
static void check_size(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);
    size_t len = strlen(text);
    struct size_request r = {.mode = SIZE_FIT, .width = -1, .height = -1};

    if (parse_size(text, &r) == 0) {
        char last = text[len - 1]; /* "" is refused */
        const char *x = strpbrk(text, "xX");
        CHECK(strspn(text, "0123456789xX") >= len - 1);
        if (r.mode == SIZE_PERCENT || r.mode == SIZE_AREA) {
            CHECK(last == (r.mode == SIZE_PERCENT ? '%' : '@') && !x);
            CHECK(r.mode == SIZE_PERCENT ? r.percent == strtol(text, NULL, 10)
                                         : r.area == strtoll(text, NULL, 10));
            CHECK(r.percent >= 0 && r.area >= 0 && (r.percent || r.area));
        } else {
            CHECK((r.mode == SIZE_FIT) == (strspn(text, "0123456789xX") == len));
            CHECK(r.width >= 0 && r.width <= SIDE_MAX && r.height >= 0 && r.height <= SIDE_MAX &&
                  (r.width || r.height));
            CHECK(x == text ? r.width == 0 : (r.width >= 1 && r.width == strtol(text, NULL, 10)));
            CHECK(x && x[1] >= '0' && x[1] <= '9' ? r.height == strtol(x + 1, NULL, 10)
                                                   : r.height == 0);
            CHECK(!x || !strpbrk(x + 1, "xX"));
            if (r.mode == SIZE_COVER || r.mode == SIZE_EXACT)
                CHECK(r.width && r.height);
        }
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_cli(data, size);
    check_size(data, size);
    return 0;
}
