/* output_lock: fcntl record locks on OUTPUT/.imgbatch.lock or in --state-dir; see output_lock.h. */
#include "output_lock.h"
#include "shard.h"
#include "base/diag.h"
#include "atomic_file.h"
#include "base/beneath.h"
#include "outpath.h"

#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The regions of the file; see output_lock.h. */
#define GATE_BYTE 0
#define SPLIT_BASE 1                             /* byte SPLIT_BASE + N: the runs of --shard K/N */
#define SHARD_BASE (SPLIT_BASE + SHARDS_MAX + 1) /* byte SHARD_BASE + K: shard K */

/* parse_shard keeps N within SHARDS_MAX: the split bytes stop before the shard bytes. */
_Static_assert(SPLIT_BASE > GATE_BYTE && SPLIT_BASE + SHARDS_MAX < SHARD_BASE,
               "the regions of the lock file overlap");

/*
 * The gate is held for a few system calls by a shard run starting; a run
 * that meets it pauses and tries again, this many times (about 2 s), before
 * it takes the holder for one that stopped with the gate held.
 */
#define GATE_TRIES 1000
#define GATE_PAUSE_NS 2000000L

/*
 * --wait=SECONDS waits in the kernel (F_SETLKW) like --wait, and a timer
 * interrupts the wait at the deadline, or sooner, at least this often: a
 * timer that fires just before the wait begins costs one period, never
 * the deadline.
 */
#define WAIT_TICK_USEC 250000LL

/* The next interruption: at the deadline, left usec from now, or one tick if sooner. */
static int arm_wait_timer(long long left)
{
    long long first = left < WAIT_TICK_USEC ? (left > 1000 ? left : 1000) : WAIT_TICK_USEC;
    struct itimerval t = {{0, (suseconds_t)WAIT_TICK_USEC},
                          {(time_t)(first / 1000000), (suseconds_t)(first % 1000000)}};

    return setitimer(ITIMER_REAL, &t, NULL);
}

/* What one try at the lock ended in. */
enum step { STEP_TAKEN, STEP_BUSY, STEP_AGAIN, STEP_ERROR };

struct attempt {
    const struct lock_request *req;
    int fd;
    int wait;
    long long deadline_usec; /* --wait=SECONDS: when to give up (now_usec); 0: never */
    int gate_tries;
    struct lock_holder *holder;
    char *err;
    size_t errlen;
};

static int is_busy(int err)
{
    return err == EAGAIN || err == EACCES;
}

/* A lock of type on [start, start + len) (len 0: to the end), as fcntl takes it. */
static struct flock lock_range(short type, off_t start, off_t len)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fl;
}

/* Sets (or with F_UNLCK clears) a lock on [start, start + len) (len 0: to the end). */
static int set_lock(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = lock_range(type, start, len);

    for (;;) {
        if (fcntl(fd, cmd, &fl) == 0)
            return 0;
        if (errno != EINTR || cmd != F_SETLKW)
            return -1;
    }
}

/*
 * Takes a lock on the range: at once or not at all (-1 with EAGAIN or
 * EACCES), or with --wait, waiting for it, until the deadline if there is
 * one (then -1 with EAGAIN, as if refused at once).
 */
static int take_lock(struct attempt *a, short type, off_t start, off_t len)
{
    struct flock fl = lock_range(type, start, len);

    if (!a->wait)
        return set_lock(a->fd, F_SETLK, type, start, len);
    for (;;) {
        if (fcntl(a->fd, F_SETLKW, &fl) == 0)
            return 0;
        if (errno != EINTR)
            return -1;
        if (!a->deadline_usec)
            continue;
        long long left = a->deadline_usec - now_usec();
        if (left <= 0) {
            errno = EAGAIN;
            return -1;
        }
        (void)arm_wait_timer(left); /* if it fails, the ticks still come */
    }
}

/*
 * 1 with *c set to a lock of another run that a lock of type on the range
 * would conflict with, 0 if there is none, -1 with errno.  Only looks.
 */
static int find_conflict(int fd, short type, off_t start, off_t len, struct flock *c)
{
    *c = lock_range(type, start, len);
    if (fcntl(fd, F_GETLK, c) < 0)
        return -1;
    return c->l_type != F_UNLCK;
}

/* A run of another split than N: a lock on the split bytes other than N's. */
static int find_other_split(int fd, unsigned n, struct flock *c)
{
    int found = 0;

    if (n > 1)
        found = find_conflict(fd, F_WRLCK, SPLIT_BASE + 1, n - 1, c);
    if (found == 0 && n < SHARDS_MAX)
        found = find_conflict(fd, F_WRLCK, SPLIT_BASE + n + 1, SHARDS_MAX - n, c);
    return found;
}

static int is_gate_only(const struct flock *c)
{
    return c->l_start == GATE_BYTE && c->l_len == 1;
}

/* Which run a conflicting lock c belongs to, as far as the locks tell: its pid, K and N. */
static void describe_holder(int fd, const struct flock *c, struct lock_holder *h)
{
    unsigned k = 0, n = 0;
    struct flock more;

    h->pid = c->l_pid;
    if (c->l_len == 1 && c->l_start > SPLIT_BASE && c->l_start <= SPLIT_BASE + SHARDS_MAX)
        n = (unsigned)(c->l_start - SPLIT_BASE);
    if (c->l_len == 1 && c->l_start > SHARD_BASE && c->l_start <= SHARD_BASE + SHARDS_MAX)
        k = (unsigned)(c->l_start - SHARD_BASE);
    /* Only one split holds OUTPUT at a time: any shard or split lock completes the pair. */
    if (n && !k && find_conflict(fd, F_WRLCK, SHARD_BASE + 1, n, &more) == 1 && more.l_len == 1) {
        k = (unsigned)(more.l_start - SHARD_BASE);
        h->pid = more.l_pid;
    }
    if (k && !n && find_conflict(fd, F_WRLCK, SPLIT_BASE + 1, SHARDS_MAX, &more) == 1 &&
        more.l_len == 1)
        n = (unsigned)(more.l_start - SPLIT_BASE);
    if (k && n && k <= n) {
        h->shard_index = k;
        h->shard_count = n;
    }
}

/* Leaves the message in a->err; errno is kept, for the caller's ESTALE check. */
static enum step failed(struct attempt *a, const char *what)
{
    int saved = errno;

    snprintf(a->err, a->errlen, "cannot %s %s/%s: %s", what, a->req->dir, a->req->name,
             strerror(saved));
    errno = saved;
    return STEP_ERROR;
}

/*
 * After a lock was refused: who holds it, or STEP_AGAIN if it has just let
 * go or is a run starting that holds only the gate for a moment.
 */
static enum step refused(struct attempt *a, short type, off_t start, off_t len)
{
    struct flock c;
    int found = find_conflict(a->fd, type, start, len, &c);

    if (found < 0)
        return failed(a, "lock");
    if (!found)
        return STEP_AGAIN;
    if (is_gate_only(&c) && ++a->gate_tries < GATE_TRIES) {
        struct timespec pause = {0, GATE_PAUSE_NS};
        nanosleep(&pause, NULL);
        return STEP_AGAIN;
    }
    describe_holder(a->fd, &c, a->holder);
    return STEP_BUSY;
}

/* A run without --shard: the whole file, which excludes every other run. */
static enum step lock_whole(struct attempt *a)
{
    if (take_lock(a, F_WRLCK, 0, 0) == 0)
        return STEP_TAKEN;
    if (!is_busy(errno))
        return failed(a, "lock");
    return refused(a, F_WRLCK, 0, 0);
}

/*
 * Shard K of N: under the gate, make sure no run of another split holds
 * OUTPUT and join split N (a read lock, shared with N's other shards);
 * then, with the gate let go, shard K's own byte.  Any failure returns
 * with locks still held: the caller closes the file, which drops them all.
 */
static enum step lock_shard(struct attempt *a)
{
    unsigned k = a->req->shard_index, n = a->req->shard_count;
    struct flock c;
    int found;

    if (take_lock(a, F_WRLCK, GATE_BYTE, 1) < 0)
        return is_busy(errno) ? refused(a, F_WRLCK, GATE_BYTE, 1) : failed(a, "lock");
    found = find_other_split(a->fd, n, &c);
    if (found < 0)
        return failed(a, "lock");
    if (found) {
        if (!a->wait) {
            describe_holder(a->fd, &c, a->holder);
            return STEP_BUSY;
        }
        /*
         * --wait: out of the gate, wait for that split to end (a write lock
         * on its byte is granted once its last run has let go), then start over.
         */
        if (set_lock(a->fd, F_SETLK, F_UNLCK, GATE_BYTE, 1) < 0)
            return failed(a, "lock");
        if (take_lock(a, F_WRLCK, c.l_start, c.l_len) < 0) {
            if (!is_busy(errno))
                return failed(a, "lock");
            describe_holder(a->fd, &c, a->holder); /* --wait=SECONDS ran out */
            return STEP_BUSY;
        }
        return STEP_AGAIN;
    }
    /* Refused only while a --wait run of another split briefly holds N's byte. */
    if (set_lock(a->fd, F_SETLK, F_RDLCK, SPLIT_BASE + n, 1) < 0)
        return is_busy(errno) ? refused(a, F_RDLCK, SPLIT_BASE + n, 1) : failed(a, "lock");
    if (set_lock(a->fd, F_SETLK, F_UNLCK, GATE_BYTE, 1) < 0)
        return failed(a, "unlock the gate of");
    if (take_lock(a, F_WRLCK, SHARD_BASE + k, 1) == 0)
        return STEP_TAKEN;
    if (errno == EDEADLK && a->wait)
        return STEP_AGAIN; /* the kernel saw a cycle of waiting runs: let go and retry */
    if (!is_busy(errno))
        return failed(a, "lock");
    return refused(a, F_WRLCK, SHARD_BASE + k, 1);
}

/* 1 if the lock file is in OUTPUT itself, not in a --state-dir. */
static int in_output(const struct lock_request *req)
{
    return req->dir == req->output || !strcmp(req->dir, req->output);
}

/*
 * Opens (creating) the lock file inside its directory (OUTPUT, or the
 * --state-dir), never through a link, never blocking on a FIFO: fd, or -1
 * with a message.  dir is that directory, open.
 */
static int open_lock_file(struct attempt *a, int dir)
{
    struct stat st;
    /* 0666 less the umask: the users who may write OUTPUT may all take its lock. */
    int fd =
        openat(dir, a->req->name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);

    if (fd < 0 && (errno == ELOOP || errno == EISDIR)) {
        snprintf(a->err, a->errlen, "the lock file %s/%s is %s; remove it", a->req->dir,
                 a->req->name, errno == ELOOP ? "a symbolic link" : "a directory");
        return -1;
    }
    if (fd < 0) {
        snprintf(a->err, a->errlen, "cannot write into %s %s (%s lock file %s): %s",
                 in_output(a->req) ? "OUTPUT" : "--state-dir", a->req->dir,
                 in_output(a->req) ? "its" : "OUTPUT's", a->req->name, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        failed(a, "read");
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(a->err, a->errlen, "the lock file %s/%s is %s, not a regular file; remove it",
                 a->req->dir, a->req->name, file_type_words(st.st_mode));
        close(fd);
        return -1;
    }
    return fd;
}

/* 1 if OUTPUT's lock file is still the one open on fd: it was not removed while we waited. */
static int still_there(int dir, const char *name, int fd)
{
    struct stat by_name, by_fd;

    return fstatat(dir, name, &by_name, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &by_fd) == 0 &&
           by_name.st_dev == by_fd.st_dev && by_name.st_ino == by_fd.st_ino;
}

static void on_alarm(int sig)
{
    (void)sig; /* only there to interrupt F_SETLKW */
}

/* What a deadline changes while waiting, to put back afterwards. */
struct wait_timer {
    int armed;
    struct sigaction old_action;
    sigset_t old_mask;
};

/*
 * Starts the timer that interrupts the waits (SIGALRM, no SA_RESTART, let
 * through the signal mask), left usec before the deadline.  Returns 0, or
 * -1 with errno.
 */
static int start_wait_timer(struct wait_timer *t, long long left)
{
    struct sigaction sa;
    sigset_t alarm;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    if (sigaction(SIGALRM, &sa, &t->old_action) < 0)
        return -1;
    if (sigprocmask(SIG_UNBLOCK, &alarm, &t->old_mask) < 0 || arm_wait_timer(left) < 0) {
        int saved = errno;
        sigaction(SIGALRM, &t->old_action, NULL);
        errno = saved;
        return -1;
    }
    t->armed = 1;
    return 0;
}

static void stop_wait_timer(struct wait_timer *t)
{
    struct itimerval off;

    if (!t->armed)
        return;
    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, NULL);
    sigprocmask(SIG_SETMASK, &t->old_mask, NULL);
    sigaction(SIGALRM, &t->old_action, NULL);
    t->armed = 0;
}

enum lock_result output_lock(const struct lock_request *req, int wait, int *fd,
                             struct lock_holder *holder, char *err, size_t errlen)
{
    struct attempt a = {req, -1, wait, 0, 0, holder, err, errlen};
    struct wait_timer timer = {0};
    enum step step = STEP_AGAIN;
    int dir = open(req->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    memset(holder, 0, sizeof(*holder));
    if (dir < 0) {
        snprintf(err, errlen, "cannot open %s %s: %s", in_output(req) ? "OUTPUT" : "--state-dir",
                 req->dir, strerror(errno));
        return LOCK_ERROR;
    }
    if (wait && req->wait_limit_s > 0) {
        long long left = (long long)(req->wait_limit_s * 1e6);
        a.deadline_usec = now_usec() + left;
        if (start_wait_timer(&timer, left) < 0) {
            snprintf(err, errlen, "cannot time the wait for OUTPUT %s: %s", req->output,
                     strerror(errno));
            close(dir);
            return LOCK_ERROR;
        }
    }
    while (step == STEP_AGAIN) {
        a.fd = open_lock_file(&a, dir);
        if (a.fd < 0) {
            step = STEP_ERROR;
            break;
        }
        step = req->shard_count ? lock_shard(&a) : lock_whole(&a);
        /* The run before removed the file after we opened it: lock the file now there. */
        if (step == STEP_TAKEN && !still_there(dir, req->name, a.fd))
            step = STEP_AGAIN;
        /* ESTALE: on NFS, the file was removed while we waited. */
        if (step == STEP_ERROR && errno == ESTALE)
            step = STEP_AGAIN;
        if (step != STEP_TAKEN)
            close(a.fd); /* drops whatever part of the lock this try held */
    }
    stop_wait_timer(&timer);
    close(dir);
    if (step == STEP_TAKEN) {
        *fd = a.fd;
        return LOCK_TAKEN;
    }
    return step == STEP_BUSY ? LOCK_BUSY : LOCK_ERROR;
}

void output_unlock(const struct lock_request *req, int fd)
{
    if (fd < 0)
        return;
    /*
     * Only a run without --shard removes the file: it holds all of it, so
     * nobody else holds any part.  A shard leaves it, since finding out
     * whether it is the last one out would mean taking the whole file for
     * a moment, and a shard starting in that moment would be turned away.
     */
    if (!req->shard_count) {
        char *path = path_join(req->dir, req->name);
        if (unlink(path) < 0 && errno != ENOENT)
            diag_errno("cannot remove %s", path);
        free(path);
    }
    close(fd); /* releases the lock */
}
