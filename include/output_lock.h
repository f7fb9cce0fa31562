/*
 * output_lock: one run at a time per OUTPUT.
 *
 * Two runs writing one OUTPUT would do every file twice and race on the
 * renames and the incremental state (a cron job every ten minutes whose
 * run sometimes takes eleven).  A run holds a POSIX record lock (fcntl) on
 * OUTPUT/.imgbatch.lock for as long as it works:
 *
 *  - the kernel drops it when the process dies, however it dies, so a
 *    killed run never blocks the next one and there is no pid file to
 *    judge stale;
 *  - fcntl locks belong to the process and are not inherited by fork, so
 *    a worker left behind by a killed master does not keep OUTPUT locked;
 *  - they work on NFS, where the runs of many machines meet.
 *
 * A run without --shard locks the whole file; shard K locks byte K only,
 * so the shards of one split share an OUTPUT and run side by side, and
 * a run without --shard excludes them all.
 *
 * A run without --shard removes the file when it ends, so it does not
 * linger among the outputs (shards leave it: see output_unlock).
 * Removing a lock file is safe only with a check on the other side: a run
 * that got its lock on a file since removed (it opened the file just
 * before) sees that the name no longer leads to it, and starts over.
 */
#ifndef IMGBATCH_OUTPUT_LOCK_H
#define IMGBATCH_OUTPUT_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#include "cli.h"

/* Exit status when another run holds OUTPUT: EX_TEMPFAIL, "try again later". */
#define EXIT_OUTPUT_BUSY 75

enum lock_result { LOCK_TAKEN, LOCK_BUSY, LOCK_ERROR };

/*
 * Locks OUTPUT for this run; waits for it when wait is set.  LOCK_TAKEN
 * sets *fd (keep it open for the run).  LOCK_BUSY sets *holder to the pid
 * holding it (0 if unknown).  LOCK_ERROR leaves a reason in err.
 */
enum lock_result output_lock(const struct options *opts, int wait, int *fd, pid_t *holder,
                             char *err, size_t errlen);

/* Ends the run's hold on OUTPUT (fd < 0: nothing held); a run without --shard removes the file. */
void output_unlock(const struct options *opts, int fd);

#endif
