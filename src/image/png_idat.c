/* png_idat: IDAT chunks through libdeflate, rows unfiltered; see png_idat.h. */
#include "png_idat.h"
#include "png_filter.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

/*
 * The decompressed picture is held whole (libdeflate has no streaming
 * mode), in a buffer kept from file to file so that its pages are faulted
 * in once per worker; beyond this size libpng's row-by-row reading costs
 * less than the memory.
 */
#define MAX_RAW_BYTES ((size_t)96 << 20)

static struct libdeflate_decompressor *inflater;
static uint8_t *raw, *packed; /* the decompressed rows; the IDAT data gathered */
static size_t raw_cap, packed_cap;

void png_idat_shutdown(void)
{
    libdeflate_free_decompressor(inflater);
    free(raw);
    free(packed);
    inflater = NULL;
    raw = packed = NULL;
    raw_cap = packed_cap = 0;
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    uint8_t *p = realloc(*buf, need);
    if (!p)
        return -1;
    *buf = p;
    *cap = need;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One chunk at data + at: its length and type, after checking it lies inside and its CRC. */
static int chunk_at(const uint8_t *data, size_t len, size_t at, uint32_t *clen,
                    const uint8_t **type)
{
    if (len - at < 12)
        return -1;
    *clen = be32(data + at);
    if (*clen > 0x7fffffffu || *clen > len - at - 12)
        return -1;
    *type = data + at + 4;
    uint32_t crc = (uint32_t)libdeflate_crc32(0, *type, (size_t)*clen + 4);
    return crc == be32(data + at + 8 + *clen) ? 0 : -1;
}

/*
 * Gathers the data of the IDAT run into `packed`, checking every chunk
 * from the first IDAT to IEND.  Returns the gathered length, or -1.
 */
static long long gather_idat(const uint8_t *data, size_t len)
{
    size_t at = 8, total = 0; /* past the signature */
    int seen_idat = 0, after_idat = 0;

    while (at < len) {
        uint32_t clen;
        const uint8_t *type;
        if (!seen_idat) { /* libpng checked these: only find the first IDAT */
            if (len - at < 12 || (clen = be32(data + at)) > len - at - 12)
                return -1;
            if (memcmp(data + at + 4, "IDAT", 4)) {
                at += 12 + (size_t)clen;
                continue;
            }
        }
        if (chunk_at(data, len, at, &clen, &type))
            return -1;
        if (!memcmp(type, "IDAT", 4)) {
            if (after_idat || reserve(&packed, &packed_cap, total + clen))
                return -1; /* a second run of IDAT chunks breaks the format */
            memcpy(packed + total, type + 4, clen);
            total += clen;
            seen_idat = 1;
        } else if (seen_idat) {
            after_idat = 1;
            if (!memcmp(type, "IEND", 4))
                return (long long)total;
        }
        at += 12 + (size_t)clen;
    }
    return -1; /* no IEND */
}

int png_idat_decode(const uint8_t *data, size_t len, const struct png_geometry *g, png_row_fn row,
                    void *ctx)
{
    size_t stride = (size_t)g->w * g->channels;
    size_t need = (stride + 1) * (size_t)g->h;
    size_t got_in, got_out;

    if (need / (stride + 1) != (size_t)g->h || need > MAX_RAW_BYTES)
        return 1;
    if ((!inflater && !(inflater = libdeflate_alloc_decompressor())) ||
        reserve(&raw, &raw_cap, need + stride + 16)) /* a row of zeros above, slack below */
        return -1;
    long long packed_len = gather_idat(data, len);
    if (packed_len < 0)
        return -1;
    /* Exactly the rows the header promises, and nothing after the stream. */
    if (libdeflate_zlib_decompress_ex(inflater, packed, (size_t)packed_len, raw + stride, need,
                                      &got_in, &got_out) != LIBDEFLATE_SUCCESS ||
        got_out != need || got_in != (size_t)packed_len)
        return -1;
    memset(raw, 0, stride);
    const uint8_t *prev = raw;
    for (int y = 0; y < g->h; y++) {
        uint8_t *line = raw + stride + (size_t)y * (stride + 1); /* its filter byte, then the row */
        if (png_unfilter_row(line[0], line + 1, prev, stride, g->channels))
            return -1;
        row(ctx, line + 1);
        prev = line + 1;
    }
    return 0;
}
