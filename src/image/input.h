/*
 * input: an input, read.
 *
 * The whole file in memory, from one open below INPUT that followed no
 * link (beneath.h), and the format its first bytes name.  Every decoder,
 * the fast path's and libvips', reads these bytes, and only the sniffed
 * format's loader may (vips_load.c), so what was checked is what is
 * decoded: nothing can be swapped in between the check and the decode.
 */
#ifndef IMGBATCH_IMAGE_INPUT_H
#define IMGBATCH_IMAGE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

struct image_input {
    const char *shown;    /* the input as the report shows it */
    int fd;               /* its one descriptor, open until image_input_close */
    enum input_kind kind; /* sniffed */
    uint8_t *data;
    size_t length;
};

/*
 * Opens and reads job's input.  Returns 0, or -1 with res failed: a link on
 * the way, not a regular file, empty, too large for --max-pixels, not one
 * of our formats.
 */
int image_input_read(struct image_input *in, const struct image_job *job,
                     const struct image_settings *s, struct job_result *res);
void image_input_close(struct image_input *in);

#endif
