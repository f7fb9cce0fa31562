/*
 * manifest: --manifest FILE, what a static-site generator reads to write
 * srcset and <picture>.
 *
 * One JSON document, written atomically when the run ends: OUTPUT, then
 * per input (by its path, byte order, so that two runs over the same
 * files write the same document) each output with its path below OUTPUT,
 * width, height, format, bytes and the size asked, in the order of the
 * variants (--size's list, each in every format of --format's):
 *
 *   {"output":"web","inputs":[
 *    {"input":"photos/a.jpg","outputs":[
 *     {"path":"a-1920.webp","width":1920,"height":1440,"format":"webp","bytes":123456,
 *      "asked":"1920x"},
 *     ...]},
 *    {"input":"photos/b.jpg","error":"truncated JPEG (...)","outputs":[]}]}
 *
 * Outputs --incremental found up to date are listed as well, with the size
 * the state recorded when they were made: the document always describes
 * the whole set, not only what this run wrote.  A failed input carries
 * its error and the outputs that exist nevertheless.  An output that
 * never-enlarge kept at the input's size says "not_enlarged":true.
 */
#ifndef IMGBATCH_MANIFEST_H
#define IMGBATCH_MANIFEST_H

#include <stddef.h>

#include "naming.h"
#include "scan.h"

struct manifest_output {
    int present; /* made by this run, or up to date */
    unsigned width, height;
    long long bytes;
};

struct manifest_entry {
    char *error;                     /* NULL: none */
    struct manifest_output *outputs; /* one per output of the scan entry */
};

/* All zero: no --manifest, and manifest_output and manifest_failed keep nothing. */
struct manifest {
    struct scan_result *scan; /* the entries, and the buffers their shown paths go in */
    const struct variant *variants;
    const char *output;             /* OUTPUT as given */
    struct manifest_entry *entries; /* one per scan entry, in the scan's order; NULL: none kept */
};

/*
 * For the scan's entries as they stand (sorted as they will stay), their
 * outputs of variants.  Only for --manifest: it costs a few dozen bytes a
 * file for the whole run.
 */
void manifest_init(struct manifest *m, struct scan_result *scan, const struct variant *variants,
                   const char *output);

/* Output k of e is there, width x height and bytes long (made now, or up to date). */
void manifest_output(struct manifest *m, const struct scan_entry *e, unsigned k, unsigned width,
                     unsigned height, long long bytes);

/* e failed, for error (the first one said is kept). */
void manifest_failed(struct manifest *m, const struct scan_entry *e, const char *error);

/* Writes the document to path ("-": stdout), atomically; 0, or -1 with why in err. */
int manifest_write(const struct manifest *m, const char *path, char *err, size_t errlen);

void manifest_release(struct manifest *m);

#endif
