/* jpeg_write: TurboJPEG encoding for the fast paths; see jpeg_write.h. */
#include "jpeg_write.h"

#include <turbojpeg.h>

/* One encoder per worker, made on first use. */
static tjhandle encoder;

void jpeg_write_shutdown(void)
{
    if (encoder)
        tjDestroy(encoder);
    encoder = NULL;
}

/* --chroma, or as libvips' jpegsave chooses: full-resolution chroma from quality 90 up. */
static int chroma_subsampling(int channels, const struct image_settings *s)
{
    if (channels == 1)
        return TJSAMP_GRAY;
    return chroma_full(&s->encode, s->quality) ? TJSAMP_444 : TJSAMP_420;
}

/*
 * TurboJPEG compresses with the fast integer DCT unless told otherwise;
 * libvips and Pillow use the accurate one, and so do we: the same bytes
 * whichever path wrote them.  --progressive is libvips' interlace, the
 * same jpeg_simple_progression() script.
 */
static int encode_flags(const struct image_settings *s)
{
    return TJFLAG_ACCURATEDCT | (s->encode.progressive ? TJFLAG_PROGRESSIVE : 0);
}

int jpeg_write(const struct pixmap *pm, int left, int top, int w, int h,
               const struct image_settings *s, const struct output_target *output,
               const struct image_input *original, struct job_result *res,
               struct output_result *done)
{
    unsigned char *jpeg = NULL;
    unsigned long len = 0;
    const uint8_t *origin = pm->px + ((size_t)top * pm->w + left) * pm->channels;

    if (!encoder && !(encoder = tjInitCompress())) {
        job_result_fail(res, "cannot start the JPEG encoder: %s", tjGetErrorStr2(NULL));
        return -1;
    }
    if (tjCompress2(encoder, origin, w, pm->w * pm->channels, h,
                    pm->channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &len,
                    chroma_subsampling(pm->channels, s), s->quality, encode_flags(s))) {
        job_result_fail(res, "cannot encode JPEG: %s", tjGetErrorStr2(encoder));
        tjFree(jpeg);
        return -1;
    }
    int keep = original && len > original->length;
    int r = keep ? output_file_write(output, original->data, original->length, res)
                 : output_file_write(output, jpeg, len, res);

    tjFree(jpeg);
    if (r == 0) {
        done->done = 1;
        done->kept_original = keep;
        done->width = (uint32_t)w;
        done->height = (uint32_t)h;
    }
    return r;
}
