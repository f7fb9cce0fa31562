/* random_name: 64 unpredictable bits; see include/base/random_name.h. */
#include "base/random_name.h"
#include "base/diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

uint64_t random_u64(void)
{
    uint64_t v = 0;

    for (;;) {
        ssize_t n = getrandom(&v, sizeof(v), 0);
        if (n == (ssize_t)sizeof(v) && v != 0)
            return v;
        if (n < 0 && errno != EINTR) {
            diag_errno("no random source for file names");
            abort();
        }
    }
}

void random_key_init(struct random_key *k)
{
    k->k0 = random_u64();
    k->k1 = random_u64();
}

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
}

/* The reference's: two rounds a word, four at the end; the length in the last word's top byte. */
uint64_t random_siphash(const struct random_key *k, const uint64_t *m, size_t n)
{
    uint64_t v[4] = {k->k0 ^ 0x736f6d6570736575ULL, k->k1 ^ 0x646f72616e646f6dULL,
                     k->k0 ^ 0x6c7967656e657261ULL, k->k1 ^ 0x7465646279746573ULL};
    uint64_t last = (uint64_t)(8 * n) << 56;

    for (size_t i = 0; i <= n; i++) {
        uint64_t word = i < n ? m[i] : last;
        v[3] ^= word;
        sip_round(v);
        sip_round(v);
        v[0] ^= word;
    }
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t random_tag(const struct random_key *k, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m[3] = {a, b, c};
    uint64_t tag = random_siphash(k, m, 3);

    return tag ? tag : 1; /* 0 is "none" to random_u64's callers */
}
