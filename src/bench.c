/*
 * bench: throughput against the number of worker processes.
 *
 * Runs the chosen operation over INPUT with 1, 2, 4 ... MAX workers (MAX
 * itself included), each size --repeat times, into a scratch directory that
 * is removed afterwards, and prints the median images/s, megapixels/s,
 * speedup over one worker and parallel efficiency.  Pool sizes are
 * interleaved round by round, so a noisy neighbour spreads over all of them.
 */
#include "json.h"
#include "outpath.h"
#include "pool.h"
#include "run.h"
#include "worker.h"
#include "xalloc.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
    const struct pool_job *jobs; /* to name each output to commit */
    size_t ok, failed;
    double megapixels;
    char first_error[600];
};

static void count_result(void *ctx, size_t job, const struct job_result *res,
                         const struct pool_worker_info *worker)
{
    struct tally *t = ctx;
    char buf[sizeof(res->error)];
    /* Outputs are settled as in a real run: the rename is part of the cost. */
    const char *failure = settle_output(t->jobs[job].output, res, worker->pid, worker->died,
                                        buf, sizeof(buf));

    if (!failure) {
        t->ok++;
        t->megapixels += (double)res->in_width * res->in_height / 1e6;
    } else if (!t->failed++) {
        snprintf(t->first_error, sizeof(t->first_error), "%s", failure);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "imgbatch: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int run_bench(const struct options *opts)
{
    struct scan_result scan;
    char err[512];
    char scratch[] = "/tmp/imgbatch-bench-XXXXXX";
    struct options o = *opts;

    if (!mkdtemp(scratch)) {
        fprintf(stderr, "imgbatch: cannot create a scratch directory: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    o.output = scratch;
    o.op = opts->bench_op;
    if (scan_inputs(&o, &scan, err, sizeof(err)) < 0) {
        fprintf(stderr, "imgbatch: %s\n", err);
        rmdir(scratch);
        return EXIT_USAGE;
    }
    scan_sort_largest_first(&scan);

    struct pool_job *jobs = xcalloc(scan.count, sizeof(*jobs));
    size_t n = 0;
    scan_create_output_dirs(&scan);
    for (size_t i = 0; i < scan.count; i++) {
        struct scan_entry *e = &scan.entries[i];
        if (e->error)
            continue;
        jobs[n].input = e->input;
        jobs[n].output = e->output;
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "imgbatch: no images in %s\n", opts->input);
        free(jobs);
        scan_release(&scan);
        rmdir(scratch);
        return EXIT_USAGE;
    }

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int max = opts->jobs > 0 ? opts->jobs : (int)(cpus > 0 ? cpus : 1);
    if ((size_t)max > n)
        max = (int)n; /* more workers than files would only sit idle */
    int sizes[16], nsizes = 0;
    for (int j = 1; j < max && nsizes < 15; j *= 2)
        sizes[nsizes++] = j;
    sizes[nsizes++] = max;

    double *ips = xcalloc((size_t)(nsizes * opts->repeat), sizeof(*ips));
    double *mps = xcalloc((size_t)(nsizes * opts->repeat), sizeof(*mps));
    struct pool_worker_stats *stats = xcalloc((size_t)max, sizeof(*stats));

    struct worker_context wctx;
    struct pool_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    worker_context_init(&wctx, &o);
    worker_configure_pool(&cfg, &wctx, opts);
    cfg.on_result = count_result;

    if (!opts->json) {
        printf("bench: %s", op_name(o.op));
        if (o.op == OP_RESIZE || o.op == OP_THUMBNAIL)
            printf(" %dx%d", o.width, o.height);
        printf(" on %zu files from %s, %d run%s per pool size, median shown\n", n, opts->input,
               opts->repeat, opts->repeat == 1 ? "" : "s");
        fflush(stdout);
    }

    int status = 0;
    struct tally last = {0};
    for (int round = 0; round < opts->repeat && !status; round++) {
        for (int k = 0; k < nsizes && !status; k++) {
            struct tally t;
            struct pool_outcome outcome;
            memset(&t, 0, sizeof(t));
            t.jobs = jobs;
            cfg.workers = sizes[k];
            cfg.result_ctx = &t;
            if (pool_run(&cfg, jobs, n, stats, &outcome) < 0) {
                status = EXIT_USAGE;
                break;
            }
            if (outcome.signal) {
                status = 128 + outcome.signal;
                break;
            }
            double s = (double)outcome.wall_usec / 1e6;
            ips[k * opts->repeat + round] = s > 0 ? (double)(t.ok + t.failed) / s : 0;
            mps[k * opts->repeat + round] = s > 0 ? t.megapixels / s : 0;
            last = t;
        }
    }

    if (!status) {
        double base = 0;
        if (!opts->json)
            printf("%8s %10s %10s %8s %11s\n", "workers", "images/s", "MP/s", "speedup",
                   "efficiency");
        for (int k = 0; k < nsizes; k++) {
            double i = median(ips + k * opts->repeat, opts->repeat);
            double m = median(mps + k * opts->repeat, opts->repeat);
            if (k == 0)
                base = i;
            double speedup = base > 0 ? i / base : 0;
            if (opts->json) {
                printf("{\"workers\":%d,\"images_per_sec\":", sizes[k]);
                json_put_number(stdout, i, 2);
                fputs(",\"megapixels_per_sec\":", stdout);
                json_put_number(stdout, m, 2);
                fputs(",\"speedup\":", stdout);
                json_put_number(stdout, speedup, 3);
                printf(",\"files\":%zu,\"failed\":%zu}\n", n, last.failed);
            } else {
                printf("%8d %10.1f %10.1f %8.2f %10.0f%%\n", sizes[k], i, m, speedup,
                       100.0 * speedup / sizes[k]);
            }
        }
        if (last.failed) {
            fprintf(stderr, "imgbatch: %zu of %zu files failed in each run (first: %s)\n",
                    last.failed, n, last.first_error);
            status = 1;
        }
    }

    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(ips);
    free(mps);
    free(stats);
    free(jobs);
    scan_release(&scan);
    return status;
}
