"""EXIF orientation on corpus/orientation (Landscape_0..8, Portrait_0..8, the same picture
stored with each orientation): after resize, thumbnail and grayscale every _N looks like
_0; --no-rotate keeps the stored (swapped) dimensions of 5..8; --keep-metadata does not
leave an orientation tag that would make viewers rotate the upright pixels again.
"""

import os
import unittest

from PIL import Image, ImageOps

import helpers
from helpers import ImgbatchTestCase, corpus, open_loaded, run_json

NAMES = ["%s_%d" % (kind, n) for kind in ("Landscape", "Portrait") for n in range(9)]
UPRIGHT = {"Landscape": (1800, 1200), "Portrait": (1200, 1800)}
LIMIT = 10.0  # mean absolute difference per channel against _0


class OrientationTest(ImgbatchTestCase):
    def run_ok(self, args, out):
        r = run_json(args)
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.by_status("ok")), len(NAMES), helpers.describe(r.proc))
        self.assertNoTempFiles(out, r.proc)
        return r

    def assertLooksLikeZero(self, out, ext, size=None):
        for kind in ("Landscape", "Portrait"):
            zero = open_loaded(os.path.join(out, "%s_0%s" % (kind, ext))).convert("RGB")
            if size:
                self.assertEqual(zero.size, size[kind], kind)
            for n in range(1, 9):
                name = "%s_%d%s" % (kind, n, ext)
                with self.subTest(file=name):
                    im = open_loaded(os.path.join(out, name)).convert("RGB")
                    self.assertEqual(im.size, zero.size)
                    small = (max(1, im.width // 4), max(1, im.height // 4))
                    diff = helpers.mean_abs_diff(im.resize(small, Image.BOX),
                                                 zero.resize(small, Image.BOX))
                    self.assertLess(max(diff), LIMIT, "mean abs diff %s" % (diff,))

    def test_resize(self):
        for fmt, ext in (("png", ".png"), ("auto", ".jpg")):
            with self.subTest(format=fmt):
                out = self.path("out-" + fmt)
                r = self.run_ok(["resize", corpus("orientation"), out, "--size", "300x300",
                                 "-f", fmt], out)
                self.assertLooksLikeZero(out, ext, {"Landscape": (300, 200),
                                                    "Portrait": (200, 300)})
                for rec in r.records:
                    kind = os.path.basename(rec["input"]).split("_")[0]
                    self.assertEqual((rec["input_width"], rec["input_height"]), UPRIGHT[kind])

    def test_resize_matches_pillow_exif_transpose(self):
        out = self.path("out")
        self.run_ok(["resize", corpus("orientation"), out, "--size", "300x300", "-f", "png"],
                    out)
        for name in NAMES:
            with self.subTest(file=name):
                got = open_loaded(os.path.join(out, name + ".png")).convert("RGB")
                with Image.open(corpus("orientation", name + ".jpg")) as src:
                    src.draft("RGB", (600, 600))
                    ref = ImageOps.exif_transpose(src).convert("RGB")
                self.assertEqual(got.size, helpers.pillow_fit(ref.size, (300, 300)))
                ref = ref.resize(got.size, Image.LANCZOS)
                small = (got.width // 4, got.height // 4)
                diff = helpers.mean_abs_diff(got.resize(small, Image.BOX),
                                             ref.resize(small, Image.BOX))
                self.assertLess(max(diff), LIMIT, "mean abs diff %s" % (diff,))

    def test_thumbnail(self):
        for fmt, ext in (("png", ".png"), ("auto", ".jpg")):
            with self.subTest(format=fmt):
                out = self.path("out-" + fmt)
                self.run_ok(["thumbnail", corpus("orientation"), out, "--size", "120x80",
                             "-f", fmt], out)
                self.assertLooksLikeZero(out, ext, {"Landscape": (120, 80),
                                                    "Portrait": (120, 80)})

    def test_sepia_full_size(self):
        out = self.path("out")
        self.run_ok(["sepia", corpus("orientation"), out, "-j", "2"], out)
        self.assertLooksLikeZero(out, ".jpg", UPRIGHT)

    def test_grayscale_full_size(self):
        out = self.path("out")
        r = self.run_ok(["grayscale", corpus("orientation"), out, "-j", "2"], out)
        self.assertLooksLikeZero(out, ".jpg", UPRIGHT)
        for rec in r.records:
            kind = os.path.basename(rec["input"]).split("_")[0]
            self.assertEqual((rec["width"], rec["height"]), UPRIGHT[kind], rec)
            with Image.open(rec["output"]) as im:
                self.assertEqual(im.mode, "L")

    def test_no_rotate_keeps_stored_orientation(self):
        out = self.path("out")
        r = self.run_ok(["resize", corpus("orientation"), out, "--size", "300x300", "-f", "png",
                         "--no-rotate"], out)
        recs = r.by_name()
        for name in NAMES:
            with self.subTest(file=name):
                with Image.open(corpus("orientation", name + ".jpg")) as src:
                    stored = src.size
                rec = recs[name + ".jpg"]
                self.assertEqual((rec["input_width"], rec["input_height"]), stored)
                got = open_loaded(os.path.join(out, name + ".png"))
                self.assertEqual(got.size, helpers.pillow_fit(stored, (300, 300)))
        # and the pixels are the stored ones: Landscape_3 (rotated 180) is not like _0
        a = open_loaded(os.path.join(out, "Landscape_0.png")).convert("RGB")
        b = open_loaded(os.path.join(out, "Landscape_3.png")).convert("RGB")
        self.assertGreater(max(helpers.mean_abs_diff(a, b)), LIMIT)
        ref = open_loaded(corpus("orientation", "Landscape_3.jpg")).convert("RGB")
        ref = ref.resize(b.size, Image.BOX)
        self.assertLess(max(helpers.mean_abs_diff(b, ref)), LIMIT)

    def test_no_rotate_full_size(self):
        out = self.path("out")
        r = self.run_ok(["grayscale", corpus("orientation"), out, "--no-rotate"], out)
        for rec in r.records:
            with Image.open(rec["input"]) as src:
                stored = src.size
            self.assertEqual((rec["width"], rec["height"]), stored, rec)
            with Image.open(rec["output"]) as im:
                self.assertEqual(im.size, stored, rec)

    def test_keep_metadata_does_not_rotate_twice(self):
        for op in ("resize", "grayscale"):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                args = [op, corpus("orientation"), out, "--keep-metadata"]
                if op == "resize":
                    args += ["--size", "300x300"]
                self.run_ok(args, out)
                for name in NAMES:
                    with Image.open(os.path.join(out, name + ".jpg")) as im:
                        exif = im.getexif()
                        self.assertIn(exif.get(0x0112), (None, 0, 1),
                                      "%s: orientation tag kept" % name)
                        # what a viewer shows: upright, like _0
                        shown = ImageOps.exif_transpose(im)
                        kind = name.split("_")[0]
                        want = UPRIGHT[kind] if op == "grayscale" else \
                            {"Landscape": (300, 200), "Portrait": (200, 300)}[kind]
                        self.assertEqual(shown.size, want, name)
                # the metadata is there (camera EXIF kept), unlike the default
                with Image.open(os.path.join(out, "Landscape_6.jpg")) as im:
                    self.assertGreater(len(im.getexif()), 0)


if __name__ == "__main__":
    unittest.main()
