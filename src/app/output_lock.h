/*
 * output_lock: one run at a time per OUTPUT.
 *
 * Two runs writing one OUTPUT would do every file twice and race on the
 * renames and the incremental state (a cron job every ten minutes whose
 * run sometimes takes eleven).  A run holds a POSIX record lock (fcntl) on
 * OUTPUT/.imgbatch.lock (or its name in --state-dir: kept_files.h) for as
 * long as it works:
 *
 *  - the kernel drops it when the process dies, however it dies, so a
 *    killed run never blocks the next one and there is no pid file to
 *    judge stale;
 *  - fcntl locks belong to the process and are not inherited by fork, so
 *    a worker left behind by a killed master does not keep OUTPUT locked;
 *  - they work on NFS, where the runs of many machines meet.
 *
 * A run without --shard write-locks the whole file, which excludes every
 * other run.  The shards of one split (--shard K/N, same N) share an
 * OUTPUT and run side by side; runs of different splits must not, since
 * their files overlap (1/2 and 3/3 would write some of the same outputs).
 * So the file has three regions:
 *
 *   byte 0           the gate: write-locked for a few system calls while a
 *                    shard run checks the splits and joins its own;
 *   byte 1 + N       read-locked by every run of --shard K/N, for the
 *                    whole run: shared by its split, seen by any other;
 *   byte 1000002 + K write-locked by shard K for the whole run (1000002 is
 *                    2 + SHARDS_MAX: parse_shard keeps N within it, so the
 *                    regions never overlap), so one K runs once.
 *
 * Holding the gate, a shard run asks the kernel (F_GETLK) whether a write
 * lock on the split bytes other than its own N would conflict: if so, a
 * run of another split holds OUTPUT and it is refused (--wait waits for
 * that split to end); if not, it read-locks byte 1 + N, lets the gate go
 * and takes its K.  Two different splits cannot both pass the gate, and
 * a run without --shard meets any lock at all.  The busy message names
 * the holder's pid and, where its locks tell, its --shard K/N.
 *
 * The file is opened inside its directory without following a link or
 * blocking on a FIFO (OUTPUT may be writable by others, who may plant
 * either at its name), and must be a regular file.
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


/* Exit status when another run holds OUTPUT: EX_TEMPFAIL, "try again later". */
#define EXIT_OUTPUT_BUSY 75

enum lock_result { LOCK_TAKEN, LOCK_BUSY, LOCK_ERROR };

/* The run found holding OUTPUT, as far as its locks tell. */
struct lock_holder {
    pid_t pid;            /* 0 if unknown */
    unsigned shard_index; /* its --shard K/N, both 0 if unknown or not sharded */
    unsigned shard_count;
};

/* Which OUTPUT, and which split's shard (both 0: not sharded). */
struct lock_request {
    const char *output; /* for messages */
    const char *dir;    /* where the lock file is: OUTPUT, or --state-dir */
    const char *name;   /* its name there (kept_files.h) */
    unsigned shard_index, shard_count;
    double wait_limit_s; /* --wait=SECONDS: give up waiting after this long; 0: never */
};

/*
 * Locks OUTPUT for this run; waits for it when wait is set, for at most
 * req->wait_limit_s if that is set (a timer's SIGALRM interrupts the wait
 * meanwhile).  LOCK_TAKEN sets *fd (keep it open for the run).  LOCK_BUSY
 * describes the run holding it in *holder, also when the wait ran out.
 * LOCK_ERROR leaves a reason in err.
 */
enum lock_result output_lock(const struct lock_request *req, int wait, int *fd,
                             struct lock_holder *holder, char *err, size_t errlen);

/* Ends the run's hold on OUTPUT (fd < 0: nothing held); a run without --shard removes the file. */
void output_unlock(const struct lock_request *req, int fd);

#endif
