#!/usr/bin/env python3
"""One run of a size list against one run per size, and what each worker holds.

Speed: `--size 1920x,1280x,640x` in one run (each photo decoded once) against three
runs of one size each, over INPUT (the corpus photos, copied COPIES times), -j N, runs
interleaved round by round (the order alternating), each into a fresh OUTPUT that is
removed untimed; the median of each and their ratio, in wall time and in CPU time
(user + system of imgbatch and its workers, which other work on a shared machine
inflates far less).

Memory (--memory): the peak resident size of the largest process (`/usr/bin/time -f
%M`, which sees the workers) of a -j 1 run of one size against a run of the whole
list, on the fast path (JPEG out) and on libvips (WebP out): a worker's memory follows
the largest output, not the number of sizes.

Wrap it in flock when the machine is shared, so that measurements do not overlap:

    scripts/bench-sizes.py build/imgbatch ../shared/corpus/photos
    scripts/bench-sizes.py build/imgbatch ../shared/corpus/photos --memory
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def copy_corpus(src, dst, copies):
    """The photos of src, copies times over, in dst (names kept apart by a prefix)."""
    n = 0
    for i in range(copies):
        for name in sorted(os.listdir(src)):
            if name.lower().endswith((".jpg", ".jpeg")):
                shutil.copy(os.path.join(src, name), os.path.join(dst, "%d-%s" % (i, name)))
                n += 1
    return n


def cpu_of_children():
    """User and system seconds of every process waited for so far (workers included: the
    master waits for them)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv):
    """(wall seconds, CPU seconds) the command took; it must succeed."""
    c0, t0 = cpu_of_children(), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr.decode()))
    return took, cpu_of_children() - c0


def one_round(binary, inp, scratch, widths, jobs, extra, set_first):
    """((wall, CPU) seconds of the set in one run, the same of the runs of one size each)."""
    sizes = ",".join("%dx" % w for w in widths)

    def set_run():
        out = os.path.join(scratch, "set")
        took = timed([binary, "resize", inp, out, "--size", sizes, "-j", str(jobs)] + extra)
        shutil.rmtree(out)
        return took

    def separate_runs():
        wall = cpu = 0.0
        for w in widths:
            out = os.path.join(scratch, "one-%d" % w)
            a, b = timed([binary, "resize", inp, out, "--size", "%dx" % w, "-j", str(jobs)]
                         + extra)
            wall, cpu = wall + a, cpu + b
            shutil.rmtree(out)
        return wall, cpu

    if set_first:
        s = set_run()
        return s, separate_runs()
    sep = separate_runs()
    return set_run(), sep


def speed(args, inp, scratch, n):
    widths = [int(w) for w in args.widths.split(",")]
    extra = ["-f", args.format] if args.format else []
    print("%d photos (%s), widths %s, -j %d, %s; %d rounds, interleaved"
          % (n, args.input, ",".join(map(str, widths)), args.jobs,
             "--format " + args.format if args.format else "formats kept", args.repeat))
    timed([args.binary, "resize", inp, os.path.join(scratch, "warm"), "--size", "640x",
           "-j", str(args.jobs)] + extra)  # the page cache, before any timing
    shutil.rmtree(os.path.join(scratch, "warm"))
    one, sep = [], []
    for r in range(args.repeat):
        a, b = one_round(args.binary, inp, scratch, widths, args.jobs, extra, r % 2 == 0)
        one.append(a)
        sep.append(b)
        print("  round %d: one run %.3f s (CPU %.2f s), %d runs %.3f s (CPU %.2f s)"
              % (r + 1, a[0], a[1], len(widths), b[0], b[1]))
    for i, what in ((0, "wall"), (1, "CPU")):
        m1 = statistics.median(x[i] for x in one)
        m2 = statistics.median(x[i] for x in sep)
        print("median %s: one run %.3f s (%.1f images/s), %d runs %.3f s: one run is %.2fx "
              "faster" % (what, m1, n / m1, len(widths), m2, m2 / m1))


def peak_rss_mb(argv):
    """The largest process's peak resident size, in MB, from GNU time."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr.decode()))
    return int(p.stderr.decode().strip().split("\n")[-1]) / 1024


def memory(args, inp, scratch, n):
    widths = [int(w) for w in args.widths.split(",")]
    print("%d photos (%s), -j 1: peak resident MB of the largest process, median of %d"
          % (n, args.input, args.repeat))
    for label, extra in (("JPEG (fast path)", []), ("WebP (libvips)", ["-f", "webp"])):
        for sizes in (["%dx" % widths[0]], ["%dx" % w for w in widths]):
            out = os.path.join(scratch, "mem")
            runs = []
            for _ in range(args.repeat):
                runs.append(peak_rss_mb([args.binary, "resize", inp, out, "--size",
                                         ",".join(sizes), "-j", "1"] + extra))
                shutil.rmtree(out)
            print("  %-17s --size %-24s %6.1f MB" % (label, ",".join(sizes),
                                                      statistics.median(runs)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("input", help="a folder of JPEG photos")
    ap.add_argument("--widths", default="1920,1280,640")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--copies", type=int, default=1, help="the photos copied this many times")
    ap.add_argument("--format", help="--format for every run (default: kept, JPEG)")
    ap.add_argument("--memory", action="store_true", help="peak memory instead of speed")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory(prefix="bench-sizes-") as scratch:
        inp = os.path.join(scratch, "in")
        os.mkdir(inp)
        n = copy_corpus(args.input, inp, args.copies)
        (memory if args.memory else speed)(args, inp, scratch, n)


if __name__ == "__main__":
    main()
