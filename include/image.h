/*
 * image: the four operations, run inside a worker on libvips.
 *
 * image_process() reads one input, turns it upright and into 8-bit sRGB,
 * applies the operation, and writes the output to a temporary file beside
 * it, which the master renames into place when it takes the result
 * (output_file.h).  On failure nothing is left behind and res->error holds
 * one line naming the cause.
 */
#ifndef IMGBATCH_IMAGE_H
#define IMGBATCH_IMAGE_H

#include "cli.h"
#include "message.h"
#include "output_file.h"

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
    const char *scratch_dir; /* the run's private temporary directory (run_scratch.h), or NULL */
};

/* One file to do: where to read it and where its output goes. */
struct image_job {
    int input_root;          /* INPUT's directory (or a file INPUT's own), open */
    const char *input_rel;   /* the input below it: opened without following a link */
    const char *input_shown; /* as the report shows it */
    struct output_target output;
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
 * fork, with ImageMagick fenced in (magick_policy.h, in s->scratch_dir);
 * image_process calls it for the first file that needs libvips.  Returns
 * 0, or -1 (then and ever after: image_library_failed() says so).
 */
int image_library_start(const struct image_settings *s);
int image_library_failed(void);
void image_library_shutdown(void);

void image_process(const struct image_settings *s, const struct image_job *job,
                   struct job_result *res);

#endif
