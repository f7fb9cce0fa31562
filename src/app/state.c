/*
 * state: the --incremental records; see state.h.
 *
 * The file is text, one record per line:
 *
 *   imgbatch-state 1
 *   OUT_REL_HEX IN_REL_HEX OPTIONS_HASH IN_SIZE IN_MTIME IN_CTIME IN_INO OUT_SIZE OUT_MTIME OUT_INO
 *
 * Paths are hex, since names may hold any byte but NUL; times are
 * SECONDS.NANOSECONDS.  Later lines override earlier ones for one output.
 */
#include "state.h"
#include "atomic_file.h"
#include "base/beneath.h"
#include "json.h"
#include "outpath.h"
#include "shard.h"
#include "base/xalloc.h"
#include "base/xio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_HEADER "imgbatch-state 1\n"
#define STATE_NAME ".imgbatch-state"

/*
 * The largest state file read.  A record is about 120 bytes plus twice
 * the length of its two paths, so 256 MiB holds a million files with long
 * names, and compaction keeps one record per output.  What is bigger was
 * not written by imgbatch (a link to /dev/zero, a planted file): reading
 * it all would take the master's memory for nothing.
 */
#define STATE_MAX_BYTES ((size_t)256 << 20)

struct record {
    char *out_rel;
    char *in_rel;
    uint64_t options;
    long long in_size, out_size;
    unsigned long long in_ino, out_ino;
    struct timespec in_mtime, in_ctime, out_mtime;
    size_t seq; /* order of appearance: the last record of an output wins */
};

struct run_state {
    char *path; /* for messages and the final rewrite */
    char *output_dir;
    uint64_t options;
    struct record *records;
    size_t count, cap;
    size_t seq;
    int journal; /* appended to while the run goes; -1 when not recording */
    int torn;    /* the file ends in a line a killed run did not finish */
    int dirty;   /* the file differs from the compacted records: rewrite it at the end */
};

/* The state file's name inside OUTPUT (malloc'd). */
static char *state_name_for(const struct state_request *req)
{
    if (req->shard_count)
        return xasprintf("%s.%u-of-%u", STATE_NAME, req->shard_index, req->shard_count);
    return xstrdup(STATE_NAME);
}

char *state_path_for(const struct state_request *req)
{
    char *name = state_name_for(req);
    char *path = path_join(req->output, name);

    free(name);
    return path;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The string spelled by lowercase hex digits; NULL if hex is not such a spelling. */
static char *from_hex(const char *hex)
{
    size_t len = strlen(hex);
    char *s;

    if (len == 0 || len % 2)
        return NULL;
    s = xcalloc(len / 2 + 1, 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(s);
            return NULL;
        }
        s[i] = (char)(hi * 16 + lo);
    }
    return s;
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

static void put_record(FILE *out, const struct record *r)
{
    put_hex(out, r->out_rel);
    putc(' ', out);
    put_hex(out, r->in_rel);
    fprintf(out, " %016llx %lld %lld.%09ld %lld.%09ld %llu %lld %lld.%09ld %llu\n",
            (unsigned long long)r->options, r->in_size, (long long)r->in_mtime.tv_sec,
            r->in_mtime.tv_nsec, (long long)r->in_ctime.tv_sec, r->in_ctime.tv_nsec, r->in_ino,
            r->out_size, (long long)r->out_mtime.tv_sec, r->out_mtime.tv_nsec, r->out_ino);
}

static void free_record(struct record *r)
{
    free(r->out_rel);
    free(r->in_rel);
}

/* Parses one line (without its newline) into r; -1 if it is not a whole record. */
static int parse_record(char *line, struct record *r)
{
    char *field[10];
    int n = 0;
    char *save = NULL;

    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (n == 10)
            return -1;
        field[n++] = tok;
    }
    if (n != 10)
        return -1;
    memset(r, 0, sizeof(*r));
    unsigned long long options;
    char *end;
    if (sscanf(field[2], "%16llx", &options) != 1 || strlen(field[2]) != 16)
        return -1;
    r->options = options;
    errno = 0;
    r->in_size = strtoll(field[3], &end, 10);
    if (*end || errno)
        return -1;
    r->in_ino = strtoull(field[6], &end, 10);
    if (*end || errno)
        return -1;
    r->out_size = strtoll(field[7], &end, 10);
    if (*end || errno)
        return -1;
    r->out_ino = strtoull(field[9], &end, 10);
    if (*end || errno)
        return -1;
    if (parse_time(field[4], &r->in_mtime) || parse_time(field[5], &r->in_ctime) ||
        parse_time(field[8], &r->out_mtime))
        return -1;
    r->out_rel = from_hex(field[0]);
    r->in_rel = from_hex(field[1]);
    if (!r->out_rel || !r->in_rel) {
        free_record(r);
        return -1;
    }
    return 0;
}

static void add_record(struct run_state *s, const struct record *r)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->records = xrealloc(s->records, s->cap * sizeof(*s->records));
    }
    s->records[s->count] = *r;
    s->records[s->count].seq = s->seq++;
    s->count++;
}

static int by_output_then_age(const void *a, const void *b)
{
    const struct record *x = a, *y = b;
    int c = strcmp(x->out_rel, y->out_rel);

    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts by output and keeps each output's last record, so lookups can bsearch. */
static void compact(struct run_state *s)
{
    size_t kept = 0;

    if (s->count > 1)
        qsort(s->records, s->count, sizeof(*s->records), by_output_then_age);
    for (size_t i = 0; i < s->count; i++) {
        if (i + 1 < s->count && !strcmp(s->records[i].out_rel, s->records[i + 1].out_rel)) {
            free_record(&s->records[i]);
            continue;
        }
        s->records[kept++] = s->records[i];
    }
    s->count = kept;
}

/* Forgets the outputs that are gone (deleted, or their directory moved), before saving. */
static void drop_missing_outputs(struct run_state *s, const char *output_dir)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->count; i++) {
        char *path = path_join(output_dir, s->records[i].out_rel);
        struct stat st;
        int gone = lstat(path, &st) < 0 && errno == ENOENT;
        free(path);
        if (gone) {
            free_record(&s->records[i]);
            s->dirty = 1;
            continue;
        }
        s->records[kept++] = s->records[i];
    }
    s->count = kept;
}

/* Parses one line of len bytes (without its newline); -1 if it is not a whole record. */
static int parse_line(const char *data, size_t len, struct record *r)
{
    char *line;
    int ret;

    /* A NUL would end the copy early and let a damaged line pass for a whole one. */
    if (memchr(data, '\0', len))
        return -1;
    line = xstrndup(data, len);
    ret = parse_record(line, r);
    free(line);
    return ret;
}

/* The records of a state file's content, added to s; a file of another format adds none. */
static void parse_into(struct run_state *s, const char *data, size_t len)
{
    size_t header = strlen(STATE_HEADER);
    size_t pos = header;

    if (len < header || memcmp(data, STATE_HEADER, header) != 0)
        return;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        struct record r;
        /* A line without its newline is the torn end of a killed run's append. */
        if (!nl) {
            s->torn = 1;
            break;
        }
        size_t line_len = (size_t)(nl - (data + pos));
        if (parse_line(data + pos, line_len, &r) == 0)
            add_record(s, &r);
        pos += line_len + 1;
    }
    compact(s);
}

struct run_state *state_parse(const char *data, size_t len)
{
    struct run_state *s = xcalloc(1, sizeof(*s));

    s->journal = -1;
    parse_into(s, data, len);
    return s;
}

size_t state_count(const struct run_state *s)
{
    return s->count;
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
    if ((size_t)st->st_size > STATE_MAX_BYTES) {
        snprintf(err, errlen,
                 "the incremental state %s is %jd bytes, more than imgbatch ever writes (%zu "
                 "MiB); remove it (the next run then redoes every file)",
                 s->path, (intmax_t)st->st_size, STATE_MAX_BYTES >> 20);
        return -1;
    }
    return 0;
}

/* Reads the records of the state file open on fd, at most STATE_MAX_BYTES of it. */
static int load(struct run_state *s, int fd, size_t size, char *err, size_t errlen)
{
    /* One byte more than fstat said: a file still growing is caught, not cut. */
    size_t cap = size < STATE_MAX_BYTES ? size + 1 : STATE_MAX_BYTES + 1;
    char *data = xrealloc(NULL, cap);
    size_t len = 0;

    while (len < cap) {
        ssize_t n = pread(fd, data + len, cap - len, (off_t)len);
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
        len += (size_t)n;
    }
    if (len > STATE_MAX_BYTES) {
        snprintf(err, errlen,
                 "the incremental state %s is more than imgbatch ever writes (%zu MiB); remove "
                 "it (the next run then redoes every file)",
                 s->path, STATE_MAX_BYTES >> 20);
        free(data);
        return -1;
    }
    parse_into(s, data, len);
    free(data);
    return 0;
}

/*
 * Opens the state file inside OUTPUT, never through a link, a FIFO never
 * blocking: fd, -1 with no file (ENOENT, nothing to read), or -2 with a
 * message.  With record, it is created if missing and opened to append.
 */
static int open_state_file(struct run_state *s, const struct state_request *req, int record,
                           char *err, size_t errlen)
{
    int flags =
        (record ? O_RDWR | O_APPEND | O_CREAT : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    char *name = state_name_for(req);
    int dir = open(req->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd = -1;

    if (dir >= 0) {
        /* 0666 less the umask: the users who may write OUTPUT may all run it. */
        fd = openat(dir, name, flags, 0666);
        close_quietly(dir);
    }
    free(name);
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

struct run_state *state_open(const struct state_request *req, int record, char *err,
                             size_t errlen)
{
    struct run_state *s = xcalloc(1, sizeof(*s));
    struct stat st;
    int fd;

    s->path = state_path_for(req);
    s->output_dir = xstrdup(req->output);
    s->options = req->options;
    s->journal = -1;
    fd = open_state_file(s, req, record, err, errlen);
    if (fd == -1)
        return s; /* not recording, and no state yet */
    if (fd < 0)
        goto fail;
    if (check_state_file(s, fd, &st, err, errlen) < 0 ||
        load(s, fd, (size_t)st.st_size, err, errlen) < 0) {
        close_quietly(fd);
        goto fail;
    }
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

static const struct record *find(const struct run_state *s, const char *out_rel)
{
    size_t lo = 0, hi = s->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(out_rel, s->records[mid].out_rel);
        if (c == 0)
            return &s->records[mid];
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

int state_is_up_to_date(const struct run_state *s, const struct scan_entry *e)
{
    const struct record *r = find(s, e->out_rel);
    struct stat out;

    if (!r || r->options != s->options || strcmp(r->in_rel, e->rel))
        return 0;
    if (r->in_size != (long long)e->size || r->in_ino != (unsigned long long)e->ino ||
        !same_time(r->in_mtime, e->mtime) || !same_time(r->in_ctime, e->ctime))
        return 0;
    /* The output must still be the very file imgbatch wrote. */
    if (lstat(e->output, &out) < 0 || !S_ISREG(out.st_mode))
        return 0;
    return r->out_size == (long long)out.st_size && r->out_ino == (unsigned long long)out.st_ino &&
           same_time(r->out_mtime, out.st_mtim);
}

void state_record(struct run_state *s, const struct scan_entry *e, const struct stat *out)
{
    struct record r = {
        .out_rel = xstrdup(e->out_rel),
        .in_rel = xstrdup(e->rel),
        .options = s->options,
        .in_size = (long long)e->size,
        .out_size = (long long)out->st_size,
        .in_ino = (unsigned long long)e->ino,
        .out_ino = (unsigned long long)out->st_ino,
        .in_mtime = e->mtime,
        .in_ctime = e->ctime,
        .out_mtime = out->st_mtim,
    };
    char *line = NULL;
    size_t len = 0;
    FILE *mem;

    add_record(s, &r);
    s->dirty = 1;
    if (s->journal < 0 || !(mem = open_memstream(&line, &len)))
        return;
    put_record(mem, &r);
    /*
     * One write() per record on O_APPEND: a kill tears at most this line.
     * A failed append loses nothing but the chance to skip this file
     * after a kill; the compacted state written at the end still has it.
     */
    if (fclose(mem) == 0)
        (void)write_in_full(s->journal, line, len);
    free(line);
}

/* The compacted state: the header, then one record per output. */
static void put_state(FILE *out, const void *ctx)
{
    const struct run_state *s = ctx;

    fputs(STATE_HEADER, out);
    for (size_t i = 0; i < s->count; i++)
        put_record(out, &s->records[i]);
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
        write_file_from(s->path, put_state, s, 0666, MODE_UMASK, 0, err, errlen) < 0)
        ret = -1;
    for (size_t i = 0; i < s->count; i++)
        free_record(&s->records[i]);
    free(s->records);
    free(s->path);
    free(s->output_dir);
    free(s);
    return ret;
}
