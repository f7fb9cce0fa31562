/* fast_output: one JPEG output of a fast path; see fast_output.h. */
#include "fast_output.h"
#include "geometry.h"
#include "jpeg_write.h"

int fast_output_plan(const struct image_settings *s, const struct image_job *job, int w, int h,
                     struct fast_output *fo)
{
    if (job->noutputs != 1 || s->keep_metadata ||
        (s->op != IMAGE_RESIZE && s->op != IMAGE_THUMBNAIL) ||
        (s->op == IMAGE_THUMBNAIL && crop_is_smart(s->crop)))
        return 0;
    fo->out = &job->outputs[0];
    /* The format follows the input's name, as the master named the output by it. */
    if (output_format_for(fo->out->format, input_kind_of(job->input_shown)) != FMT_JPEG)
        return 0;
    if (s->op == IMAGE_RESIZE) {
        target_size(&fo->out->size, w, h, &fo->tw, &fo->th);
        fo->out_w = fo->tw, fo->out_h = fo->th;
    } else {
        cover_size(w, h, fo->out->size.width, fo->out->size.height, &fo->tw, &fo->th);
        fo->out_w = fo->out->size.width, fo->out_h = fo->out->size.height;
    }
    /* Enlarging, on either side: libvips' thumbnail does that. */
    return fo->tw >= 1 && fo->th >= 1 && fo->tw <= w && fo->th <= h;
}

int fast_output_write(const struct fast_output *fo, const struct pixmap *pm,
                      const struct image_settings *s, struct job_result *res)
{
    int left = 0, top = 0;

    if (s->op == IMAGE_THUMBNAIL)
        crop_window(s->crop, pm->w, pm->h, fo->out_w, fo->out_h, &left, &top);
    res->noutputs = 1;
    return jpeg_write(pm, left, top, fo->out_w, fo->out_h, s, &fo->out->target, NULL, res,
                      &res->outputs[0]);
}
