/* output_lock: fcntl record locks on OUTPUT/.imgbatch.lock; see include/output_lock.h. */
#include "output_lock.h"
#include "outpath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME ".imgbatch.lock"

/* This run's part of the file: byte K for shard K, else all of it. */
static void set_range(struct flock *fl, const struct options *opts)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = F_WRLCK;
    fl->l_whence = SEEK_SET;
    fl->l_start = opts->shard_count ? (off_t)opts->shard_index : 0;
    fl->l_len = opts->shard_count ? 1 : 0; /* 0: to the end of any file */
}

/* 1 if path still names the file open on fd: it was not removed while we waited. */
static int still_there(const char *path, int fd)
{
    struct stat by_name, by_fd;

    return stat(path, &by_name) == 0 && fstat(fd, &by_fd) == 0 &&
           by_name.st_dev == by_fd.st_dev && by_name.st_ino == by_fd.st_ino;
}

enum lock_result output_lock(const struct options *opts, int wait, int *fd, pid_t *holder,
                             char *err, size_t errlen)
{
    char *path = path_join(opts->output, LOCK_NAME);
    struct flock fl;
    int lfd = -1;

    *holder = 0;
    for (;;) {
        /* 0666 less the umask: the users who may write OUTPUT may all take its lock. */
        lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (lfd < 0) {
            snprintf(err, errlen, "cannot write into OUTPUT %s (its lock file %s): %s",
                     opts->output, LOCK_NAME, strerror(errno));
            free(path);
            return LOCK_ERROR;
        }
        set_range(&fl, opts);
        if (fcntl(lfd, wait ? F_SETLKW : F_SETLK, &fl) == 0) {
            if (still_there(path, lfd))
                break;
            close(lfd); /* the run before removed it: lock the file now there */
            continue;
        }
        /* EINTR while waiting; ESTALE: on NFS, the file was removed while we waited. */
        if ((errno == EINTR && wait) || errno == ESTALE) {
            close(lfd);
            continue;
        }
        if (errno != EACCES && errno != EAGAIN) {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
            free(path);
            close(lfd);
            return LOCK_ERROR;
        }
        /* Who holds it, for the message; if it has just let go, try again. */
        struct flock probe = fl;
        int probed = fcntl(lfd, F_GETLK, &probe) == 0;
        close(lfd);
        if (probed && probe.l_type == F_UNLCK)
            continue;
        *holder = probed ? probe.l_pid : 0;
        free(path);
        return LOCK_BUSY;
    }
    free(path);
    *fd = lfd;
    return LOCK_TAKEN;
}

void output_unlock(const struct options *opts, int fd)
{
    if (fd < 0)
        return;
    /*
     * Only a run without --shard removes the file: it holds all of it, so
     * nobody else holds any part.  A shard leaves it, since finding out
     * whether it is the last one out would mean taking the whole file for
     * a moment, and a shard starting in that moment would be turned away.
     */
    if (!opts->shard_count) {
        char *path = path_join(opts->output, LOCK_NAME);
        if (unlink(path) < 0 && errno != ENOENT)
            fprintf(stderr, "imgbatch: cannot remove %s: %s\n", path, strerror(errno));
        free(path);
    }
    close(fd); /* releases the lock */
}
