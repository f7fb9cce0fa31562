/* jobs: a run's or a bench's pool jobs from its scan; see jobs.h. */
#include "jobs.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "image/output_file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An entry's outputs are the run's variants; a job lists them in bytes. */
_Static_assert(VARIANTS_MAX <= SCAN_OUTPUTS_MAX && SCAN_OUTPUTS_MAX <= 255,
               "an output's index fits in the byte a job keeps it in");

int jobs_open(struct jobs *j, const struct options *opts, struct scan_result *scan, char *err,
              size_t errlen)
{
    memset(j, 0, sizeof(*j));
    if (worker_context_init(&j->workers, opts, scan, err, errlen) < 0)
        return -1;
    scan_create_output_dirs(scan, j->workers.output_root);
    j->scan = scan;
    j->entries = xcalloc(scan->count ? scan->count : 1, sizeof(*j->entries));
    random_key_init(&j->tag_key);
    j->opened = 1;
    return 0;
}

/* The subset job makes, or NULL: every output of its entry. */
static const struct job_subset *subset_of(const struct jobs *j, size_t job)
{
    size_t lo = 0, hi = j->nsubsets;

    /* Added in job order: sorted. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->subsets[mid].job == job)
            return &j->subsets[mid];
        if (j->subsets[mid].job < job)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The index among its entry's outputs of job's output i. */
static unsigned output_index(const struct jobs *j, size_t job, unsigned i)
{
    const struct job_subset *sub = subset_of(j, job);

    return sub ? sub->which[i] : i;
}

/* Remembers that job k makes only the n outputs listed in which. */
static void add_subset(struct jobs *j, size_t k, const unsigned *which, unsigned n)
{
    unsigned char *kept = arena_alloc(&j->room, n);

    for (unsigned i = 0; i < n; i++)
        kept[i] = (unsigned char)which[i];
    if (j->nsubsets == j->subsets_cap) {
        j->subsets_cap = j->subsets_cap ? 2 * j->subsets_cap : 64;
        j->subsets = xrealloc(j->subsets, j->subsets_cap * sizeof(*j->subsets));
    }
    j->subsets[j->nsubsets++] = (struct job_subset){k, kept, n};
}

int jobs_add(struct jobs *j, struct scan_entry *e, const unsigned *which, unsigned n, char *err,
             size_t errlen)
{
    size_t bytes = strlen(scan_open_name(j->scan->roots, e));
    int every = n == e->noutputs;

    for (unsigned i = 0; i < n; i++) {
        bytes += strlen(scan_output_rel(e, which[i])) + 16;
        every &= which[i] == i;
    }
    if (n < 1 || n > JOB_OUTPUTS_MAX || bytes > JOB_PATHS_MAX)
        return diag_into(err, errlen,
                         "its %u outputs' names are too long together for one job (%zu bytes, "
                         "at most %d): give shorter names or fewer sizes and formats",
                         n, bytes, JOB_PATHS_MAX);
    if (!every)
        add_subset(j, j->count, which, n);
    j->entries[j->count++] = e;
    return 0;
}

unsigned jobs_noutputs(const struct jobs *j, size_t job)
{
    const struct job_subset *sub = subset_of(j, job);

    return sub ? sub->n : j->entries[job]->noutputs;
}

struct scan_output jobs_output(const struct jobs *j, size_t job, unsigned i)
{
    return scan_output_at(j->scan, j->entries[job], output_index(j, job, i));
}

/* Output i of job as a worker is sent it: its path below OUTPUT, its variant and its tag. */
static struct job_output job_output_of(const struct jobs *j, size_t job, unsigned i)
{
    unsigned k = output_index(j, job, i);
    struct job_output o = {
        /* Not const on the wire: a decoded request owns its copy. */
        .path = (char *)scan_output_rel(j->entries[job], k),
        .tag = random_tag(&j->tag_key, job, i, j->round),
        .variant = k, /* output k of an entry is the run's variant k (scan.h) */
    };
    return o;
}

void jobs_retag(struct jobs *j)
{
    j->round++;
}

/* The pool's job_at: job as it is sent, its outputs in j->sending until the next. */
static void job_at(void *ctx, size_t job, struct pool_job *out)
{
    struct jobs *j = ctx;
    const struct scan_entry *e = j->entries[job];
    unsigned n = jobs_noutputs(j, job);

    for (unsigned i = 0; i < n; i++)
        j->sending[i] = job_output_of(j, job, i);
    *out = (struct pool_job){scan_open_name(j->scan->roots, e), e->root, j->sending, n};
}

void jobs_configure_pool(struct jobs *j, struct pool_config *cfg, const struct options *opts,
                         int workers, pool_result_fn on_result, void *result_ctx)
{
    memset(cfg, 0, sizeof(*cfg));
    worker_configure_pool(cfg, &j->workers, opts);
    cfg->job_at = job_at;
    cfg->job_ctx = j;
    cfg->workers = workers;
    cfg->on_result = on_result;
    cfg->result_ctx = result_ctx;
}

const char *jobs_settle(const struct jobs *j, size_t job, unsigned i, const struct job_result *res,
                        const struct pool_worker_info *worker, struct stat *st, char *buf,
                        size_t len)
{
    struct job_output o = job_output_of(j, job, i);
    struct output_target target = worker_output_of(&j->workers, &o, jobs_output(j, job, i).path);
    int done = i < res->noutputs && res->outputs[i].done;
    const char *error = res->ok ? "the worker said nothing of this output" : res->error;

    return settle_output(&target, done, error, worker->died, st, buf, len);
}

void jobs_close(struct jobs *j)
{
    if (!j->opened)
        return;
    worker_context_release(&j->workers);
    free(j->entries);
    free(j->subsets);
    arena_release(&j->room);
    memset(j, 0, sizeof(*j));
}

int pool_size_for(const struct options *opts, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long want = opts->jobs > 0 ? opts->jobs : (cpus > 0 ? cpus : 1);

    if ((size_t)want > n)
        want = (long)n;
    return want < 1 ? 1 : (int)want;
}
