#!/usr/bin/env python3
"""Bytes per output: imgbatch against vipsthumbnail and ImageMagick at matching settings.

Each tool shrinks every photo of INPUT to fit SIZE, turned upright, metadata stripped,
in each format below, with the settings imgbatch's defaults amount to spelled out for the
others (JPEG and WebP at quality 85; AVIF at the AV1 quality imgbatch maps 85 to, 71,
and effort 3; JPEG XL at 85 and effort 5; PNG palettes of 256 colours). Prints a
Markdown table of the mean bytes per output and the total, and checks that every AVIF,
JPEG XL and WebP output decodes with the format's own decoder (avifdec, djxl, dwebp).
ImageMagick 6 writes no JPEG XL.

    scripts/output-bytes.py build/imgbatch ../shared/corpus/photos --size 1024x1024
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

# name: (imgbatch options, vipsthumbnail save options, ImageMagick options and output prefix)
FORMATS = [
    ("JPEG q85", ".jpg", ["-q", "85"], "[Q=85,strip]", (["-quality", "85"], "")),
    ("JPEG q85 progressive", ".jpg", ["-q", "85", "--progressive"], "[Q=85,interlace,strip]",
     (["-quality", "85", "-interlace", "JPEG"], "")),
    ("JPEG q85 4:4:4", ".jpg", ["-q", "85", "--chroma", "444"],
     "[Q=85,subsample-mode=off,strip]", (["-quality", "85", "-sampling-factor", "1x1"], "")),
    ("WebP q85", ".webp", ["-f", "webp", "-q", "85"], "[Q=85,strip]",
     (["-quality", "85"], "")),
    ("WebP lossless", ".webp", ["-f", "webp", "--lossless"], "[lossless,strip]",
     (["-define", "webp:lossless=true"], "")),
    ("AVIF (Q 71, effort 3)", ".avif", ["-f", "avif"], "[Q=71,effort=3,bitdepth=8,strip]",
     (["-quality", "71"], "")),  # IM 6 sets no speed: libheif's 6, effort 3
    ("JPEG XL (q85, effort 5)", ".jxl", ["-f", "jxl"], "[Q=85,effort=5,strip]", None),
    ("PNG palette", ".png", ["-f", "png", "--palette"], "[palette,strip]",
     (["-colors", "256"], "PNG8:")),
    ("PNG level 9", ".png", ["-f", "png", "--png-compression", "9"], "[compression=9,strip]",
     (["-quality", "95"], "")),
]

DECODERS = {".avif": lambda f, o: ["avifdec", f, o], ".jxl": lambda f, o: ["djxl", f, o],
            ".webp": lambda f, o: ["dwebp", "-quiet", f, "-o", o]}


def photos(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.lower().endswith((".jpg", ".jpeg")))


def run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def outputs(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith("."))


def undecodable(files, ext, tmp):
    """The files the format's own decoder refuses."""
    bad = []
    if ext not in DECODERS:
        return bad
    out = os.path.join(tmp, "decoded.png")
    for f in files:
        p = subprocess.run(DECODERS[ext](f, out), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if p.returncode != 0:
            bad.append(f)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("imgbatch")
    ap.add_argument("input")
    ap.add_argument("--size", default="1024x1024")
    ap.add_argument("--convert", default="/usr/bin/convert", help="ImageMagick's convert")
    args = ap.parse_args()
    w, h = args.size.split("x")
    files = photos(args.input)
    tmp = tempfile.mkdtemp(prefix="output-bytes-")
    print("%d photos of %s, fit inside %s, metadata stripped; mean bytes per output "
          "(total)\n" % (len(files), args.input, args.size))
    print("| format, settings | imgbatch | vipsthumbnail | ImageMagick |")
    print("| --- | --- | --- | --- |")
    failures = []
    for name, ext, ours, vips_opts, magick in FORMATS:
        cells = []
        for tool in ("imgbatch", "vipsthumbnail", "magick"):
            out = os.path.join(tmp, tool)
            os.makedirs(out)
            if tool == "imgbatch":
                run([args.imgbatch, "resize", args.input, out, "-s", args.size, "--quiet",
                     "-j", "2"] + ours)
            elif tool == "vipsthumbnail":
                run(["vipsthumbnail", "-s", "%sx%s" % (w, h), "-o",
                     os.path.join(out, "%s" + ext + vips_opts)] + files)
            elif magick is None:
                cells.append("-")
                shutil.rmtree(out)
                continue
            else:
                opts, prefix = magick
                for f in files:
                    base = os.path.splitext(os.path.basename(f))[0]
                    run([args.convert, f, "-auto-orient", "-resize", "%sx%s" % (w, h),
                         "-strip"] + opts + [prefix + os.path.join(out, base + ext)])
            made = outputs(out)
            if len(made) != len(files):
                failures.append("%s %s: %d outputs of %d" % (tool, name, len(made), len(files)))
            failures += ["%s %s: %s does not decode" % (tool, name, f)
                         for f in undecodable(made, ext, tmp)]
            total = sum(os.path.getsize(f) for f in made)
            cells.append("%d (%d)" % (total / max(len(made), 1), total))
            shutil.rmtree(out)
        print("| %s | %s |" % (name, " | ".join(cells)), flush=True)
    shutil.rmtree(tmp)
    for f in failures:
        print("FAILED: " + f, file=sys.stderr)
    if not failures:
        print("\nEvery AVIF, JPEG XL and WebP output decodes with avifdec, djxl or dwebp.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
