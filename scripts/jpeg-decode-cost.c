/*
 * jpeg-decode-cost: TurboJPEG's decode alone, to count its instructions at
 * a DCT scale and into RGB or Y'CbCr planes (docs/performance.md, "JPEG
 * against the limit").  Not part of the build:
 *
 *   cc -O2 -o /tmp/jpeg-decode-cost scripts/jpeg-decode-cost.c -lturbojpeg
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       /tmp/jpeg-decode-cost rgb|planes DENOM FILE.jpg...
 *
 * and read callgrind's "Collected" line.  DENOM is 1, 2, 4 or 8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static unsigned char *read_whole(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;

    if (f && fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)*len)) && fread(data, 1, (size_t)*len, f) != (size_t)*len) {
        free(data);
        data = NULL;
    }
    if (f)
        fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "rgb") && strcmp(argv[1], "planes"))) {
        fprintf(stderr, "usage: %s rgb|planes DENOM FILE...\n", argv[0]);
        return 2;
    }
    int planes = !strcmp(argv[1], "planes");
    tjscalingfactor scale = {1, atoi(argv[2])};
    tjhandle decoder = tjInitDecompress();
    int failed = 0;

    if (!decoder)
        return 1;
    for (int i = 3; i < argc; i++) {
        long len = 0;
        unsigned char *jpeg = read_whole(argv[i], &len);
        int w, h, subsamp, colorspace, r = -1;

        if (jpeg && !tjDecompressHeader3(decoder, jpeg, (unsigned long)len, &w, &h, &subsamp,
                                         &colorspace)) {
            int sw = TJSCALED(w, scale), sh = TJSCALED(h, scale);
            /* Each plane as large as the luma: room for any subsampling. */
            unsigned char *px[3] = {malloc((size_t)sw * sh * 3), NULL, NULL};
            int strides[3] = {0, 0, 0};

            if (planes && px[0]) {
                px[1] = px[0] + (size_t)sw * sh;
                px[2] = px[1] + (size_t)sw * sh;
                r = tjDecompressToYUVPlanes(decoder, jpeg, (unsigned long)len, px, sw, strides,
                                            sh, 0);
            } else if (px[0]) {
                r = tjDecompress2(decoder, jpeg, (unsigned long)len, px[0], sw, 0, sh, TJPF_RGB, 0);
            }
            free(px[0]);
        }
        if (r) {
            fprintf(stderr, "%s: not decoded\n", argv[i]);
            failed = 1;
        }
        free(jpeg);
    }
    tjDestroy(decoder);
    return failed;
}
