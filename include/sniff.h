/*
 * sniff: which image format a file holds, from its first bytes.
 *
 * libvips picks a loader by asking every loader it has whether the bytes
 * are its own, and some loaders (PDF, SVG) parse the file before libvips
 * checks that they are blocked.  imgbatch asks first: only a file whose
 * signature is one of the formats it reads is handed to libvips at all.
 */
#ifndef IMGBATCH_SNIFF_H
#define IMGBATCH_SNIFF_H

#include <stddef.h>

#include "outpath.h"

/* Bytes enough to tell every supported format. */
#define SNIFF_BYTES 12

/* The format whose signature starts p[0..n), or IN_NONE. */
enum input_kind sniff_format(const unsigned char *p, size_t n);

/* "JPEG", "PNG", ... for messages; "image" for IN_NONE. */
const char *input_kind_label(enum input_kind kind);

/*
 * Whether the first n bytes of the file at path (n == 0: it is empty) may
 * go to a decoder.  Returns 0, or -1 with the file's one-line failure in buf.
 */
int sniff_refusal(const char *path, const unsigned char *head, size_t n, char *buf, size_t len);

#endif
