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

#endif
