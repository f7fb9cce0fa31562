/* atomic_file: write beside, fsync, rename over; see include/atomic_file.h. */
#include "atomic_file.h"
#include "outpath.h"
#include "xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int write_file_atomically(const char *path, const char *data, size_t len, mode_t mode,
                          enum file_mode_rule rule, char *err, size_t errlen)
{
    char *temp = temp_path_for(path, getpid());
    const char *step = "cannot write";
    int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    if (fd < 0)
        goto fail;
    /* open() applied the umask, which an exact mode overrides. */
    if ((rule == MODE_EXACT && fchmod(fd, mode) < 0) || write_in_full(fd, data, len) < 0 ||
        fsync(fd) < 0) {
        close_quietly(fd);
        discard(temp);
        goto fail;
    }
    if (close(fd) < 0) {
        discard(temp);
        goto fail;
    }
    if (rename(temp, path) < 0) {
        step = "cannot rename into";
        discard(temp);
        goto fail;
    }
    sync_directory_of(path);
    free(temp);
    return 0;

fail:
    snprintf(err, errlen, "%s %s: %s", step, path, strerror(errno));
    free(temp);
    return -1;
}
