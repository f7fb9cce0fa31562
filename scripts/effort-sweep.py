#!/usr/bin/env python3
"""Bytes and CPU time of imgbatch's AVIF, JPEG XL and WebP outputs at each --effort.

Runs `imgbatch resize INPUT OUT --format F --effort N -j 1` for every format and effort
asked, and prints, per format, the total bytes of the outputs and the CPU seconds the
run took (user + system of imgbatch and its worker, which stays honest on a shared
machine where wall time is not). With --ssim it also decodes every output with the
format's own decoder and prints the mean SSIM (luma, as scripts/quality-match.py
computes it; needs python3-numpy) against a PNG of the same resize: a higher effort may
spend its time on quality rather than bytes. What docs/performance.md chose the
--effort defaults from:

    scripts/effort-sweep.py build/imgbatch PHOTOS --size 1920x1920
    scripts/effort-sweep.py build/imgbatch PHOTOS --size 1024x1024 --ssim --formats avif,jxl
"""

import argparse
import importlib.util
import os
import resource
import shutil
import subprocess
import tempfile

RANGES = {"avif": range(0, 10), "jxl": range(3, 10), "webp": range(0, 7)}


DECODE = {"avif": lambda f, o: ["avifdec", f, o], "jxl": lambda f, o: ["djxl", f, o],
          "webp": lambda f, o: ["dwebp", "-quiet", f, "-o", o]}


def quality_match():
    """scripts/quality-match.py, for its SSIM."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality-match.py")
    spec = importlib.util.spec_from_file_location("quality_match", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mean_ssim(qm, refs, out, fmt, tmp):
    scores = []
    png = os.path.join(tmp, "decoded.png")
    for name in sorted(os.listdir(out)):
        subprocess.run(DECODE[fmt](os.path.join(out, name), png), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        scores.append(qm.ssim(refs[os.path.splitext(name)[0]], qm.luma(png)))
    return sum(scores) / len(scores)


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
    ap.add_argument("--ssim", action="store_true", help="also the mean SSIM of the outputs")
    args = ap.parse_args()
    files = len([n for n in os.listdir(args.input) if not n.startswith(".")])
    tmp = tempfile.mkdtemp(prefix="effort-ref-")
    refs, qm = {}, None
    if args.ssim:
        qm = quality_match()
        subprocess.run([args.imgbatch, "resize", args.input, tmp, "--size", args.size,
                        "--format", "png", "--quiet"], check=True)
        refs = {os.path.splitext(n)[0]: qm.luma(os.path.join(tmp, n)) for n in os.listdir(tmp)}
    print("resize %s -q %s, %d files, -j 1" % (args.size, args.quality, files))
    print("%-5s %6s %12s %10s %12s%s" % ("fmt", "effort", "bytes", "CPU s", "CPU s/file",
                                         "   SSIM" if args.ssim else ""))
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
            ssim = " %7.4f" % mean_ssim(qm, refs, out, fmt, tmp) if args.ssim else ""
            shutil.rmtree(out)
            print("%-5s %6d %12d %10.2f %12.2f%s" % (fmt, effort, size, cpu, cpu / files, ssim),
                  flush=True)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
