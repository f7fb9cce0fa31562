/*
 * output_file: an output file's whole life, in one place.
 *
 *   master  picks an unpredictable tag for the job (random_u64) and creates
 *           the output's directory below OUTPUT (scan_create_output_dirs);
 *   worker  writes the pixels into a temporary file in that directory,
 *           ".NAME.imgbatch-TAG.tmp" (temp_output_open/finish/abandon);
 *   master  renames it over the output when it takes the result
 *           (settle_output), so that a file is in OUTPUT exactly when it is
 *           reported ok and a reader never sees half of one;
 *   worker  removes it itself if the master died before it could
 *           (discard_temp_output).
 *
 * OUTPUT may be a directory other people can write (a group-writable share,
 * a web server's upload area).  So every step works from OUTPUT's open
 * descriptor and never follows a link below it (beneath.h); the temporary
 * name carries 64 random bits, so no link can wait for it; the temporary
 * file is created with O_EXCL and never replaces anything; and the rename
 * replaces only a regular file: a link, a directory or a FIFO planted at the
 * output's name fails that file instead.
 *
 * Where the file system allows, the temporary file is created unnamed
 * (O_TMPFILE) and named only once complete.  Two reasons:
 *
 * - a worker killed half way through leaves nothing at all behind: an
 *   unnamed file vanishes with its last descriptor;
 * - allocating an inode is the slow part of creating a file (on ext4
 *   without a journal it scans past every inode freed in the last half
 *   minute), and an unnamed create does it without holding the output
 *   directory's lock.  Named creates from every worker queue on that lock,
 *   one scan at a time, and with thousands of small files that queue is
 *   most of the run.
 *
 * Elsewhere (no O_TMPFILE on that file system, no /proc to link through)
 * the file is created under its temporary name at once.
 */
#ifndef IMGBATCH_IMAGE_OUTPUT_FILE_H
#define IMGBATCH_IMAGE_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "pool/message.h"

/* Where an output goes: OUTPUT's descriptor, the path below it, and the path as shown. */
struct output_target {
    int root;           /* OUTPUT, open */
    const char *rel;    /* below OUTPUT, as the scan mapped it */
    const char *shown;  /* OUTPUT joined with rel, for messages */
    uint64_t tag;       /* the job's random tag: names the temporary file */
};

struct temp_output {
    int fd;
    int dir;       /* the output's directory */
    char *name;    /* the temporary name in dir */
    bool unnamed;  /* created with O_TMPFILE, name not yet linked */
};

/*
 * Opens the target's temporary file for writing.  allow_unnamed false
 * forces a named file (tests use it to cover both ways).  Returns 0, or -1
 * with "cannot write OUTPUT: why" in err and nothing to clean up.
 */
int temp_output_open(struct temp_output *t, const struct output_target *o, bool allow_unnamed,
                     char *err, size_t errlen);

/*
 * Gives the complete file its temporary name and closes it, ready for the
 * master's rename.  Returns 0, or -1 with the reason in err and no file
 * left behind.
 */
int temp_output_finish(struct temp_output *t, const struct output_target *o, char *err,
                       size_t errlen);

/* Closes and removes a file that will not be finished. */
void temp_output_abandon(struct temp_output *t);

/* Writes data as the target's whole temporary file; 0, or -1 with res failed. */
int output_file_write(const struct output_target *output, const void *data, size_t len,
                      struct job_result *res);

/*
 * For a temporary file temp_output_finish completed: if it holds more than
 * len bytes, data replaces its content, in the same file (the master
 * renames it as ever).  Returns 1 if replaced, 0 if it was no larger, or
 * -1 with res failed and the file removed.
 */
int temp_output_keep_smaller(const struct output_target *o, const void *data, size_t len,
                             struct job_result *res);

/*
 * The master's half, once a result is in: a done output's temporary file
 * is renamed into place and *st (if not NULL) describes the output now
 * there; a worker that died holding the file may have left a half written
 * one, which is removed.  Returns NULL when the output is in place, else
 * why not: error (the job's), or the step's error written into buf.
 */
const char *settle_output(const struct output_target *o, int done, const char *error,
                          int worker_died, struct stat *st, char *buf, size_t len);

/* Removes the target's temporary file, if any: the master is gone and will not rename it. */
void discard_temp_output(const struct output_target *o);

/*
 * ".NAME.imgbatch-TAG.tmp" (TAG: 16 hex digits) for the file name base: the
 * temporary name in the output's directory.  base is shortened where the
 * whole would exceed NAME_MAX; the tag alone keeps temporary names apart.
 */
char *temp_name_for(const char *base, uint64_t tag);

#endif
