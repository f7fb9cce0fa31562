/* arena: strings packed into large blocks, freed together; see include/base/arena.h. */
#include "base/arena.h"
#include "base/xalloc.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * 1 MiB: above malloc's mmap threshold, so each block is its own mapping,
 * given back whole at release; and a million 27-byte paths take 26 blocks.
 */
#define ARENA_BLOCK_BYTES (1u << 20)

struct arena_block {
    struct arena_block *next;
    size_t size; /* bytes of data */
    alignas(max_align_t) char data[];
};

/*
 * Room for n bytes starting at a multiple of align (1: anywhere): in the
 * newest block, or a new one (its own, for a string above a block), whose
 * data starts aligned for any object.
 */
static char *take(struct arena *a, size_t n, size_t align)
{
    size_t pad = a->blocks ? (align - a->used % align) % align : 0;

    if (!a->blocks || a->blocks->size - a->used < pad + n) {
        size_t size = n > ARENA_BLOCK_BYTES ? n : ARENA_BLOCK_BYTES;
        struct arena_block *b = xcalloc(1, sizeof(*b) + size);
        b->size = size;
        b->next = a->blocks;
        a->blocks = b;
        a->used = 0;
        pad = 0;
    }
    char *p = a->blocks->data + a->used + pad;
    a->used += pad + n;
    a->bytes += pad + n;
    return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
    return take(a, n, alignof(max_align_t));
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = take(a, n + 1, 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_path_join(struct arena *a, const char *base, const char *rel)
{
    size_t n = strlen(base), len = strlen(rel);

    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        n = 0; /* "/" + rel */
    char *p = take(a, n + 1 + len + 1, 1);
    memcpy(p, base, n);
    p[n] = '/';
    memcpy(p + n + 1, rel, len + 1);
    return p;
}

void arena_release(struct arena *a)
{
    while (a->blocks) {
        struct arena_block *next = a->blocks->next;
        free(a->blocks);
        a->blocks = next;
    }
    a->used = 0;
    a->bytes = 0;
}
