/*
 * pool: a fixed pool of forked worker processes fed over pipes.
 *
 * The master forks N workers, each with its own pair of pipes (jobs in,
 * results out), and multiplexes the result pipes with ppoll().  Every idle
 * worker is sent the next job in array order; every result is handed to
 * on_result as it arrives.  A worker that dies fails only the job it held,
 * and is replaced while jobs remain; if workers keep dying with no job
 * finished in between, the pool gives up instead of forking forever.
 * SIGINT, SIGTERM and SIGHUP stop the dispatch and give busy workers a
 * grace period to finish their file; a second signal stops them at once,
 * and so does a first one after the pool gave up (that was the first stop).
 * The caller prints and exits.
 *
 * The pool knows nothing of images: the work itself is a function pointer
 * run inside the worker, so tests drive the pool with fake jobs that crash,
 * hang or sleep.
 */
#ifndef IMGBATCH_POOL_H
#define IMGBATCH_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pool/message.h"

/*
 * After a stop signal, how long busy workers may go on to finish the file
 * they hold before they are killed.  A photo takes well under a second;
 * two seconds lets nearly every in-flight file land without making Ctrl-C
 * feel slow.
 */
#define POOL_DEFAULT_GRACE_MS 2000

/*
 * A worker told to exit after its last job (its job pipe closed) holds no
 * file, and its end (the image library's shutdown, removing its scratch
 * folder) takes milliseconds.  One still there after this long is stuck
 * in it, and would keep the run from ending: it is killed, and said so.
 */
#define POOL_EXIT_GRACE_MS 10000

/*
 * The pool gives up after this many worker deaths in a row with no job
 * finished in between (or twice the number of workers, if that is more).
 * One crash is a bad file; ten in a row with nothing finishing is a broken
 * installation, a memory limit too low to start, or a machine out of
 * processes, and forking on would only repeat it for every file.
 */
#define POOL_DEATHS_IN_A_ROW 10

/* Exit codes a worker uses for its own troubles (the master reports them). */
#define POOL_EXIT_INIT_FAILED 3 /* init callback failed: nothing can be done */
#define POOL_EXIT_PROTOCOL 4    /* the master sent something unreadable */

/* What a worker is sent, as is (job_request): one input and the outputs to make of it. */
struct pool_job {
    const char *input;
    uint32_t root;
    const struct job_output *outputs; /* 1..JOB_OUTPUTS_MAX of them */
    uint32_t noutputs;
};

/* Where a result came from. */
struct pool_worker_info {
    int no; /* 1..N, stable across replacements; 0 if no worker ever held the job */
    pid_t pid;
    int died; /* the worker ended holding the job: what it was writing is its own to clean */
};

/* Runs in each worker right after fork, before its memory limit; nonzero means it cannot work. */
typedef int (*pool_init_fn)(void *ctx);
/* Runs in the worker for each job.  res arrives with id set and ok = 1. */
typedef void (*pool_work_fn)(void *ctx, const struct job_request *req, struct job_result *res);
/* Runs in the worker before it exits normally, or after a result nobody took. */
typedef void (*pool_fini_fn)(void *ctx);
/*
 * Runs in the worker when its result cannot be sent because the master is
 * gone (killed with SIGKILL, say): whatever the job left for the master
 * to finish is the worker's to undo.
 */
typedef void (*pool_undelivered_fn)(void *ctx, const struct job_request *req,
                                    const struct job_result *res);
/*
 * Runs in the master once per job that finished, failed, or was cut short
 * by a worker's death or a signal (then res->ok is 0 and res->error says so).
 */
typedef void (*pool_result_fn)(void *ctx, size_t job, const struct job_result *res,
                               const struct pool_worker_info *worker);
/* Runs in the master about every tick_ms while the pool runs (a progress display). */
typedef void (*pool_tick_fn)(void *ctx);
/*
 * Runs in the master when job j is sent (again, if its worker died before
 * reading it): fills *job, which need last only until the call returns.
 * A run of a million files then keeps no pool_job per file, only what it
 * makes them from.
 */
typedef void (*pool_job_fn)(void *ctx, size_t j, struct pool_job *job);

struct pool_config {
    int workers;
    pool_init_fn init;
    pool_work_fn work;
    pool_fini_fn fini;
    pool_undelivered_fn undelivered; /* may be NULL */
    pool_result_fn on_result;
    pool_tick_fn on_tick;         /* may be NULL */
    pool_job_fn job_at;           /* the jobs, when pool_run is given no array; else NULL */
    void *job_ctx;                /* for job_at, in the master */
    void *ctx;                    /* for init, work and fini, in the workers */
    void *result_ctx;             /* for on_result and on_tick, in the master */
    int tick_ms;                  /* how often on_tick runs; 0: never */
    int job_timeout_ms;           /* kill a worker busy longer than this; 0: never */
    int shutdown_grace_ms;        /* after a stop signal, busy workers get this long; 0: default */
    int max_deaths_in_a_row;      /* 0: the default above */
    long long memory_limit_bytes; /* RLIMIT_DATA of each worker; 0: none */
};

struct pool_worker_stats {
    unsigned jobs;       /* results delivered by this slot, deaths included */
    long long busy_usec; /* time this slot held a job */
    unsigned respawns;   /* replacements started for this slot */
};

struct pool_outcome {
    int workers; /* slots that had a worker: cfg->workers, or fewer (see pool_run) */
    int signal;  /* the signal that stopped the run (see pool_request_stop), else 0 */
    int gave_up; /* workers kept dying: the jobs never sent were failed */
    char gave_up_reason[320];
    size_t completed;   /* jobs handed to on_result, failures included */
    size_t not_started; /* jobs never sent because a signal stopped the run */
    long long wall_usec;
};

/*
 * Runs jobs[0..njobs) on cfg->workers processes (jobs NULL: cfg->job_at
 * gives each as it is sent).  stats must hold
 * cfg->workers entries.  When the system will not start that many (no
 * descriptors for the pipes, no process), the run goes on with those that
 * started: one line on stderr says so, outcome->workers says how many,
 * and only stats[0..outcome->workers) are used.  Returns 0, or -1 if the
 * pool could not be set up at all (not even one worker); then a message
 * went to stderr.
 */
int pool_run(const struct pool_config *cfg, const struct pool_job *jobs, size_t njobs,
             struct pool_worker_stats *stats, struct pool_outcome *outcome);

/*
 * Called from on_result: stop the run as if signal sig had arrived (no new
 * jobs; busy workers get the grace period).  imgbatch uses SIGPIPE when its
 * report can no longer be written.  Ignored if a stop is already under way.
 */
void pool_request_stop(int sig);

/* "SIGSEGV" for SIGSEGV; "signal 77" for one without a name. Static buffer. */
const char *pool_signal_name(int sig);

#endif
