/*
 * image_load: libvips start-up in a worker, opening inputs, and turning
 * libvips' errors into one line.
 *
 * A worker starts libvips for the first file the JPEG fast path does not
 * take.  Starting it loads every module libvips has (HEIF, JPEG XL, PDF,
 * OpenSlide, ImageMagick and what they link), 20 to 50 ms per worker here,
 * which a batch of plain JPEGs never needs.
 *
 * Only the loaders imgbatch needs are allowed: every other libvips loader is
 * blocked, so a file named .jpg that really holds SVG, PDF or a Matlab file
 * is refused instead of reaching a loader nobody meant to expose.
 */
#include "image_internal.h"
#include "outpath.h"
#include "sniff.h"

#include <string.h>

/*
 * --fail-on as libvips' fail_on, and as a loader option string:
 * vips_thumbnail_source() in libvips 8.14 does not hand its own fail_on to
 * the loader, so it must go both ways.  By default (error), errors from
 * decoders and truncated files are failures and libjpeg's recoverable
 * warnings are not.
 */
static VipsFailOn vips_fail_on(enum fail_on f)
{
    switch (f) {
    case FAIL_ON_NONE:
        return VIPS_FAIL_ON_NONE;
    case FAIL_ON_TRUNCATED:
        return VIPS_FAIL_ON_TRUNCATED;
    case FAIL_ON_WARNING:
        return VIPS_FAIL_ON_WARNING;
    case FAIL_ON_ERROR:
        break;
    }
    return VIPS_FAIL_ON_ERROR;
}

/*
 * Decoder warnings on a file that still decodes are not the user's business,
 * so they are not printed; but when a file then fails with no error text
 * (libpng reports some damage only as a warning), the last one is the reason.
 */
static char last_warning[256];

static void keep_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer data)
{
    (void)domain, (void)level, (void)data;
    g_strlcpy(last_warning, message, sizeof(last_warning));
}

void image_warnings_reset(void)
{
    last_warning[0] = '\0';
    /* A file that decoded with warnings leaves them in libvips' buffer: not the next file's. */
    vips_error_clear();
}

/* Whether libvips is started in this process: 0 not yet, 1 started, -1 it failed. */
static int library_state;

int image_library_start(void)
{
    static const char *allowed[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng",  "VipsForeignLoadNsgif",
        "VipsForeignLoadWebp", "VipsForeignLoadTiff", "VipsForeignLoadMagickBuffer",
    };

    if (library_state)
        return library_state > 0 ? 0 : -1;
    library_state = -1; /* a start that fails is not tried again */
    if (VIPS_INIT("imgbatch"))
        return -1;
    /* The pool is the parallelism: one thread per worker, and no cache across files. */
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        vips_operation_block_set(allowed[i], FALSE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, keep_warning, NULL);
    library_state = 1;
    return 0;
}

int image_library_failed(void)
{
    return library_state < 0;
}

void image_library_shutdown(void)
{
    jpeg_fast_shutdown();
    if (library_state > 0)
        vips_shutdown();
}

/* Strips "VipsForeignLoadJpeg: " style prefixes; libvips names its classes so. */
static const char *strip_class_prefix(const char *line)
{
    const char *colon = strstr(line, ": ");
    if (!colon)
        return line;
    for (const char *p = line; p < colon; p++)
        if (!g_ascii_isalnum(*p) && *p != '_')
            return line;
    return colon + 2;
}

/*
 * libvips' error buffer as one line: class prefixes stripped, repeats and
 * the saver's echo of a failed decode ("unable to write to target
 * .x.imgbatch-12.tmp": our temporary name means nothing to the user) dropped.
 */
static GString *vips_errors_one_line(void)
{
    char **lines = g_strsplit(vips_error_buffer(), "\n", -1);
    GString *msg = g_string_new(NULL);

    for (char **l = lines; *l; l++) {
        const char *text = strip_class_prefix(g_strstrip(*l));
        if (!*text || strstr(msg->str, text) || strstr(text, ".imgbatch-") ||
            strstr(text, "unable to write to target"))
            continue; /* libvips often says the same thing at several levels */
        if (msg->len)
            g_string_append(msg, "; ");
        g_string_append(msg, text);
    }
    g_strfreev(lines);
    vips_error_clear();
    if (!msg->len)
        g_string_append(msg, last_warning[0] ? last_warning : "unknown libvips error");
    return msg;
}

void fail_from_vips(struct job_result *res, const char *what)
{
    GString *msg = vips_errors_one_line();

    job_result_fail(res, "%s: %s", what, msg->str);
    g_string_free(msg, TRUE);
}

static const char *format_label(const char *path)
{
    return input_kind_label(input_kind_of(path));
}

void fail_decoding(struct job_result *res, const char *path)
{
    GString *msg = vips_errors_one_line();
    const char *m = msg->str;
    const char *damage = "corrupt";

    if (strstr(m, "Premature end") || strstr(m, "runcated") || strstr(m, "end of file") ||
        strstr(m, "Not enough"))
        damage = "truncated";
    if (strstr(m, "out of memory") || strstr(m, "Error creating thread"))
        /* Not damage: the file needs more memory than this worker may have. */
        job_result_fail(res, "out of memory decoding %s (%s)", format_label(path), m);
    else if (strstr(m, "not a known file format") || strstr(m, "is not in a known format"))
        /* libvips' text repeats the path, which the report line already shows. */
        job_result_fail(res, "not a %s file (its content matches no supported format)",
                        format_label(path));
    else
        job_result_fail(res, "%s %s (%s)", damage, format_label(path), m);
    g_string_free(msg, TRUE);
}

int image_input_open(struct image_input *in, const char *path, enum fail_on fail_on,
                     struct job_result *res)
{
    GError *gerr = NULL;

    memset(in, 0, sizeof(*in));
    in->path = path;
    in->fail_on = vips_fail_on(fail_on);
    snprintf(in->fail_on_option, sizeof(in->fail_on_option), "fail_on=%s", fail_on_name(fail_on));
    in->source = vips_source_new_from_file(path);
    if (!in->source) {
        fail_from_vips(res, "cannot open");
        return -1;
    }

    /* Only our formats reach libvips' loaders: see sniff.h. */
    unsigned char *head = NULL;
    gint64 n = vips_source_sniff_at_most(in->source, &head, SNIFF_BYTES);
    enum input_kind kind = n > 0 ? sniff_format(head, (size_t)n) : IN_NONE;
    char refusal[sizeof(res->error)];
    if (n < 0) {
        fail_from_vips(res, "cannot read");
    } else if (sniff_refusal(path, head, (size_t)n, refusal, sizeof(refusal)) < 0) {
        job_result_fail(res, "%s", refusal);
    } else if (kind != IN_BMP) {
        return 0; /* read by content: a PNG named .jpg is still a PNG */
    } else {
        /* BMP has no libvips loader of its own: ImageMagick reads it from memory. */
        g_object_unref(in->source);
        in->source = NULL;
        if (g_file_get_contents(path, &in->buffer, &in->length, &gerr))
            return 0;
        job_result_fail(res, "cannot read: %s", gerr->message);
        g_error_free(gerr);
    }
    image_input_close(in);
    return -1;
}

void image_input_close(struct image_input *in)
{
    if (in->source)
        g_object_unref(in->source);
    g_free(in->buffer);
    memset(in, 0, sizeof(*in));
}

VipsImage *image_input_load(struct image_input *in, VipsAccess access)
{
    if (in->buffer)
        return vips_image_new_from_buffer(in->buffer, in->length, "", "access", access,
                                          "fail_on", in->fail_on, NULL);
    return vips_image_new_from_source(in->source, "", "access", access, "fail_on", in->fail_on,
                                      NULL);
}

VipsImage *image_input_thumbnail(struct image_input *in, int width, int height, int no_rotate,
                                 int to_srgb)
{
    VipsImage *out = NULL;
    /* libvips 8.14 honours an embedded profile only when asked to export to one. */
    const char *profile_option = to_srgb ? "export_profile" : NULL;
    int r;

    if (in->buffer)
        r = vips_thumbnail_buffer(in->buffer, in->length, &out, width, "height", height, "size",
                                  VIPS_SIZE_FORCE, "no_rotate", no_rotate, "fail_on",
                                  in->fail_on, "option_string", in->fail_on_option,
                                  profile_option, "srgb", NULL);
    else
        r = vips_thumbnail_source(in->source, &out, width, "height", height, "size",
                                  VIPS_SIZE_FORCE, "no_rotate", no_rotate, "fail_on",
                                  in->fail_on, "option_string", in->fail_on_option,
                                  profile_option, "srgb", NULL);
    return r ? NULL : out;
}
