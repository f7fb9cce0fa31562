/*
 * vips_module: libvips and libheif as a second module, imgbatch-vips.so,
 * that the engine (imgbatch-engine.so) loads in a worker the first time a
 * file needs them.
 *
 * A JPEG, PNG or WebP photo goes through a fast path that needs only
 * TurboJPEG, libpng, libdeflate and libwebp; libvips, libheif and the
 * hundred libraries behind them (ImageMagick, poppler, GLib...) cost a
 * process 50 to 60 ms to map, more than a hundred photos' worth of
 * everything else a run does.  A batch of JPEGs never loads them, and one
 * that needs them loads them in each worker, side by side.
 */
#ifndef IMGBATCH_IMAGE_VIPS_MODULE_H
#define IMGBATCH_IMAGE_VIPS_MODULE_H

#include "image/image.h"
#include "input.h"

#define VIPS_MODULE_ABI 1
#define VIPS_MODULE_SYMBOL "imgbatch_vips_module"
#define VIPS_MODULE_FILE "imgbatch-vips.so"

struct vips_module {
    int abi; /* VIPS_MODULE_ABI */
    /* ImageMagick fenced in, then libvips started: 0, or -1 then and ever after. */
    int (*start)(const char *scratch_dir);
    int (*failed)(void);
    void (*shutdown)(void);
    /* Everything the fast paths leave, through libvips. */
    void (*process)(const struct image_settings *s, const struct image_input *in,
                    const struct image_job *job, struct job_result *res);
    /* The HEIF fast path (heif_fast.h), which needs libheif, not libvips. */
    int (*heif_fast)(const struct image_settings *s, const struct image_input *in,
                     const struct image_job *job, struct job_result *res);
};

/*
 * Loads imgbatch-vips.so from the folder imgbatch-engine.so was loaded from,
 * once.  Returns its table, or NULL with why in err (kept: the same answer
 * every time).
 */
const struct vips_module *vips_module_load(char *err, size_t errlen);

#endif
