/*
 * jobs: the pool jobs of a run or of a bench, built from its scan the one
 * way both need them.
 *
 * OUTPUT is opened for the workers (worker.h), the outputs' directories
 * made below OUTPUT, and each file to do becomes one pool job naming its
 * input below its INPUT and the outputs to make of it below OUTPUT (every
 * variant, or those --incremental found missing), each with a tag nobody
 * can predict for its temporary file: the worker decodes the input once
 * for all of them.  When a result comes in, jobs_settle puts each output
 * done in place (output_file.h).
 *
 * A job is kept as its scan entry, 8 bytes; one that makes only some of
 * the entry's outputs has its list of them beside (a few bytes more).  The
 * pool asks for the job itself when it sends it (jobs_configure_pool sets
 * pool_config.job_at), and the tags are worked out from the job's number
 * under a key drawn once (random_tag), so a million files need neither a
 * million pool_jobs nor a million stored tags.
 *
 * A job travels in one frame, written to an idle worker's pipe at once;
 * its paths together are kept below JOB_PATHS_MAX, within a pipe's buffer.
 */
#ifndef IMGBATCH_JOBS_H
#define IMGBATCH_JOBS_H

#include <stddef.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/random_name.h"
#include "cli.h"
#include "pool/pool.h"
#include "scan.h"
#include "worker.h"

/* The most bytes a job's paths take together: a pipe's buffer (64 KiB) less room for the rest. */
#define JOB_PATHS_MAX (48 * 1024)

/* A job that makes only some of its entry's outputs: which, in the entry's order. */
struct job_subset {
    size_t job;
    const unsigned char *which; /* n output indices, in the jobs' arena */
    unsigned n;
};

struct jobs {
    struct worker_context workers;
    struct scan_result *scan;    /* the entries': their outputs' paths as shown */
    struct scan_entry **entries; /* job index -> scan entry */
    size_t count;
    struct job_subset *subsets; /* by job index: the jobs not for every output of their entry */
    size_t nsubsets, subsets_cap;
    struct arena room;         /* the subsets' lists */
    struct random_key tag_key; /* the outputs' tags: random_tag(key, job, output, round) */
    uint64_t round;            /* jobs_retag's count: a bench runs the same jobs again */
    struct job_output sending[JOB_OUTPUTS_MAX]; /* the outputs of the job being sent */
    int opened; /* jobs_open succeeded: jobs_close has something to close */
};

/*
 * Opens OUTPUT for the workers and makes the entries' output
 * directories (an entry whose directory cannot be made gets that as its
 * error).  Returns 0, or -1 with why in err and nothing to release.
 */
int jobs_open(struct jobs *j, const struct options *opts, struct scan_result *scan, char *err,
              size_t errlen);

/*
 * Adds entry e as the next job, to make the n outputs of e listed in which
 * (1..JOB_OUTPUTS_MAX of them).  Returns 0, or -1 with why in err when
 * their paths are too long together for one job (nothing added).
 */
int jobs_add(struct jobs *j, struct scan_entry *e, const unsigned *which, unsigned n, char *err,
             size_t errlen);

/* How many outputs job makes. */
unsigned jobs_noutputs(const struct jobs *j, size_t job);

/* Output i of job: the entry's output it is, its path shown in the scan's buffer (scan.h). */
struct scan_output jobs_output(const struct jobs *j, size_t job, unsigned i);

/* New tags for every job: a bench runs the same jobs again and again. */
void jobs_retag(struct jobs *j);

/*
 * The pool configuration for the image worker on workers processes, with
 * --timeout and --max-memory from opts; results go to on_result(result_ctx).
 * The pool asks j for each job as it sends it: pool_run is given no array.
 */
void jobs_configure_pool(struct jobs *j, struct pool_config *cfg, const struct options *opts,
                         int workers, pool_result_fn on_result, void *result_ctx);

/*
 * Puts output i of job in place for its result (settle_output): NULL when
 * it is there (*st describes it, if st is not NULL), else why it is not:
 * the result's error, "not made" for an output a failed job did not
 * reach, or the rename's failure.
 */
const char *jobs_settle(const struct jobs *j, size_t job, unsigned i, const struct job_result *res,
                        const struct pool_worker_info *worker, struct stat *st, char *buf,
                        size_t len);

void jobs_close(struct jobs *j);

/* The pool size for n files: --jobs, or the online CPUs; never more than n, at least 1. */
int pool_size_for(const struct options *opts, size_t n);

#endif
