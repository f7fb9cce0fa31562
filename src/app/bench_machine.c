/*
 * bench_machine: the machine a bench ran on; see bench_machine.h.
 *
 * /proc/cpuinfo gives the model and, on x86, each logical CPU's physical
 * package and core: the distinct pairs are the physical cores (a VM's
 * hyperthreads share a pair).  Where it names no core (ARM, some VMs), the
 * CPUs' topology in /sys lists which CPUs share each core.  Files are read
 * line by line: cpuinfo grows with every CPU's flags.
 */
#include "bench_machine.h"

#include "base/xalloc.h"
#include "json.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Distinct values, kept in a growing array: cores are few, a linear search is enough. */
struct distinct {
    char **values;
    size_t count, cap;
};

static void distinct_add(struct distinct *d, const char *value)
{
    for (size_t i = 0; i < d->count; i++)
        if (!strcmp(d->values[i], value))
            return;
    if (d->count == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->values = xrealloc(d->values, d->cap * sizeof(*d->values));
    }
    d->values[d->count++] = xstrdup(value);
}

static void distinct_release(struct distinct *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->values[i]);
    free(d->values);
}

/* The value of "key<tabs> : value" when line's key is key, without its newline; else NULL. */
static char *field_value(char *line, const char *key)
{
    size_t n = strlen(key);

    if (strncmp(line, key, n) || (line[n] != ' ' && line[n] != '\t' && line[n] != ':'))
        return NULL;
    char *colon = strchr(line + n, ':');
    if (!colon)
        return NULL;
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    v[strcspn(v, "\n")] = '\0';
    return v;
}

/* One logical CPU's block of cpuinfo, as far as the physical cores need it. */
struct cpu_block {
    char physical[32], core[32]; /* "" until seen */
};

/* Ends a block: its (physical id, core id) pair counted once, when it had both. */
static void end_block(struct cpu_block *b, struct distinct *pairs)
{
    char pair[80];

    if (b->physical[0] && b->core[0]) {
        snprintf(pair, sizeof(pair), "%s/%s", b->physical, b->core);
        distinct_add(pairs, pair);
    }
    memset(b, 0, sizeof(*b));
}

/* The model, the processors listed and the distinct cores from cpuinfo at path. */
static void read_cpuinfo(struct bench_machine *m, const char *path, int *processors)
{
    FILE *f = fopen(path, "re");
    struct distinct pairs = {0};
    struct cpu_block block = {0};
    char *line = NULL, *v;
    size_t cap = 0;

    *processors = 0;
    if (!f)
        return;
    while (getline(&line, &cap, f) >= 0) {
        if (field_value(line, "processor")) {
            end_block(&block, &pairs);
            ++*processors;
        } else if ((v = field_value(line, "model name")) && !m->cpu_model[0]) {
            snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", v);
        } else if ((v = field_value(line, "physical id"))) {
            snprintf(block.physical, sizeof(block.physical), "%s", v);
        } else if ((v = field_value(line, "core id"))) {
            snprintf(block.core, sizeof(block.core), "%s", v);
        }
    }
    end_block(&block, &pairs);
    /* A read error leaves what was read: a partial count would mislead, so none. */
    if (!ferror(f))
        m->physical_cores = (int)pairs.count;
    fclose(f);
    free(line);
    distinct_release(&pairs);
}

/* "cpu12": a CPU's directory under /sys/devices/system/cpu, not cpufreq or cpuidle. */
static int is_cpu_dir(const char *name)
{
    if (strncmp(name, "cpu", 3) || !name[3])
        return 0;
    for (const char *p = name + 3; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

/* The first line of root/sys/devices/system/cpu/CPU/topology/FILE into buf; 0, or -1. */
static int read_topology(const char *root, const char *cpu, const char *file, char *buf, size_t len)
{
    char *path = xasprintf("%s/sys/devices/system/cpu/%s/topology/%s", root, cpu, file);
    FILE *f = fopen(path, "re");
    int ok = f && fgets(buf, (int)len, f) != NULL;

    if (f)
        fclose(f);
    free(path);
    buf[ok ? strcspn(buf, "\n") : 0] = '\0';
    return ok && buf[0] ? 0 : -1;
}

/* Physical cores from /sys: each core's list of CPUs ("0,64" or "0-1") counted once. */
static int sysfs_cores(const char *root)
{
    char *path = xasprintf("%s/sys/devices/system/cpu", root);
    DIR *d = opendir(path);
    struct distinct cores = {0};
    struct dirent *e;
    char list[256];
    int n = 0, complete = 1;

    free(path);
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        if (!is_cpu_dir(e->d_name))
            continue;
        /* core_cpus_list since Linux 5.3; thread_siblings_list, its older name, before. */
        if (read_topology(root, e->d_name, "core_cpus_list", list, sizeof(list)) == 0 ||
            read_topology(root, e->d_name, "thread_siblings_list", list, sizeof(list)) == 0)
            distinct_add(&cores, list);
        else
            complete = 0; /* one CPU unaccounted for: the count would be a guess */
    }
    closedir(d);
    n = complete ? (int)cores.count : 0;
    distinct_release(&cores);
    return n;
}

/* MemTotal of the meminfo at path, in bytes; 0 when unknown. */
static long long meminfo_total(const char *path)
{
    FILE *f = fopen(path, "re");
    char *line = NULL, *v;
    size_t cap = 0;
    long long bytes = 0;

    if (!f)
        return 0;
    while (!bytes && getline(&line, &cap, f) >= 0) {
        if (!(v = field_value(line, "MemTotal")))
            continue;
        char *end;
        long long kb = strtoll(v, &end, 10);
        if (end != v && kb > 0 && !strncmp(end, " kB", 3) && kb < (1LL << 50))
            bytes = kb * 1024;
    }
    fclose(f);
    free(line);
    return bytes;
}

void bench_machine_read_at(struct bench_machine *m, const char *root)
{
    int processors;

    memset(m, 0, sizeof(*m));
    char *path = xasprintf("%s/proc/cpuinfo", root);
    read_cpuinfo(m, path, &processors);
    free(path);
    m->logical_cores = processors;
    if (!m->physical_cores)
        m->physical_cores = sysfs_cores(root);
    path = xasprintf("%s/proc/meminfo", root);
    m->memory_bytes = meminfo_total(path);
    free(path);
}

void bench_machine_read(struct bench_machine *m)
{
    bench_machine_read_at(m, "");
    /* The CPUs this run may use: some may be offline although cpuinfo lists them. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0)
        m->logical_cores = (int)cpus;
    if (!m->memory_bytes) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
        if (pages > 0 && page > 0)
            m->memory_bytes = (long long)pages * page;
    }
    m->load_known = getloadavg(m->load, 3) == 3;
}

void bench_machine_put_text(FILE *out, const struct bench_machine *m)
{
    fputs(m->cpu_model[0] ? m->cpu_model : "CPU model unknown", out);
    if (m->physical_cores)
        fprintf(out, ", %d physical core%s", m->physical_cores, m->physical_cores == 1 ? "" : "s");
    else
        fputs(", physical cores unknown", out);
    if (m->logical_cores)
        fprintf(out, ", %d logical", m->logical_cores);
    else
        fputs(", logical cores unknown", out);
    if (m->memory_bytes)
        fprintf(out, ", %.1f GiB memory", (double)m->memory_bytes / (1 << 30));
    else
        fputs(", memory unknown", out);
    if (m->load_known)
        fprintf(out, ", load %.2f %.2f %.2f before the run", m->load[0], m->load[1], m->load[2]);
    else
        fputs(", load unknown", out);
}

/* "key":value, or "key":null when value is 0 (unknown). */
static void put_count(FILE *out, const char *key, long long value)
{
    if (value)
        fprintf(out, "\"%s\":%lld", key, value);
    else
        fprintf(out, "\"%s\":null", key);
}

void bench_machine_put_json(FILE *out, const struct bench_machine *m)
{
    fputs("{\"cpu_model\":", out);
    if (m->cpu_model[0])
        json_put_string(out, m->cpu_model);
    else
        fputs("null", out);
    fputc(',', out);
    put_count(out, "physical_cores", m->physical_cores);
    fputc(',', out);
    put_count(out, "logical_cores", m->logical_cores);
    fputc(',', out);
    put_count(out, "memory_bytes", m->memory_bytes);
    fputs(",\"load_average\":", out);
    if (m->load_known) {
        for (int i = 0; i < 3; i++) {
            fputc(i ? ',' : '[', out);
            json_put_number(out, m->load[i], 2);
        }
        fputc(']', out);
    } else {
        fputs("null", out);
    }
    fputc('}', out);
}
