/*
 * test_scan: which files a run picks up, and which it refuses before any work.
 *
 * On a real temporary tree: images found by extension (any case), other
 * files counted as skipped, hidden files ignored, -r mirroring
 * subdirectories, OUTPUT inside INPUT never scanned, symlinked directories
 * not followed; then the checks that protect the user's files: two inputs
 * with one output, and an output that would overwrite an input, are errors
 * for those files.  Options come from cli_parse, as in a real run.
 */
#include "check.h"

#include "base/xalloc.h"
#include "cli.h"
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* root + "/" + formatted rest; malloc'd. */
static char *pathf(const char *fmt, ...)
{
    char rest[512];
    char *p;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rest, sizeof(rest), fmt, ap);
    va_end(ap);
    if (asprintf(&p, "%s/%s", root, rest) < 0)
        abort();
    return p;
}

static void make_dir(const char *rel)
{
    char *p = pathf("%s", rel);
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
        perror(p);
        exit(2);
    }
    free(p);
}

static void make_file(const char *rel, size_t size)
{
    char *p = pathf("%s", rel);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(2);
    }
    for (size_t i = 0; i < size; i++)
        putc('x', f);
    fclose(f);
    free(p);
}

static void make_link(const char *target, const char *rel)
{
    char *p = pathf("%s", rel);
    if (symlink(target, p) < 0) {
        perror(p);
        exit(2);
    }
    free(p);
}

static void remove_tree(void)
{
    char *cmd;
    if (asprintf(&cmd, "rm -rf '%s'", root) < 0)
        abort();
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    free(cmd);
}

/* scan_inputs() asked what these options ask. */
static int scan_options(const struct options *o, struct scan_result *r, char *err, size_t errlen)
{
    struct scan_request req = cli_scan_request(o);
    return scan_inputs(&req, r, err, errlen);
}

/* Parses "imgbatch resize INPUT OUTPUT extra..." (extra NULL-terminated). */
static void options_for(struct options *o, const char *input, const char *output, ...)
{
    static char *argv[32];
    char err[256];
    int argc = 0;
    va_list ap;

    argv[argc++] = "imgbatch";
    argv[argc++] = "resize";
    argv[argc++] = (char *)input;
    argv[argc++] = (char *)output;
    va_start(ap, output);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 31;)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    if (cli_parse(argc, argv, o, err, sizeof(err)) < 0) {
        fprintf(stderr, "cli_parse: %s\n", err);
        exit(2);
    }
}

/* The entry whose input is root/rel, or NULL. */
static const struct scan_entry *find(struct scan_result *r, const char *rel)
{
    char *want = pathf("%s", rel);
    const struct scan_entry *found = NULL;

    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(scan_input_shown(r, &r->entries[i]), want))
            found = &r->entries[i];
    free(want);
    return found;
}

/* Whether e's first output, as r shows it, is root/rel. */
static int output_is(struct scan_result *r, const struct scan_entry *e, const char *rel)
{
    char *want = pathf("%s", rel);
    const char *output = e && e->noutputs ? scan_output_at(r, e, 0).path : "(none)";
    int same = e && e->noutputs && !strcmp(output, want);
    if (e && !same)
        fprintf(stderr, "output %s, want %s\n", output, want);
    free(want);
    return same;
}

static void close_if_open(int fd)
{
    if (fd >= 0)
        close(fd);
}

static size_t errors_in(const struct scan_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->entries[i].error != NULL;
    return n;
}

static void build_tree(void)
{
    make_dir("in");
    make_dir("out");
    make_file("in/a.jpg", 10);
    make_file("in/B.PNG", 20);
    make_file("in/c.gif", 30);
    make_file("in/notes.txt", 40);
    make_file("in/.hidden.jpg", 50);
    make_dir("in/sub");
    make_file("in/sub/d.jpg", 60);
    make_file("in/sub/.e.png", 70);
    make_file("in/sub/readme", 5);
}

static void test_flat(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";
    char *in = pathf("in"), *out = pathf("out");

    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK_EQ_INT(r.skipped_count, 1); /* notes.txt; hidden files and directories are not counted */
    CHECK(r.skipped_count == 1 && strstr(r.skipped[0].input, "notes.txt") != NULL);
    CHECK(output_is(&r, find(&r, "in/a.jpg"), "out/a.jpg"));
    CHECK(output_is(&r, find(&r, "in/B.PNG"), "out/B.PNG"));
    CHECK(output_is(&r, find(&r, "in/c.gif"), "out/c.gif"));
    CHECK(find(&r, "in/.hidden.jpg") == NULL);
    CHECK(find(&r, "in/sub/d.jpg") == NULL);
    CHECK(find(&r, "in/notes.txt") == NULL);
    const struct scan_entry *c = find(&r, "in/c.gif");
    CHECK(c && c->size == 30);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);
    CHECK_EQ_INT(r.count, 0);
    CHECK(r.entries == NULL);

    /* A trailing slash on INPUT and OUTPUT does not show as "//". */
    char *in_slash, *out_slash;
    if (asprintf(&in_slash, "%s/", in) < 0 || asprintf(&out_slash, "%s//", out) < 0)
        abort();
    options_for(&o, in_slash, out_slash, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK(output_is(&r, find(&r, "in/a.jpg"), "out/a.jpg"));
    scan_release(&r);
    free(in_slash);
    free(out_slash);

    /* --format and --suffix shape the output names. */
    options_for(&o, in, out, "-f", "webp", "--suffix", "_small", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK(output_is(&r, find(&r, "in/a.jpg"), "out/a_small.webp"));
    CHECK(output_is(&r, find(&r, "in/B.PNG"), "out/B_small.webp"));
    scan_release(&r);
    free(in);
    free(out);
}

static void test_recursive(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";
    char *in = pathf("in"), *out = pathf("out");

    options_for(&o, in, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 4);
    CHECK_EQ_INT(r.skipped_count, 2); /* notes.txt and sub/readme */
    CHECK(output_is(&r, find(&r, "in/sub/d.jpg"), "out/sub/d.jpg"));
    CHECK(output_is(&r, find(&r, "in/a.jpg"), "out/a.jpg"));
    CHECK(find(&r, "in/sub/.e.png") == NULL);
    CHECK(find(&r, "in/.hidden.jpg") == NULL);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);
    free(in);
    free(out);
}

static void test_clash(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("clash");
    make_dir("clash_out");
    make_file("clash/a.png", 1);
    make_file("clash/a.bmp", 2); /* a BMP becomes a PNG */
    make_file("clash/b.jpg", 3);
    char *in = pathf("clash"), *out = pathf("clash_out");
    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    scan_check_outputs(&r, o.output);
    const struct scan_entry *png = find(&r, "clash/a.png");
    const struct scan_entry *bmp = find(&r, "clash/a.bmp");
    const struct scan_entry *jpg = find(&r, "clash/b.jpg");
    CHECK(png && png->error && strstr(png->error, "clash"));
    CHECK(bmp && bmp->error && strstr(bmp->error, "clash"));
    /* Each names the other file, so the user knows what to rename. */
    CHECK(png && png->error && strstr(png->error, "a.bmp"));
    CHECK(bmp && bmp->error && strstr(bmp->error, "a.png"));
    CHECK(jpg && jpg->error == NULL);
    scan_release(&r);

    /* Three inputs on one output: all three fail.  A GIF stays a GIF unless -f png. */
    make_file("clash/a.gif", 4);
    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 2);
    scan_release(&r);
    options_for(&o, in, out, "-f", "png", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 3);
    const struct scan_entry *gif = find(&r, "clash/a.gif");
    CHECK(gif && gif->error && strstr(gif->error, "clash"));
    scan_release(&r);

    /* With -f jpeg everything maps to .jpg: b.jpg is no clash, the a.* are. */
    options_for(&o, in, out, "-f", "jpeg", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 3);
    jpg = find(&r, "clash/b.jpg");
    CHECK(jpg && jpg->error == NULL);
    scan_release(&r);
    free(in);
    free(out);
}

static void test_overwrite(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("same");
    make_file("same/x.jpg", 1);
    make_file("same/y.png", 2);
    make_file("same/z.webp", 3);
    char *dir = pathf("same");

    /* OUTPUT is INPUT, formats kept: every output is its own input. */
    options_for(&o, dir, dir, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 3);
    for (size_t i = 0; i < r.count; i++)
        CHECK(r.entries[i].error && strstr(r.entries[i].error, "would overwrite an input"));
    scan_release(&r);

    /* The same directory spelt differently is still the same directory. */
    char *dir_dot = pathf("same/.");
    options_for(&o, dir, dir_dot, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 3);
    scan_release(&r);
    free(dir_dot);

    /* With a suffix the outputs are new files. */
    options_for(&o, dir, dir, "--suffix", "_p", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);

    /*
     * ...and a name such an output has, beside the inputs, is an output of an
     * earlier run: skipped, never an input (x_p.jpg would make x_p_p.jpg).
     */
    make_file("same/x_p.jpg", 4);
    options_for(&o, dir, dir, "--suffix", "_p", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK(find(&r, "same/x_p.jpg") == NULL);
    CHECK_EQ_INT(r.skipped_count, 1);
    CHECK(r.skipped_count == 1 && strstr(r.skipped[0].input, "same/x_p.jpg") &&
          strstr(r.skipped[0].reason, "output of this command"));
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);

    /* Elsewhere the same name is an input like any other. */
    char *elsewhere = pathf("elsewhere_out");
    options_for(&o, dir, elsewhere, "--suffix", "_p", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 4);
    CHECK(find(&r, "same/x_p.jpg") != NULL);
    scan_release(&r);
    free(elsewhere);

    /* An existing output that is not an input is simply replaced: no error. */
    make_dir("fresh_out");
    make_file("fresh_out/x.jpg", 9);
    char *fresh = pathf("fresh_out");
    options_for(&o, dir, fresh, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);
    free(fresh);

    /* A hard link to an input under OUTPUT is that input. */
    make_dir("linked_out");
    char *src = pathf("same/y.png"), *dst = pathf("linked_out/y.png");
    CHECK_EQ_INT(link(src, dst), 0);
    char *lo = pathf("linked_out");
    options_for(&o, dir, lo, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    const struct scan_entry *y = find(&r, "same/y.png");
    CHECK(y && y->error && strstr(y->error, "would overwrite an input"));
    CHECK_EQ_INT(errors_in(&r), 1);
    scan_release(&r);
    free(src);
    free(dst);
    free(lo);

    /*
     * Each output folder is opened once for its files: variant by variant
     * (each in its own folder here) and folder by folder with -r, an output
     * in the way is still found wherever it is, named with OUTPUT as given.
     */
    make_dir("sets_out");
    make_dir("sets_out/320");
    make_dir("sets_out/320/y.png");
    char *sets = pathf("sets_out");
    options_for(&o, dir, sets, "--size", "640x,320x", "--name", "{width}/{name}.{ext}", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 1);
    y = find(&r, "same/y.png");
    char *in_way = pathf("sets_out/320/y.png is a directory");
    CHECK(y && y->error && strstr(y->error, in_way));
    free(in_way);
    scan_release(&r);
    free(sets);
    make_dir("tree");
    make_dir("tree/a");
    make_dir("tree/b");
    make_file("tree/a/p.jpg", 1);
    make_file("tree/b/q.jpg", 1);
    make_file("tree/r.jpg", 1);
    make_dir("tree_out");
    make_dir("tree_out/b");
    make_dir("tree_out/b/q.jpg");
    char *tree = pathf("tree"), *tree_out = pathf("tree_out");
    options_for(&o, tree, tree_out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 1);
    const struct scan_entry *q = find(&r, "tree/b/q.jpg");
    CHECK(q && q->error && strstr(q->error, "is a directory"));
    scan_release(&r);
    free(tree);
    free(tree_out);
    free(dir);
}

static void test_largest_first(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("sizes");
    make_dir("sizes_out");
    make_file("sizes/small.jpg", 10);
    make_file("sizes/huge.png", 5000);
    make_file("sizes/mid.gif", 700);
    make_file("sizes/tie_b.jpg", 300);
    make_file("sizes/tie_a.jpg", 300);
    make_file("sizes/empty.jpg", 0);
    char *in = pathf("sizes"), *out = pathf("sizes_out");
    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 6);
    scan_sort_largest_first(&r);
    static const char *order[] = {"huge.png",  "mid.gif",   "tie_a.jpg",
                                  "tie_b.jpg", "small.jpg", "empty.jpg"};
    for (size_t i = 0; i < 6 && i < r.count; i++) {
        const char *base = strrchr(scan_input_shown(&r, &r.entries[i]), '/') + 1;
        CHECK_EQ_STR(base, order[i]);
    }
    for (size_t i = 0; i + 1 < r.count; i++)
        CHECK(r.entries[i].size >= r.entries[i + 1].size);
    CHECK(r.count == 6 && r.entries[0].size == 5000 && r.entries[5].size == 0);
    /* Sorting moves whole entries: each output still belongs to its input. */
    CHECK(output_is(&r, &r.entries[0], "sizes_out/huge.png"));
    CHECK(output_is(&r, &r.entries[1], "sizes_out/mid.gif"));
    scan_release(&r);
    free(in);
    free(out);
}

static void test_output_inside_input(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("nest");
    make_file("nest/p.jpg", 1);
    make_dir("nest/out");
    make_file("nest/out/p.jpg", 1); /* what an earlier run wrote */
    make_dir("nest/out/deeper");
    make_file("nest/out/deeper/q.jpg", 1);
    make_dir("nest/keep");
    make_file("nest/keep/k.png", 1);
    char *in = pathf("nest"), *out = pathf("nest/out");
    options_for(&o, in, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 2);
    CHECK(find(&r, "nest/p.jpg") != NULL);
    CHECK(output_is(&r, find(&r, "nest/keep/k.png"), "nest/out/keep/k.png"));
    CHECK(find(&r, "nest/out/p.jpg") == NULL);
    CHECK(find(&r, "nest/out/deeper/q.jpg") == NULL);
    scan_check_outputs(&r, o.output);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);

    /* OUTPUT spelt with a trailing slash: still recognised. */
    char *out_slash = pathf("nest/out/");
    options_for(&o, in, out_slash, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 2);
    scan_release(&r);
    free(out_slash);
    free(in);
    free(out);
}

static void test_links(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("links");
    make_dir("links_out");
    make_dir("links/real");
    make_file("links/real/z.jpg", 1);
    make_link("real", "links/alias");            /* a directory link: not followed */
    make_link("..", "links/real/up");            /* a loop, were it followed */
    make_link("nowhere.jpg", "links/ghost.jpg"); /* dangling, with an image name */
    make_link("nowhere", "links/ghost");         /* dangling, not an image: ignored */
    make_link("real/z.jpg", "links/to-z.jpg");   /* to a file inside INPUT: not followed either */
    char *in = pathf("links"), *out = pathf("links_out");
    options_for(&o, in, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK(find(&r, "links/real/z.jpg") != NULL);
    CHECK(find(&r, "links/alias/z.jpg") == NULL);
    const struct scan_entry *ghost = find(&r, "links/ghost.jpg");
    CHECK(ghost && ghost->error && strstr(ghost->error, "symbolic link: not followed"));
    const struct scan_entry *to_z = find(&r, "links/to-z.jpg");
    CHECK(to_z && to_z->error && strstr(to_z->error, "symbolic link: not followed"));
    CHECK_EQ_INT(r.count, 3);
    scan_release(&r);
    free(in);
    free(out);
}

/* scan_inputs() over several INPUTs into OUTPUT (a NULL-terminated list). */
static int scan_operands(struct scan_result *r, const char *output, const char **inputs, char *err,
                         size_t errlen)
{
    struct options o;
    size_t n = 0;

    options_for(&o, inputs[0], output, NULL);
    while (inputs[n])
        n++;
    o.inputs = inputs;
    o.ninputs = n;
    o.output = o.output_dir = output;
    return scan_options(&o, r, err, errlen);
}

static void test_several_inputs(void)
{
    struct scan_result r;
    char err[512] = "";

    make_dir("multi");
    make_dir("multi/a");
    make_dir("multi/b");
    make_file("multi/one.jpg", 1);
    make_file("multi/two.png", 2);
    make_file("multi/a/x.jpg", 3);
    make_file("multi/a/only_a.jpg", 4);
    make_file("multi/b/x.jpg", 5);
    make_link("one.jpg", "multi/alias.jpg");
    char *one = pathf("multi/one.jpg"), *two = pathf("multi/two.png");
    char *a = pathf("multi/a"), *b = pathf("multi/b"), *alias = pathf("multi/alias.jpg");
    char *out = pathf("multi_out");

    /* Files of one folder share one root, as "*.jpg" gives them. */
    const char *files[] = {one, two, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, files, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 2);
    CHECK_EQ_INT(r.root_count, 1);
    const struct scan_entry *e = find(&r, "multi/one.jpg");
    CHECK(e && !e->error && !strcmp(scan_output_rel(e, 0), "one.jpg") && e->root == 0);
    char *folder = pathf("multi");
    CHECK(!strcmp(r.roots[0].shown, folder));
    free(folder);
    scan_release(&r);

    /* Folders and files together: a folder's images go into OUTPUT as its own would. */
    const char *mixed[] = {a, one, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, mixed, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK_EQ_INT(r.root_count, 2);
    e = find(&r, "multi/a/only_a.jpg");
    CHECK(e && !strcmp(scan_output_rel(e, 0), "only_a.jpg") && e->root == 0 && !e->error);
    e = find(&r, "multi/one.jpg");
    CHECK(e && e->root == 1 && !e->error);
    scan_release(&r);

    /* Two folders with one name: both files fail, each naming the other. */
    const char *folders[] = {a, b, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, folders, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    e = find(&r, "multi/a/x.jpg");
    CHECK(e && e->error && strstr(e->error, "clash") && strstr(e->error, "multi/b/x.jpg"));
    e = find(&r, "multi/b/x.jpg");
    CHECK(e && e->error && strstr(e->error, "multi/a/x.jpg"));
    scan_release(&r);

    /* One file reached twice, for one output, is one job. */
    const char *twice[] = {a, a, pathf("multi/a/x.jpg"), NULL};
    CHECK_EQ_INT(scan_operands(&r, out, twice, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 2);
    CHECK_EQ_INT(errors_in(&r), 0);
    scan_release(&r);
    free((char *)twice[2]);

    /* A link named on the command line is followed, once: opened by its real name. */
    const char *linked[] = {alias, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, linked, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 1);
    CHECK(r.count == 1 && !strcmp(scan_input_shown(&r, &r.entries[0]), alias) &&
          !strcmp(scan_output_rel(&r.entries[0], 0), "alias.jpg") &&
          !strcmp(scan_open_name(r.roots, &r.entries[0]), "one.jpg"));
    CHECK(r.root_count == 1 && !strcmp(r.roots[0].file_shown, alias));
    int fd = scan_open_root(&r.roots[0], err, sizeof(err));
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    scan_release(&r);

    /* A missing INPUT among several: nothing is scanned, and the error names it. */
    char *missing = pathf("multi/missing.jpg");
    const char *with_missing[] = {one, missing, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, with_missing, err, sizeof(err)), -1);
    CHECK(strstr(err, "missing.jpg") != NULL);
    CHECK_EQ_INT(r.count, 0);
    free(missing);

    free(one);
    free(two);
    free(a);
    free(b);
    free(alias);
    free(out);
}

/* A root replaced after the scan is not read: the worker checks it is the folder seen. */
static void test_root_replaced(void)
{
    struct scan_result r;
    char err[512] = "";

    make_dir("swap");
    make_file("swap/s.jpg", 1);
    char *in = pathf("swap"), *moved = pathf("swap_moved"), *out = pathf("swap_out");
    const char *inputs[] = {in, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, inputs, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.root_count, 1);
    CHECK(rename(in, moved) == 0);
    make_dir("swap");
    int fd = scan_open_root(&r.roots[0], err, sizeof(err));
    CHECK_EQ_INT(fd, -1);
    CHECK(strstr(err, "replaced") != NULL);
    scan_release(&r);
    free(in);
    free(moved);
    free(out);
}

static void test_input_errors(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";
    char *out = pathf("out");

    /* One image as INPUT. */
    char *one = pathf("in/a.jpg");
    options_for(&o, one, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 1);
    CHECK(r.count == 1 && !strcmp(scan_input_shown(&r, &r.entries[0]), one));
    CHECK(r.count == 1 && output_is(&r, &r.entries[0], "out/a.jpg"));
    CHECK(r.count == 1 && r.entries[0].size == 10);
    scan_release(&r);
    free(one);

    char *gif = pathf("in/c.gif");
    options_for(&o, gif, out, "--suffix", "-1", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK(r.count == 1 && output_is(&r, &r.entries[0], "out/c-1.gif"));
    scan_release(&r);
    free(gif);

    /* INPUT that does not exist: a setup error that names it. */
    char *missing = pathf("no/such/dir");
    options_for(&o, missing, out, NULL);
    err[0] = '\0';
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), -1);
    CHECK(strstr(err, missing) != NULL);
    CHECK(strstr(err, "No such file") != NULL);
    scan_release(&r);
    free(missing);

    /* A file that is not an image. */
    char *txt = pathf("in/notes.txt");
    options_for(&o, txt, out, NULL);
    err[0] = '\0';
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), -1);
    CHECK(strstr(err, "notes.txt") != NULL);
    CHECK(strstr(err, "not an image") != NULL);
    scan_release(&r);
    free(txt);

    /*
     * An empty directory: no entries, no error, and checking and sorting
     * nothing is fine (built with IMGBATCH_SANITIZE=ON, UBSan stops here if
     * the sort hands qsort a NULL array).
     */
    make_dir("empty");
    char *empty = pathf("empty");
    options_for(&o, empty, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 0);
    CHECK_EQ_INT(r.skipped_count, 0);
    scan_check_outputs(&r, o.output);
    scan_sort_largest_first(&r);
    scan_release(&r);
    free(empty);
    free(out);
}

static void test_odd_names(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";

    make_dir("odd");
    make_dir("odd_out");
    make_file("odd/line\nbreak.jpg", 1);
    make_file("odd/sp ace.GIF", 1);
    make_file("odd/bad\xff.png", 1);
    char *in = pathf("odd"), *out = pathf("odd_out");
    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 3);
    CHECK(output_is(&r, find(&r, "odd/line\nbreak.jpg"), "odd_out/line\nbreak.jpg"));
    CHECK(output_is(&r, find(&r, "odd/sp ace.GIF"), "odd_out/sp ace.GIF"));
    CHECK(output_is(&r, find(&r, "odd/bad\xff.png"), "odd_out/bad\xff.png"));
    scan_release(&r);
    free(in);
    free(out);
}

static const struct scan_skip *find_skipped(const struct scan_result *r, const char *rel)
{
    char *want = pathf("%s", rel);
    const struct scan_skip *found = NULL;

    for (size_t i = 0; i < r->skipped_count && !found; i++)
        if (!strcmp(r->skipped[i].input, want))
            found = &r->skipped[i];
    free(want);
    return found;
}

/*
 * Things named like images that are not image files each get an outcome
 * before any worker sees them: a FIFO fails (opening it would block), a
 * link loop and a dangling link fail in words, a directory is skipped
 * without -r.
 */
static void test_special_files(void)
{
    struct options o;
    struct scan_result r;
    char err[256];

    make_dir("special");
    make_file("special/real.jpg", 10);
    char *fifo = pathf("special/pipe.jpg");
    CHECK_EQ_INT(mkfifo(fifo, 0644), 0);
    free(fifo);
    make_link("loop2.jpg", "special/loop1.jpg");
    make_link("loop1.jpg", "special/loop2.jpg");
    make_link("missing.png", "special/dangling.png");
    make_dir("special/folder.jpg");
    make_file("special/folder.jpg/inner.jpg", 10);

    char *in = pathf("special"), *out = pathf("special_out");
    options_for(&o, in, out, NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    const struct scan_entry *e = find(&r, "special/pipe.jpg");
    CHECK(e && e->error && !strcmp(e->error, "not a regular file: a FIFO"));
    e = find(&r, "special/loop1.jpg");
    CHECK(e && e->error && strstr(e->error, "symbolic link: not followed"));
    e = find(&r, "special/dangling.png");
    CHECK(e && e->error && strstr(e->error, "symbolic link: not followed"));
    e = find(&r, "special/real.jpg");
    CHECK(e && !e->error);
    const struct scan_skip *sk = find_skipped(&r, "special/folder.jpg");
    CHECK(sk && strstr(sk->reason, "a directory"));
    CHECK(find(&r, "special/folder.jpg/inner.jpg") == NULL);
    CHECK_EQ_INT(r.count, 5); /* real, pipe, loop1, loop2, dangling */
    scan_release(&r);

    /* With -r the directory is walked instead. */
    options_for(&o, in, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    CHECK(find(&r, "special/folder.jpg/inner.jpg") != NULL);
    CHECK(find_skipped(&r, "special/folder.jpg") == NULL);
    scan_release(&r);
    free(in);
    free(out);
}

/*
 * make_dirs: "" is no path (it read before its buffer); a file in the way is ENOTDIR;
 * output directories are made below OUTPUT's descriptor, and a link there stops them.
 */
static void test_make_dirs(void)
{
    errno = 0;
    CHECK_EQ_INT(make_dirs(""), -1);
    CHECK_EQ_INT(errno, ENOENT);

    char *deep = pathf("md/a/b/c");
    CHECK_EQ_INT(make_dirs(deep), 0);
    make_file("md/file", 1);
    char *under_file = pathf("md/file/x");
    CHECK_EQ_INT(make_dirs(under_file), -1);
    CHECK(errno == ENOTDIR || errno == EEXIST);
    free(deep);
    free(under_file);

    /* scan_create_output_dirs: OUTPUT/linked is a link to elsewhere: nothing made there. */
    struct options o;
    struct scan_result r;
    char err[256];
    make_dir("mdin");
    make_dir("mdin/linked");
    make_file("mdin/linked/p.jpg", 3);
    make_dir("mdin/plain");
    make_file("mdin/plain/q.jpg", 3);
    make_dir("mdout");
    make_dir("mdelsewhere");
    make_link("../mdelsewhere", "mdout/linked");
    char *in = pathf("mdin"), *out = pathf("mdout"), *elsewhere = pathf("mdelsewhere/p.jpg");
    options_for(&o, in, out, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    int out_fd = open(out, O_RDONLY | O_DIRECTORY);
    scan_create_output_dirs(&r, out_fd);
    close(out_fd);
    const struct scan_entry *p = find(&r, "mdin/linked/p.jpg");
    CHECK(p && p->error && strstr(p->error, "a symbolic link is in the way"));
    const struct scan_entry *q = find(&r, "mdin/plain/q.jpg");
    CHECK(q && !q->error);
    struct stat st;
    char *plain = pathf("mdout/plain");
    CHECK(stat(plain, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(access(elsewhere, F_OK) < 0);
    scan_release(&r);
    free(plain);
    free(in);
    free(out);
    free(elsewhere);
}

/*
 * What the entries keep is what a million of them cost: the paths once, in
 * the scan's arena (an output's name is rel itself where it keeps it, one
 * output needs no array), and the paths shown made when asked, the same as
 * joining them whole; an INPUT file is shown exactly as given.
 */
static void test_compact_entries(void)
{
    struct options o;
    struct scan_result r;
    char err[512] = "";
    char *in = pathf("in"), *out_slash = pathf("out/"), *out = pathf("out");

    options_for(&o, in, out_slash, "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    const struct scan_entry *d = find(&r, "in/sub/d.jpg");
    CHECK(d && d->noutputs == 1 && d->out.one == d->rel && !strcmp(d->rel, "sub/d.jpg"));
    /* OUTPUT given with a trailing slash: joined without doubling it, as path_join does. */
    CHECK(output_is(&r, d, "out/sub/d.jpg"));
    /* Both shown paths at once: each has its own buffer. */
    const char *input = scan_input_shown(&r, d), *output = scan_output_at(&r, d, 0).path;
    char *want_in = pathf("in/sub/d.jpg"), *want_out = pathf("out/sub/d.jpg");
    CHECK_EQ_STR(input, want_in);
    CHECK_EQ_STR(output, want_out);
    free(want_in);
    free(want_out);
    scan_release(&r);

    /* OUTPUT "/": its outputs are "/sub/d.jpg", as path_join joins them (nothing written). */
    options_for(&o, in, "/", "-r", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    d = find(&r, "in/sub/d.jpg");
    CHECK(d && !strcmp(scan_output_at(&r, d, 0).path, "/sub/d.jpg"));
    scan_release(&r);

    /* A suffix renames the output: then it has its own copy. */
    options_for(&o, in, out_slash, "-r", "--suffix", "_s", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    d = find(&r, "in/sub/d.jpg");
    CHECK(d && d->out.one != d->rel && !strcmp(d->out.one, "sub/d_s.jpg"));
    scan_release(&r);

    /* Several sizes: the names in an array of the arena, output k variant k. */
    options_for(&o, in, out, "-r", "--size", "640x,320x", NULL);
    CHECK_EQ_INT(scan_options(&o, &r, err, sizeof(err)), 0);
    d = find(&r, "in/sub/d.jpg");
    CHECK(d && d->noutputs == 2 && !strcmp(scan_output_rel(d, 0), "sub/d-640.jpg") &&
          !strcmp(scan_output_rel(d, 1), "sub/d-320.jpg"));
    CHECK(d && output_is(&r, d, "out/sub/d-640.jpg") && scan_output_at(&r, d, 1).variant == 1);
    scan_release(&r);

    /* INPUT files shown as given: "x//a.jpg" keeps its slashes, "./B.PNG" its dot. */
    char *doubled = pathf("in//a.jpg");
    const char *files[] = {doubled, NULL};
    CHECK_EQ_INT(scan_operands(&r, out, files, err, sizeof(err)), 0);
    CHECK(r.count == 1 && !strcmp(scan_input_shown(&r, &r.entries[0]), doubled));
    CHECK(r.count == 1 && !strcmp(scan_open_name(r.roots, &r.entries[0]), "a.jpg"));
    scan_release(&r);
    free(doubled);
    int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(cwd >= 0 && chdir(in) == 0);
    const char *here[] = {"a.jpg", "./B.PNG", NULL};
    CHECK_EQ_INT(scan_operands(&r, out, here, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 2);
    for (size_t i = 0; i < r.count; i++) {
        const char *shown = scan_input_shown(&r, &r.entries[i]);
        CHECK(!strcmp(shown, "a.jpg") || !strcmp(shown, "./B.PNG"));
    }
    scan_release(&r);
    CHECK(cwd >= 0 && fchdir(cwd) == 0);
    close_if_open(cwd);

    /*
     * Comparing the inputs as shown, without joining them, agrees with strcmp of
     * the joined paths: across roots whose names are prefixes of each other and
     * of the files below them ("cmp/a" and "cmp/a-b", "cmp/a/x.jpg").
     */
    make_dir("cmp");
    make_dir("cmp/a");
    make_dir("cmp/a-b");
    make_file("cmp/a/x.jpg", 1);
    make_file("cmp/a/-.jpg", 1);
    make_file("cmp/a-b/x.jpg", 1);
    make_file("cmp/a.jpg", 1);
    char *a = pathf("cmp/a"), *ab = pathf("cmp/a-b"), *file = pathf("cmp/a.jpg");
    char *cmp_out = pathf("cmp_out");
    const char *operands[] = {ab, file, a, NULL};
    CHECK_EQ_INT(scan_operands(&r, cmp_out, operands, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.count, 4);
    for (size_t i = 0; i < r.count; i++) {
        for (size_t j = 0; j < r.count; j++) {
            char *x = xstrdup(scan_input_shown(&r, &r.entries[i]));
            int want = strcmp(x, scan_input_shown(&r, &r.entries[j]));
            int got = scan_compare_inputs(&r, &r.entries[i], &r.entries[j]);
            if ((want < 0) != (got < 0) || (want > 0) != (got > 0))
                fprintf(stderr, "compare %s with %s: %d, strcmp %d\n", x,
                        scan_input_shown(&r, &r.entries[j]), got, want);
            CHECK((want < 0) == (got < 0) && (want > 0) == (got > 0));
            free(x);
        }
    }
    scan_release(&r);
    free(a);
    free(ab);
    free(file);
    free(cmp_out);
    free(in);
    free(out);
    free(out_slash);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(root, sizeof(root), "%s/imgbatch-test-scan-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    build_tree();
    test_flat();
    test_recursive();
    test_clash();
    test_overwrite();
    test_largest_first();
    test_output_inside_input();
    test_links();
    test_several_inputs();
    test_root_replaced();
    test_input_errors();
    test_odd_names();
    test_special_files();
    test_make_dirs();
    test_compact_entries();
    remove_tree();
    return check_summary();
}
