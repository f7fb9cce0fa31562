/*
 * shared: what the pool tests share between the test, its forked child and
 * the workers: memory every process sees, counters bumped atomically, and a
 * child's stderr read back.
 */
#ifndef IMGBATCH_TEST_POOL_SHARED_H
#define IMGBATCH_TEST_POOL_SHARED_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pool/pool.h"

/* size bytes of zeroed memory shared with every process forked after; exits if none. */
static inline void *shared_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    return p;
}

static inline int load(int *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline int bump(int *p)
{
    return __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

/* The file at path (a child's stderr) into buf, and its number of lines. */
static inline int read_lines(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    int lines = 0;

    if (f)
        fclose(f);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    return lines;
}

/* A fake job: input, root 0, and one output the fake workers never write. */
static inline struct pool_job fake_job(const char *input)
{
    static const struct job_output output = {(char *)"-", 0, 0};
    struct pool_job job = {input, 0, &output, 1};

    return job;
}

#endif
