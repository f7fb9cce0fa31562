/*
 * diag: the program's own one-line messages on stderr.
 *
 * Every message imgbatch prints about itself (not the per-file report) is
 * one line, "imgbatch: what happened", so a cron mail or a log reads the
 * same whichever part said it.  The pool says its lines through this too.
 */
#ifndef IMGBATCH_BASE_DIAG_H
#define IMGBATCH_BASE_DIAG_H

#include <stddef.h>

/* Prints "imgbatch: " and the formatted message, and ends the line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The same, with ": " and strerror(errno) at the end, as perror() would
 * (errno as it was at the call).
 */
void diag_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Formats a one-line reason into err (errlen bytes) for a caller to say
 * later, and returns -1: "return diag_into(err, errlen, ...);" is how code
 * that never prints itself (the command line's parsers) refuses.
 */
int diag_into(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
