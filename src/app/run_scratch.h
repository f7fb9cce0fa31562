/*
 * run_scratch: a private directory for one run's temporary files.
 *
 * The master creates it (mode 0700, in $TMPDIR or /tmp, under an
 * unpredictable name) before forking the workers, which keep their
 * ImageMagick policy and temporary files in it (magick_policy.h), and
 * removes it with everything in it once the workers are gone, those killed
 * half way through included.
 */
#ifndef IMGBATCH_RUN_SCRATCH_H
#define IMGBATCH_RUN_SCRATCH_H

#include <stddef.h>

/*
 * Creates the directory $TMPDIR/PREFIX-XXXXXX; returns its path (malloc'd),
 * or NULL with "why" in err.
 */
char *run_scratch_create(const char *prefix, char *err, size_t errlen);

/* Removes path and everything below it (no link followed); frees path. */
void run_scratch_remove(char *path);

#endif
