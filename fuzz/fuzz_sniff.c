/*
 * fuzz_sniff: the signature check every input meets before any decoder
 * (sniff_format, sniff_refusal) and the walk along ISO BMFF boxes that
 * words a HEIF's damage (iso_bmff_cut_short), on arbitrary bytes.  The
 * input is copied to an allocation of its exact size, so AddressSanitizer
 * sees any read past it.  A broken rule calls abort():
 *  - the kind depends on the first SNIFF_BYTES only, so the worker's first
 *    read and its whole file agree;
 *  - a prefix is never a format the whole is not (more brands can only
 *    turn a HEIF into an AVIF), and bytes that are no format have no prefix
 *    that is one;
 *  - a refusal is one line of printable text, whatever bytes it quotes,
 *    and there is one exactly when the kind is IN_NONE or the file empty.
 */
#include "image/formats.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const unsigned char *p, size_t n, enum input_kind kind)
{
    static const char *const names[] = {"a.jpg", "b.heic", "c.avif", "d.jxl", "e", "f.psd"};
    char buf[512];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        /* A short buffer too: the line is cut, never overrun. */
        size_t len = i % 2 ? sizeof(buf) : 24;
        memset(buf, 'x', sizeof(buf));
        int r = sniff_refusal(names[i], p, n, buf, len);
        if (r != (n == 0 || kind == IN_NONE ? -1 : 0))
            abort();
        if (r == 0)
            continue;
        size_t used = strnlen(buf, len);
        if (used == len)
            abort(); /* not terminated */
        for (size_t j = 0; j < used; j++)
            if ((unsigned char)buf[j] < 0x20 || (unsigned char)buf[j] > 0x7e)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    enum input_kind whole = sniff_format(copy, size);
    if (sniff_format(copy, size < SNIFF_BYTES ? size : SNIFF_BYTES) != whole)
        abort();
    for (size_t k = 0; k <= size && k <= SNIFF_BYTES; k++) {
        enum input_kind part = sniff_format(copy, k);
        if (part != IN_NONE && part != whole && !(part == IN_HEIF && whole == IN_AVIF))
            abort();
        if (whole == IN_NONE && part != IN_NONE)
            abort();
    }
    if (!input_kind_label(whole))
        abort();
    check_refusal(copy, size, whole);
    int cut = iso_bmff_cut_short(copy, size);
    if (cut != 0 && cut != 1)
        abort();
    free(copy);
    return 0;
}
