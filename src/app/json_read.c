/*
 * json_read: a strict recursive-descent JSON reader; see json_read.h.
 *
 * Values are built as they are read; on the first error everything built
 * so far is released and the reason kept, so a caller sees either a whole
 * value or none.
 */
#include "json_read.h"
#include "base/xalloc.h"
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "at byte %zu: %s", p->pos, why);
    return -1;
}

static void skip_space(struct parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int parse_value(struct parser *p, struct json_value *v);

static int literal(struct parser *p, const char *word, enum json_type type, struct json_value *v)
{
    size_t n = strlen(word);

    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
        return fail(p, "not a JSON value");
    p->pos += n;
    v->type = type;
    return 0;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A number as JSON spells it (no leading zeros, no '+', no bare '.'), read by strtod. */
static int parse_number(struct parser *p, struct json_value *v)
{
    size_t start = p->pos;
    char buf[64];

    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p)))
            p->pos++;
    } else {
        return fail(p, "not a JSON value");
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p)))
            return fail(p, "a digit must follow the decimal point");
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p)))
            return fail(p, "a digit must follow the exponent");
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (p->pos - start >= sizeof(buf))
        return fail(p, "a number of more than %zu characters", sizeof(buf) - 1);
    memcpy(buf, p->s + start, p->pos - start);
    buf[p->pos - start] = '\0';
    v->type = JSON_NUMBER;
    v->number = strtod(buf, NULL);
    return 0;
}

static int hex4(struct parser *p, unsigned *out)
{
    unsigned v = 0;

    if (p->len - p->pos < 4)
        return fail(p, "\\u needs four hex digits");
    for (int i = 0; i < 4; i++) {
        int c = p->s[p->pos + (size_t)i];
        v <<= 4;
        if (is_digit(c))
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return fail(p, "\\u needs four hex digits");
    }
    p->pos += 4;
    *out = v;
    return 0;
}

/* The code point of a \u escape (p just past the 'u'), a surrogate pair joined. */
static int unicode_escape(struct parser *p, unsigned *cp)
{
    unsigned lo;

    if (hex4(p, cp) < 0)
        return -1;
    if (*cp == 0)
        return fail(p, "\\u0000: a NUL cannot be in a name");
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return fail(p, "a lone low surrogate");
    if (*cp < 0xd800 || *cp > 0xdbff)
        return 0;
    if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
        return fail(p, "a high surrogate without its low half");
    p->pos += 2;
    if (hex4(p, &lo) < 0)
        return -1;
    if (lo < 0xdc00 || lo > 0xdfff)
        return fail(p, "a high surrogate without its low half");
    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* One escape (p just past the backslash) onto out; the count of bytes put. */
static int escape(struct parser *p, char *out, size_t *put)
{
    static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
    int c = peek(p);
    const char *at = c > 0 ? strchr(plain, c) : NULL;
    unsigned cp;

    p->pos++;
    if (at) {
        out[0] = meant[at - plain];
        *put = 1;
        return 0;
    }
    if (c != 'u')
        return fail(p, "an unknown escape");
    if (unicode_escape(p, &cp) < 0)
        return -1;
    *put = put_utf8(out, cp);
    return 0;
}

/* A string (p at its opening quote) into a new C string. */
static int parse_string(struct parser *p, char **out)
{
    /* The decoded text is never longer than the source: an escape shrinks or stays. */
    size_t start = ++p->pos, n = 0;
    char *buf;

    while (p->pos < p->len && p->s[p->pos] != '"')
        p->pos += p->s[p->pos] == '\\' ? 2 : 1;
    if (p->pos >= p->len)
        return fail(p, "a string without its closing quote");
    buf = xcalloc(p->pos - start + 1, 1);
    p->pos = start;
    while (p->s[p->pos] != '"') {
        unsigned char c = (unsigned char)p->s[p->pos];
        size_t put = 0;
        if (c < 0x20) {
            free(buf);
            return fail(p, "a control character in a string");
        }
        if (c == '\\') {
            p->pos++;
            if (escape(p, buf + n, &put) < 0) {
                free(buf);
                return -1;
            }
            n += put;
            continue;
        }
        int seq = utf8_sequence_length((const unsigned char *)p->s + p->pos);
        if (seq == 0 || (size_t)seq > p->len - p->pos) {
            free(buf);
            return fail(p, "invalid UTF-8 in a string");
        }
        memcpy(buf + n, p->s + p->pos, (size_t)seq);
        n += (size_t)seq;
        p->pos += (size_t)seq;
    }
    p->pos++; /* the closing quote */
    buf[n] = '\0';
    *out = buf;
    return 0;
}

/* Room for one more item in v (an array or an object). */
static struct json_value *grow(struct json_value *v, size_t *cap)
{
    if (v->count == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = xrealloc(v->items, *cap * sizeof(*v->items));
        if (v->type == JSON_OBJECT)
            v->keys = xrealloc(v->keys, *cap * sizeof(*v->keys));
    }
    memset(&v->items[v->count], 0, sizeof(v->items[0]));
    return &v->items[v->count];
}

/* An array or object (p at its bracket); close is ']' or '}'. */
static int parse_container(struct parser *p, struct json_value *v, enum json_type type, char close)
{
    size_t cap = 0;

    if (++p->depth > JSON_DEPTH_MAX)
        return fail(p, "nested more than %d deep", JSON_DEPTH_MAX);
    v->type = type;
    p->pos++;
    skip_space(p);
    if (peek(p) == close) {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        struct json_value *item = grow(v, &cap);
        skip_space(p);
        if (type == JSON_OBJECT) {
            if (peek(p) != '"')
                return fail(p, "expected a string key in an object");
            if (parse_string(p, &v->keys[v->count]) < 0)
                return -1;
            skip_space(p);
            if (peek(p) != ':') {
                free(v->keys[v->count]);
                return fail(p, "expected ':' after an object key");
            }
            p->pos++;
        }
        if (parse_value(p, item) < 0) {
            if (type == JSON_OBJECT)
                free(v->keys[v->count]);
            json_release(item);
            return -1;
        }
        v->count++;
        skip_space(p);
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == close) {
            p->pos++;
            p->depth--;
            return 0;
        }
        return fail(p, "expected ',' or '%c'", close);
    }
}

static int parse_value(struct parser *p, struct json_value *v)
{
    memset(v, 0, sizeof(*v));
    skip_space(p);
    switch (peek(p)) {
    case '{':
        return parse_container(p, v, JSON_OBJECT, '}');
    case '[':
        return parse_container(p, v, JSON_ARRAY, ']');
    case '"':
        v->type = JSON_STRING;
        return parse_string(p, &v->string);
    case 't':
        return literal(p, "true", JSON_TRUE, v);
    case 'f':
        return literal(p, "false", JSON_FALSE, v);
    case 'n':
        return literal(p, "null", JSON_NULL, v);
    case -1:
        return fail(p, "the text ends where a value should be");
    default:
        return parse_number(p, v);
    }
}

int json_parse(const char *text, size_t len, struct json_value *v, char *err, size_t errlen)
{
    struct parser p = {text, len, 0, 0, err, errlen};

    if (parse_value(&p, v) < 0) {
        json_release(v);
        return -1;
    }
    skip_space(&p);
    if (p.pos < len) {
        json_release(v);
        return fail(&p, "more after the value");
    }
    return 0;
}

void json_release(struct json_value *v)
{
    for (size_t i = 0; i < v->count; i++) {
        json_release(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    memset(v, 0, sizeof(*v));
}

const struct json_value *json_get(const struct json_value *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (size_t i = object->count; i-- > 0;)
        if (!strcmp(object->keys[i], key))
            return &object->items[i];
    return NULL;
}

const char *json_get_string(const struct json_value *object, const char *key)
{
    const struct json_value *v = json_get(object, key);

    return v && v->type == JSON_STRING ? v->string : NULL;
}

double json_get_number(const struct json_value *object, const char *key, double fallback)
{
    const struct json_value *v = json_get(object, key);

    return v && v->type == JSON_NUMBER ? v->number : fallback;
}
