/*
 * test_pool: the worker pool driven by fake jobs, no libvips.
 *
 * The pool is what makes imgbatch a multi-process tool, so this checks what
 * a user relies on: exactly N worker processes really run at once; a worker
 * that crashes, exits or hangs fails only its own file and is replaced;
 * every job gets exactly one result even over thousands of jobs with
 * crashes among them; workers hold no pipe but their own; idle workers get
 * the next job (one slow file does not hold the rest back); SIGTERM stops
 * the run and leaves no worker behind; a pool whose workers cannot start
 * fails every file instead of hanging.
 *
 * Concurrency is proven with counters in shared memory (barriers), never by
 * timing.  Every wait has a generous bailout that turns into a failure, and
 * an alarm ends the whole program if the pool itself hangs.
 */
#include "check.h" /* the shared harness, in tests/unit */
#include "shared.h"

#include "pool/message.h"
#include "pool/pool.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define BAILOUT_MS 30000

/* Shared between the test and every worker (mapped before any fork). */
struct shared {
    int barrier;        /* arrivals at the barrier */
    int barrier_target; /* how many must arrive before anyone leaves */
    int fast_done;      /* "fast" jobs finished */
    int fast_target;    /* what "slow" waits for */
    int running;        /* "hangrec" jobs started */
    int init_calls;     /* init callbacks run */
    int npids;
    int pids[64];
    /* What the SIGTERM test's child saw. */
    int c_ret;
    int c_signal;
    long c_completed;
    long c_not_started;
    int c_results;
    int c_interrupted;
};

static struct shared *sh;

/* Waits until *p >= target; 0, or -1 after the bailout. */
static int wait_for(int *p, int target)
{
    for (int ms = 0; ms < BAILOUT_MS; ms++) {
        if (load(p) >= target)
            return 0;
        usleep(1000);
    }
    return -1;
}

/* Pipes this process holds on descriptors above 2, the directory's own aside. */
static int count_pipe_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    int self = dirfd(d);
    while ((de = readdir(d))) {
        char link[64];
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        if (*end || end == de->d_name || fd <= 2 || fd == self)
            continue;
        ssize_t len = readlinkat(self, de->d_name, link, sizeof(link) - 1);
        if (len < 0)
            continue;
        link[len] = '\0';
        if (!strncmp(link, "pipe:", 5))
            n++;
    }
    closedir(d);
    return n;
}

/* The fake work: what to do is named by the input "path". */
static void fake_work(void *ctx, const struct job_request *req, struct job_result *res)
{
    const char *in = req->input;

    (void)ctx;
    res->in_width = (uint32_t)getpid();
    if (!strcmp(in, "ok"))
        return;
    if (!strncmp(in, "n:", 2)) {
        res->in_height = (uint32_t)atoi(in + 2);
        return;
    }
    if (!strcmp(in, "crash")) {
        signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn it into an abort */
        raise(SIGSEGV);
        _exit(99);
    }
    if (!strcmp(in, "exit"))
        _exit(7);
    if (!strcmp(in, "killed")) /* as the kernel's out-of-memory killer would */
        raise(SIGKILL);
    if (!strcmp(in, "abort"))
        abort();
    if (!strcmp(in, "hang")) {
        for (;;)
            pause();
    }
    if (!strcmp(in, "hangrec")) {
        int i = bump(&sh->npids) - 1;
        if (i < 64)
            sh->pids[i] = getpid();
        bump(&sh->running);
        for (;;)
            pause();
    }
    if (!strcmp(in, "barrier")) {
        bump(&sh->barrier);
        if (wait_for(&sh->barrier, sh->barrier_target) < 0)
            job_result_fail(res, "barrier: only %d of %d workers ever ran at once",
                            load(&sh->barrier), sh->barrier_target);
        return;
    }
    if (!strcmp(in, "fds")) {
        res->in_height = (uint32_t)count_pipe_fds();
        return;
    }
    if (!strcmp(in, "fast")) {
        bump(&sh->fast_done);
        return;
    }
    if (!strcmp(in, "slow")) {
        if (wait_for(&sh->fast_done, sh->fast_target) < 0)
            job_result_fail(res, "slow: the fast jobs never all finished (%d of %d)",
                            load(&sh->fast_done), sh->fast_target);
        return;
    }
    if (!strcmp(in, "fail")) {
        job_result_fail(res, "bad input %s", "fail");
        return;
    }
    if (!strcmp(in, "fail_input")) {
        job_result_fail(res, "not an image");
        res->input_fault = 1;
        return;
    }
    if (!strcmp(in, "fail_silent")) {
        res->ok = 0;
        return;
    }
    if (!strcmp(in, "liar")) {
        res->id = 999999; /* the pool must not believe this */
        return;
    }
    job_result_fail(res, "unknown fake job '%s'", in);
}

static int failing_init(void *ctx)
{
    (void)ctx;
    bump(&sh->init_calls);
    return -1;
}

static int counting_init(void *ctx)
{
    (void)ctx;
    bump(&sh->init_calls);
    return 0;
}

/* What the master saw, per job. */
struct collected {
    size_t njobs;
    int workers;
    unsigned *times; /* results delivered for this job */
    int *ok;
    int *input_fault;
    char (*error)[RESULT_ERROR_MAX];
    int *no;        /* worker->no */
    pid_t *pid;     /* worker->pid */
    uint32_t *in_w; /* the worker's getpid(), as the job saw it */
    uint32_t *out_w;
    int bad_no;  /* results with worker->no outside 1..N */
    int zero_no; /* results with worker->no == 0 (never reached a worker) */
    int bad_id;  /* res->id != job, or job out of range */
};

static void on_result(void *ctx, size_t job, const struct job_result *res,
                      const struct pool_worker_info *worker)
{
    struct collected *c = ctx;

    if (job >= c->njobs) {
        c->bad_id++;
        return;
    }
    if (res->id != (uint32_t)job)
        c->bad_id++;
    c->times[job]++;
    c->ok[job] = res->ok;
    c->input_fault[job] = res->input_fault;
    snprintf(c->error[job], RESULT_ERROR_MAX, "%s", res->error);
    c->no[job] = worker->no;
    c->pid[job] = worker->pid;
    c->in_w[job] = res->in_width;
    c->out_w[job] = res->in_height;
    if (worker->no == 0)
        c->zero_no++;
    else if (worker->no < 1 || worker->no > c->workers)
        c->bad_no++;
}

static void collected_init(struct collected *c, size_t njobs, int workers)
{
    memset(c, 0, sizeof(*c));
    c->njobs = njobs;
    c->workers = workers;
    c->times = calloc(njobs + 1, sizeof(*c->times));
    c->ok = calloc(njobs + 1, sizeof(*c->ok));
    c->input_fault = calloc(njobs + 1, sizeof(*c->input_fault));
    c->error = calloc(njobs + 1, sizeof(*c->error));
    c->no = calloc(njobs + 1, sizeof(*c->no));
    c->pid = calloc(njobs + 1, sizeof(*c->pid));
    c->in_w = calloc(njobs + 1, sizeof(*c->in_w));
    c->out_w = calloc(njobs + 1, sizeof(*c->out_w));
    if (!c->times || !c->ok || !c->input_fault || !c->error || !c->no || !c->pid || !c->in_w ||
        !c->out_w)
        abort();
}

static void collected_release(struct collected *c)
{
    free(c->times);
    free(c->ok);
    free(c->input_fault);
    free(c->error);
    free(c->no);
    free(c->pid);
    free(c->in_w);
    free(c->out_w);
}

/* Jobs whose result count is not exactly one. */
static size_t not_once(const struct collected *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->njobs; i++)
        n += c->times[i] != 1;
    return n;
}

static size_t oks(const struct collected *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->njobs; i++)
        n += c->ok[i] != 0;
    return n;
}

static struct pool_job *make_jobs(const char *const *inputs, size_t n)
{
    struct pool_job *jobs = calloc(n + 1, sizeof(*jobs));
    for (size_t i = 0; i < n; i++)
        jobs[i] = fake_job(inputs[i]);
    return jobs;
}

#define JOBS_MAX_TEST 16

struct run {
    struct collected c;
    struct pool_worker_stats stats[JOBS_MAX_TEST];
    struct pool_outcome outcome;
    int ret;
};

static void run_pool(struct run *r, int workers, const char *const *inputs, size_t n,
                     int timeout_ms, pool_init_fn init)
{
    struct pool_config cfg;
    struct pool_job *jobs = make_jobs(inputs, n);

    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = workers;
    cfg.init = init;
    cfg.work = fake_work;
    cfg.on_result = on_result;
    cfg.result_ctx = &r->c;
    cfg.job_timeout_ms = timeout_ms;
    collected_init(&r->c, n, workers);
    memset(r->stats, 0xff, sizeof(r->stats)); /* pool_run must clear them */
    r->ret = pool_run(&cfg, jobs, n, r->stats, &r->outcome);
    free(jobs);
}

static unsigned total_jobs(const struct run *r, int workers)
{
    unsigned n = 0;
    for (int i = 0; i < workers; i++)
        n += r->stats[i].jobs;
    return n;
}

static unsigned total_respawns(const struct run *r, int workers)
{
    unsigned n = 0;
    for (int i = 0; i < workers; i++)
        n += r->stats[i].respawns;
    return n;
}

/* Basic bookkeeping every run must satisfy. */
static void check_bookkeeping(const struct run *r, int workers, size_t n, int line)
{
    int before = check_failed;

    CHECK_EQ_INT(r->ret, 0);
    CHECK_EQ_INT(r->outcome.completed, n);
    CHECK_EQ_INT(r->outcome.not_started, 0);
    CHECK_EQ_INT(r->outcome.signal, 0);
    CHECK_EQ_INT(not_once(&r->c), 0);
    CHECK_EQ_INT(r->c.bad_id, 0);
    CHECK_EQ_INT(r->c.bad_no, 0);
    CHECK_EQ_INT(r->c.zero_no, 0); /* every job reached a worker */
    CHECK_EQ_INT(total_jobs(r, workers), n);
    if (check_failed != before)
        fprintf(stderr, "  (bookkeeping checked from line %d)\n", line);
}

/* ---- the tests ---- */

/* N workers, N really at once: a barrier only N processes together can pass. */
static void test_parallel_exact_n(void)
{
    enum { N = 4, JOBS = 8 };
    const char *inputs[JOBS];
    struct run r;

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "barrier";
    sh->barrier = 0;
    sh->barrier_target = N;
    run_pool(&r, N, inputs, JOBS, 0, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    CHECK_EQ_INT(oks(&r.c), JOBS);

    /* Exactly N distinct worker processes, none of them the test itself. */
    pid_t seen[JOBS];
    int distinct = 0, is_self = 0, pid_mismatch = 0;
    for (int i = 0; i < JOBS; i++) {
        pid_t p = (pid_t)r.c.in_w[i];
        int known = 0;
        for (int k = 0; k < distinct; k++)
            known |= seen[k] == p;
        if (!known)
            seen[distinct++] = p;
        is_self += p == getpid();
        pid_mismatch += p != r.c.pid[i]; /* worker->pid is the process that ran it */
    }
    CHECK_EQ_INT(distinct, N);
    CHECK_EQ_INT(is_self, 0);
    CHECK_EQ_INT(pid_mismatch, 0);
    /* Each of the N slots held one of the N jobs that met at the barrier. */
    for (int i = 0; i < N; i++)
        CHECK(r.stats[i].jobs >= 1);
    CHECK_EQ_INT(total_respawns(&r, N), 0);
    collected_release(&r.c);
}

/* A crash, an exit and an abort: each fails its own job only. */
static void test_crashes(void)
{
    static const char *inputs[] = {"ok",    "crash", "ok",         "exit",  "ok",
                                   "abort", "ok",    "ok",         "fail",  "fail_silent",
                                   "liar",  "ok",    "fail_input", "killed"};
    enum { N = 3, JOBS = sizeof(inputs) / sizeof(inputs[0]) };
    struct run r;

    run_pool(&r, N, inputs, JOBS, 0, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    for (size_t i = 0; i < JOBS; i++) {
        const char *in = inputs[i];
        const char *e = r.c.error[i];
        char who[32];
        snprintf(who, sizeof(who), "worker %d", r.c.no[i]);
        /*
         * The input's fault: the worker's own verdict; not a death of any kind
         * (a crash may be the library's or the machine's, a SIGKILL the master
         * did not send the out-of-memory killer's).
         */
        int input_fault = !strcmp(in, "fail_input");
        CHECK_EQ_INT(r.c.input_fault[i], input_fault);
        if (!strcmp(in, "ok") || !strcmp(in, "liar")) {
            CHECK_EQ_INT(r.c.ok[i], 1);
        } else if (!strcmp(in, "killed")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK(strstr(e, "died: SIGKILL") != NULL);
        } else if (!strcmp(in, "crash")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK(strstr(e, "died: SIGSEGV") != NULL);
            CHECK(strstr(e, who) != NULL); /* names the worker that held it */
        } else if (!strcmp(in, "exit")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK(strstr(e, "exited with status 7") != NULL);
            CHECK(strstr(e, who) != NULL);
        } else if (!strcmp(in, "abort")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK(strstr(e, "SIGABRT") != NULL);
        } else if (!strcmp(in, "fail")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK_EQ_STR(e, "bad input fail");
        } else if (!strcmp(in, "fail_silent")) {
            CHECK_EQ_INT(r.c.ok[i], 0);
            CHECK(e[0] != '\0'); /* a failure always says something */
        }
    }
    CHECK_EQ_INT(oks(&r.c), JOBS - 7);
    CHECK(total_respawns(&r, N) > 0);
    collected_release(&r.c);
}

/* Thousands of tiny jobs with crashes among them: one result per job, each routed right. */
static void test_many_jobs(void)
{
    enum { N = 4, JOBS = 3000 };
    const char **inputs = calloc(JOBS, sizeof(*inputs));
    char(*names)[16] = calloc(JOBS, sizeof(*names));
    struct run r;
    size_t crashes = 0;

    for (int i = 0; i < JOBS; i++) {
        if (i % 97 == 0) {
            inputs[i] = "crash";
            crashes++;
        } else {
            snprintf(names[i], sizeof(names[i]), "n:%d", i);
            inputs[i] = names[i];
        }
    }
    run_pool(&r, N, inputs, JOBS, 0, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    CHECK_EQ_INT(oks(&r.c), JOBS - crashes);
    size_t misrouted = 0, wrong_outcome = 0;
    for (int i = 0; i < JOBS; i++) {
        if (i % 97 == 0)
            wrong_outcome += r.c.ok[i] || !strstr(r.c.error[i], "SIGSEGV");
        else
            misrouted += !r.c.ok[i] || r.c.out_w[i] != (uint32_t)i;
    }
    CHECK_EQ_INT(misrouted, 0);
    CHECK_EQ_INT(wrong_outcome, 0);
    CHECK(total_respawns(&r, N) >= crashes - N);
    collected_release(&r.c);
    free(inputs);
    free(names);
}

/* The master asks for each job as it sends it (pool_config.job_at): how often it asked. */
static size_t asked;

static void job_at(void *ctx, size_t j, struct pool_job *job)
{
    const char *const *inputs = ctx;

    asked++;
    *job = fake_job(inputs[j]);
}

/*
 * The jobs given one by one as they are sent, no array of them kept (a run
 * of a million files): each still runs once and its result comes back to
 * it, crashes among them, and each was asked for at least once.
 */
static void test_jobs_asked_for(void)
{
    enum { N = 3, JOBS = 1000 };
    const char **inputs = calloc(JOBS, sizeof(*inputs));
    char(*names)[16] = calloc(JOBS, sizeof(*names));
    struct pool_config cfg;
    struct run r;

    for (int i = 0; i < JOBS; i++) {
        snprintf(names[i], sizeof(names[i]), "n:%d", i);
        inputs[i] = i % 101 == 0 ? "crash" : names[i];
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = N;
    cfg.work = fake_work;
    cfg.on_result = on_result;
    cfg.result_ctx = &r.c;
    cfg.job_at = job_at;
    cfg.job_ctx = inputs;
    collected_init(&r.c, JOBS, N);
    asked = 0;
    r.ret = pool_run(&cfg, NULL, JOBS, r.stats, &r.outcome);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    CHECK(asked >= JOBS);
    size_t wrong = 0;
    for (int i = 0; i < JOBS; i++)
        wrong += i % 101 == 0 ? r.c.ok[i] || !strstr(r.c.error[i], "SIGSEGV")
                              : !r.c.ok[i] || r.c.out_w[i] != (uint32_t)i;
    CHECK_EQ_INT(wrong, 0);
    collected_release(&r.c);
    free(inputs);
    free(names);
}

/* Every worker holds its own two pipe ends and nothing of its siblings'. */
static void test_no_fd_leak(void)
{
    static const char *inputs[] = {"fds",   "fds", "fds", "fds", "crash", "fds", "fds",
                                   "crash", "fds", "fds", "fds", "fds",   "fds", "fds"};
    enum { N = 4, JOBS = sizeof(inputs) / sizeof(inputs[0]) };
    struct run r;
    int baseline = count_pipe_fds(); /* pipes the test itself inherited (e.g. from make) */

    CHECK(baseline >= 0);
    run_pool(&r, N, inputs, JOBS, 0, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    int leaks = 0;
    for (size_t i = 0; i < JOBS; i++) {
        if (strcmp(inputs[i], "fds"))
            continue;
        if (!r.c.ok[i] || r.c.out_w[i] != (uint32_t)(baseline + 2)) {
            fprintf(stderr, "job %zu on worker %d saw %u pipe fds, expected %d\n", i, r.c.no[i],
                    r.c.out_w[i], baseline + 2);
            leaks++;
        }
    }
    CHECK_EQ_INT(leaks, 0);
    /* And the master is back to what it had before the run. */
    CHECK_EQ_INT(count_pipe_fds(), baseline);
    collected_release(&r.c);
}

/* A job that never returns is killed after the timeout; the rest run. */
static void test_timeout(void)
{
    static const char *inputs[] = {"ok", "hang", "ok", "ok", "ok", "ok"};
    enum { N = 2, JOBS = sizeof(inputs) / sizeof(inputs[0]) };
    struct run r;

    run_pool(&r, N, inputs, JOBS, 1000, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    CHECK_EQ_INT(r.c.ok[1], 0);
    CHECK(strstr(r.c.error[1], "timed out") != NULL);
    CHECK_EQ_INT(r.c.input_fault[1], 1); /* a file that hangs its decoder would again */
    CHECK_EQ_INT(oks(&r.c), JOBS - 1);
    /* The hung worker is gone. */
    errno = 0;
    CHECK(r.c.pid[1] > 0 && kill(r.c.pid[1], 0) < 0 && errno == ESRCH);
    collected_release(&r.c);
}

/* The SIGTERM test's child: runs a pool of hanging jobs and exits 128 + the signal. */
static void sigterm_on_result(void *ctx, size_t job, const struct job_result *res,
                              const struct pool_worker_info *worker)
{
    (void)ctx;
    (void)job;
    (void)worker;
    bump(&sh->c_results);
    if (!res->ok && strstr(res->error, "interrupted"))
        bump(&sh->c_interrupted);
}

static void sigterm_child(void)
{
    struct pool_job jobs[4];
    struct pool_worker_stats stats[2];
    struct pool_outcome outcome;
    struct pool_config cfg;

    for (int i = 0; i < 4; i++)
        jobs[i] = fake_job("hangrec");
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = 2;
    cfg.work = fake_work;
    cfg.on_result = sigterm_on_result;
    int ret = pool_run(&cfg, jobs, 4, stats, &outcome);
    sh->c_ret = ret;
    sh->c_signal = outcome.signal;
    sh->c_completed = (long)outcome.completed;
    sh->c_not_started = (long)outcome.not_started;
    _exit(outcome.signal ? 128 + outcome.signal : 1);
}

static void test_sigterm(void)
{
    sh->running = 0;
    sh->npids = 0;
    sh->c_results = sh->c_interrupted = 0;
    sh->c_signal = -1;
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        CHECK(child >= 0);
        return;
    }
    if (child == 0)
        sigterm_child();

    /* Wait until both workers are inside their jobs. */
    int status = 0, reaped = 0;
    int ms;
    for (ms = 0; ms < 20000 && load(&sh->running) < 2; ms++) {
        if (waitpid(child, &status, WNOHANG) == child) {
            reaped = 1;
            break;
        }
        usleep(1000);
    }
    CHECK_EQ_INT(reaped, 0);
    CHECK_EQ_INT(load(&sh->running), 2);

    if (!reaped) {
        kill(child, SIGTERM);
        for (ms = 0; ms < 20000; ms++) {
            if (waitpid(child, &status, WNOHANG) == child) {
                reaped = 1;
                break;
            }
            usleep(1000);
        }
        if (!reaped) {
            fprintf(stderr, "pool did not stop within 20 s of SIGTERM\n");
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
        }
    }
    CHECK_EQ_INT(reaped, 1);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 143);
    CHECK_EQ_INT(sh->c_ret, 0);
    CHECK_EQ_INT(sh->c_signal, SIGTERM);
    /* The two busy jobs are reported as interrupted; the two others never started. */
    CHECK_EQ_INT(sh->c_completed, 2);
    CHECK_EQ_INT(sh->c_results, 2);
    CHECK_EQ_INT(sh->c_interrupted, 2);
    CHECK_EQ_INT(sh->c_not_started, 2);

    /* No worker outlives the pool. */
    int npids = load(&sh->npids);
    CHECK_EQ_INT(npids, 2);
    for (int i = 0; i < npids && i < 64; i++) {
        errno = 0;
        int alive = kill(sh->pids[i], 0) == 0;
        if (alive)
            fprintf(stderr, "worker pid %d still exists after the pool stopped\n", sh->pids[i]);
        CHECK(!alive && errno == ESRCH);
        if (alive)
            kill(sh->pids[i], SIGKILL);
    }
}

/* An idle worker takes the next job: one slow job does not hold the other twenty. */
static void test_dynamic_dispatch(void)
{
    enum { N = 2, FAST = 20, JOBS = FAST + 1 };
    const char *inputs[JOBS];
    struct run r;

    inputs[0] = "slow";
    for (int i = 1; i < JOBS; i++)
        inputs[i] = "fast";
    sh->fast_done = 0;
    sh->fast_target = FAST;
    run_pool(&r, N, inputs, JOBS, 0, NULL);
    check_bookkeeping(&r, N, JOBS, __LINE__);
    CHECK_EQ_INT(oks(&r.c), JOBS);
    if (!r.c.ok[0])
        fprintf(stderr, "slow job: %s\n", r.c.error[0]);
    unsigned a = r.stats[0].jobs, b = r.stats[1].jobs;
    CHECK((a == 1 && b == FAST) || (a == FAST && b == 1));
    /* The slot that shows one job is the one that ran the slow job. */
    CHECK(r.c.no[0] >= 1 && r.c.no[0] <= N && r.stats[r.c.no[0] - 1].jobs == 1);
    collected_release(&r.c);
}

/* Workers that cannot start: every job fails, and the run ends. */
static void test_init_failure(void)
{
    enum { N = 2, JOBS = 40 };
    const char *inputs[JOBS];
    struct run r;

    for (int i = 0; i < JOBS; i++)
        inputs[i] = "ok";
    sh->init_calls = 0;
    run_pool(&r, N, inputs, JOBS, 0, failing_init);
    CHECK_EQ_INT(r.ret, 0);
    CHECK_EQ_INT(r.outcome.completed, JOBS);
    CHECK_EQ_INT(r.outcome.not_started, 0);
    CHECK_EQ_INT(not_once(&r.c), 0);
    CHECK_EQ_INT(oks(&r.c), 0);
    /*
     * Every file fails saying why.  The jobs held by workers that died
     * starting say "worker N could not start"; once POOL_DEATHS_IN_A_ROW
     * workers died in a row the pool gives up and fails the rest with
     * "not processed: workers keep dying", naming the last death.
     */
    size_t could_not = 0, gave_up = 0;
    for (int i = 0; i < JOBS; i++) {
        could_not += strstr(r.c.error[i], "could not start") != NULL;
        gave_up += strstr(r.c.error[i], "not processed: workers keep dying") != NULL;
    }
    CHECK_EQ_INT(could_not, JOBS);
    CHECK_EQ_INT(r.outcome.gave_up, 1);
    CHECK(strstr(r.outcome.gave_up_reason, "in a row with no file finished") != NULL);
    /* Workers starting when the limit is reached may add a death each: N - 1 more. */
    enum { MOST_STARTS = POOL_DEATHS_IN_A_ROW + N - 1 };
    if (gave_up < JOBS - MOST_STARTS)
        fprintf(stderr, "init failure: job 0 says \"%s\", job %d says \"%s\"\n", r.c.error[0],
                JOBS - 1, r.c.error[JOBS - 1]);
    CHECK(gave_up >= JOBS - MOST_STARTS);
    /* The pool gives up on starting workers instead of forking one per file. */
    int calls = load(&sh->init_calls);
    if (calls > MOST_STARTS)
        fprintf(stderr, "init failure: %d workers were started for %d jobs\n", calls, JOBS);
    CHECK(calls <= MOST_STARTS);
    collected_release(&r.c);
}

/* Edge sizes: no jobs at all, and more workers than jobs. */
static void test_edges(void)
{
    struct run r;
    static const char *two[] = {"ok", "ok"};

    sh->init_calls = 0;
    run_pool(&r, 4, two, 0, 0, counting_init);
    CHECK_EQ_INT(r.ret, 0);
    CHECK_EQ_INT(r.outcome.completed, 0);
    CHECK_EQ_INT(r.outcome.not_started, 0);
    collected_release(&r.c);

    run_pool(&r, 4, two, 2, 0, counting_init);
    check_bookkeeping(&r, 4, 2, __LINE__);
    CHECK_EQ_INT(oks(&r.c), 2);
    collected_release(&r.c);

    run_pool(&r, 1, two, 2, 0, NULL);
    check_bookkeeping(&r, 1, 2, __LINE__);
    CHECK_EQ_INT(oks(&r.c), 2);
    CHECK_EQ_INT(r.c.no[0], 1);
    CHECK_EQ_INT(r.c.no[1], 1);
    CHECK_EQ_INT(r.stats[0].jobs, 2);
    CHECK(r.c.in_w[0] == r.c.in_w[1]); /* one worker did both */
    collected_release(&r.c);
}

static void test_signal_names(void)
{
    CHECK_EQ_STR(pool_signal_name(SIGSEGV), "SIGSEGV");
    CHECK_EQ_STR(pool_signal_name(SIGKILL), "SIGKILL");
    CHECK_EQ_STR(pool_signal_name(SIGABRT), "SIGABRT");
    CHECK_EQ_STR(pool_signal_name(77), "signal 77");
}

int main(void)
{
    /* Crashing workers must not write core files (or wait for a crash reporter). */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    /* If the pool hangs, die loudly instead of waiting for ctest's timeout. */
    alarm(150);

    sh = shared_alloc(sizeof(*sh));
    memset(sh, 0, sizeof(*sh));

    test_signal_names();
    test_parallel_exact_n();
    test_crashes();
    test_many_jobs();
    test_jobs_asked_for();
    test_no_fd_leak();
    test_timeout();
    test_sigterm();
    test_dynamic_dispatch();
    test_edges();
    test_init_failure();
    return check_summary();
}
