/*
 * progress: the live line a person watching a run sees on stderr.
 *
 *   resize 1234/2000 62% | 152.3 images/s | ETA 0:05 | 3 failed
 *
 * It is redrawn in place (carriage return, erase to end of line) at most
 * ten times a second, and erased before every report line and before the
 * summary, so the terminal keeps the report and nothing of the line.  By
 * default it is drawn only when stderr is a terminal: logs from cron or a
 * pipe never see it.
 */
#ifndef IMGBATCH_PROGRESS_H
#define IMGBATCH_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

/* --progress: draw when stderr is a terminal, always, or never. */
enum { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };


/* Redraws at most this often, unless something erased the line. */
#define PROGRESS_REDRAW_MS 100

struct progress {
    int enabled;
    FILE *out;
    const char *op;
    size_t total;
    size_t done;
    size_t failed;
    long long start_usec;
    long long drawn_usec; /* when the line was last drawn */
    int visible;          /* the line is on the screen now */
};

/*
 * Decides whether to draw (mode: PROGRESS_AUTO, _ON or _OFF from --progress,
 * and whether out is a terminal) and starts the clock; op names the work.
 */
void progress_init(struct progress *p, int mode, const char *op, FILE *out, size_t total);

/* One more file done; redraws when due. */
void progress_file_done(struct progress *p, int failed);

/* Redraws when due: the rate and ETA move on even while a slow file runs. */
void progress_tick(struct progress *p);

/* Erases the line, before anything else is printed to the terminal. */
void progress_clear(struct progress *p);

/* Formats the line into buf (no escapes); exposed for the unit tests. */
void progress_format(const struct progress *p, long long now_usec, char *buf, size_t len);

#endif
