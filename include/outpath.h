/*
 * outpath: which files are images, and where each one's output goes.
 *
 * Pure string functions, no file system access, so the mapping rules are
 * unit tested on their own.
 */
#ifndef IMGBATCH_OUTPATH_H
#define IMGBATCH_OUTPATH_H

#include <stdint.h>
#include <sys/types.h>

#include "message.h"

#include "cli.h"

enum input_kind { IN_NONE, IN_JPEG, IN_PNG, IN_GIF, IN_BMP, IN_WEBP, IN_TIFF };

/* The kind an input file name announces by its extension, case-insensitive. */
enum input_kind input_kind_of(const char *name);

/* The format written for an input of this kind when --format asked for requested. */
enum out_format output_format_for(enum out_format requested, enum input_kind kind);

/*
 * OUTPUT-relative path for the INPUT-relative path rel: the same directories
 * and stem, the suffix, then the extension.  An input whose format is kept
 * keeps its own extension as written (a.JPEG -> a.JPEG); otherwise the
 * format's usual one (.jpg .png .webp .tif).  Returns a malloc'd string.
 */
char *output_relpath(const char *rel, enum out_format requested, const char *suffix);

/*
 * ".NAME.imgbatch-TAG.tmp" (TAG: 16 hex digits) for the file name base:
 * where a worker writes an output before the master's rename
 * (output_file.h).  base is shortened where the whole would exceed
 * NAME_MAX; the tag alone keeps temporary names apart.
 */
char *temp_name_for(const char *base, uint64_t tag);

/* The directory part of path: "a/b" for "a/b/c", "/" for "/c", "." for "c".  malloc'd. */
char *path_dir(const char *path);

/* base + "/" + rel, without doubling a trailing slash of base.  malloc'd. */
char *path_join(const char *base, const char *rel);

/* Extension (with dot) used for a format. */
const char *format_extension(enum out_format f);

#endif
