/* atomic_file: write beside, fsync, rename over; see atomic_file.h. */
#include "atomic_file.h"
#include "image/output_file.h"
#include "base/beneath.h"
#include "outpath.h"
#include "base/random_name.h"
#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tries at a new random name when one is taken: 64 random bits never collide by chance. */
#define TEMP_TRIES 4

/*
 * "dir/.name.imgbatch-<16 hex>.tmp" beside path.  The name is random, not
 * the pid: in a directory others may write, a pid-based name can be planted
 * in advance as a link waiting for our write.  name is shortened where the
 * whole would exceed NAME_MAX.
 */
static char *random_temp_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    /* The same form as an output's temporary name (output_file.h), which the scan skips. */
    char *name = temp_name_for(path + dir_len, random_u64());
    char *temp = xasprintf("%.*s%s", dir_len, path, name);

    free(name);
    return temp;
}

/* Creates a new temporary file beside path, never through a link: fd, or -1 with errno. */
static int create_temp(const char *path, mode_t mode, char **temp)
{
    for (int i = 0; i < TEMP_TRIES; i++) {
        *temp = random_temp_path(path);
        int fd = open(*temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
        free(*temp);
    }
    *temp = NULL;
    return -1;
}

/* Removes the temporary file of a failed write, keeping the failure's errno. */
static void discard(const char *temp)
{
    int saved = errno;

    unlink(temp);
    errno = saved;
}

/* Flushes the directory holding path, where the rename lives; best effort. */
static void sync_directory_of(const char *path)
{
    char *dir = path_dir(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd); /* some file systems refuse fsync on a directory: nothing to add */
        close(fd);
    }
    free(dir);
}

/*
 * 0 if the rename may replace what path names: nothing, or a regular file.
 * A link is replaced, not followed, by rename(); but replacing it is still
 * not ours to do (as root, --stats-file /dev/stdout would replace the
 * system's link with a file), and a device, FIFO or directory even less.
 * Someone able to write the directory can still swap the name between this
 * check and the rename; what they gain is that their own link is replaced,
 * never that a file it leads to is written.
 */
static int replaceable(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return 0;
    snprintf(err, errlen, "cannot write %s: it is %s, not a regular file; not replaced", path,
             file_type_words(st.st_mode));
    return -1;
}

/*
 * The written temporary file into path's place: checked again (the write
 * may have taken a while), renamed, the rename flushed.  0, or -1 with the
 * temporary file removed and why in err.  Frees temp.
 */
static int put_in_place(char *temp, const char *path, char *err, size_t errlen)
{
    if (replaceable(path, err, errlen) < 0) {
        discard(temp);
        free(temp);
        return -1;
    }
    if (rename(temp, path) < 0) {
        snprintf(err, errlen, "cannot rename into %s: %s", path, strerror(errno));
        discard(temp);
        free(temp);
        return -1;
    }
    sync_directory_of(path);
    free(temp);
    return 0;
}

int is_stdout_name(const char *path)
{
    return strcmp(path, "-") == 0;
}

int write_file_streamed(const char *path, content_writer write, const void *ctx, mode_t mode,
                        enum file_mode_rule rule, char *err, size_t errlen)
{
    char *temp = NULL;
    FILE *out = NULL;
    int fd;

    if (replaceable(path, err, errlen) < 0)
        return -1;
    fd = create_temp(path, mode, &temp);
    if (fd < 0)
        goto fail;
    if ((rule == MODE_EXACT && fchmod(fd, mode) < 0) || !(out = fdopen(fd, "w"))) {
        close_quietly(fd);
        discard(temp);
        goto fail;
    }
    errno = 0;
    write(out, ctx);
    /* A write that failed left the stream's error flag; the flush may fail too. */
    if (fflush(out) != 0 || ferror(out) || fsync(fd) < 0) {
        int cause = errno ? errno : EIO;
        fclose(out);
        errno = cause;
        discard(temp);
        goto fail;
    }
    if (fclose(out) != 0) {
        discard(temp);
        goto fail;
    }
    return put_in_place(temp, path, err, errlen);

fail:
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(temp);
    return -1;
}

int write_file_from(const char *path, content_writer write, const void *ctx, mode_t mode,
                    enum file_mode_rule rule, int stdout_ok, char *err, size_t errlen)
{
    if (!stdout_ok || !is_stdout_name(path))
        return write_file_streamed(path, write, ctx, mode, rule, err, errlen);
    /* Through stdio: it follows whatever the run already printed there, in order. */
    errno = 0;
    write(stdout, ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(err, errlen, "cannot write to stdout: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
