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

/* v rounded to the nearest int, at least 1, saturating. */
static int round_side(double v)
{
    int n = round_saturating(v);
    return n < 1 ? 1 : n;
}

/* ImageMagick's "<": only an image smaller than the box on both sides, scaled up to fit it. */
static void enlarge_to_fit(int w, int h, int box_w, int box_h, int *tw, int *th)
{
    double x = box_w > 0 ? box_w : (double)INT32_MAX;
    double y = box_h > 0 ? box_h : (double)INT32_MAX;

    *tw = w;
    *th = h;
    if (w >= x || h >= y)
        return;
    if (x / w <= y / h) {
        *tw = box_w;
        *th = round_side(h * x / w);
    } else {
        *tw = round_side(w * y / h);
        *th = box_h;
    }
}

static void scale_to_area(int w, int h, long long area, int *tw, int *th)
{
    double scale = sqrt((double)area / ((double)w * h));

    *tw = round_side(w * scale);
    *th = round_side(h * scale);
    if ((double)*tw * *th > (double)area) {
        *tw = round_side(floor(w * scale));
        *th = round_side(floor(h * scale));
    }
    /* Still above: a thin side held at 1 pixel, which leaves the other the whole area. */
    if ((double)*tw * *th > (double)area) {
        if (*th == 1)
            *tw = (int)area;
        else
            *th = (int)area;
    }
}

void target_size(const struct size_request *r, int w, int h, int *tw, int *th)
{
    switch (r->mode) {
    case SIZE_FIT:
    case SIZE_SHRINK:
        fit_inside(w, h, r->width, r->height, tw, th);
        break;
    case SIZE_ENLARGE:
        enlarge_to_fit(w, h, r->width, r->height, tw, th);
        break;
    case SIZE_COVER:
        cover_size(w, h, r->width, r->height, tw, th);
        break;
    case SIZE_EXACT:
        *tw = r->width;
        *th = r->height;
        break;
    case SIZE_PERCENT:
        *tw = round_side((double)w * r->percent / 100);
        *th = round_side((double)h * r->percent / 100);
        break;
    case SIZE_AREA:
        scale_to_area(w, h, r->area, tw, th);
        break;
    }
}

void crop_window(enum crop_position pos, int w, int h, int box_w, int box_h, int *left, int *top)
{
    *left = (w - box_w) / 2;
    *top = (h - box_h) / 2;
    switch (pos) {
    case CROP_TOP:
        *top = 0;
        break;
    case CROP_BOTTOM:
        *top = h - box_h;
        break;
    case CROP_LEFT:
        *left = 0;
        break;
    case CROP_RIGHT:
        *left = w - box_w;
        break;
    case CROP_CENTRE:
    case CROP_ATTENTION:
    case CROP_ENTROPY:
        break;
    }
}

int crop_is_smart(enum crop_position pos)
{
    return pos == CROP_ATTENTION || pos == CROP_ENTROPY;
}

int over_pixel_limit(double max_megapixels, int w, int h)
{
    return max_megapixels > 0 && (double)w * h / 1e6 > max_megapixels;
}

int over_pixel_limit_frames(double max_megapixels, int w, int h, int frames)
{
    return max_megapixels > 0 && (double)w * h * frames / 1e6 > max_megapixels;
}
