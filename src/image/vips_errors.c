/*
 * vips_errors: libvips' errors and warnings as one line a user can read.
 */
#include "vips_internal.h"

#include <stdio.h>
#include <string.h>

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
 * Decoder warnings on a file that still decodes are not the user's business,
 * so they are not printed; but when a file then fails with no error text
 * (libpng reports some damage only as a warning), the last one is the reason.
 */
static char last_warning[256];

/*
 * libjpeg says "premature end of data segment" when the entropy-coded data
 * stops at a marker before the image is complete, and goes on with grey
 * blocks: a file that declares 14000x14000 and holds no data at all decodes
 * "successfully" into 196 megapixels of grey.  That is a truncated file, as
 * much as one that stops without its end marker; remembered here, so that
 * the save can fail it (image_truncation_warning).
 */
static char truncation_warning[256];

static void keep_warning(const gchar *domain, GLogLevelFlags level, const gchar *message,
                         gpointer data)
{
    (void)domain, (void)level, (void)data;
    g_strlcpy(last_warning, message, sizeof(last_warning));
    if (strcasestr(message, "premature end")) {
        g_strlcpy(truncation_warning, strip_class_prefix(message), sizeof(truncation_warning));
        g_strstrip(truncation_warning);
    }
}

const char *vips_truncation_warning(void)
{
    return truncation_warning[0] ? truncation_warning : NULL;
}

void vips_warnings_reset(void)
{
    last_warning[0] = '\0';
    truncation_warning[0] = '\0';
    /* A file that decoded with warnings leaves them in libvips' buffer: not the next file's. */
    vips_error_clear();
}

/* "(2.100)": libheif's error code and subcode, as libvips appends them to its words. */
static int is_heif_code(const char *text)
{
    size_t n = strlen(text);

    return n >= 5 && text[0] == '(' && text[n - 1] == ')' && strchr(text, '.') &&
           strspn(text + 1, "0123456789.") == n - 2;
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
        /*
         * libheif's error codes on a line of their own ("(2.100)"), and the
         * seeks its reader tried past the end of a cut file: noise beside
         * the reason, which libheif gives in words.
         */
        if (g_str_has_prefix(text, "bad seek to ") || is_heif_code(text))
            continue;
        const char *code = strrchr(text, '(');
        size_t len = strlen(text);
        if (code && code > text && code[-1] == ' ' && is_heif_code(code))
            len = (size_t)(code - 1 - text); /* "No 'meta' box (2.104)" */
        if (msg->len)
            g_string_append(msg, "; ");
        g_string_append_len(msg, text, (gssize)len);
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

/*
 * libheif's own bound on an image (libvips 8.14 asks for 16384 pixels a
 * side), met in the header like --max-pixels, and above it whatever
 * --max-pixels says.
 */
static void fail_heif_limit(struct job_result *res, const char *m)
{
    const char *size = strstr(m, "Image size ");
    int w, h, mw, mh;

    if (size && sscanf(size, "Image size %dx%d exceeds the maximum image size %dx%d", &w, &h, &mw,
                       &mh) == 4)
        job_result_fail(res, "image too large: %dx%d, above the %dx%d libheif reads at most", w, h,
                        mw, mh);
    else
        job_result_fail(res, "image too large: %s", m);
}

/* Whether the input's boxes say it was cut, where libheif or libjxl only say a part is missing. */
static int boxes_cut_short(const struct image_input *in)
{
    int boxes = in->kind == IN_HEIF || in->kind == IN_AVIF ||
                (in->kind == IN_JXL && in->length >= 2 && in->data[0] == 0);

    return boxes && iso_bmff_cut_short(in->data, in->length);
}

void fail_decoding(struct job_result *res, const struct image_input *in)
{
    GString *msg = vips_errors_one_line();
    const char *m = msg->str;
    const char *damage = "corrupt";
    enum input_kind kind = in->kind;

    if (strstr(m, "Premature end") || strstr(m, "runcated") || strstr(m, "end of file") ||
        strstr(m, "Not enough") || boxes_cut_short(in))
        damage = "truncated";
    else if (strstr(m, "JxlDecoderProcessInput"))
        /* libjxl says no more than that it stopped, for a cut codestream and a damaged one. */
        damage = "corrupt or truncated";
    if (strstr(m, "Security limit exceeded")) {
        /* Before the memory test: libheif files its limit under "Memory allocation error". */
        fail_heif_limit(res, m);
        res->input_fault = 1;
    } else if (strstr(m, "out of memory") || strstr(m, "Error creating thread") ||
               strstr(m, "Cannot allocate memory")) {
        /* Not damage: the file needs more memory than this worker may have. */
        job_result_fail(res, "out of memory decoding %s (%s)", input_kind_label(kind), m);
    } else if (strstr(m, "not a known file format") || strstr(m, "is not in a known format")) {
        /* libvips' text repeats the path, which the report line already shows. */
        job_result_fail(res, "not %s %s file (its content matches no supported format)",
                        input_kind_article(kind), input_kind_label(kind));
        res->input_fault = 1;
    } else {
        job_result_fail(res, "%s %s (%s)", damage, input_kind_label(kind), m);
        res->input_fault = 1;
    }
    g_string_free(msg, TRUE);
}

void vips_warnings_catch(void)
{
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, keep_warning, NULL);
}
