/*
 * random_name: names nobody can predict, for files imgbatch creates beside
 * others' files (a temporary output, a state or stats file before its
 * rename).  In a directory other users may write, a name derived from the
 * pid can be planted in advance (a symbolic link waiting for our write);
 * 64 bits from the kernel's random source cannot.
 */
#ifndef IMGBATCH_RANDOM_NAME_H
#define IMGBATCH_RANDOM_NAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * 64 random bits from getrandom(2).  Never 0, so callers may use 0 for
 * "none".  Aborts with a message if the kernel has no random source to
 * give: a predictable name would be the very hole this closes.
 */
uint64_t random_u64(void);

/*
 * Many names from one draw: a run of a million files names a temporary
 * file per output, and keeping a random tag per output, or asking the
 * kernel for each, would cost memory or a system call per file.  A tag is
 * instead SipHash-2-4, a keyed pseudo-random function, of the output's
 * numbers under a key of 128 random bits drawn once: tags seen in a folder
 * tell nothing of the others, nor of the key.
 */
struct random_key {
    uint64_t k0, k1;
};

/* A new key, from random_u64. */
void random_key_init(struct random_key *k);

/* SipHash-2-4 under k of the words m[0..n) (8 bytes each, little-endian order). */
uint64_t random_siphash(const struct random_key *k, const uint64_t *m, size_t n);

/* The tag under k for the numbers a, b and c: the same for the same ones; never 0. */
uint64_t random_tag(const struct random_key *k, uint64_t a, uint64_t b, uint64_t c);

#endif
