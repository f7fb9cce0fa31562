/* jobs: a run's or a bench's pool jobs from its scan; see jobs.h. */
#include "jobs.h"

#include "base/xalloc.h"
#include "image/output_file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int jobs_open(struct jobs *j, const struct options *opts, struct scan_result *scan, char *err,
              size_t errlen)
{
    memset(j, 0, sizeof(*j));
    if (worker_context_init(&j->workers, opts, scan, err, errlen) < 0)
        return -1;
    scan_create_output_dirs(scan, j->workers.output_root);
    j->entries = xcalloc(scan->count ? scan->count : 1, sizeof(*j->entries));
    j->list = xcalloc(scan->count ? scan->count : 1, sizeof(*j->list));
    j->opened = 1;
    return 0;
}

void jobs_add(struct jobs *j, struct scan_entry *e)
{
    j->entries[j->count] = e;
    worker_job_for(&j->workers, e, &j->list[j->count]);
    j->count++;
}

void jobs_retag(struct jobs *j)
{
    for (size_t i = 0; i < j->count; i++)
        worker_job_for(&j->workers, j->entries[i], &j->list[i]);
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

const char *jobs_settle(const struct jobs *j, size_t job, const struct job_result *res,
                        const struct pool_worker_info *worker, struct stat *st, char *buf,
                        size_t len)
{
    struct output_target target =
        worker_output_of(&j->workers, &j->list[job], j->entries[job]->output);

    return settle_output(&target, res, worker->died, st, buf, len);
}

void jobs_close(struct jobs *j)
{
    if (!j->opened)
        return;
    worker_context_release(&j->workers);
    free(j->entries);
    free(j->list);
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
