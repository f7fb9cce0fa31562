/*
 * test_shard: the split of files across machines.
 *
 * The hash must be FNV-1a exactly (the published test vectors), since the
 * README tells users how to compute a file's shard themselves; the split
 * must cover every file once and spread files evenly.
 */
#include "check.h"

#include "shard.h"

#include <stdio.h>

static void test_fnv1a_vectors(void)
{
    /* From the FNV reference test suite (Fowler, Noll, Vo). */
    CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
    /* Bytes above 127 are hashed as unsigned bytes, as in Python's bytes. */
    CHECK(fnv1a64("\xff") == ((0xcbf29ce484222325ULL ^ 0xffULL) * 0x100000001b3ULL));
}

static void test_known_shards(void)
{
    /* The values the README's Python snippet gives. */
    CHECK_EQ_INT(shard_of("sub/a.jpg", 4), 1);
    CHECK_EQ_INT(shard_of("a", 1), 1);
    CHECK_EQ_INT(shard_of("a", 2), (int)(0xaf63dc4c8601ec8cULL % 2) + 1);
}

static void test_split_covers_evenly(void)
{
    enum { FILES = 20000, N = 7 };
    int per_shard[N + 1] = {0};
    char name[64];

    for (int i = 0; i < FILES; i++) {
        snprintf(name, sizeof(name), "dir%d/IMG_%05d.jpg", i % 13, i);
        unsigned k = shard_of(name, N);
        CHECK(k >= 1 && k <= N);
        int owners = 0;
        for (unsigned s = 1; s <= N; s++)
            owners += shard_contains(name, s, N);
        CHECK_EQ_INT(owners, 1);
        per_shard[k]++;
    }
    /* Even within 5%: no machine gets much more than its share. */
    for (int s = 1; s <= N; s++)
        CHECK(per_shard[s] > FILES / N * 95 / 100 && per_shard[s] < FILES / N * 105 / 100);
}

static void test_not_sharded(void)
{
    CHECK_EQ_INT(shard_contains("anything.jpg", 0, 0), 1);
}

int main(void)
{
    test_fnv1a_vectors();
    test_known_shards();
    test_split_covers_evenly();
    test_not_sharded();
    return check_summary();
}
