/*
 * json: writing JSON strings and numbers safely.
 *
 * File names may hold any byte but NUL, invalid UTF-8 included, and every
 * line imgbatch prints with --json must still be valid JSON: control
 * characters are escaped, and each byte that is not part of valid UTF-8 is
 * written as U+FFFD.  Since that loses the name, a path field that is not
 * valid UTF-8 is followed by KEY_hex with its exact bytes.
 *
 * Text lines quote a name only when it needs it ("a b.jpg" stays as is):
 * then in double quotes, with \n, \t, \r, \", \\ and \xNN escapes, as
 * git quotes unusual paths.
 */
#ifndef IMGBATCH_JSON_H
#define IMGBATCH_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string. */
void json_put_string(FILE *out, const char *s);

/* Writes a finite number with up to `decimals` decimals (non-finite: 0). */
void json_put_number(FILE *out, double v, int decimals);

/* Writes "key":"path", and ,"key_hex":"..." when path is not valid UTF-8. */
void json_put_path_field(FILE *out, const char *key, const char *path);

/* Opens a per-file JSON line: {"input":... and ,"output":... unless output is NULL. */
void json_begin_file(FILE *out, const char *input, const char *output);

/* Starts a per-file text line: "MARK INPUT", then " -> OUTPUT" unless output is NULL. */
void text_put_file(FILE *out, const char *mark, const char *input, const char *output);

/* Each byte of s as two lowercase hex digits. */
void put_hex(FILE *out, const char *s);

/*
 * put_hex's output back to the bytes it spelled, in a string to free; NULL
 * if hex is empty, not pairs of lowercase hex digits, or spells a NUL.
 */
char *from_hex(const char *hex);

/* Writes a file name for a text line, quoted and escaped if it needs it. */
void text_put_path(FILE *out, const char *s);

/* Writes a message for a text line: control characters and invalid UTF-8 as escapes. */
void text_put_message(FILE *out, const char *s);

/* 1 if s is valid UTF-8. */
int utf8_valid(const char *s);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
int utf8_sequence_length(const unsigned char *s);

#endif
