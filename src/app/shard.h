/*
 * shard: which of N machines takes a file, with no coordination between them.
 *
 * A file belongs to shard hash(path) % N + 1, where path is its name
 * relative to INPUT and hash is 64-bit FNV-1a over the path's bytes.  The
 * hash depends on nothing but those bytes (not the machine, the byte order
 * or the version of imgbatch), so N runs given the same tree split it into
 * disjoint parts that together cover it.  FNV-1a is short enough to write
 * again in a shell or Python script that wants to predict the split.
 */
#ifndef IMGBATCH_SHARD_H
#define IMGBATCH_SHARD_H

#include <stdint.h>

/* Most shards one input may be split into; output_lock.c lays its lock file out by it. */
#define SHARDS_MAX 1000000

/* 64-bit FNV-1a of the string's bytes. */
uint64_t fnv1a64(const char *s);

/* The shard, 1..count, that the INPUT-relative path rel belongs to. */
unsigned shard_of(const char *rel, unsigned count);

/* 1 if rel belongs to shard index of count; always 1 when count is 0 (not sharded). */
int shard_contains(const char *rel, unsigned index, unsigned count);

#endif
