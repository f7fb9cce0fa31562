/*
 * test_filelist: --files-from names, as find, git ls-files or a user write them.
 */
#include "check.h"

#include "filelist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int read_list(const char *data, size_t len, int nul, char ***names, size_t *n)
{
    FILE *f = fmemopen((void *)data, len, "r");
    int has_nul = -1;

    CHECK(f != NULL);
    CHECK_EQ_INT(read_name_stream(f, nul, names, n, &has_nul), 0);
    fclose(f);
    return has_nul;
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

int main(void)
{
    test_tidy();
    test_lines();
    test_nul();
    test_nul_without_null_option();
    test_empty_and_missing();
    return check_summary();
}
