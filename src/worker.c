/* worker: pool callbacks around the image operations; see include/worker.h. */
#include "worker.h"

#include "outpath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void worker_context_init(struct worker_context *w, const struct options *opts)
{
    memset(w, 0, sizeof(*w));
    w->settings.op = opts->op == OP_BENCH ? opts->bench_op : opts->op;
    w->settings.width = opts->width;
    w->settings.height = opts->height;
    w->settings.quality = opts->quality;
    w->settings.format = opts->format;
    w->settings.no_rotate = opts->no_rotate;
    w->settings.keep_metadata = opts->keep_metadata;
    w->settings.max_megapixels = opts->max_megapixels;
    w->settings.fail_on = opts->fail_on;
    w->settings.max_memory_mb = opts->max_memory_mb;
}

static void worker_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    const struct worker_context *w = ctx;

    image_process(&w->settings, req->input, req->output, res);
    /*
     * libvips would not start (on the first file that needed it): this
     * worker can do nothing more, like one whose start-up failed, and the
     * pool counts it so, giving up if its replacements fail the same way.
     */
    if (image_library_failed())
        _exit(POOL_EXIT_INIT_FAILED);
}

/* The master died before it could rename our output into place: leave nothing behind. */
static void worker_undelivered(void *ctx, const struct job_request *req,
                               const struct job_result *res)
{
    (void)ctx;
    if (!res->ok)
        return;
    char *temp = temp_path_for(req->output, getpid());
    unlink(temp);
    free(temp);
}

static void worker_fini(void *ctx)
{
    (void)ctx;
    image_library_shutdown();
}

void worker_configure_pool(struct pool_config *cfg, struct worker_context *w,
                           const struct options *opts)
{
    cfg->init = NULL; /* libvips starts on first use: see image_library_start */
    cfg->work = worker_work;
    cfg->fini = worker_fini;
    cfg->undelivered = worker_undelivered;
    cfg->ctx = w;
    cfg->job_timeout_ms = (int)ceil(opts->timeout_s * 1000);
    cfg->memory_limit_bytes = opts->max_memory_mb * 1024 * 1024;
}
