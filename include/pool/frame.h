/*
 * frame: the wire format between the master and its workers.
 *
 * Every message is a frame: a 4-byte big-endian length, then that many
 * bytes, of which the first is the frame type and the rest its body.  Paths
 * may hold any byte but NUL, so nothing here is delimited by newlines.  A
 * length of zero (no type byte) or above FRAME_MAX is a protocol error,
 * never a guess: the peer is broken and the connection is dropped.
 *
 * Two ways to read frames, as git does with pkt-lines:
 *  - frame_read_blocking(), for the worker's blocking job pipe;
 *  - struct frame_decoder, an incremental decoder the master feeds with
 *    whatever a non-blocking read() returned.  It can be fuzzed on its own.
 */
#ifndef IMGBATCH_FRAME_H
#define IMGBATCH_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER 4u
#define FRAME_MAX (1u << 20) /* type + body; far above two PATH_MAX paths */

enum frame_status {
    FRAME_OK = 1,        /* a whole frame was produced */
    FRAME_MORE = 0,      /* need more bytes */
    FRAME_EOF = -1,      /* clean end of stream between frames */
    FRAME_TRUNCATED = -2, /* end of stream in the middle of a frame */
    FRAME_OVERSIZED = -3, /* length above FRAME_MAX */
    FRAME_MALFORMED = -4, /* length zero */
    FRAME_IO_ERROR = -5   /* read() or write() failed; see errno */
};

struct frame {
    uint8_t type;
    const uint8_t *body; /* valid until the next call on the same decoder/buffer */
    size_t body_len;
};

/* A growable byte buffer, used both to build frames and to hold input. */
struct bytebuf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void bytebuf_release(struct bytebuf *b);
/* Appends; aborts on out of memory (a master that cannot allocate 1 MiB cannot go on). */
void bytebuf_append(struct bytebuf *b, const void *data, size_t len);

/* Appends one whole frame (header, type, body) to out. */
void frame_encode(struct bytebuf *out, uint8_t type, const void *body, size_t body_len);

/* Incremental decoder for the non-blocking side. */
struct frame_decoder {
    struct bytebuf buf;
    size_t consumed; /* bytes of buf already handed out as frames */
};

void frame_decoder_init(struct frame_decoder *d);
void frame_decoder_release(struct frame_decoder *d);
void frame_decoder_feed(struct frame_decoder *d, const void *data, size_t len);
/*
 * Produces the next complete frame in *f (FRAME_OK), FRAME_MORE when the
 * buffer ends inside a frame, or FRAME_OVERSIZED / FRAME_MALFORMED.  With
 * at_eof set, the stream has ended: FRAME_EOF if nothing is pending,
 * FRAME_TRUNCATED if a partial frame is.
 */
enum frame_status frame_decoder_next(struct frame_decoder *d, struct frame *f, int at_eof);

/*
 * Blocking read of one frame into buf (reused between calls).  Returns
 * FRAME_OK, FRAME_EOF, FRAME_TRUNCATED, FRAME_OVERSIZED, FRAME_MALFORMED or
 * FRAME_IO_ERROR.
 */
enum frame_status frame_read_blocking(int fd, struct bytebuf *buf, struct frame *f);

/* Blocking write of one frame; 0 or -1 with errno (EPIPE: the reader is gone). */
int frame_write_blocking(int fd, uint8_t type, const void *body, size_t body_len);

const char *frame_status_str(enum frame_status s);

/* The protocol's one integer encoding, 4 bytes big-endian, for frames and message bodies. */
void put_be32(uint8_t *p, uint32_t v);
uint32_t get_be32(const uint8_t *p);

#endif
