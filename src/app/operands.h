/*
 * operands: what the command line's INPUT... OUTPUT operands mean, the way
 * cp reads them.
 *
 * OUTPUT is a folder (created if missing), unless there is one INPUT, an
 * image file, and OUTPUT names an image file by its extension, is no
 * existing folder and has no trailing slash: then OUTPUT is that file, in
 * the format its extension names.  Several INPUTs, or a folder, and an
 * OUTPUT named like an image is refused rather than made a folder named
 * "small.jpg" (what the first versions did).
 *
 * Unlike cli_parse this looks at the file system, so it runs once the
 * command line has parsed.
 */
#ifndef IMGBATCH_OPERANDS_H
#define IMGBATCH_OPERANDS_H

#include <stddef.h>

#include "cli.h"

/*
 * Sets o->output_dir and o->output_name (and o->format, for an OUTPUT
 * file).  Returns 0, or -1 with a one-line reason in err.
 */
int operands_resolve(struct options *o, char *err, size_t errlen);

/* Frees what operands_resolve allocated. */
void operands_release(struct options *o);

#endif
