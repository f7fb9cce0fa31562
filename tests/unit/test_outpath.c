/*
 * test_outpath: which names are images, and where each output goes.
 *
 * These string rules decide what a run touches: a wrong extension mapping
 * writes a.png as a.jpg, a wrong temp name leaves litter a later scan picks
 * up as an input, a doubled slash shows in every printed line.  All pure
 * functions, checked name by name.
 */
#include "check.h"

#include "outpath.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

static void test_input_kind(void)
{
    CHECK_EQ_INT(input_kind_of("a.jpg"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of("a.jpeg"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of("A.JPG"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of("a.JpEg"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of("a.png"), IN_PNG);
    CHECK_EQ_INT(input_kind_of("B.PNG"), IN_PNG);
    CHECK_EQ_INT(input_kind_of("a.gif"), IN_GIF);
    CHECK_EQ_INT(input_kind_of("a.bmp"), IN_BMP);
    CHECK_EQ_INT(input_kind_of("a.webp"), IN_WEBP);
    CHECK_EQ_INT(input_kind_of("a.tif"), IN_TIFF);
    CHECK_EQ_INT(input_kind_of("a.tiff"), IN_TIFF);
    CHECK_EQ_INT(input_kind_of("a.TIFF"), IN_TIFF);

    /* Only the last extension counts. */
    CHECK_EQ_INT(input_kind_of("a.png.jpg"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of("a.jpg.txt"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("archive.jpg.gz"), IN_NONE);

    /* No extension, or not an image one. */
    CHECK_EQ_INT(input_kind_of("photo"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("notes.txt"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("a.jp"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("a.jpgx"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("a."), IN_NONE);
    CHECK_EQ_INT(input_kind_of(""), IN_NONE);

    /* A name that is only a dot and an extension has none: ".jpg" is a hidden "jpg". */
    CHECK_EQ_INT(input_kind_of(".jpg"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("dir/.png"), IN_NONE);
    /* A hidden file with an extension still announces it (scan skips it separately). */
    CHECK_EQ_INT(input_kind_of(".x.jpg"), IN_JPEG);
    CHECK_EQ_INT(input_kind_of(".hidden.jpg"), IN_JPEG);

    /* The directory part never supplies the extension. */
    CHECK_EQ_INT(input_kind_of("photos.jpg/readme"), IN_NONE);
    CHECK_EQ_INT(input_kind_of("a.b/c.png"), IN_PNG);
    CHECK_EQ_INT(input_kind_of("sub/dir/x.GIF"), IN_GIF);

    /* HEIF (an iPhone's .HEIC, a camera's .HIF), AVIF, JPEG XL. */
    CHECK_EQ_INT(input_kind_of("IMG_0001.HEIC"), IN_HEIF);
    CHECK_EQ_INT(input_kind_of("a.heif"), IN_HEIF);
    CHECK_EQ_INT(input_kind_of("A0001.HIF"), IN_HEIF);
    CHECK_EQ_INT(input_kind_of("a.avif"), IN_AVIF);
    CHECK_EQ_INT(input_kind_of("a.jxl"), IN_JXL);
    CHECK_EQ_INT(input_kind_of("a.heics"), IN_NONE); /* a sequence */
    CHECK_EQ_INT(input_kind_of("a.avifs"), IN_NONE);
}

static void test_unread_kinds(void)
{
    /* Images of kinds imgbatch does not read: named, so that the report can say so. */
    CHECK(unread_image_kind("a.psd") != NULL);
    CHECK(strstr(unread_image_kind("a.psd"), "Photoshop") != NULL);
    CHECK(strstr(unread_image_kind("IMG_0001.CR2"), "camera raw") != NULL);
    CHECK(strstr(unread_image_kind("DSC_0001.NEF"), "camera raw") != NULL);
    CHECK(strstr(unread_image_kind("a.dng"), "camera raw") != NULL);
    CHECK(strstr(unread_image_kind("x/a.arw"), "camera raw") != NULL);
    CHECK(strstr(unread_image_kind("logo.svg"), "SVG") != NULL);
    CHECK(strstr(unread_image_kind("doc.pdf"), "PDF") != NULL);
    CHECK(strstr(unread_image_kind("favicon.ico"), "icon") != NULL);
    CHECK(strstr(unread_image_kind("a.jp2"), "JPEG 2000") != NULL);
    CHECK(strstr(unread_image_kind("a.xcf"), "GIMP") != NULL);
    CHECK(strstr(unread_image_kind("a.eps"), "PostScript") != NULL);
    CHECK(strstr(unread_image_kind("live.heics"), "sequence") != NULL);
    CHECK(unread_image_kind("a.tga") != NULL);
    /* Every reason says that imgbatch does not read it. */
    CHECK(strstr(unread_image_kind("a.tga"), "imgbatch does not read") != NULL);
    CHECK(strstr(unread_image_kind("a.raw"), "imgbatch does not read") != NULL);

    /* Not images, images it reads, and near misses: nothing to say. */
    CHECK(unread_image_kind("notes.txt") == NULL);
    CHECK(unread_image_kind("a.jpg") == NULL);
    CHECK(unread_image_kind("a.heic") == NULL);
    CHECK(unread_image_kind("a.jxl") == NULL);
    CHECK(unread_image_kind("psd") == NULL);
    CHECK(unread_image_kind(".psd") == NULL); /* hidden, no extension */
    CHECK(unread_image_kind("a.ps2") == NULL);
    CHECK(unread_image_kind("a.p") == NULL);
    CHECK(unread_image_kind("a.") == NULL);
    CHECK(unread_image_kind("a.psd.txt") == NULL);
    CHECK(unread_image_kind("photos.psd/readme") == NULL);

    /* The extensions a message lists are the ones read. */
    CHECK(strstr(input_extensions(), ".heic .heif .hif .avif .jxl") != NULL);
}

static void test_output_format(void)
{
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_JPEG), FMT_JPEG);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_WEBP), FMT_WEBP);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_TIFF), FMT_TIFF);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_PNG), FMT_PNG);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_GIF), FMT_GIF); /* an animation stays one */
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_BMP), FMT_PNG);
    /* A phone's HEIC becomes JPEG (no HEIF is written); AVIF and JPEG XL keep their format. */
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_HEIF), FMT_JPEG);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_AVIF), FMT_AVIF);
    CHECK_EQ_INT(output_format_for(FMT_AUTO, IN_JXL), FMT_JXL);
    CHECK_EQ_INT(output_format_for(FMT_PNG, IN_HEIF), FMT_PNG);
    CHECK_EQ_INT(output_format_for(FMT_AVIF, IN_JPEG), FMT_AVIF);
    CHECK_EQ_INT(output_format_for(FMT_JXL, IN_HEIF), FMT_JXL);
    CHECK(!format_keeps_kind(IN_HEIF, FMT_JPEG));
    CHECK(!format_keeps_kind(IN_AVIF, FMT_WEBP));
    CHECK(format_keeps_kind(IN_AVIF, FMT_AVIF) && format_keeps_kind(IN_JXL, FMT_JXL));
    CHECK(!format_keeps_kind(IN_HEIF, FMT_AVIF) && !format_keeps_kind(IN_JXL, FMT_AVIF));
    CHECK(input_kind_written(IN_JPEG) && input_kind_written(IN_PNG));
    CHECK(input_kind_written(IN_WEBP) && input_kind_written(IN_TIFF));
    CHECK(input_kind_written(IN_AVIF) && input_kind_written(IN_JXL));
    CHECK(input_kind_written(IN_GIF) && !input_kind_written(IN_BMP));
    CHECK(format_keeps_kind(IN_GIF, FMT_GIF) && !format_keeps_kind(IN_GIF, FMT_PNG));
    CHECK(!input_kind_written(IN_HEIF) && !input_kind_written(IN_NONE));
    CHECK_EQ_INT(output_format_for(FMT_JPEG, IN_PNG), FMT_JPEG);
    CHECK_EQ_INT(output_format_for(FMT_WEBP, IN_JPEG), FMT_WEBP);

    CHECK_EQ_STR(format_extension(FMT_JPEG), ".jpg");
    CHECK_EQ_STR(format_extension(FMT_PNG), ".png");
    CHECK_EQ_STR(format_extension(FMT_WEBP), ".webp");
    CHECK_EQ_STR(format_extension(FMT_TIFF), ".tif");
    CHECK_EQ_STR(format_extension(FMT_GIF), ".gif");
    CHECK_EQ_STR(format_extension(FMT_AVIF), ".avif");
    CHECK_EQ_STR(format_extension(FMT_JXL), ".jxl");
    CHECK_EQ_STR(format_label(FMT_JXL), "JPEG XL");
    CHECK_EQ_STR(format_label(FMT_WEBP), "WebP");
    CHECK_EQ_STR(format_label(FMT_GIF), "GIF");
}

static void expect_relpath(const char *rel, enum out_format f, const char *suffix,
                           const char *want, int line)
{
    char *got = output_relpath(rel, f, suffix);

    if (!got || strcmp(got, want))
        fprintf(stderr, "test_outpath.c:%d: output_relpath(\"%s\") = \"%s\", want \"%s\"\n",
                line, rel, got ? got : "(null)", want);
    CHECK_EQ_STR(got, want);
    free(got);
}

#define EXPECT_RELPATH(rel, f, suffix, want) expect_relpath(rel, f, suffix, want, __LINE__)

static void test_output_relpath(void)
{
    /* Format kept: the extension stays as written. */
    EXPECT_RELPATH("a.jpg", FMT_AUTO, "", "a.jpg");
    EXPECT_RELPATH("A.JPEG", FMT_AUTO, "", "A.JPEG");
    EXPECT_RELPATH("a.jpeg", FMT_AUTO, "", "a.jpeg");
    EXPECT_RELPATH("a.png", FMT_AUTO, "", "a.png");
    EXPECT_RELPATH("a.webp", FMT_AUTO, "", "a.webp");
    EXPECT_RELPATH("a.tiff", FMT_AUTO, "", "a.tiff");
    EXPECT_RELPATH("a.TIF", FMT_AUTO, "", "a.TIF");
    EXPECT_RELPATH("a.jpg", FMT_JPEG, "", "a.jpg");
    EXPECT_RELPATH("a.JPG", FMT_JPEG, "", "a.JPG");

    /* HEIF becomes JPEG; AVIF and JPEG XL stay as they are. */
    EXPECT_RELPATH("IMG_0001.HEIC", FMT_AUTO, "", "IMG_0001.jpg");
    EXPECT_RELPATH("a.hif", FMT_AUTO, "", "a.jpg");
    EXPECT_RELPATH("a.avif", FMT_AUTO, "", "a.avif");
    EXPECT_RELPATH("A.AVIF", FMT_AUTO, "", "A.AVIF");
    EXPECT_RELPATH("a.jxl", FMT_AUTO, "_small", "a_small.jxl");
    EXPECT_RELPATH("a.heic", FMT_PNG, "", "a.png");
    EXPECT_RELPATH("a.jpg", FMT_AVIF, "", "a.avif");
    EXPECT_RELPATH("a.heic", FMT_JXL, "", "a.jxl");
    EXPECT_RELPATH("a.jxl", FMT_AVIF, "", "a.avif");

    /* BMP becomes PNG; a GIF stays GIF, its own extension kept. */
    EXPECT_RELPATH("a.bmp", FMT_AUTO, "", "a.png");
    EXPECT_RELPATH("A.BMP", FMT_AUTO, "", "A.png");
    EXPECT_RELPATH("a.gif", FMT_AUTO, "", "a.gif");
    EXPECT_RELPATH("A.GIF", FMT_AUTO, "", "A.GIF");
    EXPECT_RELPATH("a.gif", FMT_PNG, "", "a.png");

    /* A requested format gets its usual extension. */
    EXPECT_RELPATH("a.png", FMT_JPEG, "", "a.jpg");
    EXPECT_RELPATH("a.png", FMT_TIFF, "", "a.tif");
    EXPECT_RELPATH("a.jpg", FMT_WEBP, "", "a.webp");
    EXPECT_RELPATH("a.jpeg", FMT_PNG, "", "a.png");
    EXPECT_RELPATH("a.gif", FMT_JPEG, "", "a.jpg");
    EXPECT_RELPATH("a.webp", FMT_GIF, "", "a.gif");

    /* The suffix goes before the extension. */
    EXPECT_RELPATH("a.jpg", FMT_AUTO, "_processed", "a_processed.jpg");
    EXPECT_RELPATH("a.bmp", FMT_AUTO, "_small", "a_small.png");
    EXPECT_RELPATH("a.b.png", FMT_JPEG, "-x", "a.b-x.jpg");

    /* Directories are mirrored, and a dot in a directory name is not an extension. */
    EXPECT_RELPATH("sub/dir/a.bmp", FMT_AUTO, "", "sub/dir/a.png");
    EXPECT_RELPATH("v1.2/a.jpg", FMT_PNG, "", "v1.2/a.png");
    EXPECT_RELPATH("v1.2/a.jpg", FMT_AUTO, "_t", "v1.2/a_t.jpg");

    /* Any byte but NUL stays in the name. */
    EXPECT_RELPATH("my photo.jpg", FMT_AUTO, "", "my photo.jpg");
    EXPECT_RELPATH("line\nbreak.bmp", FMT_AUTO, "", "line\nbreak.png");
    EXPECT_RELPATH("caf\xc3\xa9 \"q\".png", FMT_JPEG, "", "caf\xc3\xa9 \"q\".jpg");
    EXPECT_RELPATH("bad\xff.bmp", FMT_AUTO, "", "bad\xff.png");
}

static void test_path_join(void)
{
    char *p;

    p = path_join("photos", "a.jpg");
    CHECK_EQ_STR(p, "photos/a.jpg");
    free(p);

    p = path_join("photos/", "a.jpg");
    CHECK_EQ_STR(p, "photos/a.jpg");
    free(p);

    p = path_join("photos//", "a.jpg");
    CHECK_EQ_STR(p, "photos/a.jpg");
    free(p);

    p = path_join("/", "a");
    CHECK_EQ_STR(p, "/a");
    free(p);

    p = path_join("//", "a");
    CHECK_EQ_STR(p, "/a");
    free(p);

    p = path_join(".", "sub/a.jpg");
    CHECK_EQ_STR(p, "./sub/a.jpg");
    free(p);

    p = path_join("/tmp/x", "sub/dir/a.png");
    CHECK_EQ_STR(p, "/tmp/x/sub/dir/a.png");
    free(p);
}

static void expect_dir(const char *path, const char *dir)
{
    char *d = path_dir(path);
    CHECK_EQ_STR(d, dir);
    free(d);
}

static void test_path_dir(void)
{
    expect_dir("out/stats.json", "out");
    expect_dir("/var/lib/m.prom", "/var/lib");
    expect_dir("/m.prom", "/");
    expect_dir("m.prom", ".");
    expect_dir("a/b/c", "a/b");
}

/* The names a command's outputs have, which beside their inputs are never inputs. */
static void test_is_output_name(void)
{
    /* With a suffix: the stem ends with it, and the extension is one outputs have. */
    CHECK(is_output_name("a_small.jpg", FMT_AUTO, "_small"));
    CHECK(is_output_name("sub/a_small.JPEG", FMT_AUTO, "_small"));
    CHECK(is_output_name("a_small.png", FMT_AUTO, "_small"));
    CHECK(is_output_name("a_small.webp", FMT_AUTO, "_small"));
    CHECK(is_output_name("a_small.gif", FMT_AUTO, "_small")); /* a GIF stays a GIF */
    CHECK(!is_output_name("a_small.bmp", FMT_AUTO, "_small")); /* a BMP becomes a PNG */
    CHECK(!is_output_name("a_small.heic", FMT_AUTO, "_small")); /* a HEIF becomes a JPEG */
    CHECK(is_output_name("a_small.avif", FMT_AUTO, "_small"));
    CHECK(is_output_name("a_small.jxl", FMT_AUTO, "_small"));
    CHECK(!is_output_name("a.jpg", FMT_AUTO, "_small"));
    CHECK(!is_output_name("_small/a.jpg", FMT_AUTO, "_small")); /* the stem, not the folder */
    CHECK(!is_output_name("a_small", FMT_AUTO, "_small"));      /* not an image */
    CHECK(is_output_name("_small.jpg", FMT_AUTO, "_small"));
    /* With a format: that format's files. */
    CHECK(is_output_name("a.webp", FMT_WEBP, ""));
    CHECK(!is_output_name("a.png", FMT_WEBP, ""));
    CHECK(is_output_name("a-w.webp", FMT_WEBP, "-w"));
    CHECK(!is_output_name("a-w.jpg", FMT_WEBP, "-w"));
    CHECK(is_output_name("a.avif", FMT_AVIF, ""));
    CHECK(!is_output_name("a.jxl", FMT_AVIF, ""));
    CHECK(is_output_name("a.jxl", FMT_JXL, ""));
    CHECK(!is_output_name("a.webp", FMT_WEBP, "-w"));
    /* Neither: outputs keep the inputs' names, and cannot be beside them. */
    CHECK(!is_output_name("a.jpg", FMT_AUTO, ""));
}

int main(void)
{
    test_is_output_name();
    test_input_kind();
    test_unread_kinds();
    test_output_format();
    test_output_relpath();
    test_path_join();
    test_path_dir();
    return check_summary();
}
