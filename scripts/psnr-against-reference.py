#!/usr/bin/env python3
"""PSNR of resized outputs against a reference made from the full-size image.

    scripts/psnr-against-reference.py INPUT_DIR OUTPUT_DIR [OUTPUT_DIR...]

For each JPEG in INPUT_DIR that every OUTPUT_DIR holds under the same name, the
reference is the whole image decoded at full size, turned upright (EXIF
orientation) and reduced to the output's size by Pillow's Lanczos filter in one
step.  Prints, per OUTPUT_DIR, the median and the lowest PSNR in dB: how much a
tool's shortcuts (decoding at a reduced DCT scale, a box shrink before the
filter) cost against doing all the work.  Write the outputs at quality 100 so
that the encoder's own loss does not hide the resampling's.
"""
import glob
import math
import os
import statistics
import sys

import numpy as np
from PIL import Image, ImageOps


def psnr(a, b):
    mse = ((a - b) ** 2).mean()
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    inputs, outputs = sys.argv[1], sys.argv[2:]
    scores = {d: [] for d in outputs}
    for path in sorted(glob.glob(os.path.join(inputs, "*.jpg"))):
        name = os.path.basename(path)
        made = [os.path.join(d, name) for d in outputs]
        if not all(os.path.exists(m) for m in made):
            continue
        with Image.open(path) as im:
            upright = ImageOps.exif_transpose(im).convert("RGB")
        for d, m in zip(outputs, made):
            with Image.open(m) as out:
                out = out.convert("RGB")
                ref = upright.resize(out.size, Image.LANCZOS, reducing_gap=None)
                scores[d].append(psnr(np.asarray(out, float), np.asarray(ref, float)))
    for d in outputs:
        s = scores[d]
        if not s:
            print("%s: no outputs to compare" % d)
            continue
        print("%s: %d images, PSNR median %.1f dB, lowest %.1f dB"
              % (d, len(s), statistics.median(s), min(s)))


if __name__ == "__main__":
    main()
