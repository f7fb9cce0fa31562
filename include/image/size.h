/*
 * size: what --size asks of an output, in ImageMagick's geometry, and where
 * --crop puts thumbnail's box.
 *
 * The command line fills it (cli.c parse_size) and the engine turns it into
 * pixels for each image (geometry.c target_size).  SIZE_FIT is the size
 * resize has always had, Pillow's Image.thumbnail(); the other modes are
 * ImageMagick's flags.
 */
#ifndef IMGBATCH_IMAGE_SIZE_H
#define IMGBATCH_IMAGE_SIZE_H

enum size_mode {
    SIZE_FIT,     /* W, Wx, xH, WxH: fit inside, never enlarge */
    SIZE_SHRINK,  /* WxH>: the same, said explicitly */
    SIZE_ENLARGE, /* WxH<: fit inside, only images smaller than the box on both sides */
    SIZE_COVER,   /* WxH^: cover the box, up or down, no crop */
    SIZE_EXACT,   /* WxH!: exactly WxH, aspect ignored */
    SIZE_PERCENT, /* N%: both sides scaled by N percent */
    SIZE_AREA,    /* N@: the aspect kept, at most N pixels */
};

/*
 * Where thumbnail's box sits in the scaled image that covers it (--crop).
 * Covering a box cuts one side only, so an edge names that side: top and
 * bottom place the box on an image cut across its height (centred across
 * its width), left and right on one cut across its width.  attention and
 * entropy look at the pixels (libvips' smartcrop): where the eye goes
 * (edges, skin tones, saturated colour), or the busiest part.
 */
enum crop_position {
    CROP_CENTRE,
    CROP_ATTENTION,
    CROP_ENTROPY,
    CROP_TOP,
    CROP_BOTTOM,
    CROP_LEFT,
    CROP_RIGHT,
};

struct size_request {
    enum size_mode mode;
    int width, height; /* the box; 0 leaves a side free (FIT, SHRINK and ENLARGE only) */
    int percent;       /* SIZE_PERCENT */
    long long area;    /* SIZE_AREA: the most pixels */
};

/*
 * Whether resize under r would have enlarged a w x h image and, never
 * enlarging, keeps it at its own size: a plain box (SIZE_FIT or
 * SIZE_SHRINK) whose every given side is larger than the image's.  A box
 * the image meets exactly on one side asks for nothing larger.  Told of an
 * output's own size, it says whether that output was kept so.
 */
static inline int size_capped(const struct size_request *r, int w, int h)
{
    if (r->mode != SIZE_FIT && r->mode != SIZE_SHRINK)
        return 0; /* the other modes ask to enlarge, or keep the aspect only */
    return (r->width == 0 || r->width > w) && (r->height == 0 || r->height > h);
}

#endif
