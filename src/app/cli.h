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

#include "image/formats.h"
#include "image/image.h"
#include "kept_files.h"
#include "naming.h"
#include "progress.h"
#include "scan.h"
#include "shard.h"
#include "state.h"

/* Exit status for a usage or setup error (bad option, unreadable INPUT...). */
#define EXIT_USAGE 2

/*
 * The commands: the five image operations, bench, and report (the stats
 * files of a split run added up: report_cmd.h).
 */
enum op { OP_RESIZE, OP_GRAYSCALE, OP_SEPIA, OP_THUMBNAIL, OP_CONVERT, OP_BENCH, OP_REPORT };

/*
 * The default pixel limit: above the largest camera sensors sold (about
 * 150 MP medium format backs, 200 MP phone modes), below what only
 * stitched panoramas, scans and decompression bombs reach.
 */
#define DEFAULT_MAX_MEGAPIXELS 200

/*
 * The default time limit per file.  The slowest real file seen, sepia on
 * a 280 MP JPEG, takes 10 to 20 s on one core; a file still running after
 * 300 s is stuck, and an unattended run must not wait for it forever.
 */
#define DEFAULT_TIMEOUT_S 300

#define JOBS_MAX 256

/* Most process counts one bench may try (--procs). */
#define BENCH_PROCS_MAX 32

/*
 * The most sizes and formats one run makes of each input: a srcset rarely
 * has more than six widths, and there are seven formats to write.  Each
 * input's outputs (sizes times formats) travel in one job
 * (JOB_OUTPUTS_MAX).
 */
#define SIZES_MAX 16
#define FORMATS_MAX 7
#define VARIANTS_MAX (SIZES_MAX * FORMATS_MAX)
/* Most operations one bench may measure (--op): each of the five once. */
#define BENCH_OPS_MAX 5

struct options {
    enum op op;
    enum op bench_op;                 /* the operation bench measures first: bench_ops[0] */
    enum op bench_ops[BENCH_OPS_MAX]; /* bench: --op's operations, in the order given */
    struct size_request bench_sizes[BENCH_OPS_MAX]; /* bench: each one's box (size: first's) */
    int nbench_ops;                                 /* 1..BENCH_OPS_MAX */
    const char *const *inputs; /* the INPUT operands, in argv (bench: exactly one; report:
                                  its FILEs) */
    size_t ninputs;
    const char *input;       /* inputs[0]: the INPUT of bench and of --files-from */
    const char *output;      /* OUTPUT as given; NULL for bench */
    /*
     * Where outputs go (operands.h): output_dir is OUTPUT, or for file to
     * file the directory of OUTPUT, whose name there is output_name (NULL
     * when OUTPUT is a folder).
     */
    const char *output_dir;
    char *output_name;
    int jobs;                /* 0: online CPUs, at most the number of files */
    struct size_request size;             /* --size, its first size; a box side 0 is free */
    struct size_request sizes[SIZES_MAX]; /* --size's list, as given; nsizes 0: none (full size) */
    int nsizes;
    int quality;
    enum out_format format;               /* --format, its first format */
    enum out_format formats[FORMATS_MAX]; /* --format's list, as given; at least one */
    int nformats;
    /* Each input's outputs: every size in every format, size by size (cli_update_variants). */
    struct variant variants[VARIANTS_MAX];
    size_t nvariants;
    const char *name_template; /* --name; NULL: the default names */
    const char *manifest_file; /* --manifest: JSON of every output; NULL: none */
    enum crop_position crop;   /* --crop, thumbnail's */
    int recursive;
    int quiet;
    int json;
    int no_rotate;
    unsigned keep_metadata;  /* --keep: KEEP_* bits (image.h); 0: strip every kind */
    const char *suffix;      /* "" when none */
    double timeout_s;        /* per file; 0: none */
    double max_megapixels;   /* refuse inputs larger than this; 0: no limit */
    long long max_memory_mb; /* per worker (RLIMIT_DATA); 0: no limit */
    enum fail_on fail_on;
    int repeat;              /* bench: runs per worker count */
    int procs[BENCH_PROCS_MAX]; /* bench: process counts to try, ascending; nprocs 0: default */
    int nprocs;
    const char *csv_file;    /* bench: the table as CSV; NULL: none */
    const char *plot_file;   /* bench: images/s against processes as SVG; NULL: none */
    int incremental;         /* skip files whose output is up to date */
    int retry_failed;        /* with incremental: redo files that failed before, unchanged */
    int prune;               /* with incremental: remove the outputs of inputs that are gone */
    int wait_for_lock;       /* OUTPUT in use by another run: wait instead of exiting */
    double wait_limit_s;     /* --wait=SECONDS: at most this long; 0: as long as it takes */
    const char *state_dir;   /* --state-dir: the lock and the state there, not in OUTPUT; NULL */
    const char *stats_file;  /* summary as JSON; NULL: none */
    const char *metrics_file; /* summary for Prometheus; NULL: none */
    int progress;            /* PROGRESS_AUTO, PROGRESS_ON or PROGRESS_OFF */
    int dry_run;
    const char *files_from;  /* list of INPUT-relative names ("-": stdin); NULL: scan */
    int null_separated;      /* the list is separated by NUL bytes, not newlines */
    unsigned shard_index;    /* 1..shard_count; both 0 when not sharded */
    unsigned shard_count;
    int help;
    int help_command;        /* --help after the command: op's help alone */
    int version;
    struct encode_options encode; /* --effort, --lossless, --progressive, --chroma, PNG's... */
};

/*
 * ImageMagick's geometry: "W", "Wx", "xH", "WxH" (missing sides are 0),
 * "WxH>", "WxH<" (W, Wx and xH too), "WxH^", "WxH!", "N%" and "N@".
 * Returns 0, or -1 if malformed, leaving *size alone.
 */
int parse_size(const char *text, struct size_request *size);

/* r as --size would take it: "WxH" (a free side 0), "WxH>", ..., "N%", "N@". */
void size_text(const struct size_request *r, char *buf, size_t len);

/* r as a person would type it, for reports: "1920x", "x480", "640x480^", "50%". */
void size_shown(const struct size_request *r, char *buf, size_t len);

/*
 * "1,2,4,8": process counts from 1 to JOBS_MAX, at most BENCH_PROCS_MAX of
 * them, into procs sorted ascending without repeats.  Returns the count,
 * or -1 if malformed.
 */
int parse_procs(const char *text, int *procs);

/*
 * "resize,thumbnail": the operations of bench's --op, in the order given,
 * each once (at most BENCH_OPS_MAX).  Returns the count, or -1 with the
 * word that is no operation ("" for an empty one) in bad.
 */
int parse_ops(const char *text, enum op *ops, char *bad, size_t badlen);

/*
 * --keep's list: "exif,icc,xmp,gps,iptc" in any order and number, or "all",
 * or "none", into KEEP_* bits.  Returns 0, or -1 if a word is none of them.
 */
int parse_keep(const char *text, unsigned *keep);

/* "exif,xmp": the kinds in keep, in a fixed order; "none" for 0, "all" for KEEP_ALL. */
void keep_text(unsigned keep, char *buf, size_t len);

/* "K/N" with 1 <= K <= N <= SHARDS_MAX.  Returns 0, or -1 if malformed. */
int parse_shard(const char *text, unsigned *index, unsigned *count);

/*
 * "1920x,1280x,640x": sizes as parse_size takes each, at most SIZES_MAX,
 * none twice.  Returns the count, or -1 if malformed (the one at fault in
 * bad, bad_len bytes).
 */
int parse_size_list(const char *text, struct size_request *sizes, char *bad, size_t bad_len);

/*
 * "avif,webp,jpeg": formats by name, none twice (jpeg and jpg are one),
 * and "auto" only alone.  Returns the count, or -1 if malformed.
 */
int parse_format_list(const char *text, enum out_format *formats);

/* "centre" (or "center"), "attention", "entropy", "top", "bottom", "left", "right". */
int parse_crop(const char *text, enum crop_position *crop);
const char *crop_name(enum crop_position crop);

/* Returns 0 and fills opts, or -1 with a one-line reason in err. */
int cli_parse(int argc, char **argv, struct options *opts, char *err, size_t errlen);

/*
 * Fills opts->variants from the sizes and formats (and opts->size and
 * opts->format from their first): after cli_parse, and again where the
 * format changes (an OUTPUT file's extension names it).
 */
void cli_update_variants(struct options *opts);

/* How opts names each input's outputs (naming.h); points into opts. */
struct naming cli_naming(const struct options *opts);

/*
 * With every output in one format (--format, or an OUTPUT file's name, once
 * operands.c has read it): -1 with the reason in err if an encoder option
 * given does not apply to it (--lossless for JPEG), else 0.
 */
int cli_check_encode_options(const struct options *opts, char *err, size_t errlen);

const char *op_name(enum op op);
const char *format_name(enum out_format f);

/* The whole help: every command and option, and the exit statuses. */
void cli_usage(FILE *out);

/* One command's help: its usage line, what it does, and the options it takes. */
void cli_command_usage(FILE *out, enum op op);

/* Whether op takes the long option --name: what cli_command_usage lists. */
int cli_option_applies(enum op op, const char *name);

/*
 * "Did you mean": the command meant by a word that is none (a near miss
 * or a synonym such as "grey"), or the long option meant by an unknown
 * "--name" or "--name=value", without its dashes.  NULL when none is close.
 */
const char *cli_suggest_command(const char *word);
const char *cli_suggest_option(const char *typed);

/*
 * The options that shape an output of variant v, hashed: a change in any
 * of them redoes that output.  Variant 0 of a run with one size and one
 * format hashes as before sizes came in lists, so that older states match.
 */
uint64_t cli_variant_hash(const struct options *opts, size_t v);

/* Variant 0's: what a run of one size and one format hashes its outputs by. */
uint64_t cli_output_hash(const struct options *opts);

/*
 * Whose --incremental state these options mean, kept where kept says; the
 * per-variant hashes in options and failure_options (VARIANTS_MAX each).
 */
struct state_request cli_state_request(const struct options *opts, const struct kept_files *kept,
                                       uint64_t *options, uint64_t *failure_options);

/* What the scan is asked for, from these options. */
struct scan_request cli_scan_request(const struct options *opts);

#endif
