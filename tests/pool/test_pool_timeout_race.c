/*
 * test_pool_timeout_race: a worker killed for its timeout is never sent
 * another job.
 *
 * A job that finishes just as its deadline passes races the kill: its
 * result may arrive after the master sent SIGKILL.  The master must take
 * that result and still treat the worker as gone; if it handed the dying
 * worker the next job, that job would fail "timed out" without ever having
 * started.  Jobs here take just under the timeout, so the race happens
 * often; whatever the timing, every job reported as timed out must have
 * been started by some worker (recorded in shared memory).
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/pool.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { JOBS = 150, TIMEOUT_MS = 20 };

static unsigned char *started; /* shared with the workers: job i began */

static void near_deadline_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    struct timespec ts = {0, (TIMEOUT_MS - 1) * 1000000L + 400000L}; /* 19.4 ms */

    (void)ctx, (void)res;
    __atomic_store_n(&started[req->id], 1, __ATOMIC_SEQ_CST);
    nanosleep(&ts, NULL);
}

struct tally {
    int results[JOBS];
    int timed_out, blamed_unstarted;
};

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct tally *t = ctx;

    (void)worker;
    if (job < JOBS)
        t->results[job]++;
    if (!res->ok && strstr(res->error, "timed out")) {
        t->timed_out++;
        if (!__atomic_load_n(&started[job], __ATOMIC_SEQ_CST)) {
            t->blamed_unstarted++;
            fprintf(stderr, "job %zu reported \"%s\" but no worker started it\n", job,
                    res->error);
        }
    }
}

int main(void)
{
    struct pool_job jobs[JOBS];
    struct pool_config cfg;
    struct pool_worker_stats stats[1];
    struct pool_outcome outcome;
    static struct tally t;

    alarm(120); /* a hung pool ends the test */
    started = mmap(NULL, JOBS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(started != MAP_FAILED);
    if (started == MAP_FAILED)
        return check_summary();
    memset(started, 0, JOBS);
    for (int i = 0; i < JOBS; i++)
        jobs[i] = fake_job("x");

    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = 1;
    cfg.work = near_deadline_work;
    cfg.on_result = on_result;
    cfg.result_ctx = &t;
    cfg.job_timeout_ms = TIMEOUT_MS;
    CHECK_EQ_INT(pool_run(&cfg, jobs, JOBS, stats, &outcome), 0);

    CHECK_EQ_INT(outcome.completed, JOBS);
    for (int i = 0; i < JOBS; i++)
        CHECK_EQ_INT(t.results[i], 1);
    CHECK_EQ_INT(t.blamed_unstarted, 0);
    printf("%d of %d jobs timed out; %d of those had never started\n", t.timed_out, JOBS,
           t.blamed_unstarted);
    return check_summary();
}
