/* shard: the stable split of files across runs; see shard.h. */
#include "shard.h"

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

uint64_t fnv1a64(const char *s)
{
    uint64_t h = FNV64_OFFSET_BASIS;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= FNV64_PRIME;
    }
    return h;
}

unsigned shard_of(const char *rel, unsigned count)
{
    return (unsigned)(fnv1a64(rel) % count) + 1;
}

int shard_contains(const char *rel, unsigned index, unsigned count)
{
    return count == 0 || shard_of(rel, count) == index;
}
