/*
 * suggest: "did you mean"; see suggest.h.
 *
 * The distance is Damerau-Levenshtein's restricted form (optimal string
 * alignment), since the commonest slip, two letters typed in the wrong
 * order, should cost one edit, not two.  Three rows of a small table are
 * enough: a row needs only the two before it.
 */
#include "suggest.h"

#include <string.h>

#define MIN2(a, b) ((a) < (b) ? (a) : (b))

size_t suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][SUGGEST_WORD_MAX + 1];

    if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
        return SUGGEST_WORD_MAX + 1;
    for (size_t j = 0; j <= lb; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *row = rows[i % 3], *up = rows[(i - 1) % 3], *up2 = rows[(i + 1) % 3];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = MIN2(up[j] + 1, row[j - 1] + 1);
            d = MIN2(d, up[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d = MIN2(d, up2[j - 2] + 1);
            row[j] = d;
        }
    }
    return rows[la % 3][lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word), best_distance = 3;
    const char *best = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t d = suggest_distance(word, candidates[i]);
        if (d < best_distance && 2 * d < len) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}
