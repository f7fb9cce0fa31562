/*
 * suggest: "did you mean" for a mistyped command or option.
 *
 * A suggestion is made only for a slip of the fingers, never a guess: a
 * word a few edits from one candidate, not a word that shares a letter
 * or two with every candidate.
 */
#ifndef IMGBATCH_SUGGEST_H
#define IMGBATCH_SUGGEST_H

#include <stddef.h>

/* Words longer than this are never close to anything (and bound the work). */
#define SUGGEST_WORD_MAX 64

/*
 * The optimal string alignment distance between a and b: the fewest
 * insertions, deletions, substitutions and swaps of two neighbouring
 * letters that turn one into the other ("szie" -> "size" is 1).  A word
 * longer than SUGGEST_WORD_MAX is SUGGEST_WORD_MAX + 1 from anything.
 */
size_t suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to word, if it is close enough to be a slip: at
 * most 2 edits, and fewer than half of word's letters.  Ties go to the
 * earlier candidate; an exact match is returned as itself.  NULL when
 * none is close.
 */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
