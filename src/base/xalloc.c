/* xalloc: allocation or abort; see include/base/xalloc.h. */
#include "base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p)
{
    if (!p) {
        fputs("imgbatch: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t size)
{
    return check(realloc(p, size ? size : 1));
}

char *xstrdup(const char *s)
{
    return check(strdup(s));
}

/*
 * strndup's result, reading no byte past s[n - 1]: callers hand it slices
 * of buffers that are not NUL-terminated (a --files-from name, a line of
 * the state file), where strndup may look further (AddressSanitizer's
 * strict_string_checks says so).
 */
char *xstrndup(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    size_t len = nul ? (size_t)(nul - s) : n;
    char *copy = check(malloc(len + 1));

    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return check(n < 0 ? NULL : s);
}
