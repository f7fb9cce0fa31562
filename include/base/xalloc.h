/*
 * xalloc: allocation that cannot fail, for the master's bookkeeping.
 *
 * The master allocates a few bytes per file; if even that fails, nothing
 * sensible can follow, so these print one line and abort instead of making
 * every caller carry an error path it could not act on.  Workers handling
 * image data use plain malloc and fail the file instead.
 */
#ifndef IMGBATCH_XALLOC_H
#define IMGBATCH_XALLOC_H

#include <stddef.h>

void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
