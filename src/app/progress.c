/* progress: the live progress line; see progress.h. */
#include "progress.h"
#include "base/xio.h"

#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ERASE_LINE "\r\033[K"

/* Set by SIGWINCH: the terminal was resized, read its width before the next draw. */
static volatile sig_atomic_t resized;
static struct sigaction old_winch;
static int winch_installed;

static void on_winch(int sig)
{
    (void)sig;
    resized = 1;
}

/* The terminal's width, or 0 when out is no terminal or will not say. */
static int terminal_columns(FILE *out)
{
    struct winsize ws;

    if (ioctl(fileno(out), TIOCGWINSZ, &ws) < 0)
        return 0;
    return ws.ws_col;
}

/* SA_RESTART: a resize must not interrupt the report's writes; ppoll just wakes early. */
static void watch_resizes(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    winch_installed = sigaction(SIGWINCH, &sa, &old_winch) == 0;
}

void progress_init(struct progress *p, int mode, const char *op, FILE *out, size_t total,
                   long long total_bytes)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->op = op;
    p->total = total;
    p->total_bytes = total_bytes;
    p->start_usec = now_usec();
    if (mode == PROGRESS_AUTO)
        p->enabled = isatty(fileno(out));
    else
        p->enabled = mode == PROGRESS_ON;
    /* Nothing to show for a run with nothing to do. */
    if (total == 0)
        p->enabled = 0;
    if (p->enabled) {
        p->columns = terminal_columns(out);
        watch_resizes();
    }
}

static void put_duration(char *buf, size_t len, double seconds)
{
    long s = (long)(seconds + 0.5);

    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

/* Seconds left: by bytes where they are known (the largest files go first), else by files. */
static double seconds_left(const struct progress *p, double elapsed)
{
    if (elapsed <= 0)
        return -1;
    if (p->total_bytes > 0 && p->done_bytes > 0) {
        double rate = (double)p->done_bytes / elapsed;
        return (double)(p->total_bytes - p->done_bytes) / rate;
    }
    if (p->done > 0)
        return (double)(p->total - p->done) / ((double)p->done / elapsed);
    return -1;
}

void progress_format(const struct progress *p, long long now, char *buf, size_t len)
{
    double elapsed = (double)(now - p->start_usec) / 1e6;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double left = seconds_left(p, elapsed);
    char count[96], speed[48], eta[48] = "ETA --:--", failed[48] = "";

    if (left >= 0) {
        strcpy(eta, "ETA ");
        put_duration(eta + 4, sizeof(eta) - 4, left);
    }
    snprintf(count, sizeof(count), "%s %zu/%zu %d%%", p->op, p->done, p->total,
             p->total ? (int)(100 * p->done / p->total) : 100);
    snprintf(speed, sizeof(speed), "%.1f images/s", rate);
    if (p->failed)
        snprintf(failed, sizeof(failed), "%zu failed", p->failed);

    /*
     * Widest first; on a narrow terminal the rate goes, then the ETA, and
     * what is left is cut one column short of the edge (the cursor must not
     * wrap).  The failures stay as long as anything does.
     */
    const char *parts[4] = {count, speed, eta, failed};
    static const int drop_order[] = {1, 2};
    int keep[4] = {1, 1, 1, p->failed > 0};
    size_t room = p->columns > 1 ? (size_t)p->columns - 1 : len - 1;
    if (room > len - 1)
        room = len - 1;
    for (size_t d = 0;; d++) {
        size_t n = 0;
        buf[0] = '\0';
        for (int i = 0; i < 4; i++) {
            if (!keep[i])
                continue;
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " | " : "", parts[i]);
            if (n >= len)
                n = len - 1;
        }
        if (n <= room || d == sizeof(drop_order) / sizeof(drop_order[0])) {
            buf[n < room ? n : room] = '\0';
            return;
        }
        keep[drop_order[d]] = 0;
    }
}

static void draw(struct progress *p, int force)
{
    long long now = now_usec();
    char line[256];

    if (!p->enabled)
        return;
    if (!force && p->visible && now - p->drawn_usec < PROGRESS_REDRAW_MS * 1000LL)
        return;
    if (resized) {
        resized = 0;
        p->columns = terminal_columns(p->out);
    }
    progress_format(p, now, line, sizeof(line));
    /* Errors are ignored: progress is a courtesy, the report is what counts. */
    fprintf(p->out, ERASE_LINE "%s", line);
    fflush(p->out);
    p->drawn_usec = now;
    p->visible = 1;
}

void progress_file_done(struct progress *p, int failed, long long bytes)
{
    p->done++;
    p->done_bytes += bytes;
    if (failed)
        p->failed++;
    draw(p, 0);
}

void progress_tick(struct progress *p)
{
    draw(p, 0);
}

void progress_clear(struct progress *p)
{
    if (!p || !p->enabled || !p->visible)
        return;
    fputs(ERASE_LINE, p->out);
    fflush(p->out);
    p->visible = 0;
}

void progress_finish(struct progress *p, FILE *failures)
{
    if (!p || !p->enabled)
        return;
    progress_clear(p);
    if (winch_installed) {
        sigaction(SIGWINCH, &old_winch, NULL);
        winch_installed = 0;
    }
    /* The failures went to a file or a pipe: say on the terminal that something failed. */
    if (p->failed && failures && !isatty(fileno(failures)))
        fprintf(p->out, "imgbatch: %s: %zu of %zu files failed (see the report)\n", p->op,
                p->failed, p->done);
}
