/* json: string escaping for JSON and for text lines; see include/json.h. */
#include "json.h"

#include <math.h>

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

void text_put_path(FILE *out, const char *str)
{
    for (const unsigned char *s = (const unsigned char *)str; *s; s++) {
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else if (*s < 0x20 || *s == 0x7f)
            fprintf(out, "\\x%02x", *s);
        else
            putc(*s, out);
    }
}
