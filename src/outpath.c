/* outpath: input kinds and output names; see include/outpath.h. */
#include "outpath.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The extension of the last path component, with its dot, or NULL. */
static const char *extension_of(const char *name)
{
    const char *base = strrchr(name, '/');
    const char *dot;

    base = base ? base + 1 : name;
    dot = strrchr(base, '.');
    if (!dot || dot == base)
        return NULL; /* "photo" or ".hidden" */
    return dot;
}

enum input_kind input_kind_of(const char *name)
{
    static const struct {
        const char *ext;
        enum input_kind kind;
    } table[] = {
        {".jpg", IN_JPEG}, {".jpeg", IN_JPEG}, {".png", IN_PNG},   {".gif", IN_GIF},
        {".bmp", IN_BMP},  {".webp", IN_WEBP}, {".tif", IN_TIFF}, {".tiff", IN_TIFF},
    };
    const char *ext = extension_of(name);

    if (!ext)
        return IN_NONE;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcasecmp(ext, table[i].ext))
            return table[i].kind;
    return IN_NONE;
}

enum out_format output_format_for(enum out_format requested, enum input_kind kind)
{
    if (requested != FMT_AUTO)
        return requested;
    switch (kind) {
    case IN_JPEG:
        return FMT_JPEG;
    case IN_WEBP:
        return FMT_WEBP;
    case IN_TIFF:
        return FMT_TIFF;
    default:
        return FMT_PNG; /* PNG, GIF and BMP */
    }
}

const char *format_extension(enum out_format f)
{
    switch (f) {
    case FMT_JPEG:
        return ".jpg";
    case FMT_WEBP:
        return ".webp";
    case FMT_TIFF:
        return ".tif";
    default:
        return ".png";
    }
}

/* The format an input of this kind is already in, if it is one we write. */
static int kind_is_format(enum input_kind kind, enum out_format f)
{
    return (kind == IN_JPEG && f == FMT_JPEG) || (kind == IN_PNG && f == FMT_PNG) ||
           (kind == IN_WEBP && f == FMT_WEBP) || (kind == IN_TIFF && f == FMT_TIFF);
}

char *output_relpath(const char *rel, enum out_format requested, const char *suffix)
{
    enum input_kind kind = input_kind_of(rel);
    enum out_format f = output_format_for(requested, kind);
    const char *ext = extension_of(rel);
    int stem_len = ext ? (int)(ext - rel) : (int)strlen(rel);
    const char *new_ext = kind_is_format(kind, f) ? ext : format_extension(f);

    return xasprintf("%.*s%s%s", stem_len, rel, suffix, new_ext);
}

char *temp_name_for(const char *base, uint64_t tag)
{
    char tail[48];
    int tail_len = snprintf(tail, sizeof(tail), ".imgbatch-%016llx.tmp", (unsigned long long)tag);
    int room = NAME_MAX - 1 - tail_len;
    int base_len = (int)strlen(base) < room ? (int)strlen(base) : room;

    return xasprintf(".%.*s%s", base_len, base, tail);
}

char *path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return xstrdup(".");
    return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

char *path_join(const char *base, const char *rel)
{
    size_t n = strlen(base);

    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        return xasprintf("/%s", rel);
    return xasprintf("%.*s/%s", (int)n, base, rel);
}
