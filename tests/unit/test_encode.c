/*
 * test_encode: the encoders' numbers, without an encoder.
 *
 * --effort on each format's own scale, --quality on AV1's, the chroma
 * choice, and which formats each option applies to.
 */
#include "check.h"

#include "image/encode.h"

static void test_defaults(void)
{
    struct encode_options e;

    encode_options_default(&e);
    CHECK_EQ_INT(e.effort, EFFORT_DEFAULT);
    CHECK_EQ_INT(e.png_compression, PNG_COMPRESSION_DEFAULT);
    CHECK_EQ_INT(e.chroma, CHROMA_AUTO);
    CHECK(!e.lossless && !e.progressive && !e.palette && !e.keep_original);
    for (int f = FMT_AUTO; f <= FMT_JXL; f++)
        CHECK(encode_option_unused(&e, (enum out_format)f) == NULL);
}

static void test_effort(void)
{
    struct encode_options e;

    encode_options_default(&e);
    /* The batch defaults (docs/performance.md). */
    CHECK_EQ_INT(encode_effort(&e, FMT_WEBP), 4);
    CHECK_EQ_INT(encode_effort(&e, FMT_AVIF), 3);
    CHECK_EQ_INT(encode_effort(&e, FMT_JXL), 5);
    /* One scale, 0..9; each format takes it on its own, a value past its end as its end. */
    e.effort = 0;
    CHECK_EQ_INT(encode_effort(&e, FMT_WEBP), 0);
    CHECK_EQ_INT(encode_effort(&e, FMT_AVIF), 0);
    CHECK_EQ_INT(encode_effort(&e, FMT_JXL), 3);
    e.effort = 5;
    CHECK_EQ_INT(encode_effort(&e, FMT_WEBP), 5);
    CHECK_EQ_INT(encode_effort(&e, FMT_AVIF), 5);
    CHECK_EQ_INT(encode_effort(&e, FMT_JXL), 5);
    e.effort = 9;
    CHECK_EQ_INT(encode_effort(&e, FMT_WEBP), 6);
    CHECK_EQ_INT(encode_effort(&e, FMT_AVIF), 9);
    CHECK_EQ_INT(encode_effort(&e, FMT_JXL), 9);
}

static void test_avif_quality(void)
{
    /* The ends, and the measured points between (encode.c, docs/performance.md). */
    CHECK_EQ_INT(avif_quality(1), 1);
    CHECK_EQ_INT(avif_quality(100), 100);
    CHECK_EQ_INT(avif_quality(0), 1);
    CHECK_EQ_INT(avif_quality(500), 100);
    CHECK_EQ_INT(avif_quality(85), 71);
    CHECK_EQ_INT(avif_quality(90), 80);
    CHECK_EQ_INT(avif_quality(75), 59);
    CHECK_EQ_INT(avif_quality(50), 48);
    CHECK_EQ_INT(avif_quality(25), 24); /* about halfway from 1 to 48 */
    /* Never down as --quality goes up, and always within AV1's 1..100. */
    int last = 0;
    for (int q = 1; q <= 100; q++) {
        int a = avif_quality(q);
        CHECK(a >= last && a >= 1 && a <= 100);
        last = a;
    }
}

static void test_chroma(void)
{
    struct encode_options e;

    encode_options_default(&e);
    /* libvips' rule: full-resolution chroma from quality 90 up. */
    CHECK(!chroma_full(&e, 85));
    CHECK(!chroma_full(&e, 89));
    CHECK(chroma_full(&e, 90));
    e.chroma = CHROMA_420;
    CHECK(!chroma_full(&e, 100));
    e.chroma = CHROMA_444;
    CHECK(chroma_full(&e, 10));
}

static void test_formats_of_options(void)
{
    struct encode_options e;

    encode_options_default(&e);
    e.lossless = 1;
    CHECK(encode_option_unused(&e, FMT_WEBP) == NULL);
    CHECK(encode_option_unused(&e, FMT_AVIF) == NULL);
    CHECK(encode_option_unused(&e, FMT_JXL) == NULL);
    CHECK_EQ_STR(encode_option_unused(&e, FMT_JPEG), "--lossless");
    CHECK_EQ_STR(encode_option_unused(&e, FMT_PNG), "--lossless");
    CHECK(encode_option_unused(&e, FMT_AUTO) != NULL); /* the caller decides what auto means */

    encode_options_default(&e);
    e.progressive = 1;
    CHECK(encode_option_unused(&e, FMT_JPEG) == NULL);
    CHECK(encode_option_unused(&e, FMT_PNG) == NULL);
    CHECK_EQ_STR(encode_option_unused(&e, FMT_AVIF), "--progressive");

    encode_options_default(&e);
    e.chroma = CHROMA_444;
    CHECK(encode_option_unused(&e, FMT_AVIF) == NULL);
    CHECK_EQ_STR(encode_option_unused(&e, FMT_WEBP), "--chroma");

    encode_options_default(&e);
    e.palette = 1;
    e.png_compression = 9;
    CHECK(encode_option_unused(&e, FMT_PNG) == NULL);
    CHECK_EQ_STR(encode_option_unused(&e, FMT_TIFF), "--png-compression");

    encode_options_default(&e);
    e.effort = 3;
    CHECK_EQ_STR(encode_option_unused(&e, FMT_JPEG), "--effort");
    /* Keeping the original applies to every format. */
    encode_options_default(&e);
    e.keep_original = 1;
    for (int f = FMT_JPEG; f <= FMT_JXL; f++)
        CHECK(encode_option_unused(&e, (enum out_format)f) == NULL);

    CHECK_EQ_STR(encode_option_formats("--chroma"), "JPEG and AVIF");
    CHECK_EQ_STR(encode_option_formats("--palette"), "PNG");
    CHECK_EQ_STR(encode_option_formats("--nothing"), "");
}

int main(void)
{
    test_defaults();
    test_effort();
    test_avif_quality();
    test_chroma();
    test_formats_of_options();
    return check_summary();
}
