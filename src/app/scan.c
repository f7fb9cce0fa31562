/*
 * scan: directory walk, output mapping, clash and overwrite checks; see
 * scan.h.
 *
 * Directories are walked with openat()/fstatat() relative to an open
 * directory, so deep trees do not build ever longer paths for every call,
 * and symbolic links to directories are not followed (no loops).
 */
#include "scan.h"
#include "base/beneath.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "filelist.h"
#include "outpath.h"
#include "shard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * How deep -r goes below INPUT.  Each level holds a directory open while
 * the levels below it are walked, so a tree made deep on purpose (anyone
 * may write an upload folder) would cost the master a descriptor and a
 * directory buffer per level; real trees stay far shallower.
 */
#define SCAN_MAX_DEPTH 128

struct walk {
    const struct scan_request *req;
    struct scan_result *r;
    dev_t out_dev;
    ino_t out_ino;
    int have_out;
    int depth;     /* directories entered below INPUT */
    unsigned root; /* the INPUT being walked: r->roots[root] */
};

/*
 * A path as the report shows it, in up to three pieces, so that a million
 * of them need not be kept joined: they are joined when printed, and
 * compared as they are (scan_compare_inputs).
 */
struct pieces {
    const char *p[3];
    size_t n[3];
};

/* base joined with rel as path_join joins them: "/" between, none doubled after base. */
static void joined_pieces(const char *base, const char *rel, struct pieces *s)
{
    size_t n = strlen(base);

    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        n = 0; /* "/" + rel */
    *s = (struct pieces){{base, "/", rel}, {n, 1, strlen(rel)}};
}

/* rel below a root shown as shown: joined, or rel alone for a root "", or the root for rel "". */
static void shown_pieces(const char *shown, const char *rel, struct pieces *s)
{
    if (!rel[0])
        *s = (struct pieces){{shown[0] ? shown : "."}, {shown[0] ? strlen(shown) : 1}};
    else if (!shown[0])
        *s = (struct pieces){{rel}, {strlen(rel)}};
    else
        joined_pieces(shown, rel, s);
}

/* e's input as shown: an INPUT file shown otherwise is its name as given. */
static void input_pieces(const struct scan_result *r, const struct scan_entry *e, struct pieces *s)
{
    const struct scan_root *root = &r->roots[e->root];

    if (root->file_shown)
        *s = (struct pieces){{root->file_shown}, {strlen(root->file_shown)}};
    else
        shown_pieces(root->shown, e->rel, s);
}

/* The pieces joined in b, grown to hold them. */
static const char *join_into(struct shown_buf *b, const struct pieces *s)
{
    size_t len = s->n[0] + s->n[1] + s->n[2];

    if (b->cap < len + 1) {
        b->cap = len + 1 < 256 ? 256 : 2 * (len + 1);
        free(b->data);
        b->data = xcalloc(b->cap, 1);
    }
    char *p = b->data;
    for (int i = 0; i < 3; i++) {
        if (s->n[i]) /* an unused piece has no pointer to copy from */
            memcpy(p, s->p[i], s->n[i]);
        p += s->n[i];
    }
    *p = '\0';
    return b->data;
}

const char *scan_input_shown(struct scan_result *r, const struct scan_entry *e)
{
    struct pieces s;

    input_pieces(r, e, &s);
    return join_into(&r->shown_in, &s);
}

struct scan_output scan_output_at(struct scan_result *r, const struct scan_entry *e, unsigned k)
{
    struct scan_output o = {scan_output_rel(e, k), NULL, k};
    struct pieces s;

    if (r->output_file) {
        o.path = r->output_file; /* one input, one output file: exactly the name given */
    } else if (!r->output) {
        o.path = o.rel;
    } else {
        joined_pieces(r->output, o.rel, &s);
        o.path = join_into(&r->shown_out, &s);
    }
    return o;
}

/* The next byte of the pieces, from *i and *at on (0 past the end: a path holds no NUL). */
static unsigned char next_byte(const struct pieces *s, int *i, size_t *at)
{
    while (*i < 3 && *at >= s->n[*i]) {
        (*i)++;
        *at = 0;
    }
    return *i < 3 ? (unsigned char)s->p[*i][(*at)++] : 0;
}

int scan_compare_inputs(const struct scan_result *r, const struct scan_entry *a,
                        const struct scan_entry *b)
{
    struct pieces x, y;
    int xi = 0, yi = 0;
    size_t xat = 0, yat = 0;

    /* Below one root shown as itself, the shown paths differ only where the rels do. */
    if (a->root == b->root && !r->roots[a->root].file_shown && a->rel[0] && b->rel[0])
        return strcmp(a->rel, b->rel);
    input_pieces(r, a, &x);
    input_pieces(r, b, &y);
    for (;;) {
        unsigned char c = next_byte(&x, &xi, &xat), d = next_byte(&y, &yi, &yat);
        if (c != d || !c)
            return c - d;
    }
}

/* rel below the root being walked, as the report shows it, in the scan's arena. */
static const char *shown_path(const struct walk *w, const char *rel)
{
    struct pieces s;

    shown_pieces(w->r->roots[w->root].shown, rel, &s);
    return arena_strdup(&w->r->names, join_into(&w->r->shown_in, &s));
}

static struct scan_entry *add_entry(struct scan_result *r)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        r->entries = xrealloc(r->entries, cap * sizeof(*r->entries));
        r->cap = cap;
    }
    struct scan_entry *e = &r->entries[r->count++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* Everything about rel is reported by exactly one shard, so the shards' summaries add up. */
static int ours(const struct walk *w, const char *rel)
{
    return shard_contains(rel, w->req->shard_index, w->req->shard_count);
}

static struct scan_skip *add_skipped(struct walk *w, const char *rel, const char *reason)
{
    struct scan_result *r = w->r;

    if (!ours(w, rel))
        return NULL;
    if (r->skipped_count == r->skipped_cap) {
        r->skipped_cap = r->skipped_cap ? r->skipped_cap * 2 : 16;
        r->skipped = xrealloc(r->skipped, r->skipped_cap * sizeof(*r->skipped));
    }
    r->skipped[r->skipped_count].input = shown_path(w, rel);
    r->skipped[r->skipped_count].reason = reason;
    r->skipped[r->skipped_count].not_read = 0;
    return &r->skipped[r->skipped_count++];
}

/* A file named as an image of a kind imgbatch does not read: skipped, and said so. */
static void add_not_read(struct walk *w, const char *rel, const char *why)
{
    struct scan_skip *skip = add_skipped(w, rel, why);

    if (skip)
        skip->not_read = 1;
}

/* Sets e's error to "<what> <path><why>", keeping an error set earlier. */
static void set_error(struct scan_entry *e, const char *what, const char *path, const char *why)
{
    if (!e->error)
        e->error = xasprintf("%s%s%s", what, path, why);
}

/*
 * e's outputs, one per variant, named as the request says; a name refused
 * is e's error.  A name that is e's own rel (the format and the name kept)
 * is that very string, and one output is kept without an array.
 */
static void name_outputs(struct scan_result *r, struct scan_entry *e,
                         const struct scan_request *req)
{
    const struct naming *n = &req->naming;
    const char *names[SCAN_OUTPUTS_MAX];
    unsigned count = 0;
    char err[512];

    for (size_t v = 0; v < n->count && count < SCAN_OUTPUTS_MAX; v++) {
        if (req->output_file) {
            /* One input, one output file: exactly the name given. */
            const char *slash = strrchr(req->output_file, '/');
            names[count++] = arena_strdup(&r->names, slash ? slash + 1 : req->output_file);
            continue;
        }
        char *name = naming_output(n, e->rel, v, err, sizeof(err));
        if (!name) {
            set_error(e, "", err, "");
            break;
        }
        names[count++] = strcmp(name, e->rel) ? arena_strdup(&r->names, name) : e->rel;
        free(name);
    }
    e->noutputs = count;
    if (count == 1) {
        e->out.one = names[0];
    } else if (count > 1) {
        const char **many = arena_alloc(&r->names, count * sizeof(*many));
        memcpy(many, names, count * sizeof(*many));
        e->out.many = many;
    }
}

static void fill_entry(struct scan_result *r, struct scan_entry *e, const struct scan_request *req,
                       const char *rel, const struct stat *st)
{
    e->rel = arena_strdup(&r->names, rel);
    name_outputs(r, e, req);
    e->size = st->st_size;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->mtime = st->st_mtim;
    e->ctime = st->st_ctim;
}

/*
 * Images of every shard are kept until the clash check has seen them all
 * (two inputs of one output may hash to different shards), then dropped.
 */
static void add_file(struct walk *w, const char *rel, const struct stat *st)
{
    struct scan_entry *e = add_entry(w->r);

    fill_entry(w->r, e, w->req, rel, st);
    e->root = w->root;
    e->other_shard = !ours(w, rel);
}

/*
 * Where outputs go beside their inputs, a file named as one of them is
 * one, of an earlier run: taking it as an input would make a_small_small.jpg.
 */
static int earlier_output(const struct walk *w, const char *rel)
{
    return w->r->roots[w->root].beside && is_output_name(rel, w->req->format, w->req->suffix);
}

/* A directory that cannot be read fails like a file, so the exit code tells. */
static void add_failure_text(struct walk *w, const char *rel, char *error)
{
    if (!ours(w, rel)) {
        free(error);
        return;
    }
    struct scan_entry *e = add_entry(w->r);
    e->rel = arena_strdup(&w->r->names, rel);
    e->root = w->root;
    e->error = error;
}

/*
 * A file refused for what it is (a link, a FIFO named like an image): a
 * failure of its own, with its identity and the output it would have had,
 * so that --incremental remembers it like a file that failed to decode.
 */
static void add_refusal(struct walk *w, const char *rel, const struct stat *st, char *error)
{
    if (!ours(w, rel)) {
        free(error);
        return;
    }
    struct scan_entry *e = add_entry(w->r);
    fill_entry(w->r, e, w->req, rel, st);
    e->root = w->root;
    free(e->error); /* a name refused too: what the file is says more */
    e->error = error;
    e->own_fault = 1;
}

static void add_failure(struct walk *w, const char *rel, const char *what, int err)
{
    add_failure_text(w, rel, xasprintf("%s: %s", what, strerror(err)));
}

static void walk_dir(struct walk *w, int dirfd, const char *rel);

/*
 * One directory entry, or one name of a --files-from list: name is looked
 * at relative to dirfd, rel is its path relative to INPUT.  A listed name
 * was asked for by name, so it fails when missing and is never walked into.
 *
 * Links are never followed below INPUT: whoever may write INPUT could point
 * one at a file they may not read themselves (another user's, a key) and
 * have imgbatch publish it in OUTPUT.  A link named like an image fails, so
 * that the exit code tells; the workers open with O_NOFOLLOW too, so a file
 * swapped for a link after this scan fails the same way.
 */
static void consider(struct walk *w, int dirfd, const char *name, const char *rel, int listed)
{
    const char *base = strrchr(rel, '/');
    int named_image = input_kind_of(base ? base + 1 : rel) != IN_NONE;
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        /* A file that vanished: only images are a scan's business. */
        if (named_image || listed)
            add_failure(w, rel, "cannot stat", errno);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (named_image || listed)
            add_refusal(w, rel, &st,
                        xstrdup("symbolic link: not followed (imgbatch reads no links inside "
                                "INPUT; they could lead outside it)"));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        int is_output = w->have_out && st.st_dev == w->out_dev && st.st_ino == w->out_ino;
        if (listed) {
            add_skipped(w, rel, "a directory (--files-from lists files)");
        } else if (w->req->recursive && !is_output && w->depth >= SCAN_MAX_DEPTH) {
            add_failure_text(w, rel,
                             xasprintf("directory too deep: more than %d levels below "
                                       "INPUT (not walked)",
                                       SCAN_MAX_DEPTH));
        } else if (w->req->recursive && !is_output) {
            /* O_NOFOLLOW: swapped for a link since the look above, it is not entered. */
            int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                add_failure(w, rel, "cannot open directory", errno);
            } else {
                w->depth++;
                walk_dir(w, sub, rel);
                w->depth--;
            }
        } else if (named_image && !is_output) {
            add_skipped(w, rel, "a directory (-r descends into directories)");
        }
    } else if (S_ISREG(st.st_mode)) {
        if (named_image && earlier_output(w, rel))
            add_skipped(w, rel, "named as an output of this command, beside its input");
        else if (named_image)
            add_file(w, rel, &st);
        else if (unread_image_kind(base ? base + 1 : rel))
            add_not_read(w, rel, unread_image_kind(base ? base + 1 : rel));
        else
            add_skipped(w, rel, "not an image file by its extension");
    } else if (named_image || listed) {
        /* Opening a FIFO would block a worker until someone writes to it. */
        add_refusal(w, rel, &st, xasprintf("not a regular file: %s", file_type_words(st.st_mode)));
    }
}

/*
 * A --files-from name: its directories are entered one by one without
 * following a link, like the walk, so "sub/x.jpg" with sub a link to /etc
 * fails instead of reading outside INPUT.
 */
static void consider_listed(struct walk *w, int input_fd, const char *rel)
{
    int dirfd;
    const char *base = open_parent_beneath(input_fd, rel, false, &dirfd);

    if (!base) {
        if (errno == ELOOP || errno == ENOTDIR)
            add_failure_text(w, rel,
                             xstrdup("a symbolic link or a file is in the way: not "
                                     "followed (imgbatch reads no links inside INPUT)"));
        else
            add_failure(w, rel, "cannot stat", errno);
        return;
    }
    consider(w, dirfd, base, rel, 1);
    close(dirfd);
}

static void walk_dir(struct walk *w, int dirfd, const char *rel)
{
    DIR *d = fdopendir(dirfd);
    struct dirent *de;

    if (!d) {
        add_failure(w, rel, "cannot read directory", errno);
        close(dirfd);
        return;
    }
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                add_failure(w, rel, "cannot read directory", errno);
            break;
        }
        if (de->d_name[0] == '.')
            continue; /* ".", ".." and hidden files, our temporary files among them */

        char *child = rel[0] ? path_join(rel, de->d_name) : xstrdup(de->d_name);
        consider(w, dirfd, de->d_name, child, 0);
        free(child);
    }
    closedir(d);
}

/*
 * 1 if the listed INPUT-relative path goes through OUTPUT (OUTPUT inside
 * INPUT, and a list made by find from INPUT): the walk never enters
 * OUTPUT, and neither does a list.
 */
static int inside_output(const struct walk *w, int input_fd, const char *rel)
{
    char *dir = xstrdup(rel);
    int inside = 0;

    for (char *slash = strchr(dir, '/'); w->have_out && slash && !inside;
         slash = strchr(slash + 1, '/')) {
        struct stat st;
        *slash = '\0';
        inside = fstatat(input_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == w->out_dev &&
                 st.st_ino == w->out_ino;
        *slash = '/';
    }
    free(dir);
    return inside;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names of a --files-from list, tidied ("./a//b.jpg" is "a/b.jpg") and
 * each taken once.  A name that leaves INPUT fails: the output mapping
 * would leave OUTPUT the same way.
 */
static int scan_listed(struct walk *w, int input_fd, char *err, size_t errlen)
{
    char **names;
    size_t n, kept = 0;

    if (read_name_list(w->req->files_from, w->req->null_separated, &names, &n, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char *name = names[i];
        char *tidy = xstrdup(name);
        if (tidy_relpath(tidy) < 0) {
            add_failure_text(
                w, name, xstrdup("not inside INPUT (--files-from names are relative to INPUT)"));
            free(tidy);
        } else {
            names[kept++] = tidy;
        }
        free(name);
    }
    if (kept > 1)
        qsort(names, kept, sizeof(*names), by_string);
    for (size_t i = 0; i < kept; i++) {
        if (i > 0 && !strcmp(names[i], names[i - 1]))
            continue;
        if (inside_output(w, input_fd, names[i]))
            add_skipped(w, names[i], "inside OUTPUT (an output of an earlier run)");
        else
            consider_listed(w, input_fd, names[i]);
    }
    for (size_t i = 0; i < kept; i++)
        free(names[i]);
    free(names);
    return 0;
}

/* A new root for path, seen as st; its index. */
static unsigned add_root(struct walk *w, const char *path, const char *shown, const struct stat *st,
                         int files)
{
    struct scan_result *r = w->r;

    r->roots = xrealloc(r->roots, (r->root_count + 1) * sizeof(*r->roots));
    struct scan_root *root = &r->roots[r->root_count];
    memset(root, 0, sizeof(*root));
    root->path = xstrdup(path);
    root->shown = xstrdup(shown);
    root->dev = st->st_dev;
    root->ino = st->st_ino;
    root->files = files;
    /* Beside: not for an OUTPUT file, whose one name is exactly what was asked. */
    root->beside =
        w->have_out && !w->req->output_file && st->st_dev == w->out_dev && st->st_ino == w->out_ino;
    return (unsigned)r->root_count++;
}

/*
 * The root of INPUT files in dir, shown as shown: one per folder, so
 * "*.jpg" is one ("a.jpg ./b.jpg" is two: each file is shown as given).
 * The newest is tried first, as a shell's glob lists a folder's files
 * together.
 */
static int files_root(struct walk *w, const char *dir, const char *shown, char *err, size_t errlen)
{
    struct scan_result *r = w->r;
    struct stat st;

    for (size_t i = r->root_count; i-- > 0;)
        if (r->roots[i].files && !r->roots[i].file_shown && !strcmp(r->roots[i].path, dir) &&
            !strcmp(r->roots[i].shown, shown))
            return (int)i;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "cannot read INPUT folder %s: %s", dir, strerror(errno));
        return -1;
    }
    return (int)add_root(w, dir, shown, &st, 1);
}

/*
 * The root of the INPUT file input, not a link, in the folder dir: the
 * folder's, or one of its own where the folder's shown path joined with
 * the file's name would not show it as given ("x//a.jpg"), so that the
 * report names it as the user did.
 */
static int plain_file_root(struct walk *w, const char *input, const char *base, char *err,
                           size_t errlen)
{
    /* "a.jpg" is shown as given, not as "./a.jpg": its root shows as nothing. */
    const char *slash = strrchr(input, '/');
    char *dir = path_dir(input);
    const char *shown = slash ? dir : "";
    struct pieces s;
    int root;

    shown_pieces(shown, base, &s);
    if (strcmp(join_into(&w->r->shown_in, &s), input)) {
        struct stat st;
        if (stat(dir, &st) < 0) {
            snprintf(err, errlen, "cannot read INPUT folder %s: %s", dir, strerror(errno));
            root = -1;
        } else {
            root = (int)add_root(w, dir, shown, &st, 1);
            w->r->roots[root].file_shown = xstrdup(input);
        }
    } else {
        root = files_root(w, dir, shown, err, errlen);
    }
    free(dir);
    return root;
}

/*
 * An INPUT file.  The user named it, so a link there is followed, once,
 * here: the workers open what it leads to, below its real folder, and
 * show the name given.
 */
static int scan_file_operand(struct walk *w, const char *input, const struct stat *st, char *err,
                             size_t errlen)
{
    const char *slash = strrchr(input, '/');
    const char *base = slash ? slash + 1 : input;
    struct stat lst;
    int root;

    if (input_kind_of(base) == IN_NONE) {
        if (unread_image_kind(base))
            snprintf(err, errlen, "INPUT %s is %s", input, unread_image_kind(base));
        else
            snprintf(err, errlen, "INPUT %s is not an image by its extension (%s)", input,
                     input_extensions());
        return -1;
    }
    if (lstat(input, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        char *real = realpath(input, NULL);
        if (!real) {
            snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(errno));
            return -1;
        }
        char *dir = path_dir(real);
        struct stat dir_st;
        int ok = stat(dir, &dir_st) == 0;
        if (ok) {
            root = (int)add_root(w, dir, "", &dir_st, 1);
            w->r->roots[root].file_shown = xstrdup(input);
            w->r->roots[root].file_real = xstrdup(strrchr(real, '/') + 1);
        } else {
            snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(errno));
        }
        free(dir);
        free(real);
        if (!ok)
            return -1;
    } else if ((root = plain_file_root(w, input, base, err, errlen)) < 0) {
        return -1;
    }
    w->root = (unsigned)root;
    if (earlier_output(w, base)) {
        add_skipped(w, base, "named as an output of this command, beside its input");
        return 0;
    }
    struct scan_entry *e = add_entry(w->r);
    fill_entry(w->r, e, w->req, base, st);
    e->root = w->root;
    e->other_shard = !ours(w, base);
    return 0;
}

/* An INPUT folder: walked, or the --files-from list read below it. */
static int scan_folder_operand(struct walk *w, const char *input, const struct stat *st, char *err,
                               size_t errlen)
{
    int fd = open(input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(errno));
        return -1;
    }
    w->root = add_root(w, input, input, st, 0);
    if (w->req->files_from) {
        int ret = scan_listed(w, fd, err, errlen);
        close(fd);
        return ret;
    }
    walk_dir(w, fd, ""); /* closes fd */
    return 0;
}

static void mark_clashes(struct scan_result *r);
static void mark_outputs_in_inputs(const struct scan_request *req, struct scan_result *r);
static void drop_duplicates(struct scan_result *r);
static void drop_other_shards(struct scan_result *r);
static void remember_inputs(struct scan_result *r);

int scan_inputs(const struct scan_request *req, struct scan_result *r, char *err, size_t errlen)
{
    struct walk w = {req, r, 0, 0, 0, 0, 0};
    struct stat out_st;

    memset(r, 0, sizeof(*r));
    r->output = req->output ? xstrdup(req->output) : NULL;
    r->output_file = req->output_file ? xstrdup(req->output_file) : NULL;
    if (req->output && stat(req->output, &out_st) == 0) {
        w.out_dev = out_st.st_dev;
        w.out_ino = out_st.st_ino;
        w.have_out = 1;
    }
    for (size_t i = 0; i < req->ninputs; i++) {
        const char *input = req->inputs[i];
        struct stat st;
        int ret;
        if (stat(input, &st) < 0) {
            snprintf(err, errlen, "cannot read INPUT %s: %s", input, strerror(errno));
            ret = -1;
        } else if (S_ISDIR(st.st_mode)) {
            ret = scan_folder_operand(&w, input, &st, err, errlen);
        } else if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "INPUT %s is neither a directory nor a file", input);
            ret = -1;
        } else if (req->files_from) {
            snprintf(err, errlen, "--files-from needs INPUT to be a directory, and %s is a file",
                     input);
            ret = -1;
        } else {
            ret = scan_file_operand(&w, input, &st, err, errlen);
        }
        if (ret < 0) {
            scan_release(r); /* an INPUT that cannot be used: nothing is done */
            return -1;
        }
    }
    drop_duplicates(r);
    /* Before other shards' images go: two inputs of one output may hash apart. */
    remember_inputs(r);
    mark_clashes(r);
    mark_outputs_in_inputs(req, r);
    if (req->shard_count)
        drop_other_shards(r);
    return 0;
}

/* Whether rel (below OUTPUT) lies in the folder at prefix (below OUTPUT, "" for OUTPUT). */
static int below(const char *rel, const char *prefix)
{
    size_t n = strlen(prefix);

    if (!n)
        return strchr(rel, '/') == NULL;
    return !strncmp(rel, prefix, n) && rel[n] == '/';
}

/*
 * An output written into an INPUT folder would be taken for an input by
 * the next run (photo-640.jpg becoming photo-640-640.jpg).  A template's
 * folders, or a tree mirrored into an OUTPUT that holds INPUT, could put
 * one there: each such input fails before any work.  Outputs beside their
 * inputs as --suffix or --format allows (is_output_name tells them from
 * inputs) are the exception, for a run of one variant without --name.
 */
static void mark_outputs_in_inputs(const struct scan_request *req, struct scan_result *r)
{
    int set = req->naming.count > 1 || req->naming.template;
    char *out = req->output && !req->output_file ? realpath(req->output, NULL) : NULL;
    size_t out_len = out ? strlen(out) : 0;

    for (size_t i = 0; out && i < r->root_count; i++) {
        const struct scan_root *root = &r->roots[i];
        char *real = root->beside && !set ? NULL : realpath(root->path, NULL);
        if (!real || (strcmp(real, out) && (strncmp(real, out, out_len) || real[out_len] != '/'))) {
            free(real);
            continue;
        }
        const char *prefix = real[out_len] ? real + out_len + 1 : "";
        for (size_t k = 0; k < r->count; k++) {
            struct scan_entry *e = &r->entries[k];
            for (unsigned o = 0; !e->error && o < e->noutputs; o++)
                if (below(scan_output_rel(e, o), prefix))
                    set_error(e, "output ", scan_output_at(r, e, o).path,
                              " would be written into an INPUT folder, where later runs would "
                              "take it for an input");
        }
        free(real);
    }
    free(out);
}

/*
 * One output of one entry, for the clash check: 8 bytes, for the sort of
 * every output of the run is the largest table the scan makes.
 */
struct named_output {
    uint32_t entry; /* its index: a scan holds far fewer than 2^32 entries (88 bytes each) */
    uint32_t k;
};

static const char *named_rel(const struct scan_result *r, const struct named_output *o)
{
    return scan_output_rel(&r->entries[o->entry], o->k);
}

/* Every output is OUTPUT joined with its rel: comparing those compares the outputs. */
static int by_output(const void *a, const void *b, void *r)
{
    return strcmp(named_rel(r, a), named_rel(r, b));
}

/* e fails for clashing with other: "output would clash with OTHER (same output name)". */
static void set_clash(struct scan_result *r, struct scan_entry *e, const struct scan_entry *other)
{
    set_error(e, "output would clash with ", scan_input_shown(r, other), " (same output name)");
}

/* Two inputs, one output: both fail, each naming the other. */
static void mark_clashes(struct scan_result *r)
{
    size_t total = 0, n = 0;

    for (size_t i = 0; i < r->count; i++)
        total += r->entries[i].error ? 0 : r->entries[i].noutputs;
    struct named_output *sorted = xcalloc(total ? total : 1, sizeof(*sorted));
    for (size_t i = 0; i < r->count; i++)
        for (unsigned k = 0; !r->entries[i].error && k < r->entries[i].noutputs; k++)
            sorted[n++] = (struct named_output){(uint32_t)i, k};
    if (n > 1)
        qsort_r(sorted, n, sizeof(*sorted), by_output, r);
    for (size_t i = 0; i + 1 < n; i++) {
        struct scan_entry *a = &r->entries[sorted[i].entry], *b = &r->entries[sorted[i + 1].entry];
        if (a == b || strcmp(named_rel(r, &sorted[i]), named_rel(r, &sorted[i + 1])))
            continue;
        set_clash(r, a, b);
        set_clash(r, b, a);
    }
    free(sorted);
}

/* What an entry holds of its own; its paths are the arena's. */
static void release_entry(struct scan_entry *e)
{
    free(e->error);
    e->error = NULL;
}

static int by_identity_then_output(const void *a, const void *b)
{
    const struct scan_entry *x = *(const struct scan_entry *const *)a;
    const struct scan_entry *y = *(const struct scan_entry *const *)b;

    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    /* The same name gives the same outputs: the first tells them all. */
    return strcmp(scan_output_rel(x, 0), scan_output_rel(y, 0));
}

/*
 * One file reached twice for the same outputs ("photos photos/a.jpg", or a
 * folder given twice) is one job, not a clash with itself.  The one found
 * first is kept.  An entry without outputs has an error, and is not here.
 */
static void drop_duplicates(struct scan_result *r)
{
    struct scan_entry **sorted = xcalloc(r->count ? r->count : 1, sizeof(*sorted));
    char *drop = xcalloc(r->count ? r->count : 1, 1);
    size_t n = 0, kept = 0;

    for (size_t i = 0; i < r->count; i++)
        if (!r->entries[i].error)
            sorted[n++] = &r->entries[i];
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), by_identity_then_output);
    for (size_t i = 1; i < n; i++) {
        if (by_identity_then_output(&sorted[i - 1], &sorted[i]))
            continue;
        /* Drop the later of the two in scan order, keeping the first. */
        struct scan_entry *later = sorted[i] > sorted[i - 1] ? sorted[i] : sorted[i - 1];
        drop[later - r->entries] = 1;
        sorted[i] = later == sorted[i] ? sorted[i - 1] : sorted[i];
    }
    for (size_t i = 0; i < r->count; i++) {
        if (drop[i])
            release_entry(&r->entries[i]);
        else
            r->entries[kept++] = r->entries[i];
    }
    r->count = kept;
    free(sorted);
    free(drop);
}

/* Keeps this shard's entries only, once the clash check has seen every shard's. */
static void drop_other_shards(struct scan_result *r)
{
    size_t kept = 0;

    for (size_t i = 0; i < r->count; i++) {
        if (r->entries[i].other_shard)
            release_entry(&r->entries[i]);
        else
            r->entries[kept++] = r->entries[i];
    }
    r->count = kept;
}

static int by_file_id(const void *a, const void *b)
{
    const struct file_id *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return 0;
}

static void remember_inputs(struct scan_result *r)
{
    size_t n = 0;

    free(r->inputs);
    r->inputs = xcalloc(r->count ? r->count : 1, sizeof(*r->inputs));
    for (size_t i = 0; i < r->count; i++) {
        if (r->entries[i].error)
            continue;
        r->inputs[n].dev = r->entries[i].dev;
        r->inputs[n].ino = r->entries[i].ino;
        n++;
    }
    r->input_count = n;
    qsort(r->inputs, n, sizeof(*r->inputs), by_file_id);
}

int scan_has_input(const struct scan_result *r, dev_t dev, ino_t ino)
{
    struct file_id key = {dev, ino};

    return r->inputs &&
           bsearch(&key, r->inputs, r->input_count, sizeof(*r->inputs), by_file_id) != NULL;
}

/*
 * The folder of an output below OUTPUT's descriptor, opened once for all
 * the outputs in it: entries come folder by folder, and walking each
 * output's path down from OUTPUT again cost an openat per component, a
 * fstatat and a close per file, seconds before the first output of a
 * million files.
 */
struct dir_cache {
    char *dir; /* the folder below OUTPUT ("" for OUTPUT itself), or NULL for none yet */
    size_t len;
    int fd; /* it, opened below root without following a link; -1: not there, or no folder */
};

/* rel's folder, open (or -1), with *base its last component. */
static int cached_dir(struct dir_cache *c, int root, const char *rel, const char **base)
{
    const char *slash = strrchr(rel, '/');
    size_t len = slash ? (size_t)(slash - rel) : 0;

    *base = slash ? slash + 1 : rel;
    if (c->dir && c->len == len && !memcmp(c->dir, rel, len))
        return c->fd;
    close_quietly(c->fd);
    free(c->dir);
    c->dir = xstrndup(rel, len);
    c->len = len;
    c->fd = open_dir_beneath(root, c->dir, false);
    return c->fd;
}

/* Output k of e, if it exists below root: a regular file that is none of the inputs. */
static void check_output(struct scan_result *r, int root, struct dir_cache *dirs,
                         struct scan_entry *e, unsigned k)
{
    struct stat st;
    const char *base;
    int dir = cached_dir(dirs, root, scan_output_rel(e, k), &base);

    if (dir < 0)
        return; /* its directory is not there yet, or is no directory: made, or failed, later */
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return; /* no file's name (the scan never makes one): nothing there to overwrite */
    if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    /* Only a regular file is replaced: say so now, not after the decode. */
    if (!S_ISREG(st.st_mode)) {
        char *why = xasprintf(" is %s: not replaced", file_type_words(st.st_mode));
        set_error(e, "output ", scan_output_at(r, e, k).path, why);
        free(why);
        return;
    }
    /* An output that exists and is one of the inputs is never written. */
    if (scan_has_input(r, st.st_dev, st.st_ino))
        set_error(e, "output ", scan_output_at(r, e, k).path, " would overwrite an input");
}

void scan_check_outputs(struct scan_result *r, const char *output_dir)
{
    unsigned most = 0;

    if (!r->inputs)
        remember_inputs(r);
    int root = output_dir ? open(output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (root < 0)
        return; /* no OUTPUT yet (a dry run): nothing there to overwrite */
    for (size_t i = 0; i < r->count; i++)
        most = r->entries[i].noutputs > most ? r->entries[i].noutputs : most;
    /*
     * Variant by variant, so that one folder open serves consecutive
     * entries (a --name template may put each variant in its own folder).
     * An entry's first error is still that of its first output at fault.
     */
    struct dir_cache dirs = {NULL, 0, -1};
    for (unsigned k = 0; k < most; k++)
        for (size_t i = 0; i < r->count; i++)
            if (!r->entries[i].error && k < r->entries[i].noutputs)
                check_output(r, root, &dirs, &r->entries[i], k);
    close_quietly(dirs.fd);
    free(dirs.dir);
    close(root);
}

int make_dirs(const char *path)
{
    if (!*path) {
        errno = ENOENT; /* as mkdir("") says */
        return -1;
    }
    char *p = xstrdup(path);
    struct stat st;

    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        *s = saved;
        if (!saved)
            break;
    }
    free(p);
    /* EEXIST may have been a file in the way. */
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/*
 * Creates each output's directory below OUTPUT (with -r they mirror
 * INPUT), never through a link: a link planted in OUTPUT where a directory
 * should be fails the files below it.
 */
/* The directory of e's output k below OUTPUT, made unless it was the last one made (*last). */
static void make_output_dir(struct scan_result *r, struct scan_entry *e, unsigned k,
                            int output_root, char **last, int *last_errno)
{
    const char *rel = scan_output_rel(e, k);
    const char *slash = strrchr(rel, '/');

    if (!slash)
        return;
    char *dir = xstrndup(rel, (size_t)(slash - rel));
    if (!*last || strcmp(*last, dir)) {
        int fd = open_dir_beneath(output_root, dir, true);
        *last_errno = fd < 0 ? errno : 0;
        close_quietly(fd);
    }
    if (*last_errno && !e->error) {
        /* The output is OUTPUT as given joined with rel: show the directory so. */
        const char *path = scan_output_at(r, e, k).path;
        size_t prefix = strlen(path) - strlen(rel);
        char *shown = xstrndup(path, prefix + strlen(dir));
        e->error = *last_errno == ELOOP
                       ? xasprintf("cannot create directory %s: a symbolic link is in the "
                                   "way (not followed below OUTPUT)",
                                   shown)
                       : xasprintf("cannot create directory %s: %s", shown, strerror(*last_errno));
        free(shown);
    }
    free(*last);
    *last = dir;
}

void scan_create_output_dirs(struct scan_result *scan, int output_root)
{
    char *last = NULL;
    int last_errno = 0;

    for (size_t i = 0; i < scan->count; i++) {
        struct scan_entry *e = &scan->entries[i];
        for (unsigned k = 0; !e->error && k < e->noutputs; k++)
            make_output_dir(scan, e, k, output_root, &last, &last_errno);
    }
    free(last);
}

/* By size, largest first, then by the input as shown, for a stable order. */
static int largest_first(const void *a, const void *b, void *scan)
{
    const struct scan_entry *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return scan_compare_inputs(scan, x, y);
}

void scan_sort_largest_first(struct scan_result *r)
{
    if (r->count < 2)
        return; /* entries may be NULL, which qsort must not see */
    qsort_r(r->entries, r->count, sizeof(*r->entries), largest_first, r);
}

int scan_open_root(const struct scan_root *root, char *err, size_t errlen)
{
    struct stat st;
    const char *shown = root->file_real ? root->file_shown : root->path;
    int fd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", shown, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || st.st_dev != root->dev || st.st_ino != root->ino) {
        snprintf(err, errlen, "INPUT folder %s was replaced since the scan: not read", root->path);
        close(fd);
        return -1;
    }
    return fd;
}

int scan_root_fd(const struct scan_root *roots, struct open_root *o, unsigned index, char *err,
                 size_t errlen)
{
    if (o->fd >= 0 && o->index == index)
        return o->fd;
    close_quietly(o->fd);
    o->index = index;
    o->fd = scan_open_root(&roots[index], err, errlen);
    return o->fd;
}

void scan_release(struct scan_result *r)
{
    for (size_t i = 0; i < r->root_count; i++) {
        free(r->roots[i].path);
        free(r->roots[i].shown);
        free(r->roots[i].file_shown);
        free(r->roots[i].file_real);
    }
    free(r->roots);
    for (size_t i = 0; i < r->count; i++)
        release_entry(&r->entries[i]);
    free(r->entries);
    free(r->inputs);
    free(r->skipped);
    arena_release(&r->names);
    free(r->output);
    free(r->output_file);
    free(r->shown_in.data);
    free(r->shown_out.data);
    memset(r, 0, sizeof(*r));
}
