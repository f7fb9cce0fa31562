/*
 * input: an input opened once below INPUT, following no link, and read
 * once; see input.h.
 */
#include "input.h"

#include "base/beneath.h"
#include "base/xio.h"
#include "image/formats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The largest input file read: a picture within --max-pixels needs at most
 * 8 bytes a pixel (16-bit RGBA, uncompressed), plus room for metadata.  A
 * larger file cannot hold a picture imgbatch would decode, and reading it
 * would only cost memory (a sparse file can claim terabytes).
 */
static off_t largest_input_bytes(const struct image_settings *s)
{
    if (s->max_megapixels <= 0)
        return (off_t)1 << 62;
    return (off_t)(s->max_megapixels * 1e6 * 8) + ((off_t)64 << 20);
}

int image_open_input(int root, const char *rel, struct stat *st, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO swapped in since the scan must not block the open. */
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
    int fd = root < 0 ? open(rel, flags | O_CLOEXEC)
                      : open_file_beneath(root, rel, flags, 0, NULL, NULL);

    if (fd < 0) {
        if (root >= 0 && errno == ELOOP)
            snprintf(err, errlen, "cannot open: a symbolic link is in the way (imgbatch "
                                  "follows none below INPUT)");
        else
            snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        snprintf(err, errlen, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "not a regular file: %s", file_type_words(st->st_mode));
        close(fd);
        return -1;
    }
    return fd;
}

/* image_open_input for a job, its refusal as the job's failure. */
static int open_input(const struct image_job *job, struct stat *st, struct job_result *res)
{
    char err[RESULT_ERROR_MAX];
    int fd = image_open_input(job->input_root, job->input_rel, st, err, sizeof(err));

    if (fd < 0)
        job_result_fail(res, "%s", err);
    return fd;
}

int image_input_read(struct image_input *in, const struct image_job *job,
                     const struct image_settings *s, struct job_result *res)
{
    struct stat st;
    int fd;

    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->shown = job->input_shown;
    if ((fd = open_input(job, &st, res)) < 0)
        return -1;
    if (st.st_size > largest_input_bytes(s)) {
        job_result_fail(res, "file too large: %lld bytes, more than any picture within "
                             "--max-pixels %.0f needs",
                        (long long)st.st_size, s->max_megapixels);
        res->input_fault = 1;
        close(fd);
        return -1;
    }
    /* Kept open while the file is worked on: lsof shows what each worker is busy with. */
    in->fd = fd;

    /* The signature first: a huge file that is no image costs no memory. */
    unsigned char head[SNIFF_BYTES];
    ssize_t got = pread(fd, head, sizeof(head), 0);
    char refusal[sizeof(res->error)];
    if (got < 0) {
        job_result_fail(res, "cannot read: %s", strerror(errno));
        image_input_close(in);
        return -1;
    }
    /* Only our formats reach a decoder, and only the one their bytes name: see sniff.h. */
    if (sniff_refusal(in->shown, head, (size_t)got, refusal, sizeof(refusal)) < 0) {
        job_result_fail(res, "%s", refusal);
        res->input_fault = 1;
        image_input_close(in);
        return -1;
    }

    /* One read of the size fstat saw: a file growing meanwhile is read as it was. */
    in->data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!in->data) {
        job_result_fail(res, "out of memory reading %lld bytes", (long long)st.st_size);
        image_input_close(in);
        return -1;
    }
    got = read_in_full(fd, in->data, (size_t)st.st_size); /* pread left the offset at 0 */
    if (got < 0) {
        job_result_fail(res, "cannot read: %s", strerror(errno));
        image_input_close(in);
        return -1;
    }
    in->length = (size_t)got;
    /* The bytes decoded are the bytes sniffed, checked again on this very buffer. */
    if (sniff_refusal(in->shown, in->data, in->length, refusal, sizeof(refusal)) < 0) {
        job_result_fail(res, "%s", refusal);
        res->input_fault = 1;
        image_input_close(in);
        return -1;
    }
    in->kind = sniff_format(in->data, in->length);
    return 0;
}

void image_input_close(struct image_input *in)
{
    free(in->data);
    close_quietly(in->fd);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}
