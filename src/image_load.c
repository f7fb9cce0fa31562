/*
 * image_load: libvips start-up in a worker, opening inputs, and turning
 * libvips' errors into one line.
 *
 * Only the loaders imgbatch needs are allowed: every other libvips loader is
 * blocked, so a file named .jpg that really holds SVG, PDF or a Matlab file
 * is refused instead of reaching a loader nobody meant to expose.
 */
#include "image_internal.h"
#include "outpath.h"

#include <string.h>

/* Errors from decoders are failures; libjpeg's recoverable warnings are not. */
#define FAIL_ON VIPS_FAIL_ON_ERROR

static void drop_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer data)
{
    /* Decoder warnings on a file that still decodes are not the user's business. */
    (void)domain, (void)level, (void)message, (void)data;
}

int image_library_init(void)
{
    static const char *allowed[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng",  "VipsForeignLoadNsgif",
        "VipsForeignLoadWebp", "VipsForeignLoadTiff", "VipsForeignLoadMagickBuffer",
    };

    if (VIPS_INIT("imgbatch"))
        return -1;
    /* The pool is the parallelism: one thread per worker, and no cache across files. */
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        vips_operation_block_set(allowed[i], FALSE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, drop_warning, NULL);
    return 0;
}

void image_library_shutdown(void)
{
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

void fail_from_vips(struct job_result *res, const char *what)
{
    char **lines = g_strsplit(vips_error_buffer(), "\n", -1);
    GString *msg = g_string_new(what);
    int first = 1;

    for (char **l = lines; *l; l++) {
        const char *text = strip_class_prefix(g_strstrip(*l));
        if (!*text || strstr(msg->str, text))
            continue; /* libvips often says the same thing at several levels */
        g_string_append(msg, first ? ": " : "; ");
        g_string_append(msg, text);
        first = 0;
    }
    if (first)
        g_string_append(msg, ": unknown libvips error");
    job_result_fail(res, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_strfreev(lines);
    vips_error_clear();
}

int image_input_open(struct image_input *in, const char *path, struct job_result *res)
{
    GError *gerr = NULL;

    memset(in, 0, sizeof(*in));
    in->path = path;
    if (input_kind_of(path) == IN_BMP) {
        if (!g_file_get_contents(path, &in->buffer, &in->length, &gerr)) {
            job_result_fail(res, "cannot read: %s", gerr->message);
            g_error_free(gerr);
            return -1;
        }
        if (in->length >= 2 && in->buffer[0] == 'B' && in->buffer[1] == 'M')
            return 0;
        /* Not a BMP after all: read it like any other file, by its content. */
        g_free(in->buffer);
        in->buffer = NULL;
    }
    in->source = vips_source_new_from_file(path);
    if (!in->source) {
        fail_from_vips(res, "cannot open");
        return -1;
    }
    return 0;
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
                                          "fail_on", FAIL_ON, NULL);
    return vips_image_new_from_source(in->source, "", "access", access, "fail_on", FAIL_ON,
                                      NULL);
}

VipsImage *image_input_thumbnail(struct image_input *in, int width, int height, VipsSize size,
                                 VipsInteresting crop, int no_rotate)
{
    VipsImage *out = NULL;
    int r;

    /* export_profile: inputs with an embedded profile are turned into sRGB through it. */
    if (in->buffer)
        r = vips_thumbnail_buffer(in->buffer, in->length, &out, width, "height", height, "size",
                                  size, "crop", crop, "no_rotate", no_rotate, "export_profile",
                                  "srgb", "fail_on", FAIL_ON, NULL);
    else
        r = vips_thumbnail_source(in->source, &out, width, "height", height, "size", size, "crop",
                                  crop, "no_rotate", no_rotate, "export_profile", "srgb",
                                  "fail_on", FAIL_ON, NULL);
    return r ? NULL : out;
}
