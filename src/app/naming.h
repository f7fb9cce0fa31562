/*
 * naming: what each input's outputs are called below OUTPUT.
 *
 * Every input has one output per variant: a size of --size's list in a
 * format of --format's (a run with one of each has one variant).  By
 * default the names are the ones imgbatch always gave, the input's own
 * name with --suffix and the format's extension, and with several sizes
 * the width asked for goes in too: photo.jpg becomes photo-1280.webp.
 * --name TEMPLATE names them any other way:
 *
 *   {name}    the input's name without its extension
 *   {ext}     the output's extension, without its dot (an input whose
 *             format is kept keeps its own, as in "A.JPEG")
 *   {dir}     the input's folder below INPUT, "" at its top (with -r)
 *   {width}   the width --size asks for; {height} its height
 *   {format}  the output format: jpeg, png, webp, tiff, gif, avif, jxl
 *
 * The names are known before any file is read, so that clashes are found
 * before any work: {width} and {height} are the box asked for, not the
 * size an image comes out at (a portrait in 1920x1080 is 720 wide), and a
 * template may use only sides every size gives.  A template may make
 * folders below OUTPUT ("{width}/{dir}/{name}.{ext}"): "/" separates
 * them, an empty {dir} leaves no empty folder behind, and no part may be
 * "." or "..", or begin with "." (hidden: imgbatch's own files are).
 *
 * Pure strings, no file system: the rules are unit tested alone.
 */
#ifndef IMGBATCH_NAMING_H
#define IMGBATCH_NAMING_H

#include <stddef.h>

#include "image/formats.h"
#include "image/size.h"

/* One output of every input: a size and a format. */
struct variant {
    struct size_request size;
    enum out_format format; /* FMT_AUTO only when it is the run's one format */
};

struct naming {
    const struct variant *variants;
    size_t count;
    const char *template; /* --name, or NULL: the default names */
    const char *suffix;   /* --suffix, "" for none (the default names only) */
    int sized;            /* the variants differ in size: the default names say the width */
};

/*
 * Whether n names every input's outputs apart before any work, checked
 * once when the command line is read: a template's placeholders known and
 * closed, {name} in it, ending in .{ext}, no part that leaves OUTPUT or
 * hides; {width} and {height} only where every size gives that side; the
 * default names of several sizes only where each gives a width; and two
 * variants never named alike.  0, or -1 with why in err.
 */
int naming_check(const struct naming *n, char *err, size_t errlen);

/*
 * The OUTPUT-relative name of variant v's output for the INPUT-relative
 * path rel (malloc'd), or NULL with why in err: a template that makes a
 * name leaving OUTPUT, empty, or hidden.
 */
char *naming_output(const struct naming *n, const char *rel, size_t v, char *err, size_t errlen);

#endif
