/*
 * test_pool_hostile: the pool when the system or its workers work against it.
 *
 *  - Idle workers released at the end, then a job given back by a worker
 *    that died before reading it: the job waits for a fresh worker instead
 *    of being written to a released worker's closed pipe.
 *  - Workers that break the protocol (an unreadable frame, or an exit
 *    with POOL_EXIT_PROTOCOL) count toward the give-up like crashes.
 *  - A stop signal after the pool gave up kills the busy workers at once:
 *    the give-up was the first stop, so the signal is the second.
 *
 * (Too few descriptors for the workers' pipes: see test_pool_descriptors.)
 *
 * Every run happens in a forked child (its own process group); what it
 * saw comes back in shared memory, and its stderr in a file.  Every wait
 * has a bailout, and an alarm ends a hung program.
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/message.h"
#include "pool/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_JOBS = 64, MAX_WORKERS = 8 };

/* Shared with the children and workers (mapped before any fork). */
struct shared {
    int inits;       /* init callbacks run, in every worker */
    pid_t pids[2];   /* of the first two workers */
    int running;     /* "hang" jobs started */
    int gave_up_seen; /* a job failed with "not processed: workers keep dying" */
    int ret;         /* pool_run's return */
    int ok[MAX_JOBS];
    int results[MAX_JOBS];
    char error[MAX_JOBS][RESULT_ERROR_MAX];
    unsigned jobs_of[MAX_WORKERS];
    unsigned respawns;
    struct pool_outcome outcome;
};

static struct shared *sh;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

/* Descriptors open before pool_run: the test runner's, not the pool's. */
static unsigned char open_before[1024];

static void note_open_descriptors(void)
{
    for (int fd = 0; fd < 1024; fd++)
        open_before[fd] = fcntl(fd, F_GETFD) >= 0;
}

/*
 * Writes a frame of length zero to every write-only pipe the pool opened:
 * in a worker, that is its result pipe (the pool closes every other pipe
 * end a worker could write to).
 */
static void send_garbage(void)
{
    static const unsigned char zero_length[4] = {0, 0, 0, 0};

    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        if (open_before[fd])
            continue;
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) != O_WRONLY || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
            continue;
        if (write(fd, zero_length, sizeof(zero_length)) < 0)
            _exit(98);
    }
}

/*
 * What to do is named by the input: ok, crash, hang, garbage, protocol-exit,
 * outputs-invented (a result for more outputs than the job has).
 */
static void fake_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    const char *in = req->input;

    (void)ctx, (void)res;
    if (!strcmp(in, "crash")) {
        signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn it into an abort */
        raise(SIGSEGV);
        _exit(99);
    }
    if (!strcmp(in, "hang")) {
        bump(&sh->running);
        for (;;)
            pause();
    }
    if (!strcmp(in, "garbage")) {
        send_garbage();
        for (;;)
            pause(); /* the master kills it */
    }
    if (!strcmp(in, "protocol-exit"))
        _exit(POOL_EXIT_PROTOCOL);
    if (!strcmp(in, "outputs-invented")) {
        res->noutputs = req->noutputs + 1;
        for (uint32_t i = 0; i < res->noutputs; i++)
            res->outputs[i].done = 1;
    }
}

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    (void)ctx, (void)worker;
    if (job >= MAX_JOBS)
        return;
    sh->results[job]++;
    sh->ok[job] = res->ok;
    snprintf(sh->error[job], sizeof(sh->error[job]), "%s", res->error);
    if (strstr(res->error, "not processed: workers keep dying"))
        bump(&sh->gave_up_seen);
}

struct plan {
    const char *const *inputs;
    int njobs;
    int workers;
    int max_deaths;     /* 0: the default */
    int grace_ms;       /* 0: the default */
    pool_init_fn init;
    pool_fini_fn fini;
};

/* Runs the plan's pool in this process; what it saw goes to shared memory. */
static void run_plan(const struct plan *pl)
{
    static struct pool_job jobs[MAX_JOBS];
    struct pool_worker_stats stats[MAX_WORKERS];
    struct pool_config cfg;

    for (int i = 0; i < pl->njobs; i++)
        jobs[i] = fake_job(pl->inputs[i]);
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = pl->workers;
    cfg.init = pl->init;
    cfg.fini = pl->fini;
    cfg.work = fake_work;
    cfg.on_result = on_result;
    cfg.max_deaths_in_a_row = pl->max_deaths;
    cfg.shutdown_grace_ms = pl->grace_ms;
    note_open_descriptors();
    sh->ret = pool_run(&cfg, jobs, (size_t)pl->njobs, stats, &sh->outcome);
    for (int i = 0; i < pl->workers; i++) {
        sh->jobs_of[i] = stats[i].jobs;
        sh->respawns += stats[i].respawns;
    }
}

/*
 * Runs the plan in a child with its own process group and its stderr in
 * errpath; returns its pid.
 */
static pid_t start_child(const struct plan *pl, const char *errpath)
{
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        exit(2);
    }
    if (child == 0) {
        setpgid(0, 0);
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(2);
        close(fd);
        run_plan(pl);
        _exit(0);
    }
    setpgid(child, child); /* also here: whichever runs first, the group exists */
    return child;
}

/* Waits for the child up to ms; 1 if it ended, 0 if not (then killed). */
static int wait_child(pid_t child, int ms)
{
    int status;

    for (int waited = 0; waited < ms; waited++) {
        if (waitpid(child, &status, WNOHANG) == child)
            return 1;
        usleep(1000);
    }
    kill(-child, SIGKILL);
    waitpid(child, &status, 0);
    return 0;
}

static int wait_for(int *p, int target)
{
    for (int ms = 0; ms < 20000; ms++) {
        if (load(p) >= target)
            return 0;
        usleep(1000);
    }
    return -1;
}

static char errpath[64];

static void reset_shared(void)
{
    memset(sh, 0, sizeof(*sh));
}

/*
 * The worker of slot 2 dies in init, after slot 1's has been released.
 * Which init runs first is up to the scheduler, but slot 2 is forked
 * after slot 1, so its pid is the larger of the first two.  Its
 * replacement (the third init) works.
 */
static int second_dies_late(void *ctx)
{
    int ticket = bump(&sh->inits);

    (void)ctx;
    if (ticket > 2)
        return 0;
    __atomic_store_n(&sh->pids[ticket - 1], getpid(), __ATOMIC_SEQ_CST);
    pid_t other = 0;
    for (int ms = 0; ms < 5000 && !other; ms++) {
        other = __atomic_load_n(&sh->pids[2 - ticket], __ATOMIC_SEQ_CST);
        sleep_ms(1);
    }
    if (getpid() < other)
        return 0;
    sleep_ms(300);
    return -1;
}

/* A released worker lingers, so that it is still IDLE when the job comes back. */
static void linger(void *ctx)
{
    (void)ctx;
    sleep_ms(1000);
}

/*
 * Worker 1 finishes job 0 and, with no job waiting, is released (its job
 * pipe closed); it lingers in fini.  Worker 2 dies in init before reading
 * job 1, which is given back.  Job 1 must go to a fresh worker 2, never
 * to worker 1's closed pipe (the old pool wrote it to descriptor -1).
 */
static void test_released_worker_gets_no_job(void)
{
    static const char *inputs[] = {"ok", "ok"};
    struct plan pl = {inputs, 2, 2, 0, 0, second_dies_late, linger};
    char err[4096];

    reset_shared();
    CHECK_EQ_INT(wait_child(start_child(&pl, errpath), 30000), 1);
    int lines = read_lines(errpath, err, sizeof(err));
    CHECK_EQ_INT(sh->ret, 0);
    CHECK_EQ_INT(sh->results[0], 1);
    CHECK_EQ_INT(sh->results[1], 1);
    CHECK_EQ_INT(sh->ok[0], 1);
    CHECK_EQ_INT(sh->ok[1], 1);
    CHECK_EQ_INT(lines, 0);
    if (lines)
        fprintf(stderr, "released worker: the pool said:\n%s", err);
}

/*
 * Every worker sends an unreadable frame: each is killed, and the deaths
 * count, so the pool gives up after the limit instead of forking a
 * replacement for every file.
 */
static void test_garbage_counts_as_death(void)
{
    enum { JOBS = 30 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, 1, 3, 0, NULL, NULL};
    char err[4096];

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "garbage";
    reset_shared();
    CHECK_EQ_INT(wait_child(start_child(&pl, errpath), 60000), 1);
    read_lines(errpath, err, sizeof(err));
    CHECK_EQ_INT(sh->ret, 0);
    CHECK_EQ_INT(sh->outcome.gave_up, 1);
    CHECK_EQ_INT(sh->outcome.completed, JOBS);
    CHECK(strstr(sh->outcome.gave_up_reason, "broke the protocol") != NULL);
    CHECK(strstr(sh->error[0], "worker 1 broke the protocol: frame of length zero") != NULL);
    CHECK(sh->respawns <= 3);
}

/*
 * A result for outputs its job does not have is a protocol error, like
 * garbage: the master would rename files nobody asked for.
 */
static void test_invented_outputs_break_the_protocol(void)
{
    const char *inputs[] = {"outputs-invented", "ok"};
    struct plan pl = {inputs, 2, 1, 3, 0, NULL, NULL};
    char err[4096];

    reset_shared();
    CHECK_EQ_INT(wait_child(start_child(&pl, errpath), 60000), 1);
    read_lines(errpath, err, sizeof(err));
    CHECK_EQ_INT(sh->ret, 0);
    CHECK_EQ_INT(sh->results[0], 1);
    CHECK_EQ_INT(sh->ok[0], 0);
    CHECK(strstr(sh->error[0], "worker 1 broke the protocol: unexpected message") != NULL);
    CHECK_EQ_INT(sh->ok[1], 1); /* its replacement does the next */
}

/* A worker that could not read its job (POOL_EXIT_PROTOCOL) says so, and counts. */
static void test_protocol_exit_counts_as_death(void)
{
    enum { JOBS = 30 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, 1, 3, 0, NULL, NULL};
    char err[4096];

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "protocol-exit";
    reset_shared();
    CHECK_EQ_INT(wait_child(start_child(&pl, errpath), 60000), 1);
    read_lines(errpath, err, sizeof(err));
    CHECK_EQ_INT(sh->outcome.gave_up, 1);
    CHECK(sh->respawns <= 3);
    CHECK(strstr(sh->error[0], "worker 1 broke the protocol: it could not read the job") != NULL);
}

/*
 * Worker 1 hangs on its file; worker 2 crashes until the pool gives up
 * (a stop with a 60 s grace period).  A SIGINT then kills worker 1 at once.
 */
static void test_signal_after_give_up(void)
{
    enum { JOBS = 12 };
    const char *inputs[JOBS];
    struct plan pl = {inputs, JOBS, 2, 3, 60000, NULL, NULL};
    char err[4096];

    inputs[0] = "hang";
    for (int i = 1; i < JOBS; i++)
        inputs[i] = "crash";
    reset_shared();
    pid_t child = start_child(&pl, errpath);
    CHECK_EQ_INT(wait_for(&sh->running, 1), 0);
    CHECK_EQ_INT(wait_for(&sh->gave_up_seen, 1), 0);
    long long t0 = now_ms();
    kill(child, SIGINT);
    CHECK_EQ_INT(wait_child(child, 30000), 1);
    long long took = now_ms() - t0;
    read_lines(errpath, err, sizeof(err));
    CHECK(took < 10000); /* far below the grace period */
    CHECK_EQ_INT(sh->outcome.gave_up, 1);
    CHECK_EQ_INT(sh->outcome.signal, 0); /* the run was stopped by the give-up */
    CHECK_EQ_INT(sh->results[0], 1);
    CHECK_EQ_STR(sh->error[0], "interrupted by SIGINT after the pool gave up (workers keep dying)");
}

int main(void)
{
    alarm(170);
    sh = shared_alloc(sizeof(*sh));
    snprintf(errpath, sizeof(errpath), "/tmp/test_pool_hostile.%d.err", (int)getpid());

    test_released_worker_gets_no_job();
    test_garbage_counts_as_death();
    test_invented_outputs_break_the_protocol();
    test_protocol_exit_counts_as_death();
    test_signal_after_give_up();
    unlink(errpath);
    return check_summary();
}
