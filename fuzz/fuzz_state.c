/*
 * fuzz_state: the --incremental state file's parser on arbitrary bytes.
 * OUTPUT may be writable by others, so the state file is untrusted input.
 * The input is copied to an allocation of its exact size, so AddressSanitizer
 * sees any read past it.  A broken rule calls abort().
 */
#include "state.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    struct run_state *s;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    s = state_parse(copy, size);
    /* Compaction leaves one record per output: never more records than lines. */
    if (state_count(s) > size / 2 + 1)
        abort();
    if (state_close(s, NULL, 0) != 0)
        abort(); /* a state that records nothing writes nothing, so cannot fail */
    free(copy);
    return 0;
}
