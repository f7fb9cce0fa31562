/*
 * test_pool_stop: how a run ends when something goes wrong, with fake jobs.
 *
 *  - Workers that die on every file make the pool give up after a bounded
 *    number of deaths in a row, failing the rest with the reason; crashes
 *    with successes in between never do.
 *  - A stop signal (here SIGINT to the whole process group, as a terminal's
 *    Ctrl-C sends it) lets the files in flight finish; a second signal
 *    kills them at once.
 *  - pool_request_stop() from a result callback stops like a signal.
 *  - The memory limit is a real OS limit: a big allocation fails inside
 *    the worker, a small one works.
 *  - A worker stuck on its way out after its last file is killed after
 *    the exit grace; the run ends with every file done.
 *
 * Runs that get signals happen in a forked child with its own process
 * group, so the signals never reach this program.  Every wait has a
 * bailout that turns into a failure, and an alarm ends a hung program.
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/message.h"
#include "pool/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_JOBS = 64 };

/* Shared with the children and workers (mapped before any fork). */
struct shared {
    int running;      /* "slow" and "hang" jobs started */
    int starts;       /* workers started (init callbacks) */
    int ok[MAX_JOBS];
    int results[MAX_JOBS];
    char error[MAX_JOBS][RESULT_ERROR_MAX];
    int signal;       /* what the child's pool reported */
    int completed;
    int not_started;
    int gave_up;
    long long wall_ms;
};

static struct shared *sh;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int counting_init(void *ctx)
{
    (void)ctx;
    bump(&sh->starts);
    return 0;
}

/* What to do is named by the input: ok, crash, slow (1 s), hang, alloc:MB. */
static void fake_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    const char *in = req->input;

    (void)ctx;
    if (!strcmp(in, "crash")) {
        signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn it into an abort */
        raise(SIGSEGV);
        _exit(99);
    }
    if (!strcmp(in, "slow")) {
        bump(&sh->running);
        struct timespec second = {1, 0};
        while (nanosleep(&second, &second) < 0 && errno == EINTR)
            ;
        return;
    }
    if (!strcmp(in, "hang")) {
        bump(&sh->running);
        for (;;)
            pause();
    }
    if (!strncmp(in, "alloc:", 6)) {
        size_t bytes = (size_t)atoi(in + 6) * 1024 * 1024;
        char *p = malloc(bytes);
        if (!p) {
            job_result_fail(res, "allocation of %s MB failed", in + 6);
            return;
        }
        memset(p, 1, bytes); /* touch it: the memory is really used */
        res->in_height = (uint32_t)p[bytes - 1];
        free(p);
    }
}

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    (void)ctx;
    (void)worker;
    if (job >= MAX_JOBS)
        return;
    sh->results[job]++;
    sh->ok[job] = res->ok;
    snprintf(sh->error[job], sizeof(sh->error[job]), "%s", res->error);
}

/* The first result asks the pool to stop, as a closed report does in imgbatch. */
static void stop_on_first_result(void *ctx, size_t job, const struct job_result *res,
                                 const struct pool_worker_info *worker)
{
    on_result(ctx, job, res, worker);
    pool_request_stop(SIGPIPE);
}

/* The first two workers crash before reading their first job; later ones work. */
static int flaky_init(void *ctx)
{
    (void)ctx;
    if (__atomic_add_fetch(&sh->starts, 1, __ATOMIC_SEQ_CST) <= 2) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    return 0;
}

struct plan {
    const char **inputs;
    int njobs;
    int workers;
    int grace_ms;
    long long memory_limit;
    pool_result_fn on_result;
    pool_init_fn init;
    pool_fini_fn fini; /* NULL: none */
};

static void reset_shared(void)
{
    memset(sh, 0, sizeof(*sh));
}

/* Runs the plan's pool in this process; the outcome goes to shared memory. */
static void run_plan(const struct plan *pl)
{
    struct pool_job jobs[MAX_JOBS];
    struct pool_worker_stats stats[8];
    struct pool_outcome outcome;
    struct pool_config cfg;

    for (int i = 0; i < pl->njobs; i++)
        jobs[i] = fake_job(pl->inputs[i]);
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = pl->workers;
    cfg.init = pl->init ? pl->init : counting_init;
    cfg.fini = pl->fini;
    cfg.work = fake_work;
    cfg.on_result = pl->on_result ? pl->on_result : on_result;
    cfg.shutdown_grace_ms = pl->grace_ms;
    cfg.memory_limit_bytes = pl->memory_limit;
    long long t0 = now_ms();
    int ret = pool_run(&cfg, jobs, (size_t)pl->njobs, stats, &outcome);
    sh->wall_ms = now_ms() - t0;
    sh->signal = ret == 0 ? outcome.signal : -1;
    sh->completed = (int)outcome.completed;
    sh->not_started = (int)outcome.not_started;
    sh->gave_up = outcome.gave_up;
}

/* Runs the plan in a child with its own process group; returns its pid. */
static pid_t start_child(const struct plan *pl)
{
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        exit(2);
    }
    if (child == 0) {
        setpgid(0, 0);
        run_plan(pl);
        _exit(0);
    }
    setpgid(child, child); /* also here: whichever runs first, the group exists */
    return child;
}

/* Waits for the child up to ms; 1 if it ended (status filled), 0 if not (then killed). */
static int wait_child(pid_t child, int ms, int *status)
{
    for (int waited = 0; waited < ms; waited++) {
        if (waitpid(child, status, WNOHANG) == child)
            return 1;
        usleep(1000);
    }
    kill(-child, SIGKILL);
    waitpid(child, status, 0);
    return 0;
}

/*
 * Waits until pid has taken sig (it is no longer pending), so that a
 * second one sent now is not merged with the first.  0, or -1 on bailout.
 */
static int wait_taken(pid_t pid, int sig)
{
    char path[64], line[256];

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    for (int ms = 0; ms < 20000; ms++) {
        FILE *f = fopen(path, "r");
        unsigned long long pending = 0, mask;
        if (!f)
            return -1;
        while (fgets(line, sizeof(line), f))
            if ((sscanf(line, "ShdPnd: %llx", &mask) == 1) ||
                (sscanf(line, "SigPnd: %llx", &mask) == 1))
                pending |= mask;
        fclose(f);
        if (!(pending & (1ULL << (sig - 1))))
            return 0;
        usleep(1000);
    }
    return -1;
}

static int wait_running(int target)
{
    for (int ms = 0; ms < 20000; ms++) {
        if (load(&sh->running) >= target)
            return 0;
        usleep(1000);
    }
    return -1;
}

/* Every file crashes its worker: the pool gives up instead of forking on. */
static void test_keeps_dying(void)
{
    enum { N = 2, JOBS = 40 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, N, 0, 0, NULL, NULL, NULL};

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "crash";
    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->signal, 0);
    CHECK_EQ_INT(sh->gave_up, 1);
    CHECK_EQ_INT(sh->completed, JOBS);
    int died = 0, not_processed = 0;
    for (int i = 0; i < JOBS; i++) {
        CHECK_EQ_INT(sh->results[i], 1);
        died += !strncmp(sh->error[i], "worker ", 7) && strstr(sh->error[i], "died: SIGSEGV");
        not_processed += !strncmp(sh->error[i], "not processed: workers keep dying", 33);
    }
    /* Each death is one file; a worker starting as the limit is reached may add one. */
    CHECK(died >= POOL_DEATHS_IN_A_ROW && died <= POOL_DEATHS_IN_A_ROW + N - 1);
    CHECK_EQ_INT(died + not_processed, JOBS);
    CHECK(load(&sh->starts) <= POOL_DEATHS_IN_A_ROW + N - 1);
}

/* Crashes with successes in between are each a bad file, never a reason to give up. */
static void test_crashes_between_successes(void)
{
    enum { N = 2, JOBS = 60 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, N, 0, 0, NULL, NULL, NULL};

    for (int i = 0; i < JOBS; i++)
        inputs[i] = i % 4 == 3 ? "ok" : "crash"; /* 45 crashes, never 10 in a row */
    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->gave_up, 0);
    CHECK_EQ_INT(sh->completed, JOBS);
    for (int i = 0; i < JOBS; i++) {
        CHECK_EQ_INT(sh->results[i], 1);
        CHECK_EQ_INT(sh->ok[i], i % 4 == 3);
    }
}

/*
 * Ctrl-C: SIGINT to the whole group.  The workers ignore it; the master
 * stops dispatching and lets the two slow files in flight finish.
 */
static void test_files_in_flight_finish(void)
{
    static const char *inputs[] = {"slow", "slow", "ok", "ok", "ok", "ok"};
    struct plan pl = {inputs, 6, 2, 20000, 0, NULL, NULL, NULL};
    int status = 0;

    reset_shared();
    pid_t child = start_child(&pl);
    CHECK_EQ_INT(wait_running(2), 0);
    kill(-child, SIGINT);
    CHECK_EQ_INT(wait_child(child, 20000, &status), 1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT(sh->signal, SIGINT);
    CHECK_EQ_INT(sh->ok[0], 1);
    CHECK_EQ_INT(sh->ok[1], 1);
    CHECK_EQ_INT(sh->completed, 2);
    CHECK_EQ_INT(sh->not_started, 4);
    /* Long before the 20 s grace: nothing waited for it. */
    CHECK(sh->wall_ms < 15000);
}

/* A second signal does not wait for the grace period: busy workers die at once. */
static void test_second_signal_stops_at_once(void)
{
    static const char *inputs[] = {"hang", "hang", "ok"};
    struct plan pl = {inputs, 3, 2, 60000, 0, NULL, NULL, NULL};
    int status = 0;

    reset_shared();
    pid_t child = start_child(&pl);
    CHECK_EQ_INT(wait_running(2), 0);
    kill(child, SIGTERM);
    CHECK_EQ_INT(wait_taken(child, SIGTERM), 0);
    kill(child, SIGTERM);
    /* Well under the 60 s grace. */
    CHECK_EQ_INT(wait_child(child, 30000, &status), 1);
    CHECK_EQ_INT(sh->signal, SIGTERM);
    CHECK_EQ_INT(sh->completed, 2);
    CHECK_EQ_INT(sh->not_started, 1);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(sh->ok[i], 0);
        CHECK_EQ_STR(sh->error[i], "interrupted by a second SIGTERM");
    }
}

/* The grace period ends: a file still running is killed and says why. */
static void test_grace_period_ends(void)
{
    static const char *inputs[] = {"hang"};
    struct plan pl = {inputs, 1, 1, 300, 0, NULL, NULL, NULL};
    int status = 0;

    reset_shared();
    pid_t child = start_child(&pl);
    CHECK_EQ_INT(wait_running(1), 0);
    kill(child, SIGINT);
    CHECK_EQ_INT(wait_child(child, 20000, &status), 1);
    CHECK_EQ_INT(sh->signal, SIGINT);
    CHECK_EQ_INT(sh->ok[0], 0);
    CHECK(strstr(sh->error[0], "interrupted by SIGINT (still running after") != NULL);
}

/* pool_request_stop() from on_result: no new job, and the run says why it stopped. */
static void test_request_stop(void)
{
    enum { JOBS = 20 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, 1, 0, 0, stop_on_first_result, NULL, NULL};

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "ok";
    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->signal, SIGPIPE);
    CHECK_EQ_INT(sh->completed, 1);
    CHECK_EQ_INT(sh->not_started, JOBS - 1);
    CHECK_EQ_INT(sh->ok[0], 1);
}

/* --max-memory is RLIMIT_DATA in the worker: 512 MB cannot be had under 128 MB. */
static void test_memory_limit(void)
{
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's shadow memory alone is far above any data limit. */
    fprintf(stderr, "test_memory_limit: skipped under AddressSanitizer\n");
    return;
#endif
    static const char *inputs[] = {"alloc:512", "alloc:16", "alloc:512"};
    struct plan pl = {inputs, 3, 1, 0, 128LL * 1024 * 1024, NULL, NULL, NULL};

    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->completed, 3);
    CHECK_EQ_INT(sh->ok[0], 0);
    CHECK_EQ_STR(sh->error[0], "allocation of 512 MB failed");
    CHECK_EQ_INT(sh->ok[1], 1);
    CHECK_EQ_INT(sh->ok[2], 0);
    /* The same worker did all three: a failed allocation is not a death. */
    CHECK_EQ_INT(load(&sh->starts), 1);

    /* Without the limit the same allocation works. */
    pl.memory_limit = 0;
    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->ok[0], 1);
}

/*
 * A worker that dies before reading the job sent to it never started that
 * job: the job goes to the replacement and succeeds, instead of failing
 * for a death that was not its doing.
 */
static void test_unread_job_given_back(void)
{
    static const char *inputs[] = {"ok", "ok", "ok", "ok", "ok"};
    struct plan pl = {inputs, 5, 1, 0, 0, NULL, flaky_init, NULL};

    reset_shared();
    run_plan(&pl);
    CHECK_EQ_INT(sh->completed, 5);
    CHECK_EQ_INT(sh->not_started, 0);
    CHECK_EQ_INT(sh->gave_up, 0);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(sh->results[i], 1);
        CHECK_EQ_INT(sh->ok[i], 1);
        if (!sh->ok[i])
            fprintf(stderr, "job %d: %s\n", i, sh->error[i]);
    }
    CHECK_EQ_INT(load(&sh->starts), 3);
}

/* A worker's end that never comes: as an image library stuck in its shutdown would be. */
static void stuck_fini(void *ctx)
{
    (void)ctx;
    for (;;)
        pause();
}

/*
 * Workers that never finish exiting after their last file cannot keep the
 * run from ending: they are killed after the exit grace, and every file
 * still counts as done.
 */
static void test_stuck_exit_killed(void)
{
    static const char *inputs[] = {"ok", "ok", "ok"};
    struct plan pl = {inputs, 3, 2, 0, 0, NULL, NULL, stuck_fini};
    int status = 0;

    reset_shared();
    pid_t child = start_child(&pl);
    CHECK_EQ_INT(wait_child(child, POOL_EXIT_GRACE_MS + 20000, &status), 1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ_INT(sh->signal, 0);
    CHECK_EQ_INT(sh->completed, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(sh->results[i], 1);
        CHECK_EQ_INT(sh->ok[i], 1);
    }
    CHECK(sh->wall_ms >= POOL_EXIT_GRACE_MS - 100);
    CHECK(sh->wall_ms < POOL_EXIT_GRACE_MS + 10000);
}

int main(void)
{
    /* Crashing workers must not write core files (or wait for a crash reporter). */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    alarm(200);

    sh = shared_alloc(sizeof(*sh));
    test_keeps_dying();
    test_crashes_between_successes();
    test_files_in_flight_finish();
    test_second_signal_stops_at_once();
    test_grace_period_ends();
    test_request_stop();
    test_unread_job_given_back();
    test_memory_limit();
    test_stuck_exit_killed();
    return check_summary();
}
