/* worker: pool callbacks around the image operations; see worker.h. */
#include "worker.h"
#include "engine_loader.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "outpath.h"
#include "run_scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    case OP_CONVERT:
        return IMAGE_CONVERT;
    case OP_RESIZE:
    case OP_BENCH:
    case OP_REPORT: /* never runs a worker */
        break;
    }
    return IMAGE_RESIZE;
}

/*
 * Whether a file of this run will likely need libvips: one not named as a
 * JPEG, PNG or WebP, an output format the fast paths do not write, or
 * metadata to keep.  (A JPEG the fast path declines loads it when it
 * comes; the guess only moves the cost out of the files' --timeout.)
 */
static int needs_libvips(const struct options *opts, const struct scan_result *scan)
{
    if (opts->keep_metadata)
        return 1;
    for (size_t i = 0; i < (size_t)opts->nvariants; i++)
        if (opts->variants[i].format != FMT_AUTO && opts->variants[i].format != FMT_JPEG)
            return 1;
    for (size_t i = 0; i < scan->count; i++) {
        enum input_kind k = input_kind_of(scan->entries[i].rel);
        if (k != IN_JPEG && !((k == IN_PNG || k == IN_WEBP) && opts->format == FMT_JPEG))
            return 1;
    }
    return 0;
}

int worker_context_init(struct worker_context *w, const struct options *opts,
                        const struct scan_result *scan, char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->open_root = (struct open_root)OPEN_ROOT_NONE;
    w->output_root = -1;
    w->settings.op = image_op_for(opts);
    w->settings.crop = opts->crop;
    w->settings.quality = opts->quality;
    w->settings.no_rotate = opts->no_rotate;
    w->settings.keep_metadata = opts->keep_metadata;
    w->settings.max_megapixels = opts->max_megapixels;
    w->settings.fail_on = opts->fail_on;
    w->settings.max_memory_mb = opts->max_memory_mb;
    w->settings.encode = opts->encode;
    memcpy(w->variants, opts->variants, opts->nvariants * sizeof(*w->variants));
    w->nvariants = opts->nvariants;
    w->roots = scan->roots;
    w->root_count = scan->root_count;
    w->output_shown = opts->output_dir;
    w->output_file = opts->output_name ? opts->output : NULL;

    w->output_root = open(opts->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->output_root < 0) {
        snprintf(err, errlen, "cannot open OUTPUT %s: %s", opts->output_dir, strerror(errno));
        worker_context_release(w);
        return -1;
    }
    w->scratch = run_scratch_create("imgbatch", err, errlen);
    if (!w->scratch) {
        worker_context_release(w);
        return -1;
    }
    w->settings.scratch_dir = w->scratch;
    w->with_libvips = needs_libvips(opts, scan);
    return 0;
}

void worker_context_release(struct worker_context *w)
{
    close_quietly(w->open_root.fd);
    close_quietly(w->output_root);
    run_scratch_remove(w->scratch); /* after the workers: what a killed one left goes too */
    w->open_root.fd = w->output_root = -1;
    w->scratch = NULL;
}

struct output_target worker_output_of(const struct worker_context *w,
                                      const struct job_output *output, const char *shown)
{
    struct output_target o = {w->output_root, output->path, shown, output->tag};
    return o;
}

/* The job's root, open (the last one stays open for the next job); -1 with why in res. */
static int root_for(struct worker_context *w, const struct job_request *req, struct job_result *res)
{
    char err[RESULT_ERROR_MAX];

    if (req->root >= w->root_count) {
        job_result_fail(res, "no such INPUT (root %u): a broken job", (unsigned)req->root);
        return -1;
    }
    int fd = scan_root_fd(w->roots, &w->open_root, req->root, err, sizeof(err));
    if (fd < 0)
        job_result_fail(res, "%s", err);
    return fd;
}

/* How the report shows the job's input: its root's shown path joined with it. */
static char *input_shown(const struct scan_root *root, const char *rel)
{
    if (root->file_shown)
        return xstrdup(root->file_shown);
    return root->shown[0] ? path_join(root->shown, rel) : xstrdup(rel);
}

/*
 * The engine's outputs for the job's: each its variant's size and format,
 * and where it goes, shown joined to OUTPUT (shown[i], malloc'd).  -1 with
 * res failed for a variant this run has not.
 */
static int image_outputs(const struct worker_context *w, const struct job_request *req,
                         struct image_output *outs, char **shown, struct job_result *res)
{
    for (uint32_t i = 0; i < req->noutputs; i++) {
        const struct job_output *o = &req->outputs[i];
        if (o->variant >= w->nvariants) {
            job_result_fail(res, "no such variant (%u): a broken job", (unsigned)o->variant);
            return -1;
        }
        shown[i] = w->output_file ? xstrdup(w->output_file) : path_join(w->output_shown, o->path);
        outs[i].size = w->variants[o->variant].size;
        outs[i].format = w->variants[o->variant].format;
        outs[i].target = worker_output_of(w, o, shown[i]);
    }
    return 0;
}

static void worker_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    struct worker_context *w = ctx;
    static struct image_output outs[JOB_OUTPUTS_MAX];
    char *shown[JOB_OUTPUTS_MAX] = {NULL};
    int root = root_for(w, req, res);

    if (root < 0)
        return;
    char *input = input_shown(&w->roots[req->root], req->input);
    if (image_outputs(w, req, outs, shown, res) == 0) {
        struct image_job job = {root, req->input, input, outs, req->noutputs};
        engine_loaded()->process(&w->settings, &job, res);
    }
    for (uint32_t i = 0; i < req->noutputs; i++)
        free(shown[i]);
    free(input);
    /*
     * libvips would not start (on the first file that needed it): this
     * worker can do nothing more, like one whose start-up failed, and the
     * pool counts it so, giving up if its replacements fail the same way.
     */
    if (engine_loaded()->library_failed())
        _exit(POOL_EXIT_INIT_FAILED);
}

/* The master died before it could rename our outputs into place: leave nothing behind. */
static void worker_undelivered(void *ctx, const struct job_request *req,
                               const struct job_result *res)
{
    const struct worker_context *w = ctx;

    for (uint32_t i = 0; i < res->noutputs && i < req->noutputs; i++) {
        if (!res->outputs[i].done)
            continue;
        struct output_target o = worker_output_of(w, &req->outputs[i], req->outputs[i].path);
        discard_temp_output(&o);
    }
}

static void worker_fini(void *ctx)
{
    const struct worker_context *w = ctx;

    engine_loaded()->library_shutdown();
    /*
     * The last worker out removes the run's scratch directory once it is
     * empty (rmdir refuses otherwise), so a master killed with SIGKILL, which
     * cannot, leaves nothing in the temporary directory either.
     */
    if (w->scratch)
        (void)rmdir(w->scratch);
}

int worker_engine_ready(void)
{
    char err[512];

    if (engine_locate(err, sizeof(err)) == 0)
        return 0;
    diag("%s", err);
    return -1;
}

/* In each worker as it starts: the engine, which the master never loads, and libvips if needed. */
static int worker_init(void *ctx)
{
    const struct worker_context *w = ctx;
    char err[512];
    const struct image_engine *engine = engine_load(err, sizeof(err));

    if (!engine) {
        diag("%s", err);
        return -1;
    }
    (void)engine->prepare(w->with_libvips); /* a failure is the first such file's to word */
    return 0;
}

void worker_configure_pool(struct pool_config *cfg, struct worker_context *w,
                           const struct options *opts)
{
    cfg->init = worker_init; /* the engine; libvips starts on first use (image_library_start) */
    cfg->work = worker_work;
    cfg->fini = worker_fini;
    cfg->undelivered = worker_undelivered;
    cfg->ctx = w;
    cfg->job_timeout_ms = (int)ceil(opts->timeout_s * 1000);
    cfg->memory_limit_bytes = opts->max_memory_mb * 1024 * 1024;
}
