#!/usr/bin/python3
"""Makes samples/: a handful of small images that show what imgbatch handles.

Three real photos from ../shared/corpus/photos, scaled down to 640 pixels on
the long side with their EXIF kept (one is stored sideways with orientation
6), and generated images for the other formats: PNG with alpha, 16-bit PNG,
palette GIF, BMP, WebP with alpha and TIFF.  Run with Debian's python3 and
python3-pil: /usr/bin/python3 scripts/make_samples.py
"""
import math
import os
import sys

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "samples")
CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus", "photos")

PHOTOS = {
    # corpus name -> sample name
    "exif_jpg_mobile_jolla.jpg": "street.jpg",
    "exif_jpg_hdr_canon_hdr_YES.jpg": "portrait.jpg",
    "orient_Landscape_6.jpg": "sideways-exif6.jpg",
}


def shrink_photo(src, dst):
    with Image.open(src) as im:
        exif = im.info.get("exif", b"")
        im.thumbnail((640, 640), Image.Resampling.LANCZOS)
        im.save(dst, "JPEG", quality=88, exif=exif)


def alpha_disc(size):
    w, h = size
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    px = im.load()
    for y in range(h):
        for x in range(w):
            d = math.hypot(x - w / 2, y - h / 2) / (min(w, h) / 2)
            if d < 1:
                px[x, y] = (int(255 * x / w), int(255 * y / h), 160, int(255 * (1 - d * d)))
    return im


def main():
    os.makedirs(OUT, exist_ok=True)
    for src, dst in PHOTOS.items():
        shrink_photo(os.path.join(CORPUS, src), os.path.join(OUT, dst))

    alpha_disc((320, 240)).save(os.path.join(OUT, "disc-alpha.png"))
    alpha_disc((300, 300)).save(os.path.join(OUT, "disc-alpha.webp"), quality=90)

    ramp = Image.new("I;16", (512, 128))
    ramp.putdata([x * 128 for y in range(128) for x in range(512)])
    ramp.save(os.path.join(OUT, "ramp-16bit.png"))

    stripes = Image.new("P", (300, 200))
    stripes.putpalette([255, 0, 0, 255, 200, 0, 0, 160, 255, 20, 20, 20] + [0] * 756)
    draw = ImageDraw.Draw(stripes)
    for i in range(6):
        draw.rectangle([i * 50, 0, i * 50 + 49, 199], fill=i % 4)
    stripes.save(os.path.join(OUT, "stripes.gif"))

    checker = Image.new("RGB", (256, 256))
    checker.putdata([((x // 32 + y // 32) % 2 * 200 + 30, x, y) for y in range(256) for x in range(256)])
    checker.save(os.path.join(OUT, "checker.bmp"))
    checker.save(os.path.join(OUT, "checker-deflate.tif"), compression="tiff_deflate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
