/*
 * state: what --incremental remembers between runs.
 *
 * For each output written, a record in OUTPUT/.imgbatch-state (for shard
 * K of N, .imgbatch-state.K-of-N, so shards sharing OUTPUT never write one
 * file) holds the input it came from, the input's size, mtime, ctime and
 * inode when it was read, a hash of the options that shape the output, and
 * the output's own size, mtime and inode.  A file is up to date when all of
 * them still match: an edited, replaced or touched input, other options, or
 * an output deleted, edited or replaced by anything else all redo the file.
 *
 * Records are appended as files finish, so a run that is killed keeps the
 * work it finished, and the file is compacted (one record per output)
 * when the run ends.  A record that cannot be parsed, a torn last line
 * included, is ignored: the worst a damaged state file does is redo files.
 *
 * OUTPUT may be writable by others, so the file is opened inside OUTPUT
 * without following a link and without blocking on a FIFO, must be a
 * regular file with one link (appends into a hard link would write another
 * file), and is read up to a bound (256 MiB; more was never written by
 * imgbatch).  The final rewrite goes through write_file_atomically.
 */
#ifndef IMGBATCH_STATE_H
#define IMGBATCH_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "scan.h"

struct run_state;

/* Whose state: OUTPUT's, this split's, for outputs shaped by these options. */
struct state_request {
    const char *output;
    unsigned shard_index, shard_count; /* --shard K/N, or 0 and 0 */
    uint64_t options; /* the options that shape an output, hashed (cli_output_hash) */
};

/* OUTPUT's state file path for this request (malloc'd). */
char *state_path_for(const struct state_request *req);

/*
 * The records of a state file's content (len bytes, any bytes at all), as a
 * state that records nothing; free it with state_close.  The parser alone,
 * for the unit tests and the fuzzer.
 */
struct run_state *state_parse(const char *data, size_t len);

/* How many outputs s has a record of. */
size_t state_count(const struct run_state *s);

/*
 * Loads the state of req->output.  With record, also opens it for the
 * records of this run.  Returns NULL with a reason in err when the state
 * exists but cannot be read, is not a regular file with one link, is
 * bigger than the bound, or cannot be opened for writing.
 */
struct run_state *state_open(const struct state_request *req, int record, char *err,
                             size_t errlen);

/* 1 if e's output is up to date. */
int state_is_up_to_date(const struct run_state *s, const struct scan_entry *e);

/* Remembers that e's output, now with status out, was made from e as scanned. */
void state_record(struct run_state *s, const struct scan_entry *e, const struct stat *out);

/*
 * Writes the compacted state (when recording) and frees s.  Returns 0, or
 * -1 with a reason in err; the records appended so far stay valid then.
 */
int state_close(struct run_state *s, char *err, size_t errlen);

#endif
