/* diag: "imgbatch: ..." lines on stderr; see include/base/diag.h. */
#include "base/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * One fprintf for the whole line: stderr is unbuffered, and a worker's
 * line must not interleave with the master's in the middle.
 */
static void say(const char *fmt, va_list ap, int err)
{
    char msg[4096];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (err)
        fprintf(stderr, "imgbatch: %s: %s\n", msg, strerror(err));
    else
        fprintf(stderr, "imgbatch: %s\n", msg);
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
