/* outpath: where each input's output goes; see outpath.h. */
#include "outpath.h"
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *output_relpath(const char *rel, enum out_format requested, const char *suffix)
{
    enum input_kind kind = input_kind_of(rel);
    enum out_format f = output_format_for(requested, kind);
    const char *ext = file_extension(rel);
    int stem_len = ext ? (int)(ext - rel) : (int)strlen(rel);
    const char *new_ext = format_keeps_kind(kind, f) ? ext : format_extension(f);

    return xasprintf("%.*s%s%s", stem_len, rel, suffix, new_ext);
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
