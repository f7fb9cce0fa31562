/*
 * bench_machine: what a bench ran on, for the header of its table and its JSON.
 *
 * A figure of images/s means little without the machine: the CPU model,
 * its physical and logical cores, the memory, and how busy the machine was
 * just before the run (the load average).  Everything comes from Linux's
 * /proc and /sys or from sysconf; what cannot be read stays unknown (an
 * empty string, 0, or load_known 0) and is printed as "unknown", never a
 * reason to stop the bench.
 */
#ifndef IMGBATCH_BENCH_MACHINE_H
#define IMGBATCH_BENCH_MACHINE_H

#include <stdio.h>

struct bench_machine {
    char cpu_model[128];    /* "model name" of /proc/cpuinfo; "" unknown */
    int logical_cores;      /* online CPUs; 0 unknown */
    int physical_cores;     /* distinct (physical id, core id) pairs, or sysfs core lists; 0 */
    long long memory_bytes; /* MemTotal; 0 unknown */
    double load[3];         /* 1, 5 and 15 minute load averages, before the run */
    int load_known;
};

/* Describes this machine now: files, then sysconf and getloadavg where the files are silent. */
void bench_machine_read(struct bench_machine *m);

/*
 * The files alone, below root ("" for this machine; a test's fake tree
 * otherwise): root/proc/cpuinfo, root/proc/meminfo and
 * root/sys/devices/system/cpu/cpuN/topology.  Leaves the load unknown.
 */
void bench_machine_read_at(struct bench_machine *m, const char *root);

/* "Intel Xeon ..., 2 physical cores, 2 logical, 23.5 GiB memory, load 0.52 0.40 0.31". */
void bench_machine_put_text(FILE *out, const struct bench_machine *m);

/* The machine as one JSON object; unknown values are null. */
void bench_machine_put_json(FILE *out, const struct bench_machine *m);

#endif
