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
 *
 * It fits the terminal: the width is read at the start and again after a
 * SIGWINCH, parts are dropped from the right (the rate first) and what is
 * left cut, so the line never wraps (a wrapped line is not erased by "\r",
 * and every redraw would leave one behind).  The ETA comes from the bytes
 * done, not the files: the largest files go first, so counting files
 * overestimates the time left by the ratio of the largest to the average.
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
    long long total_bytes; /* of the inputs to do: the ETA's measure; 0 to count files */
    long long done_bytes;
    int columns;           /* the terminal's width; 0 when unknown (no cut) */
    long long start_usec;
    long long drawn_usec; /* when the line was last drawn */
    int visible;          /* the line is on the screen now */
};

/*
 * Decides whether to draw (mode: PROGRESS_AUTO, _ON or _OFF from --progress,
 * and whether out is a terminal) and starts the clock; op names the work.
 */
void progress_init(struct progress *p, int mode, const char *op, FILE *out, size_t total,
                   long long total_bytes);

/* One more file done, of bytes input bytes; redraws when due. */
void progress_file_done(struct progress *p, int failed, long long bytes);

/* Redraws when due: the rate and ETA move on even while a slow file runs. */
void progress_tick(struct progress *p);

/* Erases the line, before anything else is printed to the terminal. */
void progress_clear(struct progress *p);

/*
 * The run is over: the line erased, the SIGWINCH handler given back, and
 * where files failed while their lines went elsewhere than the terminal
 * (failures is the stream they went to: stdout with --json, redirected),
 * one line saying how many, so the person watching sees it (failures
 * NULL: the caller says it itself).
 */
void progress_finish(struct progress *p, FILE *failures);

/* Formats the line into buf (no escapes); exposed for the unit tests. */
void progress_format(const struct progress *p, long long now_usec, char *buf, size_t len);

#endif
