/*
 * test_filelist: --files-from names, as find, git ls-files or a user write them.
 */
#include "check.h"

#include "filelist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_tidy(const char *in, const char *out)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "%s", in);
    if (!out) {
        CHECK_EQ_INT(tidy_relpath(buf), -1);
        return;
    }
    CHECK_EQ_INT(tidy_relpath(buf), 0);
    CHECK_EQ_STR(buf, out);
}

static void test_tidy(void)
{
    expect_tidy("a.jpg", "a.jpg");
    expect_tidy("./a.jpg", "a.jpg");
    expect_tidy("././sub//x/./b.png", "sub/x/b.png");
    expect_tidy("sub/", "sub");
    expect_tidy(".hidden.jpg", ".hidden.jpg");
    expect_tidy("..a.jpg", "..a.jpg"); /* a name starting with dots is not ".." */
    expect_tidy("a../b", "a../b");
    expect_tidy("/abs/a.jpg", NULL);
    expect_tidy("../a.jpg", NULL);
    expect_tidy("sub/../../a.jpg", NULL);
    expect_tidy("sub/..", NULL);
    expect_tidy(".", NULL);
    expect_tidy("./", NULL);
    expect_tidy("", NULL);
}

/* Reads a list from memory within lim; returns the status, *where the name at fault. */
static enum filelist_status read_limited(const char *data, size_t len, int nul,
                                         const struct filelist_limits *lim, char ***names,
                                         size_t *n, size_t *where)
{
    FILE *f = fmemopen((void *)data, len, "r");
    enum filelist_status st;

    CHECK(f != NULL);
    st = read_name_stream(f, nul, lim, names, n, where);
    fclose(f);
    return st;
}

/* 1 if the list holds a NUL byte without nul (then nothing was kept), else 0. */
static int read_list(const char *data, size_t len, int nul, char ***names, size_t *n)
{
    size_t where;
    enum filelist_status st =
        read_limited(data, len, nul, &filelist_default_limits, names, n, &where);

    CHECK(st == FILELIST_OK || st == FILELIST_HAS_NUL);
    if (st == FILELIST_HAS_NUL) {
        CHECK(*names == NULL);
        CHECK_EQ_INT(*n, 0);
    }
    return st == FILELIST_HAS_NUL;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void test_lines(void)
{
    static const char data[] = "a.jpg\n\nsub/b c.png\n./d.gif\nlast-without-newline.jpg";
    char **names;
    size_t n;

    read_list(data, sizeof(data) - 1, 0, &names, &n);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_STR(names[0], "a.jpg");
    CHECK_EQ_STR(names[1], "sub/b c.png");
    CHECK_EQ_STR(names[2], "./d.gif");
    CHECK_EQ_STR(names[3], "last-without-newline.jpg");
    free_list(names, n);
}

static void test_nul(void)
{
    /* find -print0: a newline is part of a name. */
    static const char data[] = "a\nb.jpg\0\0c.png\0";
    char **names;
    size_t n;

    read_list(data, sizeof(data) - 1, 1, &names, &n);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(names[0], "a\nb.jpg");
    CHECK_EQ_STR(names[1], "c.png");
    free_list(names, n);
}

static void test_nul_without_null_option(void)
{
    /* find -print0 read as lines: refused, not taken as its first name alone. */
    static const char data[] = "./a.jpg\0./b.jpg\0./c.jpg\0";
    char **names;
    size_t n;

    CHECK_EQ_INT(read_list(data, sizeof(data) - 1, 0, &names, &n), 1);
    free_list(names, n);
    CHECK_EQ_INT(read_list("a.jpg\nb.jpg\n", 12, 0, &names, &n), 0);
    CHECK_EQ_INT(n, 2);
    free_list(names, n);
}

static void test_empty_and_missing(void)
{
    char **names;
    size_t n;
    char err[256];

    read_list("", 0, 0, &names, &n);
    CHECK_EQ_INT(n, 0);
    free_list(names, n);
    CHECK_EQ_INT(read_name_list("/nonexistent/list.txt", 0, &names, &n, err, sizeof(err)), -1);
    CHECK(strstr(err, "/nonexistent/list.txt") && strstr(err, "No such file"));
}

/* Each bound, exactly: at the bound is fine, one past it is refused with nothing kept. */
static void test_bounds(void)
{
    const struct filelist_limits lim = {8, 3, 40};
    char **names;
    size_t n, where;

    /* A name of 8 bytes fits; one of 9 is refused, and says which name it was. */
    CHECK_EQ_INT(read_limited("a\n12345678\n", 11, 0, &lim, &names, &n, &where), FILELIST_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(names[1], "12345678");
    free_list(names, n);
    CHECK_EQ_INT(read_limited("a\n123456789\n", 12, 0, &lim, &names, &n, &where),
                 FILELIST_NAME_TOO_LONG);
    CHECK(names == NULL);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(where, 2);
    /* Without an end: the last name, unterminated, is bounded too. */
    CHECK_EQ_INT(read_limited("123456789", 9, 1, &lim, &names, &n, &where),
                 FILELIST_NAME_TOO_LONG);

    /* Three names fit, empty lines aside; a fourth is refused. */
    CHECK_EQ_INT(read_limited("a\n\n\nb\nc\n", 8, 0, &lim, &names, &n, &where), FILELIST_OK);
    CHECK_EQ_INT(n, 3);
    free_list(names, n);
    CHECK_EQ_INT(read_limited("a\nb\nc\nd", 7, 0, &lim, &names, &n, &where),
                 FILELIST_TOO_MANY_NAMES);
    CHECK(names == NULL);
    CHECK_EQ_INT(where, 4);

    /* Separators alone (-0 on /dev/zero) hold no name, and still end at the byte bound. */
    static char zeros[41];
    CHECK_EQ_INT(read_limited(zeros, 40, 1, &lim, &names, &n, &where), FILELIST_OK);
    CHECK_EQ_INT(n, 0);
    free_list(names, n);
    CHECK_EQ_INT(read_limited(zeros, 41, 1, &lim, &names, &n, &where), FILELIST_TOO_BIG);
    CHECK(names == NULL);
}

/* The default bounds, on the streams of the review: each ends with a one-line reason. */
static void test_endless_lists(void)
{
    char **names;
    size_t n;
    char err[512];

    /* -0 on /dev/zero: separators forever, no name. */
    CHECK_EQ_INT(read_name_list("/dev/zero", 1, &names, &n, err, sizeof(err)), -1);
    CHECK(names == NULL);
    CHECK(strstr(err, "--files-from /dev/zero: more than 256 MiB, the limit") != NULL);
    /* /dev/zero as lines: NUL bytes, refused at the first one. */
    CHECK_EQ_INT(read_name_list("/dev/zero", 0, &names, &n, err, sizeof(err)), -1);
    CHECK(strstr(err, "holds NUL bytes") != NULL);

    /* yes a.jpg: one name too many, then stop. */
    size_t len = (FILELIST_MAX_NAMES + 1) * 6;
    char *yes = malloc(len);
    CHECK(yes != NULL);
    for (size_t i = 0; i < len; i += 6)
        memcpy(yes + i, "a.jpg\n", 6);
    size_t where;
    CHECK_EQ_INT(read_limited(yes, len, 0, &filelist_default_limits, &names, &n, &where),
                 FILELIST_TOO_MANY_NAMES);
    CHECK(names == NULL);
    CHECK_EQ_INT(where, FILELIST_MAX_NAMES + 1);
    free(yes);

    /* A name longer than PATH_MAX. */
    char path[] = "/tmp/test_filelist.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static char huge[PATH_MAX + 1];
    memset(huge, 'a', sizeof(huge));
    CHECK(write(fd, huge, sizeof(huge)) == (ssize_t)sizeof(huge));
    close(fd);
    CHECK_EQ_INT(read_name_list(path, 0, &names, &n, err, sizeof(err)), -1);
    CHECK(strstr(err, "name 1 is longer than 4095 bytes (PATH_MAX)") != NULL);
    unlink(path);
}

int main(void)
{
    test_tidy();
    test_lines();
    test_nul();
    test_nul_without_null_option();
    test_empty_and_missing();
    test_bounds();
    test_endless_lists();
    return check_summary();
}
