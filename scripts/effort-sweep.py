#!/usr/bin/env python3
"""Bytes and CPU time of imgbatch's AVIF, JPEG XL and WebP outputs at each --effort.

Runs `imgbatch resize INPUT OUT --format F --effort N -j 1` for every format and effort
asked, and prints, per format, the total bytes of the outputs and the CPU seconds the
run took (user + system of imgbatch and its worker, which stays honest on a shared
machine where wall time is not). What docs/performance.md chose the --effort defaults
from:

    scripts/effort-sweep.py build/imgbatch PHOTOS --size 1920x1920
"""

import argparse
import os
import resource
import shutil
import subprocess
import tempfile

RANGES = {"avif": range(0, 10), "jxl": range(3, 10), "webp": range(0, 7)}


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("imgbatch")
    ap.add_argument("input", help="a folder of images")
    ap.add_argument("--size", default="1920x1920")
    ap.add_argument("--formats", default="avif,jxl,webp")
    ap.add_argument("--quality", default="85")
    ap.add_argument("--efforts", help="e.g. 2,4,6 (default: every effort of the format)")
    args = ap.parse_args()
    files = len([n for n in os.listdir(args.input) if not n.startswith(".")])
    print("resize %s -q %s, %d files, -j 1" % (args.size, args.quality, files))
    print("%-5s %6s %12s %10s %12s" % ("fmt", "effort", "bytes", "CPU s", "CPU s/file"))
    for fmt in args.formats.split(","):
        efforts = RANGES[fmt]
        if args.efforts:
            efforts = [int(e) for e in args.efforts.split(",")]
        for effort in efforts:
            out = tempfile.mkdtemp(prefix="effort-")
            before = cpu_of_children()
            subprocess.run([args.imgbatch, "resize", args.input, out, "--size", args.size,
                            "--format", fmt, "--effort", str(effort), "-q", args.quality,
                            "-j", "1", "--quiet"], check=True)
            cpu = cpu_of_children() - before
            size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
            shutil.rmtree(out)
            print("%-5s %6d %12d %10.2f %12.2f" % (fmt, effort, size, cpu, cpu / files),
                  flush=True)


if __name__ == "__main__":
    main()
