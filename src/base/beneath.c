/* beneath: link-free opens below a directory descriptor; see include/base/beneath.h. */
#include "base/beneath.h"

#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One directory below dirfd, made first when asked; never through a link. */
static int step_into(int dirfd, const char *name, bool create)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT && create) {
        /* EEXIST: made by someone else since; the open below judges what it is. */
        if (mkdirat(dirfd, name, 0777) < 0 && errno != EEXIST)
            return -1;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    /* O_DIRECTORY answers ENOTDIR for a link too: say which it was. */
    struct stat st;
    if (fd < 0 && errno == ENOTDIR) {
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            errno = ELOOP;
        else
            errno = ENOTDIR; /* the look may have failed: keep the open's answer */
    }
    return fd;
}

int open_dir_beneath(int root, const char *rel, bool create)
{
    int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || !rel || !*rel)
        return fd;
    if (rel[0] == '/') {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    char *path = xstrdup(rel);
    char *save = NULL;
    for (char *name = strtok_r(path, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        if (!strcmp(name, "."))
            continue;
        if (!strcmp(name, "..")) {
            errno = EINVAL; /* the scan never makes one: whoever did wants out */
            goto fail;
        }
        int next = step_into(fd, name, create);
        if (next < 0)
            goto fail;
        close(fd);
        fd = next;
    }
    free(path);
    return fd;
fail:
    close_quietly(fd);
    free(path);
    return -1;
}

const char *open_parent_beneath(int root, const char *rel, bool create, int *dir_fd)
{
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;

    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        errno = EINVAL;
        return NULL;
    }
    char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : NULL;
    if (slash && slash == rel) {
        free(dir);
        errno = EINVAL;
        return NULL;
    }
    *dir_fd = open_dir_beneath(root, dir, create);
    free(dir);
    return *dir_fd < 0 ? NULL : base;
}

int open_file_beneath(int root, const char *rel, int flags, mode_t mode, int *dir_out,
                      const char **base_out)
{
    int dirfd;
    const char *base = open_parent_beneath(root, rel, false, &dirfd);

    if (!base)
        return -1;
    int fd = openat(dirfd, base, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 || !dir_out) {
        close_quietly(dirfd);
    } else {
        *dir_out = dirfd;
        *base_out = base;
    }
    return fd;
}

const char *file_type_words(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "of an unknown type";
}
