/*
 * frame: length-prefixed frames; see include/pool/frame.h for the format.
 *
 * The decoder keeps the unconsumed bytes at the front of its buffer and
 * compacts only when a frame has been handed out, so a burst of small frames
 * costs one memmove, not one per frame.
 */
#include "pool/frame.h"
#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bytebuf_release(struct bytebuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void bytebuf_append(struct bytebuf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
}

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void frame_encode(struct bytebuf *out, uint8_t type, const void *body, size_t body_len)
{
    uint8_t head[FRAME_HEADER + 1];

    put_be32(head, (uint32_t)(body_len + 1));
    head[FRAME_HEADER] = type;
    bytebuf_append(out, head, sizeof(head));
    bytebuf_append(out, body, body_len);
}

void frame_decoder_init(struct frame_decoder *d)
{
    memset(d, 0, sizeof(*d));
}

void frame_decoder_release(struct frame_decoder *d)
{
    bytebuf_release(&d->buf);
    d->consumed = 0;
}

void frame_decoder_feed(struct frame_decoder *d, const void *data, size_t len)
{
    /* Drop what earlier frames used before growing the buffer. */
    if (d->consumed) {
        memmove(d->buf.data, d->buf.data + d->consumed, d->buf.len - d->consumed);
        d->buf.len -= d->consumed;
        d->consumed = 0;
    }
    bytebuf_append(&d->buf, data, len);
}

/* Checks a frame's length field; FRAME_OK if it can be read on. */
static enum frame_status check_length(uint32_t len)
{
    if (len == 0)
        return FRAME_MALFORMED;
    if (len > FRAME_MAX)
        return FRAME_OVERSIZED;
    return FRAME_OK;
}

enum frame_status frame_decoder_next(struct frame_decoder *d, struct frame *f, int at_eof)
{
    size_t avail = d->buf.len - d->consumed;

    if (avail < FRAME_HEADER) {
        if (!at_eof)
            return FRAME_MORE;
        return avail ? FRAME_TRUNCATED : FRAME_EOF;
    }
    /* Only now: a decoder never fed has no buffer, and NULL + 0 is undefined. */
    const uint8_t *p = d->buf.data + d->consumed;
    uint32_t len = get_be32(p);
    enum frame_status st = check_length(len);
    if (st != FRAME_OK)
        return st;
    if (avail - FRAME_HEADER < len)
        return at_eof ? FRAME_TRUNCATED : FRAME_MORE;

    f->type = p[FRAME_HEADER];
    f->body = p + FRAME_HEADER + 1;
    f->body_len = len - 1;
    d->consumed += FRAME_HEADER + len;
    return FRAME_OK;
}

enum frame_status frame_read_blocking(int fd, struct bytebuf *buf, struct frame *f)
{
    uint8_t head[FRAME_HEADER];
    ssize_t n = read_in_full(fd, head, sizeof(head));

    if (n < 0)
        return FRAME_IO_ERROR;
    if (n == 0)
        return FRAME_EOF;
    if ((size_t)n < sizeof(head))
        return FRAME_TRUNCATED;

    uint32_t len = get_be32(head);
    enum frame_status st = check_length(len);
    if (st != FRAME_OK)
        return st;

    buf->len = 0;
    if (buf->cap < len) {
        uint8_t *p = realloc(buf->data, len);
        if (!p) {
            errno = ENOMEM;
            return FRAME_IO_ERROR;
        }
        buf->data = p;
        buf->cap = len;
    }
    n = read_in_full(fd, buf->data, len);
    if (n < 0)
        return FRAME_IO_ERROR;
    if ((size_t)n < len)
        return FRAME_TRUNCATED;
    buf->len = len;

    f->type = buf->data[0];
    f->body = buf->data + 1;
    f->body_len = len - 1;
    return FRAME_OK;
}

int frame_write_blocking(int fd, uint8_t type, const void *body, size_t body_len)
{
    struct bytebuf out = {0};

    frame_encode(&out, type, body, body_len);
    ssize_t n = write_in_full(fd, out.data, out.len);
    bytebuf_release(&out);
    return n < 0 ? -1 : 0;
}

const char *frame_status_str(enum frame_status s)
{
    switch (s) {
    case FRAME_OK:
        return "ok";
    case FRAME_MORE:
        return "incomplete frame";
    case FRAME_EOF:
        return "end of stream";
    case FRAME_TRUNCATED:
        return "stream ended inside a frame";
    case FRAME_OVERSIZED:
        return "frame length above the limit";
    case FRAME_MALFORMED:
        return "frame of length zero";
    case FRAME_IO_ERROR:
        return "I/O error";
    }
    return "unknown frame status";
}
