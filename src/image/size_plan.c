/* size_plan: one decode, every size; see size_plan.h. */
#include "size_plan.h"
#include "geometry.h"

#include <stdlib.h>

/* Output i's scaled size: the image it is cut from (thumbnail) or written as. */
static void scaled_size(enum plan_kind kind, const struct size_request *r, int w, int h, int *sw,
                        int *sh)
{
    switch (kind) {
    case PLAN_RESIZE:
        target_size(r, w, h, sw, sh);
        return;
    case PLAN_THUMBNAIL:
        cover_size(w, h, r->width, r->height, sw, sh);
        return;
    case PLAN_FULL_SIZE:
        break;
    }
    *sw = w;
    *sh = h;
}

/* The index of level w x h in p, added if new. */
static int level_for(struct size_plan *p, int w, int h)
{
    for (int i = 0; i < p->nlevels; i++)
        if (p->levels[i].w == w && p->levels[i].h == h)
            return i;
    p->levels[p->nlevels].w = w;
    p->levels[p->nlevels].h = h;
    return p->nlevels++;
}

/* Largest area first; then wider, then taller, so that the order is total. */
static int larger_first(const struct size_level *a, const struct size_level *b)
{
    double area_a = (double)a->w * a->h, area_b = (double)b->w * b->h;

    if (area_a != area_b)
        return area_a > area_b ? -1 : 1;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return (a->h < b->h) - (a->h > b->h);
}

/* Sorts the levels largest first (insertion: there are few), renumbering the outputs'. */
static void sort_levels(struct size_plan *p)
{
    int order[JOB_OUTPUTS_MAX], rank[JOB_OUTPUTS_MAX];
    struct size_level sorted[JOB_OUTPUTS_MAX];

    for (int i = 0; i < p->nlevels; i++) {
        int j = i;
        while (j > 0 && larger_first(&p->levels[i], &p->levels[order[j - 1]]) < 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (int i = 0; i < p->nlevels; i++) {
        sorted[i] = p->levels[order[i]];
        rank[order[i]] = i;
    }
    for (int i = 0; i < p->nlevels; i++)
        p->levels[i] = sorted[i];
    for (int i = 0; i < p->count; i++)
        p->level[i] = rank[p->level[i]];
}

/* Each level from the nearest larger one that holds it on both sides, else from the decode. */
static void link_levels(struct size_plan *p)
{
    p->need_w = p->need_h = 0;
    for (int i = 0; i < p->nlevels; i++) {
        struct size_level *l = &p->levels[i];
        l->from = -1;
        for (int j = i - 1; j >= 0 && l->from < 0; j--)
            if (p->levels[j].w >= l->w && p->levels[j].h >= l->h)
                l->from = j;
        if (l->w > p->need_w)
            p->need_w = l->w;
        if (l->h > p->need_h)
            p->need_h = l->h;
    }
}

void size_plan_make(struct size_plan *p, enum plan_kind kind, const struct size_request *sizes,
                    int n, int w, int h)
{
    p->count = n;
    p->nlevels = 0;
    for (int i = 0; i < n; i++) {
        int sw, sh;
        scaled_size(kind, sizes ? &sizes[i] : NULL, w, h, &sw, &sh);
        p->level[i] = level_for(p, sw, sh);
        p->out_w[i] = kind == PLAN_THUMBNAIL ? sizes[i].width : sw;
        p->out_h[i] = kind == PLAN_THUMBNAIL ? sizes[i].height : sh;
        p->capped[i] = kind == PLAN_RESIZE && size_capped(&sizes[i], w, h);
    }
    sort_levels(p);
    link_levels(p);
}

int size_plan_enlarges(const struct size_plan *p, int w, int h)
{
    return p->need_w > w || p->need_h > h;
}

int size_plan_is_chain(const struct size_plan *p)
{
    for (int i = 1; i < p->nlevels; i++)
        if (p->levels[i].from != i - 1)
            return 0;
    return 1;
}
