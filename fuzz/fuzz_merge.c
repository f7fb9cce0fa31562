/*
 * fuzz_merge: `imgbatch report`'s reading of stats files and --json logs on
 * arbitrary bytes.  They come from other machines' runs over a shared file
 * system, and may be cut short or be anything a user points it at.  The
 * input is split at its first NUL into two files (a run's stats file and
 * another shard's log, say), each copied to an allocation of its exact
 * size, so AddressSanitizer sees any read past it.  A broken rule calls
 * abort().
 *
 * Besides not crashing: every string the JSON reader returns is valid UTF-8
 * without a NUL inside; merge_add either adds or refuses with a message;
 * once settled, the runs are one split's, by K, each K once, and with the
 * missing ones they make exactly 1..N.
 */
#include "json.h"
#include "json_read.h"
#include "merge.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Every string in v (keys too) is valid UTF-8. */
static void check_strings(const struct json_value *v)
{
    if (v->type == JSON_STRING)
        CHECK(v->string && utf8_valid(v->string));
    for (size_t i = 0; i < v->count; i++) {
        if (v->type == JSON_OBJECT)
            CHECK(v->keys[i] && utf8_valid(v->keys[i]));
        check_strings(&v->items[i]);
    }
}

static char *exact_copy(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);

    CHECK(copy);
    memcpy(copy, data, size);
    return copy;
}

static void check_settled(const struct merge *m)
{
    CHECK(m->nruns >= 1);
    if (!m->shard_count) {
        CHECK(m->nruns == 1 && m->nmissing == 0 && m->runs[0].shard_index == 0);
    } else {
        CHECK(m->nruns + m->nmissing == m->shard_count);
        for (size_t i = 0; i < m->nruns; i++) {
            CHECK(m->runs[i].shard_count == m->shard_count);
            CHECK(m->runs[i].shard_index >= 1 && m->runs[i].shard_index <= m->shard_count);
            if (i)
                CHECK(m->runs[i - 1].shard_index < m->runs[i].shard_index);
        }
        for (size_t i = 0; i < m->nmissing; i++)
            CHECK(m->missing[i] >= 1 && m->missing[i] <= m->shard_count);
    }
    for (size_t i = 0; i < m->nfailures; i++)
        CHECK(m->failures[i].input && m->failures[i].error);
    struct merge_totals t;
    merge_totals(m, &t);
    int status = merge_exit_status(m);
    CHECK(status == 0 || status == 1);
    CHECK(!isnan(t.images_per_sec));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t first = nul ? (size_t)(nul - data) : size;
    char err[512];

    /* The reader alone, on the whole input. */
    char *whole = exact_copy(data, size);
    struct json_value v;
    err[0] = '\0';
    if (json_parse(whole, size, &v, err, sizeof(err)) == 0)
        check_strings(&v);
    else
        CHECK(err[0] && !strncmp(err, "at byte ", 8));
    json_release(&v);
    free(whole);

    /* Two files, as `imgbatch report a b` reads them. */
    struct merge m;
    merge_init(&m);
    char *a = exact_copy(data, first);
    int ret = merge_add(&m, "a", a, first, err, sizeof(err));
    free(a);
    if (ret == 0 && nul) {
        size_t rest = size - first - 1;
        char *b = exact_copy(nul + 1, rest);
        ret = merge_add(&m, "b", b, rest, err, sizeof(err));
        free(b);
    }
    if (ret == 0 && merge_settle(&m, err, sizeof(err)) == 0)
        check_settled(&m);
    else
        CHECK(err[0]);
    merge_release(&m);
    return 0;
}
