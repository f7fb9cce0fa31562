/*
 * test_bench_machine: the machine a bench describes, read from fake /proc
 * and /sys trees: an x86 VM whose cpuinfo names packages and cores, a
 * machine with hyperthreads, an ARM board whose cpuinfo names neither (the
 * cores then come from /sys), and a tree with nothing in it, which must
 * say unknown rather than fail.
 */
#include "bench_machine.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[4096];

/* Writes text to root/rel, making the folders on the way. */
static void put(const char *rel, const char *text)
{
    char path[8192];

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static void fresh_tree(void)
{
    char cmd[8300];
    const char *tmp = getenv("TMPDIR");

    if (root[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", root);
    }
    snprintf(root, sizeof(root), "%s/imgbatch-test-machine-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* Two logical CPUs on two cores of one package, as this project's 2-core VM says. */
static void test_x86_vm(void)
{
    struct bench_machine m;

    fresh_tree();
    put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
                        "model name\t: Intel(R) Xeon(R) Processor\nphysical id\t: 0\n"
                        "siblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 2\n\n"
                        "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n"
                        "physical id\t: 0\ncore id\t\t: 1\n\n");
    put("proc/meminfo", "MemTotal:       24683772 kB\nMemFree:         1000000 kB\n");
    bench_machine_read_at(&m, root);
    CHECK_EQ_STR(m.cpu_model, "Intel(R) Xeon(R) Processor");
    CHECK_EQ_INT(m.logical_cores, 2);
    CHECK_EQ_INT(m.physical_cores, 2);
    CHECK_EQ_INT(m.memory_bytes, 24683772LL * 1024);
    CHECK_EQ_INT(m.load_known, 0);
}

/* Hyperthreads share a (physical id, core id) pair; two packages may reuse core ids. */
static void test_hyperthreads_and_packages(void)
{
    struct bench_machine m;
    char text[4096] = "";
    /* package, core for logical CPUs 0..7: 2 packages x 2 cores x 2 threads */
    static const int pkg[] = {0, 0, 1, 1, 0, 0, 1, 1}, core[] = {0, 1, 0, 1, 0, 1, 0, 1};

    fresh_tree();
    for (int i = 0; i < 8; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n,
                 "processor\t: %d\nmodel name\t: AMD EPYC 7B13\nphysical id\t: %d\ncore id\t\t: "
                 "%d\n\n",
                 i, pkg[i], core[i]);
    }
    put("proc/cpuinfo", text);
    bench_machine_read_at(&m, root);
    CHECK_EQ_INT(m.logical_cores, 8);
    CHECK_EQ_INT(m.physical_cores, 4);
    CHECK_EQ_STR(m.cpu_model, "AMD EPYC 7B13");
    CHECK_EQ_INT(m.memory_bytes, 0); /* no meminfo: unknown */
}

/* No model name, package or core in cpuinfo: the cores come from /sys's core lists. */
static void test_arm_sysfs_fallback(void)
{
    struct bench_machine m;

    fresh_tree();
    put("proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 48.00\nCPU part\t: 0xd0c\n\n"
                        "processor\t: 1\nBogoMIPS\t: 48.00\n\nprocessor\t: 2\n\nprocessor\t: 3\n");
    /* core_cpus_list where the kernel has it, thread_siblings_list (older) where not. */
    put("sys/devices/system/cpu/cpu0/topology/core_cpus_list", "0-1\n");
    put("sys/devices/system/cpu/cpu1/topology/core_cpus_list", "0-1\n");
    put("sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2\n");
    put("sys/devices/system/cpu/cpu3/topology/thread_siblings_list", "3\n");
    put("sys/devices/system/cpu/cpufreq/policy0", "not a CPU\n");
    bench_machine_read_at(&m, root);
    CHECK_EQ_STR(m.cpu_model, "");
    CHECK_EQ_INT(m.logical_cores, 4);
    CHECK_EQ_INT(m.physical_cores, 3);

    /* One CPU with no topology: no count rather than a wrong one. */
    put("sys/devices/system/cpu/cpu4/online", "1\n");
    bench_machine_read_at(&m, root);
    CHECK_EQ_INT(m.physical_cores, 0);
}

/* Nothing readable: every field unknown, and the text and JSON say so. */
static void test_nothing_known(void)
{
    struct bench_machine m;
    char *text = NULL, *json = NULL;
    size_t len;

    fresh_tree();
    put("proc/meminfo", "MemTotal: lots\n");
    bench_machine_read_at(&m, root);
    CHECK_EQ_STR(m.cpu_model, "");
    CHECK_EQ_INT(m.logical_cores, 0);
    CHECK_EQ_INT(m.physical_cores, 0);
    CHECK_EQ_INT(m.memory_bytes, 0);

    FILE *out = open_memstream(&text, &len);
    bench_machine_put_text(out, &m);
    fclose(out);
    CHECK_EQ_STR(text, "CPU model unknown, physical cores unknown, logical cores unknown, "
                       "memory unknown, load unknown");
    out = open_memstream(&json, &len);
    bench_machine_put_json(out, &m);
    fclose(out);
    CHECK_EQ_STR(json, "{\"cpu_model\":null,\"physical_cores\":null,\"logical_cores\":null,"
                       "\"memory_bytes\":null,\"load_average\":null}");
    free(text);
    free(json);
}

static void test_known_as_text_and_json(void)
{
    struct bench_machine m = {.logical_cores = 16,
                              .physical_cores = 8,
                              .memory_bytes = 64LL << 30,
                              .load = {0.5, 0.25, 2},
                              .load_known = 1};
    char *text = NULL, *json = NULL;
    size_t len;

    snprintf(m.cpu_model, sizeof(m.cpu_model), "A \"quoted\" CPU");
    FILE *out = open_memstream(&text, &len);
    bench_machine_put_text(out, &m);
    fclose(out);
    CHECK_EQ_STR(text, "A \"quoted\" CPU, 8 physical cores, 16 logical, 64.0 GiB memory, "
                       "load 0.50 0.25 2.00 before the run");
    out = open_memstream(&json, &len);
    bench_machine_put_json(out, &m);
    fclose(out);
    CHECK_EQ_STR(json, "{\"cpu_model\":\"A \\\"quoted\\\" CPU\",\"physical_cores\":8,"
                       "\"logical_cores\":16,\"memory_bytes\":68719476736,"
                       "\"load_average\":[0.50,0.25,2.00]}");
    free(text);
    free(json);
}

/* This machine: whatever it is, the read must not fail, and Linux has /proc. */
static void test_this_machine(void)
{
    struct bench_machine m;

    bench_machine_read(&m);
    CHECK(m.logical_cores >= 1);
    CHECK(m.memory_bytes > 0);
    CHECK(m.physical_cores >= 0 && m.physical_cores <= m.logical_cores);
}

int main(void)
{
    test_x86_vm();
    test_hyperthreads_and_packages();
    test_arm_sysfs_fallback();
    test_nothing_known();
    test_known_as_text_and_json();
    test_this_machine();
    fresh_tree(); /* removes the last tree; the new empty one goes next */
    rmdir(root);
    return check_summary();
}
