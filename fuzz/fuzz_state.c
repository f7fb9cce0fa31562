/*
 * fuzz_state: the --incremental state file's parser on arbitrary bytes.
 * OUTPUT may be writable by others, so the state file is untrusted input.
 * The input is copied to an allocation of its exact size, so AddressSanitizer
 * sees any read past it.  A broken rule calls abort().
 *
 * Besides not crashing: what the parser keeps, printed as the compacted
 * file, reads back to as many records and prints the same again, whatever
 * mix of records, failures and INPUT lines it was.
 */
#include "state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s printed into a new allocation (*len bytes); aborts when memory streams fail. */
static char *printed(const struct run_state *s, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);

    if (!out)
        abort();
    state_print(out, s);
    if (fclose(out) != 0)
        abort();
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    struct run_state *s, *again;
    size_t len, len2;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    s = state_parse(copy, size, 0);
    /* Compaction leaves one record per output and kind: never more records than lines. */
    if (state_count(s) > size / 2 + 1)
        abort();
    char *text = printed(s, &len);
    again = state_parse(text, len, 0);
    if (state_count(again) != state_count(s))
        abort(); /* the compacted file loses or invents records */
    char *text2 = printed(again, &len2);
    if (len2 != len || memcmp(text, text2, len))
        abort(); /* compaction is not stable */
    free(text);
    free(text2);
    if (state_close(again, NULL, 0) != 0 || state_close(s, NULL, 0) != 0)
        abort(); /* a state that records nothing writes nothing, so cannot fail */
    free(copy);
    return 0;
}
