/*
 * make_seeds: writes the seed inputs under fuzz/corpus, frames made by the
 * real encoders so that they stay valid.  Run it by hand when the wire format
 * or the options change:  build-fuzz/fuzz/make_seeds fuzz/corpus
 */
#include "pool/frame.h"
#include "pool/message.h"
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_seed(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* fuzz_frame's first byte chooses the feed sizes: 0 feeds all at once. */
static void frame_seed(const char *dir, const char *name, uint8_t chunking, struct bytebuf *stream)
{
    struct bytebuf seed = {0};

    bytebuf_append(&seed, &chunking, 1);
    bytebuf_append(&seed, stream->data, stream->len);
    write_seed(dir, name, seed.data, seed.len);
    bytebuf_release(&seed);
    bytebuf_release(stream);
}

/* An ok result of one output, w x h, with frames written. */
static void one_output(struct job_result *r, uint32_t id, uint32_t in_w, uint32_t in_h, uint32_t w,
                       uint32_t h, uint32_t in_frames, uint32_t frames)
{
    memset(r, 0, sizeof(*r));
    r->id = id;
    r->ok = 1;
    r->in_width = in_w;
    r->in_height = in_h;
    r->usec = 30400;
    r->in_frames = in_frames;
    r->noutputs = 1;
    r->outputs[0] = (struct output_result){1, 0, 0, w, h, frames};
}

static void frame_seeds(const char *dir)
{
    static struct job_result ok, bad, anim, first, kept, set;
    struct job_output one = {(char *)"IMG_0412.jpg", 0x9e3779b97f4a7c15ULL, 0};
    struct job_output odd = {(char *)"a/b\n\x1b.png", 2, 0};
    struct job_output png = {(char *)"x.png", 3, 0};
    /* A responsive set: three widths in two formats, one decode. */
    struct job_output sizes[] = {
        {(char *)"a-1920.webp", 11, 0}, {(char *)"a-1920.jpg", 12, 1},
        {(char *)"a-1280.webp", 13, 2}, {(char *)"a-1280.jpg", 14, 3},
        {(char *)"a-640.webp", 15, 4},  {(char *)"a-640.jpg", 16, 5},
    };
    struct bytebuf b = {0};
    static const uint8_t oversized[] = {0x00, 0x10, 0x00, 0x01, MSG_JOB};
    static const uint8_t cut[] = {0x00, 0x00, 0x00, 0x40, MSG_RESULT, 0, 0};

    one_output(&ok, 7, 3264, 2448, 200, 150, 0, 0);
    /* The input's own fault: status 2 on the wire. */
    memset(&bad, 0, sizeof(bad));
    bad.id = 8;
    bad.input_fault = 1;
    job_result_fail(&bad, "truncated JPEG (Premature end of input file)");
    /* An animation of 10 frames, kept whole, and one written as its first frame. */
    one_output(&anim, 9, 370, 285, 100, 77, 10, 10);
    one_output(&first, 10, 370, 285, 200, 154, 10, 1);
    /* The input's own bytes written (--keep-original-if-smaller). */
    one_output(&kept, 11, 800, 653, 800, 653, 0, 0);
    kept.outputs[0].kept_original = 1;
    /* The set, its 1920 never enlarged from a 1600-wide photo, and a failure part way. */
    one_output(&set, 12, 1600, 900, 1600, 900, 0, 0);
    set.noutputs = 6;
    set.outputs[0].capped = 1;
    set.outputs[1] = set.outputs[0];
    set.outputs[2] = set.outputs[3] = (struct output_result){1, 0, 0, 1280, 720, 0};
    set.outputs[4] = set.outputs[5] = (struct output_result){1, 0, 0, 640, 360, 0};

    job_request_encode(&b, 1, "IMG_0412.jpg", 0, &one, 1);
    frame_seed(dir, "job", 0, &b);

    job_result_encode(&b, &ok);
    job_result_encode(&b, &bad);
    frame_seed(dir, "results", 7, &b);

    job_result_encode(&b, &anim);
    job_result_encode(&b, &first);
    frame_seed(dir, "animations", 5, &b);

    job_result_encode(&b, &kept);
    job_result_encode(&b, &ok);
    frame_seed(dir, "kept", 2, &b);

    job_request_encode(&b, 12, "a.jpg", 0, sizes, 6);
    job_result_encode(&b, &set);
    set.noutputs = 3;
    job_result_fail(&set, "cannot write a-1280.jpg: No space left on device");
    job_result_encode(&b, &set);
    frame_seed(dir, "set", 4, &b);

    /* A conversation cut short: job, result, then half a frame. */
    job_request_encode(&b, 2, "a/b\n\x1b.png", 1, &odd, 1);
    job_result_encode(&b, &ok);
    bytebuf_append(&b, cut, sizeof(cut));
    frame_seed(dir, "truncated", 3, &b);

    job_request_encode(&b, 3, "x.gif", 2, &png, 1);
    bytebuf_append(&b, oversized, sizeof(oversized));
    frame_seed(dir, "oversized", 1, &b);
}

/* A command line, its arguments after "imgbatch" written with '|' for the NULs between them. */
static void cli_seed(const char *dir, const char *name, const char *line)
{
    char *args = xstrdup(line);

    for (char *p = args; *p; p++)
        if (*p == '|')
            *p = '\0';
    write_seed(dir, name, args, strlen(line));
    free(args);
}

static void cli_seeds(const char *dir)
{
    cli_seed(dir, "resize", "resize|photos|out|--size|200x150|-j|2|--json");
    cli_seed(dir, "thumbnail", "thumbnail|in|out|-s200|--format=webp|-rq|90|--suffix|_t");
    cli_seed(dir, "bench", "bench|photos|--op|sepia|-j|4|--repeat=5");
    cli_seed(dir, "grayscale",
             "grayscale|--timeout|2.5|--max-pixels|0|--max-memory|64|--fail-on|"
             "warning|--quiet|--no-rotate|--keep-metadata|--|-in|out");
    cli_seed(dir, "size", "x150");
    cli_seed(dir, "encoders",
             "convert|in|out.avif|--effort|2|--lossless|--chroma|4:4:4|--keep-original-if-smaller");
    cli_seed(dir, "png", "resize|in|out|-f|png|--palette|--progressive|--png-compression=9");
    cli_seed(dir, "set",
             "resize|in|out|--size|1920x,1280x,640x|--format|avif,webp,jpeg|--name|"
             "{dir}/{name}-{width}.{ext}|--manifest|m.json");
    cli_seed(dir, "crop", "thumbnail|in|out|-s|400x300,200|--crop|attention");
}

/*
 * --incremental state files, as state.c writes them: whole, torn, overridden, damaged,
 * and with the later lines: INPUTs and failures.
 */
static void state_seeds(const char *dir)
{
#define HEADER "imgbatch-state 1\n"
#define RECORD_A                                                                                   \
    "612e706e67 612e6a7067 0123456789abcdef 1234 1700000000.123456789 "                            \
    "1700000000.000000001 42 567 1700000001.5 43\n"
#define RECORD_B "7375622f622e706e67 7375622f622e676966 fedcba9876543210 9 1.0 2.0 7 8 3.0 9\n"
    static const char whole[] = HEADER RECORD_A RECORD_B;
    static const char torn[] = HEADER RECORD_A "7375622f622e706e67 7375622f6";
    static const char overridden[] = HEADER RECORD_A RECORD_B RECORD_A;
    static const char damaged[] = HEADER "612e706e67 zz 0123 1 x y 2 3 z 4\n" RECORD_B;
    static const char foreign[] = "imgbatch-state 0\n" RECORD_A;
#define INPUT_LINE "input 2f7372762f75706c6f616473\n"
#define FAILED_B "failed 7375622f622e706e67 7375622f622e676966 fedcba9876543210 9 1.0 2.0 7 " \
                 "6e6f742061204749462066696c65\n"
    static const char inputs[] =
        HEADER RECORD_A INPUT_LINE RECORD_B FAILED_B "input 2f6f74686572\n" RECORD_A FAILED_B;

    write_seed(dir, "whole", whole, strlen(whole));
    write_seed(dir, "torn", torn, strlen(torn));
    write_seed(dir, "overridden", overridden, strlen(overridden));
    write_seed(dir, "damaged", damaged, strlen(damaged));
    write_seed(dir, "foreign", foreign, strlen(foreign));
    write_seed(dir, "inputs", inputs, strlen(inputs));
#undef INPUT_LINE
#undef FAILED_B
#undef HEADER
#undef RECORD_A
#undef RECORD_B
}

int main(int argc, char **argv)
{
    char dir[4096];

    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds CORPUS-DIR (with frame/, cli/ and state/ in it)\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/frame", argv[1]);
    frame_seeds(dir);
    snprintf(dir, sizeof(dir), "%s/cli", argv[1]);
    cli_seeds(dir);
    snprintf(dir, sizeof(dir), "%s/state", argv[1]);
    state_seeds(dir);
    return 0;
}
