/*
 * test_icc_srgb: which embedded profiles the JPEG fast path may take as
 * sRGB, on real profiles (tests/data/icc, from the shared corpus): HP's sRGB
 * yes; Display P3, Adobe RGB, ProPhoto, a grey profile, damaged bytes no.
 */
#include "check.h"

#include "icc_srgb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    static uint8_t buf[1 << 16];
    FILE *f;

    snprintf(path, sizeof(path), "%s/icc/%s", TEST_DATA_DIR, name);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        *len = 0;
        return buf;
    }
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

static int verdict(const char *name)
{
    size_t len;
    uint8_t *icc = load(name, &len);

    return len ? icc_profile_is_srgb(icc, len) : -1;
}

static void test_real_profiles(void)
{
    CHECK_EQ_INT(verdict("sRGB-IEC61966-2.1.icc"), 1);
    CHECK_EQ_INT(verdict("display-p3.icc"), 0);
    CHECK_EQ_INT(verdict("adobe-rgb-1998.icc"), 0);
    CHECK_EQ_INT(verdict("prophoto.icc"), 0);
    CHECK_EQ_INT(verdict("greyscale-d50.icc"), 0);
    /* Asked again, from the remembered verdicts, after others pushed through. */
    CHECK_EQ_INT(verdict("display-p3.icc"), 0);
    CHECK_EQ_INT(verdict("sRGB-IEC61966-2.1.icc"), 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Finds the gXYZ tag in the tag table (a count at byte 128, then 12-byte
 * entries: signature, offset, size) and changes the X of the green
 * colorant (an s15Fixed16 after the 8-byte "XYZ " type header) by 0.25.
 */
static int move_green_primary(uint8_t *icc, size_t len)
{
    uint32_t tags = be32(icc + 128);

    for (uint32_t i = 0; i < tags && 132 + 12 * (i + 1) <= len; i++) {
        const uint8_t *entry = icc + 132 + 12 * i;
        uint32_t off = be32(entry + 4);
        if (!memcmp(entry, "gXYZ", 4) && off + 12 <= len) {
            icc[off + 8 + 2] ^= 0x40;
            return 1;
        }
    }
    return 0;
}

static void test_damaged_profiles(void)
{
    size_t len;
    uint8_t *icc = load("sRGB-IEC61966-2.1.icc", &len);
    uint8_t copy[4096];

    CHECK(len > 0 && len <= sizeof(copy));
    memcpy(copy, icc, len);
    CHECK_EQ_INT(icc_profile_is_srgb(copy, len / 2), 0); /* cut in half */
    CHECK_EQ_INT(icc_profile_is_srgb(copy, 100), 0);     /* not even a header */
    CHECK_EQ_INT(icc_profile_is_srgb(NULL, 0), 0);
    memset(copy, 0xA5, len);
    CHECK_EQ_INT(icc_profile_is_srgb(copy, len), 0); /* noise */
    /* The same bytes with the green primary moved: no longer sRGB, whatever it is called. */
    memcpy(copy, icc, len);
    CHECK(move_green_primary(copy, len));
    CHECK_EQ_INT(icc_profile_is_srgb(copy, len), 0);
}

int main(void)
{
    test_real_profiles();
    test_damaged_profiles();
    return check_summary();
}
