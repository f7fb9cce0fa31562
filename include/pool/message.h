/*
 * message: the two messages of the master/worker protocol, as frame bodies.
 *
 *   JOB    'J'  u32 id, u32 len + input path, u32 root, u32 n,
 *               n x (u32 len + output path, u64 tag, u32 variant)
 *   RESULT 'R'  u32 id, u8 status, u32 in_w, in_h, u64 usec, u32 in_frames,
 *               u32 len + error text, u32 n,
 *               n x (u8 flags, u32 w, u32 h, u32 frames)
 *
 * A job is one input and every output made of it (a responsive set: each
 * size in each format), so that the input is decoded once.  status is 1
 * for ok, 0 for a failure, 2 for a failure that is the input's own
 * (input_fault).  An output's flags: 1 done (its temporary file waits for
 * the master), 2 the input's own bytes kept, 4 not enlarged (capped); the
 * last two only with done.  A failed job may have done some outputs
 * before it failed: those are put in place like any other.
 *
 * All integers big-endian.  Decoding checks every length and count
 * against the body and rejects paths holding NUL, so a corrupt frame is an
 * error, not a misread path.
 */
#ifndef IMGBATCH_MESSAGE_H
#define IMGBATCH_MESSAGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "pool/frame.h"

#define MSG_JOB ((uint8_t)'J')
#define MSG_RESULT ((uint8_t)'R')

/*
 * An error names the file it is about and says why: "cannot write
 * <output>: No space left on device".  It must hold a whole path and its
 * cause, and some messages name two files (a temporary one and its
 * output, or an input libvips quotes), so: two PATH_MAX paths.  Still far
 * below FRAME_MAX.  A longer message loses its middle, not its cause (see
 * job_result_fail).
 */
#define RESULT_ERROR_MAX (2 * PATH_MAX)

/*
 * The most outputs one job makes of its input: a responsive set's sizes
 * times its formats (16 x 7 at most on the command line).  128 paths of
 * PATH_MAX still fit a frame, though imgbatch bounds a job's paths far
 * lower (jobs.c), to stay within a pipe's buffer.
 */
#define JOB_OUTPUTS_MAX 128

/*
 * One output of a job: where it goes (the caller's path: imgbatch's is
 * below OUTPUT), the tag its temporary file is named by, and which of the
 * caller's variants (imgbatch's: a size and a format) it is.  All three
 * are the caller's, passed through.
 */
struct job_output {
    char *path;
    uint64_t tag;
    uint32_t variant;
};

struct job_request {
    uint32_t id;
    char *input;       /* owned by the request after decode, as are the outputs and their paths */
    uint32_t root;     /* the caller's, passed through: which of its input folders input is below */
    uint32_t noutputs; /* 1..JOB_OUTPUTS_MAX */
    struct job_output *outputs;
};

/* What became of one output of a job. */
struct output_result {
    int done;               /* written: its temporary file waits for the master's rename */
    int kept_original;      /* done with the input's own bytes (--keep-original-if-smaller) */
    int capped;             /* resize would have enlarged it: written at the input's own size */
    uint32_t width, height; /* as written: one frame's for an animation */
    /*
     * An animation's frames written: all of them, or 1 where the output
     * format is still.  0 is "not said", a still image: read it as 1.
     */
    uint32_t frames;
};

struct job_result {
    uint32_t id;
    int ok;                       /* every output done */
    uint32_t in_width, in_height; /* the input's size once upright (EXIF orientation) */
    uint64_t usec;                /* time the worker spent on the file */
    char error[RESULT_ERROR_MAX]; /* one line, set when !ok */
    /*
     * With !ok: the input itself fails, and would fail again the same way
     * until it changes (its content or its size against the limits, a
     * decoder that hung on it past the timeout), so --incremental may
     * remember it.  Never set for a write error, a stop, or a worker that
     * died (it may have died of its library, the machine or the kernel):
     * those say nothing sure about the input.  Whoever fails a job marks
     * it; job_result_fail leaves it as it is.
     */
    int input_fault;
    /* An animation's frames in the input (what its loader counts); 0 "not said": read as 1. */
    uint32_t in_frames;
    /*
     * The job's outputs, in its order, once the worker has looked at them
     * (0 for a job that failed before, or a worker that died).
     */
    uint32_t noutputs;
    struct output_result outputs[JOB_OUTPUTS_MAX];
};

/* noutputs is 1..JOB_OUTPUTS_MAX. */
void job_request_encode(struct bytebuf *out, uint32_t id, const char *input, uint32_t root,
                        const struct job_output *outputs, uint32_t noutputs);
/* 0 on success (free with job_request_release), -1 if the body is malformed. */
int job_request_decode(const uint8_t *body, size_t len, struct job_request *req);
void job_request_release(struct job_request *req);

void job_result_encode(struct bytebuf *out, const struct job_result *res);
int job_result_decode(const uint8_t *body, size_t len, struct job_result *res);

/*
 * printf into res->error and mark the result failed; the outputs done
 * before stay done.  A message too long for res->error keeps its start and
 * its end around " ... ": the end is where the cause is ("cannot write
 * <path>: <cause>").
 */
void job_result_fail(struct job_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
