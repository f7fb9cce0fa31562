/*
 * kept_files: where imgbatch keeps its own files for an OUTPUT, the lock
 * (output_lock.h) and the --incremental state (state.h), and what they
 * are called.
 *
 * By default both live in OUTPUT itself, as .imgbatch.lock and
 * .imgbatch-state (.imgbatch-state.K-of-N for shard K of N).  OUTPUT may
 * be a web root, where neither belongs: --state-dir DIR keeps them in DIR
 * instead.  Several OUTPUTs may share one DIR, so there each name is
 * derived from OUTPUT's real path, its last component (for people, bytes
 * other than letters, digits, '.', '_' and '-' as '_', at most 32 of them)
 * and its 64-bit FNV-1a hash (for the machine):
 *
 *   DIR/small-3f2a9c0d1e4b5a67.lock
 *   DIR/small-3f2a9c0d1e4b5a67.state         (.state.K-of-N for a shard)
 *
 * The lock stays one file per OUTPUT, whatever the split: its byte ranges
 * keep the shards apart.  An OUTPUT reached by another real path (another
 * mount point, a moved directory) is another OUTPUT to DIR: another lock
 * and a fresh state.
 */
#ifndef IMGBATCH_KEPT_FILES_H
#define IMGBATCH_KEPT_FILES_H

#include <stddef.h>

struct kept_files {
    char *dir;          /* OUTPUT as given, or --state-dir as given */
    char *lock_name;    /* in dir */
    char *state_name;   /* in dir: this split's */
    char *state_prefix; /* what every split's state name begins with */
};

/*
 * Names the kept files of output for shard K of N (both 0: not sharded),
 * in state_dir (NULL: in output itself).  With state_dir, output must
 * exist (its real path names the files).  Returns 0, or -1 with a reason
 * in err and nothing to release.
 */
int kept_files_locate(struct kept_files *k, const char *output, const char *state_dir,
                      unsigned shard_index, unsigned shard_count, char *err, size_t errlen);

void kept_files_release(struct kept_files *k);

/* The name the real path of an OUTPUT gives its files in a --state-dir, without suffix. */
char *kept_files_stem(const char *output_real_path);

#endif
