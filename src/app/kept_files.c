/* kept_files: where the lock and the state of an OUTPUT live; see kept_files.h. */
#include "kept_files.h"
#include "base/xalloc.h"
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCK_NAME ".imgbatch.lock"
#define STATE_NAME ".imgbatch-state"
#define STEM_TEXT_MAX 32 /* of OUTPUT's last component, in a --state-dir name */

char *kept_files_stem(const char *output_real_path)
{
    const char *slash = strrchr(output_real_path, '/');
    const char *base = slash ? slash + 1 : output_real_path;
    char text[STEM_TEXT_MAX + 1];
    size_t n = 0;

    for (const char *p = base; *p && n < STEM_TEXT_MAX; p++) {
        char c = *p;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || (c == '.' && n > 0);
        /* No name of ours begins with a dot there: DIR is ours, nothing in it hides. */
        text[n] = plain ? c : '_';
        n++;
    }
    text[n] = '\0';
    return xasprintf("%s-%016llx", n ? text : "root",
                     (unsigned long long)fnv1a64(output_real_path));
}

int kept_files_locate(struct kept_files *k, const char *output, const char *state_dir,
                      unsigned shard_index, unsigned shard_count, char *err, size_t errlen)
{
    char *split = shard_count ? xasprintf(".%u-of-%u", shard_index, shard_count) : xstrdup("");

    memset(k, 0, sizeof(*k));
    if (!state_dir) {
        k->dir = xstrdup(output);
        k->lock_name = xstrdup(LOCK_NAME);
        k->state_prefix = xstrdup(STATE_NAME);
    } else {
        char *real = realpath(output, NULL);
        if (!real) {
            snprintf(err, errlen, "cannot resolve OUTPUT %s (for its files in --state-dir): %s",
                     output, strerror(errno));
            free(split);
            return -1;
        }
        char *stem = kept_files_stem(real);
        k->dir = xstrdup(state_dir);
        k->lock_name = xasprintf("%s.lock", stem);
        k->state_prefix = xasprintf("%s.state", stem);
        free(stem);
        free(real);
    }
    k->state_name = xasprintf("%s%s", k->state_prefix, split);
    free(split);
    return 0;
}

void kept_files_release(struct kept_files *k)
{
    free(k->dir);
    free(k->lock_name);
    free(k->state_name);
    free(k->state_prefix);
    memset(k, 0, sizeof(*k));
}
