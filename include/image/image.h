/*
 * image: the image engine, what a worker calls for each file.
 *
 * image_process() reads one input, turns it upright and into 8-bit sRGB,
 * applies the operation, and writes each output the job asks for (one, or
 * a responsive set: several sizes in several formats) to a temporary file
 * beside it, which the master renames into place when it takes the result
 * (output_file.h).  The input is decoded once for all of them (size_plan.h).
 * It takes the TurboJPEG fast path where it can (jpeg_fast.c) and libvips
 * otherwise (vips_*.c).  On failure the outputs not yet done leave nothing
 * behind and res->error holds one line naming the cause.
 *
 * The engine knows nothing of the command line: the application fills
 * struct image_settings from its options.  It reports in the pool's
 * result message (pool/message.h), the one thing it shares with the pool.
 */
#ifndef IMGBATCH_IMAGE_H
#define IMGBATCH_IMAGE_H

#include <stddef.h>
#include <sys/stat.h>

#include "image/encode.h"
#include "image/formats.h"
#include "image/output_file.h"
#include "image/size.h"
#include "pool/message.h"

/* convert keeps the size and the colours: the output is the input, upright, in another format. */
enum image_op { IMAGE_RESIZE, IMAGE_GRAYSCALE, IMAGE_SEPIA, IMAGE_THUMBNAIL, IMAGE_CONVERT };

/* How much damage fails a file, from nothing to any decoder warning (libvips' fail_on). */
enum fail_on { FAIL_ON_NONE, FAIL_ON_TRUNCATED, FAIL_ON_ERROR, FAIL_ON_WARNING };

/* "none", "truncated", "error", "warning": --fail-on's words, and libvips' nicknames. */
static inline const char *fail_on_name(enum fail_on f)
{
    static const char *const names[] = {"none", "truncated", "error", "warning"};
    return names[f];
}

/*
 * The kinds of metadata an output keeps (--keep): bits of
 * image_settings.keep_metadata.  GPS is part of EXIF, and kept only when
 * named.  A kept ICC profile keeps the pixels in that profile.
 */
enum keep_kind {
    KEEP_EXIF = 1 << 0,
    KEEP_GPS = 1 << 1,
    KEEP_XMP = 1 << 2,
    KEEP_ICC = 1 << 3,
    KEEP_IPTC = 1 << 4,
    KEEP_ALL = (1 << 5) - 1,
};

/* What a whole run asks of every file; each output's size and format are the job's. */
struct image_settings {
    enum image_op op;
    enum crop_position crop; /* thumbnail: where its box is cut from the covering image */
    int quality;
    int no_rotate;
    unsigned keep_metadata; /* KEEP_* bits; 0: every kind stripped */
    double max_megapixels; /* 0: no limit */
    enum fail_on fail_on;
    long long max_memory_mb; /* the worker's limit, to explain an allocation that failed */
    const char *scratch_dir; /* the run's private temporary directory (run_scratch.h), or NULL */
    struct encode_options encode; /* effort, lossless, progressive, chroma, PNG's, keep original */
};

/* One output of a file: what it is asked to be, and where it goes. */
struct image_output {
    struct size_request size; /* resize: any mode; thumbnail: the box, SIZE_FIT; else unused */
    enum out_format format;   /* FMT_AUTO: by the input's kind (output_format_for) */
    struct output_target target;
};

/* One file to do: where to read it, and its outputs (res->outputs follows their order). */
struct image_job {
    int input_root;          /* INPUT's directory (or a file INPUT's own), open */
    const char *input_rel;   /* the input below it: opened without following a link */
    const char *input_shown; /* as the report shows it */
    const struct image_output *outputs;
    size_t noutputs; /* 1..JOB_OUTPUTS_MAX */
};

/*
 * Starts libvips for single-threaded use in this worker process, after the
 * fork, with ImageMagick fenced in (magick_policy.h, in s->scratch_dir);
 * image_process calls it for the first file that needs libvips.  Returns
 * 0, or -1 (then and ever after: image_library_failed() says so).
 */
int image_library_start(const struct image_settings *s);
/* Loads the libvips module ahead of the first file when with_libvips (engine_module.h). */
int image_engine_prepare(int with_libvips);
int image_library_failed(void);
void image_library_shutdown(void);

void image_process(const struct image_settings *s, const struct image_job *job,
                   struct job_result *res);

/*
 * Opens an input as a worker does: rel below root following no link (root
 * -1: rel as given, for an INPUT named on the command line), never
 * blocking on a FIFO, and only a regular file.  Returns the descriptor,
 * or -1 with the refusal in err ("not a regular file: a FIFO").
 */
int image_open_input(int root, const char *rel, struct stat *st, char *err, size_t errlen);

#endif
