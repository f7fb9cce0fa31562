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

int is_output_name(const char *name, enum out_format requested, const char *suffix)
{
    enum input_kind kind = input_kind_of(name);
    const char *ext = file_extension(name);
    size_t stem_len = ext ? (size_t)(ext - name) : strlen(name);
    size_t suffix_len = strlen(suffix);

    if (kind == IN_NONE || (requested == FMT_AUTO && !suffix_len))
        return 0;
    if (suffix_len && (stem_len < suffix_len || memcmp(name + stem_len - suffix_len, suffix,
                                                       suffix_len)))
        return 0;
    if (requested == FMT_AUTO)
        return input_kind_written(kind);
    return format_keeps_kind(kind, requested);
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
