/*
 * size: what --size asks of an output, in ImageMagick's geometry.
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

struct size_request {
    enum size_mode mode;
    int width, height; /* the box; 0 leaves a side free (FIT, SHRINK and ENLARGE only) */
    int percent;       /* SIZE_PERCENT */
    long long area;    /* SIZE_AREA: the most pixels */
};

#endif
