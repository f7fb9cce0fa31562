/* geometry: output sizes, computed as Pillow and libvips do; see geometry.h. */
#include "geometry.h"

#include <math.h>
#include <stdint.h>

/* Pillow's round_aspect: floor or ceil, whichever the key likes (floor on a tie), at least 1. */
static int round_aspect_width(double number, double aspect, double y)
{
    double lo = floor(number), hi = ceil(number);
    double best = fabs(aspect - hi / y) < fabs(aspect - lo / y) ? hi : lo;
    return best < 1 ? 1 : (int)best;
}

static int round_aspect_height(double number, double aspect, double x)
{
    double lo = floor(number), hi = ceil(number);
    double key_lo = lo == 0 ? 0 : fabs(aspect - x / lo);
    double key_hi = hi == 0 ? 0 : fabs(aspect - x / hi);
    double best = key_hi < key_lo ? hi : lo;
    return best < 1 ? 1 : (int)best;
}

void fit_inside(int w, int h, int box_w, int box_h, int *out_w, int *out_h)
{
    /* A free side is one no image can exceed. */
    double x = box_w > 0 ? box_w : (double)INT32_MAX;
    double y = box_h > 0 ? box_h : (double)INT32_MAX;
    double aspect = (double)w / h;

    *out_w = w;
    *out_h = h;
    if (x >= w && y >= h)
        return; /* never enlarge */
    if (x / y >= aspect) {
        *out_w = round_aspect_width(y * aspect, aspect, y);
        *out_h = (int)y;
    } else {
        *out_w = (int)x;
        *out_h = round_aspect_height(x / aspect, aspect, x);
    }
}

/* v rounded to an int, saturating: a 1 x 65535 strip covering a wide box would overflow. */
static int round_saturating(double v)
{
    return v + 0.5 >= (double)INT32_MAX ? INT32_MAX : (int)(v + 0.5);
}

void cover_size(int w, int h, int box_w, int box_h, int *cw, int *ch)
{
    double scale = (double)box_w / w > (double)box_h / h ? (double)box_w / w : (double)box_h / h;
    int x = round_saturating(w * scale), y = round_saturating(h * scale);

    *cw = x < box_w ? box_w : x;
    *ch = y < box_h ? box_h : y;
}

int over_pixel_limit(double max_megapixels, int w, int h)
{
    return max_megapixels > 0 && (double)w * h / 1e6 > max_megapixels;
}
