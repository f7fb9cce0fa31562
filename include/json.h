/*
 * json: writing JSON strings and numbers safely.
 *
 * File names may hold any byte but NUL, invalid UTF-8 included, and every
 * line imgbatch prints with --json must still be valid JSON: control
 * characters are escaped, and each byte that is not part of valid UTF-8 is
 * written as U+FFFD.
 */
#ifndef IMGBATCH_JSON_H
#define IMGBATCH_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string. */
void json_put_string(FILE *out, const char *s);

/* Writes a finite number with up to `decimals` decimals (non-finite: 0). */
void json_put_number(FILE *out, double v, int decimals);

/* Writes s for a terminal line: control characters as \n, \t or \xNN. */
void text_put_path(FILE *out, const char *s);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
int utf8_sequence_length(const unsigned char *s);

#endif
