/*
 * encode: how outputs are encoded beyond their format and --quality: the
 * effort, lossless, progressive, chroma and PNG options, and whether an
 * input's own bytes may stand in for a larger output.
 *
 * One set of options serves a whole run, whatever format each file ends
 * up in (--format auto keeps a JPEG a JPEG and an AVIF an AVIF): each
 * option applies to the formats that have it and is left aside by the
 * others.  Only when every output is one format (--format, or an OUTPUT
 * file's name) is an option that format lacks an error: the command line
 * asks encode_option_unused().
 *
 * The numbers here are the libraries' own, chosen for imgbatch's scale:
 * --quality is JPEG's scale for every lossy format, --effort one scale
 * from 0 (fastest) to 9 (smallest).  docs/performance.md has the
 * measurements behind the mappings and the defaults.
 */
#ifndef IMGBATCH_IMAGE_ENCODE_H
#define IMGBATCH_IMAGE_ENCODE_H

#include "image/formats.h"

/* Chroma subsampling: libvips' rule (full chroma from quality 90 up), or forced. */
enum chroma { CHROMA_AUTO, CHROMA_420, CHROMA_444 };

#define EFFORT_DEFAULT (-1) /* each format's batch default (encode_effort) */
#define EFFORT_MAX 9
#define PNG_COMPRESSION_DEFAULT 6 /* zlib's and libvips' default level */

struct encode_options {
    int effort;          /* 0 fastest .. 9 smallest, or EFFORT_DEFAULT: WebP, AVIF, JPEG XL */
    int lossless;        /* WebP, AVIF, JPEG XL */
    int progressive;     /* JPEG: progressive scans; PNG: interlaced (Adam7) */
    enum chroma chroma;  /* JPEG, AVIF */
    int png_compression; /* zlib level 0..9 */
    int palette;         /* PNG: 8-bit, at most 256 colours quantised by libimagequant */
    /*
     * --keep-original-if-smaller: where the output would be the input's own
     * picture (same format, same size, nothing the output drops) but more
     * bytes, the input's bytes are written instead.
     */
    int keep_original;
};

/* Every option at its default: what a run without them does. */
void encode_options_default(struct encode_options *e);

/*
 * The first option in e that is not at its default and that format f has
 * no use for, as typed ("--lossless"); NULL if every one set applies.
 */
const char *encode_option_unused(const struct encode_options *e, enum out_format f);

/*
 * The same for outputs in n formats (a --format list): the first option
 * set that none of them has a use for; NULL if each applies to one.
 */
const char *encode_option_unused_by_all(const struct encode_options *e,
                                        const enum out_format *formats, size_t n);

/* The formats an option applies to, for messages: "WebP, AVIF and JPEG XL". */
const char *encode_option_formats(const char *option);

/*
 * The effort handed to f's encoder: --effort on f's own scale (WebP
 * 0..6, AVIF 0..9, JPEG XL 3..9: a value past a scale's end is its end),
 * or the format's batch default.
 */
int encode_effort(const struct encode_options *e, enum out_format f);

/*
 * --quality (JPEG's scale, 1..100) as libheif's AV1 quality, for an AVIF
 * that looks like the JPEG would (measured: docs/performance.md).
 */
int avif_quality(int quality);

/* Whether a lossy JPEG or AVIF at this quality keeps full-resolution chroma. */
int chroma_full(const struct encode_options *e, int quality);

#endif
