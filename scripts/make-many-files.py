#!/usr/bin/python3
"""Makes a folder of N small, valid images laid out as a photo archive is: YEAR/MONTH/DAY
folders of at most 100 files each, named IMG_NNNNNNN.jpg (one in eight a .png), for
measuring what imgbatch's master costs per file (docs/performance.md, "A million files").

  scripts/make-many-files.py DIR N [--link]

Each file is a real image, a few hundred bytes: eight 16x16 to 44x44 JPEGs and PNGs with
different pixels, so that the files differ in size as an archive's do and the largest-first
order has something to sort. By default every file is its own inode (small writes: 1M
files take about 4 GB of disk in 4 KiB blocks and a few minutes); --link makes hard links
to the eight originals instead (no disk to speak of, but one inode each for all their
links, which --incremental's identity check would not tell apart).

DIR must not exist. Prints the number of files and folders made and the seconds taken.
Only the standard library and Pillow (python3-pil) are used.
"""

import argparse
import io
import os
import sys
import time

from PIL import Image

FILES_PER_FOLDER = 100
# Days of 100 files, months of 31 days, years of 12 months: 1M files make 10000 folders in
# 27 years, about what a large archive or a dataset's shards hold.
DAYS, MONTHS = 31, 12


def originals():
    """Eight small images, (extension, bytes), of different sizes and pixels."""
    out = []
    for i in range(8):
        side = 16 + 4 * i
        im = Image.new("RGB", (side, side), (30 * i, 255 - 30 * i, 128))
        im.putpixel((i, i), (255, 255, 255))
        buf = io.BytesIO()
        ext = "png" if i == 7 else "jpg"
        im.save(buf, "PNG" if ext == "png" else "JPEG", quality=80)
        out.append((ext, buf.getvalue()))
    return out


def folder_of(n):
    """The archive folder of the n-th file (0-based): YEAR/MM/DD."""
    day = n // FILES_PER_FOLDER
    return "%04d/%02d/%02d" % (2000 + day // (DAYS * MONTHS), day // DAYS % MONTHS + 1,
                               day % DAYS + 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("count", type=int)
    ap.add_argument("--link", action="store_true",
                    help="hard links to eight originals instead of a file each")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("N must be 1 or more")
    if os.path.lexists(args.dir):
        ap.error("%s exists: give a new folder" % args.dir)

    start = time.monotonic()
    images = originals()
    os.makedirs(args.dir)
    if args.link:
        for i, (ext, data) in enumerate(images):
            with open(os.path.join(args.dir, ".original-%d.%s" % (i, ext)), "wb") as f:
                f.write(data)
    folders = 0
    current = None
    for n in range(args.count):
        folder = folder_of(n)
        if folder != current:
            current = folder
            os.makedirs(os.path.join(args.dir, folder))
            folders += 1
        i = n % len(images)
        ext, data = images[i]
        path = os.path.join(args.dir, folder, "IMG_%07d.%s" % (n, ext))
        if args.link:
            # Hidden originals: imgbatch skips hidden files, so only the links are inputs.
            os.link(os.path.join(args.dir, ".original-%d.%s" % (i, ext)), path)
        else:
            with open(path, "wb") as f:
                f.write(data)
    print("%d files in %d folders under %s in %.1f s"
          % (args.count, folders, args.dir, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
