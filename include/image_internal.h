/*
 * image_internal: what the image_*.c files share, and nothing else includes.
 */
#ifndef IMGBATCH_IMAGE_INTERNAL_H
#define IMGBATCH_IMAGE_INTERNAL_H

#include <vips/vips.h>

#include "image.h"
#include "outpath.h"

#include <stdint.h>

/*
 * An input, read: the whole file in memory, from one open below INPUT that
 * followed no link (beneath.h), and the format its first bytes name.
 * Every decoder, the fast path's and libvips', reads these bytes, and only
 * the sniffed format's loader may (image_load.c), so what was checked is
 * what is decoded.
 */
struct image_input {
    const char *shown;        /* the input as the report shows it */
    int fd;                   /* its one descriptor, open until image_input_close */
    enum input_kind kind;     /* sniffed */
    uint8_t *data;
    size_t length;
    VipsFailOn fail_on;       /* --fail-on, for every load of this input */
    char fail_on_option[32];  /* the same as a loader option string */
};

/*
 * Opens and reads job's input.  Returns 0, or -1 with res failed: a link on
 * the way, not a regular file, empty, too large for --max-pixels, not one
 * of our formats.
 */
int image_input_read(struct image_input *in, const struct image_job *job,
                     const struct image_settings *s, struct job_result *res);
void image_input_close(struct image_input *in);

/* Header and lazy pixels; errors on truncated or corrupt data surface on use. */
VipsImage *image_input_load(struct image_input *in, VipsAccess access);

/*
 * vips_thumbnail from this input, to exactly width x height (the caller
 * computes the size, and crops, as the fast path does).  With to_srgb, an
 * embedded profile (P3, ProPhoto, CMYK...) is used to reach sRGB; without,
 * grey stays grey.
 */
VipsImage *image_input_thumbnail(struct image_input *in, int width, int height, int no_rotate,
                                 int to_srgb);

/*
 * Whether a w x h image is above --max-pixels.  Both paths ask before
 * decoding; the libvips path words the refusal.
 */
int over_pixel_limit(const struct image_settings *s, int w, int h);

/* 8-bit sRGB (or 8-bit grey where keep_grey and the input is grey), alpha kept. */
int to_srgb8(VipsImage *in, VipsImage **out, int keep_grey);

/*
 * Writes img in format fmt into the output's temporary file (output_file.h),
 * for the master to rename; input names the input in decode errors.
 */
int image_save_atomic(VipsImage *img, const char *input, const struct output_target *output,
                      enum out_format fmt, const struct image_settings *s, struct job_result *res);

/* Writes data as the output's temporary file, likewise. */
int save_bytes_atomic(const void *data, size_t len, const struct output_target *output,
                      struct job_result *res);

/*
 * The TurboJPEG fast path for JPEG in, JPEG out.  Returns 1 when it handled
 * the file (res is final, ok or failed), 0 when the file is not for it (a
 * profile, CMYK, a decoder warning...) and the libvips path must run.
 */
int jpeg_fast_process(const struct image_settings *s, const uint8_t *jpeg, size_t len,
                      const struct output_target *output, enum out_format fmt,
                      struct job_result *res);
void jpeg_fast_shutdown(void);

/*
 * Copies libvips' error buffer into res as one line and clears it.  what
 * says which step failed ("cannot open"); for decode errors, pass the
 * input's path instead and the message names the format and the damage:
 * "truncated JPEG (Premature end of JPEG file)".
 */
void fail_from_vips(struct job_result *res, const char *what);
void fail_decoding(struct job_result *res, const char *path);

/*
 * The decoder's word that the data ended before the image did, if it said
 * so while this file was decoded (without failing it): NULL if not.
 */
const char *image_truncation_warning(void);

/* Forgets the last file's warnings and errors: called as each file starts. */
void image_warnings_reset(void);

#endif
