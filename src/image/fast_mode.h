/*
 * fast_mode: whether the fast paths (TurboJPEG for JPEG, libheif with our
 * HEVC plugin for HEIC) may take a file.
 *
 * IMGBATCH_FAST_PATHS=0 sends every file down the general libvips path, and
 * =only fails every file of a fast path's format that the fast path does
 * not take: the tests compare the paths and prove which files the fast one
 * took, and a user can rule them out when in doubt.
 */
#ifndef IMGBATCH_FAST_MODE_H
#define IMGBATCH_FAST_MODE_H

/*
 * A fast path holds the decoded image in memory (and a second copy to turn
 * it upright); beyond this many decoded pixels libvips, which streams,
 * does the work instead.
 */
#define FAST_MAX_DECODED_PIXELS (48.0 * 1000 * 1000)

enum fast_mode { FAST_ON, FAST_OFF, FAST_ONLY };

enum fast_mode fast_path_mode(void);

#include "image/image.h"
#include "input.h"

/* A fast path's attempt: 1 when it handled the file (res final), 0 when it is not for it. */
typedef int (*fast_path_fn)(const struct image_settings *s, const struct image_input *in,
                            const struct image_job *job, struct job_result *res);

/*
 * Runs try under IMGBATCH_FAST_PATHS: not at all with 0; with only, a file
 * it does not take fails, saying it was not for the `name` fast path.
 * Returns 1 when res is final, 0 when libvips must run.
 */
int fast_path_run(const char *name, fast_path_fn try, const struct image_settings *s,
                  const struct image_input *in, const struct image_job *job,
                  struct job_result *res);

#endif
