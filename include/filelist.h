/*
 * filelist: the names of a --files-from list.
 *
 * A list comes from find, git ls-files, a database query or a previous
 * run's report; names in it are relative to INPUT, one per line, or NUL
 * separated (find -print0) when names may hold newlines.
 */
#ifndef IMGBATCH_FILELIST_H
#define IMGBATCH_FILELIST_H

#include <stddef.h>
#include <stdio.h>

/*
 * Reads every name of the list at path ("-": standard input), separated
 * by NUL bytes when nul, else by newlines; empty names are dropped.  Fills
 * a malloc'd array of malloc'd strings.  Returns 0, or -1 with a reason in
 * err when the list cannot be read, or holds NUL bytes without nul (a
 * find -print0 list: its first name alone would be taken).
 */
int read_name_list(const char *path, int nul, char ***names, size_t *count, char *err,
                   size_t errlen);

/*
 * The same from an open stream, which is not closed.  Without nul, reading
 * stops at the first line holding a NUL byte, and *has_nul is set.
 */
int read_name_stream(FILE *in, int nul, char ***names, size_t *count, int *has_nul);

/*
 * Tidies an INPUT-relative path in place: "./", empty and "." components
 * go ("./a//./b.jpg" is "a/b.jpg").  Returns 0, or -1 when the path leaves
 * INPUT (absolute, or a ".." component) or names INPUT itself.
 */
int tidy_relpath(char *path);

#endif
