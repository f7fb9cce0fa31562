/*
 * test_frame: the wire between the master and its workers.
 *
 * frame.h: frames survive any split of the byte stream (the master's
 * non-blocking reads return whatever the pipe holds), bad lengths are errors
 * rather than guesses, and the end of a stream is told apart from a stream
 * cut inside a frame; both through the incremental decoder and through the
 * blocking reader on a real pipe fed by another process.
 * message.h: jobs and results round-trip with any path a file system allows,
 * a job with every output of a responsive set (each its tag and variant), a
 * result with each output's size and flags, and every malformed body is
 * refused instead of misread.
 */
#include "check.h"

#include "pool/frame.h"
#include "pool/message.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

struct copied {
    uint8_t type;
    size_t len;
    uint8_t *body;
};

/* Drains every complete frame from d into out[] (copies: bodies die on the next feed). */
static int drain(struct frame_decoder *d, struct copied *out, int max, int *n)
{
    for (;;) {
        struct frame f;
        enum frame_status st = frame_decoder_next(d, &f, 0);
        if (st != FRAME_OK)
            return st;
        if (*n >= max)
            return 99;
        out[*n].type = f.type;
        out[*n].len = f.body_len;
        out[*n].body = malloc(f.body_len + 1);
        if (f.body_len)
            memcpy(out[*n].body, f.body, f.body_len);
        (*n)++;
    }
}

static void free_copied(struct copied *c, int n)
{
    for (int i = 0; i < n; i++)
        free(c[i].body);
}

/* The encoding written out here, not taken from frame.c: the tests check it, not trust it. */
static void be32_by_hand(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void append_u32(struct bytebuf *b, uint32_t v)
{
    uint8_t p[4];
    be32_by_hand(p, v);
    bytebuf_append(b, p, 4);
}

/* Three frames of different shapes: empty body, text, 3000 binary bytes. */
static uint8_t big_body[3000];

static void fill_big_body(void)
{
    for (size_t i = 0; i < sizeof(big_body); i++)
        big_body[i] = (uint8_t)(i * 7 + 3);
}

static void encode_sample(struct bytebuf *out)
{
    frame_encode(out, 'A', NULL, 0);
    frame_encode(out, 'B', "hello", 5);
    frame_encode(out, 'C', big_body, sizeof(big_body));
}

static void check_sample(const struct copied *c, int n)
{
    CHECK_EQ_INT(n, 3);
    if (n != 3)
        return;
    CHECK_EQ_INT(c[0].type, 'A');
    CHECK_EQ_INT(c[0].len, 0);
    CHECK_EQ_INT(c[1].type, 'B');
    CHECK_EQ_INT(c[1].len, 5);
    CHECK(memcmp(c[1].body, "hello", 5) == 0);
    CHECK_EQ_INT(c[2].type, 'C');
    CHECK_EQ_INT(c[2].len, sizeof(big_body));
    CHECK(memcmp(c[2].body, big_body, sizeof(big_body)) == 0);
}

/* ---- the incremental decoder ---- */

static void test_encode_layout(void)
{
    struct bytebuf b = {0};

    frame_encode(&b, 'Z', "abc", 3);
    CHECK_EQ_INT(b.len, 4 + 1 + 3);
    /* Big-endian length of type + body. */
    CHECK_EQ_INT(b.data[0], 0);
    CHECK_EQ_INT(b.data[1], 0);
    CHECK_EQ_INT(b.data[2], 0);
    CHECK_EQ_INT(b.data[3], 4);
    CHECK_EQ_INT(b.data[4], 'Z');
    CHECK(memcmp(b.data + 5, "abc", 3) == 0);
    bytebuf_release(&b);
    CHECK(b.data == NULL);
    CHECK_EQ_INT(b.len, 0);

    /* A length above 255 uses the higher bytes. */
    frame_encode(&b, 'Q', big_body, 300);
    CHECK_EQ_INT(b.data[2], 1);
    CHECK_EQ_INT(b.data[3], 301 - 256);
    bytebuf_release(&b);
}

static void test_decoder_whole(void)
{
    struct bytebuf b = {0};
    struct frame_decoder d;
    struct copied c[8];
    int n = 0;
    struct frame f;

    encode_sample(&b);
    frame_decoder_init(&d);
    frame_decoder_feed(&d, b.data, b.len);
    CHECK_EQ_INT(drain(&d, c, 8, &n), FRAME_MORE);
    check_sample(c, n);
    /* Nothing pending: the stream may end here cleanly. */
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_EOF);
    free_copied(c, n);
    frame_decoder_release(&d);

    /* A fresh decoder at end of stream: clean EOF. */
    frame_decoder_init(&d);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MORE);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_EOF);
    frame_decoder_release(&d);
    bytebuf_release(&b);
}

static void test_decoder_byte_by_byte(void)
{
    struct bytebuf b = {0};
    struct frame_decoder d;
    struct copied c[8];
    int n = 0;

    encode_sample(&b);
    frame_decoder_init(&d);
    int bad = 0;
    for (size_t i = 0; i < b.len; i++) {
        frame_decoder_feed(&d, b.data + i, 1);
        if (drain(&d, c, 8, &n) != FRAME_MORE)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    check_sample(c, n);
    free_copied(c, n);
    frame_decoder_release(&d);

    /* Every other split into two reads gives the same frames too. */
    int mismatches = 0;
    for (size_t cut = 0; cut <= b.len; cut += 97) {
        n = 0;
        frame_decoder_init(&d);
        frame_decoder_feed(&d, b.data, cut);
        drain(&d, c, 8, &n);
        frame_decoder_feed(&d, b.data + cut, b.len - cut);
        drain(&d, c, 8, &n);
        if (n != 3 || c[2].len != sizeof(big_body) ||
            memcmp(c[2].body, big_body, sizeof(big_body)))
            mismatches++;
        free_copied(c, n);
        frame_decoder_release(&d);
    }
    CHECK_EQ_INT(mismatches, 0);
    bytebuf_release(&b);
}

static void test_decoder_many_in_one_feed(void)
{
    struct bytebuf b = {0};
    struct frame_decoder d;
    struct frame f;
    char body[16];

    for (int i = 0; i < 500; i++) {
        int len = snprintf(body, sizeof(body), "job %d", i);
        frame_encode(&b, (uint8_t)('a' + i % 26), body, (size_t)len);
    }
    frame_decoder_init(&d);
    frame_decoder_feed(&d, b.data, b.len);
    int got = 0, wrong = 0;
    while (frame_decoder_next(&d, &f, 0) == FRAME_OK) {
        int len = snprintf(body, sizeof(body), "job %d", got);
        if (f.type != 'a' + got % 26 || f.body_len != (size_t)len ||
            memcmp(f.body, body, (size_t)len))
            wrong++;
        got++;
    }
    CHECK_EQ_INT(got, 500);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_EOF);

    /* Feeding after frames were handed out keeps the stream in order. */
    bytebuf_release(&b);
    frame_encode(&b, 'x', "1", 1);
    frame_encode(&b, 'y', "22", 2);
    frame_decoder_feed(&d, b.data, 7); /* all of 'x' and 1 byte of 'y' */
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OK);
    CHECK_EQ_INT(f.type, 'x');
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MORE);
    frame_decoder_feed(&d, b.data + 7, b.len - 7);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OK);
    CHECK_EQ_INT(f.type, 'y');
    CHECK_EQ_INT(f.body_len, 2);
    CHECK(memcmp(f.body, "22", 2) == 0);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_EOF);
    frame_decoder_release(&d);
    bytebuf_release(&b);
}

static void test_decoder_bad_lengths(void)
{
    struct frame_decoder d;
    struct frame f;
    uint8_t head[8];

    /* Length zero: no type byte, a broken peer. */
    frame_decoder_init(&d);
    be32_by_hand(head, 0);
    frame_decoder_feed(&d, head, 4);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MALFORMED);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_MALFORMED);
    frame_decoder_release(&d);

    /* A good frame first, then a zero length: the good one is still delivered. */
    frame_decoder_init(&d);
    {
        struct bytebuf b = {0};
        frame_encode(&b, 'k', "ok", 2);
        be32_by_hand(head, 0);
        bytebuf_append(&b, head, 4);
        frame_decoder_feed(&d, b.data, b.len);
        bytebuf_release(&b);
    }
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OK);
    CHECK_EQ_INT(f.type, 'k');
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MALFORMED);
    frame_decoder_release(&d);

    /* One above the limit: refused from the header alone, without waiting for the body. */
    frame_decoder_init(&d);
    be32_by_hand(head, FRAME_MAX + 1);
    frame_decoder_feed(&d, head, 4);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OVERSIZED);
    frame_decoder_release(&d);

    frame_decoder_init(&d);
    be32_by_hand(head, 0xffffffffu);
    frame_decoder_feed(&d, head, 4);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OVERSIZED);
    frame_decoder_release(&d);

    /* Exactly the limit is a valid frame. */
    frame_decoder_init(&d);
    be32_by_hand(head, FRAME_MAX);
    head[4] = 'M';
    frame_decoder_feed(&d, head, 5);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MORE);
    uint8_t *rest = calloc(1, FRAME_MAX - 1);
    rest[FRAME_MAX - 2] = 0x5a;
    frame_decoder_feed(&d, rest, FRAME_MAX - 1);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_OK);
    CHECK_EQ_INT(f.type, 'M');
    CHECK_EQ_INT(f.body_len, FRAME_MAX - 1);
    CHECK_EQ_INT(f.body[FRAME_MAX - 2], 0x5a);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_EOF);
    free(rest);
    frame_decoder_release(&d);

    CHECK(strlen(frame_status_str(FRAME_OVERSIZED)) > 0);
    CHECK(strcmp(frame_status_str(FRAME_TRUNCATED), frame_status_str(FRAME_EOF)) != 0);
}

static void test_decoder_truncated(void)
{
    struct bytebuf b = {0};
    struct frame_decoder d;
    struct frame f;

    frame_encode(&b, 'T', "0123456789", 10);

    /* End of stream inside the header. */
    for (size_t cut = 1; cut < 4; cut++) {
        frame_decoder_init(&d);
        frame_decoder_feed(&d, b.data, cut);
        CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MORE);
        CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_TRUNCATED);
        frame_decoder_release(&d);
    }
    /* End of stream inside the type or body. */
    for (size_t cut = 4; cut < b.len; cut++) {
        frame_decoder_init(&d);
        frame_decoder_feed(&d, b.data, cut);
        CHECK_EQ_INT(frame_decoder_next(&d, &f, 0), FRAME_MORE);
        CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_TRUNCATED);
        frame_decoder_release(&d);
    }
    /* A whole frame then half of another: the first one, then truncated. */
    frame_decoder_init(&d);
    frame_decoder_feed(&d, b.data, b.len);
    frame_decoder_feed(&d, b.data, 6);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_OK);
    CHECK_EQ_INT(f.body_len, 10);
    CHECK_EQ_INT(frame_decoder_next(&d, &f, 1), FRAME_TRUNCATED);
    frame_decoder_release(&d);
    bytebuf_release(&b);
}

/* ---- the blocking reader and writer on real pipes ---- */

/* Writes every byte with its own write(), waiting until the reader took it. */
static void write_bytewise(int fd, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (write(fd, data + i, 1) != 1)
            _exit(10);
        /* Wait (bounded) until the pipe is empty, so each read() sees one byte. */
        for (int spin = 0; spin < 100000; spin++) {
            int pending = 0;
            if (ioctl(fd, FIONREAD, &pending) < 0 || pending == 0)
                break;
            usleep(100);
        }
    }
}

/* Forks a writer that runs fn(fd) then exits; returns the read end. */
static int spawn_writer(void (*fn)(int fd), pid_t *pid)
{
    int p[2];

    if (pipe(p) < 0) {
        perror("pipe");
        exit(2);
    }
    *pid = fork();
    if (*pid < 0) {
        perror("fork");
        exit(2);
    }
    if (*pid == 0) {
        close(p[0]);
        fn(p[1]);
        _exit(0);
    }
    close(p[1]);
    return p[0];
}

static int reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void writer_sample_bytewise(int fd)
{
    struct bytebuf b = {0};
    encode_sample(&b);
    write_bytewise(fd, b.data, b.len);
}

static void test_pipe_short_reads(void)
{
    pid_t pid;
    int fd = spawn_writer(writer_sample_bytewise, &pid);
    struct bytebuf buf = {0};
    struct frame f;

    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'A');
    CHECK_EQ_INT(f.body_len, 0);
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'B');
    CHECK_EQ_INT(f.body_len, 5);
    CHECK(f.body_len == 5 && memcmp(f.body, "hello", 5) == 0);
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'C');
    CHECK_EQ_INT(f.body_len, sizeof(big_body));
    CHECK(f.body_len == sizeof(big_body) && memcmp(f.body, big_body, sizeof(big_body)) == 0);
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_EOF);
    CHECK_EQ_INT(reap(pid), 0);
    close(fd);
    bytebuf_release(&buf);
}

static void writer_big_then_small(int fd)
{
    uint8_t *body = malloc(FRAME_MAX - 1);
    for (size_t i = 0; i < FRAME_MAX - 1; i++)
        body[i] = (uint8_t)(i % 251);
    if (frame_write_blocking(fd, 'L', body, FRAME_MAX - 1) < 0)
        _exit(11);
    if (frame_write_blocking(fd, 's', "tiny", 4) < 0)
        _exit(12);
    free(body);
}

/* The largest frame is far above a pipe's capacity: both sides must loop. */
static void test_pipe_large_frame(void)
{
    pid_t pid;
    int fd = spawn_writer(writer_big_then_small, &pid);
    struct bytebuf buf = {0};
    struct frame f;

    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'L');
    CHECK_EQ_INT(f.body_len, FRAME_MAX - 1);
    int wrong = 0;
    for (size_t i = 0; i < f.body_len; i++)
        wrong += f.body[i] != (uint8_t)(i % 251);
    CHECK_EQ_INT(wrong, 0);
    /* The same buffer is reused for a smaller frame. */
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 's');
    CHECK(f.body_len == 4 && memcmp(f.body, "tiny", 4) == 0);
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_EOF);
    CHECK_EQ_INT(reap(pid), 0);
    close(fd);
    bytebuf_release(&buf);
}

/* Reads one frame from a pipe that first receives raw bytes, then closes. */
static enum frame_status read_raw(const uint8_t *raw, size_t len)
{
    int p[2];
    struct bytebuf buf = {0};
    struct frame f;

    if (pipe(p) < 0)
        return FRAME_IO_ERROR;
    if (len && write(p[1], raw, len) != (ssize_t)len)
        return FRAME_IO_ERROR;
    close(p[1]);
    enum frame_status st = frame_read_blocking(p[0], &buf, &f);
    close(p[0]);
    bytebuf_release(&buf);
    return st;
}

static void test_pipe_bad_streams(void)
{
    uint8_t raw[16] = {0};

    CHECK_EQ_INT(read_raw(raw, 0), FRAME_EOF);
    be32_by_hand(raw, 0);
    CHECK_EQ_INT(read_raw(raw, 4), FRAME_MALFORMED);
    be32_by_hand(raw, FRAME_MAX + 1);
    CHECK_EQ_INT(read_raw(raw, 4), FRAME_OVERSIZED);
    be32_by_hand(raw, 0x80000000u);
    CHECK_EQ_INT(read_raw(raw, 8), FRAME_OVERSIZED);
    /* Cut in the header. */
    be32_by_hand(raw, 5);
    CHECK_EQ_INT(read_raw(raw, 1), FRAME_TRUNCATED);
    CHECK_EQ_INT(read_raw(raw, 3), FRAME_TRUNCATED);
    /* Cut in the body: 5 announced, 3 sent. */
    raw[4] = 'J';
    CHECK_EQ_INT(read_raw(raw, 7), FRAME_TRUNCATED);
    /* Cut right after the header. */
    CHECK_EQ_INT(read_raw(raw, 4), FRAME_TRUNCATED);
    /* And complete. */
    CHECK_EQ_INT(read_raw(raw, 9), FRAME_OK);

    /* A closed descriptor is an I/O error, not an end of stream. */
    struct bytebuf buf = {0};
    struct frame f;
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    close(p[0]);
    close(p[1]);
    CHECK_EQ_INT(frame_read_blocking(p[0], &buf, &f), FRAME_IO_ERROR);
    bytebuf_release(&buf);
}

static void writer_cut_mid_frame(int fd)
{
    struct bytebuf b = {0};
    frame_encode(&b, 'W', "whole", 5);
    frame_encode(&b, 'H', "half of this frame", 18);
    /* The first frame whole, then the second up to the middle of its body, byte by byte. */
    write_bytewise(fd, b.data, b.len - 9);
    /* and exit: the pipe closes inside the frame */
}

static void test_pipe_writer_dies_mid_frame(void)
{
    pid_t pid;
    int fd = spawn_writer(writer_cut_mid_frame, &pid);
    struct bytebuf buf = {0};
    struct frame f;

    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'W');
    CHECK(f.body_len == 5 && memcmp(f.body, "whole", 5) == 0);
    CHECK_EQ_INT(frame_read_blocking(fd, &buf, &f), FRAME_TRUNCATED);
    CHECK_EQ_INT(reap(pid), 0);
    close(fd);
    bytebuf_release(&buf);
}

static void test_pipe_write_to_gone_reader(void)
{
    int p[2];

    CHECK_EQ_INT(pipe(p), 0);
    close(p[0]);
    errno = 0;
    CHECK_EQ_INT(frame_write_blocking(p[1], 'J', "x", 1), -1);
    CHECK_EQ_INT(errno, EPIPE);
    close(p[1]);

    /* And a write that fits goes through whole. */
    CHECK_EQ_INT(pipe(p), 0);
    CHECK_EQ_INT(frame_write_blocking(p[1], 'R', "abc", 3), 0);
    close(p[1]);
    struct bytebuf buf = {0};
    struct frame f;
    CHECK_EQ_INT(frame_read_blocking(p[0], &buf, &f), FRAME_OK);
    CHECK_EQ_INT(f.type, 'R');
    CHECK(f.body_len == 3 && memcmp(f.body, "abc", 3) == 0);
    CHECK_EQ_INT(frame_read_blocking(p[0], &buf, &f), FRAME_EOF);
    close(p[0]);
    bytebuf_release(&buf);
}

/* ---- message.h ---- */

/* Encodes a one-output job, checks its frame header, and decodes its body. */
static int job_round_trip(uint32_t id, const char *in, const char *out, struct job_request *req)
{
    struct bytebuf b = {0};
    struct frame_decoder d;
    struct frame f;
    struct job_output o = {(char *)out, 0x0123456789abcdefULL, 7};
    int r = -1;

    job_request_encode(&b, id, in, id ^ 5u, &o, 1);
    frame_decoder_init(&d);
    frame_decoder_feed(&d, b.data, b.len);
    if (frame_decoder_next(&d, &f, 1) == FRAME_OK && f.type == MSG_JOB)
        r = job_request_decode(f.body, f.body_len, req);
    frame_decoder_release(&d);
    bytebuf_release(&b);
    return r;
}

static void test_job_round_trip(void)
{
    char high[129];
    struct job_request req;

    for (int i = 0; i < 128; i++)
        high[i] = (char)(0x80 + i);
    high[128] = '\0';

    static const char *paths[] = {
        "photos/a.jpg",
        "my photos/holiday 2023.jpg",
        "line\nbreak\r\n.png",
        "quote\"d 'single' \\back.gif",
        "\x01\x02\x1f\x7f ctrl.bmp",
        "caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80.webp",
        "a",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        CHECK_EQ_INT(job_round_trip((uint32_t)i, paths[i], "out/x.jpg", &req), 0);
        CHECK_EQ_INT(req.id, i);
        CHECK_EQ_STR(req.input, paths[i]);
        CHECK_EQ_INT(req.noutputs, 1);
        CHECK_EQ_STR(req.outputs[0].path, "out/x.jpg");
        CHECK(req.outputs[0].tag == 0x0123456789abcdefULL);
        CHECK_EQ_INT(req.outputs[0].variant, 7);
        CHECK_EQ_INT(req.root, (uint32_t)i ^ 5u);
        job_request_release(&req);
        CHECK(req.input == NULL && req.outputs == NULL && req.noutputs == 0);
    }

    CHECK_EQ_INT(job_round_trip(0xfffffffeu, high, high, &req), 0);
    CHECK_EQ_INT(req.id, 0xfffffffeu);
    CHECK(req.input && strlen(req.input) == 128 && memcmp(req.input, high, 128) == 0);
    CHECK(strlen(req.outputs[0].path) == 128 && memcmp(req.outputs[0].path, high, 128) == 0);
    job_request_release(&req);

    /* A long path (PATH_MAX-ish) is still a single frame. */
    char *longp = malloc(4097);
    memset(longp, 'p', 4096);
    longp[4096] = '\0';
    CHECK_EQ_INT(job_round_trip(7, longp, longp, &req), 0);
    CHECK(req.input && strlen(req.input) == 4096);
    job_request_release(&req);
    free(longp);
}

/* A responsive set: every output of one input in one job, each with its tag and variant. */
static void test_job_many_outputs(void)
{
    struct job_output outs[JOB_OUTPUTS_MAX];
    char names[JOB_OUTPUTS_MAX][32];
    struct bytebuf b = {0};
    struct job_request req;

    for (int i = 0; i < JOB_OUTPUTS_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "web/a-%d.webp", 2000 - i);
        outs[i] = (struct job_output){names[i], 0x1000000000ULL + (uint64_t)i, (uint32_t)i * 3};
    }
    job_request_encode(&b, 5, "photos/a.jpg", 2, outs, JOB_OUTPUTS_MAX);
    CHECK(b.len - FRAME_HEADER <= FRAME_MAX);
    CHECK_EQ_INT(job_request_decode(b.data + FRAME_HEADER + 1, b.len - FRAME_HEADER - 1, &req), 0);
    CHECK_EQ_INT(req.noutputs, JOB_OUTPUTS_MAX);
    CHECK_EQ_INT(req.root, 2);
    for (int i = 0; i < JOB_OUTPUTS_MAX; i++) {
        CHECK_EQ_STR(req.outputs[i].path, names[i]);
        CHECK(req.outputs[i].tag == 0x1000000000ULL + (uint64_t)i);
        CHECK_EQ_INT(req.outputs[i].variant, i * 3);
    }
    job_request_release(&req);

    /* One more than a job may carry, and none at all, are refused. */
    uint8_t *count = b.data + FRAME_HEADER + 1 + 4 + 4 + strlen("photos/a.jpg") + 4;
    put_be32(count, JOB_OUTPUTS_MAX + 1);
    CHECK_EQ_INT(job_request_decode(b.data + FRAME_HEADER + 1, b.len - FRAME_HEADER - 1, &req), -1);
    put_be32(count, 0);
    CHECK_EQ_INT(job_request_decode(b.data + FRAME_HEADER + 1, b.len - FRAME_HEADER - 1, &req), -1);
    /* A count above what the body could hold is refused before anything is allocated for it. */
    put_be32(count, JOB_OUTPUTS_MAX);
    CHECK_EQ_INT(job_request_decode(b.data + FRAME_HEADER + 1, 40, &req), -1);
    CHECK(req.input == NULL && req.outputs == NULL);
    bytebuf_release(&b);
}

/*
 * A job body by hand: id, the input as (length, bytes), the root, one
 * output, then its path as (length, bytes), its tag and its variant.
 */
static void raw_job(struct bytebuf *b, uint32_t len1, const char *p1, size_t n1, uint32_t len2,
                    const char *p2, size_t n2)
{
    b->len = 0;
    append_u32(b, 42);
    append_u32(b, len1);
    bytebuf_append(b, p1, n1);
    append_u32(b, 3);
    append_u32(b, 1);
    append_u32(b, len2);
    bytebuf_append(b, p2, n2);
    append_u32(b, 0xfeedface);
    append_u32(b, 7);
    append_u32(b, 9);
}

static void test_job_decode_rejects(void)
{
    struct bytebuf b = {0};
    struct job_request req;

    /* The hand-built body decodes when it is right... */
    raw_job(&b, 5, "in.jp", 5, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), 0);
    CHECK_EQ_INT(req.id, 42);
    CHECK_EQ_STR(req.input, "in.jp");
    CHECK_EQ_INT(req.noutputs, 1);
    CHECK_EQ_STR(req.outputs[0].path, "o.j");
    CHECK(req.outputs[0].tag == (0xfeedfaceULL << 32 | 7));
    CHECK_EQ_INT(req.outputs[0].variant, 9);
    CHECK_EQ_INT(req.root, 3);
    job_request_release(&req);

    /* ...and every shorter prefix of it is refused. */
    int accepted = 0;
    for (size_t cut = 0; cut < b.len; cut++) {
        if (job_request_decode(b.data, cut, &req) == 0) {
            accepted++;
            job_request_release(&req);
        }
    }
    CHECK_EQ_INT(accepted, 0);

    /* Trailing bytes. */
    uint8_t zero = 0;
    bytebuf_append(&b, &zero, 1);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    CHECK(req.input == NULL && req.outputs == NULL);

    /* A path length beyond the body. */
    raw_job(&b, 6, "in.jp", 5, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 5, "in.jp", 5, 4, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 0xffffffffu, "in.jp", 5, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 5, "in.jp", 5, 0xfffffffcu, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);

    /* Empty paths. */
    raw_job(&b, 0, "", 0, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 5, "in.jp", 5, 0, "", 0);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);

    /* NUL inside a path, anywhere. */
    raw_job(&b, 5, "in\0jp", 5, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 5, "in.jp", 5, 3, "o.\0", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    raw_job(&b, 5, "\0n.jp", 5, 3, "o.j", 3);
    CHECK_EQ_INT(job_request_decode(b.data, b.len, &req), -1);
    CHECK(req.input == NULL && req.outputs == NULL);

    /* An empty body. */
    CHECK_EQ_INT(job_request_decode(b.data, 0, &req), -1);
    bytebuf_release(&b);
}

/* Encodes a result and decodes it back from its frame. */
static int result_round_trip(const struct job_result *in, struct job_result *out)
{
    struct bytebuf b = {0};
    int r = -1;

    job_result_encode(&b, in);
    if (b.len >= 5 && b.data[4] == MSG_RESULT)
        r = job_result_decode(b.data + 5, b.len - 5, out);
    bytebuf_release(&b);
    return r;
}

/* An ok result of one output, w x h. */
static void one_output(struct job_result *in, uint32_t w, uint32_t h)
{
    in->ok = 1;
    in->noutputs = 1;
    in->outputs[0].done = 1;
    in->outputs[0].width = w;
    in->outputs[0].height = h;
}

static void test_result_round_trip(void)
{
    static struct job_result in, out;

    memset(&in, 0, sizeof(in));
    in.id = 123456;
    one_output(&in, 200, 150);
    in.in_width = 3264;
    in.in_height = 2448;
    in.usec = 5000000000ull + 17; /* above 32 bits */
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.id, 123456);
    CHECK_EQ_INT(out.ok, 1);
    CHECK_EQ_INT(out.in_width, 3264);
    CHECK_EQ_INT(out.in_height, 2448);
    CHECK_EQ_INT(out.noutputs, 1);
    CHECK_EQ_INT(out.outputs[0].done, 1);
    CHECK_EQ_INT(out.outputs[0].width, 200);
    CHECK_EQ_INT(out.outputs[0].height, 150);
    CHECK(out.usec == 5000000000ull + 17);
    CHECK_EQ_STR(out.error, "");
    CHECK_EQ_INT(out.in_frames, 0); /* a still image says nothing of frames */
    CHECK_EQ_INT(out.outputs[0].frames, 0);

    /* An animation: its frames, all written or only the first. */
    in.in_frames = 1000;
    in.outputs[0].frames = 1000;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.in_frames, 1000);
    CHECK_EQ_INT(out.outputs[0].frames, 1000);
    CHECK_EQ_INT(out.outputs[0].width, 200);
    CHECK(out.usec == 5000000000ull + 17);
    in.outputs[0].frames = 1;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.in_frames, 1000);
    CHECK_EQ_INT(out.outputs[0].frames, 1);

    memset(&in, 0, sizeof(in));
    in.id = 9;
    job_result_fail(&in, "truncated JPEG (%s) at \"%s\"", "premature end of data", "x\ny");
    CHECK_EQ_INT(in.ok, 0);
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.id, 9);
    CHECK_EQ_INT(out.ok, 0);
    CHECK_EQ_INT(out.input_fault, 0);
    CHECK_EQ_INT(out.noutputs, 0);
    CHECK_EQ_STR(out.error, "truncated JPEG (premature end of data) at \"x\ny\"");

    /* A failure that is the input's own travels as such; a success never is one. */
    in.input_fault = 1;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.ok, 0);
    CHECK_EQ_INT(out.input_fault, 1);
    CHECK_EQ_STR(out.error, "truncated JPEG (premature end of data) at \"x\ny\"");
    one_output(&in, 10, 10);
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.ok, 1);
    CHECK_EQ_INT(out.input_fault, 0);
    CHECK_EQ_INT(out.outputs[0].kept_original, 0);

    /* The input's own bytes kept, and never enlarged, travel with a done output. */
    in.outputs[0].kept_original = 1;
    in.outputs[0].capped = 1;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK(out.ok && out.outputs[0].kept_original && out.outputs[0].capped);
    job_result_fail(&in, "truncated JPEG");
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK(!out.ok && out.outputs[0].done && out.outputs[0].kept_original); /* done before */
    in.outputs[0].done = 0;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK(!out.outputs[0].done && !out.outputs[0].kept_original && !out.outputs[0].capped);

    /* The longest error that fits. */
    memset(&in, 0, sizeof(in));
    memset(in.error, 'e', RESULT_ERROR_MAX - 1);
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(strlen(out.error), RESULT_ERROR_MAX - 1);

    /* job_result_fail cuts instead of overflowing: the middle goes, both ends stay. */
    static char huge[3 * RESULT_ERROR_MAX];
    memset(huge, 'h', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    memset(&in, 0, sizeof(in));
    in.ok = 1;
    job_result_fail(&in, "start %s: the cause", huge);
    CHECK_EQ_INT(in.ok, 0);
    CHECK_EQ_INT(strlen(in.error), RESULT_ERROR_MAX - 1);
    CHECK(!strncmp(in.error, "start hhh", 9));
    CHECK(strstr(in.error, "hhh ... hhh") != NULL);
    size_t len = strlen(in.error);
    CHECK(len > 11 && !strcmp(in.error + len - 11, ": the cause"));
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_STR(out.error, in.error);

    /* The cut falls between characters: "é" is two bytes, and is never split. */
    static char accents[2 * RESULT_ERROR_MAX + 1];
    for (size_t i = 0; i + 2 < sizeof(accents); i += 2)
        memcpy(accents + i, "\xc3\xa9", 2);
    job_result_fail(&in, "x%s", accents);
    len = strlen(in.error);
    const char *gap = strstr(in.error, " ... ");
    CHECK(gap != NULL);
    CHECK(gap && ((unsigned char)gap[5] & 0xc0) != 0x80);
    CHECK(gap && ((unsigned char)gap[-1] == 0xa9 || gap[-1] == 'x'));
    CHECK(len < RESULT_ERROR_MAX);

    /* The review's case: a PATH_MAX output path and its cause, whole. */
    char path[PATH_MAX];
    memset(path, 'p', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    job_result_fail(&in, "cannot write %s: %s", path, "No space left on device");
    CHECK(strstr(in.error, path) != NULL);
    len = strlen(in.error);
    CHECK(len > 25 && !strcmp(in.error + len - 25, ": No space left on device"));
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_STR(out.error, in.error);
}

/* Every output of a responsive set, each with its own size and flags, and a job that stopped. */
static void test_result_many_outputs(void)
{
    static struct job_result in, out;

    memset(&in, 0, sizeof(in));
    in.ok = 1;
    in.noutputs = JOB_OUTPUTS_MAX;
    for (uint32_t i = 0; i < JOB_OUTPUTS_MAX; i++)
        in.outputs[i] = (struct output_result){1, i % 2, i % 3 == 0, 2000 - i, 1000 + i, 0};
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK_EQ_INT(out.noutputs, JOB_OUTPUTS_MAX);
    for (uint32_t i = 0; i < JOB_OUTPUTS_MAX; i++) {
        const struct output_result *o = &out.outputs[i];
        CHECK(o->done && o->kept_original == (int)(i % 2) && o->capped == (i % 3 == 0));
        CHECK(o->width == 2000 - i && o->height == 1000 + i);
    }
    /* A job that failed on its third output: the first two done, to be put in place. */
    in.noutputs = 4;
    in.outputs[2].done = in.outputs[3].done = 0;
    in.outputs[2].kept_original = in.outputs[2].capped = 0;
    job_result_fail(&in, "cannot write web/a-640.avif: No space left on device");
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);
    CHECK(!out.ok && out.noutputs == 4 && out.outputs[0].done && out.outputs[1].done);
    CHECK(!out.outputs[2].done && !out.outputs[3].done);
    /* A success that left an output undone is no result a worker sends. */
    in.ok = 1;
    CHECK_EQ_INT(result_round_trip(&in, &out), -1);
}

static void test_result_decode_rejects(void)
{
    static struct job_result in, out;
    struct bytebuf b = {0};

    /* A failure that does not say why. */
    memset(&in, 0, sizeof(in));
    in.id = 1;
    in.ok = 0;
    CHECK_EQ_INT(result_round_trip(&in, &out), -1);

    /* The status byte is 0, 1 or 2, nothing else; 2 is a failure, which says why. */
    memset(&in, 0, sizeof(in));
    one_output(&in, 1, 1);
    job_result_encode(&b, &in);
    uint8_t *body = b.data + 5;
    size_t len = b.len - 5;
    CHECK_EQ_INT(job_result_decode(body, len, &out), 0);
    body[4] = 2;
    CHECK_EQ_INT(job_result_decode(body, len, &out), -1);
    body[4] = 3;
    CHECK_EQ_INT(job_result_decode(body, len, &out), -1);
    body[4] = 0xff;
    CHECK_EQ_INT(job_result_decode(body, len, &out), -1);
    body[4] = 1;

    /* An output's flags: done, kept, capped; kept and capped only with done. */
    uint8_t *flags = body + len - 13;
    CHECK_EQ_INT(*flags, 1);
    for (int f = 0; f < 256; f++) {
        *flags = (uint8_t)f;
        int sound = f == 1 || f == 3 || f == 5 || f == 7;
        CHECK_EQ_INT(job_result_decode(body, len, &out) == 0, sound);
    }
    *flags = 1;

    /* More frames written than read is no result a worker sends. */
    memset(&in, 0, sizeof(in));
    one_output(&in, 1, 1);
    in.in_frames = 3;
    in.outputs[0].frames = 4;
    CHECK_EQ_INT(result_round_trip(&in, &out), -1);
    in.in_frames = 0;
    in.outputs[0].frames = 1;
    CHECK_EQ_INT(result_round_trip(&in, &out), -1);
    in.in_frames = 4;
    CHECK_EQ_INT(result_round_trip(&in, &out), 0);

    /* Every prefix is refused, and so are trailing bytes. */
    int accepted = 0;
    for (size_t cut = 0; cut < len; cut++)
        accepted += job_result_decode(body, cut, &out) == 0;
    CHECK_EQ_INT(accepted, 0);
    uint8_t extra = 0;
    bytebuf_append(&b, &extra, 1);
    CHECK_EQ_INT(job_result_decode(b.data + 5, b.len - 5, &out), -1);
    bytebuf_release(&b);

    /* By hand: an error text too long, holding a NUL, or longer than the body. */
    struct bytebuf r = {0};
    uint8_t zero8[25] = {0};
    /* id (4) + status (1) + 2 dims (8) + usec (8) + in_frames (4) = 25 bytes of zeros: failed */
    char errtext[RESULT_ERROR_MAX];
    memset(errtext, 'x', sizeof(errtext));

    bytebuf_append(&r, zero8, 25);
    append_u32(&r, RESULT_ERROR_MAX);
    bytebuf_append(&r, errtext, RESULT_ERROR_MAX);
    append_u32(&r, 0);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), -1);

    r.len = 0;
    bytebuf_append(&r, zero8, 25);
    append_u32(&r, 3);
    bytebuf_append(&r, "a\0b", 3);
    append_u32(&r, 0);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), -1);

    r.len = 0;
    bytebuf_append(&r, zero8, 25);
    append_u32(&r, 10);
    bytebuf_append(&r, "short", 5);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), -1);

    /* More outputs than a job has, or a count the body does not hold. */
    r.len = 0;
    bytebuf_append(&r, zero8, 25);
    append_u32(&r, 5);
    bytebuf_append(&r, "sound", 5);
    append_u32(&r, JOB_OUTPUTS_MAX + 1);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), -1);
    r.len -= 4;
    append_u32(&r, 2);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), -1);

    /* The same by hand with a sound error text is accepted: the rejections above are real. */
    r.len = 0;
    bytebuf_append(&r, zero8, 25);
    append_u32(&r, 5);
    bytebuf_append(&r, "sound", 5);
    append_u32(&r, 0);
    CHECK_EQ_INT(job_result_decode(r.data, r.len, &out), 0);
    CHECK_EQ_INT(out.ok, 0);
    CHECK_EQ_STR(out.error, "sound");
    bytebuf_release(&r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    fill_big_body();
    test_encode_layout();
    test_decoder_whole();
    test_decoder_byte_by_byte();
    test_decoder_many_in_one_feed();
    test_decoder_bad_lengths();
    test_decoder_truncated();
    test_pipe_short_reads();
    test_pipe_large_frame();
    test_pipe_bad_streams();
    test_pipe_writer_dies_mid_frame();
    test_pipe_write_to_gone_reader();
    test_job_round_trip();
    test_job_many_outputs();
    test_job_decode_rejects();
    test_result_round_trip();
    test_result_many_outputs();
    test_result_decode_rejects();
    return check_summary();
}
