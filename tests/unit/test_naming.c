/*
 * test_naming: what each input's outputs are called, before any work.
 *
 * The default names of one size are the names imgbatch always gave; with
 * several sizes the width asked goes in; --name templates fill in each
 * placeholder, make folders below OUTPUT and collapse an empty {dir}.  The
 * checks made when the command line is read refuse what could not name
 * every input's outputs apart, or would leave OUTPUT: unknown or unclosed
 * placeholders, no {name}, no .{ext} at the end, "..", hidden parts, a
 * side no size gives, and two variants named alike.
 */
#include "check.h"

#include "naming.h"

#include <stdlib.h>
#include <string.h>

static struct variant fit(int w, int h, enum out_format f)
{
    struct variant v = {{SIZE_FIT, w, h, 0, 0}, f};
    return v;
}

/* The name of variant v of rel under n, or "(refused)". */
static char *name_of(const struct naming *n, const char *rel, size_t v)
{
    char err[256];
    char *name = naming_output(n, rel, v, err, sizeof(err));

    return name ? name : strdup("(refused)");
}

#define CHECK_NAME(n, rel, v, want)                                                                \
    do {                                                                                           \
        char *got_ = name_of(n, rel, v);                                                           \
        CHECK_EQ_STR(got_, want);                                                                  \
        free(got_);                                                                                \
    } while (0)

/* Whether n passes the checks; err holds why not. */
static int accepted(const struct naming *n, char *err, size_t len)
{
    err[0] = '\0';
    return naming_check(n, err, len) == 0;
}

static void test_default_names(void)
{
    struct variant one[] = {fit(800, 600, FMT_AUTO)};
    struct naming n = {one, 1, NULL, "", 0};
    char err[256];

    /* One size, one format: the names imgbatch always gave. */
    CHECK(accepted(&n, err, sizeof(err)));
    CHECK_NAME(&n, "a/b.JPEG", 0, "a/b.JPEG");
    CHECK_NAME(&n, "c.bmp", 0, "c.png");
    n.suffix = "_small";
    CHECK_NAME(&n, "a/b.jpg", 0, "a/b_small.jpg");

    /* Several sizes: the width asked, after the suffix. */
    struct variant sizes[] = {fit(1920, 0, FMT_WEBP), fit(1920, 0, FMT_JPEG),
                              fit(640, 480, FMT_WEBP), fit(640, 480, FMT_JPEG)};
    struct naming set = {sizes, 4, NULL, "", 1};
    CHECK(accepted(&set, err, sizeof(err)));
    CHECK_NAME(&set, "sub/photo.jpg", 0, "sub/photo-1920.webp");
    CHECK_NAME(&set, "sub/photo.jpg", 1, "sub/photo-1920.jpg");
    CHECK_NAME(&set, "photo.JPG", 3, "photo-640.JPG"); /* the format kept: its own extension */
    set.suffix = "_w";
    CHECK_NAME(&set, "photo.png", 2, "photo_w-640.webp");

    /* Several formats, one size: the extensions tell them apart. */
    struct variant formats[] = {fit(1200, 0, FMT_AVIF), fit(1200, 0, FMT_WEBP)};
    struct naming f = {formats, 2, NULL, "", 0};
    CHECK(accepted(&f, err, sizeof(err)));
    CHECK_NAME(&f, "photo.jpg", 0, "photo.avif");
    CHECK_NAME(&f, "photo.jpg", 1, "photo.webp");
}

static void test_default_names_refused(void)
{
    char err[256];
    /* Several sizes need a width each: x480 has none, 50% neither. */
    struct variant heights[] = {fit(1920, 0, FMT_AUTO), fit(0, 480, FMT_AUTO)};
    struct naming n = {heights, 2, NULL, "", 1};
    CHECK(!accepted(&n, err, sizeof(err)) && strstr(err, "need a width each"));
    struct variant percent[] = {fit(1920, 0, FMT_AUTO), {{SIZE_PERCENT, 0, 0, 50, 0}, FMT_AUTO}};
    n.variants = percent;
    CHECK(!accepted(&n, err, sizeof(err)) && strstr(err, "--name"));
    /* Two sizes of one width would be one name. */
    struct variant same[] = {fit(640, 480, FMT_AUTO), fit(640, 360, FMT_AUTO)};
    n.variants = same;
    CHECK(!accepted(&n, err, sizeof(err)) && strstr(err, "would be named 'photo-640.jpg'"));
    CHECK(strstr(err, "{height}") != NULL);
}

static void test_templates(void)
{
    struct variant v[] = {fit(1920, 1080, FMT_WEBP), fit(640, 360, FMT_JPEG)};
    struct naming n = {v, 2, "{name}_{width}x{height}.{format}.{ext}", "", 1};
    char err[256];

    CHECK(accepted(&n, err, sizeof(err)));
    CHECK_NAME(&n, "a/photo.jpg", 0, "photo_1920x1080.webp.webp");
    CHECK_NAME(&n, "a/photo.jpg", 1, "photo_640x360.jpeg.jpg");
    /* {dir} mirrors INPUT's folders; at its top it leaves no empty folder behind. */
    n.template = "{width}/{dir}/{name}.{ext}";
    CHECK(accepted(&n, err, sizeof(err)));
    CHECK_NAME(&n, "2023/june/photo.jpg", 0, "1920/2023/june/photo.webp");
    CHECK_NAME(&n, "photo.jpg", 1, "640/photo.jpg");
    n.template = "{dir}/{name}-{width}.{ext}";
    CHECK_NAME(&n, "photo.jpg", 0, "photo-1920.webp");
    /* A brace that opens no placeholder is refused; a lone closing one is text. */
    n.template = "{name}}-{width}.{ext}";
    CHECK(accepted(&n, err, sizeof(err)));
    CHECK_NAME(&n, "photo.jpg", 0, "photo}-1920.webp");
}

static void test_templates_refused(void)
{
    struct variant v[] = {fit(1920, 0, FMT_WEBP), fit(640, 0, FMT_WEBP)};
    struct naming n = {v, 2, NULL, "", 1};
    char err[256];
    static const struct {
        const char *template, *why;
    } refused[] = {
        {"{name}-{size}.{ext}", "unknown placeholder '{size}'"},
        {"{name}-{width.{ext}", "unknown placeholder '{width.'"},
        {"{NAME}-{width}.{ext}", "unknown placeholder '{NAME}'"},
        {"photo-{width}.{ext}", "has no {name}"},
        {"{name}-{width}.jpg", "must end with .{ext}"},
        {"{name}-{width}", "must end with .{ext}"},
        {"/srv/{name}-{width}.{ext}", "begins with '/'"},
        {"../{name}-{width}.{ext}", "begins with '.'"},
        {"{width}/../{name}.{ext}", "begins with '.'"},
        {".thumbs/{name}-{width}.{ext}", "begins with '.'"},
        {"{name}-{height}.{ext}", "uses {height}, and a --size gives no height"},
        {"{name}.{ext}", "two outputs of each input would be named 'photo.webp'"},
    };

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        n.template = refused[i].template;
        CHECK(!accepted(&n, err, sizeof(err)));
        if (!strstr(err, refused[i].why))
            fprintf(stderr, "--name '%s': %s; want '%s'\n", refused[i].template, err,
                    refused[i].why);
        CHECK(strstr(err, refused[i].why) != NULL);
    }
    /* {width} of a size with none: a percentage. */
    struct variant percent[] = {{{SIZE_PERCENT, 0, 0, 50, 0}, FMT_JPEG}};
    struct naming p = {percent, 1, "{name}-{width}.{ext}", "", 0};
    CHECK(!accepted(&p, err, sizeof(err)) && strstr(err, "gives no width"));
    /* A full-size operation has no box: {width} is refused, {format} is fine. */
    struct variant full[] = {fit(0, 0, FMT_AVIF), fit(0, 0, FMT_WEBP)};
    struct naming c = {full, 2, "{name}-{width}.{ext}", "", 0};
    CHECK(!accepted(&c, err, sizeof(err)));
    c.template = "{format}/{name}.{ext}";
    CHECK(accepted(&c, err, sizeof(err)));
    CHECK_NAME(&c, "a/x.png", 0, "avif/x.avif");
}

static void test_made_names_checked(void)
{
    /* A template's name is checked again as made: nothing may leave OUTPUT or hide. */
    struct variant v[] = {fit(1920, 0, FMT_WEBP)};
    struct naming n = {v, 1, "{dir}/{name}.{ext}", "", 0};
    char err[256];
    char *name = naming_output(&n, ".hidden.jpg", 0, err, sizeof(err));

    CHECK(name == NULL && strstr(err, "no name below OUTPUT"));
    free(name);
    CHECK_NAME(&n, "a//b/c.jpg", 0, "a/b/c.webp");
}

int main(void)
{
    test_default_names();
    test_default_names_refused();
    test_templates();
    test_templates_refused();
    test_made_names_checked();
    return check_summary();
}
