#!/usr/bin/env python3
"""Which AVIF, JPEG XL and WebP quality looks like JPEG at a given quality.

For each photo: a reference, shrunk to fit SIZE (what a batch writes for the web), then
JPEG at each JPEG quality and the other formats at a range of their own qualities, all
through libvips' savers as imgbatch calls them (`vips jpegsave`, `heifsave` with AV1,
`jxlsave`, `webpsave`). Each output is decoded and scored by SSIM on luma (Gaussian
window, sigma 1.5, as Wang et al. 2004) against the reference. For every JPEG quality it
prints the other format's quality whose mean SSIM over the photos is the same
(interpolated), and the bytes each takes there.

SSIM is a rough stand-in for the eye, but it is the measure every tool here has, and it
ranks blur (AVIF's failure) and blocking (JPEG's) alike. Needs python3-numpy and
python3-pil, and the `vips` command. On two cores it takes about three minutes:

    scripts/quality-match.py ../shared/corpus/photos/{sharp_bench,exif_jpg_mobile_jolla,...}.jpg
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

JPEG_QUALITIES = [50, 60, 70, 75, 80, 85, 90, 95]
SEARCH = {
    "avif": [20, 30, 40, 50, 55, 60, 65, 70, 75, 80, 85, 90],
    "jxl": [50, 60, 70, 75, 80, 85, 90, 95],
    "webp": [50, 60, 70, 75, 80, 85, 90, 95],
}


def gaussian_blur(a, sigma=1.5, radius=5):
    x = np.arange(-radius, radius + 1)
    k = np.exp(-(x * x) / (2 * sigma * sigma))
    k /= k.sum()
    out = np.zeros_like(a)
    for i, w in enumerate(k):
        out += w * np.roll(a, i - radius, axis=0)
    a2 = np.zeros_like(a)
    for i, w in enumerate(k):
        a2 += w * np.roll(out, i - radius, axis=1)
    # The rolled edges wrap round: drop them.
    return a2[radius:-radius, radius:-radius]


def luma(path):
    im = Image.open(path).convert("RGB")
    rgb = np.asarray(im, dtype=np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_blur(a), gaussian_blur(b)
    saa = gaussian_blur(a * a) - mu_a * mu_a
    sbb = gaussian_blur(b * b) - mu_b * mu_b
    sab = gaussian_blur(a * b) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return float(m.mean())


def vips(*args):
    subprocess.run(["vips", *args], check=True, stdout=subprocess.DEVNULL)


def encode(fmt, ref, q, out):
    if fmt == "jpeg":
        vips("jpegsave", ref, out, "--Q", str(q), "--strip")
    elif fmt == "avif":
        vips("heifsave", ref, out, "--Q", str(q), "--compression", "av1", "--effort",
             str(EFFORT["avif"]), "--bitdepth", "8", "--strip")
    elif fmt == "jxl":
        vips("jxlsave", ref, out, "--Q", str(q), "--effort", str(EFFORT["jxl"]), "--strip")
    else:
        vips("webpsave", ref, out, "--Q", str(q), "--effort", str(EFFORT["webp"]), "--strip")


def decoded(fmt, path, tmp):
    if fmt in ("jpeg", "webp"):
        return luma(path)
    png = os.path.join(tmp, "decoded.png")
    vips("copy", path, png)
    return luma(png)


EFFORT = {"avif": 4, "jxl": 7, "webp": 4}


def interpolate(points, target):
    """The quality at which score reaches target, from (quality, score) ascending."""
    for (q0, s0), (q1, s1) in zip(points, points[1:]):
        if s0 <= target <= s1:
            return q0 + (q1 - q0) * (target - s0) / (s1 - s0) if s1 != s0 else q0
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("photos", nargs="+")
    ap.add_argument("--size", default="1024x1024", help="the reference fits this box")
    ap.add_argument("--formats", default="avif,jxl,webp")
    ap.add_argument("--avif-effort", type=int, default=EFFORT["avif"])
    ap.add_argument("--jxl-effort", type=int, default=EFFORT["jxl"])
    args = ap.parse_args()
    EFFORT["avif"], EFFORT["jxl"] = args.avif_effort, args.jxl_effort
    formats = args.formats.split(",")
    scores = {f: {} for f in ["jpeg"] + formats}  # fmt -> q -> [ssim], [bytes]
    with tempfile.TemporaryDirectory() as tmp:
        for photo in args.photos:
            ref = os.path.join(tmp, "ref.png")
            w, h = args.size.split("x")
            subprocess.run(["vipsthumbnail", photo, "-s", "%sx%s" % (w, h), "-o", ref],
                           check=True)
            ref_y = luma(ref)
            for fmt in scores:
                ext = {"jpeg": "jpg"}.get(fmt, fmt)
                for q in JPEG_QUALITIES if fmt == "jpeg" else SEARCH[fmt]:
                    out = os.path.join(tmp, "out." + ext)
                    encode(fmt, ref, q, out)
                    s = ssim(ref_y, decoded(fmt, out, tmp))
                    entry = scores[fmt].setdefault(q, ([], []))
                    entry[0].append(s)
                    entry[1].append(os.path.getsize(out))
            print("scored %s" % os.path.basename(photo), file=sys.stderr)

    def mean(fmt, q, i):
        v = scores[fmt][q][i]
        return sum(v) / len(v)

    print("mean SSIM (luma) over %d photos fitting %s" % (len(args.photos), args.size))
    for fmt in scores:
        print("  %-5s " % fmt + "  ".join("q%d %.4f %6.0fB" % (q, mean(fmt, q, 0), mean(fmt, q, 1))
                                           for q in sorted(scores[fmt])))
    print("\nJPEG q  " + "  ".join("%-18s" % ("%s q (bytes vs JPEG)" % f) for f in formats))
    for jq in JPEG_QUALITIES:
        target = mean("jpeg", jq, 0)
        row = []
        for fmt in formats:
            pts = [(q, mean(fmt, q, 0)) for q in sorted(scores[fmt])]
            q = interpolate(pts, target)
            if q is None:
                row.append("%-18s" % "out of range")
                continue
            sizes = [(qq, mean(fmt, qq, 1)) for qq in sorted(scores[fmt])]
            lo = max(p for p in sizes if p[0] <= q)
            hi = min(p for p in sizes if p[0] >= q)
            size = lo[1] if hi[0] == lo[0] else lo[1] + (hi[1] - lo[1]) * (q - lo[0]) / (hi[0] - lo[0])
            row.append("%-18s" % ("%.0f (%.0f%%)" % (q, 100 * size / mean("jpeg", jq, 1))))
        print("%6d  %s" % (jq, "  ".join(row)))


if __name__ == "__main__":
    main()
