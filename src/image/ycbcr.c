/*
 * ycbcr: Y'CbCr to R'G'B' in integers; see ycbcr.h.
 *
 * The coefficients are libheif's (nclx.cc): Kr and Kb from the matrix
 * coefficients, or from the colour primaries for the two chromaticity-
 * derived matrices, then R = Y + 2(1-Kr) Cr and so on.  Limited range
 * scales Y by 255/219 and chroma by 255/224 after taking off the offset,
 * with libheif's rounded factors, so both paths give the same pixels.
 */
#include "ycbcr.h"

#include <stddef.h>

#define ONE (1 << 16)

struct kr_kb {
    double kr, kb;
};

/* The chromaticities of the colour primaries libheif knows (ITU-T H.273). */
struct primaries {
    double gx, gy, bx, by, rx, ry, wx, wy;
};

static int primaries_for(int idx, struct primaries *p)
{
    static const struct {
        int idx;
        struct primaries p;
    } known[] = {
        {1, {0.300, 0.600, 0.150, 0.060, 0.640, 0.330, 0.3127, 0.3290}},
        {4, {0.21, 0.71, 0.14, 0.08, 0.67, 0.33, 0.310, 0.316}},
        {5, {0.29, 0.60, 0.15, 0.06, 0.64, 0.33, 0.3127, 0.3290}},
        {6, {0.310, 0.595, 0.155, 0.070, 0.630, 0.340, 0.3127, 0.3290}},
        {7, {0.310, 0.595, 0.155, 0.070, 0.630, 0.340, 0.3127, 0.3290}},
        {8, {0.243, 0.692, 0.145, 0.049, 0.681, 0.319, 0.310, 0.316}},
        {9, {0.170, 0.797, 0.131, 0.046, 0.708, 0.292, 0.3127, 0.3290}},
        {10, {0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.333333, 0.33333}},
        {11, {0.265, 0.690, 0.150, 0.060, 0.680, 0.320, 0.314, 0.351}},
        {12, {0.265, 0.690, 0.150, 0.060, 0.680, 0.320, 0.3127, 0.3290}},
        {22, {0.295, 0.605, 0.155, 0.077, 0.630, 0.340, 0.3127, 0.3290}},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].idx == idx) {
            *p = known[i].p;
            return 0;
        }
    return -1;
}

/* Kr and Kb of the primaries' own luminance (matrix coefficients 12 and 13). */
static struct kr_kb kr_kb_from_primaries(int primaries_idx)
{
    struct kr_kb k = {0, 0};
    struct primaries p;

    if (primaries_for(primaries_idx, &p))
        return k;
    double zr = 1 - (p.rx + p.ry), zg = 1 - (p.gx + p.gy), zb = 1 - (p.bx + p.by);
    double zw = 1 - (p.wx + p.wy);
    double denom = p.wy * (p.rx * (p.gy * zb - p.by * zg) + p.gx * (p.by * zr - p.ry * zb) +
                           p.bx * (p.ry * zg - p.gy * zr));
    if (denom == 0)
        return k;
    k.kr = p.ry *
           (p.wx * (p.gy * zb - p.by * zg) + p.wy * (p.bx * zg - p.gx * zb) +
            zw * (p.gx * p.by - p.bx * p.gy)) /
           denom;
    k.kb = p.by *
           (p.wx * (p.ry * zg - p.gy * zr) + p.wy * (p.gx * zr - p.rx * zg) +
            zw * (p.rx * p.gy - p.gx * p.ry)) /
           denom;
    return k;
}

static struct kr_kb kr_kb_for(int matrix, int primaries)
{
    switch (matrix) {
    case 1:
        return (struct kr_kb){0.2126, 0.0722};
    case 4:
        return (struct kr_kb){0.30, 0.11};
    case 5:
    case 6:
        return (struct kr_kb){0.299, 0.114};
    case 7:
        return (struct kr_kb){0.212, 0.087};
    case 9:
    case 10:
        return (struct kr_kb){0.2627, 0.0593};
    case 12:
    case 13:
        return kr_kb_from_primaries(primaries);
    default:
        return (struct kr_kb){0, 0};
    }
}

static int32_t fixed(double v)
{
    return (int32_t)(v * ONE + (v < 0 ? -0.5 : 0.5));
}

int ycbcr_matrix_for(struct ycbcr_matrix *m, int matrix_coefficients, int colour_primaries,
                     int full_range)
{
    struct kr_kb k = kr_kb_for(matrix_coefficients, colour_primaries);
    /* libheif's limited-range factors, rounded as it rounds them. */
    double ys = full_range ? 1.0 : 1.1689, cs = full_range ? 1.0 : 1.1429;

    if (matrix_coefficients == 8)
        return -1;
    if (k.kr == 0 && k.kb == 0) /* unknown or unspecified: libheif's BT.601 */
        k = (struct kr_kb){0.299, 0.114};
    m->identity = matrix_coefficients == 0;
    m->full_range = full_range;
    m->y_scale = fixed(ys);
    m->r_cr = fixed(cs * 2 * (1 - k.kr));
    m->g_cb = fixed(cs * 2 * k.kb * (1 - k.kb) / (k.kb + k.kr - 1));
    m->g_cr = fixed(cs * 2 * k.kr * (1 - k.kr) / (k.kb + k.kr - 1));
    m->b_cb = fixed(cs * 2 * (1 - k.kb));
    return 0;
}

static inline uint8_t clip8(int32_t v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Round half up, then clip: libheif's (long)(f + 0.5) for what survives the clip. */
static inline uint8_t to_level(int32_t fx)
{
    return clip8((fx + ONE / 2) >> 16);
}

static void identity_row(const struct ycbcr_planes *in, const struct ycbcr_matrix *m,
                         const uint8_t *yrow, const uint8_t *cbrow, const uint8_t *crrow,
                         uint8_t *r, uint8_t *g, uint8_t *b)
{
    for (int x = 0; x < in->w; x++) {
        int cx = x >> in->shift_x;
        if (m->full_range) {
            r[x] = crrow[cx], g[x] = yrow[x], b[x] = cbrow[cx];
        } else { /* libheif squeezes these into limited range, as it says */
            r[x] = (uint8_t)(((crrow[cx] * 219 + 128) >> 8) + 16);
            g[x] = (uint8_t)(((yrow[x] * 219 + 128) >> 8) + 16);
            b[x] = (uint8_t)(((cbrow[cx] * 219 + 128) >> 8) + 16);
        }
    }
}

void ycbcr_to_rgb_planes(const struct ycbcr_planes *in, const struct ycbcr_matrix *m, uint8_t *r,
                         uint8_t *g, uint8_t *b, int stride)
{
    int y_offset = m->full_range ? 0 : 16;

    for (int y = 0; y < in->h; y++) {
        const uint8_t *yrow = in->y + (size_t)y * in->y_stride;
        const uint8_t *cbrow = in->cb + (size_t)(y >> in->shift_y) * in->c_stride;
        const uint8_t *crrow = in->cr + (size_t)(y >> in->shift_y) * in->c_stride;
        uint8_t *ro = r + (size_t)y * stride, *go = g + (size_t)y * stride,
                *bo = b + (size_t)y * stride;

        if (m->identity) {
            identity_row(in, m, yrow, cbrow, crrow, ro, go, bo);
            continue;
        }
        for (int x = 0; x < in->w; x++) {
            int cx = x >> in->shift_x;
            int32_t yv = (yrow[x] - y_offset) * m->y_scale;
            int32_t cb = cbrow[cx] - 128, cr = crrow[cx] - 128;
            ro[x] = to_level(yv + m->r_cr * cr);
            go[x] = to_level(yv + m->g_cb * cb + m->g_cr * cr);
            bo[x] = to_level(yv + m->b_cb * cb);
        }
    }
}
