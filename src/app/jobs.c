/* jobs: a run's or a bench's pool jobs from its scan; see jobs.h. */
#include "jobs.h"

#include "base/diag.h"
#include "base/random_name.h"
#include "base/xalloc.h"
#include "image/output_file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int jobs_open(struct jobs *j, const struct options *opts, struct scan_result *scan, char *err,
              size_t errlen)
{
    size_t n = scan->count ? scan->count : 1;

    memset(j, 0, sizeof(*j));
    if (worker_context_init(&j->workers, opts, scan, err, errlen) < 0)
        return -1;
    scan_create_output_dirs(scan, j->workers.output_root);
    j->scan = scan;
    j->entries = xcalloc(n, sizeof(*j->entries));
    j->list = xcalloc(n, sizeof(*j->list));
    j->outputs = xcalloc(n, sizeof(*j->outputs));
    j->which = xcalloc(n, sizeof(*j->which));
    j->opened = 1;
    return 0;
}

/* Fresh random tags for job k's outputs: no temporary name is ever used twice. */
static void tag(struct jobs *j, size_t k)
{
    for (uint32_t i = 0; i < j->list[k].noutputs; i++)
        j->outputs[k][i].tag = random_u64();
}

int jobs_add(struct jobs *j, struct scan_entry *e, const unsigned *which, unsigned n, char *err,
             size_t errlen)
{
    size_t k = j->count, bytes = strlen(scan_open_name(j->scan->roots, e));

    for (unsigned i = 0; i < n; i++)
        bytes += strlen(scan_output_rel(e, which[i])) + 16;
    if (n < 1 || n > JOB_OUTPUTS_MAX || bytes > JOB_PATHS_MAX)
        return diag_into(err, errlen,
                         "its %u outputs' names are too long together for one job (%zu bytes, "
                         "at most %d): give shorter names or fewer sizes and formats",
                         n, bytes, JOB_PATHS_MAX);
    j->entries[k] = e;
    j->outputs[k] = xcalloc(n, sizeof(*j->outputs[k]));
    j->which[k] = xcalloc(n, sizeof(*j->which[k]));
    for (unsigned i = 0; i < n; i++) {
        j->which[k][i] = which[i];
        /* The wire format's path is not const: it is the decoder's own copy in a worker. */
        j->outputs[k][i].path = (char *)scan_output_rel(e, which[i]);
        j->outputs[k][i].variant = which[i]; /* output k of an entry is variant k (scan.h) */
    }
    j->list[k] = (struct pool_job){scan_open_name(j->scan->roots, e), e->root, j->outputs[k], n};
    tag(j, k);
    j->count++;
    return 0;
}

unsigned jobs_noutputs(const struct jobs *j, size_t job)
{
    return j->list[job].noutputs;
}

struct scan_output jobs_output(const struct jobs *j, size_t job, unsigned i)
{
    return scan_output_at(j->scan, j->entries[job], j->which[job][i]);
}

void jobs_retag(struct jobs *j)
{
    for (size_t k = 0; k < j->count; k++)
        tag(j, k);
}

void jobs_configure_pool(struct jobs *j, struct pool_config *cfg, const struct options *opts,
                         int workers, pool_result_fn on_result, void *result_ctx)
{
    memset(cfg, 0, sizeof(*cfg));
    worker_configure_pool(cfg, &j->workers, opts);
    cfg->workers = workers;
    cfg->on_result = on_result;
    cfg->result_ctx = result_ctx;
}

const char *jobs_settle(const struct jobs *j, size_t job, unsigned i, const struct job_result *res,
                        const struct pool_worker_info *worker, struct stat *st, char *buf,
                        size_t len)
{
    struct output_target target =
        worker_output_of(&j->workers, &j->outputs[job][i], jobs_output(j, job, i).path);
    int done = i < res->noutputs && res->outputs[i].done;
    const char *error = res->ok ? "the worker said nothing of this output" : res->error;

    return settle_output(&target, done, error, worker->died, st, buf, len);
}

void jobs_close(struct jobs *j)
{
    if (!j->opened)
        return;
    worker_context_release(&j->workers);
    for (size_t k = 0; k < j->count; k++) {
        free(j->outputs[k]);
        free(j->which[k]);
    }
    free(j->entries);
    free(j->list);
    free(j->outputs);
    free(j->which);
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
