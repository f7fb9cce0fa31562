/*
 * state: what --incremental remembers between runs.
 *
 * For each output written, a record in OUTPUT/.imgbatch-state (for shard
 * K of N, .imgbatch-state.K-of-N, so shards sharing OUTPUT never write one
 * file; or in --state-dir: kept_files.h) holds the input it came from, the
 * input's size, mtime, ctime and inode when it was read, a hash of the
 * options that shape the output, and the output's own size, mtime and inode.  A file is up to date
 * when all of them still match: an edited, replaced or touched input, other options, or an output
 * deleted, edited or replaced by anything else all redo the file.
 *
 * A file that failed through a fault of its own (job_result.input_fault)
 * is recorded too, with the input's identity, a hash of the options that
 * decide whether a file fails (those that shape the output, plus the
 * limits and the timeout), and the reason.  While all of them match it
 * failed before and is unchanged: a cron job need not retry it, report it
 * and exit 1 every ten minutes.  A success of the same output supersedes
 * it.  The records also say which INPUT (its real path) they were made
 * from, so that --prune removes only outputs of this run's INPUT.
 *
 * Records are appended as files finish, so a run that is killed keeps the
 * work it finished, and the file is compacted (one record per output)
 * when the run ends.  A record that cannot be parsed, a torn last line
 * included, is ignored: the worst a damaged state file does is redo files.
 *
 * OUTPUT may be writable by others, so the file is opened inside OUTPUT
 * (or the state directory) without following a link and without blocking on a FIFO, must be a
 * regular file with one link (appends into a hard link would write another
 * file), and is read a block at a time up to bounds
 * (2 GiB, in lines of at most 1 MiB, 8 million records) that imgbatch never
 * writes past.  The final rewrite is written beside it and renamed over it
 * (write_file_streamed).
 */
#ifndef IMGBATCH_STATE_H
#define IMGBATCH_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "scan.h"

struct run_state;

/* Whose state: OUTPUT's, this split's, for outputs shaped by these options. */
struct state_request {
    const char *output; /* whose outputs the records name */
    const char *dir;    /* where the file is: OUTPUT, or --state-dir (kept_files.h) */
    const char *name;   /* its name there */
    /* Per variant (a size in a format): the options that shape its outputs (cli_variant_hash). */
    const uint64_t *options;
    const uint64_t *failure_options; /* those, and the ones that decide whether a file fails */
    size_t nvariants;
    const char *input; /* INPUT as given; NULL: records say no INPUT */
    /* The file's bounds, read and written; 0: imgbatch's own (the unit tests give less). */
    size_t max_bytes, max_records;
};

/* The state file's path for this request (malloc'd). */
char *state_path_for(const struct state_request *req);

/*
 * The records of a state file's content (len bytes, any bytes at all), as a
 * state that records nothing; free it with state_close.  NULL if it holds
 * more than max_records records and INPUT paths (0: the bound a run uses).
 * The parser alone, for the unit tests and the fuzzer.
 */
struct run_state *state_parse(const char *data, size_t len, size_t max_records);

/* How many records s holds: outputs made, and failures. */
size_t state_count(const struct run_state *s);

/*
 * s as the compacted file says it: the header, then the records, each
 * INPUT's after its "input" line (for the fuzzer and the unit tests; the
 * state is saved by state_close).
 */
void state_print(FILE *out, const struct run_state *s);

/*
 * Loads the state of req->output.  With record, also opens it for the
 * records of this run.  Returns NULL with a reason in err when the state
 * exists but cannot be read, is not a regular file with one link, is
 * bigger than the bound, or cannot be opened for writing.
 */
struct run_state *state_open(const struct state_request *req, int record, char *err, size_t errlen);

/*
 * 1 if e's output o is up to date: made from e as it is now, with the
 * options of o's variant, and still the file imgbatch wrote.  A record
 * that matches is taken as this run's INPUT's from now on (one written
 * before INPUTs were recorded, or for an INPUT since moved).
 */
int state_is_up_to_date(struct run_state *s, const struct scan_entry *e,
                        const struct scan_output *o);

/*
 * Output o's size as recorded when it was made, and its bytes: 0, or -1
 * when the state does not know it (no record, or one from before sizes
 * were recorded).
 */
int state_output_size(const struct run_state *s, const struct scan_output *o, unsigned *w,
                      unsigned *h, long long *bytes);

/*
 * Why e failed last time for output o, when it failed through a fault of
 * its own and nothing has changed since: the same input file, untouched,
 * and the same options (see above).  NULL otherwise.
 */
const char *state_failed_before(struct run_state *s, const struct scan_entry *e,
                                const struct scan_output *o);

/*
 * Remembers that e's output o, now with status out and width x height
 * (0 x 0: not known), was made from e as scanned.
 */
void state_record(struct run_state *s, const struct scan_entry *e, const struct scan_output *o,
                  const struct stat *out, unsigned width, unsigned height);

/*
 * Remembers that e, as scanned, failed through a fault of its own for
 * output o, for error.  Written when the state is closed, not appended as
 * it happens: a run that dies first retries the file next time.
 */
void state_record_failure(struct run_state *s, const struct scan_entry *e,
                          const struct scan_output *o, const char *error);

/* Forgets the failures recorded by this run (its workers kept dying: they say nothing). */
void state_drop_new_failures(struct run_state *s);

/* An output (or a failure) recorded as made from this run's INPUT, for --prune. */
struct state_output {
    const char *out_rel; /* below OUTPUT */
    const char *in_rel;  /* below INPUT */
    int failed;          /* a failure: no output was made */
    long long size;      /* the output as written: size, inode, mtime */
    unsigned long long ino;
    struct timespec mtime;
};

/* Returns 1 to forget the record (its output was removed, or is not imgbatch's any more). */
typedef int (*state_output_fn)(void *ctx, const struct state_output *o);

/*
 * Calls fn for each record of this run's INPUT made before this run (none
 * when INPUT is not known).  A record fn forgets is left out when the
 * state is saved.
 */
void state_each_of_input(struct run_state *s, state_output_fn fn, void *ctx);

/*
 * Writes the compacted state (when recording) and frees s.  Returns 0, or
 * -1 with a reason in err; the records appended so far stay valid then.
 */
int state_close(struct run_state *s, char *err, size_t errlen);

#endif
