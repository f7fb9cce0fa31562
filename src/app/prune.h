/*
 * prune: --prune, the outputs of inputs that are gone.
 *
 * An upload deleted from INPUT leaves its thumbnail in OUTPUT.  --prune
 * (with --incremental) removes the outputs the state records as made from
 * this run's INPUT (state.h: each record says which INPUT) whose input is
 * no longer there, and nothing else:
 *
 *  - an input is gone when nothing at all is at its name below INPUT any
 *    more (looked up without following a link; a link, a directory or a
 *    file the scan skips is still something), so that a run without -r,
 *    with --files-from, or with another shard's view of INPUT removes
 *    nothing it merely did not see;
 *  - only this state's records are looked at: a shard's state holds its
 *    own outputs, and another INPUT's records are not this run's;
 *  - an output name that a file of this scan maps to is left to that file;
 *  - the output is opened below OUTPUT one directory at a time, never
 *    through a link, and removed (unlinkat) only while it is still the
 *    regular file imgbatch wrote: the size, modification time and inode
 *    recorded.  A link, a directory, or any other file planted at that name
 *    is left alone, and its record forgotten, as is the record of an
 *    output already gone.  Directories are never removed.
 *
 * OUTPUT is hostile territory: someone who may write there could swap the
 * name between the check and the unlink, and would lose the name they had
 * just planted (unlinkat removes a name, never what a link leads to).
 */
#ifndef IMGBATCH_PRUNE_H
#define IMGBATCH_PRUNE_H

#include <stddef.h>

#include "scan.h"
#include "state.h"

struct prune_request {
    const char *input;  /* INPUT, a directory */
    const char *output; /* OUTPUT */
    const struct scan_result *scan;
    unsigned shard_index, shard_count; /* --shard K/N, or 0 and 0 */
    int dry_run;                       /* list, remove nothing, forget nothing */
};

/* Told of each output removed (or, in a dry run, that would be): INPUT- and OUTPUT-relative. */
typedef void (*prune_found_fn)(void *ctx, const char *in_rel, const char *out_rel);

/*
 * Removes the outputs of this INPUT's gone inputs (see above), forgetting
 * their records in s, and the records of failures of gone inputs.  Returns
 * how many outputs were removed (or would be).  *trouble is set to 1 when
 * something could not be removed or looked at (a line was said for each,
 * and the rest went on), else to 0.
 */
size_t prune_outputs(struct run_state *s, const struct prune_request *req, prune_found_fn found,
                     void *ctx, int *trouble);

#endif
