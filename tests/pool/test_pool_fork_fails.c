/*
 * test_pool_fork_fails: when no worker can be forked any more, the pool
 * gives up after a bounded number of tries, fails the remaining jobs with
 * the reason and returns; it neither spins forever nor loses a job.
 *
 * fork() is replaced in this program: the first call works, every later
 * one fails with EAGAIN, as under a process limit.  The one worker crashes
 * on its first job, so the pool must replace it and cannot.
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int forks;

pid_t fork(void)
{
    if (forks++ >= 1) {
        errno = EAGAIN;
        return -1;
    }
    return (pid_t)syscall(SYS_fork);
}

static void crash_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    (void)ctx, (void)req, (void)res;
    signal(SIGABRT, SIG_DFL);
    abort();
}

enum { JOBS = 10 };

struct tally {
    int results[JOBS];
    int crashed, unstartable;
};

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct tally *t = ctx;

    (void)worker;
    if (job < JOBS)
        t->results[job]++;
    if (!res->ok && strstr(res->error, "died: SIGABRT"))
        t->crashed++;
    if (!res->ok && strstr(res->error, "not processed: workers keep dying") &&
        strstr(res->error, "fork for worker 1"))
        t->unstartable++;
}

int main(void)
{
    struct pool_job jobs[JOBS];
    struct pool_config cfg;
    struct pool_worker_stats stats[1];
    struct pool_outcome outcome;
    struct tally t;

    alarm(60); /* the old pool looped here forever */
    memset(&t, 0, sizeof(t));
    for (int i = 0; i < JOBS; i++)
        jobs[i] = fake_job("x");
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = 1;
    cfg.work = crash_work;
    cfg.on_result = on_result;
    cfg.result_ctx = &t;

    CHECK_EQ_INT(pool_run(&cfg, jobs, JOBS, stats, &outcome), 0);
    CHECK_EQ_INT(outcome.completed, JOBS);
    for (int i = 0; i < JOBS; i++)
        CHECK_EQ_INT(t.results[i], 1);
    CHECK_EQ_INT(t.crashed, 1);
    CHECK_EQ_INT(t.unstartable, JOBS - 1);
    CHECK_EQ_INT(outcome.gave_up, 1);
    CHECK(strstr(outcome.gave_up_reason, "Resource temporarily unavailable") != NULL);
    /* One fork that worked, then POOL_DEATHS_IN_A_ROW - 1 failed ones after the crash. */
    CHECK_EQ_INT(forks, POOL_DEATHS_IN_A_ROW);
    return check_summary();
}
