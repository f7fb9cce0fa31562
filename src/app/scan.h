/*
 * scan: turns the INPUTs into the list of jobs, before any work starts.
 *
 * It walks each INPUT folder (one level, or the whole tree with -r) and
 * takes each INPUT file, keeps the files
 * whose extension names an image format, skips hidden files and the OUTPUT
 * directory itself, and maps each input to its output.  Other files are
 * listed as skipped, those named as images of a kind imgbatch does not read
 * (.psd, .cr2: unread_image_kind) marked so, to be told.  Files that must
 * not run (two inputs sharing one output, an output that is an input, a
 * FIFO or a dangling link named like an image) get an error here, so they
 * are reported without any work done and no worker ever opens a FIFO and
 * blocks.
 */
#ifndef IMGBATCH_SCAN_H
#define IMGBATCH_SCAN_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/arena.h"
#include "image/formats.h"
#include "naming.h"

/*
 * A folder the workers read inputs below: an INPUT folder, or the folder
 * of INPUT files.  A worker opens it by path and checks it is still the
 * folder the scan saw (scan_open_root).
 */
struct scan_root {
    char *path;  /* as opened */
    char *shown; /* what an input's path below it is shown joined to; "" for none */
    /*
     * An INPUT file shown otherwise than shown joined with its name (given
     * as a link, or as "x//a.jpg"): its one file, as given; else NULL.
     */
    char *file_shown;
    char *file_real; /* an INPUT file given as a link: the name of what it leads to; else NULL */
    dev_t dev;
    ino_t ino;
    int files;  /* it holds INPUT files, not an INPUT folder */
    int beside; /* it is OUTPUT too: outputs go beside their inputs */
};

/* The most outputs an input has: one per variant (cli.h's VARIANTS_MAX fits in noutputs). */
#define SCAN_OUTPUTS_MAX 255

/*
 * One image of the scan.  A million of them stay in memory for the whole
 * run, so an entry holds only what cannot be worked out again, 88 bytes:
 * its paths are in the scan's arena, an output's name is rel itself
 * where it is the same, and the paths the report shows (INPUT or OUTPUT
 * joined with them) are made when printed (scan_input_shown,
 * scan_output_at).
 */
struct scan_entry {
    const char *rel; /* the path relative to INPUT (its base name when INPUT is a file) */
    /*
     * Its outputs' paths below OUTPUT, one per variant in the run's order
     * (scan_output_rel): the one itself when there is one, else an array
     * in the arena.  None for a file refused before naming.
     */
    union {
        const char *one;
        const char *const *many;
    } out;
    char *error; /* set when the file fails before any work; malloc'd */
    off_t size;  /* bytes, for largest-first dispatch */
    dev_t dev;
    ino_t ino;
    struct timespec mtime, ctime; /* when scanned: what --incremental compares */
    unsigned root;                /* the scan_root it is below */
    unsigned noutputs : 8;
    unsigned own_fault : 1; /* error is the file's own (a link, a FIFO), not the run's (a clash) */
    unsigned other_shard : 1; /* during the scan only: kept until the clash check has seen it */
};

/* Output k of e: its path below OUTPUT. */
static inline const char *scan_output_rel(const struct scan_entry *e, unsigned k)
{
    return e->noutputs > 1 ? e->out.many[k] : e->out.one;
}

/*
 * One output of an entry as its users see it, made when asked
 * (scan_output_at).  Output k is always the run's variant k: an entry
 * has the first k outputs of the run's variants, all of them unless a
 * name was refused.
 */
struct scan_output {
    const char *rel;  /* below OUTPUT, in the scan's arena */
    const char *path; /* OUTPUT joined with rel: as shown, and as looked at */
    unsigned variant; /* the run's variant it is (naming.h) */
};

/* A file that is not for us: not an image by its extension, or a directory named like one. */
struct scan_skip {
    const char *input;  /* as shown, in the scan's arena */
    const char *reason; /* static text */
    int not_read;       /* an image of a kind imgbatch does not read: told in every report */
};

/* A file by identity, whatever its name. */
struct file_id {
    dev_t dev;
    ino_t ino;
};

/* A path put together when asked, in a buffer that grows and is used again. */
struct shown_buf {
    char *data;
    size_t cap;
};

struct scan_result {
    struct scan_entry *entries;
    size_t count;
    size_t cap;
    /*
     * Every image the scan found, this run's shard or not, sorted: an
     * output must not overwrite any of them, though another shard's
     * images are not among the entries.
     */
    struct file_id *inputs;
    size_t input_count;
    struct scan_skip *skipped;
    size_t skipped_count;
    size_t skipped_cap;
    struct scan_root *roots;
    size_t root_count;
    struct arena names; /* the entries' and skipped files' paths */
    char *output;       /* OUTPUT's folder as given, for the outputs shown; NULL: none */
    char *output_file;  /* OUTPUT as given when it is one file; else NULL */
    struct shown_buf shown_in, shown_out; /* scan_input_shown's and scan_output_at's */
};

/* What to scan, and how its outputs are named: the command line's choices. */
struct scan_request {
    const char *const *inputs; /* the INPUT operands: folders and files */
    size_t ninputs;
    const char *output; /* OUTPUT's folder: never scanned as input when inside INPUT; NULL: none */
    const char *output_file; /* OUTPUT as given when it is one file (in output); else NULL */
    int recursive;           /* -r */
    const char *files_from;  /* --files-from: the list instead of a walk, or NULL */
    int null_separated;      /* -0: the list's names end with NUL */
    unsigned shard_index, shard_count; /* --shard K/N, or 0 and 0 */
    enum out_format format; /* --format (the one), and --suffix: outputs beside their inputs */
    const char *suffix;
    struct naming naming; /* each input's outputs and their names */
};

/*
 * Scans req->inputs into r, or, with --files-from, takes the files listed
 * (names relative to the one INPUT, which must then be a directory).  With
 * --shard only the files of that shard are kept, skipped and failed ones
 * alike.  Two inputs sharing an output both get an error here, whatever
 * their shards; one file reached twice with the same outputs is taken
 * once.  Where OUTPUT is an INPUT folder (or the folder of INPUT files),
 * the files named like this command's outputs (is_output_name) are skipped
 * as such; an output that would land in an INPUT folder otherwise (a
 * --name folder, a set beside INPUT files) fails its input.
 * Returns 0, or -1 with a reason in err when an INPUT cannot be used at all
 * (missing, unreadable, not an image, an unreadable list); r is empty then.
 * OUTPUT should exist already, so that it is never scanned as input.
 */
int scan_inputs(const struct scan_request *req, struct scan_result *r, char *err, size_t errlen);

/*
 * Opens root as the scan saw it: the same folder (device and inode), or
 * -1 with why in err ("INPUT photos was replaced since the scan").
 */
int scan_open_root(const struct scan_root *root, char *err, size_t errlen);

/*
 * The root the last job was below, kept open for the next (workers and the
 * dry run take files root by root): fd -1 when none is open.
 */
struct open_root {
    int fd;
    unsigned index;
};
#define OPEN_ROOT_NONE                                                                             \
    {                                                                                              \
        -1, 0                                                                                      \
    }

/*
 * roots[index] open in o, opened (scan_open_root) only when o holds
 * another: the descriptor, or -1 with why in err.  close_quietly(o->fd)
 * when done.
 */
int scan_root_fd(const struct scan_root *roots, struct open_root *o, unsigned index, char *err,
                 size_t errlen);

/* e's input as opened below its root: rel, or the real name of an INPUT file given as a link. */
static inline const char *scan_open_name(const struct scan_root *roots, const struct scan_entry *e)
{
    return roots[e->root].file_real ? roots[e->root].file_real : e->rel;
}

/*
 * e's input as the report shows it: its INPUT (or the INPUT file as given)
 * joined with rel.  In a buffer of r's, good until the next call.
 */
const char *scan_input_shown(struct scan_result *r, const struct scan_entry *e);

/*
 * Output k of e, its path as shown (OUTPUT joined with its rel, or the
 * OUTPUT file given) in a buffer of r's, good until the next call.
 */
struct scan_output scan_output_at(struct scan_result *r, const struct scan_entry *e, unsigned k);

/* strcmp of a's and b's inputs as shown, without making them (a sort of a million). */
int scan_compare_inputs(const struct scan_result *r, const struct scan_entry *a,
                        const struct scan_entry *b);

/* Whether the file dev/ino is among the scan's images (of any shard); inputs must be filled. */
int scan_has_input(const struct scan_result *r, dev_t dev, ino_t ino);

/*
 * Marks the inputs with an output that exists in output_dir and is an
 * input of the scan (of any shard), or is not a regular file (a
 * directory, a link): never written.  Looks below output_dir without
 * following links.
 */
void scan_check_outputs(struct scan_result *r, const char *output_dir);

/* mkdir -p; 0 or -1 with errno (ENOTDIR if a file is in the way). */
int make_dirs(const char *path);

/*
 * Creates the directories of each entry's outputs below OUTPUT, open on
 * output_root (with -r they mirror INPUT's), following no link; an entry
 * with a directory that cannot be made gets that as its error.
 */
void scan_create_output_dirs(struct scan_result *r, int output_root);

/* Sorts the entries largest first (then by name, for a stable order). */
void scan_sort_largest_first(struct scan_result *r);

void scan_release(struct scan_result *r);

#endif
