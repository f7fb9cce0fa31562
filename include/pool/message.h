/*
 * message: the two messages of the master/worker protocol, as frame bodies.
 *
 *   JOB    'J'  u32 id, u32 len + input path, u32 len + output path, u64 tag,
 *               u32 root
 *   RESULT 'R'  u32 id, u8 status, u32 in_w, in_h, out_w, out_h, u64 usec,
 *               u32 in_frames, out_frames, u32 len + error text
 *
 * status is 1 for ok, 0 for a failure, 2 for a failure that is the input's
 * own (input_fault), 3 for ok with the input's own bytes written
 * (kept_original).
 *
 * All integers big-endian.  Decoding checks every length against the body
 * and rejects paths holding NUL, so a corrupt frame is an error, not a
 * misread path.
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

struct job_request {
    uint32_t id;
    char *input;  /* owned by the request after decode */
    char *output;
    uint64_t tag; /* the caller's, passed through: imgbatch names the temporary file by it */
    uint32_t root; /* the caller's too: which of its input folders input is below */
};

struct job_result {
    uint32_t id;
    int ok;
    uint32_t in_width, in_height;   /* the input's size once upright (EXIF orientation) */
    uint32_t out_width, out_height; /* as written */
    uint64_t usec;                  /* time the worker spent on the file */
    char error[RESULT_ERROR_MAX];   /* one line, set when !ok */
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
    /*
     * An animation's frames: in the input (what its loader counts), and
     * written (all of them, or 1 where the output format is still).  0 is
     * "not said", as for a still image or a failure before the header:
     * read it as 1.  After the fields above, so that positional
     * initialisers of those stay as they were.
     */
    uint32_t in_frames, out_frames;
    /*
     * With ok: the output is the input's own bytes, which the encoded
     * output would have outgrown (--keep-original-if-smaller).
     */
    int kept_original;
};

void job_request_encode(struct bytebuf *out, uint32_t id, const char *input, const char *output,
                        uint64_t tag, uint32_t root);
/* 0 on success (free with job_request_release), -1 if the body is malformed. */
int job_request_decode(const uint8_t *body, size_t len, struct job_request *req);
void job_request_release(struct job_request *req);

void job_result_encode(struct bytebuf *out, const struct job_result *res);
int job_result_decode(const uint8_t *body, size_t len, struct job_result *res);

/*
 * printf into res->error and mark the result failed.  A message too long
 * for res->error keeps its start and its end around " ... ": the end is
 * where the cause is ("cannot write <path>: <cause>").
 */
void job_result_fail(struct job_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
