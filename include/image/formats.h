/*
 * formats: the image formats imgbatch reads and writes, known by name and
 * by content.
 *
 * A file is chosen by its extension, and read by its first bytes: libvips
 * picks a loader by asking every loader it has whether the bytes are its
 * own, and some loaders (PDF, SVG) parse the file before libvips checks
 * that they are blocked.  imgbatch asks first: only a file whose signature
 * is one of the formats it reads is handed to a decoder at all, and only
 * to that format's.
 */
#ifndef IMGBATCH_IMAGE_FORMATS_H
#define IMGBATCH_IMAGE_FORMATS_H

#include <stddef.h>

/*
 * IN_HEIF is HEIC and the other HEIF images (HEVC inside, or a codec its
 * brands do not name); IN_AVIF is HEIF with AV1 inside.  libheif reads
 * both.
 */
enum input_kind {
    IN_NONE,
    IN_JPEG,
    IN_PNG,
    IN_GIF,
    IN_BMP,
    IN_WEBP,
    IN_TIFF,
    IN_HEIF,
    IN_AVIF,
    IN_JXL,
};

enum out_format { FMT_AUTO, FMT_JPEG, FMT_PNG, FMT_WEBP, FMT_TIFF, FMT_GIF, FMT_AVIF, FMT_JXL };

/* The extension of a path's last component, with its dot, or NULL ("photo", ".hidden"). */
const char *file_extension(const char *name);

/* The kind an input file name announces by its extension, case-insensitive. */
enum input_kind input_kind_of(const char *name);

/*
 * For a name whose extension announces a kind of image imgbatch does not
 * read (.psd, .svg, .cr2...): why it is not read, one static line ("a
 * Photoshop document, a kind of image imgbatch does not read").  NULL for
 * the kinds it reads and for names that announce no image.
 */
const char *unread_image_kind(const char *name);

/* The extensions input_kind_of knows, for messages: ".jpg .jpeg .png ...". */
const char *input_extensions(void);

/* The format written for an input of this kind when --format asked for requested. */
enum out_format output_format_for(enum out_format requested, enum input_kind kind);

/* "JPEG", "PNG", "WebP", "TIFF", "GIF", "AVIF", "JPEG XL" for messages; "auto" for FMT_AUTO. */
const char *format_label(enum out_format f);

/* Extension (with dot) used for a format: .jpg .png .webp .tif .gif .avif .jxl. */
const char *format_extension(enum out_format f);

/* Whether an input of this kind is already in format f (it then keeps its own extension). */
int format_keeps_kind(enum input_kind kind, enum out_format f);

/*
 * Whether imgbatch writes files of this kind (JPEG, PNG, WebP, TIFF, GIF,
 * AVIF, JPEG XL; not HEIF), under any --format.
 */
int input_kind_written(enum input_kind kind);

/*
 * Bytes enough to tell every supported format: HEIF and AVIF are told
 * apart by the brands of their ftyp box, which the first 64 bytes hold
 * for every file seen (an iPhone's lists six brands in 40 bytes).  A
 * brand beyond them is not looked at, so that the kind of a file does not
 * depend on how much of it was read.
 */
#define SNIFF_BYTES 64

/* The format whose signature starts p[0..n), or IN_NONE. */
enum input_kind sniff_format(const unsigned char *p, size_t n);

/*
 * Whether p[0..n) is a chain of ISO BMFF boxes (HEIF, AVIF, JPEG XL's
 * container) cut short: a box whose size runs past n, or a header cut in
 * two.  Says which of "corrupt" and "truncated" a decoder's failure was,
 * where libheif only says a box is missing.  0 for anything else.
 */
int iso_bmff_cut_short(const unsigned char *p, size_t n);

/* "JPEG", "PNG", ..., "HEIF", "AVIF", "JPEG XL" for messages; "image" for IN_NONE. */
const char *input_kind_label(enum input_kind kind);

/* "a" or "an", as the label is said: "an AVIF file", "a HEIF file". */
const char *input_kind_article(enum input_kind kind);

/*
 * Whether the first n bytes of the file at path (n == 0: it is empty) may
 * go to a decoder.  Returns 0, or -1 with the file's one-line failure in buf.
 */
int sniff_refusal(const char *path, const unsigned char *head, size_t n, char *buf, size_t len);

#endif
