/*
 * scan: directory walk, output mapping, clash and overwrite checks; see
 * scan.h.
 *
 * Directories are walked with openat()/fstatat() relative to an open
 * directory, so deep trees do not build ever longer paths for every call,
 * and symbolic links to directories are not followed (no loops).
 */
#include "scan.h"
#include "filelist.h"
#include "outpath.h"
#include "shard.h"
#include "base/beneath.h"
#include "base/xio.h"
#include "base/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
    int depth; /* directories entered below INPUT */
};

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

static void add_skipped(struct walk *w, const char *rel, const char *reason)
{
    struct scan_result *r = w->r;

    if (!ours(w, rel))
        return;
    if (r->skipped_count == r->skipped_cap) {
        r->skipped_cap = r->skipped_cap ? r->skipped_cap * 2 : 16;
        r->skipped = xrealloc(r->skipped, r->skipped_cap * sizeof(*r->skipped));
    }
    r->skipped[r->skipped_count].input = path_join(w->req->input, rel);
    r->skipped[r->skipped_count].reason = reason;
    r->skipped_count++;
}

static void fill_entry(struct scan_entry *e, const struct scan_request *req, const char *rel,
                       char *input, const struct stat *st)
{
    char *out_rel = output_relpath(rel, req->format, req->suffix);

    e->rel = xstrdup(rel);
    e->input = input;
    e->output = req->output ? path_join(req->output, out_rel) : xstrdup(out_rel);
    e->out_rel = out_rel;
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

    fill_entry(e, w->req, rel, path_join(w->req->input, rel), st);
    e->other_shard = !ours(w, rel);
}

/* A directory that cannot be read fails like a file, so the exit code tells. */
static void add_failure_text(struct walk *w, const char *rel, char *error)
{
    if (!ours(w, rel)) {
        free(error);
        return;
    }
    struct scan_entry *e = add_entry(w->r);
    e->rel = xstrdup(rel);
    e->input = rel[0] ? path_join(w->req->input, rel) : xstrdup(w->req->input);
    e->output = xstrdup("");
    e->error = error;
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
            add_failure_text(w, rel, xstrdup("symbolic link: not followed (imgbatch reads no "
                                             "links inside INPUT; they could lead outside it)"));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        int is_output = w->have_out && st.st_dev == w->out_dev && st.st_ino == w->out_ino;
        if (listed) {
            add_skipped(w, rel, "a directory (--files-from lists files)");
        } else if (w->req->recursive && !is_output && w->depth >= SCAN_MAX_DEPTH) {
            add_failure_text(w, rel, xasprintf("directory too deep: more than %d levels below "
                                               "INPUT (not walked)", SCAN_MAX_DEPTH));
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
        if (named_image)
            add_file(w, rel, &st);
        else
            add_skipped(w, rel, "not an image file by its extension");
    } else if (named_image || listed) {
        /* Opening a FIFO would block a worker until someone writes to it. */
        add_failure_text(w, rel, xasprintf("not a regular file: %s", file_type_words(st.st_mode)));
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
            add_failure_text(w, rel, xstrdup("a symbolic link or a file is in the way: not "
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
        inside = fstatat(input_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                 st.st_dev == w->out_dev &&
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

static void mark_clashes(struct scan_result *r);
static void drop_other_shards(struct scan_result *r);
static void remember_inputs(struct scan_result *r);

int scan_inputs(const struct scan_request *req, struct scan_result *r, char *err, size_t errlen)
{
    struct walk w = {req, r, 0, 0, 0, 0};
    struct stat st, out_st;

    memset(r, 0, sizeof(*r));
    if (stat(req->input, &st) < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", req->input, strerror(errno));
        return -1;
    }
    if (req->output && stat(req->output, &out_st) == 0) {
        w.out_dev = out_st.st_dev;
        w.out_ino = out_st.st_ino;
        w.have_out = 1;
    }

    if (S_ISREG(st.st_mode)) {
        const char *base = strrchr(req->input, '/');
        base = base ? base + 1 : req->input;
        if (input_kind_of(base) == IN_NONE) {
            snprintf(err, errlen,
                     "INPUT %s is not an image by its extension "
                     "(.jpg .jpeg .png .gif .bmp .webp .tif .tiff)",
                     req->input);
            return -1;
        }
        if (req->files_from) {
            snprintf(err, errlen, "--files-from needs INPUT to be a directory, and %s is a file",
                     req->input);
            return -1;
        }
        if (ours(&w, base))
            fill_entry(add_entry(r), req, base, xstrdup(req->input), &st);
        remember_inputs(r);
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "INPUT %s is neither a directory nor a file", req->input);
        return -1;
    }
    int fd = open(req->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read INPUT %s: %s", req->input, strerror(errno));
        return -1;
    }
    int ret = 0;
    if (req->files_from) {
        ret = scan_listed(&w, fd, err, errlen);
        close(fd);
    } else {
        walk_dir(&w, fd, ""); /* closes fd */
    }
    if (ret < 0) {
        scan_release(r); /* a list that cannot be used: nothing of it is kept */
        return -1;
    }
    /* Before other shards' images go: two inputs of one output may hash apart. */
    remember_inputs(r);
    mark_clashes(r);
    if (req->shard_count)
        drop_other_shards(r);
    return 0;
}

static int by_output(const void *a, const void *b)
{
    const struct scan_entry *x = *(const struct scan_entry *const *)a;
    const struct scan_entry *y = *(const struct scan_entry *const *)b;
    return strcmp(x->output, y->output);
}

/* Sets e's error to "<what> <path><why>", keeping an error set earlier. */
static void set_error(struct scan_entry *e, const char *what, const char *path, const char *why)
{
    if (!e->error)
        e->error = xasprintf("%s%s%s", what, path, why);
}

/* Two inputs, one output: both fail, each naming the other. */
static void mark_clashes(struct scan_result *r)
{
    struct scan_entry **sorted = xcalloc(r->count, sizeof(*sorted));
    size_t n = 0;

    for (size_t i = 0; i < r->count; i++)
        if (!r->entries[i].error)
            sorted[n++] = &r->entries[i];
    qsort(sorted, n, sizeof(*sorted), by_output);
    for (size_t i = 0; i + 1 < n; i++) {
        if (strcmp(sorted[i]->output, sorted[i + 1]->output))
            continue;
        set_error(sorted[i], "output would clash with ", sorted[i + 1]->input,
                  " (same output name)");
        set_error(sorted[i + 1], "output would clash with ", sorted[i]->input,
                  " (same output name)");
    }
    free(sorted);
}

static void release_entry(struct scan_entry *e)
{
    free(e->rel);
    free(e->out_rel);
    free(e->input);
    free(e->output);
    free(e->error);
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

void scan_check_outputs(struct scan_result *r, const char *output_dir)
{
    if (!r->inputs)
        remember_inputs(r);
    int root = output_dir ? open(output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (root < 0)
        return; /* no OUTPUT yet (a dry run): nothing there to overwrite */

    for (size_t i = 0; i < r->count; i++) {
        struct scan_entry *e = &r->entries[i];
        struct stat st;
        int dir;
        if (e->error)
            continue;
        const char *base = open_parent_beneath(root, e->out_rel, false, &dir);
        if (!base)
            continue; /* its directory is not there yet, or is no directory: made, or failed, later */
        int found = fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
        close(dir);
        if (!found)
            continue;
        /* Only a regular file is replaced: say so now, not after the decode. */
        if (!S_ISREG(st.st_mode)) {
            char *why = xasprintf(" is %s: not replaced", file_type_words(st.st_mode));
            set_error(e, "output ", e->output, why);
            free(why);
            continue;
        }
        /* An output that exists and is one of the inputs is never written. */
        if (scan_has_input(r, st.st_dev, st.st_ino))
            set_error(e, "output ", e->output, " would overwrite an input");
    }
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
void scan_create_output_dirs(struct scan_result *scan, int output_root)
{
    char *last = NULL;
    int last_errno = 0;

    for (size_t i = 0; i < scan->count; i++) {
        struct scan_entry *e = &scan->entries[i];
        if (e->error)
            continue;
        const char *slash = strrchr(e->out_rel, '/');
        if (!slash)
            continue;
        char *dir = xstrndup(e->out_rel, (size_t)(slash - e->out_rel));
        if (!last || strcmp(last, dir)) {
            int fd = open_dir_beneath(output_root, dir, true);
            last_errno = fd < 0 ? errno : 0;
            close_quietly(fd);
        }
        if (last_errno) {
            /* e->output is OUTPUT as given joined with out_rel: show the directory so. */
            size_t prefix = strlen(e->output) - strlen(e->out_rel);
            char *shown = xstrndup(e->output, prefix + strlen(dir));
            e->error = last_errno == ELOOP
                           ? xasprintf("cannot create directory %s: a symbolic link is in the "
                                       "way (not followed below OUTPUT)", shown)
                           : xasprintf("cannot create directory %s: %s", shown,
                                       strerror(last_errno));
            free(shown);
        }
        free(last);
        last = dir;
    }
    free(last);
}

static int largest_first(const void *a, const void *b)
{
    const struct scan_entry *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->input, y->input);
}

void scan_sort_largest_first(struct scan_result *r)
{
    if (r->count < 2)
        return; /* entries may be NULL, which qsort must not see */
    qsort(r->entries, r->count, sizeof(*r->entries), largest_first);
}

void scan_release(struct scan_result *r)
{
    for (size_t i = 0; i < r->count; i++)
        release_entry(&r->entries[i]);
    free(r->entries);
    free(r->inputs);
    for (size_t i = 0; i < r->skipped_count; i++)
        free(r->skipped[i].input);
    free(r->skipped);
    memset(r, 0, sizeof(*r));
}
