/* operands: INPUT... OUTPUT, read as cp reads them; see operands.h. */
#include "operands.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "outpath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The options that only make sense for a folder OUTPUT, when one is given. */
static const char *folder_only_option(const struct options *o)
{
    if (o->incremental)
        return "--incremental";
    if (o->shard_count)
        return "--shard";
    if (o->files_from)
        return "--files-from";
    if (o->suffix[0])
        return "--suffix";
    if (o->nsizes > 1)
        return "a --size list";
    if (o->nformats > 1)
        return "a --format list";
    if (o->name_template)
        return "--name";
    return NULL;
}

/* OUTPUT is one file: its directory must exist (as for cp), and its name set the format. */
static int output_file(struct options *o, enum input_kind kind, char *err, size_t errlen)
{
    const char *option = folder_only_option(o);
    enum out_format named = output_format_for(FMT_AUTO, kind);
    struct stat st;

    if (!input_kind_written(kind))
        return diag_into(err, errlen,
                         "OUTPUT %s: imgbatch writes JPEG, PNG, WebP, TIFF, GIF, AVIF and JPEG XL, "
                         "not %s (name a .jpg, .png, .webp, .tif, .gif, .avif or .jxl file, or a "
                         "folder)",
                         o->output, input_kind_label(kind));
    if (option)
        return diag_into(err, errlen,
                         "%s needs OUTPUT to be a folder, and %s names a file (a trailing "
                         "/ makes it a folder)",
                         option, o->output);
    if (o->format != FMT_AUTO && o->format != named)
        return diag_into(err, errlen, "--format %s and OUTPUT %s disagree; give one of them",
                         format_name(o->format), o->output);
    char *dir = path_dir(o->output);
    int found = stat(dir, &st) == 0;
    if (!found || !S_ISDIR(st.st_mode)) {
        int saved = found ? ENOTDIR : errno;
        diag_into(err, errlen, "cannot write OUTPUT %s: %s: %s", o->output, dir, strerror(saved));
        free(dir);
        return -1;
    }
    const char *slash = strrchr(o->output, '/');
    o->output_dir = dir;
    o->output_name = xstrdup(slash ? slash + 1 : o->output);
    o->formats[0] = named;
    cli_update_variants(o);
    if (cli_check_encode_options(o, err, errlen) < 0) {
        operands_release(o); /* main exits at once, but without a leak to report */
        return -1;
    }
    return 0;
}

int operands_resolve(struct options *o, char *err, size_t errlen)
{
    size_t len = strlen(o->output);
    struct stat st;

    o->output_dir = o->output;
    o->output_name = NULL;
    /* "out/" or an existing folder: a folder, whatever its name. */
    if (o->output[len - 1] == '/' || (stat(o->output, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    enum input_kind kind = input_kind_of(o->output);
    if (kind == IN_NONE)
        return 0; /* "small": a folder to create, as ever */
    if (o->ninputs > 1)
        return diag_into(
            err, errlen,
            "OUTPUT %s names an image file, and there are %zu INPUTs: several inputs go "
            "into a folder (a trailing / makes one)",
            o->output, o->ninputs);
    if (stat(o->input, &st) == 0 && S_ISDIR(st.st_mode))
        return diag_into(
            err, errlen,
            "OUTPUT %s names an image file, and INPUT %s is a folder: a folder's images "
            "go into a folder (a trailing / makes one)",
            o->output, o->input);
    return output_file(o, kind, err, errlen);
}

void operands_release(struct options *o)
{
    if (o->output_name) {
        free((char *)o->output_dir);
        free(o->output_name);
    }
    o->output_dir = o->output;
    o->output_name = NULL;
}
