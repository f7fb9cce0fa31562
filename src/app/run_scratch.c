/* run_scratch: the run's private temporary directory; see run_scratch.h. */
#include "run_scratch.h"
#include "base/diag.h"

#include "base/xalloc.h"
#include "base/xio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *run_scratch_create(const char *prefix, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);

    /* mkdtemp: mode 0700 and a name nobody could have planted a link at. */
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot create a temporary directory in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

/* Empties the directory open on fd, depth first, never through a link; closes fd. */
static void empty_dir(int fd)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;

    if (!d) {
        close_quietly(fd);
        return;
    }
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR)
            continue;
        int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0)
            empty_dir(sub);
        unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

void run_scratch_remove(char *path)
{
    if (!path)
        return;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        empty_dir(fd);
    if (rmdir(path) < 0 && errno != ENOENT)
        diag_errno("cannot remove %s", path);
    free(path);
}
