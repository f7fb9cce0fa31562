/*
 * arena: many small strings that live and die together.
 *
 * A scan of a million files keeps a path or two per file for the whole
 * run.  malloc gives each its own chunk, with 8 bytes of header and a
 * rounding to 16: a 27-byte path costs 48.  An arena packs them end to end
 * in large blocks and frees them all at once, so a path costs its length
 * and its NUL.  Nothing is freed alone, and a string never moves: its
 * pointer stays good until arena_release.
 */
#ifndef IMGBATCH_ARENA_H
#define IMGBATCH_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *blocks; /* the newest first */
    size_t used;                /* bytes taken in the newest block */
    size_t bytes; /* taken in all blocks: the strings, their NULs, arena_alloc's room */
};

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/*
 * Room for n bytes in the arena, for the caller to fill, aligned for any
 * object (an array of pointers kept beside the strings): padding up to
 * that alignment may go before it, where strings are packed with none.
 */
void *arena_alloc(struct arena *a, size_t n);

/* A copy of s[0..n) and a NUL in the arena (s need not be NUL-terminated there). */
char *arena_strndup(struct arena *a, const char *s, size_t n);

char *arena_strdup(struct arena *a, const char *s);

/* base + "/" + rel, as path_join writes it (no doubled slash after base), in the arena. */
char *arena_path_join(struct arena *a, const char *base, const char *rel);

/* Frees every string of the arena; it is empty and ready for use again. */
void arena_release(struct arena *a);

#endif
