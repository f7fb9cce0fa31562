/*
 * test_json: every --json line must be valid JSON whatever a file name holds.
 *
 * json_put_string() is checked byte for byte on quotes, backslashes,
 * control characters, valid multibyte UTF-8 (passed through untouched) and
 * each kind of invalid UTF-8 (each bad byte one U+FFFD, the rest of the name
 * kept).  text_put_path() must keep a name on one terminal line, and
 * json_put_number() must never print nan or inf, which JSON does not have.
 */
#include "check.h"

#include "json.h"

#include <math.h>
#include <stdlib.h>

/* What fn(out, s) writes, as a malloc'd string. */
static char *capture_string(void (*fn)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    fn(f, s);
    fclose(f);
    return buf;
}

static void expect_json(const char *in, const char *want, int line)
{
    char *got = capture_string(json_put_string, in);

    if (!got || strcmp(got, want))
        fprintf(stderr, "test_json.c:%d: json_put_string gave %s, want %s\n", line,
                got ? got : "(null)", want);
    CHECK_EQ_STR(got, want);
    free(got);
}

static void expect_text(const char *in, const char *want, int line)
{
    char *got = capture_string(text_put_path, in);

    CHECK_EQ_STR(got, want);
    if (!got || strcmp(got, want))
        fprintf(stderr, "test_json.c:%d: text_put_path mismatch\n", line);
    free(got);
}

#define EXPECT_JSON(in, want) expect_json(in, want, __LINE__)
#define EXPECT_TEXT(in, want) expect_text(in, want, __LINE__)

static void test_plain_and_escapes(void)
{
    EXPECT_JSON("", "\"\"");
    EXPECT_JSON("photos/a.jpg", "\"photos/a.jpg\"");
    EXPECT_JSON("my photo (1).jpg", "\"my photo (1).jpg\"");
    EXPECT_JSON("say \"cheese\".jpg", "\"say \\\"cheese\\\".jpg\"");
    EXPECT_JSON("back\\slash", "\"back\\\\slash\"");
    EXPECT_JSON("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
    /* Other control characters as \u00XX, DEL too. */
    EXPECT_JSON("\x01", "\"\\u0001\"");
    EXPECT_JSON("\x08\x0c", "\"\\u0008\\u000c\"");
    EXPECT_JSON("x\x1fy", "\"x\\u001fy\"");
    EXPECT_JSON("\x1b[31m", "\"\\u001b[31m\"");
    EXPECT_JSON("del\x7f", "\"del\\u007f\"");
    /* Printable ASCII that JSON allows bare stays bare: '/' is not escaped. */
    EXPECT_JSON("a/b'c<>&", "\"a/b'c<>&\"");
    EXPECT_JSON(" ~", "\" ~\"");
}

static void test_valid_utf8(void)
{
    EXPECT_JSON("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* é */
    EXPECT_JSON("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");           /* € */
    EXPECT_JSON("\xf0\x9f\x98\x80.jpg", "\"\xf0\x9f\x98\x80.jpg\""); /* 😀 */
    EXPECT_JSON("\xc2\x80", "\"\xc2\x80\"");                       /* U+0080, smallest 2-byte */
    EXPECT_JSON("\xdf\xbf", "\"\xdf\xbf\"");                       /* U+07FF */
    EXPECT_JSON("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");               /* U+FFFD itself */
    EXPECT_JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");       /* U+10FFFF, the last */
    EXPECT_JSON("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");               /* U+D7FF, below surrogates */
    EXPECT_JSON("\xee\x80\x80", "\"\xee\x80\x80\"");               /* U+E000, above them */

    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"a"), 1);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xc3\xa9"), 2);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xe2\x82\xac"), 3);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xf0\x9f\x98\x80"), 4);
}

static void test_invalid_utf8(void)
{
    EXPECT_JSON("\xff", "\"\\ufffd\"");
    EXPECT_JSON("a\xff" "b", "\"a\\ufffdb\"");
    EXPECT_JSON("\xfe\xff", "\"\\ufffd\\ufffd\"");
    /* A lone continuation byte. */
    EXPECT_JSON("x\x80y", "\"x\\ufffdy\"");
    /* Overlong encodings: one replacement per byte, none decoded as '/' or NUL. */
    EXPECT_JSON("\xc0\x80", "\"\\ufffd\\ufffd\"");
    EXPECT_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    EXPECT_JSON("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    EXPECT_JSON("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* A surrogate half (U+D800) is not UTF-8. */
    EXPECT_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    EXPECT_JSON("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
    /* Above U+10FFFF. */
    EXPECT_JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    EXPECT_JSON("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    /* Truncated sequences, at the end and followed by ASCII: the ASCII survives. */
    EXPECT_JSON("\xe2\x82", "\"\\ufffd\\ufffd\"");
    EXPECT_JSON("\xe2\x82.jpg", "\"\\ufffd\\ufffd.jpg\"");
    EXPECT_JSON("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
    EXPECT_JSON("\xc3", "\"\\ufffd\"");
    /* A truncated sequence followed by a valid one keeps the valid one. */
    EXPECT_JSON("\xe2\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
    /* A bad byte before a quote still lets the quote be escaped. */
    EXPECT_JSON("\xc3\"", "\"\\ufffd\\\"\"");

    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\x80"), 0);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xc0\x80"), 0);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xed\xa0\x80"), 0);
    CHECK_EQ_INT(utf8_sequence_length((const unsigned char *)"\xe2\x82"), 0);
}

/* Whatever the bytes, the output is pure ASCII or valid UTF-8 with no raw control byte. */
static void test_all_bytes(void)
{
    char in[256];
    int n = 0;

    for (int c = 1; c < 256; c++)
        in[n++] = (char)c;
    in[n] = '\0';
    char *got = capture_string(json_put_string, in);
    CHECK(got != NULL);
    if (!got)
        return;
    int raw_control = 0, invalid = 0;
    size_t len = strlen(got);
    for (const unsigned char *p = (const unsigned char *)got; *p;) {
        if (*p < 0x20 || *p == 0x7f)
            raw_control++;
        int l = utf8_sequence_length(p);
        if (l == 0) {
            invalid++;
            l = 1;
        }
        p += l;
    }
    CHECK_EQ_INT(raw_control, 0);
    CHECK_EQ_INT(invalid, 0);
    CHECK(len > 2 && got[0] == '"' && got[len - 1] == '"');
    /* 128 bytes 0x80..0xff, none valid alone: 128 replacements. */
    int repl = 0;
    for (const char *p = got; (p = strstr(p, "\\ufffd")); p += 6)
        repl++;
    CHECK_EQ_INT(repl, 128);
    free(got);
}

static void test_text_put_path(void)
{
    EXPECT_TEXT("photos/a.jpg", "photos/a.jpg");
    /* Names that could be misread are quoted and escaped, as git quotes paths. */
    EXPECT_TEXT("line\nbreak.jpg", "\"line\\nbreak.jpg\"");
    EXPECT_TEXT("tab\there", "\"tab\\there\"");
    EXPECT_TEXT("cr\r.jpg", "\"cr\\r.jpg\"");
    EXPECT_TEXT("\x1b[2J", "\"\\x1b[2J\"");
    EXPECT_TEXT("del\x7f", "\"del\\x7f\"");
    EXPECT_TEXT("\x01", "\"\\x01\"");
    /* A literal backslash-n differs from a newline; a quote from the quoting. */
    EXPECT_TEXT("back\\nslash.jpg", "\"back\\\\nslash.jpg\"");
    EXPECT_TEXT("say \"hi\".jpg", "\"say \\\"hi\\\".jpg\"");
    /* Invalid UTF-8: each stray byte as \xNN, so two such names never look alike. */
    EXPECT_TEXT("a\xff.jpg", "\"a\\xff.jpg\"");
    EXPECT_TEXT("a\xfe.jpg", "\"a\\xfe.jpg\"");
    /* The line's own separators, and blanks at the ends, would mislead a reader. */
    EXPECT_TEXT("a -> b.jpg", "\"a -> b.jpg\"");
    EXPECT_TEXT("x: y.jpg", "\"x: y.jpg\"");
    EXPECT_TEXT(" lead.jpg", "\" lead.jpg\"");
    EXPECT_TEXT("trail.jpg ", "\"trail.jpg \"");
    /* UTF-8, inner spaces, leading dashes and single quotes are shown as they are. */
    EXPECT_TEXT("caf\xc3\xa9 1.jpg", "caf\xc3\xa9 1.jpg");
    EXPECT_TEXT("-rf.jpg", "-rf.jpg");
    EXPECT_TEXT("it's.jpg", "it's.jpg");

    /* Nothing printed by text_put_path holds a raw newline. */
    char in[40];
    for (int i = 0; i < 39; i++)
        in[i] = (char)(i + 1);
    in[39] = '\0';
    char *got = capture_string(text_put_path, in);
    CHECK(got && !strchr(got, '\n') && !strchr(got, '\r') && !strchr(got, '\t'));
    free(got);
}

static void put_input_field(FILE *f, const char *s)
{
    json_put_path_field(f, "input", s);
}

/* A name that is not valid UTF-8 also comes as exact bytes: U+FFFD alone would lose it. */
static void test_path_field(void)
{
    char *got = capture_string(put_input_field, "a.jpg");
    CHECK_EQ_STR(got, "\"input\":\"a.jpg\"");
    free(got);
    got = capture_string(put_input_field, "caf\xc3\xa9.jpg");
    CHECK_EQ_STR(got, "\"input\":\"caf\xc3\xa9.jpg\"");
    free(got);
    got = capture_string(put_input_field, "a\xff.jpg");
    CHECK_EQ_STR(got, "\"input\":\"a\\ufffd.jpg\",\"input_hex\":\"61ff2e6a7067\"");
    free(got);
    CHECK_EQ_INT(utf8_valid("caf\xc3\xa9"), 1);
    CHECK_EQ_INT(utf8_valid("\xc3"), 0);
    CHECK_EQ_INT(utf8_valid(""), 1);
}

/* Error messages are not quoted, but never break the line or the terminal. */
static void test_text_message(void)
{
    char *got = capture_string(text_put_message, "bad \"x\"\n\x1b[1m\xff");
    CHECK_EQ_STR(got, "bad \"x\"\\n\\x1b[1m\\xff");
    free(got);
}

static char *capture_number(double v, int decimals)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    json_put_number(f, v, decimals);
    fclose(f);
    return buf;
}

static void test_numbers(void)
{
    char *s;

    s = capture_number(NAN, 1);
    CHECK_EQ_STR(s, "0.0");
    free(s);
    s = capture_number(INFINITY, 2);
    CHECK_EQ_STR(s, "0.00");
    free(s);
    s = capture_number(-INFINITY, 0);
    CHECK_EQ_STR(s, "0");
    free(s);
    s = capture_number(23.44, 1);
    CHECK_EQ_STR(s, "23.4");
    free(s);
    s = capture_number(89.25, 1);
    CHECK(s && (!strcmp(s, "89.2") || !strcmp(s, "89.3")));
    free(s);
    s = capture_number(1.21, 2);
    CHECK_EQ_STR(s, "1.21");
    free(s);
    s = capture_number(108, 0);
    CHECK_EQ_STR(s, "108");
    free(s);
    s = capture_number(-3.5, 1);
    CHECK_EQ_STR(s, "-3.5");
    free(s);
}

int main(void)
{
    test_plain_and_escapes();
    test_valid_utf8();
    test_invalid_utf8();
    test_all_bytes();
    test_text_put_path();
    test_path_field();
    test_text_message();
    test_numbers();
    return check_summary();
}
