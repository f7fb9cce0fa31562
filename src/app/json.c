/* json: string escaping for JSON and for text lines; see json.h. */
#include "json.h"
#include "base/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int utf8_sequence_length(const unsigned char *s)
{
    unsigned c = s[0];
    int n;
    unsigned min;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL terminator */
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0; /* overlong, out of range, or a surrogate */
    return n;
}

void json_put_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    putc('"', out);
    while (*s) {
        int n = utf8_sequence_length(s);
        if (n == 0) {
            fputs("\\ufffd", out);
            s++;
            continue;
        }
        if (n > 1) {
            fwrite(s, 1, (size_t)n, out);
            s += n;
            continue;
        }
        switch (*s) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*s < 0x20 || *s == 0x7f)
                fprintf(out, "\\u%04x", *s);
            else
                putc(*s, out);
        }
        s++;
    }
    putc('"', out);
}

void json_put_number(FILE *out, double v, int decimals)
{
    if (!isfinite(v))
        v = 0;
    fprintf(out, "%.*f", decimals, v);
}

int utf8_valid(const char *str)
{
    for (const unsigned char *s = (const unsigned char *)str; *s;) {
        int n = utf8_sequence_length(s);
        if (!n)
            return 0;
        s += n;
    }
    return 1;
}

void json_put_path_field(FILE *out, const char *key, const char *path)
{
    fprintf(out, "\"%s\":", key);
    json_put_string(out, path);
    if (utf8_valid(path))
        return;
    fprintf(out, ",\"%s_hex\":\"", key);
    put_hex(out, path);
    putc('"', out);
}

void put_hex(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fprintf(out, "%02x", *p);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *from_hex(const char *hex)
{
    size_t len = strlen(hex);
    char *s;

    if (len == 0 || len % 2)
        return NULL;
    s = xcalloc(len / 2 + 1, 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(s);
            return NULL;
        }
        s[i] = (char)(hi * 16 + lo);
    }
    return s;
}

void json_begin_file(FILE *out, const char *input, const char *output)
{
    putc('{', out);
    json_put_path_field(out, "input", input);
    if (output) {
        putc(',', out);
        json_put_path_field(out, "output", output);
    }
}

void text_put_file(FILE *out, const char *mark, const char *input, const char *output)
{
    fputs(mark, out);
    putc(' ', out);
    text_put_path(out, input);
    if (output) {
        fputs(" -> ", out);
        text_put_path(out, output);
    }
}

/* Writes s with control characters and invalid UTF-8 escaped; quote also escapes '"' and '\'. */
static void put_escaped(FILE *out, const char *str, int quote)
{
    const unsigned char *s = (const unsigned char *)str;

    while (*s) {
        int n = utf8_sequence_length(s);
        if (n > 1) {
            fwrite(s, 1, (size_t)n, out);
            s += n;
            continue;
        }
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else if (*s == '\r')
            fputs("\\r", out);
        else if (n == 0 || *s < 0x20 || *s == 0x7f)
            fprintf(out, "\\x%02x", *s);
        else if (quote && (*s == '"' || *s == '\\'))
            fprintf(out, "\\%c", *s);
        else
            putc(*s, out);
        s++;
    }
}

/*
 * A name needs quotes when, printed raw, it could not be told apart from
 * another name or from the line around it: control characters, invalid
 * UTF-8, a quote or backslash (which the escapes use), the separators of
 * the line format, or blanks at either end.
 */
static int needs_quotes(const char *str)
{
    size_t len = strlen(str);

    if (!len || str[0] == ' ' || str[len - 1] == ' ' || strstr(str, " -> ") ||
        strstr(str, ": ") || !utf8_valid(str))
        return 1;
    for (const unsigned char *s = (const unsigned char *)str; *s; s++)
        if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
            return 1;
    return 0;
}

void text_put_path(FILE *out, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    put_escaped(out, s, 1);
    putc('"', out);
}

void text_put_message(FILE *out, const char *s)
{
    put_escaped(out, s, 0);
}
