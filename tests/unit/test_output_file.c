/*
 * test_output_file: an output's life.  The temporary file, created unnamed
 * where the file system allows and named otherwise; the master's rename.
 * What a user would check: the finished file holds the bytes under the
 * temporary name the master renames, an abandoned or killed write leaves
 * nothing in the directory, nothing planted is ever followed or replaced:
 * not a file at the temporary name, not a link where a directory or the
 * output should be.
 */
#include "check.h"

#include "image/formats.h"
#include "outpath.h"
#include "image/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/imgbatch-test-temp-XXXXXX";

/* Entries in dir, "." and ".." aside. */
static int entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void empty_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        char *p = path_join(dir, e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
}

static char *read_all(const char *path)
{
    static char buf[256];
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (fd >= 0)
        close(fd);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

/* Whether this file system gives unnamed files at all: the tests expect them where it does. */
static bool unnamed_supported(void)
{
    int fd = open(dir, O_WRONLY | O_TMPFILE, 0600);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static int root = -1; /* dir, open: OUTPUT */

static struct output_target target(const char *rel, uint64_t tag)
{
    static char shown[512];
    snprintf(shown, sizeof(shown), "%s/%s", dir, rel);
    struct output_target o = {root, rel, shown, tag};
    return o;
}

static char *temp_of(const char *rel_dir, const char *base, uint64_t tag)
{
    char *name = temp_name_for(base, tag);
    char *d = rel_dir ? path_join(dir, rel_dir) : strdup(dir);
    char *p = path_join(d, name);
    free(name);
    free(d);
    return p;
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0);
}

/* The worker's temporary name: hidden, within NAME_MAX, told apart by the job's random tag. */
static void test_temp_name(void)
{
    char *p = temp_name_for("a.jpg", 0x00c0ffee12345678ULL);
    CHECK_EQ_STR(p, ".a.jpg.imgbatch-00c0ffee12345678.tmp");
    CHECK_EQ_INT(input_kind_of(p), IN_NONE);
    free(p);

    char base[NAME_MAX + 1];
    memset(base, 'n', NAME_MAX - 4);
    memcpy(base + NAME_MAX - 4, ".jpg", 5);
    char *a = temp_name_for(base, 1), *b = temp_name_for(base, 2);
    CHECK(strlen(a) <= NAME_MAX && strlen(b) <= NAME_MAX);
    CHECK(a[0] == '.' && strstr(a, ".imgbatch-0000000000000001.tmp") != NULL);
    CHECK(strcmp(a, b) != 0);
    free(a);
    free(b);
}

static void test_finish(bool allow_unnamed)
{
    struct output_target o = target("photo.jpg", 0x1234);
    char *temp = temp_of(NULL, "photo.jpg", 0x1234);
    struct temp_output t;
    char err[256] = "";
    struct stat st;
    mode_t mask = umask(022);

    CHECK_EQ_INT(temp_output_open(&t, &o, allow_unnamed, err, sizeof(err)), 0);
    CHECK(t.unnamed == (allow_unnamed && unnamed_supported()));
    /* Unnamed, the half-written file is nowhere in the directory yet. */
    CHECK_EQ_INT(entries(), t.unnamed ? 0 : 1);
    CHECK_EQ_INT(write(t.fd, "pixels", 6), 6);
    CHECK_EQ_INT(temp_output_finish(&t, &o, err, sizeof(err)), 0);
    CHECK(t.name == NULL);
    CHECK_EQ_STR(read_all(temp), "pixels");
    CHECK(lstat(temp, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644);
    CHECK(access(o.shown, F_OK) < 0); /* the rename is the master's */
    CHECK_EQ_INT(entries(), 1);
    umask(mask);
    empty_dir();
    free(temp);
}

static void test_abandon(bool allow_unnamed)
{
    struct output_target o = target("photo.jpg", 7);
    struct temp_output t;
    char err[256] = "";

    CHECK_EQ_INT(temp_output_open(&t, &o, allow_unnamed, err, sizeof(err)), 0);
    CHECK_EQ_INT(write(t.fd, "half", 4), 4);
    temp_output_abandon(&t);
    CHECK(t.name == NULL);
    CHECK_EQ_INT(entries(), 0);
}

/* Whatever is at the temporary name (it cannot be guessed, but say it were) stays as it is. */
static void test_never_replaces_what_is_there(bool allow_unnamed)
{
    struct output_target o = target("photo.jpg", 99);
    char *temp = temp_of(NULL, "photo.jpg", 99);
    char *victim = path_join(dir, "victim");
    struct temp_output t;
    char err[256] = "";
    struct stat st;

    write_file(victim, "keep");
    CHECK_EQ_INT(symlink(victim, temp), 0);
    int opened = temp_output_open(&t, &o, allow_unnamed, err, sizeof(err));
    if (opened == 0) {
        CHECK_EQ_INT(write(t.fd, "new", 3), 3);
        CHECK_EQ_INT(temp_output_finish(&t, &o, err, sizeof(err)), -1);
    }
    CHECK(strstr(err, "cannot write") && strstr(err, "File exists"));
    CHECK_EQ_STR(read_all(victim), "keep");
    CHECK(lstat(temp, &st) == 0 && S_ISLNK(st.st_mode));
    empty_dir();
    free(victim);
    free(temp);
}

static void test_missing_directory(bool allow_unnamed)
{
    struct output_target o = target("no/such/photo.jpg", 1);
    char *want = NULL;
    struct temp_output t;
    char err[256] = "";

    CHECK_EQ_INT(temp_output_open(&t, &o, allow_unnamed, err, sizeof(err)), -1);
    CHECK(t.name == NULL);
    if (asprintf(&want, "cannot write %s: No such file or directory", o.shown) > 0)
        CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(entries(), 0);
    free(want);
}

/* A directory of OUTPUT swapped for a link to elsewhere: nothing is written there. */
static void test_link_in_the_way(bool allow_unnamed)
{
    char elsewhere[] = "/tmp/imgbatch-test-elsewhere-XXXXXX";
    char *link = path_join(dir, "sub");
    struct output_target o = target("sub/photo.jpg", 5);
    struct temp_output t;
    char err[256] = "";

    CHECK(mkdtemp(elsewhere) != NULL);
    CHECK_EQ_INT(symlink(elsewhere, link), 0);
    CHECK_EQ_INT(temp_output_open(&t, &o, allow_unnamed, err, sizeof(err)), -1);
    CHECK(strstr(err, "cannot write") != NULL);
    DIR *d = opendir(elsewhere);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    CHECK_EQ_INT(n, 0);
    rmdir(elsewhere);
    empty_dir();
    free(link);
}

/* A worker killed mid-write: an unnamed file goes with the process. */
static void test_killed_writer_leaves_nothing(void)
{
    int ready[2];
    char c;
    int status;

    if (!unnamed_supported() || pipe(ready) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        struct output_target o = target("photo.jpg", 3);
        struct temp_output t;
        char err[256];
        if (temp_output_open(&t, &o, true, err, sizeof(err)) < 0 || write(t.fd, "half", 4) != 4)
            _exit(1);
        (void)!write(ready[1], "r", 1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    CHECK(pid > 0 && read(ready[0], &c, 1) == 1);
    CHECK_EQ_INT(kill(pid, SIGKILL), 0);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    close(ready[0]);
    CHECK_EQ_INT(entries(), 0);
}

/* The master's half: rename an ok result, remove what a dead worker left, replace only files. */
static void test_settle(void)
{
    struct output_target o = target("a.png", 4242);
    char *temp = temp_of(NULL, "a.png", 4242);
    char *victim = path_join(dir, "victim");
    char buf[600];
    static struct job_result failed;
    struct stat st;

    memset(&failed, 0, sizeof(failed));
    job_result_fail(&failed, "corrupt PNG");

    /* ok: the temporary file becomes the output, replacing an older output. */
    write_file(o.shown, "old");
    write_file(temp, "new");
    CHECK(settle_output(&o, 1, NULL, 0, &st, buf, sizeof(buf)) == NULL);
    CHECK_EQ_STR(read_all(o.shown), "new");
    CHECK(access(temp, F_OK) < 0 && st.st_size == 3);
    unlink(o.shown);

    /* ok, but nothing to rename: the file fails, saying why. */
    const char *why = settle_output(&o, 1, NULL, 0, NULL, buf, sizeof(buf));
    CHECK(why == buf && strstr(why, "cannot rename into") && strstr(why, "No such file"));
    CHECK(access(o.shown, F_OK) < 0);

    /* A link planted at the output's name stays a link; the victim is untouched. */
    write_file(victim, "keep");
    CHECK_EQ_INT(symlink(victim, o.shown), 0);
    write_file(temp, "new");
    why = settle_output(&o, 1, NULL, 0, NULL, buf, sizeof(buf));
    CHECK(why && strstr(why, "is a symbolic link: not replaced"));
    CHECK(lstat(o.shown, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK_EQ_STR(read_all(victim), "keep");
    CHECK(access(temp, F_OK) < 0);
    unlink(o.shown);

    /* The worker died holding the file: its leftover goes, the failure is the result's. */
    write_file(temp, "half");
    CHECK(settle_output(&o, 0, failed.error, 1, NULL, buf, sizeof(buf)) == failed.error);
    CHECK(access(temp, F_OK) < 0 && access(o.shown, F_OK) < 0);

    /* A plain failure: the worker cleaned up itself; nothing is touched. */
    write_file(temp, "x");
    CHECK(settle_output(&o, 0, failed.error, 0, NULL, buf, sizeof(buf)) == failed.error);
    CHECK(access(temp, F_OK) == 0);

    /* The master gone: the worker removes its own finished file. */
    discard_temp_output(&o);
    CHECK(access(temp, F_OK) < 0);
    empty_dir();
    free(temp);
    free(victim);
}

/*
 * --keep-original-if-smaller's step: a finished temporary file larger than
 * the input takes the input's bytes, in place; one no larger stays; a link
 * at the temporary name is not written through.
 */
static void test_keep_smaller(void)
{
    struct output_target o = target("k.jpg", 0x5eed);
    char *temp = temp_of(NULL, "k.jpg", 0x5eed);
    char *victim = path_join(dir, "victim");
    struct job_result res;
    struct stat st;

    memset(&res, 0, sizeof(res));
    res.ok = 1;
    write_file(temp, "re-encoded, larger");
    CHECK_EQ_INT(temp_output_keep_smaller(&o, "original", 8, &res), 1);
    CHECK_EQ_STR(read_all(temp), "original");
    CHECK(res.ok && lstat(temp, &st) == 0 && st.st_size == 8);

    write_file(temp, "small");
    CHECK_EQ_INT(temp_output_keep_smaller(&o, "original", 8, &res), 0);
    CHECK_EQ_STR(read_all(temp), "small");
    write_file(temp, "same len");
    CHECK_EQ_INT(temp_output_keep_smaller(&o, "original", 8, &res), 0);
    CHECK_EQ_STR(read_all(temp), "same len");
    unlink(temp);

    /* Nothing there, or a link planted there: the file fails, and nothing is followed. */
    CHECK_EQ_INT(temp_output_keep_smaller(&o, "original", 8, &res), -1);
    CHECK(!res.ok && strstr(res.error, "cannot write") != NULL);
    write_file(victim, "a file of someone else's, long enough");
    CHECK_EQ_INT(symlink(victim, temp), 0);
    memset(&res, 0, sizeof(res));
    res.ok = 1;
    CHECK_EQ_INT(temp_output_keep_smaller(&o, "original", 8, &res), -1);
    CHECK(!res.ok);
    CHECK_EQ_STR(read_all(victim), "a file of someone else's, long enough");
    empty_dir();
    free(temp);
    free(victim);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    root = open(dir, O_RDONLY | O_DIRECTORY);
    test_temp_name();
    for (int allow_unnamed = 1; allow_unnamed >= 0; allow_unnamed--) {
        test_finish(allow_unnamed);
        test_abandon(allow_unnamed);
        test_never_replaces_what_is_there(allow_unnamed);
        test_missing_directory(allow_unnamed);
        test_link_in_the_way(allow_unnamed);
    }
    test_killed_writer_leaves_nothing();
    test_settle();
    test_keep_smaller();
    close(root);
    rmdir(dir);
    return check_summary();
}
