/*
 * fuzz_png_idat: png_idat_decode on arbitrary bytes, the code of the PNG
 * fast path that walks a file's chunks and inflates and unfilters its rows
 * itself (libpng has read the header before it in imgbatch).  The first
 * five bytes are the geometry the header would have given (width and
 * height, 1..256 each, and grey or RGB); the rest is the file.  It is
 * copied to an allocation of its exact size, so AddressSanitizer sees any
 * read past it.  A broken rule calls abort(): every row handed over lies
 * in one piece, and a decode that succeeds hands over exactly h rows.
 */
#include "png_idat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rows_seen {
    int count;
    size_t bytes;
};

static void take(void *ctx, const uint8_t *row)
{
    struct rows_seen *seen = ctx;
    volatile uint8_t sum = 0;

    for (size_t i = 0; i < seen->bytes; i++) /* every byte of the row is readable */
        sum = (uint8_t)(sum + row[i]);
    seen->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    struct png_geometry g = {data[0] % 256 + 1, data[1] % 256 + 1, data[2] & 1 ? 3 : 1};
    struct rows_seen seen = {0, (size_t)g.w * g.channels};
    uint8_t *copy = malloc(size - 5 ? size - 5 : 1);

    if (!copy)
        return 0;
    memcpy(copy, data + 5, size - 5);
    int r = png_idat_decode(copy, size - 5, &g, take, &seen);
    if (r == 0 && seen.count != g.h)
        abort();
    if (r < -1 || r > 1)
        abort();
    free(copy);
    return 0;
}
