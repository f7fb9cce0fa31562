/*
 * fuzz_frame: the master's side of the wire, fed by libFuzzer.
 *
 * The first input byte chooses how the rest is cut into feeds (0: one feed;
 * else pseudo-random chunks of 0..byte bytes), because a non-blocking read()
 * may split a frame anywhere.  After every feed the decoder is drained, as
 * the master does.  Every answer of frame_decoder_next is checked against a
 * reference reading of the raw bytes, every frame must be exactly the next
 * bytes of the stream, and every body is tried as a job and as a result;
 * whatever decodes must survive a re-encode.  A broken check calls abort(),
 * which libFuzzer reports as a crash with the input that caused it.
 */
#include "pool/frame.h"
#include "pool/message.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* What the decoder must answer with avail unread bytes at p, written from frame.h alone. */
static enum frame_status expected_status(const uint8_t *p, size_t avail, int at_eof)
{
    if (avail < FRAME_HEADER)
        return !at_eof ? FRAME_MORE : avail ? FRAME_TRUNCATED : FRAME_EOF;
    uint32_t len = be32(p);
    if (len == 0)
        return FRAME_MALFORMED;
    if (len > FRAME_MAX)
        return FRAME_OVERSIZED;
    if (avail - FRAME_HEADER < len)
        return at_eof ? FRAME_TRUNCATED : FRAME_MORE;
    return FRAME_OK;
}

/* A decoded job, encoded again, must give back the very same body and fields. */
static void check_job(const struct frame *f)
{
    struct job_request req, again;
    struct bytebuf out = {0};

    if (job_request_decode(f->body, f->body_len, &req))
        return;
    CHECK(req.input && req.input[0] && req.noutputs >= 1 && req.noutputs <= JOB_OUTPUTS_MAX);
    for (uint32_t i = 0; i < req.noutputs; i++)
        CHECK(req.outputs[i].path && req.outputs[i].path[0]);
    job_request_encode(&out, req.id, req.input, req.root, req.outputs, req.noutputs);
    CHECK(out.len == FRAME_HEADER + 1 + f->body_len);
    CHECK(be32(out.data) == f->body_len + 1 && out.data[FRAME_HEADER] == MSG_JOB);
    CHECK(!memcmp(out.data + FRAME_HEADER + 1, f->body, f->body_len));
    CHECK(job_request_decode(out.data + FRAME_HEADER + 1, out.len - FRAME_HEADER - 1, &again) == 0);
    CHECK(again.id == req.id && !strcmp(again.input, req.input) && again.root == req.root &&
          again.noutputs == req.noutputs);
    for (uint32_t i = 0; i < req.noutputs; i++)
        CHECK(!strcmp(again.outputs[i].path, req.outputs[i].path) &&
              again.outputs[i].tag == req.outputs[i].tag &&
              again.outputs[i].variant == req.outputs[i].variant);
    job_request_release(&again);
    job_request_release(&req);
    CHECK(!req.input && !req.outputs); /* release leaves no dangling pointers */
    bytebuf_release(&out);
}

/* Two decodings of one output's result agree, and it says nothing a worker never sends. */
static void check_output(const struct output_result *a, const struct output_result *b,
                         const struct job_result *res)
{
    CHECK(a->done == b->done && a->kept_original == b->kept_original && a->capped == b->capped &&
          a->width == b->width && a->height == b->height && a->frames == b->frames);
    CHECK(a->done || (!a->kept_original && !a->capped)); /* only a done output has these */
    CHECK(!res->ok || a->done);                          /* an ok job did every output */
    CHECK(a->frames <= res->in_frames);
}

/*
 * The same for a result, except that the encoder sends no error text for a
 * success, so an ok result that came with one loses it on the way back.
 */
static void check_result(const struct frame *f)
{
    static struct job_result res, again;
    struct bytebuf out = {0};

    if (job_result_decode(f->body, f->body_len, &res))
        return;
    CHECK(res.ok == 0 || res.ok == 1);
    CHECK(res.noutputs <= JOB_OUTPUTS_MAX);
    CHECK(memchr(res.error, '\0', sizeof(res.error)));
    CHECK(res.ok || res.error[0]);
    job_result_encode(&out, &res);
    CHECK(be32(out.data) == out.len - FRAME_HEADER && out.data[FRAME_HEADER] == MSG_RESULT);
    if (!res.ok || !res.error[0])
        CHECK(out.len == FRAME_HEADER + 1 + f->body_len &&
              !memcmp(out.data + FRAME_HEADER + 1, f->body, f->body_len));
    CHECK(job_result_decode(out.data + FRAME_HEADER + 1, out.len - FRAME_HEADER - 1, &again) == 0);
    CHECK(again.id == res.id && again.ok == res.ok && again.in_width == res.in_width &&
          again.in_height == res.in_height && again.usec == res.usec &&
          again.in_frames == res.in_frames && again.input_fault == res.input_fault &&
          again.noutputs == res.noutputs);
    for (uint32_t i = 0; i < res.noutputs; i++)
        check_output(&again.outputs[i], &res.outputs[i], &res);
    CHECK(!strcmp(again.error, res.ok ? "" : res.error));
    bytebuf_release(&out);
}

/*
 * Drains the decoder.  fed is how many stream bytes it has been given, *off
 * how many it has handed out as frames.  Returns the last status.
 */
static enum frame_status drain(struct frame_decoder *d, const uint8_t *stream, size_t fed,
                               size_t *off, int at_eof)
{
    for (;;) {
        struct frame f;
        enum frame_status st = frame_decoder_next(d, &f, at_eof);

        CHECK(st == expected_status(stream + *off, fed - *off, at_eof));
        if (st != FRAME_OK)
            return st;

        /* The frame is the next bytes of the stream, byte for byte. */
        struct bytebuf enc = {0};
        frame_encode(&enc, f.type, f.body, f.body_len);
        CHECK(enc.len <= fed - *off && !memcmp(enc.data, stream + *off, enc.len));
        *off += enc.len;
        bytebuf_release(&enc);

        /* Both, whatever the type: a decoder must reject the other's body cleanly. */
        check_job(&f);
        check_result(&f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;

    unsigned max_chunk = data[0];
    const uint8_t *stream = data + 1;
    size_t len = size - 1, fed = 0, off = 0;
    uint32_t rng = 0x9e3779b9u ^ max_chunk; /* xorshift wants a non-zero seed */
    struct frame_decoder d;
    enum frame_status st = FRAME_MORE;

    frame_decoder_init(&d);
    while (fed < len && (st == FRAME_OK || st == FRAME_MORE)) {
        size_t n = len - fed;
        if (max_chunk) {
            rng ^= rng << 13; /* the cut points depend only on the input */
            rng ^= rng >> 17;
            rng ^= rng << 5;
            if (n > rng % (max_chunk + 1))
                n = rng % (max_chunk + 1); /* zero-length feeds included */
        }
        frame_decoder_feed(&d, stream + fed, n);
        fed += n;
        st = drain(&d, stream, fed, &off, 0);
    }
    /* The stream ends: what is left must be nothing, a partial frame, or the error seen. */
    if (st == FRAME_OK || st == FRAME_MORE)
        st = drain(&d, stream, fed, &off, 1);
    CHECK(st != FRAME_OK && st != FRAME_MORE && st != FRAME_IO_ERROR);
    CHECK((st == FRAME_EOF) == (off == len));
    frame_decoder_release(&d);
    return 0;
}
