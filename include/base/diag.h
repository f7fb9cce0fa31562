/*
 * diag: the program's own one-line messages on stderr.
 *
 * Every message imgbatch prints about itself (not the per-file report) is
 * one line, "imgbatch: what happened", so a cron mail or a log reads the
 * same whichever part said it.  The pool says its lines through this too.
 */
#ifndef IMGBATCH_BASE_DIAG_H
#define IMGBATCH_BASE_DIAG_H

/* Prints "imgbatch: " and the formatted message, and ends the line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The same, with ": " and strerror(errno) at the end, as perror() would
 * (errno as it was at the call).
 */
void diag_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
