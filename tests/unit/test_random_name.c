/*
 * test_random_name: the tags of the temporary files.  SipHash-2-4 gives the
 * reference's test vectors (key 00..0f; messages of 0, 8 and 16 bytes,
 * 00 01 02 ...), so the tags are what the function promises; a tag depends
 * on every number and on the key; random_u64 is never 0.
 */
#include "check.h"

#include "base/random_name.h"

#include <stdint.h>

static void test_siphash_vectors(void)
{
    struct random_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    uint64_t m[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

    CHECK(random_siphash(&k, m, 0) == 0x726fdb47dd0e0e31ULL);
    CHECK(random_siphash(&k, m, 1) == 0x93f5f5799a932462ULL);
    CHECK(random_siphash(&k, m, 2) == 0x3f2acc7f57c29bdbULL);
}

static void test_tags(void)
{
    struct random_key k, other;

    random_key_init(&k);
    random_key_init(&other);
    CHECK(k.k0 != other.k0 || k.k1 != other.k1);
    uint64_t t = random_tag(&k, 5, 0, 0);
    CHECK(t != 0 && t == random_tag(&k, 5, 0, 0));
    CHECK(t != random_tag(&k, 6, 0, 0));
    CHECK(t != random_tag(&k, 5, 1, 0));
    CHECK(t != random_tag(&k, 5, 0, 1));
    CHECK(t != random_tag(&other, 5, 0, 0));
    int zero = 0;
    for (int i = 0; i < 1000; i++)
        zero |= random_u64() == 0;
    CHECK(!zero);
}

int main(void)
{
    test_siphash_vectors();
    test_tags();
    return check_summary();
}
