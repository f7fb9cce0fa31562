/*
 * image: the four operations, run inside a worker on libvips.
 *
 * image_process() reads one input, turns it upright and into 8-bit sRGB,
 * applies the operation, and writes the output to a temporary file beside
 * it (temp_path_for(output, getpid())), which the master renames into place
 * when it takes the result (settle_output).  On failure nothing is left
 * behind and res->error holds one line naming the cause.
 */
#ifndef IMGBATCH_IMAGE_H
#define IMGBATCH_IMAGE_H

#include "cli.h"
#include "message.h"

struct image_settings {
    enum op op;
    int width, height;  /* the box; 0 leaves a side free */
    int quality;
    enum out_format format;
    int no_rotate;
    int keep_metadata;
    double max_megapixels; /* 0: no limit */
    enum fail_on fail_on;
    long long max_memory_mb; /* the worker's limit, to explain an allocation that failed */
};

/* Pillow's Image.thumbnail((box_w, box_h)) size for a w x h image; 0 box sides are free. */
void fit_inside(int w, int h, int box_w, int box_h, int *out_w, int *out_h);

/*
 * thumbnail's geometry: the size at which a w x h image just covers the box
 * (the nearer side exact, the other rounded and never short of the box);
 * the centre box_w x box_h of it, from ((cw - box_w) / 2, (ch - box_h) / 2),
 * is the thumbnail.  Both the libvips and the TurboJPEG paths crop so.
 */
void cover_size(int w, int h, int box_w, int box_h, int *cw, int *ch);

/*
 * Starts libvips for single-threaded use in this worker process, after the
 * fork; image_process calls it for the first file that needs libvips.
 * Returns 0, or -1 (then and ever after: image_library_failed() says so).
 */
int image_library_start(void);
int image_library_failed(void);
void image_library_shutdown(void);

void image_process(const struct image_settings *s, const char *input, const char *output,
                   struct job_result *res);

#endif
