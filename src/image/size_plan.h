/*
 * size_plan: the outputs of one input as a chain of scaled images, made
 * from one decode.
 *
 * A responsive set asks one input for several sizes.  Each is made from
 * the scaled image just larger than it, not from the input again: the
 * input is decoded once, shrunk while decoding to what the largest needs,
 * scaled to the largest size (a level), and each smaller level is scaled
 * from the one before.  Outputs of the same size in several formats share
 * a level.  A thumbnail's level is the whole image covering its box, not
 * the box, since a later box of another shape may need what this one cut
 * away; each box is cut from its level when it is written.
 *
 * Plain integer arithmetic over geometry.c, no image library: the fast
 * path and libvips follow one plan, and the unit tests check it alone.
 */
#ifndef IMGBATCH_IMAGE_SIZE_PLAN_H
#define IMGBATCH_IMAGE_SIZE_PLAN_H

#include "image/size.h"
#include "pool/message.h"

struct size_level {
    int w, h; /* the scaled image, upright */
    int from; /* the level it is scaled from: the nearest larger one; -1 the decoded image */
};

struct size_plan {
    int count;   /* outputs */
    int nlevels; /* distinct scaled sizes, largest (by area) first */
    struct size_level levels[JOB_OUTPUTS_MAX];
    int level[JOB_OUTPUTS_MAX];                         /* each output's level */
    int out_w[JOB_OUTPUTS_MAX], out_h[JOB_OUTPUTS_MAX]; /* as written: thumbnail's box */
    int capped[JOB_OUTPUTS_MAX]; /* resize asked for more than the image has: kept at its size */
    int need_w, need_h; /* the largest width and height of any level: what a decode must give */
};

/* How an operation sizes its outputs. */
enum plan_kind {
    PLAN_FULL_SIZE, /* grayscale, sepia, convert: every output is the upright image */
    PLAN_RESIZE,    /* target_size of each output's request */
    PLAN_THUMBNAIL, /* cover_size of each box, the box cut from it */
};

/*
 * The plan for n outputs (1..JOB_OUTPUTS_MAX) of an upright w x h image,
 * sizes[i] being output i's request (unused for PLAN_FULL_SIZE; may be
 * NULL then).
 */
void size_plan_make(struct size_plan *p, enum plan_kind kind, const struct size_request *sizes,
                    int n, int w, int h);

/* Whether any level is larger than the w x h image on either side: an enlargement. */
int size_plan_enlarges(const struct size_plan *p, int w, int h);

/* Whether every level after the first is scaled from the one just before it (a plain chain). */
int size_plan_is_chain(const struct size_plan *p);

#endif
