/* prune: the outputs of inputs that are gone; see prune.h. */
#include "prune.h"
#include "base/beneath.h"
#include "base/diag.h"
#include "base/xalloc.h"
#include "base/xio.h"
#include "outpath.h"
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pruning {
    const struct prune_request *req;
    int input_root, output_root;
    const char **in_rels, **out_rels; /* of the scan, sorted: what this run sees */
    size_t nin, nout;
    prune_found_fn found;
    void *ctx;
    long removed;
    int trouble; /* something could not be looked at or removed */
};

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int among(const char **sorted, size_t n, const char *s)
{
    return n && bsearch(&s, sorted, n, sizeof(*sorted), by_string) != NULL;
}

/*
 * 1 if nothing is at rel below INPUT any more, 0 if something is (or may
 * be: a link on the way, a directory that cannot be read), -1 with a line
 * said when it cannot be told.
 */
static int input_gone(struct pruning *p, const char *rel)
{
    struct stat st;
    int dir;
    const char *base = open_parent_beneath(p->input_root, rel, false, &dir);

    if (!base)
        return errno == ENOENT || errno == ENOTDIR;
    int there = fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
    int err = errno;
    close_quietly(dir);
    if (there || err == ENOENT || err == ENOTDIR)
        return !there;
    diag("--prune: cannot look for %s/%s: %s", p->req->input, rel, strerror(err));
    p->trouble = 1;
    return 0;
}

static int same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * Removes o's output if it is still the regular file imgbatch wrote.
 * Returns 1 to forget the record (removed, gone already, or no longer
 * imgbatch's), 0 to keep it (a dry run, or a removal that failed).
 */
static int remove_output(struct pruning *p, const struct state_output *o)
{
    struct stat st;
    int dir, forget = 1;
    const char *base = open_parent_beneath(p->output_root, o->out_rel, false, &dir);

    /* Its directory is gone, or a link or a file now stands in its path: not ours to reach. */
    if (!base)
        return 1;
    if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        st.st_size != o->size || (unsigned long long)st.st_ino != o->ino ||
        !same_time(st.st_mtim, o->mtime)) {
        close_quietly(dir);
        return 1;
    }
    if (p->req->dry_run) {
        forget = 0;
        p->found(p->ctx, o->in_rel, o->out_rel);
        p->removed++;
    } else if (unlinkat(dir, base, 0) == 0) {
        p->found(p->ctx, o->in_rel, o->out_rel);
        p->removed++;
    } else if (errno != ENOENT) {
        diag_errno("--prune: cannot remove %s/%s (its input is gone)", p->req->output, o->out_rel);
        p->trouble = 1;
        forget = 0; /* tried again next time */
    }
    close_quietly(dir);
    return forget;
}

static int prune_one(void *ctx, const struct state_output *o)
{
    struct pruning *p = ctx;

    /* What this run sees, or is not its to judge: another shard's file, by its name. */
    if (among(p->in_rels, p->nin, o->in_rel) ||
        !shard_contains(o->in_rel, p->req->shard_index, p->req->shard_count))
        return 0;
    /* Another file of this run makes that output now: it is that file's. */
    if (!o->failed && among(p->out_rels, p->nout, o->out_rel))
        return 0;
    if (input_gone(p, o->in_rel) != 1)
        return 0;
    if (o->failed)
        return !p->req->dry_run; /* nothing was made: only the record goes */
    return remove_output(p, o);
}

size_t prune_outputs(struct run_state *s, const struct prune_request *req, prune_found_fn found,
                     void *ctx, int *trouble)
{
    struct pruning p = {req, -1, -1, NULL, NULL, 0, 0, found, ctx, 0, 0};
    const struct scan_result *scan = req->scan;

    *trouble = 0;
    p.input_root = open(req->input, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    p.output_root = open(req->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* A dry run before OUTPUT exists has nothing to remove. */
    if (p.output_root < 0 && errno == ENOENT && req->dry_run) {
        close_quietly(p.input_root);
        return 0;
    }
    if (p.input_root < 0 || p.output_root < 0) {
        diag_errno("--prune: cannot open %s %s", p.input_root < 0 ? "INPUT" : "OUTPUT",
                   p.input_root < 0 ? req->input : req->output);
        close_quietly(p.input_root);
        close_quietly(p.output_root);
        *trouble = 1;
        return 0;
    }
    size_t outputs = 0;
    for (size_t i = 0; i < scan->count; i++)
        outputs += scan->entries[i].noutputs; /* none for a file the scan refused */
    p.in_rels = xcalloc(scan->count + 1, sizeof(*p.in_rels));
    p.out_rels = xcalloc(outputs + 1, sizeof(*p.out_rels));
    for (size_t i = 0; i < scan->count; i++) {
        p.in_rels[p.nin++] = scan->entries[i].rel;
        for (unsigned k = 0; k < scan->entries[i].noutputs; k++)
            p.out_rels[p.nout++] = scan_output_rel(&scan->entries[i], k);
    }
    qsort(p.in_rels, p.nin, sizeof(*p.in_rels), by_string);
    qsort(p.out_rels, p.nout, sizeof(*p.out_rels), by_string);
    state_each_of_input(s, prune_one, &p);
    free(p.in_rels);
    free(p.out_rels);
    close_quietly(p.input_root);
    close_quietly(p.output_root);
    *trouble = p.trouble;
    return (size_t)p.removed;
}
