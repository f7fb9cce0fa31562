/*
 * test_state: what --incremental remembers, on real files in a temporary
 * directory: a recorded output is up to date until its input, its options
 * or the output itself change; records survive a run killed mid-append,
 * and a damaged state file only makes files be redone.  Each output of a
 * responsive set is its own record, hashed by its variant, with its size
 * in a "size" line that sizes only the record just before it.
 */
#include "check.h"

#include "base/xalloc.h"
#include "cli.h"
#include "outpath.h"
#include "state.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The state these options mean, as run.c opens it. */
static struct run_state *open_for(const struct options *o, int record, char *err, size_t len)
{
    struct kept_files kept;
    CHECK(kept_files_locate(&kept, o->output, o->state_dir, o->shard_index, o->shard_count, err,
                            len) == 0);
    uint64_t options[VARIANTS_MAX], failures[VARIANTS_MAX];
    struct state_request req = cli_state_request(o, &kept, options, failures);
    struct run_state *s = state_open(&req, record, err, len);
    kept_files_release(&kept);
    return s;
}

/* open_for with the file's bounds (0: imgbatch's own). */
static struct run_state *open_bounded(const struct options *o, int record, size_t max_bytes,
                                      size_t max_records, char *err, size_t len)
{
    struct kept_files kept;
    CHECK(kept_files_locate(&kept, o->output, o->state_dir, o->shard_index, o->shard_count, err,
                            len) == 0);
    uint64_t options[VARIANTS_MAX], failures[VARIANTS_MAX];
    struct state_request req = cli_state_request(o, &kept, options, failures);
    req.max_bytes = max_bytes;
    req.max_records = max_records;
    struct run_state *s = state_open(&req, record, err, len);
    kept_files_release(&kept);
    return s;
}

static char *path_of(const struct options *o)
{
    char err[256];
    struct kept_files kept;
    CHECK(kept_files_locate(&kept, o->output, o->state_dir, o->shard_index, o->shard_count, err,
                            sizeof(err)) == 0);
    uint64_t options[VARIANTS_MAX], failures[VARIANTS_MAX];
    struct state_request req = cli_state_request(o, &kept, options, failures);
    char *path = state_path_for(&req);
    kept_files_release(&kept);
    return path;
}

static char dir[] = "/tmp/imgbatch-test-state-XXXXXX";

static struct options opts_for(const char *size_w)
{
    struct options o;

    memset(&o, 0, sizeof(o));
    o.op = OP_RESIZE;
    o.size.width = atoi(size_w);
    o.size.height = 100;
    o.quality = 85;
    o.suffix = "";
    o.fail_on = FAIL_ON_ERROR;
    o.output = dir;
    o.incremental = 1;
    o.sizes[0] = o.size;
    o.nsizes = 1;
    o.nformats = 1;
    cli_update_variants(&o);
    return o;
}

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(content, f);
    fclose(f);
}

/* A scan entry and its outputs as scan_output_at makes them. */
struct test_entry {
    struct scan_entry e;
    struct scan_output outputs[2];
};

/* The entry for dir/NAME.in -> dir/NAME.out, as the scan would fill it. */
static void entry_for(struct test_entry *t, const char *name)
{
    struct scan_entry *e = &t->e;
    struct stat st;
    char *input = xasprintf("%s/%s.in", dir, name);

    memset(t, 0, sizeof(*t));
    e->rel = xasprintf("%s.in", name);
    e->noutputs = 1;
    e->out.one = xasprintf("%s.out", name);
    t->outputs[0] = (struct scan_output){e->out.one, xasprintf("%s/%s.out", dir, name), 0};
    CHECK(stat(input, &st) == 0);
    free(input);
    e->size = st.st_size;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->mtime = st.st_mtim;
    e->ctime = st.st_ctim;
}

static void entry_free(struct test_entry *t)
{
    free((char *)t->e.rel);
    free((char *)t->outputs[0].rel);
    free((char *)t->outputs[0].path);
}

static void record(struct run_state *s, const struct test_entry *t)
{
    struct stat out;
    CHECK(stat(t->outputs[0].path, &out) == 0);
    state_record(s, &t->e, &t->outputs[0], &out, 0, 0);
}

static int up_to_date(const struct options *o, const char *name)
{
    char err[256];
    struct test_entry e;
    struct run_state *s = open_for(o, 0, err, sizeof(err));
    int r;

    CHECK(s != NULL);
    entry_for(&e, name);
    r = state_is_up_to_date(s, &e.e, e.outputs);
    entry_free(&e);
    state_close(s, NULL, 0);
    return r;
}

static char *path_in(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static void make_pair(const char *name)
{
    char *in = xasprintf("%s/%s.in", dir, name), *out = xasprintf("%s/%s.out", dir, name);
    write_file(in, "input bytes");
    write_file(out, "output bytes");
    free(in);
    free(out);
}

static void run_recording(const struct options *o, const char *const *names, size_t n)
{
    char err[256];
    struct run_state *s = open_for(o, 1, err, sizeof(err));

    CHECK(s != NULL);
    for (size_t i = 0; i < n; i++) {
        struct test_entry e;
        entry_for(&e, names[i]);
        record(s, &e);
        entry_free(&e);
    }
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);
}

static void test_round_trip_and_changes(void)
{
    static const char *const names[] = {"a", "b", "c", "d", "name with\nnewline"};
    struct options o = opts_for("200"), other = opts_for("300");

    for (size_t i = 0; i < 5; i++)
        make_pair(names[i]);
    CHECK_EQ_INT(up_to_date(&o, "a"), 0); /* nothing recorded yet */
    run_recording(&o, names, 5);
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_INT(up_to_date(&o, names[i]), 1);
    CHECK_EQ_INT(up_to_date(&other, "a"), 0); /* other options */

    /* The input touched: mtime and ctime move. */
    char *a_in = path_in("a.in");
    struct timespec later[2] = {{time(NULL) + 100, 0}, {time(NULL) + 100, 0}};
    CHECK(utimensat(AT_FDCWD, a_in, later, 0) == 0);
    CHECK_EQ_INT(up_to_date(&o, "a"), 0);
    free(a_in);

    /* The output edited by someone else. */
    char *b_out = path_in("b.out");
    write_file(b_out, "edited, longer output");
    CHECK_EQ_INT(up_to_date(&o, "b"), 0);
    free(b_out);

    /* The output deleted. */
    char *c_out = path_in("c.out");
    CHECK(unlink(c_out) == 0);
    CHECK_EQ_INT(up_to_date(&o, "c"), 0);
    free(c_out);

    CHECK_EQ_INT(up_to_date(&o, "d"), 1);
    CHECK_EQ_INT(up_to_date(&o, "name with\nnewline"), 1);

    /* Another options run records d anew: only the latest options count. */
    static const char *const d_only[] = {"d"};
    run_recording(&other, d_only, 1);
    CHECK_EQ_INT(up_to_date(&other, "d"), 1);
    CHECK_EQ_INT(up_to_date(&o, "d"), 0);
}

static void test_torn_and_garbage(void)
{
    static const char *const e_only[] = {"e"};
    struct options o = opts_for("200");
    char *state = path_of(&o);
    char err[256];

    make_pair("e");
    run_recording(&o, e_only, 1);
    CHECK_EQ_INT(up_to_date(&o, "e"), 1);

    /* A killed run's torn last line is ignored, and the next record is not lost to it. */
    int fd = open(state, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK(write(fd, "6162 6364 0123", 14) == 14);
    close(fd);
    CHECK_EQ_INT(up_to_date(&o, "e"), 1);
    make_pair("f");
    struct run_state *s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    struct test_entry f;
    entry_for(&f, "f");
    record(s, &f);
    entry_free(&f);
    /* Killed before the compaction: only the appended record is there. */
    struct run_state *peek = open_for(&o, 0, err, sizeof(err));
    CHECK(peek != NULL);
    entry_for(&f, "f");
    CHECK_EQ_INT(state_is_up_to_date(peek, &f.e, f.outputs), 1);
    entry_free(&f);
    state_close(peek, NULL, 0);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    /* Garbage of every kind reads as no records: files are redone, nothing crashes. */
    write_file(state, "imgbatch-state 1\nzz 00 xyz 1 2 3 4 5 6 7\n6162\n\n 1 2 3\n");
    CHECK_EQ_INT(up_to_date(&o, "e"), 0);
    write_file(state, "\x01\x02 binary garbage \xff\n");
    CHECK_EQ_INT(up_to_date(&o, "e"), 0);
    run_recording(&o, e_only, 1); /* a recording run starts the file over */
    CHECK_EQ_INT(up_to_date(&o, "e"), 1);
    free(state);
}

#define RECORD_A "612e706e67 612e6a7067 0123456789abcdef 1 1.0 2.0 3 4 5.0 6\n"
#define RECORD_B "622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 4 5.0 6\n"
/* b.png failed ("bad"), before and after b.png's record above; an INPUT's line. */
#define FAILED_B "failed 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 626164\n"
#define INPUT_X "input 2f78\n"

/* The parser alone, on a buffer: what it keeps, and what it never trusts. */
static void test_parse_buffer(void)
{
    static const char two[] = "imgbatch-state 1\n" RECORD_A RECORD_B RECORD_A;
    static const char torn[] = "imgbatch-state 1\n" RECORD_A "622e706e67 622e";
    static const char with_nul[] = "imgbatch-state 1\n612e706e67 612e6a7067 0123456789abcdef "
                                   "1 1.0 2.0 3 4 5.0 6\0junk\n";
    struct run_state *s;

    s = state_parse(two, strlen(two), 0);
    CHECK_EQ_INT(state_count(s), 2); /* a later record of one output replaces the earlier */
    state_close(s, NULL, 0);
    s = state_parse(torn, strlen(torn), 0);
    CHECK_EQ_INT(state_count(s), 1);
    state_close(s, NULL, 0);
    /* A NUL inside a line would hide the rest of it from the field checks. */
    s = state_parse(with_nul, sizeof(with_nul) - 1, 0);
    CHECK_EQ_INT(state_count(s), 0);
    state_close(s, NULL, 0);
    s = state_parse("imgbatch-state 1", 16, 0); /* the header without its newline */
    CHECK_EQ_INT(state_count(s), 0);
    state_close(s, NULL, 0);
    s = state_parse("", 0, 0);
    CHECK_EQ_INT(state_count(s), 0);
    state_close(s, NULL, 0);

    /* A failure and its output's success are two records; a later success drops it. */
    static const char failed_after[] = "imgbatch-state 1\n" INPUT_X RECORD_A RECORD_B FAILED_B;
    static const char failed_before[] = "imgbatch-state 1\n" RECORD_A FAILED_B RECORD_B;
    s = state_parse(failed_after, strlen(failed_after), 0);
    CHECK_EQ_INT(state_count(s), 3);
    state_close(s, NULL, 0);
    s = state_parse(failed_before, strlen(failed_before), 0);
    CHECK_EQ_INT(state_count(s), 2);
    state_close(s, NULL, 0);

    /* Damaged new lines are ignored like damaged old ones. */
    static const char damaged[] =
        "imgbatch-state 1\n"
        "input\n"
        "input 2f7 extra\n"
        "input zz\n"
        "failed 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3\n"         /* no reason */
        "failed 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 62 x\n"    /* one too many */
        "failed 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 6\n"       /* odd hex */
        "failed 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 0000\n"    /* a NUL */
        "FAILED 622e706e67 622e6a7067 0123456789abcdef 1 1.0 2.0 3 626164\n"; /* not the word */
    s = state_parse(damaged, strlen(damaged), 0);
    CHECK_EQ_INT(state_count(s), 0);
    state_close(s, NULL, 0);

    /*
     * Records and INPUT paths are read up to a bound, counted before
     * compaction (a planted file can repeat one line): beyond it, no state.
     */
    s = state_parse(two, strlen(two), 3);
    CHECK_EQ_INT(state_count(s), 2);
    state_close(s, NULL, 0);
    CHECK(state_parse(two, strlen(two), 2) == NULL);
    CHECK(state_parse(failed_after, strlen(failed_after), 3) == NULL); /* its INPUT counts */
    s = state_parse(failed_after, strlen(failed_after), 4);
    CHECK_EQ_INT(state_count(s), 3);
    state_close(s, NULL, 0);
}

/* A file that failed through its own fault is remembered while it and the options stand. */
static void test_failures(void)
{
    static const char *const names[] = {"g", "h"};
    struct options o = opts_for("200");
    char err[256];
    struct test_entry g, h;

    make_pair("g");
    make_pair("h");
    struct run_state *s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    entry_for(&g, "g");
    entry_for(&h, "h");
    state_record_failure(s, &g.e, g.outputs, "not a JPEG file");
    state_record_failure(s, &h.e, h.outputs, "worker 1 died: SIGSEGV");
    /* The failure of this run is in memory only until the state is saved. */
    struct run_state *peek = open_for(&o, 0, err, sizeof(err));
    CHECK(peek != NULL);
    CHECK(state_failed_before(peek, &g.e, g.outputs) == NULL);
    state_close(peek, NULL, 0);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    s = open_for(&o, 0, err, sizeof(err));
    CHECK(s != NULL);
    CHECK_EQ_STR(state_failed_before(s, &g.e, g.outputs), "not a JPEG file");
    CHECK_EQ_STR(state_failed_before(s, &h.e, h.outputs), "worker 1 died: SIGSEGV");
    CHECK_EQ_INT(state_is_up_to_date(s, &g.e, g.outputs), 0); /* a failure is not an output */
    state_close(s, NULL, 0);

    /* Another limit may let it pass: the failure hash covers it, the output hash not. */
    struct options bigger = o;
    bigger.max_megapixels = 500;
    s = open_for(&bigger, 0, err, sizeof(err));
    CHECK(s && state_failed_before(s, &g.e, g.outputs) == NULL);
    state_close(s, NULL, 0);
    struct kept_files kept = {0};
    uint64_t a_opt[VARIANTS_MAX], a_fail[VARIANTS_MAX], b_opt[VARIANTS_MAX], b_fail[VARIANTS_MAX];
    struct state_request a = cli_state_request(&o, &kept, a_opt, a_fail),
                         b = cli_state_request(&bigger, &kept, b_opt, b_fail);
    CHECK(a.options[0] == b.options[0] && a.failure_options[0] != b.failure_options[0]);

    /* The input touched: tried again. */
    char *g_in = path_in("g.in");
    struct timespec later[2] = {{time(NULL) + 200, 0}, {time(NULL) + 200, 0}};
    CHECK(utimensat(AT_FDCWD, g_in, later, 0) == 0);
    free(g_in);
    entry_free(&g);
    entry_for(&g, "g");
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(s && state_failed_before(s, &g.e, g.outputs) == NULL);
    CHECK(s && state_failed_before(s, &h.e, h.outputs) != NULL);
    state_close(s, NULL, 0);

    /* h succeeds now: its failure is gone, its output up to date. */
    run_recording(&o, names + 1, 1);
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(s && state_failed_before(s, &h.e, h.outputs) == NULL);
    CHECK(s && state_is_up_to_date(s, &h.e, h.outputs) == 1);
    state_close(s, NULL, 0);

    /* A run whose workers kept dying records no failure. */
    s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    state_record_failure(s, &g.e, g.outputs, "worker 2 died: SIGSEGV");
    state_drop_new_failures(s);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(s && state_failed_before(s, &g.e, g.outputs) == NULL);
    state_close(s, NULL, 0);
    entry_free(&g);
    entry_free(&h);
}

/* What --prune is shown: the records of this INPUT only. */
struct seen {
    int count;
    int failed;
    char names[8][32];
};

static int collect(void *ctx, const struct state_output *out)
{
    struct seen *seen = ctx;

    if (seen->count < 8)
        snprintf(seen->names[seen->count], sizeof(seen->names[0]), "%s", out->out_rel);
    seen->count++;
    seen->failed += out->failed;
    return !strcmp(out->out_rel, "k.out"); /* forgets k */
}

static void test_inputs(void)
{
    static const char *const jk[] = {"j", "k"};
    struct options o = opts_for("200"), other = opts_for("200");
    char *inputs[2] = {xasprintf("%s/input-1", dir), xasprintf("%s/input-2", dir)};
    char err[256];
    struct seen seen;
    struct test_entry j;

    CHECK(mkdir(inputs[0], 0755) == 0 && mkdir(inputs[1], 0755) == 0);
    make_pair("j");
    make_pair("k");
    make_pair("l");
    /* Records from before INPUTs were recorded: none is this INPUT's until seen again. */
    o.input = NULL;
    run_recording(&o, jk, 2);
    o.input = inputs[0];
    struct run_state *s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    memset(&seen, 0, sizeof(seen));
    state_each_of_input(s, collect, &seen);
    CHECK_EQ_INT(seen.count, 0);
    entry_for(&j, "j");
    CHECK_EQ_INT(state_is_up_to_date(s, &j.e, j.outputs), 1); /* now it is input-1's */
    entry_free(&j);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    /* Another INPUT's record (l, of input-2) is not shown to input-1. */
    static const char *const l_only[] = {"l"};
    other.input = inputs[1];
    run_recording(&other, l_only, 1);
    s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    memset(&seen, 0, sizeof(seen));
    state_each_of_input(s, collect, &seen);
    CHECK_EQ_INT(seen.count, 1);
    CHECK_EQ_STR(seen.names[0], "j.out");
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    /* k adopted, then forgotten: the saved state has j (input-1) and l (input-2). */
    entry_for(&j, "k");
    s = open_for(&o, 1, err, sizeof(err));
    CHECK(s && state_is_up_to_date(s, &j.e, j.outputs) == 1);
    memset(&seen, 0, sizeof(seen));
    state_each_of_input(s, collect, &seen);
    CHECK_EQ_INT(seen.count, 2);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(s && state_is_up_to_date(s, &j.e, j.outputs) == 0);
    state_close(s, NULL, 0);
    entry_free(&j);
    s = open_for(&other, 0, err, sizeof(err));
    memset(&seen, 0, sizeof(seen));
    state_each_of_input(s, collect, &seen);
    CHECK_EQ_INT(seen.count, 1);
    CHECK_EQ_STR(seen.names[0], "l.out");
    state_close(s, NULL, 0);
    free(inputs[0]);
    free(inputs[1]);
}

/* 1 if opening the state (recording or not) fails with a message containing what. */
static int refused(struct options *o, int record, const char *what)
{
    char err[512] = "";
    struct run_state *s = open_for(o, record, err, sizeof(err));

    if (s) {
        state_close(s, NULL, 0);
        return 0;
    }
    if (!strstr(err, what))
        fprintf(stderr, "unexpected message: %s\n", err);
    return strstr(err, what) != NULL;
}

/* Only a regular file with one link, and not too big, is read or appended to. */
static void test_refused_files(void)
{
    struct options o = opts_for("300");
    char *state = path_of(&o);
    char *victim = xasprintf("%s/victim", dir);

    write_file(victim, "not imgbatch's\n");
    unlink(state);
    CHECK(symlink(victim, state) == 0);
    CHECK(refused(&o, 0, "is a symbolic link"));
    CHECK(refused(&o, 1, "is a symbolic link"));
    CHECK(unlink(state) == 0);

    CHECK(mkfifo(state, 0600) == 0);
    CHECK(refused(&o, 0, "is a FIFO"));
    CHECK(refused(&o, 1, "is a FIFO"));
    CHECK(unlink(state) == 0);

    CHECK(link(victim, state) == 0);
    CHECK(refused(&o, 1, "has 2 hard links"));
    CHECK(unlink(state) == 0);

    /* Sparse: the bound is checked before a byte is read. */
    int fd = open(state, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, ((off_t)2 << 30) + 1) == 0);
    close(fd);
    CHECK(refused(&o, 0, "remove it"));
    CHECK(unlink(state) == 0);

    /*
     * Within the bound but one line of 2 MiB (a sparse file's zeros): refused
     * once a line outgrows anything imgbatch writes, not held whole.
     */
    fd = open(state, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    static const char header[] = "imgbatch-state 1\n";
    CHECK(write(fd, header, sizeof(header) - 1) == (ssize_t)sizeof(header) - 1);
    CHECK(ftruncate(fd, (off_t)2 << 20) == 0);
    close(fd);
    CHECK(refused(&o, 0, "a line longer than imgbatch ever writes"));
    CHECK(unlink(state) == 0);

    /* The victim is as it was. */
    char buf[64] = "";
    FILE *f = fopen(victim, "r");
    CHECK(f != NULL);
    CHECK(fgets(buf, sizeof(buf), f) != NULL);
    fclose(f);
    CHECK_EQ_STR(buf, "not imgbatch's\n");
    unlink(victim);
    free(victim);
    free(state);
}

static void test_shard_files_apart(void)
{
    struct options o = opts_for("200");
    char *plain = path_of(&o);

    o.shard_index = 2;
    o.shard_count = 4;
    char *sharded = path_of(&o);
    CHECK(strstr(plain, "/.imgbatch-state") != NULL);
    CHECK(strstr(sharded, "/.imgbatch-state.2-of-4") != NULL);
    free(plain);
    free(sharded);
}

/*
 * --state-dir: the files are named after OUTPUT's real path, so OUTPUTs that
 * share the directory never share a file, and one OUTPUT however spelled
 * always finds its own.
 */
static void test_state_dir_names(void)
{
    char err[256];
    struct kept_files a, b, c, d, e;
    char *out_a = xasprintf("%s/out a\n\xff", dir), *out_b = xasprintf("%s/sub/out a", dir);
    char *spelled = xasprintf("%s/./sub/../out a\n\xff/", dir);
    char *sub = xasprintf("%s/sub", dir), *states = xasprintf("%s/states", dir);

    CHECK(mkdir(out_a, 0755) == 0 && mkdir(sub, 0755) == 0 && mkdir(out_b, 0755) == 0);
    CHECK_EQ_INT(kept_files_locate(&a, out_a, states, 0, 0, err, sizeof(err)), 0);
    CHECK_EQ_INT(kept_files_locate(&b, out_b, states, 0, 0, err, sizeof(err)), 0);
    CHECK_EQ_INT(kept_files_locate(&c, spelled, states, 3, 8, err, sizeof(err)), 0);
    CHECK_EQ_STR(a.dir, states);
    /* The last component, tamed, and the hash of the whole real path. */
    CHECK(!strncmp(a.lock_name, "out_a__-", 8) && strlen(a.lock_name) == 8 + 16 + 5);
    CHECK(!strcmp(a.lock_name + 24, ".lock"));
    CHECK(strcmp(a.lock_name, b.lock_name) != 0); /* same base name, other OUTPUT */
    CHECK_EQ_STR(a.lock_name, c.lock_name);       /* same OUTPUT, one lock for every split */
    CHECK(strncmp(c.state_name, a.state_name, strlen(a.state_name)) == 0);
    CHECK(!strcmp(c.state_name + strlen(a.state_name), ".3-of-8"));
    CHECK_EQ_STR(a.state_prefix, c.state_prefix);
    /* Without --state-dir: in OUTPUT, as always. */
    CHECK_EQ_INT(kept_files_locate(&d, out_a, NULL, 0, 0, err, sizeof(err)), 0);
    CHECK_EQ_STR(d.dir, out_a);
    CHECK_EQ_STR(d.lock_name, ".imgbatch.lock");
    CHECK_EQ_STR(d.state_name, ".imgbatch-state");
    /* An OUTPUT that does not resolve cannot be named in DIR. */
    char *missing = xasprintf("%s/missing", dir);
    CHECK_EQ_INT(kept_files_locate(&e, missing, states, 0, 0, err, sizeof(err)), -1);
    CHECK(strstr(err, missing) != NULL);
    /* A stem never hides (no leading dot) and is never empty. */
    char *stem = kept_files_stem("/srv/.hidden");
    CHECK(stem[0] == '_');
    free(stem);
    stem = kept_files_stem("/");
    CHECK(!strncmp(stem, "root-", 5));
    free(stem);
    kept_files_release(&a);
    kept_files_release(&b);
    kept_files_release(&c);
    kept_files_release(&d);
    free(missing);
    free(out_a);
    free(out_b);
    free(spelled);
    free(sub);
    free(states);
}

/* What state_print writes of s, as a string (malloc'd). */
static char *printed(const struct run_state *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    state_print(mem, s);
    fclose(mem);
    return text;
}

/* A "size" line sizes the record just before it, and nothing else; older readers skip it. */
static void test_size_lines(void)
{
    static const char sized[] =
        "imgbatch-state 1\n" RECORD_A "size 612e706e67 640 480\n" RECORD_B "size 612e706e67 1 1\n";
    static const char stray[] = "imgbatch-state 1\nsize 612e706e67 640 480\n" RECORD_A
                                "size 612e706e67 0 480\nsize 612e706e67 640\n"
                                "size 612e706e67 640 480 9\nsize zz 640 480\n";
    struct run_state *s = state_parse(sized, strlen(sized), 0);
    char *text = printed(s);

    CHECK_EQ_INT(state_count(s), 2); /* size lines are no records */
    /* a.png's size travels with its record; b.png's line named a.png, and sizes nothing. */
    const char *size = strstr(text, "\nsize ");
    CHECK(size && !strncmp(size, "\nsize 612e706e67 640 480\n", 25) &&
          !strstr(size + 1, "\nsize "));
    /* Printed right after a.png's own record. */
    const char *a = strstr(text, "\n612e706e67 ");
    CHECK(a && strchr(a + 1, '\n') == size);
    free(text);
    state_close(s, NULL, 0);
    s = state_parse(stray, strlen(stray), 0);
    text = printed(s);
    CHECK_EQ_INT(state_count(s), 1);
    CHECK(strstr(text, "size") == NULL); /* before its record, zero, short, long, not hex */
    free(text);
    state_close(s, NULL, 0);
}

/* The outputs of a set: a record each, by variant, with the size they were made at. */
static void test_outputs_of_a_set(void)
{
    char err[256];
    struct options o = opts_for("200");
    struct test_entry e;
    struct stat out;
    unsigned w, h;
    long long bytes;

    o.sizes[1] = o.sizes[0];
    o.sizes[1].width = 100;
    o.nsizes = 2;
    cli_update_variants(&o);
    make_pair("set");
    entry_for(&e, "set");
    /* The second output: variant 1, another name; the entry's first is variant 0. */
    e.e.noutputs = 2; /* what state looks at is in the outputs themselves */
    e.outputs[1].rel = xstrdup("set-100.out");
    e.outputs[1].path = xasprintf("%s/set-100.out", dir);
    e.outputs[1].variant = 1;
    char *second = path_in("set-100.out");
    write_file(second, "small output");
    struct run_state *s = open_for(&o, 1, err, sizeof(err));
    CHECK(s != NULL);
    CHECK(stat(e.outputs[0].path, &out) == 0);
    state_record(s, &e.e, &e.outputs[0], &out, 200, 150);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    s = open_for(&o, 1, err, sizeof(err));
    CHECK(state_is_up_to_date(s, &e.e, &e.outputs[0]) &&
          !state_is_up_to_date(s, &e.e, &e.outputs[1]));
    CHECK(state_output_size(s, &e.outputs[0], &w, &h, &bytes) == 0 && w == 200 && h == 150);
    CHECK_EQ_INT(bytes, out.st_size);
    CHECK_EQ_INT(state_output_size(s, &e.outputs[1], &w, &h, &bytes), -1);
    CHECK(stat(second, &out) == 0);
    state_record(s, &e.e, &e.outputs[1], &out, 100, 75);
    CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);

    /* Another size list: the outputs of the sizes kept stay up to date. */
    o.sizes[1].width = 50;
    cli_update_variants(&o);
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(state_is_up_to_date(s, &e.e, &e.outputs[0]) &&
          !state_is_up_to_date(s, &e.e, &e.outputs[1]));
    state_close(s, NULL, 0);
    /* A variant this run has not (a record of another list) is never up to date. */
    e.outputs[1].variant = 7;
    s = open_for(&o, 0, err, sizeof(err));
    CHECK(!state_is_up_to_date(s, &e.e, &e.outputs[1]));
    state_close(s, NULL, 0);
    free((char *)e.outputs[1].rel);
    free((char *)e.outputs[1].path);
    entry_free(&e);
    free(second);
}

/* name in the file's lowercase hex. */
static void put_hex_name(FILE *f, const char *name)
{
    for (const char *c = name; *c; c++)
        fprintf(f, "%02x", (unsigned char)*c);
}

/*
 * The state file is read a block at a time: what it keeps is what reading
 * it whole keeps, with records across the blocks' edges, a line longer
 * than a block (a long error), a record whose output is its input's name,
 * and a torn end.
 */
static void test_read_in_blocks(void)
{
    char err[256];
    struct options o = opts_for("200");
    char *path = path_of(&o);
    FILE *f = fopen(path, "w");
    char name[32];

    CHECK(f != NULL);
    fputs("imgbatch-state 1\n", f);
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "2019/07/IMG_%05d.jpg", i);
        put_hex_name(f, name);
        putc(' ', f);
        if (i % 2)
            snprintf(name, sizeof(name), "2019/07/in_%05d.png", i);
        put_hex_name(f, name);
        fprintf(f, " 00000000000000aa %d 1.000000001 2.000000002 %d %d 3.000000003 %d\n", i, i,
                10 * i, i);
    }
    fputs("failed ", f);
    put_hex_name(f, "long.jpg");
    putc(' ', f);
    put_hex_name(f, "long.jpg");
    fputs(" 00000000000000bb 1 1.000000000 1.000000000 7 ", f);
    for (int i = 0; i < 100000; i++)
        fputs("78", f); /* "x" */
    fputs("\n", f);
    fputs("6162 torn", f);
    CHECK(fclose(f) == 0);

    FILE *in = fopen(path, "r");
    char *data = xcalloc(8 << 20, 1);
    size_t len = in ? fread(data, 1, 8 << 20, in) : 0;
    if (in)
        fclose(in);
    struct run_state *whole = state_parse(data, len, 0);
    struct run_state *blocks = open_for(&o, 0, err, sizeof(err));
    CHECK(blocks != NULL);
    CHECK_EQ_INT(state_count(whole), 3001);
    if (blocks) {
        CHECK_EQ_INT(state_count(blocks), 3001);
        char *a = printed(whole), *b = printed(blocks);
        CHECK(!strcmp(a, b));
        CHECK(strstr(b, "7878787878") != NULL);
        free(a);
        free(b);
    }
    state_close(blocks, NULL, 0);
    state_close(whole, NULL, 0);
    free(data);
    unlink(path);
    free(path);
}

/*
 * A run keeps no record that would take the file past the bounds it is
 * read with, so the next run reads it back: a record not kept is a redo.
 */
static void test_writer_keeps_to_bounds(void)
{
    static const struct {
        size_t bytes, records;
    } bounds[] = {{4000, 0}, {0, 8}};
    struct options o = opts_for("200");
    char err[256];
    char *state = path_of(&o);

    for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
        struct test_entry t[8];
        unlink(state);
        struct run_state *s = open_bounded(&o, 1, bounds[b].bytes, bounds[b].records, err,
                                           sizeof(err));
        CHECK(s != NULL);
        for (int i = 0; i < 8; i++) {
            /* Names of 100 bytes: a record takes about a kilobyte of the file, at most. */
            char name[128];
            snprintf(name, sizeof(name), "%098d%02d", 0, i);
            make_pair(name);
            entry_for(&t[i], name);
            record(s, &t[i]);
        }
        CHECK_EQ_INT(state_close(s, err, sizeof(err)), 0);
        s = open_bounded(&o, 0, bounds[b].bytes, bounds[b].records, err, sizeof(err));
        CHECK(s != NULL);
        if (!s) {
            fprintf(stderr, "bounds %zu: %s\n", b, err);
            continue;
        }
        CHECK(state_count(s) >= 1 && state_count(s) < 8);
        CHECK_EQ_INT(state_is_up_to_date(s, &t[0].e, t[0].outputs), 1);
        CHECK_EQ_INT(state_is_up_to_date(s, &t[7].e, t[7].outputs), 0); /* not kept: redone */
        state_close(s, NULL, 0);
        for (int i = 0; i < 8; i++)
            entry_free(&t[i]);
    }
    unlink(state);
    free(state);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip_and_changes();
    test_torn_and_garbage();
    test_shard_files_apart();
    test_state_dir_names();
    test_parse_buffer();
    test_failures();
    test_inputs();
    test_refused_files();
    test_size_lines();
    test_outputs_of_a_set();
    test_read_in_blocks();
    test_writer_keeps_to_bounds();
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
    return check_summary();
}
