/*
 * temp_output: the file a worker writes an output into before the master
 * renames it into place (settle_output in outpath.h).
 *
 * Where the file system allows, the file is created unnamed (O_TMPFILE) and
 * given its temporary name only once complete.  Two reasons:
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
 * the file is created under its temporary name at once, as before.
 */
#ifndef IMGBATCH_TEMP_OUTPUT_H
#define IMGBATCH_TEMP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

struct temp_output {
    int fd;
    char *path;   /* the temporary name: temp_path_for(output, getpid()) */
    bool unnamed; /* created with O_TMPFILE, path not yet linked */
};

/*
 * Opens output's temporary file for writing.  allow_unnamed false forces a
 * named file (tests use it to cover both ways).  Returns 0, or -1 with
 * "cannot write OUTPUT: why" in err and nothing to clean up.
 */
int temp_output_open(struct temp_output *t, const char *output, bool allow_unnamed, char *err,
                     size_t errlen);

/*
 * Gives the complete file its temporary name and closes it, ready for the
 * master's rename.  Returns 0, or -1 with the reason in err and no file
 * left behind.  Frees t->path either way.
 */
int temp_output_finish(struct temp_output *t, const char *output, char *err, size_t errlen);

/* Closes and removes a file that will not be finished; frees t->path. */
void temp_output_abandon(struct temp_output *t);

#endif
