/* message: job and result bodies; see include/pool/message.h for the layout. */
#include "pool/message.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_u32(struct bytebuf *b, uint32_t v)
{
    uint8_t p[4];

    put_be32(p, v);
    bytebuf_append(b, p, 4);
}

static void put_u64(struct bytebuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)(v >> 32));
    put_u32(b, (uint32_t)v);
}

static void put_str(struct bytebuf *b, const char *s)
{
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    bytebuf_append(b, s, n);
}

/* A cursor over a body: every get fails once the body is exhausted. */
struct reader {
    const uint8_t *p;
    size_t left;
    int bad;
};

static uint32_t get_u32(struct reader *r)
{
    if (r->bad || r->left < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = get_be32(r->p);
    r->p += 4;
    r->left -= 4;
    return v;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t hi = get_u32(r);
    return hi << 32 | get_u32(r);
}

/* A length-prefixed byte string: its start in the body and its length in *len, or NULL. */
static const uint8_t *get_bytes(struct reader *r, size_t *len)
{
    uint32_t n = get_u32(r);
    if (r->bad || r->left < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    *len = n;
    return p;
}

static char *get_path(struct reader *r)
{
    size_t n;
    const uint8_t *p = get_bytes(r, &n);

    if (!p || n == 0 || memchr(p, '\0', n)) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

void job_request_encode(struct bytebuf *out, uint32_t id, const char *input, uint32_t root,
                        const struct job_output *outputs, uint32_t noutputs)
{
    struct bytebuf body = {0};

    put_u32(&body, id);
    put_str(&body, input);
    put_u32(&body, root);
    put_u32(&body, noutputs);
    for (uint32_t i = 0; i < noutputs; i++) {
        put_str(&body, outputs[i].path);
        put_u64(&body, outputs[i].tag);
        put_u32(&body, outputs[i].variant);
    }
    frame_encode(out, MSG_JOB, body.data, body.len);
    bytebuf_release(&body);
}

int job_request_decode(const uint8_t *body, size_t len, struct job_request *req)
{
    struct reader r = {body, len, 0};

    memset(req, 0, sizeof(*req));
    req->id = get_u32(&r);
    req->input = get_path(&r);
    req->root = get_u32(&r);
    uint32_t n = get_u32(&r);
    /* Bound the count before allocating for it: each output takes 16 bytes at least. */
    if (!r.bad && (n == 0 || n > JOB_OUTPUTS_MAX || n > r.left / 16))
        r.bad = 1;
    if (!r.bad) {
        req->outputs = calloc(n, sizeof(*req->outputs));
        r.bad = !req->outputs;
    }
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        req->outputs[i].path = get_path(&r);
        req->outputs[i].tag = get_u64(&r);
        req->outputs[i].variant = get_u32(&r);
        req->noutputs = i + 1;
    }
    if (r.bad || r.left) {
        job_request_release(req);
        return -1;
    }
    return 0;
}

void job_request_release(struct job_request *req)
{
    for (uint32_t i = 0; i < req->noutputs; i++)
        free(req->outputs[i].path);
    free(req->outputs);
    free(req->input);
    req->input = NULL;
    req->outputs = NULL;
    req->noutputs = 0;
}

/* An output's flags byte: done, its original kept, capped. */
enum { OUTPUT_DONE = 1, OUTPUT_KEPT_ORIGINAL = 2, OUTPUT_CAPPED = 4 };

static uint8_t output_flags(const struct output_result *o)
{
    if (!o->done)
        return 0;
    return OUTPUT_DONE | (o->kept_original ? OUTPUT_KEPT_ORIGINAL : 0) |
           (o->capped ? OUTPUT_CAPPED : 0);
}

void job_result_encode(struct bytebuf *out, const struct job_result *res)
{
    struct bytebuf body = {0};
    uint8_t status = res->ok ? 1 : res->input_fault ? 2 : 0;

    put_u32(&body, res->id);
    bytebuf_append(&body, &status, 1);
    put_u32(&body, res->in_width);
    put_u32(&body, res->in_height);
    put_u64(&body, res->usec);
    put_u32(&body, res->in_frames);
    put_str(&body, res->ok ? "" : res->error);
    put_u32(&body, res->noutputs);
    for (uint32_t i = 0; i < res->noutputs; i++) {
        uint8_t flags = output_flags(&res->outputs[i]);
        bytebuf_append(&body, &flags, 1);
        put_u32(&body, res->outputs[i].width);
        put_u32(&body, res->outputs[i].height);
        put_u32(&body, res->outputs[i].frames);
    }
    frame_encode(out, MSG_RESULT, body.data, body.len);
    bytebuf_release(&body);
}

/* One output's result; -1 for flags no worker sends. */
static int get_output(struct reader *r, struct output_result *o, uint32_t in_frames)
{
    uint8_t flags;

    if (r->bad || r->left < 1)
        return -1;
    flags = r->p[0];
    r->p++;
    r->left--;
    if (flags & ~(OUTPUT_DONE | OUTPUT_KEPT_ORIGINAL | OUTPUT_CAPPED) ||
        (flags && !(flags & OUTPUT_DONE)))
        return -1;
    o->done = flags & OUTPUT_DONE;
    o->kept_original = !!(flags & OUTPUT_KEPT_ORIGINAL);
    o->capped = !!(flags & OUTPUT_CAPPED);
    o->width = get_u32(r);
    o->height = get_u32(r);
    o->frames = get_u32(r);
    /* No worker writes frames its input did not have. */
    return r->bad || o->frames > in_frames ? -1 : 0;
}

/* The outputs' part of a result: a count, and each. */
static int get_outputs(struct reader *r, struct job_result *res)
{
    uint32_t n = get_u32(r);

    if (r->bad || n > JOB_OUTPUTS_MAX)
        return -1;
    res->noutputs = n;
    for (uint32_t i = 0; i < n; i++) {
        if (get_output(r, &res->outputs[i], res->in_frames) < 0)
            return -1;
        /* An ok job did every output. */
        if (res->ok && !res->outputs[i].done)
            return -1;
    }
    return 0;
}

int job_result_decode(const uint8_t *body, size_t len, struct job_result *res)
{
    struct reader r = {body, len, 0};
    size_t n = 0;

    memset(res, 0, sizeof(*res));
    res->id = get_u32(&r);
    if (r.left < 1 || r.p[0] > 2)
        return -1;
    res->ok = r.p[0] == 1;
    res->input_fault = r.p[0] == 2;
    r.p++;
    r.left--;
    res->in_width = get_u32(&r);
    res->in_height = get_u32(&r);
    res->usec = get_u64(&r);
    res->in_frames = get_u32(&r);
    const uint8_t *err = get_bytes(&r, &n);
    if (r.bad || n >= RESULT_ERROR_MAX || memchr(err, '\0', n))
        return -1;
    memcpy(res->error, err, n);
    res->error[n] = '\0';
    if (!res->ok && n == 0)
        return -1; /* a failure always says why */
    if (get_outputs(&r, res) < 0 || r.bad || r.left)
        return -1;
    return 0;
}

/* A cut at i in text would split a UTF-8 character: i is inside one. */
static int inside_utf8(const char *text, size_t i)
{
    return ((unsigned char)text[i] & 0xc0) == 0x80;
}

/*
 * Puts text (len bytes) into buf (size bytes) as "<start> ... <end>",
 * cutting between characters, so that the end, where the cause is, stays.
 */
static void keep_both_ends(char *buf, size_t size, const char *text, size_t len)
{
    static const char gap[] = " ... ";
    size_t room = size - 1 - (sizeof(gap) - 1);
    size_t head = room / 2, tail_from = len - (room - head);

    while (head > 0 && inside_utf8(text, head))
        head--;
    while (tail_from < len && inside_utf8(text, tail_from))
        tail_from++;
    memcpy(buf, text, head);
    memcpy(buf + head, gap, sizeof(gap) - 1);
    memcpy(buf + head + sizeof(gap) - 1, text + tail_from, len - tail_from);
    buf[head + sizeof(gap) - 1 + len - tail_from] = '\0';
}

void job_result_fail(struct job_result *res, const char *fmt, ...)
{
    va_list ap, again;

    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(res->error, sizeof(res->error), fmt, ap);
    va_end(ap);
    res->ok = 0;
    if (n < 0) /* a format error: there is still a failure to report */
        snprintf(res->error, sizeof(res->error), "failed (its reason could not be formatted)");
    else if ((size_t)n >= sizeof(res->error)) {
        /* Too long: format it whole once more.  Out of memory, the start stays. */
        char *whole = NULL;
        if (vasprintf(&whole, fmt, again) >= 0) {
            keep_both_ends(res->error, sizeof(res->error), whole, strlen(whole));
            free(whole);
        }
    }
    va_end(again);
}
