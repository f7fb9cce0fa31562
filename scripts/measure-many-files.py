#!/usr/bin/env python3
"""Runs imgbatch once over a folder of many small files (scripts/make-many-files.py) and
prints what its master costs: files/s, the master's peak resident memory (its own, not
its workers'), what it takes per file above a run over an empty folder (the libraries'
pages, the constant), and the time to the first output line.

  scripts/measure-many-files.py [--keep-output] IMGBATCH INPUT OUTPUT [imgbatch options...]

e.g.  scripts/measure-many-files.py build/imgbatch /tmp/many-200k \
          /tmp/many-200k-out -j 2 --size 8x8

The run is `IMGBATCH resize INPUT OUTPUT -r [options]`. The master's peak is its own
VmHWM, read from /proc/self/status as it exits, by a destructor preloaded into it
(compiled here with cc): the workers leave with _exit, so only the master reports.
Reading /proc/PID/status from outside misses the end of the run, where the libraries'
own exit code still touches pages, and /usr/bin/time gives the largest of the master and
its workers, which count the pages they share with it. The first output line is the
first line on stdout (a done file's, or --dry-run's first verdict), timed from the start.
OUTPUT is removed before the run if it exists, so every run does every file; with
--keep-output it is left as it is (a second --incremental run finds everything up to date).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

PRELOAD = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((destructor)) static void report_hwm(void)
{
    const char *to = getenv("MEASURE_HWM_FILE");
    FILE *in = fopen("/proc/self/status", "r"), *out = to ? fopen(to, "a") : NULL;
    char line[256];
    while (in && out && fgets(line, sizeof(line), in))
        if (!strncmp(line, "VmHWM:", 6))
            fprintf(out, "%ld %s", (long)getpid(), line + 6);
    if (in) fclose(in);
    if (out) fclose(out);
}
"""


def build_preload(workdir):
    src = os.path.join(workdir, "hwm.c")
    lib = os.path.join(workdir, "hwm.so")
    with open(src, "w") as f:
        f.write(PRELOAD)
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", lib, src], check=True)
    return lib


def main():
    args = sys.argv[1:]
    keep = args[:1] == ["--keep-output"]
    if keep:
        args = args[1:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, inp, out = args[:3]
    extra = args[3:]
    if os.path.exists(out) and not keep:
        shutil.rmtree(out)
    files = sum(len([n for n in names if not n.startswith(".")])
                for _, _, names in os.walk(inp))
    argv = [binary, "resize", inp, out, "-r", "--stats-file", out + ".stats.json"] + extra
    work = tempfile.mkdtemp(prefix="measure-many-")
    hwm_file = os.path.join(work, "hwm")
    env = dict(os.environ, LD_PRELOAD=build_preload(work), MEASURE_HWM_FILE=hwm_file)
    # The constant: the same run over an empty folder.
    empty = os.path.join(work, "empty")
    os.mkdir(empty)
    subprocess.run([binary, "resize", empty, os.path.join(work, "empty-out")] + extra,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = [None]
    lines = [0]

    def read_stdout():
        for _ in p.stdout:
            if first[0] is None:
                first[0] = time.monotonic() - start
            lines[0] += 1

    err = []
    reader = threading.Thread(target=read_stdout)
    reader.start()
    err_reader = threading.Thread(target=lambda: err.append(p.stderr.read()))
    err_reader.start()
    p.wait()
    elapsed = time.monotonic() - start
    reader.join()
    err_reader.join()
    with open(hwm_file) as f:
        readings = [[int(x) for x in line.split()[:2]] for line in f]
    constant = readings[0][1]  # the empty run's, reported first
    peak = max([kb for pid, kb in readings if pid == p.pid] or [0])
    shutil.rmtree(work)
    stats = {}
    if os.path.exists(out + ".stats.json"):
        with open(out + ".stats.json") as f:
            stats = json.load(f)
        os.unlink(out + ".stats.json")
    result = {
        "files": files,
        "exit": p.returncode,
        "seconds": round(elapsed, 2),
        "files_per_sec": round(files / elapsed, 1),
        "master_peak_rss_mb": round(peak / 1024, 1),
        "empty_run_rss_mb": round(constant / 1024, 1),
        "bytes_per_file": round((peak - constant) * 1024 / files, 1),
        "first_output_s": None if first[0] is None else round(first[0], 2),
        "ok": stats.get("ok"),
        "failed": stats.get("failed"),
        "stdout_lines": lines[0],
    }
    print(json.dumps(result))
    if err and err[0]:
        sys.stderr.write(err[0].decode("utf-8", "replace")[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
