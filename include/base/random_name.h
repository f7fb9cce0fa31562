/*
 * random_name: names nobody can predict, for files imgbatch creates beside
 * others' files (a temporary output, a state or stats file before its
 * rename).  In a directory other users may write, a name derived from the
 * pid can be planted in advance (a symbolic link waiting for our write);
 * 64 bits from the kernel's random source cannot.
 */
#ifndef IMGBATCH_RANDOM_NAME_H
#define IMGBATCH_RANDOM_NAME_H

#include <stdint.h>

/*
 * 64 random bits from getrandom(2).  Never 0, so callers may use 0 for
 * "none".  Aborts with a message if the kernel has no random source to
 * give: a predictable name would be the very hole this closes.
 */
uint64_t random_u64(void);

#endif
