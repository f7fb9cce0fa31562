/*
 * pool: fork, pipes, ppoll, respawn and shutdown; see include/pool/pool.h.
 *
 * The master keeps a slot table, one entry per worker: its pid, the write
 * end of its job pipe, the non-blocking read end of its result pipe with an
 * incremental frame decoder, and the job it holds.  A slot is FREE (no
 * process), IDLE (waiting for a job) or BUSY (holding one).  A worker the
 * master has killed is marked exiting: it may still deliver a result it
 * wrote just before the kill, but it is never sent another job.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGCHLD are blocked for the whole run and
 * unblocked only inside ppoll(), as GNU make does, so a signal can never
 * slip in between a check of the flags and the wait.  Handlers only count.
 * Workers ignore the stop signals (a terminal's Ctrl-C reaches the whole
 * process group): the master decides when a worker stops, so a first
 * Ctrl-C lets the files in flight land, and a second kills at once.
 * A worker's death is noticed as end of file on its result pipe (every
 * other copy of that pipe's write end is closed), and then reaped.
 */
#include "pool/pool.h"
#include "base/diag.h"
#include "base/xio.h"
#include "pool/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum slot_state { SLOT_FREE, SLOT_IDLE, SLOT_BUSY };

struct slot {
    int no;
    enum slot_state state;
    pid_t pid;
    int job_fd;    /* master writes jobs here */
    int result_fd; /* master reads results here, non-blocking */
    struct frame_decoder decoder;
    size_t job;              /* valid when BUSY */
    uint32_t noutputs;       /* the job's outputs: a result may speak of no more */
    long long started_usec;  /* when the job was sent */
    long long released_usec; /* when it was told to exit after its last job; 0: not */
    int exiting;             /* killed or told to stop: no more jobs, whatever it says */
    int broke_protocol;      /* killed for an unreadable message: its death still counts */
    unsigned spawns;         /* processes started in this slot */
    char kill_reason[256];   /* set when the master killed it on purpose */
    int timed_out;           /* killed for holding its job past the timeout */
};

/* The signals a run handles (signal_table, below). */
#define NHANDLED 5

/* What a run changes in the process's signal handling, to put back at its end. */
struct signal_state {
    sigset_t orig_mask; /* the mask before the run: workers start with it */
    sigset_t wait_mask; /* the mask inside ppoll: the handled signals let through */
    struct sigaction old[NHANDLED];
    size_t installed; /* entries of old[] to restore */
};

struct pool {
    const struct pool_config *cfg;
    const struct pool_job *jobs; /* NULL: cfg->job_at gives each as it is sent */
    size_t njobs;
    size_t next_job;
    size_t *retry; /* jobs sent to a worker that died without reading them */
    size_t nretry;
    struct slot *slots;
    int nslots; /* slots in use: cfg->workers, or fewer (see start_workers) */
    struct pool_worker_stats *stats;
    struct pool_outcome *outcome;
    int stopping;           /* no more dispatch: a signal, or workers keep dying */
    long long stop_started; /* when stopping began: the grace period runs from here */
    int deaths_in_a_row;    /* worker deaths (or failed forks) since a job last finished */
    int death_limit;
    char last_death[256];
    char spawn_error[256]; /* why the last slot_spawn failed */
    long long last_tick;   /* when on_tick last ran */
    int killed_at_once;    /* a second stop signal has killed the busy workers */
    struct pollfd *pfd;    /* the result pipes ppoll watches... */
    struct slot **polled;  /* ...and whose they are */
    struct signal_state signals;
};

/* Stop signals received (the first stops dispatch, the second kills), and the last. */
static volatile sig_atomic_t stop_signals;
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    stop_signals++;
}

void pool_request_stop(int sig)
{
    if (stop_signals == 0) {
        stop_signal = sig;
        stop_signals = 1;
    }
}

static void on_child_signal(int sig)
{
    (void)sig; /* only there to interrupt ppoll(); reaping happens on EOF */
}

const char *pool_signal_name(int sig)
{
    static char buf[32];
    const char *abbrev = sigabbrev_np(sig);

    if (abbrev)
        snprintf(buf, sizeof(buf), "SIG%s", abbrev);
    else
        snprintf(buf, sizeof(buf), "signal %d", sig);
    return buf;
}

/* The worker side: read jobs until the pipe closes. */
/*
 * Whether the master has died: a worker's parent is the master until then.
 * A process closes its descriptors before its children are handed to a new
 * parent, so a worker that sees the job pipe close may look a moment too
 * early: it looks once more after 2 ms.
 */
static int master_gone(pid_t master)
{
    struct timespec moment = {0, 2 * 1000 * 1000};

    if (getppid() != master)
        return 1;
    nanosleep(&moment, NULL);
    return getppid() != master;
}

static void worker_loop(const struct pool_config *cfg, int in_fd, int out_fd)
{
    struct bytebuf inbuf = {0};
    struct bytebuf outbuf = {0};
    struct job_request last = {0};
    struct job_result last_res;
    int have_last = 0;
    pid_t master = getppid();

    for (;;) {
        struct frame f;
        struct job_request req;
        enum frame_status st = frame_read_blocking(in_fd, &inbuf, &f);

        if (st == FRAME_EOF) {
            /*
             * A result written into the pipe is not yet taken: a master
             * killed before it read and renamed it leaves the output under
             * its temporary name, which nobody else will remove.
             */
            if (have_last && cfg->undelivered && master_gone(master))
                cfg->undelivered(cfg->ctx, &last, &last_res);
            break;
        }
        if (st != FRAME_OK || f.type != MSG_JOB || job_request_decode(f.body, f.body_len, &req))
            _exit(POOL_EXIT_PROTOCOL);
        if (have_last)
            job_request_release(&last);
        have_last = 0;

        struct job_result res;
        memset(&res, 0, sizeof(res));
        res.id = req.id;
        res.ok = 1;
        long long t0 = now_usec();
        cfg->work(cfg->ctx, &req, &res);
        res.usec = (uint64_t)(now_usec() - t0);
        res.id = req.id; /* the job function may not change whose result this is */
        if (!res.ok && !res.error[0])
            snprintf(res.error, sizeof(res.error), "failed for an unknown reason");

        outbuf.len = 0;
        job_result_encode(&outbuf, &res);
        /* EPIPE: the master is gone, and nobody will take this result. */
        int delivered = write_in_full(out_fd, outbuf.data, outbuf.len) >= 0;
        if (!delivered) {
            if (cfg->undelivered)
                cfg->undelivered(cfg->ctx, &req, &res);
            job_request_release(&req);
            break; /* and end as after the last job: fini tidies up */
        }
        last = req; /* kept until the master takes another job or goes */
        last_res = res;
        have_last = 1;
    }
    if (have_last)
        job_request_release(&last);
    if (cfg->fini)
        cfg->fini(cfg->ctx);
    _exit(0);
}

static void reset_child_signals(const sigset_t *orig_mask)
{
    struct sigaction dfl;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, NULL);
    /*
     * A terminal's Ctrl-C (and a supervisor's SIGTERM to the whole group)
     * reaches the workers too.  They leave stopping to the master, which
     * lets them finish the file in hand or kills them with SIGKILL.
     */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* A write to a dead master must be EPIPE, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, orig_mask, NULL);
}

/*
 * Counts a worker that died, or could not be started, with no job finished
 * since the last such death.  Past the limit the pool gives up (see
 * give_up, run from the main loop).
 */
static void count_death(struct pool *p, const char *why)
{
    p->deaths_in_a_row++;
    snprintf(p->last_death, sizeof(p->last_death), "%s", why);
}

/*
 * A worker that could not be started: undoes what was made and keeps the
 * reason in p->spawn_error.  The caller decides what it means: at start,
 * a smaller pool (see start_workers); later, a death (see dispatch).
 */
static int spawn_failed(struct pool *p, struct slot *s, const char *what, int *fds, int nfds)
{
    int err = errno;

    for (int i = 0; i < nfds; i++)
        close_quietly(fds[i]);
    snprintf(p->spawn_error, sizeof(p->spawn_error), "%s for worker %d: %s", what, s->no,
             strerror(err));
    return -1;
}

/*
 * In a new worker: caps its data segment and private mappings, which is
 * where decoded pixels live, so that a file too big for the limit makes
 * an allocation fail in this worker instead of pushing the machine into
 * swap.  RLIMIT_DATA rather than RLIMIT_AS: address space also counts
 * shared libraries and the untouched reservations of malloc's arenas,
 * which cost no memory and would make any limit a guess.
 */
static void limit_memory(const struct pool_config *cfg, int no)
{
    struct rlimit lim;

    if (cfg->memory_limit_bytes <= 0)
        return;
    lim.rlim_cur = lim.rlim_max = (rlim_t)cfg->memory_limit_bytes;
    if (setrlimit(RLIMIT_DATA, &lim) < 0) {
        diag_errno("worker %d: setrlimit(RLIMIT_DATA)", no);
        _exit(POOL_EXIT_INIT_FAILED);
    }
}

static int slot_spawn(struct pool *p, struct slot *s, const sigset_t *orig_mask)
{
    int fds[4]; /* job read, job write, result read, result write */

    if (pipe2(fds, O_CLOEXEC) < 0)
        return spawn_failed(p, s, "pipe", fds, 0);
    if (pipe2(fds + 2, O_CLOEXEC) < 0)
        return spawn_failed(p, s, "pipe", fds, 2);
    int job_pipe[2] = {fds[0], fds[1]}, result_pipe[2] = {fds[2], fds[3]};

    fflush(NULL); /* or the child would print the master's buffered output again */
    pid_t pid = fork();
    if (pid < 0)
        return spawn_failed(p, s, "fork", fds, 4);
    if (pid == 0) {
        /*
         * Forked without exec, so O_CLOEXEC does not help: close the master's
         * ends of every sibling's pipes by hand, or a sibling's death would
         * never show as end of file while this worker lives.
         */
        for (int i = 0; i < p->nslots; i++) {
            if (p->slots[i].state == SLOT_FREE)
                continue;
            close(p->slots[i].job_fd);
            close(p->slots[i].result_fd);
        }
        close(job_pipe[1]);
        close(result_pipe[0]);
        reset_child_signals(orig_mask);
        /*
         * init (the image engine's code) before the memory limit: the limit
         * is for what a file costs, and a sanitizer's own mappings for the
         * code it loads would not fit a small one.
         */
        if (p->cfg->init && p->cfg->init(p->cfg->ctx) != 0)
            _exit(POOL_EXIT_INIT_FAILED);
        limit_memory(p->cfg, s->no);
        worker_loop(p->cfg, job_pipe[0], result_pipe[1]);
        _exit(0); /* not reached */
    }

    close(job_pipe[0]);
    close(result_pipe[1]);
    if (fcntl(result_pipe[0], F_SETFL, O_NONBLOCK) < 0) {
        /* Cannot happen on a fresh pipe; a blocking read would still work, slowly. */
        diag_errno("fcntl(O_NONBLOCK)");
    }
    if (s->spawns++ > 0)
        p->stats[s->no - 1].respawns++;
    s->pid = pid;
    s->job_fd = job_pipe[1];
    s->result_fd = result_pipe[0];
    s->state = SLOT_IDLE;
    s->exiting = 0;
    s->released_usec = 0;
    s->broke_protocol = 0;
    s->timed_out = 0;
    s->kill_reason[0] = '\0';
    frame_decoder_init(&s->decoder);
    return 0;
}

static void deliver(struct pool *p, struct slot *s, const struct job_result *res, int died)
{
    struct pool_worker_info info = {s->no, s->pid, died};
    struct pool_worker_stats *st = &p->stats[s->no - 1];

    st->jobs++;
    st->busy_usec += now_usec() - s->started_usec;
    p->outcome->completed++;
    s->state = SLOT_IDLE;
    p->cfg->on_result(p->cfg->result_ctx, s->job, res, &info);
}

/* Signals a worker dies of when an allocation fails (GLib's g_error traps). */
static int allocation_death(int sig)
{
    return sig == SIGABRT || sig == SIGSEGV || sig == SIGBUS || sig == SIGTRAP;
}

/* Describes how a worker ended, for the failure of the job it held. */
static void describe_death(const struct pool *p, const struct slot *s, int status, char *buf,
                           size_t len)
{
    long long limit_mb = p->cfg->memory_limit_bytes / (1024 * 1024);

    if (s->kill_reason[0])
        snprintf(buf, len, "%s", s->kill_reason);
    else if (WIFSIGNALED(status) && limit_mb > 0 && allocation_death(WTERMSIG(status)))
        snprintf(buf, len, "worker %d died: %s (out of memory? the limit is %lld MB)", s->no,
                 pool_signal_name(WTERMSIG(status)), limit_mb);
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "worker %d died: %s", s->no, pool_signal_name(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == POOL_EXIT_INIT_FAILED)
        snprintf(buf, len, "worker %d could not start (image library failed to initialise)", s->no);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == POOL_EXIT_PROTOCOL)
        snprintf(buf, len, "worker %d broke the protocol: it could not read the job it was sent",
                 s->no);
    else if (WIFEXITED(status))
        snprintf(buf, len, "worker %d exited with status %d", s->no, WEXITSTATUS(status));
    else
        snprintf(buf, len, "worker %d ended", s->no);
}

/* Workers died often enough in a row that the pool must give up. */
static int keeps_dying(const struct pool *p)
{
    return p->deaths_in_a_row >= p->death_limit;
}

static int jobs_waiting(const struct pool *p)
{
    return p->nretry > 0 || p->next_job < p->njobs;
}

/* The next job to send: one given back first, then the next in order. */
static size_t take_job(struct pool *p)
{
    return p->nretry > 0 ? p->retry[--p->nretry] : p->next_job++;
}

/*
 * A job whose worker died before reading it was never started: it goes
 * back to be sent again, instead of failing for a death that was not its
 * doing (a worker killed right after its previous result).
 */
static void give_back(struct pool *p, size_t job)
{
    p->retry[p->nretry++] = job;
}

/* 1 if the job frame sent to s still sits unread in its job pipe. */
static int job_unread(const struct slot *s)
{
    int queued = 0;

    return s->job_fd >= 0 && ioctl(s->job_fd, FIONREAD, &queued) == 0 && queued > 0;
}

/* Reaps a worker whose result pipe ended, fails its job, frees the slot. */
static void slot_reap(struct pool *p, struct slot *s)
{
    int status = 0;
    pid_t r;
    /* Told to exit (its job pipe closed) while holding no job: an orderly end. */
    int released = s->job_fd < 0 && s->state != SLOT_BUSY;

    if (s->state == SLOT_BUSY && job_unread(s)) {
        give_back(p, s->job);
        s->state = SLOT_IDLE;
    }

    close_quietly(s->job_fd);
    close_quietly(s->result_fd);
    frame_decoder_release(&s->decoder);
    do
        r = waitpid(s->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        diag_errno("waitpid(worker %d)", s->no);

    char why[256];
    describe_death(p, s, status, why, sizeof(why));

    /*
     * Every death the master did not cause counts, on a file or not: a
     * crash on one file is that file's fault, but crash after crash with
     * nothing finishing in between is the pool's, and is counted until it
     * gives up.  A worker killed on purpose (timeout, stop) does not count;
     * one killed for breaking the protocol does: it is as broken as one
     * that crashed, and a replacement will most likely break it again.
     */
    int orderly = released && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!orderly && (!s->kill_reason[0] || s->broke_protocol))
        count_death(p, why);
    if (s->state == SLOT_BUSY) {
        struct job_result res;
        memset(&res, 0, sizeof(res));
        res.id = (uint32_t)s->job;
        job_result_fail(&res, "%s", why);
        /*
         * The file's own doing: a decoder that hung on it past the timeout.
         * Not a crash: a worker also dies of an image library that cannot
         * start, of the kernel's out-of-memory killer or of an allocation
         * the machine refused, none of which is the file's, and the pool
         * cannot tell those from a decoder crashing on it.
         */
        res.input_fault = s->timed_out;
        deliver(p, s, &res, 1);
    }
    s->state = SLOT_FREE;
    s->pid = 0;
    s->job_fd = s->result_fd = -1;
}

/* Sends sig to a worker; one that is already gone (ESRCH) is no error. */
static void signal_worker(const struct slot *s, int sig)
{
    if (kill(s->pid, sig) < 0 && errno != ESRCH)
        diag_errno("kill(worker %d, %s)", s->no, pool_signal_name(sig));
}

/*
 * Kills a worker on purpose; its death is reported with reason (NULL: the
 * reason already set, e.g. by a protocol error).  It is
 * exiting from now on: a result it wrote just before the kill is still
 * taken, but no job is sent to it again.
 */
static void slot_kill(struct slot *s, const char *reason)
{
    if (reason && !s->kill_reason[0])
        snprintf(s->kill_reason, sizeof(s->kill_reason), "%s", reason);
    s->exiting = 1;
    signal_worker(s, SIGKILL);
}

/* Sends the next job to an idle worker; a write error means the worker died. */
static void slot_dispatch(struct pool *p, struct slot *s)
{
    struct bytebuf out = {0};
    size_t j = take_job(p);
    struct pool_job made;
    const struct pool_job *job = p->jobs ? &p->jobs[j] : &made;

    if (!p->jobs)
        p->cfg->job_at(p->cfg->job_ctx, j, &made);
    job_request_encode(&out, (uint32_t)j, job->input, job->root, job->outputs, job->noutputs);
    s->state = SLOT_BUSY;
    s->job = j;
    s->noutputs = job->noutputs;
    s->started_usec = now_usec();
    /*
     * The job pipe is empty (the worker answered its last job), and a job
     * frame is kept below the pipe's capacity (its caller bounds its paths),
     * so this blocking write returns at once; a larger one would wait only
     * for the idle worker to read it.  EPIPE: the worker is gone; its EOF
     * is seen in the poll loop.
     */
    if (write_in_full(s->job_fd, out.data, out.len) < 0) {
        if (errno != EPIPE)
            diag_errno("sending a job to worker %d", s->no);
        give_back(p, j);
        s->state = SLOT_IDLE;
        s->exiting = 1; /* it is dead or broken: no more jobs for it */
    }
    bytebuf_release(&out);
}

/* Handles the frames a worker sent; returns -1 on a protocol error. */
static int slot_take_frames(struct pool *p, struct slot *s, int at_eof)
{
    for (;;) {
        struct frame f;
        struct job_result res;
        enum frame_status st = frame_decoder_next(&s->decoder, &f, at_eof);

        if (st == FRAME_MORE || st == FRAME_EOF)
            return 0;
        if (st != FRAME_OK) {
            snprintf(s->kill_reason, sizeof(s->kill_reason), "worker %d broke the protocol: %s",
                     s->no, frame_status_str(st));
            s->broke_protocol = 1;
            return -1;
        }
        /* A result speaks of no more outputs than its job has. */
        if (f.type != MSG_RESULT || job_result_decode(f.body, f.body_len, &res) ||
            s->state != SLOT_BUSY || res.id != (uint32_t)s->job || res.noutputs > s->noutputs) {
            snprintf(s->kill_reason, sizeof(s->kill_reason),
                     "worker %d broke the protocol: unexpected message", s->no);
            s->broke_protocol = 1;
            return -1;
        }
        p->deaths_in_a_row = 0;
        deliver(p, s, &res, 0);
    }
}

/* Reads what a worker sent; reaps it at end of file. */
static void slot_read(struct pool *p, struct slot *s)
{
    uint8_t buf[65536];
    ssize_t n = read(s->result_fd, buf, sizeof(buf));

    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        diag_errno("reading from worker %d", s->no);
        n = 0; /* treat as end of file: the pipe is unusable */
    }
    if (n > 0) {
        frame_decoder_feed(&s->decoder, buf, (size_t)n);
        if (slot_take_frames(p, s, 0) < 0)
            slot_kill(s, NULL); /* its EOF comes next, and the reap */
        return;
    }
    /* A protocol error here becomes the reason given for the death. */
    slot_take_frames(p, s, 1);
    slot_reap(p, s);
}

static int live_workers(const struct pool *p)
{
    int n = 0;

    for (int i = 0; i < p->nslots; i++)
        n += p->slots[i].state != SLOT_FREE;
    return n;
}

/* Whether s was told to exit after its last job and has not, and no kill is on its way. */
static int lingering(const struct slot *s)
{
    return s->state == SLOT_IDLE && s->released_usec && !s->kill_reason[0];
}

/*
 * When s must be gone by, in microseconds: the --timeout of the job it
 * holds, or the exit grace of a worker released after its last job; -1
 * for none.
 */
static long long slot_deadline(const struct pool *p, const struct slot *s)
{
    if (s->state == SLOT_BUSY && !s->exiting && p->cfg->job_timeout_ms > 0)
        return s->started_usec + p->cfg->job_timeout_ms * 1000LL;
    if (lingering(s))
        return s->released_usec + POOL_EXIT_GRACE_MS * 1000LL;
    return -1;
}

/* Milliseconds until the first worker's deadline, or -1 for none. */
static long long next_deadline_ms(const struct pool *p, long long now)
{
    long long best = -1;

    for (int i = 0; i < p->nslots; i++) {
        long long deadline = slot_deadline(p, &p->slots[i]);
        if (deadline < 0)
            continue;
        /* Rounded up: waking a little late is fine, spinning on ppoll(0) is not. */
        long long left = (deadline - now + 999) / 1000;
        if (left < 0)
            left = 0;
        if (best < 0 || left < best)
            best = left;
    }
    return best;
}

/*
 * Kills the workers past their deadline: a job past --timeout fails, and a
 * worker stuck on its way out after its last job is said so (no file is
 * lost: it held none).
 */
static void kill_overdue(struct pool *p, long long now)
{
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        long long deadline = slot_deadline(p, s);
        if (deadline < 0 || now < deadline)
            continue;
        if (lingering(s)) {
            diag("worker %d had not exited %g s after its last file: killed", s->no,
                 POOL_EXIT_GRACE_MS / 1000.0);
            slot_kill(s, "killed after its last file: it did not exit");
            continue;
        }
        char why[256];
        snprintf(why, sizeof(why), "timed out after %g s (worker %d killed)",
                 p->cfg->job_timeout_ms / 1000.0, s->no);
        s->timed_out = !s->kill_reason[0];
        slot_kill(s, why);
    }
}

/*
 * Begins a stop: no job is sent any more; idle workers see their job pipe
 * close and exit; busy ones finish the file in hand within the grace
 * period (see escalate), and a result they send is taken as usual.
 */
static void begin_stop(struct pool *p)
{
    p->stopping = 1;
    p->stop_started = now_usec();
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        if (s->state == SLOT_FREE)
            continue;
        close_quietly(s->job_fd);
        s->job_fd = -1;
        s->exiting = 1;
    }
}

/* Gives every live worker work, replacing dead ones while work remains. */
static void dispatch(struct pool *p, const sigset_t *orig_mask)
{
    for (int i = 0; i < p->nslots && !p->stopping; i++) {
        struct slot *s = &p->slots[i];
        if (!jobs_waiting(p) || keeps_dying(p))
            break;
        /* A replacement that cannot be started counts as a death. */
        if (s->state == SLOT_FREE && slot_spawn(p, s, orig_mask) < 0) {
            diag("%s", p->spawn_error);
            count_death(p, p->spawn_error);
            continue;
        }
        if (s->state == SLOT_IDLE && !s->exiting)
            slot_dispatch(p, s);
    }
}

/*
 * Idle workers with nothing left to do are told to exit by closing their
 * job pipe.  They are exiting from then on: a job given back later (its
 * worker died before reading it) must wait for a fresh worker, not be
 * written to a closed pipe.
 */
static void release_idle(struct pool *p)
{
    if (jobs_waiting(p))
        return;
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        if (s->state == SLOT_IDLE && !s->exiting && s->job_fd >= 0) {
            close_quietly(s->job_fd);
            s->job_fd = -1;
            s->exiting = 1;
            s->released_usec = now_usec();
        }
    }
}

static long long grace_ms(const struct pool_config *cfg)
{
    return cfg->shutdown_grace_ms > 0 ? cfg->shutdown_grace_ms : POOL_DEFAULT_GRACE_MS;
}

/*
 * Once stopping, kills the workers still busy when the grace period is
 * over, or at once (now set) after a second signal.  Their files fail
 * with why.
 */
static void escalate(struct pool *p, int now, const char *why)
{
    if (!now && now_usec() - p->stop_started < grace_ms(p->cfg) * 1000LL)
        return;
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        if (s->state == SLOT_BUSY && !s->kill_reason[0])
            slot_kill(s, why);
        else if (s->state != SLOT_FREE)
            signal_worker(s, SIGKILL);
    }
}

/*
 * Starts the whole pool up front: the pool is the parallelism.  When the
 * system will not give another worker (no descriptors left for its pipes
 * under a low ulimit -n, no process under a process limit), the pool goes
 * on with the workers it has and says so once: trying the missing slots
 * again would fail the same way, once per job, and print a line each time.
 * Returns how many started; with none, the run cannot be done at all.
 */
static int start_workers(struct pool *p, const sigset_t *orig_mask)
{
    int want = p->cfg->workers;

    for (int i = 0; i < want; i++) {
        p->nslots = i + 1; /* the new worker closes the pipes of slots before it */
        if (slot_spawn(p, &p->slots[i], orig_mask) == 0)
            continue;
        p->nslots = i;
        if (i == 0)
            diag("cannot start any worker: %s", p->spawn_error);
        else
            diag("started %d of %d workers, going on with them: %s", i, want, p->spawn_error);
        break;
    }
    return p->nslots;
}

/*
 * The signals the master handles during a run, and how: one table for the
 * handlers, the mask that blocks them outside ppoll(), and their restoring.
 * SIGPIPE is ignored instead, so a reader gone away is an EPIPE the report
 * sees (and is never blocked, so a write cannot hang on it).
 */
static const struct {
    int sig;
    void (*handler)(int);
    int flags;
} signal_table[] = {
    {SIGINT, on_stop_signal, 0}, {SIGTERM, on_stop_signal, 0},
    {SIGHUP, on_stop_signal, 0}, {SIGCHLD, on_child_signal, SA_NOCLDSTOP},
    {SIGPIPE, SIG_IGN, 0},
};
_Static_assert(sizeof(signal_table) / sizeof(signal_table[0]) == NHANDLED,
               "struct signal_state keeps one old action per entry of signal_table");

static void restore_signals(const struct signal_state *ss)
{
    for (size_t i = 0; i < ss->installed; i++)
        sigaction(signal_table[i].sig, &ss->old[i], NULL);
    sigprocmask(SIG_SETMASK, &ss->orig_mask, NULL);
}

/*
 * Blocks the handled signals (but SIGPIPE) and installs the handlers; the
 * loop lets them through only inside ppoll(), as nginx does, so none is
 * missed between a check and the wait.  Returns 0, or -1 with nothing
 * changed and the reason on stderr.
 */
static int take_signals(struct signal_state *ss)
{
    sigset_t block;

    sigemptyset(&block);
    for (size_t i = 0; i < NHANDLED; i++)
        if (signal_table[i].handler != SIG_IGN)
            sigaddset(&block, signal_table[i].sig);
    ss->installed = 0;
    if (sigprocmask(SIG_BLOCK, &block, &ss->orig_mask) < 0) {
        diag_errno("sigprocmask");
        return -1;
    }
    stop_signals = 0;
    stop_signal = 0;
    for (size_t i = 0; i < NHANDLED; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = signal_table[i].handler;
        sa.sa_flags = signal_table[i].flags;
        if (sigaction(signal_table[i].sig, &sa, &ss->old[i]) < 0) {
            diag_errno("sigaction %s", pool_signal_name(signal_table[i].sig));
            restore_signals(ss);
            return -1;
        }
        ss->installed = i + 1;
    }
    ss->wait_mask = ss->orig_mask;
    for (size_t i = 0; i < NHANDLED; i++)
        sigdelset(&ss->wait_mask, signal_table[i].sig);
    return 0;
}

/*
 * Workers keep dying: stop as for a signal, and fail every job never sent
 * with the reason, so that each file still gets its line.
 */
static void give_up(struct pool *p)
{
    struct pool_outcome *o = p->outcome;

    o->gave_up = 1;
    snprintf(o->gave_up_reason, sizeof(o->gave_up_reason),
             "workers keep dying: %d in a row with no file finished (last: %s)", p->deaths_in_a_row,
             p->last_death);
    begin_stop(p);
    /*
     * The give-up is the first stop: a stop signal from now on is a second
     * one and kills the busy workers at once, and pool_request_stop, which
     * only starts a stop, is ignored.  Signals are blocked here, so the
     * handler cannot count at the same time.
     */
    if (stop_signals == 0)
        stop_signals = 1;
    while (jobs_waiting(p)) {
        struct job_result res;
        size_t j = take_job(p);
        struct pool_worker_info info = {0, 0, 0};

        memset(&res, 0, sizeof(res));
        res.id = (uint32_t)j;
        job_result_fail(&res, "not processed: %s", o->gave_up_reason);
        o->completed++;
        p->cfg->on_result(p->cfg->result_ctx, j, &res, &info);
    }
}

/* The reason given for a file whose worker was stopped before it finished. */
static void stop_reason(const struct pool *p, int second, char *buf, size_t len)
{
    if (p->outcome->signal && second)
        snprintf(buf, len, "interrupted by a second %s", pool_signal_name(p->outcome->signal));
    else if (second)
        snprintf(buf, len, "interrupted by %s after the pool gave up (workers keep dying)",
                 pool_signal_name(stop_signal));
    else if (p->outcome->signal)
        snprintf(buf, len, "interrupted by %s (still running after the %.0f s grace period)",
                 pool_signal_name(p->outcome->signal), grace_ms(p->cfg) / 1000.0);
    else
        snprintf(buf, len, "stopped: workers keep dying");
}

/*
 * How long ppoll may sleep: until the next job deadline, the end of the
 * grace period, or the next tick.
 */
static struct timespec *poll_timeout(const struct pool *p, struct timespec *ts)
{
    long long now = now_usec();
    long long wait_ms = next_deadline_ms(p, now);

    if (p->cfg->on_tick && p->cfg->tick_ms > 0) {
        long long left = p->cfg->tick_ms - (now - p->last_tick) / 1000;
        if (left < 1)
            left = 1;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left;
    }

    if (p->stopping) {
        long long left = grace_ms(p->cfg) - (now - p->stop_started) / 1000;
        if (left < 10)
            left = 10;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left;
    }
    if (wait_ms < 0)
        return NULL;
    ts->tv_sec = wait_ms / 1000;
    ts->tv_nsec = (wait_ms % 1000) * 1000000L;
    return ts;
}

/* Fills p for a run and allocates its tables; -1 if memory is short (said on stderr). */
static int pool_setup(struct pool *p, const struct pool_config *cfg, const struct pool_job *jobs,
                      size_t njobs, struct pool_worker_stats *stats, struct pool_outcome *outcome)
{
    memset(p, 0, sizeof(*p));
    memset(outcome, 0, sizeof(*outcome));
    memset(stats, 0, sizeof(*stats) * (size_t)cfg->workers);
    p->cfg = cfg;
    p->jobs = jobs;
    p->njobs = njobs;
    p->stats = stats;
    p->outcome = outcome;
    p->death_limit = cfg->max_deaths_in_a_row > 0 ? cfg->max_deaths_in_a_row : POOL_DEATHS_IN_A_ROW;
    if (cfg->max_deaths_in_a_row <= 0 && p->death_limit < 2 * cfg->workers)
        p->death_limit = 2 * cfg->workers;
    p->slots = calloc((size_t)cfg->workers, sizeof(*p->slots));
    /*
     * Only a job a worker held is given back, and a new job is sent only
     * when none waits there: the jobs given back and the busy workers
     * together never outnumber the workers, which is room enough.
     */
    p->retry = calloc(cfg->workers > 0 ? (size_t)cfg->workers : 1, sizeof(*p->retry));
    p->pfd = calloc((size_t)cfg->workers, sizeof(*p->pfd));
    p->polled = calloc((size_t)cfg->workers, sizeof(*p->polled));
    if (!p->slots || !p->retry || !p->pfd || !p->polled) {
        diag("out of memory");
        return -1;
    }
    for (int i = 0; i < cfg->workers; i++) {
        p->slots[i].no = i + 1;
        p->slots[i].job_fd = p->slots[i].result_fd = -1;
    }
    return 0;
}

/* A stop signal arrived: the first stops dispatch, the second kills the busy workers. */
static void act_on_signals(struct pool *p)
{
    struct pool_outcome *o = p->outcome;

    if (stop_signals > 0 && !o->signal && !o->gave_up) {
        o->signal = stop_signal;
        begin_stop(p);
    }
    if (stop_signals > 1 && (o->signal || o->gave_up) && !p->killed_at_once) {
        char why[256];
        p->killed_at_once = 1;
        stop_reason(p, 1, why, sizeof(why));
        escalate(p, 1, why);
    }
}

/*
 * No worker is alive: 1 when the run is over; else 0, after waiting a
 * moment when fork failed for every slot (signals let through meanwhile).
 */
static int none_alive(struct pool *p)
{
    if (p->stopping || !jobs_waiting(p))
        return 1;
    if (!keeps_dying(p)) {
        struct timespec backoff = {0, 100 * 1000 * 1000};
        ppoll(NULL, 0, &backoff, &p->signals.wait_mask);
    }
    return 0; /* give_up runs on the next turn when they keep dying */
}

/* Waits for results, a deadline or a signal, and reads what arrived; -1 if ppoll fails. */
static int wait_and_read(struct pool *p)
{
    int n = 0;

    for (int i = 0; i < p->nslots; i++) {
        if (p->slots[i].state == SLOT_FREE)
            continue;
        p->pfd[n].fd = p->slots[i].result_fd;
        p->pfd[n].events = POLLIN;
        p->pfd[n].revents = 0;
        p->polled[n++] = &p->slots[i];
    }
    struct timespec ts;
    int r = ppoll(p->pfd, (nfds_t)n, poll_timeout(p, &ts), &p->signals.wait_mask);
    if (r < 0 && errno != EINTR) {
        diag_errno("ppoll");
        return -1;
    }
    for (int i = 0; r > 0 && i < n; i++)
        if (p->pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
            slot_read(p, p->polled[i]);
    return 0;
}

/* After each wait: jobs past --timeout, the progress tick, the end of the grace period. */
static void keep_time(struct pool *p)
{
    const struct pool_config *cfg = p->cfg;

    kill_overdue(p, now_usec());
    if (cfg->on_tick && cfg->tick_ms > 0 && now_usec() - p->last_tick >= cfg->tick_ms * 1000LL) {
        p->last_tick = now_usec();
        cfg->on_tick(cfg->result_ctx);
    }
    if (p->stopping) {
        char why[256];
        stop_reason(p, 0, why, sizeof(why));
        escalate(p, 0, why);
    }
}

/* Whatever happened, no worker outlives the pool; then the tables go and signals are restored. */
static void pool_teardown(struct pool *p, long long start)
{
    for (int i = 0; i < p->nslots; i++) {
        struct slot *s = &p->slots[i];
        if (s->state == SLOT_FREE)
            continue;
        signal_worker(s, SIGKILL);
        if (!s->kill_reason[0])
            snprintf(s->kill_reason, sizeof(s->kill_reason), "interrupted");
        slot_reap(p, s);
    }
    p->outcome->not_started = p->njobs - p->next_job + p->nretry;
    p->outcome->wall_usec = now_usec() - start;
    free(p->pfd);
    free(p->polled);
    free(p->slots);
    free(p->retry);
}

int pool_run(const struct pool_config *cfg, const struct pool_job *jobs, size_t njobs,
             struct pool_worker_stats *stats, struct pool_outcome *outcome)
{
    struct pool p;
    int ret = 0;

    if (pool_setup(&p, cfg, jobs, njobs, stats, outcome) < 0 || take_signals(&p.signals) < 0) {
        free(p.pfd);
        free(p.polled);
        free(p.slots);
        free(p.retry);
        return -1;
    }
    long long start = now_usec();
    p.last_tick = start;
    outcome->workers = start_workers(&p, &p.signals.orig_mask);
    if (outcome->workers == 0)
        ret = -1; /* start_workers said why */

    while (ret == 0) {
        act_on_signals(&p);
        if (!p.stopping && keeps_dying(&p) && jobs_waiting(&p))
            give_up(&p);
        if (!p.stopping) {
            dispatch(&p, &p.signals.orig_mask);
            release_idle(&p);
        }
        if (live_workers(&p) == 0) {
            if (none_alive(&p))
                break;
            continue;
        }
        if (wait_and_read(&p) < 0)
            ret = -1;
        else
            keep_time(&p);
    }

    pool_teardown(&p, start);
    restore_signals(&p.signals);
    return ret;
}
