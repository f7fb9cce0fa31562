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
 * Bounds on a list, so that an endless or runaway one (--files-from
 * /dev/zero, <(yes a.jpg), a log mistaken for a list) ends with an error
 * and bounded memory instead of reading until an allocation aborts:
 *  - a name is at most PATH_MAX - 1 bytes: a longer one could not be
 *    opened anyway (ENAMETOOLONG), and a "name" that long is not one;
 *  - at most FILELIST_MAX_NAMES (about four million) names: a million
 *    photos is a big library, and each name costs the master a scan
 *    entry (a few hundred bytes) on top of the name itself, so about
 *    2 GB at most; a bigger batch is better run as several lists;
 *  - at most FILELIST_MAX_BYTES of list, separators and empty names
 *    included: 64 bytes per name of the largest list, and the bound that
 *    ends a stream of separators alone (-0 with /dev/zero), which holds
 *    no name at all.
 */
#define FILELIST_MAX_NAMES ((size_t)1 << 22)
#define FILELIST_MAX_BYTES ((size_t)256 << 20)

struct filelist_limits {
    size_t name_max;  /* bytes in one name */
    size_t max_names; /* names kept (empty ones are dropped, not counted) */
    size_t max_bytes; /* bytes read in all */
};

/* PATH_MAX - 1, FILELIST_MAX_NAMES and FILELIST_MAX_BYTES. */
extern const struct filelist_limits filelist_default_limits;

enum filelist_status {
    FILELIST_OK,
    FILELIST_READ_ERROR, /* see errno */
    FILELIST_HAS_NUL,    /* a NUL byte in a newline-separated list */
    FILELIST_NAME_TOO_LONG,
    FILELIST_TOO_MANY_NAMES,
    FILELIST_TOO_BIG
};

/*
 * Reads every name of the list at path ("-": standard input), separated
 * by NUL bytes when nul, else by newlines; empty names are dropped.  Fills
 * a malloc'd array of malloc'd strings.  Returns 0, or -1 with a one-line
 * reason in err (nothing allocated) when the list cannot be read, holds
 * NUL bytes without nul (a find -print0 list: its first name alone would
 * be taken), or is beyond the default limits.
 */
int read_name_list(const char *path, int nul, char ***names, size_t *count, char *err,
                   size_t errlen);

/*
 * The same from an open stream, which is not closed, within lim.  Reading
 * stops at the first trouble: without nul, the first NUL byte.  Anything
 * but FILELIST_OK leaves *names NULL and *count 0, with nothing allocated;
 * *where is then the number of the name at fault (1 for the first).
 */
enum filelist_status read_name_stream(FILE *in, int nul, const struct filelist_limits *lim,
                                      char ***names, size_t *count, size_t *where);

/*
 * Tidies an INPUT-relative path in place: "./", empty and "." components
 * go ("./a//./b.jpg" is "a/b.jpg").  Returns 0, or -1 when the path leaves
 * INPUT (absolute, or a ".." component) or names INPUT itself.
 */
int tidy_relpath(char *path);

#endif
