/*
 * fuzz_jpeg_markers: jpeg_read_markers and exif_orientation on arbitrary
 * bytes, the only code of the JPEG fast path that parses a file itself.
 * The input is copied to an allocation of its exact size, so AddressSanitizer
 * sees any read past it.  A broken rule calls abort().
 */
#include "jpeg_markers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    struct jpeg_markers m;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (jpeg_read_markers(copy, size, &m) == 0) {
        if (m.orientation < 1 || m.orientation > 8 || (m.has_icc != 0 && m.has_icc != 1))
            abort();
    }
    int o = exif_orientation(copy, size);
    if (o != -1 && (o < 1 || o > 8))
        abort();
    free(copy);
    return 0;
}
