/* output_file: temporary file, rename, cleanup; see include/image/output_file.h. */
#include "image/output_file.h"
#include "base/diag.h"

#include "base/beneath.h"
#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ".NAME.imgbatch-TAG.tmp", NAME shortened so that the whole stays within NAME_MAX. */
char *temp_name_for(const char *base, uint64_t tag)
{
    char tail[48];
    int tail_len = snprintf(tail, sizeof(tail), ".imgbatch-%016llx.tmp", (unsigned long long)tag);
    int room = NAME_MAX - 1 - tail_len;
    int base_len = (int)strlen(base) < room ? (int)strlen(base) : room;

    return xasprintf(".%.*s%s", base_len, base, tail);
}

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

static int open_unnamed(int dir)
{
    /* 0666 and the umask, like any file a user creates. */
    int fd = openat(dir, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0666);

    /* EISDIR: a kernel without O_TMPFILE; EOPNOTSUPP, EINVAL: a file system without it. */
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
        unnamed_possible = false;
    return fd;
}

static void fail_with_errno(char *err, size_t errlen, const struct output_target *o)
{
    snprintf(err, errlen, "cannot write %s: %s", o->shown, strerror(errno));
}

int temp_output_open(struct temp_output *t, const struct output_target *o, bool allow_unnamed,
                     char *err, size_t errlen)
{
    const char *base = open_parent_beneath(o->root, o->rel, false, &t->dir);

    t->fd = -1;
    t->name = NULL;
    t->unnamed = false;
    if (!base) {
        fail_with_errno(err, errlen, o);
        return -1;
    }
    t->name = temp_name_for(base, o->tag);
    if (allow_unnamed && unnamed_possible && proc_fd_links_work()) {
        t->fd = open_unnamed(t->dir);
        t->unnamed = t->fd >= 0;
    }
    /* A refusal other than "not here" comes back from this open too.  O_EXCL: never an old file. */
    if (t->fd < 0)
        t->fd = openat(t->dir, t->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       0666);
    if (t->fd < 0) {
        fail_with_errno(err, errlen, o);
        close_quietly(t->dir);
        free(t->name);
        t->name = NULL;
        t->dir = -1;
        return -1;
    }
    return 0;
}

static void release(struct temp_output *t)
{
    close_quietly(t->dir);
    free(t->name);
    t->name = NULL;
    t->fd = t->dir = -1;
}

int temp_output_finish(struct temp_output *t, const struct output_target *o, char *err,
                       size_t errlen)
{
    int r = 0;

    if (t->unnamed) {
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
        /* No second try on EEXIST: nothing but our own file may have this name. */
        if (linkat(AT_FDCWD, proc, t->dir, t->name, AT_SYMLINK_FOLLOW) < 0) {
            fail_with_errno(err, errlen, o);
            close_quietly(t->fd); /* the unnamed file goes with it */
            release(t);
            return -1;
        }
    }
    if (close(t->fd) < 0) { /* some file systems report a failed write only now */
        fail_with_errno(err, errlen, o);
        unlinkat(t->dir, t->name, 0);
        r = -1;
    }
    release(t);
    return r;
}

void temp_output_abandon(struct temp_output *t)
{
    close_quietly(t->fd);
    if (!t->unnamed)
        unlinkat(t->dir, t->name, 0); /* whatever part was written */
    release(t);
}

/* Removes the temporary file in dir; absent is fine. */
static void remove_temp(int dir, const char *base, const struct output_target *o)
{
    char *temp = temp_name_for(base, o->tag);

    if (unlinkat(dir, temp, 0) < 0 && errno != ENOENT)
        diag_errno("cannot remove the temporary file of %s", o->shown);
    free(temp);
}

const char *settle_output(const struct output_target *o, int done, const char *error,
                          int worker_died, struct stat *st, char *buf, size_t len)
{
    if (!done && !worker_died)
        return error; /* the worker removed its own temporary file */

    int dir;
    const char *base = open_parent_beneath(o->root, o->rel, false, &dir);
    if (!base) {
        snprintf(buf, len, "cannot rename into %s: %s", o->shown, strerror(errno));
        return buf;
    }
    const char *failure = NULL;
    struct stat old;
    if (!done) {
        /* It died holding the file: what it half wrote is the master's to remove. */
        remove_temp(dir, base, o);
        failure = error;
    } else if (fstatat(dir, base, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(old.st_mode)) {
        /* Only a regular file is ours to replace: a planted link stays what it is. */
        snprintf(buf, len, "output %s is %s: not replaced", o->shown,
                 file_type_words(old.st_mode));
        remove_temp(dir, base, o);
        failure = buf;
    } else {
        char *temp = temp_name_for(base, o->tag);
        if (renameat(dir, temp, dir, base) < 0) {
            snprintf(buf, len, "cannot rename into %s: %s", o->shown, strerror(errno));
            unlinkat(dir, temp, 0);
            failure = buf;
        } else if (st && fstatat(dir, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
            memset(st, 0, sizeof(*st));
        }
        free(temp);
    }
    close(dir);
    return failure;
}

int output_file_write(const struct output_target *output, const void *data, size_t len,
                      struct job_result *res)
{
    struct temp_output t;
    char err[RESULT_ERROR_MAX];

    if (temp_output_open(&t, output, true, err, sizeof(err)) < 0)
        goto fail;
    if (write_in_full(t.fd, data, len) < 0) {
        snprintf(err, sizeof(err), "cannot write %s: %s", output->shown, strerror(errno));
        temp_output_abandon(&t);
        goto fail;
    }
    if (temp_output_finish(&t, output, err, sizeof(err)) < 0)
        goto fail;
    return 0;
fail:
    job_result_fail(res, "%s", err);
    return -1;
}
int temp_output_keep_smaller(const struct output_target *o, const void *data, size_t len,
                             struct job_result *res)
{
    int dir, fd = -1, r = -1;
    struct stat st;
    const char *base = open_parent_beneath(o->root, o->rel, false, &dir);

    if (!base) {
        job_result_fail(res, "cannot write %s: %s", o->shown, strerror(errno));
        return -1;
    }
    char *temp = temp_name_for(base, o->tag);
    /* Our own file, by its unpredictable name; still, never through a link. */
    fd = openat(dir, temp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if (st.st_size <= (off_t)len) {
        r = 0;
        goto done;
    }
    if (ftruncate(fd, 0) < 0 || write_in_full(fd, data, len) < 0)
        goto fail;
    r = close(fd); /* some file systems report a failed write only now */
    fd = -1;
    if (r < 0)
        goto fail;
    r = 1;
    goto done;
fail:
    job_result_fail(res, "cannot write %s: %s", o->shown, strerror(errno));
    unlinkat(dir, temp, 0);
done:
    close_quietly(fd);
    free(temp);
    close(dir);
    return r;
}

void discard_temp_output(const struct output_target *o)
{
    int dir;
    const char *base = open_parent_beneath(o->root, o->rel, false, &dir);

    if (!base)
        return;
    char *temp = temp_name_for(base, o->tag);
    unlinkat(dir, temp, 0);
    free(temp);
    close(dir);
}
