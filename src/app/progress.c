/* progress: the live progress line; see progress.h. */
#include "progress.h"
#include "base/xio.h"

#include <string.h>
#include <unistd.h>

#define ERASE_LINE "\r\033[K"

void progress_init(struct progress *p, int mode, const char *op, FILE *out, size_t total)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->op = op;
    p->total = total;
    p->start_usec = now_usec();
    if (mode == PROGRESS_AUTO)
        p->enabled = isatty(fileno(out));
    else
        p->enabled = mode == PROGRESS_ON;
    /* Nothing to show for a run with nothing to do. */
    if (total == 0)
        p->enabled = 0;
}

static void put_duration(char *buf, size_t len, double seconds)
{
    long s = (long)(seconds + 0.5);

    if (s >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void progress_format(const struct progress *p, long long now, char *buf, size_t len)
{
    double elapsed = (double)(now - p->start_usec) / 1e6;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    char eta[32] = "--:--";
    int n;

    if (rate > 0)
        put_duration(eta, sizeof(eta), (double)(p->total - p->done) / rate);
    n = snprintf(buf, len, "%s %zu/%zu %d%% | %.1f images/s | ETA %s", p->op, p->done,
                 p->total, p->total ? (int)(100 * p->done / p->total) : 100, rate, eta);
    if (p->failed && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " | %zu failed", p->failed);
}

static void draw(struct progress *p, int force)
{
    long long now = now_usec();
    char line[256];

    if (!p->enabled)
        return;
    if (!force && p->visible && now - p->drawn_usec < PROGRESS_REDRAW_MS * 1000LL)
        return;
    progress_format(p, now, line, sizeof(line));
    /* Errors are ignored: progress is a courtesy, the report is what counts. */
    fprintf(p->out, ERASE_LINE "%s", line);
    fflush(p->out);
    p->drawn_usec = now;
    p->visible = 1;
}

void progress_file_done(struct progress *p, int failed)
{
    p->done++;
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
