/* icc_srgb: is an embedded profile sRGB in all but name; see icc_srgb.h. */
#include "icc_srgb.h"

#include <lcms2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Grid steps per channel: 0, 15, ..., 255, so black, white and the primaries are in. */
#define GRID_STEP 15
/* A colour moving by this much, in 8-bit levels, is a real conversion, not rounding. */
#define MOVE_LIMIT 1.0

#define CACHE_SLOTS 4

struct verdict {
    uint8_t *profile; /* a copy of the bytes judged; NULL for an empty slot */
    size_t len;
    int srgb;
};

static struct verdict cache[CACHE_SLOTS];
static int cache_next;

/* lcms reports a broken profile by returning NULL; its messages add nothing for us. */
static void quiet(cmsContext ctx, cmsUInt32Number code, const char *text)
{
    (void)ctx;
    (void)code;
    (void)text;
}

/* The largest move of any channel, in levels, over the grid; HUGE_VAL if it cannot tell. */
static double largest_move(cmsContext ctx, cmsHPROFILE profile)
{
    cmsHPROFILE srgb = cmsCreate_sRGBProfileTHR(ctx);
    cmsHTRANSFORM t = NULL;
    double worst = HUGE_VAL;

    if (srgb)
        /* Floating point, unoptimised: the profile's own curves, not a LUT's rounding. */
        t = cmsCreateTransformTHR(ctx, profile, TYPE_RGB_FLT, srgb, TYPE_RGB_FLT,
                                  INTENT_RELATIVE_COLORIMETRIC,
                                  cmsFLAGS_NOOPTIMIZE | cmsFLAGS_NOCACHE);
    if (t) {
        worst = 0;
        for (int r = 0; r <= 255; r += GRID_STEP)
            for (int g = 0; g <= 255; g += GRID_STEP)
                for (int b = 0; b <= 255; b += GRID_STEP) {
                    float in[3] = {r / 255.0f, g / 255.0f, b / 255.0f}, out[3];
                    cmsDoTransform(t, in, out, 1);
                    for (int c = 0; c < 3; c++) {
                        double move = fabs((double)out[c] - in[c]) * 255.0;
                        /* NaN from a degenerate profile is a move too. */
                        if (!(move <= worst))
                            worst = isnan(move) ? HUGE_VAL : move;
                    }
                }
        cmsDeleteTransform(t);
    }
    if (srgb)
        cmsCloseProfile(srgb);
    return worst;
}

static int judge(const uint8_t *icc, size_t len)
{
    cmsContext ctx = cmsCreateContext(NULL, NULL);
    cmsHPROFILE profile;
    int srgb = 0;

    if (!ctx)
        return 0;
    cmsSetLogErrorHandlerTHR(ctx, quiet);
    profile = cmsOpenProfileFromMemTHR(ctx, icc, (cmsUInt32Number)len);
    if (profile && cmsGetColorSpace(profile) == cmsSigRgbData &&
        cmsIsIntentSupported(profile, INTENT_RELATIVE_COLORIMETRIC, LCMS_USED_AS_INPUT))
        srgb = largest_move(ctx, profile) < MOVE_LIMIT;
    if (profile)
        cmsCloseProfile(profile);
    cmsDeleteContext(ctx);
    return srgb;
}

int icc_profile_is_srgb(const uint8_t *icc, size_t len)
{
    struct verdict *v;

    if (!icc || len < 128 || len > UINT32_MAX) /* 128: an ICC header alone */
        return 0;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (cache[i].profile && cache[i].len == len && !memcmp(cache[i].profile, icc, len))
            return cache[i].srgb;

    int srgb = judge(icc, len);
    v = &cache[cache_next];
    cache_next = (cache_next + 1) % CACHE_SLOTS;
    free(v->profile);
    v->profile = malloc(len);
    if (v->profile) {
        memcpy(v->profile, icc, len);
        v->len = len;
        v->srgb = srgb;
    }
    return srgb;
}
