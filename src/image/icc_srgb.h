/*
 * icc_srgb: whether an embedded ICC profile is sRGB in all but name.
 *
 * Cameras, phones and editors tag most JPEGs with an sRGB profile (HP's
 * "sRGB IEC61966-2.1" above all).  Converting such a photo to sRGB changes
 * no pixel by more than rounding, yet through libvips it costs an lcms
 * transform per file.  The JPEG fast path asks here instead, and takes the
 * photo as the untagged sRGB it already is.
 *
 * The answer comes from what the profile does, not from its name: Little
 * CMS maps a grid of colours through it to sRGB (relative colorimetric, the
 * intent libvips uses), and the profile counts as sRGB when no channel of
 * any colour moves by a level or more.  Display P3, Adobe RGB, ProPhoto and
 * any grey or CMYK profile fail; so does a profile lcms cannot read.
 * Verdicts are remembered per process for the last few profiles seen, so a
 * batch from one camera pays for one check per worker.
 */
#ifndef IMGBATCH_ICC_SRGB_H
#define IMGBATCH_ICC_SRGB_H

#include <stddef.h>
#include <stdint.h>

/* 1 if the len bytes at icc are an RGB profile that behaves as sRGB, else 0. */
int icc_profile_is_srgb(const uint8_t *icc, size_t len);

#endif
