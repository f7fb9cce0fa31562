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
        if (m.orientation < 1 || m.orientation > 8 || m.icc_chunks < 0 || m.icc_chunks > JPEG_ICC_MAX_CHUNKS)
            abort();
        /* The profile put back together lies within the input, chunk by chunk. */
        size_t len = 0, total = 0;
        uint8_t *icc = jpeg_icc_profile(&m, &len);
        if ((m.icc_chunks > 0) != (icc != NULL))
            abort();
        for (int i = 0; i < m.icc_chunks; i++) {
            if (!m.icc[i].data || m.icc[i].data < copy || m.icc[i].data + m.icc[i].len > copy + size)
                abort();
            total += m.icc[i].len;
        }
        if (icc && len != total)
            abort();
        free(icc);
    }
    int o = exif_orientation(copy, size);
    if (o != -1 && (o < 1 || o > 8))
        abort();
    free(copy);
    return 0;
}
