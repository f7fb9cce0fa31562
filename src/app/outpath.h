/*
 * outpath: where each input's output goes, and paths joined and split.
 *
 * Pure string functions, no file system access, so the mapping rules are
 * unit tested on their own.
 */
#ifndef IMGBATCH_OUTPATH_H
#define IMGBATCH_OUTPATH_H

#include "image/formats.h"

/*
 * OUTPUT-relative path for the INPUT-relative path rel: the same directories
 * and stem, the suffix, then the extension.  An input whose format is kept
 * keeps its own extension as written (a.JPEG -> a.JPEG); otherwise the
 * format's usual one (.jpg .png .webp .tif).  Returns a malloc'd string.
 */
char *output_relpath(const char *rel, enum out_format requested, const char *suffix);

/*
 * Whether the file name could be an output of a command writing format
 * requested with suffix: its stem ends with the suffix, and its extension
 * is one such outputs have (with no --format: .jpg .png .webp .tif, never
 * .gif or .bmp; with one, that format's).  Outputs written beside their
 * inputs are told apart so, and never taken as inputs by a later run.
 * Always 0 when neither is given: such outputs cannot be beside their inputs.
 */
int is_output_name(const char *name, enum out_format requested, const char *suffix);

/* The directory part of path: "a/b" for "a/b/c", "/" for "/c", "." for "c".  malloc'd. */
char *path_dir(const char *path);

/* base + "/" + rel, without doubling a trailing slash of base.  malloc'd. */
char *path_join(const char *base, const char *rel);

#endif
