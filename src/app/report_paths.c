/* report_paths: report files that would replace the run's own files; see report_paths.h. */
#include "report_paths.h"
#include "atomic_file.h"
#include "base/xalloc.h"
#include "outpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One report file given on the command line. */
struct report_path {
    const char *option; /* "--stats-file" */
    const char *path;   /* as given */
    const char *base;   /* its last component */
    char *canonical;    /* NULL when its directory does not resolve */
    struct stat st;
    int exists;
};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/*
 * The real path of path's directory joined with its base name: one
 * spelling per file, a link in the last component left as it is (the
 * rename replaces the link, not what it leads to).  NULL when the
 * directory does not resolve.
 */
static char *canonical_path(const char *path)
{
    const char *base = base_name(path);
    char *dir, *real, *out;

    /* "dir/", "." or "..": the name is a directory, resolved whole. */
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return realpath(path, NULL);
    dir = path_dir(path);
    real = realpath(dir, NULL);
    free(dir);
    if (!real)
        return NULL;
    out = strcmp(real, "/") ? xasprintf("%s/%s", real, base) : xasprintf("/%s", base);
    free(real);
    return out;
}

/* 1 if path is the report file r: compared only where the base names agree, which is rare. */
static int names(const struct report_path *r, const char *path)
{
    char *canonical;
    int same;

    if (!r->canonical || strcmp(base_name(path), r->base))
        return 0;
    canonical = canonical_path(path);
    same = canonical && !strcmp(canonical, r->canonical);
    free(canonical);
    return same;
}

/* 1 if the existing file r is one of the scan's inputs, of this shard or another. */
static int is_an_input(const struct report_path *r, const struct scan_result *scan)
{
    struct file_id key = {r->st.st_dev, r->st.st_ino};

    if (!r->exists)
        return 0;
    if (scan_has_input(scan, key.dev, key.ino))
        return 1;
    /* The scan fills inputs only when it needs them: the entries are the same files. */
    for (size_t i = 0; i < scan->count; i++)
        if (!scan->entries[i].error && scan->entries[i].dev == key.dev &&
            scan->entries[i].ino == key.ino)
            return 1;
    return 0;
}

/*
 * 1 if r is a file imgbatch keeps for OUTPUT, in OUTPUT or in --state-dir:
 * the lock, or an incremental state of any split.
 */
static int is_kept_file(const struct report_path *r, const struct kept_files *kept)
{
    if (!kept)
        return 0;
    char *where = realpath(kept->dir, NULL);
    char *dir = r->canonical ? path_dir(r->canonical) : NULL;
    int is_kept = where && dir && !strcmp(where, dir) &&
                  (!strcmp(r->base, kept->lock_name) ||
                   !strncmp(r->base, kept->state_prefix, strlen(kept->state_prefix)));

    free(where);
    free(dir);
    return is_kept;
}

/* Checks one report file; 0, or -1 with the reason in err. */
static int check_one(const struct report_path *r, const struct options *opts,
                     const struct kept_files *kept, struct scan_result *scan, char *err,
                     size_t errlen)
{
    if (is_an_input(r, scan)) {
        snprintf(err, errlen,
                 "%s %s is one of the inputs: it would be replaced; choose another file", r->option,
                 r->path);
        return -1;
    }
    for (size_t i = 0; i < scan->count; i++) {
        const struct scan_entry *e = &scan->entries[i];
        const char *input = scan_input_shown(scan, e);
        if (names(r, input)) {
            snprintf(err, errlen,
                     "%s %s is the input %s: it would be replaced; choose another file", r->option,
                     r->path, input);
            return -1;
        }
        for (unsigned k = 0; k < e->noutputs; k++) {
            if (names(r, scan_output_at(scan, e, k).path)) {
                snprintf(err, errlen,
                         "%s %s is an output of %s: one would replace the other; choose another "
                         "file",
                         r->option, r->path, input);
                return -1;
            }
        }
    }
    if (is_kept_file(r, kept)) {
        snprintf(err, errlen,
                 "%s %s is a file imgbatch keeps %s: it would be replaced; choose another file",
                 r->option, r->path, opts->state_dir ? "in --state-dir" : "in OUTPUT");
        return -1;
    }
    return 0;
}

static void describe(struct report_path *r, const char *option, const char *path)
{
    memset(r, 0, sizeof(*r));
    r->option = option;
    r->path = path;
    if (!path || is_stdout_name(path))
        return;
    r->base = base_name(path);
    r->canonical = canonical_path(path);
    r->exists = stat(path, &r->st) == 0;
}

/* Whether two described report paths name one file, by name or by identity. */
static int same_file(const struct report_path *a, const struct report_path *b)
{
    return (a->canonical && b->canonical && !strcmp(a->canonical, b->canonical)) ||
           (a->exists && b->exists && a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino);
}

int check_report_paths(const struct options *opts, const struct kept_files *kept,
                       struct scan_result *scan, char *err, size_t errlen)
{
    /* A run writes the stats and metrics files and the manifest; bench its CSV and SVG plot. */
    enum { N = 5 };
    struct report_path r[N];
    int ret = 0;

    describe(&r[0], "--stats-file", opts->stats_file);
    describe(&r[1], "--metrics-file", opts->metrics_file);
    describe(&r[2], "--csv", opts->csv_file);
    describe(&r[3], "--plot", opts->plot_file);
    describe(&r[4], "--manifest", opts->manifest_file);
    for (int i = 0; i < N && ret == 0; i++)
        if (r[i].base)
            ret = check_one(&r[i], opts, kept, scan, err, errlen);
    for (int i = 0; i < N && ret == 0; i++)
        for (int j = i + 1; j < N && ret == 0; j++)
            if (r[i].base && r[j].base && same_file(&r[i], &r[j])) {
                snprintf(err, errlen, "%s %s and %s %s name one file; choose two", r[i].option,
                         r[i].path, r[j].option, r[j].path);
                ret = -1;
            }
    for (int i = 0; i < N; i++)
        free(r[i].canonical);
    return ret;
}
