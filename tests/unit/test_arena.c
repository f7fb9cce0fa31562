/*
 * test_arena: the strings a scan keeps for a million files.  Each copy is
 * exact and stays where it is while more blocks are taken (the entries
 * point into them), a string longer than a block gets one of its own,
 * room for an array is aligned among odd-length strings, joined paths
 * match path_join's, and release leaves the arena empty and
 * usable.  Run under the sanitizer build, a write past a string's NUL or
 * a leak fails it.
 */
#include "check.h"

#include "base/arena.h"
#include "outpath.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_copies_stay(void)
{
    struct arena a = ARENA_INIT;
    enum { N = 100000 }; /* about 2.5 MB: several blocks */
    static char *kept[N];
    char buf[64];

    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "2019/07/%02d/IMG_%07d.jpg", i % 31, i);
        kept[i] = arena_strdup(&a, buf);
    }
    int same = 1;
    for (int i = 0; i < N && same; i++) {
        snprintf(buf, sizeof(buf), "2019/07/%02d/IMG_%07d.jpg", i % 31, i);
        same = !strcmp(kept[i], buf);
    }
    CHECK(same);
    /* The strings and their NULs, and nothing per string besides. */
    CHECK_EQ_INT(a.bytes, (long long)N * (strlen("2019/07/01/IMG_0000001.jpg") + 1));
    /* A slice that is not NUL-terminated where it ends. */
    CHECK_EQ_STR(arena_strndup(&a, "abcdef", 3), "abc");
    CHECK_EQ_STR(arena_strdup(&a, ""), "");
    arena_release(&a);
    CHECK(a.blocks == NULL && a.bytes == 0);
}

/*
 * Room for an array among the strings: aligned for any object whatever
 * came before (an odd-length string), kept apart from what follows, and
 * aligned in a new block too.
 */
static void test_aligned_room(void)
{
    struct arena a = ARENA_INIT;
    int aligned = 1, apart = 1;

    for (int i = 0; i < 200000; i++) {
        char *s = arena_strdup(&a, i % 2 ? "odd" : "even!");
        const char **room = arena_alloc(&a, 2 * sizeof(*room));
        room[0] = s;
        room[1] = s;
        char *after = arena_strdup(&a, "x");
        aligned &= (uintptr_t)room % alignof(max_align_t) == 0;
        apart &= after >= (char *)(room + 2) || after < (char *)room;
        apart &= !strcmp(room[0], i % 2 ? "odd" : "even!");
    }
    CHECK(aligned);
    CHECK(apart);
    arena_release(&a);
}

static void test_long_string(void)
{
    struct arena a = ARENA_INIT;
    size_t n = 3u << 20; /* three blocks' worth */
    char *big = malloc(n + 1);

    memset(big, 'x', n);
    big[n] = '\0';
    char *before = arena_strdup(&a, "before");
    char *copy = arena_strdup(&a, big);
    char *after = arena_strdup(&a, "after");
    CHECK(strlen(copy) == n && copy[0] == 'x' && copy[n - 1] == 'x');
    CHECK_EQ_STR(before, "before");
    CHECK_EQ_STR(after, "after");
    free(big);
    arena_release(&a);
    /* Usable again. */
    CHECK_EQ_STR(arena_strdup(&a, "again"), "again");
    arena_release(&a);
}

static void expect_join(const char *base, const char *rel)
{
    struct arena a = ARENA_INIT;
    char *want = path_join(base, rel);

    CHECK_EQ_STR(arena_path_join(&a, base, rel), want);
    free(want);
    arena_release(&a);
}

static void test_path_join(void)
{
    expect_join("out", "a.jpg");
    expect_join("out/", "a.jpg");
    expect_join("out//", "sub/a.jpg");
    expect_join("/", "a.jpg");
    expect_join("//", "a.jpg");
    expect_join("/srv/www", "x/y.png");
    expect_join(".", "a.jpg");
}

int main(void)
{
    test_copies_stay();
    test_long_string();
    test_aligned_room();
    test_path_join();
    return check_summary();
}
