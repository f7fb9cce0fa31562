/*
 * state: the --incremental records; see state.h.
 *
 * The file is text, one record per line:
 *
 *   imgbatch-state 1
 *   input INPUT_REAL_PATH_HEX
 *   OUT_REL_HEX IN_REL_HEX OPTIONS_HASH IN_SIZE IN_MTIME IN_CTIME IN_INO OUT_SIZE OUT_MTIME OUT_INO
 *   failed OUT_REL_HEX IN_REL_HEX FAILURE_OPTIONS_HASH IN_SIZE IN_MTIME IN_CTIME IN_INO ERROR_HEX
 *   size OUT_REL_HEX WIDTH HEIGHT
 *
 * Paths are hex, since names may hold any byte but NUL; times are
 * SECONDS.NANOSECONDS.  Later lines override earlier ones of their kind
 * for one output, and a success overrides an earlier failure.
 *
 * The "input", "failed" and "size" lines came after the first version,
 * which wrote only the ten-field records: its parser ignores every line
 * that is not one (as it ignores a torn one), so the header stays at 1 and
 * a file stays readable both ways.  A "size" line follows the record of
 * the output it sizes (for --manifest, which lists outputs up to date
 * too); one alone, or after another output's record, says nothing.  An "input" line says which
 * INPUT (its real path) the records after it were made from, until the next one; records before
 * any, or after "input -", have none known.  --prune removes only outputs of this run's INPUT.  The
 * compacted file lists the outputs made, then the failures, so that a failure still follows the
 * success it came after.
 */
#include "state.h"
#include "atomic_file.h"
#include "base/arena.h"
#include "base/beneath.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "json.h"
#include "outpath.h"
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_HEADER "imgbatch-state 1\n"

/*
 * The largest state file read.  A record's line is about 160 bytes plus
 * four times the length of its output's name (the two paths in hex), and
 * its "size" line 20 more and twice that again: a million outputs named
 * like "2000/01/01/IMG_0000001.jpg" take 275 MB, so 2 GiB holds a million
 * files in several sizes, or a million outputs with names of 300
 * characters; compaction keeps one record per output, and a run keeps no
 * record that would take the file past it (may_keep).  What is bigger was
 * not written by imgbatch (a planted file): reading it all would take the
 * master's time, and memory for its records, for nothing.
 */
#define STATE_MAX_BYTES ((size_t)2 << 30)

/*
 * The longest line read.  Without this bound a planted file without a
 * newline (a sparse one costs its planter nothing) would be held whole in
 * the master's memory, up to STATE_MAX_BYTES of it.  imgbatch writes no
 * longer line (may_keep): a record's paths are usually a few hundred bytes,
 * but a --name template that repeats {dir} over a deep tree can make an
 * output's name of any length.
 */
#define STATE_LINE_MAX_BYTES ((size_t)1 << 20)

/*
 * A record line's words, numbers and spaces beside its paths and error in
 * hex, at most: a success's, the longest, has an options hash of 16 digits,
 * four 64-bit numbers of up to 20 characters and three times of up to 30
 * ("-9223372036854775808.999999999"): 196 bytes with its spaces and
 * newline.  A "size" line has two 32-bit numbers beside its path.
 */
#define STATE_LINE_FIELDS_BYTES 200
#define STATE_SIZE_LINE_FIELDS_BYTES 32

/*
 * The most records (and INPUT paths) read.  A record costs the master about
 * 140 bytes whatever its line's length, and a planted line can be 30 bytes:
 * within STATE_MAX_BYTES alone a planted file could cost it 10 GB.  8
 * million is a million files in eight sizes or formats (1.1 GB).  Each
 * run's end compacts the file to one record per output, so it holds more
 * only if it was not imgbatch's, or if more outputs than that (counting
 * what a killed run appended) share one OUTPUT.
 */
#define STATE_MAX_RECORDS ((size_t)8 << 20)

/* What a record says of its output: made from its input, or failed on it. */
enum record_kind { RECORD_MADE, RECORD_FAILED };

/*
 * One output's record, 128 bytes.  A state of a million files keeps a
 * million of them: their strings are in the state's arena, the input's
 * path is the output's own where they are the same, and what only a
 * success or only a failure says shares its room.
 */
struct record {
    const char *out_rel;
    const char *in_rel;
    uint64_t options; /* the output hash; for a failure, the failure hash */
    long long in_size;
    unsigned long long in_ino;
    struct timespec in_mtime, in_ctime;
    union {
        struct { /* RECORD_MADE: the output as written */
            long long out_size;
            unsigned long long out_ino;
            struct timespec out_mtime;
            unsigned out_w, out_h; /* its size when known (a "size" line), else 0 */
        };
        const char *error; /* RECORD_FAILED: why */
    };
    const char *input;      /* INPUT's real path (one of run_state's inputs), NULL: not known */
    uint32_t seq;           /* order of appearance: the last record of an output wins */
    unsigned kind : 1;      /* enum record_kind */
    unsigned forgotten : 1; /* dropped at the next compaction (pruned, or superseded) */
    unsigned fresh : 1; /* a failure of this run, not yet in the file (state_drop_new_failures) */
};

struct run_state {
    char *path; /* for messages and the final rewrite */
    char *output_dir;
    uint64_t *options; /* per variant */
    uint64_t *failure_options;
    size_t nvariants;
    struct record *records;
    size_t count, cap;
    size_t bytes;                  /* what the records take in the file, at most (record_bytes) */
    size_t max_bytes, max_records; /* the bounds of the file read and written */
    size_t input_bytes;            /* what the "input" lines take in the file, at most */
    size_t seq;
    struct arena names; /* the records' strings */
    char **inputs;      /* the INPUT paths the records name, each once per "input" line */
    size_t ninputs, inputs_cap;
    const char *input;  /* this run's INPUT, one of inputs; NULL: none known */
    int journal;        /* appended to while the run goes; -1 when not recording */
    int journal_tagged; /* this run's "input" line is in the journal */
    int torn;           /* the file ends in a line a killed run did not finish */
    int dirty;          /* the file differs from the compacted records: rewrite it at the end */
};

char *state_path_for(const struct state_request *req)
{
    return path_join(req->dir, req->name);
}

static int parse_time(const char *text, struct timespec *t)
{
    long long sec;
    long nsec;
    int used = 0;

    if (sscanf(text, "%lld.%9ld%n", &sec, &nsec, &used) != 2 || text[used] || nsec < 0)
        return -1;
    t->tv_sec = (time_t)sec;
    t->tv_nsec = nsec;
    return 0;
}

static void put_time(FILE *out, struct timespec t)
{
    fprintf(out, "%lld.%09ld", (long long)t.tv_sec, t.tv_nsec);
}

/* The input's identity when read: size, mtime, ctime, inode. */
static void put_input_identity(FILE *out, const struct record *r)
{
    fprintf(out, " %016llx %lld ", (unsigned long long)r->options, r->in_size);
    put_time(out, r->in_mtime);
    putc(' ', out);
    put_time(out, r->in_ctime);
    fprintf(out, " %llu", r->in_ino);
}

static void put_record(FILE *out, const struct record *r)
{
    if (r->kind == RECORD_FAILED)
        fputs("failed ", out);
    put_hex(out, r->out_rel);
    putc(' ', out);
    put_hex(out, r->in_rel);
    put_input_identity(out, r);
    if (r->kind == RECORD_FAILED) {
        putc(' ', out);
        put_hex(out, r->error);
    } else {
        fprintf(out, " %lld ", r->out_size);
        put_time(out, r->out_mtime);
        fprintf(out, " %llu", r->out_ino);
    }
    putc('\n', out);
    if (r->kind == RECORD_MADE && r->out_w && r->out_h) {
        fputs("size ", out);
        put_hex(out, r->out_rel);
        fprintf(out, " %u %u\n", r->out_w, r->out_h);
    }
}

/* "input HEX", or "input -" for records of no known INPUT. */
static void put_input_line(FILE *out, const char *input)
{
    fputs("input ", out);
    if (input)
        put_hex(out, input);
    else
        putc('-', out);
    putc('\n', out);
}

/* What a record parsed from a line holds of its own (malloc'd) until add_record keeps a copy. */
static void free_parsed(struct record *r)
{
    free((char *)r->out_rel);
    free((char *)r->in_rel);
    if (r->kind == RECORD_FAILED)
        free((char *)r->error);
}

/* A whole decimal that fits: 0, or -1 with nothing stored. */
static int parse_ll(const char *text, long long *v)
{
    char *end;

    errno = 0;
    *v = strtoll(text, &end, 10);
    return *end || end == text || errno ? -1 : 0;
}

static int parse_ull(const char *text, unsigned long long *v)
{
    char *end;

    errno = 0;
    *v = strtoull(text, &end, 10);
    return *end || end == text || errno ? -1 : 0;
}

/*
 * Fields 0..6 of a record (after the "failed" word of a failure): the
 * output and the input, the options hash and the input's identity.
 */
static int parse_common(char **field, struct record *r)
{
    unsigned long long options;

    if (sscanf(field[2], "%16llx", &options) != 1 || strlen(field[2]) != 16)
        return -1;
    r->options = options;
    if (parse_ll(field[3], &r->in_size) || parse_ull(field[6], &r->in_ino) ||
        parse_time(field[4], &r->in_mtime) || parse_time(field[5], &r->in_ctime))
        return -1;
    r->out_rel = from_hex(field[0]);
    r->in_rel = from_hex(field[1]);
    return r->out_rel && r->in_rel ? 0 : -1;
}

/* Splits line at blanks into at most max fields; the count, or -1 if there are more. */
static int split_fields(char *line, char **field, int max)
{
    int n = 0;
    char *save = NULL;

    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (n == max)
            return -1;
        field[n++] = tok;
    }
    return n;
}

/* What one line of the file is. */
enum line_kind { LINE_BAD, LINE_RECORD, LINE_INPUT, LINE_SIZE };

/* A "size" line's output and size, into r (out_rel, out_w, out_h). */
static enum line_kind parse_size_line(char **field, struct record *r)
{
    unsigned long long w, h;

    if (parse_ull(field[2], &w) || parse_ull(field[3], &h) || !w || !h || w > INT32_MAX ||
        h > INT32_MAX || !(r->out_rel = from_hex(field[1])))
        return LINE_BAD;
    r->out_w = (unsigned)w;
    r->out_h = (unsigned)h;
    return LINE_SIZE;
}

/*
 * Parses one line (without its newline): a record into r, an "input"
 * line's path into *input (malloc'd; NULL for "input -"), or a "size"
 * line into r's out_rel and size.  LINE_BAD if it is none of them, whole.
 */
static enum line_kind parse_record(char *line, struct record *r, char **input)
{
    char *field[11];
    int n = split_fields(line, field, 11);

    memset(r, 0, sizeof(*r));
    if (n == 2 && !strcmp(field[0], "input")) {
        if (!strcmp(field[1], "-")) {
            *input = NULL;
            return LINE_INPUT;
        }
        *input = from_hex(field[1]);
        return *input ? LINE_INPUT : LINE_BAD;
    }
    if (n == 4 && !strcmp(field[0], "size")) {
        if (parse_size_line(field, r) == LINE_SIZE)
            return LINE_SIZE;
        free_parsed(r);
        return LINE_BAD;
    }
    if (n == 9 && !strcmp(field[0], "failed")) {
        r->kind = RECORD_FAILED;
        if (parse_common(field + 1, r) == 0 && (r->error = from_hex(field[8])) != NULL)
            return LINE_RECORD;
    } else if (n == 10) {
        r->kind = RECORD_MADE;
        if (parse_common(field, r) == 0 && parse_ll(field[7], &r->out_size) == 0 &&
            parse_ull(field[9], &r->out_ino) == 0 && parse_time(field[8], &r->out_mtime) == 0)
            return LINE_RECORD;
    }
    free_parsed(r);
    return LINE_BAD;
}

/* The length of r's line in the file, at most. */
static size_t record_line_bytes(const struct record *r)
{
    size_t error = r->kind == RECORD_FAILED ? strlen(r->error) : 0; /* only a failure has one */

    return 2 * (strlen(r->out_rel) + strlen(r->in_rel) + error) + STATE_LINE_FIELDS_BYTES;
}

/* What r takes in the file, at most: its line, and a success's "size" line. */
static size_t record_bytes(const struct record *r)
{
    size_t size_line = 2 * strlen(r->out_rel) + STATE_SIZE_LINE_FIELDS_BYTES;

    return record_line_bytes(r) + (r->kind == RECORD_MADE ? size_line : 0);
}

/* Keeps r, its strings copied into the arena (r's own stay the caller's); the record kept. */
static const struct record *add_record(struct run_state *s, const struct record *r)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->records = xrealloc(s->records, s->cap * sizeof(*s->records));
    }
    struct record *kept = &s->records[s->count++];
    *kept = *r;
    kept->out_rel = arena_strdup(&s->names, r->out_rel);
    kept->in_rel =
        strcmp(r->in_rel, r->out_rel) ? arena_strdup(&s->names, r->in_rel) : kept->out_rel;
    if (r->kind == RECORD_FAILED)
        kept->error = arena_strdup(&s->names, r->error);
    kept->seq = (uint32_t)s->seq++;
    s->bytes += record_bytes(kept);
    return kept;
}

/* input as one of s->inputs, added unless it is the last one added (the file repeats it). */
static const char *intern_input(struct run_state *s, char *input)
{
    if (s->ninputs && !strcmp(s->inputs[s->ninputs - 1], input)) {
        free(input);
        return s->inputs[s->ninputs - 1];
    }
    if (s->ninputs == s->inputs_cap) {
        s->inputs_cap = s->inputs_cap ? s->inputs_cap * 2 : 4;
        s->inputs = xrealloc(s->inputs, s->inputs_cap * sizeof(*s->inputs));
    }
    s->inputs[s->ninputs++] = input;
    /* Its "input" lines in the compacted file: before its outputs, and before its failures. */
    s->input_bytes += 2 * (strlen("input \n") + 2 * strlen(input));
    return input;
}

/* By output, then kind, then age: lookups bsearch on output and kind. */
static int by_output_kind_age(const void *a, const void *b)
{
    const struct record *x = a, *y = b;
    int c = strcmp(x->out_rel, y->out_rel);

    if (c)
        return c;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Sorts by output and kind, keeps each output's last record of each kind,
 * and drops a failure that a later success has made stale, and what was
 * forgotten.
 */
static void compact(struct run_state *s)
{
    size_t kept = 0;

    s->bytes = 0;
    if (s->count > 1)
        qsort(s->records, s->count, sizeof(*s->records), by_output_kind_age);
    for (size_t i = 0; i < s->count; i++) {
        struct record *r = &s->records[i];
        const struct record *next = i + 1 < s->count ? &s->records[i + 1] : NULL;
        int superseded = next && !strcmp(r->out_rel, next->out_rel) && r->kind == next->kind;
        /* After sorting, a failure follows its output's success, if any. */
        const struct record *made = kept ? &s->records[kept - 1] : NULL;
        int stale = r->kind == RECORD_FAILED && made && made->kind == RECORD_MADE &&
                    !strcmp(made->out_rel, r->out_rel) && made->seq > r->seq;
        if (superseded || stale || r->forgotten)
            continue; /* its strings stay in the arena until the state is closed */
        s->bytes += record_bytes(r);
        s->records[kept++] = *r;
    }
    s->count = kept;
}

/* Forgets the outputs that are gone (deleted, or their directory moved), before saving. */
static void drop_missing_outputs(struct run_state *s, const char *output_dir)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->count; i++) {
        struct stat st;
        int gone = 0;
        if (s->records[i].kind == RECORD_MADE) {
            char *path = path_join(output_dir, s->records[i].out_rel);
            gone = lstat(path, &st) < 0 && errno == ENOENT;
            free(path);
        }
        if (gone) {
            s->dirty = 1;
            continue;
        }
        s->records[kept++] = s->records[i];
    }
    s->count = kept;
}

/* Parses one line of len bytes (without its newline), as parse_record. */
static enum line_kind parse_line(const char *data, size_t len, struct record *r, char **input)
{
    char *line;
    enum line_kind kind;

    /* A NUL would end the copy early and let a damaged line pass for a whole one. */
    if (memchr(data, '\0', len))
        return LINE_BAD;
    line = xstrndup(data, len);
    kind = parse_record(line, r, input);
    free(line);
    return kind;
}

/* A "size" line sizes the output of the record just before it, and nothing else. */
static void size_last_record(struct run_state *s, const struct record *size)
{
    struct record *last = s->count ? &s->records[s->count - 1] : NULL;

    if (last && last->kind == RECORD_MADE && !strcmp(last->out_rel, size->out_rel)) {
        last->out_w = size->out_w;
        last->out_h = size->out_h;
    }
}

/* Where the reading of a state file's lines stands. */
struct parse {
    int started;       /* its first line was the header */
    int other;         /* its first line was something else: a file of another format, none taken */
    const char *input; /* the last "input" line's */
    size_t max_records; /* records and INPUT paths, together */
    int too_many;       /* a record or path beyond max_records: none taken after it */
};

/* One whole line of the file, without its newline: a record added to s, or what it says. */
static void parse_one(struct run_state *s, struct parse *p, const char *line, size_t len)
{
    size_t header = strlen(STATE_HEADER) - 1; /* without its newline */
    struct record r;
    char *named = NULL;

    if (p->other || p->too_many)
        return;
    if (!p->started) {
        p->started = len == header && !memcmp(line, STATE_HEADER, header);
        p->other = !p->started;
        return;
    }
    enum line_kind kind = parse_line(line, len, &r, &named);
    if ((kind == LINE_RECORD || (kind == LINE_INPUT && named)) &&
        s->count + s->ninputs >= p->max_records) {
        p->too_many = 1;
        if (kind == LINE_RECORD)
            free_parsed(&r);
        free(named);
        return;
    }
    switch (kind) {
    case LINE_RECORD:
        r.input = p->input;
        add_record(s, &r);
        free_parsed(&r);
        break;
    case LINE_INPUT:
        p->input = named ? intern_input(s, named) : NULL;
        break;
    case LINE_SIZE:
        size_last_record(s, &r);
        free_parsed(&r);
        break;
    case LINE_BAD:
        break;
    }
}

/*
 * The end of the file, rest bytes after its last newline: a line without
 * its newline is the torn end of a killed run's append.
 */
static void parse_end(struct run_state *s, const struct parse *p, size_t rest)
{
    if (rest && p->started)
        s->torn = 1;
    compact(s);
}

/* The whole lines of data[0..len) into s; how many bytes they took. */
static size_t parse_lines(struct run_state *s, struct parse *p, const char *data, size_t len)
{
    size_t pos = 0;
    const char *nl;

    while (pos < len && (nl = memchr(data + pos, '\n', len - pos))) {
        parse_one(s, p, data + pos, (size_t)(nl - (data + pos)));
        pos = (size_t)(nl - data) + 1;
    }
    return pos;
}

struct run_state *state_parse(const char *data, size_t len, size_t max_records)
{
    struct run_state *s = xcalloc(1, sizeof(*s));
    struct parse p = {.max_records = max_records ? max_records : STATE_MAX_RECORDS};

    s->max_bytes = STATE_MAX_BYTES;
    s->max_records = p.max_records;
    s->journal = -1;
    size_t used = parse_lines(s, &p, data, len);
    if (p.too_many) {
        state_close(s, NULL, 0);
        return NULL;
    }
    parse_end(s, &p, len - used);
    return s;
}

size_t state_count(const struct run_state *s)
{
    return s->count;
}

/*
 * A state file imgbatch did not write, or not all of it: "the incremental
 * state PATH <what>; remove it ...", and -1.
 */
static int refuse_state(const struct run_state *s, char *err, size_t errlen, const char *what, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse_state(const struct run_state *s, char *err, size_t errlen, const char *what, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, what);
    vsnprintf(why, sizeof(why), what, ap);
    va_end(ap);
    snprintf(err, errlen,
             "the incremental state %s %s; remove it (the next run then redoes every file)",
             s->path, why);
    return -1;
}

/*
 * Checks that fd, open on the state file, is what imgbatch may read and
 * append to: a regular file with no other name.  A hard link would make
 * the appends write into a file someone else named.  -1 with a message.
 */
static int check_state_file(const struct run_state *s, int fd, struct stat *st, char *err,
                            size_t errlen)
{
    if (fstat(fd, st) < 0) {
        snprintf(err, errlen, "cannot read the incremental state %s: %s", s->path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "the incremental state %s is %s, not a regular file; remove it",
                 s->path, file_type_words(st->st_mode));
        return -1;
    }
    if (st->st_nlink != 1) {
        snprintf(err, errlen,
                 "the incremental state %s has %ju hard links: its records would be written into "
                 "another file too; remove it",
                 s->path, (uintmax_t)st->st_nlink);
        return -1;
    }
    if ((size_t)st->st_size > s->max_bytes)
        return refuse_state(s, err, errlen,
                            "is %jd bytes, more than imgbatch ever writes (%zu MiB)",
                            (intmax_t)st->st_size, s->max_bytes >> 20);
    return 0;
}

/*
 * The first read's room: lines are read a block at a time, and only a
 * longer line grows it.  The whole file in memory would cost the master
 * as much again as its records (a million files: over 150 MB of text).
 */
#define STATE_READ_BYTES ((size_t)64 << 10)

/* Reads the records of the state file open on fd, at most s->max_bytes of it. */
static int load(struct run_state *s, int fd, char *err, size_t errlen)
{
    struct parse p = {.max_records = s->max_records};
    size_t cap = STATE_READ_BYTES, held = 0, total = 0;
    char *data = xrealloc(NULL, cap);

    for (;;) {
        if (held == cap && cap >= STATE_LINE_MAX_BYTES) {
            free(data);
            return refuse_state(s, err, errlen,
                                "has a line longer than imgbatch ever writes (%zu MiB)",
                                STATE_LINE_MAX_BYTES >> 20);
        }
        if (held == cap) { /* a line longer than the room */
            cap *= 2;
            data = xrealloc(data, cap);
        }
        ssize_t n = pread(fd, data + held, cap - held, (off_t)total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read the incremental state %s: %s", s->path,
                     strerror(errno));
            free(data);
            return -1;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        held += (size_t)n;
        /* It may have grown since fstat said it was within the bound. */
        if (total > s->max_bytes) {
            free(data);
            return refuse_state(s, err, errlen, "is more than imgbatch ever writes (%zu MiB)",
                                s->max_bytes >> 20);
        }
        size_t used = parse_lines(s, &p, data, held);
        if (p.too_many) {
            free(data);
            return refuse_state(s, err, errlen,
                                "holds more than %zu records, more than imgbatch keeps",
                                s->max_records);
        }
        memmove(data, data + used, held - used);
        held -= used;
    }
    parse_end(s, &p, held);
    free(data);
    return 0;
}

/*
 * Opens the state file inside its directory (OUTPUT or --state-dir, opened
 * as named), never through a link, a FIFO never blocking: fd, -1 with no
 * file (ENOENT, nothing to read), or -2 with a message.  With record, it is
 * created if missing and opened to append.
 */
static int open_state_file(struct run_state *s, const struct state_request *req, int record,
                           char *err, size_t errlen)
{
    int flags =
        (record ? O_RDWR | O_APPEND | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int dir = open(req->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = -1;

    if (dir >= 0) {
        /* 0666 less the umask: the users who may write OUTPUT may all run it. */
        fd = openat(dir, req->name, flags, 0666);
        close_quietly(dir);
    }
    if (fd >= 0)
        return fd;
    if (errno == ENOENT && !record)
        return -1;
    if (errno == ELOOP)
        snprintf(err, errlen, "the incremental state %s is a symbolic link; remove it", s->path);
    else
        snprintf(err, errlen, "cannot %s the incremental state %s: %s", record ? "write" : "read",
                 s->path, strerror(errno));
    return -2;
}

/*
 * This run's INPUT, by its real path (so that "in", "./in/" and a moved
 * INPUT's records meet), as one of s->inputs; none if it will not resolve.
 */
static void set_run_input(struct run_state *s, const char *input)
{
    char *real = input ? realpath(input, NULL) : NULL;

    if (!real)
        return;
    for (size_t i = 0; i < s->ninputs; i++) {
        if (!strcmp(s->inputs[i], real)) {
            s->input = s->inputs[i];
            free(real);
            return;
        }
    }
    s->input = intern_input(s, real);
}

struct run_state *state_open(const struct state_request *req, int record, char *err, size_t errlen)
{
    struct run_state *s = xcalloc(1, sizeof(*s));
    struct stat st;
    int fd;

    s->path = state_path_for(req);
    s->output_dir = xstrdup(req->output);
    s->max_bytes = req->max_bytes ? req->max_bytes : STATE_MAX_BYTES;
    s->max_records = req->max_records ? req->max_records : STATE_MAX_RECORDS;
    s->nvariants = req->nvariants;
    s->options = xcalloc(req->nvariants ? req->nvariants : 1, sizeof(*s->options));
    s->failure_options = xcalloc(req->nvariants ? req->nvariants : 1, sizeof(*s->options));
    if (req->nvariants) {
        memcpy(s->options, req->options, req->nvariants * sizeof(*s->options));
        memcpy(s->failure_options, req->failure_options, req->nvariants * sizeof(*s->options));
    }
    s->journal = -1;
    fd = open_state_file(s, req, record, err, errlen);
    if (fd == -1) {
        set_run_input(s, req->input);
        return s; /* not recording, and no state yet */
    }
    if (fd < 0)
        goto fail;
    if (check_state_file(s, fd, &st, err, errlen) < 0 || load(s, fd, err, errlen) < 0) {
        close_quietly(fd);
        goto fail;
    }
    set_run_input(s, req->input);
    if (!record) {
        close_quietly(fd);
        return s;
    }
    s->journal = fd;
    /*
     * A new file, or one of another format, starts over with the header;
     * a torn last line is ended, so that it does not swallow our first record.
     */
    int fresh = st.st_size == 0 || s->count == 0;
    if (fresh || s->torn) {
        s->dirty = 1;
        const char *start = fresh ? STATE_HEADER : "\n";
        if ((fresh && ftruncate(s->journal, 0) < 0) ||
            write_in_full(s->journal, start, strlen(start)) < 0) {
            snprintf(err, errlen, "cannot write the incremental state %s: %s", s->path,
                     strerror(errno));
            goto fail;
        }
    }
    return s;

fail:
    close_quietly(s->journal);
    s->journal = -1;
    state_close(s, NULL, 0);
    return NULL;
}

/* The record of kind for out_rel, if any (records sorted, as compact leaves them). */
static struct record *find(const struct run_state *s, const char *out_rel, enum record_kind kind)
{
    size_t lo = 0, hi = s->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct record *r = &s->records[mid];
        int c = strcmp(out_rel, r->out_rel);
        if (c == 0 && kind != r->kind)
            c = kind < r->kind ? -1 : 1;
        if (c == 0)
            return r->forgotten ? NULL : &s->records[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* 1 if r was made from e as it is now, with options. */
static int same_input(const struct record *r, const struct scan_entry *e, uint64_t options)
{
    return r->options == options && !strcmp(r->in_rel, e->rel) &&
           r->in_size == (long long)e->size && r->in_ino == (unsigned long long)e->ino &&
           same_time(r->in_mtime, e->mtime) && same_time(r->in_ctime, e->ctime);
}

/*
 * A record that matched e's very file, seen from this run's INPUT: it is
 * this INPUT's, whatever it said (nothing, from before inputs were
 * recorded, or an INPUT since moved), so that --prune knows it.
 */
static void adopt(struct run_state *s, struct record *r)
{
    if (!s->input || r->input == s->input || (r->input && !strcmp(r->input, s->input)))
        return;
    r->input = s->input;
    s->dirty = 1;
}

/* Output o's options hash: its variant's, or one no record has for a variant out of range. */
static uint64_t options_of(const struct run_state *s, const struct scan_output *o, int failure)
{
    if (o->variant >= s->nvariants)
        return 0;
    return failure ? s->failure_options[o->variant] : s->options[o->variant];
}

int state_is_up_to_date(struct run_state *s, const struct scan_entry *e,
                        const struct scan_output *o)
{
    struct record *r = find(s, o->rel, RECORD_MADE);
    struct stat out;

    if (!r || !same_input(r, e, options_of(s, o, 0)))
        return 0;
    /* The output must still be the very file imgbatch wrote. */
    if (lstat(o->path, &out) < 0 || !S_ISREG(out.st_mode))
        return 0;
    if (r->out_size != (long long)out.st_size || r->out_ino != (unsigned long long)out.st_ino ||
        !same_time(r->out_mtime, out.st_mtim))
        return 0;
    adopt(s, r);
    return 1;
}

int state_output_size(const struct run_state *s, const struct scan_output *o, unsigned *w,
                      unsigned *h, long long *bytes)
{
    const struct record *r = find(s, o->rel, RECORD_MADE);

    if (!r || !r->out_w || !r->out_h)
        return -1;
    *w = r->out_w;
    *h = r->out_h;
    *bytes = r->out_size;
    return 0;
}

const char *state_failed_before(struct run_state *s, const struct scan_entry *e,
                                const struct scan_output *o)
{
    struct record *r = find(s, o->rel, RECORD_FAILED);

    if (!r || !same_input(r, e, options_of(s, o, 1)))
        return NULL;
    adopt(s, r);
    return r->error;
}

/* A record of output o of e as scanned, for this run's options and INPUT (its strings theirs). */
static struct record record_of(const struct run_state *s, const struct scan_entry *e,
                               const struct scan_output *o, enum record_kind kind)
{
    struct record r = {
        .kind = kind,
        .out_rel = o->rel,
        .in_rel = e->rel,
        .options = options_of(s, o, kind == RECORD_FAILED),
        .in_size = (long long)e->size,
        .in_ino = (unsigned long long)e->ino,
        .in_mtime = e->mtime,
        .in_ctime = e->ctime,
        .input = s->input,
    };
    return r;
}

/*
 * Appends r to the journal, after this run's "input" line the first time.
 * One write() per record on O_APPEND: a kill tears at most this line.  A
 * failed append loses nothing but the chance to skip this file after a
 * kill; the compacted state written at the end still has it.
 */
static void journal_append(struct run_state *s, const struct record *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem;

    if (s->journal < 0 || !(mem = open_memstream(&text, &len)))
        return;
    if (!s->journal_tagged)
        put_input_line(mem, s->input); /* "input -" when INPUT would not resolve */
    put_record(mem, r);
    if (fclose(mem) == 0 && write_in_full(s->journal, text, len) == 0)
        s->journal_tagged = 1;
    free(text);
}

/*
 * Whether r may be kept: whether the file stays one that load() reads back,
 * its line within STATE_LINE_MAX_BYTES, and its records, with the "input"
 * lines the compacted file may hold (up to two per INPUT: one before its
 * outputs, one before its failures), within the bounds of records and
 * bytes.  A record not kept costs a redo, no more: the next run does that
 * file again.
 */
static int may_keep(const struct run_state *s, const struct record *r)
{
    /* STATE_LINE_FIELDS_BYTES: room for the header and "input -" lines. */
    size_t file_bytes = STATE_LINE_FIELDS_BYTES + s->input_bytes + s->bytes + record_bytes(r);

    return record_line_bytes(r) <= STATE_LINE_MAX_BYTES &&
           s->count + 2 * s->ninputs + 2 < s->max_records && file_bytes <= s->max_bytes;
}

void state_record(struct run_state *s, const struct scan_entry *e, const struct scan_output *o,
                  const struct stat *out, unsigned width, unsigned height)
{
    struct record r = record_of(s, e, o, RECORD_MADE);

    r.out_size = (long long)out->st_size;
    r.out_ino = (unsigned long long)out->st_ino;
    r.out_mtime = out->st_mtim;
    r.out_w = width;
    r.out_h = height;
    if (!may_keep(s, &r))
        return;
    s->dirty = 1;
    journal_append(s, add_record(s, &r));
}

void state_record_failure(struct run_state *s, const struct scan_entry *e,
                          const struct scan_output *o, const char *error)
{
    struct record r = record_of(s, e, o, RECORD_FAILED);

    r.error = error[0] ? error : "failed"; /* the file holds no empty field */
    /* Not journaled: a run that dies before its end leaves the file to be retried. */
    r.fresh = 1;
    if (!may_keep(s, &r))
        return;
    add_record(s, &r);
    s->dirty = 1;
}

void state_drop_new_failures(struct run_state *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->records[i].fresh)
            s->records[i].forgotten = 1;
}

void state_each_of_input(struct run_state *s, state_output_fn fn, void *ctx)
{
    if (!s->input)
        return;
    for (size_t i = 0; i < s->count; i++) {
        struct record *r = &s->records[i];
        if (r->forgotten || r->fresh || !r->input || strcmp(r->input, s->input))
            continue;
        struct state_output o = {
            .out_rel = r->out_rel,
            .in_rel = r->in_rel,
            .failed = r->kind == RECORD_FAILED,
        };
        if (r->kind == RECORD_MADE) {
            o.size = r->out_size;
            o.ino = r->out_ino;
            o.mtime = r->out_mtime;
        }
        if (fn(ctx, &o)) {
            r->forgotten = 1;
            s->dirty = 1;
        }
    }
}

static int same_input_path(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/*
 * Outputs made before failures (a kept failure is newer than its output's
 * success, and must stay after it), then by INPUT (none first), then by
 * output: each INPUT is named once per kind.
 */
static int by_kind_input_output(const void *a, const void *b)
{
    const struct record *x = *(const struct record *const *)a;
    const struct record *y = *(const struct record *const *)b;
    int c = x->kind != y->kind       ? (x->kind > y->kind) - (x->kind < y->kind)
            : !x->input || !y->input ? (x->input != NULL) - (y->input != NULL)
                                     : strcmp(x->input, y->input);

    return c ? c : by_output_kind_age(x, y);
}

/* The compacted state: the header, then the records, each INPUT's after its "input" line. */
static void put_state(FILE *out, const void *ctx)
{
    const struct run_state *s = ctx;
    const struct record **order = xcalloc(s->count ? s->count : 1, sizeof(*order));
    const char *input = NULL; /* what the lines so far say: none before any "input" line */

    for (size_t i = 0; i < s->count; i++)
        order[i] = &s->records[i];
    if (s->count > 1)
        qsort(order, s->count, sizeof(*order), by_kind_input_output);
    fputs(STATE_HEADER, out);
    for (size_t i = 0; i < s->count; i++) {
        if (!same_input_path(input, order[i]->input))
            put_input_line(out, input = order[i]->input);
        put_record(out, order[i]);
    }
    free(order);
}

void state_print(FILE *out, const struct run_state *s)
{
    put_state(out, s);
}

int state_close(struct run_state *s, char *err, size_t errlen)
{
    int ret = 0;

    if (!s)
        return 0;
    if (s->journal >= 0) {
        compact(s);
        drop_missing_outputs(s, s->output_dir);
        close_quietly(s->journal);
    }
    /* A run with nothing new leaves the file alone. */
    if (s->journal >= 0 && s->dirty &&
        write_file_streamed(s->path, put_state, s, 0666, MODE_UMASK, err, errlen) < 0)
        ret = -1;
    arena_release(&s->names);
    for (size_t i = 0; i < s->ninputs; i++)
        free(s->inputs[i]);
    free(s->inputs);
    free(s->records);
    free(s->path);
    free(s->output_dir);
    free(s->options);
    free(s->failure_options);
    free(s);
    return ret;
}
