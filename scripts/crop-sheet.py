#!/usr/bin/env python3
"""A contact sheet of thumbnail's --crop positions on the portrait photos of a folder.

One row per photo: the whole photo (fit in the cell, for reference), then imgbatch's
square thumbnail of it with each --crop asked (default: centre, then attention), each
labelled.  The portraits are the photos taller than wide once upright; of the corpus's
orient_Portrait_0..8 (one picture stored nine ways) only orient_Portrait_1 is taken.

    scripts/crop-sheet.py build/imgbatch ../shared/corpus/photos docs/crop-attention.jpg

Needs Python's Pillow (python3-pil).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw, ImageOps

LABEL = 18  # pixels of label above each row's cells


def portraits(folder):
    """The photos taller than wide once upright, one of each orient_Portrait_N family."""
    found = []
    for name in sorted(os.listdir(folder)):
        if not name.lower().endswith((".jpg", ".jpeg")):
            continue
        if re.match(r"orient_Portrait_[02-8]\.", name):
            continue
        with Image.open(os.path.join(folder, name)) as im:
            w, h = ImageOps.exif_transpose(im).size
        if h > w:
            found.append(name)
    return found


def thumbnails(binary, folder, names, crop, cell, scratch):
    """imgbatch's cell x cell thumbnails of names with --crop crop, in a folder of scratch."""
    out = os.path.join(scratch, crop)
    argv = [binary, "thumbnail"] + [os.path.join(folder, n) for n in names] + \
           [out + "/", "--size", str(cell), "--crop", crop, "--quiet"]
    if subprocess.run(argv).returncode != 0:
        sys.exit("imgbatch failed: %s" % " ".join(argv))
    return out


def sheet(binary, folder, names, crops, cell, scratch):
    cols = 1 + len(crops)
    im = Image.new("RGB", (cols * (cell + 8) + 8, len(names) * (cell + LABEL + 8) + 8), "white")
    draw = ImageDraw.Draw(im)
    made = {c: thumbnails(binary, folder, names, c, cell, scratch) for c in crops}
    for row, name in enumerate(names):
        y = 8 + row * (cell + LABEL + 8)
        with Image.open(os.path.join(folder, name)) as src:
            whole = ImageOps.exif_transpose(src).convert("RGB")
        whole.thumbnail((cell, cell), Image.LANCZOS)
        cells = [("%s (whole)" % name[:24], whole)]
        for c in crops:
            cells.append(("--crop " + c, Image.open(os.path.join(made[c], name)).convert("RGB")))
        for col, (label, picture) in enumerate(cells):
            x = 8 + col * (cell + 8)
            draw.text((x, y), label, fill="black")
            im.paste(picture, (x + (cell - picture.width) // 2, y + LABEL))
    return im


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("folder")
    ap.add_argument("output", help="the sheet, a .jpg")
    ap.add_argument("--crops", default="centre,attention")
    ap.add_argument("--cell", type=int, default=220)
    args = ap.parse_args()
    names = portraits(args.folder)
    if not names:
        sys.exit("no portrait photos in %s" % args.folder)
    with tempfile.TemporaryDirectory(prefix="crop-sheet-") as scratch:
        im = sheet(os.path.abspath(args.binary), args.folder, names, args.crops.split(","),
                   args.cell, scratch)
    im.save(args.output, quality=82, optimize=True)
    print("%s: %d photos, %s; %d bytes" % (args.output, len(names), args.crops,
                                            os.path.getsize(args.output)))


if __name__ == "__main__":
    main()
