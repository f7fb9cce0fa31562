/* temp_output: an output's file until the master renames it; see include/temp_output.h. */
#include "temp_output.h"

#include "outpath.h"
#include "xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Whether unnamed files are worth trying in this process: cleared for good
 * by the first file system that refuses O_TMPFILE, so such an output costs
 * one failed open, not one per file.
 */
static bool unnamed_possible = true;

/* An unnamed file is linked through /proc: without it, name files from the start. */
static bool proc_fd_links_work(void)
{
    static int known = -1;

    if (known < 0)
        known = access("/proc/self/fd", X_OK) == 0;
    return known;
}

static int open_unnamed(const char *output)
{
    char *dir = path_dir(output);
    /* 0666 and the umask, like any file a user creates. */
    int fd = open(dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0666);

    free(dir);
    /* EISDIR: a kernel without O_TMPFILE; EOPNOTSUPP, EINVAL: a file system without it. */
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
        unnamed_possible = false;
    return fd;
}

/*
 * O_EXCL and O_NOFOLLOW, so a link planted under the predictable name
 * cannot point our write at another file.  A name left by a crashed worker
 * that had our pid is removed and the create tried once more.
 */
static int open_named(const char *path)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(path, flags, 0666);

    if (fd < 0 && errno == EEXIST && unlink(path) == 0)
        fd = open(path, flags, 0666);
    return fd;
}

int temp_output_open(struct temp_output *t, const char *output, bool allow_unnamed, char *err,
                     size_t errlen)
{
    t->path = temp_path_for(output, getpid());
    t->unnamed = false;
    t->fd = -1;
    if (allow_unnamed && unnamed_possible && proc_fd_links_work()) {
        t->fd = open_unnamed(output);
        t->unnamed = t->fd >= 0;
    }
    if (t->fd < 0) /* a refusal other than "not here" comes back from this open too */
        t->fd = open_named(t->path);
    if (t->fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", output, strerror(errno));
        free(t->path);
        t->path = NULL;
        return -1;
    }
    return 0;
}

/* Gives the unnamed file t->path; an old file under that name is replaced, as open_named does. */
static int link_unnamed(const struct temp_output *t)
{
    char proc[64];

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, t->path, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    if (errno != EEXIST || unlink(t->path) < 0)
        return -1;
    return linkat(AT_FDCWD, proc, AT_FDCWD, t->path, AT_SYMLINK_FOLLOW);
}

int temp_output_finish(struct temp_output *t, const char *output, char *err, size_t errlen)
{
    int r = 0;

    if (t->unnamed && link_unnamed(t) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", output, strerror(errno));
        close_quietly(t->fd); /* the unnamed file goes with it */
        r = -1;
    } else if (close(t->fd) < 0) { /* some file systems report a failed write only now */
        snprintf(err, errlen, "cannot write %s: %s", output, strerror(errno));
        unlink(t->path);
        r = -1;
    }
    free(t->path);
    t->path = NULL;
    t->fd = -1;
    return r;
}

void temp_output_abandon(struct temp_output *t)
{
    close_quietly(t->fd);
    if (!t->unnamed)
        unlink(t->path); /* whatever part was written */
    free(t->path);
    t->path = NULL;
    t->fd = -1;
}
