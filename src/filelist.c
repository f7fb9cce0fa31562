/* filelist: reading and tidying --files-from names; see include/filelist.h. */
#include "filelist.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int read_name_stream(FILE *in, int nul, char ***names, size_t *count, int *has_nul)
{
    char **list = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;

    *has_nul = 0;
    /* getdelim: names may be of any length and, with NUL, hold newlines. */
    while ((len = getdelim(&line, &linecap, nul ? '\0' : '\n', in)) >= 0) {
        if (len > 0 && line[len - 1] == (nul ? '\0' : '\n'))
            line[--len] = '\0';
        /* A NUL in a newline list: find -print0 output read without -0. */
        if (!nul && memchr(line, '\0', (size_t)len)) {
            *has_nul = 1;
            break;
        }
        if (len == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            list = xrealloc(list, cap * sizeof(*list));
        }
        list[n++] = xstrndup(line, (size_t)len);
    }
    int failed = ferror(in);
    free(line);
    *names = list;
    *count = n;
    return failed ? -1 : 0;
}

int read_name_list(const char *path, int nul, char ***names, size_t *count, char *err,
                   size_t errlen)
{
    int from_stdin = !strcmp(path, "-");
    FILE *in = from_stdin ? stdin : fopen(path, "re");

    if (!in) {
        snprintf(err, errlen, "cannot read --files-from %s: %s", path, strerror(errno));
        return -1;
    }
    int has_nul;
    errno = 0;
    int ret = read_name_stream(in, nul, names, count, &has_nul);
    int saved = errno;
    if (!from_stdin)
        fclose(in);
    if (ret < 0 || has_nul) {
        const char *shown = from_stdin ? "(standard input)" : path;
        if (has_nul)
            snprintf(err, errlen,
                     "--files-from %s holds NUL bytes: names from find -print0 need -0 (--null)",
                     shown);
        else
            snprintf(err, errlen, "cannot read --files-from %s: %s", shown,
                     strerror(saved ? saved : EIO));
        ret = -1;
        for (size_t i = 0; i < *count; i++)
            free((*names)[i]);
        free(*names);
        *names = NULL;
        *count = 0;
    }
    return ret;
}

int tidy_relpath(char *path)
{
    char *out = path;
    const char *p = path;

    if (*p == '/')
        return -1;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return -1;
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (out != path)
                *out++ = '/';
            memmove(out, p, len);
            out += len;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    *out = '\0';
    return out == path ? -1 : 0;
}
