/*
 * xio: blocking I/O helpers that never give up half way.
 *
 * read_in_full and write_in_full loop over short transfers and EINTR, so a
 * caller sees either the whole buffer moved, a clean end of file, or an
 * error in errno.  They are for blocking descriptors only (the worker's side
 * of the pipes); the master's poll loop keeps its own buffers instead.
 */
#ifndef IMGBATCH_XIO_H
#define IMGBATCH_XIO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads up to len bytes, fewer only at end of file.  Returns the count, or -1. */
ssize_t read_in_full(int fd, void *buf, size_t len);

/* Writes all len bytes.  Returns len, or -1 with errno set (EPIPE: reader gone). */
ssize_t write_in_full(int fd, const void *buf, size_t len);

/* close() that keeps errno, for error paths; ignores fd < 0. */
void close_quietly(int fd);

/* Monotonic clock in microseconds. */
long long now_usec(void);

#endif
