/*
 * beneath: opening files below a directory descriptor without following a
 * symbolic link on the way.
 *
 * INPUT and OUTPUT may be shared with people who mean harm: between the scan
 * and the moment a worker opens a file, anyone who may write there can turn
 * a directory into a link to /etc, or a file into a link to another user's
 * file.  So below the directory the user named, every path is walked one
 * component at a time from an open descriptor, each directory opened with
 * O_NOFOLLOW | O_DIRECTORY and the last component with O_NOFOLLOW: a link
 * anywhere on the way fails the open (ELOOP or ENOTDIR) instead of leading
 * outside.  The directories the user named themselves (INPUT, OUTPUT) are
 * opened as named, links included: that is their choice.
 */
#ifndef IMGBATCH_BENEATH_H
#define IMGBATCH_BENEATH_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Opens the directory rel below root ("" or NULL: root itself, as a new
 * descriptor).  With create, missing directories are made (mode 0777 less
 * the umask, like mkdir -p).  Returns a descriptor (O_CLOEXEC), or -1 with
 * errno: ELOOP where a component is a symbolic link, ENOTDIR where it is a
 * file, EINVAL for an absolute rel or one with a ".." component.
 */
int open_dir_beneath(int root, const char *rel, bool create);

/*
 * Opens the file rel below root with flags (O_NOFOLLOW and O_CLOEXEC are
 * added; mode as for openat with O_CREAT).  When dir_out is not NULL, the
 * descriptor of rel's directory is left there (the caller closes it) and
 * *base_out points to rel's last component.  Returns the descriptor, or -1
 * with errno as for open_dir_beneath.
 */
int open_file_beneath(int root, const char *rel, int flags, mode_t mode, int *dir_out,
                      const char **base_out);

/*
 * rel's last component and, through *dir_fd, its directory opened below
 * root (created with create).  Returns the base name, or NULL with errno.
 */
const char *open_parent_beneath(int root, const char *rel, bool create, int *dir_fd);

/* "a FIFO", "a socket", "a directory", "a symbolic link"... for a mode that is not a regular file. */
const char *file_type_words(mode_t mode);

#endif
