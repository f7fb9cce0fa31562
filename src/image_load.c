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
 * is refused instead of reaching a loader nobody meant to expose.  Each
 * input is opened once, read once, and decoded from those bytes by the
 * loader of the format they were sniffed as: nothing can be swapped in
 * between the check and the decode.
 */
#include "image_internal.h"
#include "beneath.h"
#include "magick_policy.h"
#include "outpath.h"
#include "sniff.h"
#include "xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

const char *image_truncation_warning(void)
{
    return truncation_warning[0] ? truncation_warning : NULL;
}

void image_warnings_reset(void)
{
    last_warning[0] = '\0';
    truncation_warning[0] = '\0';
    /* A file that decoded with warnings leaves them in libvips' buffer: not the next file's. */
    vips_error_clear();
}

/* Whether libvips is started in this process: 0 not yet, 1 started, -1 it failed. */
static int library_state;

int image_library_start(const struct image_settings *s)
{
    static const char *allowed[] = {
        "VipsForeignLoadJpeg", "VipsForeignLoadPng",  "VipsForeignLoadNsgif",
        "VipsForeignLoadWebp", "VipsForeignLoadTiff", "VipsForeignLoadMagickBuffer",
    };

    if (library_state)
        return library_state > 0 ? 0 : -1;
    library_state = -1; /* a start that fails is not tried again */
    /*
     * ImageMagick reads its policy when it starts, inside libvips' start;
     * libvips' own disc temporaries (a large image turned upright) follow
     * TMPDIR into the same private directory, removed with the run.
     */
    if (magick_policy_install(s->scratch_dir) < 0 || VIPS_INIT("imgbatch"))
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
    magick_policy_remove();
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

/*
 * The libvips loader classes for each format we read.  Before each file,
 * every loader but the sniffed format's is blocked, so that whatever
 * libvips does with the bytes (vips_thumbnail_buffer asks every loader
 * whether they are its own), only that one loader can run.
 */
static const char *loader_class(enum input_kind kind)
{
    switch (kind) {
    case IN_JPEG:
        return "VipsForeignLoadJpeg";
    case IN_PNG:
        return "VipsForeignLoadPng";
    case IN_GIF:
        return "VipsForeignLoadNsgif";
    case IN_WEBP:
        return "VipsForeignLoadWebp";
    case IN_TIFF:
        return "VipsForeignLoadTiff";
    case IN_BMP:
        /* No libvips loader of its own: ImageMagick, under its policy (magick_policy.c). */
        return "VipsForeignLoadMagickBuffer";
    case IN_NONE:
        break;
    }
    return NULL;
}

static void allow_only_loader(enum input_kind kind)
{
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set(loader_class(kind), FALSE);
}

/*
 * The largest input file read: a picture within --max-pixels needs at most
 * 8 bytes a pixel (16-bit RGBA, uncompressed), plus room for metadata.  A
 * larger file cannot hold a picture imgbatch would decode, and reading it
 * would only cost memory (a sparse file can claim terabytes).
 */
static off_t largest_input_bytes(const struct image_settings *s)
{
    if (s->max_megapixels <= 0)
        return (off_t)1 << 62;
    return (off_t)(s->max_megapixels * 1e6 * 8) + ((off_t)64 << 20);
}

/* Opens the input below its root without following a link, and checks what it is. */
static int open_input(const struct image_job *job, struct stat *st, struct job_result *res)
{
    /* O_NONBLOCK: a FIFO swapped in since the scan must not block the open. */
    int fd = open_file_beneath(job->input_root, job->input_rel,
                               O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, NULL, NULL);

    if (fd < 0) {
        if (errno == ELOOP)
            job_result_fail(res, "cannot open: a symbolic link is in the way (imgbatch follows "
                                 "none below INPUT)");
        else
            job_result_fail(res, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        job_result_fail(res, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        job_result_fail(res, "not a regular file: %s", file_type_words(st->st_mode));
        close(fd);
        return -1;
    }
    return fd;
}

int image_input_read(struct image_input *in, const struct image_job *job,
                     const struct image_settings *s, struct job_result *res)
{
    struct stat st;
    int fd;

    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->shown = job->input_shown;
    in->fail_on = vips_fail_on(s->fail_on);
    snprintf(in->fail_on_option, sizeof(in->fail_on_option), "fail_on=%s",
             fail_on_name(s->fail_on));
    if ((fd = open_input(job, &st, res)) < 0)
        return -1;
    if (st.st_size > largest_input_bytes(s)) {
        job_result_fail(res, "file too large: %lld bytes, more than any picture within "
                             "--max-pixels %.0f needs",
                        (long long)st.st_size, s->max_megapixels);
        close(fd);
        return -1;
    }
    /* Kept open while the file is worked on: lsof shows what each worker is busy with. */
    in->fd = fd;

    /* The signature first: a huge file that is no image costs no memory. */
    unsigned char head[SNIFF_BYTES];
    ssize_t got = pread(fd, head, sizeof(head), 0);
    char refusal[sizeof(res->error)];
    if (got < 0) {
        job_result_fail(res, "cannot read: %s", strerror(errno));
        image_input_close(in);
        return -1;
    }
    /* Only our formats reach a decoder, and only the one their bytes name: see sniff.h. */
    if (sniff_refusal(in->shown, head, (size_t)got, refusal, sizeof(refusal)) < 0) {
        job_result_fail(res, "%s", refusal);
        image_input_close(in);
        return -1;
    }

    /* One read of the size fstat saw: a file growing meanwhile is read as it was. */
    in->data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!in->data) {
        job_result_fail(res, "out of memory reading %lld bytes", (long long)st.st_size);
        image_input_close(in);
        return -1;
    }
    got = read_in_full(fd, in->data, (size_t)st.st_size); /* pread left the offset at 0 */
    if (got < 0) {
        job_result_fail(res, "cannot read: %s", strerror(errno));
        image_input_close(in);
        return -1;
    }
    in->length = (size_t)got;
    /* The bytes decoded are the bytes sniffed, checked again on this very buffer. */
    if (sniff_refusal(in->shown, in->data, in->length, refusal, sizeof(refusal)) < 0) {
        job_result_fail(res, "%s", refusal);
        image_input_close(in);
        return -1;
    }
    in->kind = sniff_format(in->data, in->length);
    return 0;
}

void image_input_close(struct image_input *in)
{
    free(in->data);
    close_quietly(in->fd);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}

VipsImage *image_input_load(struct image_input *in, VipsAccess access)
{
    VipsImage *out = NULL;
    int r = -1;

    allow_only_loader(in->kind);
    switch (in->kind) {
    case IN_JPEG:
        r = vips_jpegload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 in->fail_on, NULL);
        break;
    case IN_PNG:
        r = vips_pngload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                in->fail_on, NULL);
        break;
    case IN_GIF:
        r = vips_gifload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                in->fail_on, NULL);
        break;
    case IN_WEBP:
        r = vips_webpload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 in->fail_on, NULL);
        break;
    case IN_TIFF:
        r = vips_tiffload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                 in->fail_on, NULL);
        break;
    case IN_BMP:
        r = vips_magickload_buffer(in->data, in->length, &out, "access", access, "fail_on",
                                   in->fail_on, NULL);
        break;
    case IN_NONE:
        vips_error("imgbatch", "not a known file format");
        break;
    }
    return r ? NULL : out;
}

VipsImage *image_input_thumbnail(struct image_input *in, int width, int height, int no_rotate,
                                 int to_srgb)
{
    VipsImage *out = NULL;
    /* libvips 8.14 honours an embedded profile only when asked to export to one. */
    const char *profile_option = to_srgb ? "export_profile" : NULL;

    /* vips_thumbnail_buffer picks its loader by asking them all: only the sniffed one may answer. */
    allow_only_loader(in->kind);
    if (vips_thumbnail_buffer(in->data, in->length, &out, width, "height", height, "size",
                              VIPS_SIZE_FORCE, "no_rotate", no_rotate, "fail_on", in->fail_on,
                              "option_string", in->fail_on_option, profile_option, "srgb", NULL))
        return NULL;
    return out;
}
