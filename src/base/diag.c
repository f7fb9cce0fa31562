/* diag: "imgbatch: ..." lines on stderr; see include/base/diag.h. */
#include "base/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One fprintf for the whole line: stderr is unbuffered, and a worker's
 * line must not interleave with the master's in the middle.
 */
__attribute__((format(printf, 1, 0))) static void say(const char *fmt, va_list ap, int err)
{
    char *msg = NULL;

    /* Whole, however long: a message may name two paths of PATH_MAX and its cause. */
    if (vasprintf(&msg, fmt, ap) < 0) {
        fputs("imgbatch: out of memory for a message\n", stderr);
        return;
    }
    if (err)
        fprintf(stderr, "imgbatch: %s: %s\n", msg, strerror(err));
    else
        fprintf(stderr, "imgbatch: %s\n", msg);
    free(msg);
}

void diag(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say(fmt, ap, 0);
    va_end(ap);
}

void diag_errno(const char *fmt, ...)
{
    int err = errno;
    va_list ap;

    va_start(ap, fmt);
    say(fmt, ap, err);
    va_end(ap);
    errno = err;
}

int diag_into(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
