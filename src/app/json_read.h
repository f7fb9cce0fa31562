/*
 * json_read: reading back the JSON imgbatch writes (--stats-file, --json).
 *
 * `imgbatch report` adds up the stats files and --json logs of a split's
 * shards; this is the reader they go through, small and strict so that a
 * file that is not what it should be is refused with a reason, never half
 * understood.  It takes RFC 8259 JSON: one value, nested at most
 * JSON_DEPTH_MAX deep.  Strings come back as UTF-8 C strings, so a \u0000
 * (which imgbatch never writes: a path holds no NUL) and a lone surrogate
 * are refused; invalid UTF-8 in the text is refused too.  Numbers are
 * doubles: counts up to 2^53 are exact.
 */
#ifndef IMGBATCH_JSON_READ_H
#define IMGBATCH_JSON_READ_H

#include <stddef.h>

/* Deeper than anything imgbatch writes (3), shallow enough for the C stack. */
#define JSON_DEPTH_MAX 32

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

struct json_value {
    enum json_type type;
    double number;            /* JSON_NUMBER */
    char *string;             /* JSON_STRING */
    struct json_value *items; /* JSON_ARRAY's items, JSON_OBJECT's values */
    char **keys;              /* JSON_OBJECT's keys, in the text's order */
    size_t count;
};

/*
 * Parses the whole of text[0..len) as one JSON value (white space around
 * it allowed) into v.  Returns 0, or -1 with the reason and its byte
 * offset in err ("at byte 17: expected ':' after an object key"); v is
 * then empty.  Release v with json_release.
 */
int json_parse(const char *text, size_t len, struct json_value *v, char *err, size_t errlen);

void json_release(struct json_value *v);

/* The value of key in an object (the last, if the key repeats), or NULL. */
const struct json_value *json_get(const struct json_value *object, const char *key);

/* key's value when it is a string / a number, else NULL / fallback. */
const char *json_get_string(const struct json_value *object, const char *key);
double json_get_number(const struct json_value *object, const char *key, double fallback);

#endif
