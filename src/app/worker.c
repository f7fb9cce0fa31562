/* worker: pool callbacks around the image operations; see worker.h. */
#include "worker.h"

#include "outpath.h"
#include "base/random_name.h"
#include "run_scratch.h"
#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A file INPUT is read from its directory: the user named it, so a link
 * there is followed once, here, and the worker opens what it led to.
 */
static int open_file_input(struct worker_context *w, const char *input, char *err,
                           size_t errlen)
{
    char *real = realpath(input, NULL);

    if (!real) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(errno));
        return -1;
    }
    char *dir = path_dir(real);
    const char *slash = strrchr(real, '/');
    w->file_input = xstrdup(slash ? slash + 1 : real);
    w->input_root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int saved = errno;
    free(dir);
    free(real);
    if (w->input_root < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(saved));
        return -1;
    }
    return 0;
}

/* The engine's operation for a command: bench measures the one --op names. */
static enum image_op image_op_for(const struct options *opts)
{
    switch (opts->op == OP_BENCH ? opts->bench_op : opts->op) {
    case OP_GRAYSCALE:
        return IMAGE_GRAYSCALE;
    case OP_SEPIA:
        return IMAGE_SEPIA;
    case OP_THUMBNAIL:
        return IMAGE_THUMBNAIL;
    case OP_RESIZE:
    case OP_BENCH:
        break;
    }
    return IMAGE_RESIZE;
}

int worker_context_init(struct worker_context *w, const struct options *opts, char *err,
                        size_t errlen)
{
    struct stat st;

    memset(w, 0, sizeof(*w));
    w->input_root = w->output_root = -1;
    w->settings.op = image_op_for(opts);
    w->settings.size = opts->size;
    w->settings.quality = opts->quality;
    w->settings.format = opts->format;
    w->settings.no_rotate = opts->no_rotate;
    w->settings.keep_metadata = opts->keep_metadata;
    w->settings.max_megapixels = opts->max_megapixels;
    w->settings.fail_on = opts->fail_on;
    w->settings.max_memory_mb = opts->max_memory_mb;
    w->input_shown = opts->input;
    w->output_shown = opts->output;

    if (stat(opts->input, &st) < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", opts->input, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        w->input_root = open(opts->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->input_root < 0) {
            snprintf(err, errlen, "cannot read INPUT %s: %s", opts->input, strerror(errno));
            return -1;
        }
    } else if (open_file_input(w, opts->input, err, errlen) < 0) {
        return -1;
    }
    w->output_root = open(opts->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->output_root < 0) {
        snprintf(err, errlen, "cannot open OUTPUT %s: %s", opts->output, strerror(errno));
        worker_context_release(w);
        return -1;
    }
    w->scratch = run_scratch_create("imgbatch", err, errlen);
    if (!w->scratch) {
        worker_context_release(w);
        return -1;
    }
    w->settings.scratch_dir = w->scratch;
    return 0;
}

void worker_context_release(struct worker_context *w)
{
    close_quietly(w->input_root);
    close_quietly(w->output_root);
    free(w->file_input);
    run_scratch_remove(w->scratch); /* after the workers: what a killed one left goes too */
    w->input_root = w->output_root = -1;
    w->file_input = NULL;
    w->scratch = NULL;
}

void worker_job_for(const struct worker_context *w, const struct scan_entry *e,
                    struct pool_job *job)
{
    job->input = w->file_input ? w->file_input : e->rel;
    job->output = e->out_rel;
    job->tag = random_u64();
}

struct output_target worker_output_of(const struct worker_context *w, const struct pool_job *job,
                                      const char *shown)
{
    struct output_target o = {w->output_root, job->output, shown, job->tag};
    return o;
}

static void worker_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    const struct worker_context *w = ctx;
    char *input_shown = w->file_input ? xstrdup(w->input_shown)
                                      : path_join(w->input_shown, req->input);
    char *output_shown = path_join(w->output_shown, req->output);
    struct image_job job = {
        .input_root = w->input_root,
        .input_rel = req->input,
        .input_shown = input_shown,
        .output = {w->output_root, req->output, output_shown, req->tag},
    };

    image_process(&w->settings, &job, res);
    free(input_shown);
    free(output_shown);
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
    const struct worker_context *w = ctx;
    struct output_target o = {w->output_root, req->output, req->output, req->tag};

    if (res->ok)
        discard_temp_output(&o);
}

static void worker_fini(void *ctx)
{
    const struct worker_context *w = ctx;

    image_library_shutdown();
    /*
     * The last worker out removes the run's scratch directory once it is
     * empty (rmdir refuses otherwise), so a master killed with SIGKILL, which
     * cannot, leaves nothing in the temporary directory either.
     */
    if (w->scratch)
        (void)rmdir(w->scratch);
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
