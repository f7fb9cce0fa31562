/*
 * test_temp_output: an output's temporary file, created unnamed where the
 * file system allows and named otherwise.  What a user would check: the
 * finished file holds the bytes under the temporary name the master
 * renames, an abandoned or killed write leaves nothing in the directory, a
 * stale file or a planted link under that name is replaced, never followed.
 */
#include "check.h"

#include "outpath.h"
#include "temp_output.h"

#include <dirent.h>
#include <fcntl.h>
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

static void test_finish(bool allow_unnamed)
{
    char *output = path_join(dir, "photo.jpg");
    char *temp = temp_path_for(output, getpid());
    struct temp_output t;
    char err[256] = "";
    struct stat st;
    mode_t mask = umask(022);

    CHECK_EQ_INT(temp_output_open(&t, output, allow_unnamed, err, sizeof(err)), 0);
    CHECK(t.unnamed == (allow_unnamed && unnamed_supported()));
    CHECK_EQ_STR(t.path, temp);
    /* Unnamed, the half-written file is nowhere in the directory yet. */
    CHECK_EQ_INT(entries(), t.unnamed ? 0 : 1);
    CHECK_EQ_INT(write(t.fd, "pixels", 6), 6);
    CHECK_EQ_INT(temp_output_finish(&t, output, err, sizeof(err)), 0);
    CHECK(t.path == NULL);
    CHECK_EQ_STR(read_all(temp), "pixels");
    CHECK(lstat(temp, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644);
    CHECK(access(output, F_OK) < 0); /* the rename is the master's */
    CHECK_EQ_INT(entries(), 1);
    umask(mask);
    empty_dir();
    free(temp);
    free(output);
}

static void test_abandon(bool allow_unnamed)
{
    char *output = path_join(dir, "photo.jpg");
    struct temp_output t;
    char err[256] = "";

    CHECK_EQ_INT(temp_output_open(&t, output, allow_unnamed, err, sizeof(err)), 0);
    CHECK_EQ_INT(write(t.fd, "half", 4), 4);
    temp_output_abandon(&t);
    CHECK(t.path == NULL);
    CHECK_EQ_INT(entries(), 0);
    free(output);
}

/* A file a crashed worker with our pid left, or a link planted to redirect our write. */
static void test_replaces_what_is_there(bool allow_unnamed)
{
    char *output = path_join(dir, "photo.jpg");
    char *temp = temp_path_for(output, getpid());
    char *victim = path_join(dir, "victim");
    struct temp_output t;
    char err[256] = "";
    struct stat st;
    int fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    CHECK(fd >= 0 && write(fd, "keep", 4) == 4 && close(fd) == 0);
    CHECK_EQ_INT(symlink(victim, temp), 0);
    CHECK_EQ_INT(temp_output_open(&t, output, allow_unnamed, err, sizeof(err)), 0);
    CHECK_EQ_INT(write(t.fd, "new", 3), 3);
    CHECK_EQ_INT(temp_output_finish(&t, output, err, sizeof(err)), 0);
    CHECK_EQ_STR(read_all(victim), "keep");
    CHECK(lstat(temp, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_EQ_STR(read_all(temp), "new");
    empty_dir();
    free(victim);
    free(temp);
    free(output);
}

static void test_missing_directory(bool allow_unnamed)
{
    char *output = path_join(dir, "no/such/photo.jpg");
    char *want = NULL;
    struct temp_output t;
    char err[256] = "";

    CHECK_EQ_INT(temp_output_open(&t, output, allow_unnamed, err, sizeof(err)), -1);
    CHECK(t.path == NULL);
    if (asprintf(&want, "cannot write %s: No such file or directory", output) > 0)
        CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(entries(), 0);
    free(want);
    free(output);
}

/* A worker killed mid-write: an unnamed file goes with the process. */
static void test_killed_writer_leaves_nothing(void)
{
    char *output = path_join(dir, "photo.jpg");
    int ready[2];
    char c;
    int status;

    if (!unnamed_supported() || pipe(ready) < 0) {
        free(output);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        struct temp_output t;
        char err[256];
        if (temp_output_open(&t, output, true, err, sizeof(err)) < 0 || write(t.fd, "half", 4) != 4)
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
    free(output);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    for (int allow_unnamed = 1; allow_unnamed >= 0; allow_unnamed--) {
        test_finish(allow_unnamed);
        test_abandon(allow_unnamed);
        test_replaces_what_is_there(allow_unnamed);
        test_missing_directory(allow_unnamed);
    }
    test_killed_writer_leaves_nothing();
    rmdir(dir);
    return check_summary();
}
