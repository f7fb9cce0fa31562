/*
 * test_pool_descriptors: the pool under a low ulimit -n.
 *
 * Each worker costs the master two descriptors (four while it starts).
 * With room for two workers and eight asked for, the pool runs every job
 * on the two it could start, says so in one line on stderr, and its
 * outcome counts two workers, not eight.  With room for none, the run is
 * refused with one line.
 *
 * Every run happens in a forked child with its own limit and its stderr
 * in a file; what it saw comes back in shared memory.
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/pool.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_JOBS = 32, WORKERS = 8 };

/* Shared with the child (mapped before the fork). */
struct shared {
    int ret; /* pool_run's return */
    int ok[MAX_JOBS];
    unsigned jobs_of[WORKERS];
    struct pool_outcome outcome;
};

static struct shared *sh;
static char errpath[64];

static void ok_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    (void)ctx, (void)req, (void)res;
}

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    (void)ctx, (void)worker;
    if (job < MAX_JOBS)
        sh->ok[job] = res->ok;
}

/*
 * The RLIMIT_NOFILE that leaves exactly `free` descriptors to open: the
 * limit is on descriptor numbers, and the test runner may leave holes
 * below descriptors it passed on.
 */
static long limit_leaving(int free)
{
    int fd = 0;

    for (; free > 0; fd++)
        if (fcntl(fd, F_GETFD) < 0)
            free--;
    return fd;
}

/* Runs njobs jobs on WORKERS workers under the limit, in a child; returns its stderr. */
static int run_limited(long nofile, int njobs, char *err, size_t errlen)
{
    memset(sh, 0, sizeof(*sh));
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        exit(2);
    }
    if (child == 0) {
        static struct pool_job jobs[MAX_JOBS];
        struct pool_worker_stats stats[WORKERS];
        struct pool_config cfg;
        struct rlimit lim = {(rlim_t)nofile, (rlim_t)nofile};
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || dup2(fd, 2) < 0 || close(fd) < 0 || setrlimit(RLIMIT_NOFILE, &lim) < 0)
            _exit(2);
        for (int i = 0; i < njobs; i++)
            jobs[i] = fake_job("x");
        memset(&cfg, 0, sizeof(cfg));
        cfg.workers = WORKERS;
        cfg.work = ok_work;
        cfg.on_result = on_result;
        sh->ret = pool_run(&cfg, jobs, (size_t)njobs, stats, &sh->outcome);
        for (int i = 0; i < WORKERS; i++)
            sh->jobs_of[i] = stats[i].jobs;
        _exit(0);
    }
    int status = 0;
    CHECK_EQ_INT(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    return read_lines(errpath, err, errlen);
}

/* Room for two workers' pipes and not three: the run goes on with two. */
static void test_too_few_descriptors(void)
{
    enum { JOBS = 24 };
    char err[8192];
    /* The third worker's second pipe does not fit: 2 + 2 kept, then 2 + 1 left. */
    int lines = run_limited(limit_leaving(7), JOBS, err, sizeof(err));

    CHECK_EQ_INT(sh->ret, 0);
    CHECK_EQ_INT(sh->outcome.workers, 2);
    CHECK_EQ_INT(sh->outcome.completed, JOBS);
    CHECK_EQ_INT(sh->outcome.gave_up, 0);
    for (int i = 0; i < JOBS; i++)
        CHECK_EQ_INT(sh->ok[i], 1);
    CHECK_EQ_INT(sh->jobs_of[0] + sh->jobs_of[1], JOBS);
    for (int i = 2; i < WORKERS; i++)
        CHECK_EQ_INT(sh->jobs_of[i], 0);
    CHECK_EQ_INT(lines, 1);
    CHECK(strstr(err, "imgbatch: started 2 of 8 workers") != NULL);
    CHECK(strstr(err, "Too many open files") != NULL);
    if (lines != 1)
        fprintf(stderr, "too few descriptors: the pool said:\n%s", err);
}

/* Not even one worker's pipes fit: the run is refused with one line. */
static void test_no_descriptors(void)
{
    char err[8192];
    int lines = run_limited(limit_leaving(1), 3, err, sizeof(err));

    CHECK_EQ_INT(sh->ret, -1);
    CHECK_EQ_INT(sh->outcome.workers, 0);
    CHECK_EQ_INT(sh->outcome.completed, 0);
    CHECK_EQ_INT(lines, 1);
    CHECK(strstr(err, "imgbatch: cannot start any worker: pipe for worker 1: "
                      "Too many open files") != NULL);
    if (lines != 1)
        fprintf(stderr, "no descriptors: the pool said:\n%s", err);
}

int main(void)
{
    alarm(120); /* the old pool could retry for a long time */
    sh = shared_alloc(sizeof(*sh));
    snprintf(errpath, sizeof(errpath), "/tmp/test_pool_descriptors.%d.err", (int)getpid());
    test_too_few_descriptors();
    test_no_descriptors();
    unlink(errpath);
    return check_summary();
}
