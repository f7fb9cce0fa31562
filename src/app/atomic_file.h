/*
 * atomic_file: replacing a small file so that readers see the old content
 * or the new, never a mix or a half.
 *
 * Monitoring reads the stats and metrics files at any moment (node_exporter
 * scrapes whenever it likes) and the incremental state must survive a kill,
 * so each is written to a temporary file beside its target, flushed to disk
 * and renamed over it: rename() within a directory is atomic.  The
 * directory is flushed too, so the rename itself survives a power loss.
 *
 * The directory may be one other users can write (a cron job's shared
 * OUTPUT), so the temporary file gets a random name, is created with
 * O_EXCL|O_NOFOLLOW (never through a link planted at its name), and the
 * rename replaces nothing but a regular file: a link, a device, a FIFO or
 * a directory at the target's name is refused.
 */
#ifndef IMGBATCH_ATOMIC_FILE_H
#define IMGBATCH_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* How the mode argument is applied. */
enum file_mode_rule {
    MODE_UMASK, /* mode less the umask, as open() does: a shared OUTPUT's group may write */
    MODE_EXACT  /* mode as given: a metrics file must be readable by node_exporter */
};

/* 1 if a report file's name is "-", standard output. */
int is_stdout_name(const char *path);

/* What prints a file's whole content into out (the temporary file, or standard output). */
typedef void (*content_writer)(FILE *out, const void *ctx);

/*
 * Writes what write(out, ctx) prints to path atomically: into a new
 * temporary file beside it (a random name, O_EXCL, no link followed),
 * flushed to disk, renamed over path if path is nothing or a regular file,
 * the directory flushed.  Never held whole in memory: the incremental
 * state of a million files is a hundred megabytes of text.  Returns 0, or
 * -1 with "cannot write PATH: why" in err; no temporary file is left.
 */
int write_file_streamed(const char *path, content_writer write, const void *ctx, mode_t mode,
                        enum file_mode_rule rule, char *err, size_t errlen);

/*
 * write_file_streamed, or standard output (after what the run printed
 * there, flushed) when stdout_ok and path is "-": --stats-file,
 * --metrics-file, --manifest and bench's --csv and --plot.
 */
int write_file_from(const char *path, content_writer write, const void *ctx, mode_t mode,
                    enum file_mode_rule rule, int stdout_ok, char *err, size_t errlen);

#endif
