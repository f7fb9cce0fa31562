/* filelist: reading and tidying --files-from names; see filelist.h. */
#include "filelist.h"
#include "base/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const struct filelist_limits filelist_default_limits = {PATH_MAX - 1, FILELIST_MAX_NAMES,
                                                         FILELIST_MAX_BYTES};

static void free_names(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/*
 * Byte by byte into a buffer of name_max bytes rather than getdelim(): a
 * name without an end (/dev/zero read as lines) must stop at the bound,
 * not grow a line until memory runs out.
 */
enum filelist_status read_name_stream(FILE *in, int nul, const struct filelist_limits *lim,
                                      char ***names, size_t *count, size_t *where)
{
    char **list = NULL;
    size_t n = 0, cap = 0, len = 0, bytes = 0;
    char *name = xrealloc(NULL, lim->name_max + 1);
    int sep = nul ? '\0' : '\n';
    enum filelist_status st = FILELIST_OK;
    int c;

    flockfile(in);
    for (;;) {
        c = getc_unlocked(in);
        if (c == EOF && len == 0)
            break;
        if (c != EOF && ++bytes > lim->max_bytes) {
            st = FILELIST_TOO_BIG;
            break;
        }
        if (c != EOF && c != sep) {
            /* A NUL in a newline list: find -print0 output read without -0. */
            if (c == '\0') {
                st = FILELIST_HAS_NUL;
                break;
            }
            if (len == lim->name_max) {
                st = FILELIST_NAME_TOO_LONG;
                break;
            }
            name[len++] = (char)c;
            continue;
        }
        if (len > 0) {
            if (n == lim->max_names) {
                st = FILELIST_TOO_MANY_NAMES;
                break;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                list = xrealloc(list, cap * sizeof(*list));
            }
            list[n++] = xstrndup(name, len);
            len = 0;
        }
        if (c == EOF)
            break;
    }
    if (st == FILELIST_OK && ferror(in))
        st = FILELIST_READ_ERROR;
    funlockfile(in);
    free(name);
    *where = n + 1;
    if (st != FILELIST_OK) {
        free_names(list, n);
        list = NULL;
        n = 0;
    }
    *names = list;
    *count = n;
    return st;
}

int read_name_list(const char *path, int nul, char ***names, size_t *count, char *err,
                   size_t errlen)
{
    const struct filelist_limits *lim = &filelist_default_limits;
    int from_stdin = !strcmp(path, "-");
    FILE *in = from_stdin ? stdin : fopen(path, "re");

    if (!in) {
        snprintf(err, errlen, "cannot read --files-from %s: %s", path, strerror(errno));
        return -1;
    }
    size_t where;
    errno = 0;
    enum filelist_status st = read_name_stream(in, nul, lim, names, count, &where);
    int saved = errno;
    if (!from_stdin && fclose(in) == EOF && st == FILELIST_OK) {
        /* A read-only stream: nothing to lose, but say it, and use nothing of it. */
        saved = errno;
        st = FILELIST_READ_ERROR;
        free_names(*names, *count);
        *names = NULL;
        *count = 0;
    }
    const char *shown = from_stdin ? "(standard input)" : path;
    switch (st) {
    case FILELIST_OK:
        return 0;
    case FILELIST_READ_ERROR:
        snprintf(err, errlen, "cannot read --files-from %s: %s", shown,
                 strerror(saved ? saved : EIO));
        break;
    case FILELIST_HAS_NUL:
        snprintf(err, errlen,
                 "--files-from %s holds NUL bytes: names from find -print0 need -0 (--null)",
                 shown);
        break;
    case FILELIST_NAME_TOO_LONG:
        snprintf(err, errlen,
                 "--files-from %s: name %zu is longer than %zu bytes (PATH_MAX): not a list of "
                 "file names?",
                 shown, where, lim->name_max);
        break;
    case FILELIST_TOO_MANY_NAMES:
        snprintf(err, errlen,
                 "--files-from %s: more than %zu names, the limit (split the list into several "
                 "runs)",
                 shown, lim->max_names);
        break;
    case FILELIST_TOO_BIG:
        snprintf(err, errlen,
                 "--files-from %s: more than %zu MiB, the limit (split the list into several "
                 "runs)",
                 shown, lim->max_bytes >> 20);
        break;
    }
    return -1;
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
