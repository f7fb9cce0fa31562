/*
 * geometry: the sizes an output takes, in plain integer arithmetic.
 *
 * Both paths (TurboJPEG and libvips) ask these, so both agree to the
 * pixel, and the unit tests check them against Pillow's rounding without
 * any image library.
 */
#ifndef IMGBATCH_IMAGE_GEOMETRY_H
#define IMGBATCH_IMAGE_GEOMETRY_H

#include "image/size.h"

/*
 * Pillow's Image.thumbnail((box_w, box_h)) size for a w x h image: fit
 * inside the box keeping the aspect ratio, never enlarge; the constrained
 * side exact, the other the nearer of floor and ceil (Pillow's
 * round_aspect), at least 1.  0 box sides are free.
 */
void fit_inside(int w, int h, int box_w, int box_h, int *out_w, int *out_h);

/*
 * thumbnail's geometry: the size at which a w x h image just covers the box
 * (the nearer side exact, the other rounded and never short of the box;
 * saturating at INT32_MAX); the centre box_w x box_h of it, from
 * ((cw - box_w) / 2, (ch - box_h) / 2), is the thumbnail.
 */
void cover_size(int w, int h, int box_w, int box_h, int *cw, int *ch);

/*
 * resize's output size for a w x h image under r: SIZE_FIT and SIZE_SHRINK
 * are exactly fit_inside(), SIZE_COVER is cover_size(); the other modes
 * round each side to the nearest pixel, at least 1 (saturating at
 * INT32_MAX), except that SIZE_AREA rounds down where the nearest would
 * exceed the area, and never does.  The result may be larger than the
 * image for ENLARGE, COVER, EXACT, PERCENT and AREA.
 */
void target_size(const struct size_request *r, int w, int h, int *tw, int *th);

/*
 * Thumbnail's box_w x box_h window in a w x h image that covers it
 * (cover_size), placed as pos says: the centre as ((w - box_w) / 2,
 * (h - box_h) / 2), an edge flush with that edge and centred across.
 * attention and entropy look at pixels (crop_is_smart): the centre here.
 */
void crop_window(enum crop_position pos, int w, int h, int box_w, int box_h, int *left, int *top);

/* Whether pos is found by looking at the pixels (libvips' smartcrop), not by arithmetic. */
int crop_is_smart(enum crop_position pos);

/* Whether a w x h image is above max_megapixels (0: no limit). */
int over_pixel_limit(double max_megapixels, int w, int h);

/* The same for an animation of that many w x h frames, all decoded. */
int over_pixel_limit_frames(double max_megapixels, int w, int h, int frames);

#endif
