/* magick_policy: BMP only, temporary files in a private directory; see magick_policy.h. */
#include "magick_policy.h"
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

/* This worker's directory, once made. */
static char *policy_dir;

/*
 * Later rules win in ImageMagick's policy: deny each domain whole, then
 * allow reading BMP.  The resource rule keeps ImageMagick's temporary files
 * (it spills large images to disk) in our directory.
 */
char *magick_policy_text(const char *dir)
{
    return xasprintf("<policymap>\n"
                     "  <policy domain=\"delegate\" rights=\"none\" pattern=\"*\"/>\n"
                     "  <policy domain=\"filter\" rights=\"none\" pattern=\"*\"/>\n"
                     "  <policy domain=\"path\" rights=\"none\" pattern=\"@*\"/>\n"
                     "  <policy domain=\"module\" rights=\"none\" pattern=\"*\"/>\n"
                     "  <policy domain=\"module\" rights=\"read | write\" pattern=\"BMP\"/>\n"
                     "  <policy domain=\"coder\" rights=\"none\" pattern=\"*\"/>\n"
                     "  <policy domain=\"coder\" rights=\"read\" pattern=\"{BMP,BMP2,BMP3}\"/>\n"
                     "  <policy domain=\"resource\" name=\"temporary-path\" value=\"%s\"/>\n"
                     "</policymap>\n",
                     dir);
}

static int write_policy(const char *dir)
{
    char *path = xasprintf("%s/policy.xml", dir);
    char *text = magick_policy_text(dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int r = -1;

    if (fd >= 0 && write_in_full(fd, text, strlen(text)) >= 0 && close(fd) == 0)
        r = 0;
    else if (fd >= 0)
        close_quietly(fd);
    if (r < 0)
        diag_errno("cannot write the ImageMagick policy %s", path);
    free(path);
    free(text);
    return r;
}

int magick_policy_install(const char *scratch)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/magick-%ld-XXXXXX", scratch ? scratch : (tmp && *tmp ? tmp : "/tmp"),
                          (long)getpid());

    if (!mkdtemp(dir)) {
        free(dir);
        /*
         * Gone: the other workers ended and the last removed it (worker.c),
         * and this one replaces a worker that died.  A directory of its own
         * in $TMPDIR instead, which it removes as it ends.
         */
        if (errno == ENOENT && scratch)
            return magick_policy_install(NULL);
        diag_errno("cannot create a directory for ImageMagick in %s",
                   scratch ? scratch : "the temporary directory");
        return -1;
    }
    policy_dir = dir;
    if (write_policy(dir) < 0 || setenv("MAGICK_CONFIGURE_PATH", dir, 1) < 0 ||
        setenv("MAGICK_TEMPORARY_PATH", dir, 1) < 0 || setenv("TMPDIR", dir, 1) < 0) {
        magick_policy_remove();
        return -1;
    }
    return 0;
}

void magick_policy_remove(void)
{
    if (!policy_dir)
        return;
    /* Flat: the policy and ImageMagick's magick-* files, nothing below. */
    DIR *d = opendir(policy_dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    if (rmdir(policy_dir) < 0 && errno != ENOENT)
        diag_errno("cannot remove %s", policy_dir);
    free(policy_dir);
    policy_dir = NULL;
}
