/* manifest: every output of every input as JSON; see manifest.h. */
#include "manifest.h"

#include "atomic_file.h"
#include "base/xalloc.h"
#include "cli.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

void manifest_init(struct manifest *m, struct scan_result *scan, const struct variant *variants,
                   const char *output)
{
    m->scan = scan;
    m->variants = variants;
    m->output = output;
    m->entries = xcalloc(scan->count ? scan->count : 1, sizeof(*m->entries));
    for (size_t i = 0; i < scan->count; i++) {
        unsigned n = scan->entries[i].noutputs;
        m->entries[i].outputs = xcalloc(n ? n : 1, sizeof(*m->entries[i].outputs));
    }
}

static struct manifest_entry *entry_of(struct manifest *m, const struct scan_entry *e)
{
    return &m->entries[e - m->scan->entries];
}

void manifest_output(struct manifest *m, const struct scan_entry *e, unsigned k, unsigned width,
                     unsigned height, long long bytes)
{
    if (!m->entries)
        return; /* no --manifest */
    struct manifest_output *o = &entry_of(m, e)->outputs[k];

    o->present = 1;
    o->width = width;
    o->height = height;
    o->bytes = bytes;
}

void manifest_failed(struct manifest *m, const struct scan_entry *e, const char *error)
{
    if (!m->entries)
        return; /* no --manifest */
    struct manifest_entry *me = entry_of(m, e);

    if (!me->error)
        me->error = xstrdup(error);
}

/* Output k, rel: its path below OUTPUT, size, format, bytes, and the size asked. */
static void put_output(FILE *out, const struct manifest *m, const char *rel, unsigned k,
                       const struct manifest_output *o)
{
    const struct variant *v = &m->variants[k]; /* output k is variant k (scan.h) */
    enum out_format format = v->format;
    char asked[48];

    /* auto: the format the name says, as the input's kind decided it. */
    if (format == FMT_AUTO)
        format = output_format_for(FMT_AUTO, input_kind_of(rel));
    fputs("    {", out);
    json_put_path_field(out, "path", rel);
    fprintf(out, ",\"width\":%u,\"height\":%u,\"format\":\"%s\",\"bytes\":%lld", o->width,
            o->height, format_name(format), o->bytes);
    if (v->size.mode != SIZE_FIT || v->size.width || v->size.height) {
        size_shown(&v->size, asked, sizeof(asked));
        fprintf(out, ",\"asked\":\"%s\"", asked);
        if (size_capped(&v->size, (int)o->width, (int)o->height))
            fputs(",\"not_enlarged\":true", out);
    }
    fputs("}", out);
}

/* One input: its path, its error if it failed, and the outputs that are there. */
static void put_entry(FILE *out, const struct manifest *m, size_t i)
{
    const struct scan_entry *e = &m->scan->entries[i];
    const struct manifest_entry *me = &m->entries[i];
    int said = 0;

    fputs(" {", out);
    json_put_path_field(out, "input", scan_input_shown(m->scan, e));
    if (me->error) {
        fputs(",\"error\":", out);
        json_put_string(out, me->error);
    }
    fputs(",\"outputs\":[", out);
    for (unsigned k = 0; k < e->noutputs; k++) {
        if (!me->outputs[k].present)
            continue;
        fputs(said++ ? ",\n" : "\n", out);
        put_output(out, m, scan_output_rel(e, k), k, &me->outputs[k]);
    }
    fputs("]}", out);
}

static const struct scan_result *sorting_scan;

static int by_input(const void *a, const void *b)
{
    const struct scan_entry *x = &sorting_scan->entries[*(const size_t *)a];
    const struct scan_entry *y = &sorting_scan->entries[*(const size_t *)b];

    return scan_compare_inputs(sorting_scan, x, y);
}

static void put_manifest(FILE *out, const void *ctx)
{
    const struct manifest *m = ctx;
    size_t n = m->scan->count, *order = xcalloc(n ? n : 1, sizeof(*order));

    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sorting_scan = m->scan;
    if (n > 1)
        qsort(order, n, sizeof(*order), by_input);
    fputs("{", out);
    json_put_path_field(out, "output", m->output);
    fputs(",\"inputs\":[", out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n" : "\n", out);
        put_entry(out, m, order[i]);
    }
    fputs("]}\n", out);
    free(order);
}

int manifest_write(const struct manifest *m, const char *path, char *err, size_t errlen)
{
    return write_file_from(path, put_manifest, m, 0666, MODE_UMASK, 1, err, errlen);
}

void manifest_release(struct manifest *m)
{
    for (size_t i = 0; m->entries && i < m->scan->count; i++) {
        free(m->entries[i].error);
        free(m->entries[i].outputs);
    }
    free(m->entries);
    m->entries = NULL;
}
