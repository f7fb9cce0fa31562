/* naming: the outputs' names, from the defaults or --name; see naming.h. */
#include "naming.h"

#include "base/diag.h"
#include "base/xalloc.h"
#include "filelist.h"
#include "outpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum placeholder { PH_NAME, PH_EXT, PH_DIR, PH_WIDTH, PH_HEIGHT, PH_FORMAT, PH_NONE };

static const char *const placeholder_words[] = {"name", "ext", "dir", "width", "height", "format"};

/* The placeholder "{word}" at p (p[0] == '{'), its length in *len; PH_NONE if none. */
static enum placeholder placeholder_at(const char *p, size_t *len)
{
    const char *close = strchr(p, '}');

    if (!close)
        return PH_NONE;
    for (int i = 0; i < PH_NONE; i++) {
        size_t n = strlen(placeholder_words[i]);
        if ((size_t)(close - p - 1) == n && !strncmp(p + 1, placeholder_words[i], n)) {
            *len = n + 2;
            return (enum placeholder)i;
        }
    }
    return PH_NONE;
}

/* What one input's name is made of. */
struct parts {
    char *dir;  /* "" at the top of INPUT */
    char *stem; /* its name without the extension */
    const char *rel;
};

static void split(const char *rel, struct parts *p)
{
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    const char *ext = file_extension(base);

    p->rel = rel;
    p->dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
    p->stem = ext ? xstrndup(base, (size_t)(ext - base)) : xstrdup(base);
}

static void release(struct parts *p)
{
    free(p->dir);
    free(p->stem);
}

/* The extension variant v's output takes, without its dot: the input's own where kept. */
static char *extension_of(const char *rel, enum out_format format)
{
    char *named = output_relpath(rel, format, "");
    const char *ext = file_extension(named);
    char *word = xstrdup(ext ? ext + 1 : "");

    free(named);
    return word;
}

/* --format's word for f: "jpeg", "png", "webp", "tiff", "gif", "avif", "jxl". */
static const char *format_word(enum out_format f)
{
    static const char *const words[] = {"auto", "jpeg", "png", "webp", "tiff", "gif", "avif", "jxl"};

    return words[f];
}

/* Appends placeholder ph's value for p and variant v to buf (at *len, growing). */
static void put_value(char **buf, size_t *len, enum placeholder ph, const struct parts *p,
                      const struct variant *v)
{
    char number[16] = "";
    char *owned = NULL;
    const char *value = number;

    switch (ph) {
    case PH_NAME:
        value = p->stem;
        break;
    case PH_DIR:
        value = p->dir;
        break;
    case PH_EXT:
        value = owned = extension_of(p->rel, v->format);
        break;
    case PH_FORMAT:
        value = format_word(output_format_for(v->format, input_kind_of(p->rel)));
        break;
    case PH_WIDTH:
        snprintf(number, sizeof(number), "%d", v->size.width);
        break;
    case PH_HEIGHT:
        snprintf(number, sizeof(number), "%d", v->size.height);
        break;
    case PH_NONE:
        break;
    }
    size_t n = strlen(value);
    *buf = xrealloc(*buf, *len + n + 1);
    memcpy(*buf + *len, value, n + 1);
    *len += n;
    free(owned);
}

/* The template filled in for p and v, as written (not yet tidied). */
static char *fill(const char *template, const struct parts *p, const struct variant *v)
{
    char *buf = xstrdup("");
    size_t len = 0, ph_len = 0;

    for (const char *t = template; *t;) {
        enum placeholder ph = *t == '{' ? placeholder_at(t, &ph_len) : PH_NONE;
        if (ph != PH_NONE) {
            put_value(&buf, &len, ph, p, v);
            t += ph_len;
            continue;
        }
        buf = xrealloc(buf, len + 2);
        buf[len++] = *t++;
        buf[len] = '\0';
    }
    return buf;
}

/*
 * A made name's parts: none empty after tidying, none "." or "..", none
 * hidden.  A template never begins with "/": one here is an empty {dir}'s.
 */
static int tidy_name(char *name)
{
    size_t lead = strspn(name, "/");

    memmove(name, name + lead, strlen(name + lead) + 1);
    if (tidy_relpath(name) < 0)
        return -1;
    for (const char *part = name; part; part = strchr(part, '/')) {
        if (*part == '/')
            part++;
        if (*part == '.')
            return -1;
    }
    return 0;
}

/* The default name: as ever, and with several sizes the width after the suffix. */
static char *default_name(const struct naming *n, const char *rel, const struct variant *v)
{
    char *plain = output_relpath(rel, v->format, n->suffix);

    if (!n->sized)
        return plain;
    const char *slash = strrchr(plain, '/');
    const char *ext = file_extension(slash ? slash + 1 : plain);
    int stem_len = ext ? (int)(ext - plain) : (int)strlen(plain);
    char *sized = xasprintf("%.*s-%d%s", stem_len, plain, v->size.width, ext ? ext : "");

    free(plain);
    return sized;
}

char *naming_output(const struct naming *n, const char *rel, size_t v, char *err, size_t errlen)
{
    struct parts p;
    char *name;

    if (!n->template)
        return default_name(n, rel, &n->variants[v]);
    split(rel, &p);
    name = fill(n->template, &p, &n->variants[v]);
    release(&p);
    if (tidy_name(name) < 0) {
        diag_into(err, errlen, "--name makes '%s' of it, which is no name below OUTPUT", name);
        free(name);
        return NULL;
    }
    return name;
}

/* Every placeholder of the template known and closed; which are used, in *used (bits). */
static int check_placeholders(const char *template, unsigned *used, char *err, size_t errlen)
{
    size_t len;

    *used = 0;
    for (const char *t = strchr(template, '{'); t; t = strchr(t + 1, '{')) {
        enum placeholder ph = placeholder_at(t, &len);
        if (ph == PH_NONE) {
            size_t word = strcspn(t + 1, "{}/");
            return diag_into(err, errlen,
                             "--name: unknown placeholder '{%.*s%s' (known: {name}, {ext}, {dir}, "
                             "{width}, {height}, {format})",
                             (int)word, t + 1, t[1 + word] == '}' ? "}" : "");
        }
        *used |= 1u << ph;
    }
    return 0;
}

/* The literal text of the template: no part that leaves OUTPUT or hides, ending in .{ext}. */
static int check_literal(const char *template, char *err, size_t errlen)
{
    size_t len = strlen(template);

    if (template[0] == '/')
        return diag_into(err, errlen, "--name '%s' begins with '/': names are below OUTPUT",
                         template);
    if (len < 6 || strcmp(template + len - 6, ".{ext}"))
        return diag_into(err, errlen,
                         "--name '%s' must end with .{ext}: the extension says the format",
                         template);
    for (const char *part = template; part; part = strchr(part, '/')) {
        if (*part == '/')
            part++;
        if (*part == '.')
            return diag_into(err, errlen,
                             "--name '%s': a part begins with '.' (no '..', no hidden names)",
                             template);
    }
    return 0;
}

/* {width} and {height}: the box asked, so every size must give that side. */
static int check_sides(const struct naming *n, unsigned used, char *err, size_t errlen)
{
    for (size_t i = 0; i < n->count; i++) {
        const struct size_request *r = &n->variants[i].size;
        int no_box = r->mode == SIZE_PERCENT || r->mode == SIZE_AREA;
        const char *side = NULL;
        if ((used & 1u << PH_WIDTH) && (no_box || r->width == 0))
            side = "width";
        else if ((used & 1u << PH_HEIGHT) && (no_box || r->height == 0))
            side = "height";
        if (side)
            return diag_into(err, errlen,
                             "--name uses {%s}, and a --size gives no %s: names are made before "
                             "any image is read, from the sizes asked",
                             side, side);
    }
    return 0;
}

static int check_template(const struct naming *n, char *err, size_t errlen)
{
    unsigned used;

    if (check_placeholders(n->template, &used, err, errlen) < 0 ||
        check_literal(n->template, err, errlen) < 0)
        return -1;
    if (!(used & 1u << PH_NAME))
        return diag_into(err, errlen,
                         "--name '%s' has no {name}: every input would get the same name",
                         n->template);
    return check_sides(n, used, err, errlen);
}

/* The default names of several sizes say the width: each size must give one. */
static int check_default(const struct naming *n, char *err, size_t errlen)
{
    for (size_t i = 0; n->sized && i < n->count; i++) {
        const struct size_request *r = &n->variants[i].size;
        if (r->mode == SIZE_PERCENT || r->mode == SIZE_AREA || r->width == 0)
            return diag_into(err, errlen,
                             "several --size need a width each for the default names "
                             "({name}-{width}.{ext}); give --name for others (e.g. "
                             "'{name}-h{height}.{ext}')");
    }
    return 0;
}

/* Two variants named alike for a sample input would be alike for every input. */
static int check_apart(const struct naming *n, char *err, size_t errlen)
{
    static const char *const samples[] = {"photo.jpg", "sub/photo.png"};

    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        for (size_t i = 0; i < n->count; i++) {
            char *a = naming_output(n, samples[s], i, err, errlen);
            int clash = 0;
            for (size_t j = i + 1; a && j < n->count && !clash; j++) {
                char *b = naming_output(n, samples[s], j, err, errlen);
                clash = !b || !strcmp(a, b);
                if (b && clash)
                    diag_into(err, errlen, "two outputs of each input would be named '%s'%s", a,
                              n->template ? ": put {width}, {height} or {format} in --name"
                                          : "; give --name with {height} in it");
                free(b);
            }
            free(a);
            if (!a || clash)
                return -1;
        }
    }
    return 0;
}

int naming_check(const struct naming *n, char *err, size_t errlen)
{
    if (n->template && check_template(n, err, errlen) < 0)
        return -1;
    if (!n->template && check_default(n, err, errlen) < 0)
        return -1;
    return check_apart(n, err, errlen);
}
