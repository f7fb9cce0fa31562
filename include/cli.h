/*
 * cli: the command line, parsed into struct options.
 *
 * Parsing never prints and never exits: it fills an error message that the
 * caller prints, so every rule can be unit tested.
 */
#ifndef IMGBATCH_CLI_H
#define IMGBATCH_CLI_H

#include <stddef.h>
#include <stdio.h>

enum op { OP_RESIZE, OP_GRAYSCALE, OP_SEPIA, OP_THUMBNAIL, OP_BENCH };

enum out_format { FMT_AUTO, FMT_JPEG, FMT_PNG, FMT_WEBP, FMT_TIFF };

#define JOBS_MAX 256

struct options {
    enum op op;
    enum op bench_op;        /* the operation bench measures */
    const char *input;
    const char *output;      /* NULL for bench */
    int jobs;                /* 0: online CPUs, at most the number of files */
    int width, height;       /* target box; 0 leaves that side free */
    int quality;
    enum out_format format;
    int recursive;
    int quiet;
    int json;
    int no_rotate;
    int keep_metadata;
    const char *suffix;      /* "" when none */
    double timeout_s;        /* per file; 0: none */
    double max_megapixels;   /* refuse inputs larger than this; 0: no limit */
    int repeat;              /* bench: runs per worker count */
    int help;
    int version;
};

/* "WxH", "W" or "xH".  Missing sides are 0.  Returns 0, or -1 if malformed. */
int parse_size(const char *text, int *width, int *height);

/* Returns 0 and fills opts, or -1 with a one-line reason in err. */
int cli_parse(int argc, char **argv, struct options *opts, char *err, size_t errlen);

const char *op_name(enum op op);
const char *format_name(enum out_format f);

void cli_usage(FILE *out);

#endif
