"""--size in ImageMagick's geometry (issue 16): W, Wx, xH and WxH fit inside and
never enlarge, WxH> shrinks only, WxH< enlarges only an image smaller on both
sides, WxH^ covers, WxH! is exact, N% scales, N@ bounds the area.  On generated
JPEG and PNG images, through both the TurboJPEG fast path and libvips: the output
dimensions, plain WxH byte for byte what it was, the --max-pixels refusals, and
a bad size refused with exit 2 and the accepted forms named.
"""

import os
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, pillow_fit, run, run_text

FORMS = "(W, Wx, xH, WxH, WxH>, WxH<, WxH^, WxH!, N%, N@"

# Inputs: name -> size.  A photo-sized JPEG and PNG, and a small JPEG to enlarge.
INPUTS = {"photo.jpg": (300, 200), "pic.png": (300, 200), "small.jpg": (60, 40)}

# --size -> the size each input must come out at.
EXPECTED = {
    "150x150^": {"photo.jpg": (225, 150), "pic.png": (225, 150), "small.jpg": (225, 150)},
    "100x100!": {"photo.jpg": (100, 100), "pic.png": (100, 100), "small.jpg": (100, 100)},
    "50%": {"photo.jpg": (150, 100), "pic.png": (150, 100), "small.jpg": (30, 20)},
    "150%": {"photo.jpg": (450, 300), "pic.png": (450, 300), "small.jpg": (90, 60)},
    # sqrt(6000 / 60000) = 0.316: 94.9 x 63.2; the small one scales up to the same
    "6000@": {"photo.jpg": (95, 63), "pic.png": (95, 63), "small.jpg": (95, 63)},
    "400x400<": {"photo.jpg": (400, 267), "pic.png": (400, 267), "small.jpg": (400, 267)},
    # 300 wide is not smaller than 250: left at its size; the small one fits 250x250
    "250x250<": {"photo.jpg": (300, 200), "pic.png": (300, 200), "small.jpg": (250, 167)},
    "150x": {"photo.jpg": (150, 100), "pic.png": (150, 100), "small.jpg": (60, 40)},
    "150x80>": {"photo.jpg": (120, 80), "pic.png": (120, 80), "small.jpg": (60, 40)},
}


class GeometryCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for name, size in INPUTS.items():
            helpers.gradient(self.path("in", name), size)

    def resize(self, size, out, *extra, env=None, expect_exit=0):
        r = run_text(["resize", self.inp, self.path(out), "--size", size, "-j", "2"]
                     + list(extra), env=env)
        self.assertExit(r.proc, expect_exit)
        self.assertNoTempFiles(self.path(out), r.proc)
        return r

    def sizes(self, out):
        d = self.path(out)
        result = {}
        for name in sorted(os.listdir(d)):
            with Image.open(os.path.join(d, name)) as im:
                result[name] = im.size
        return result

    def read(self, out, name):
        with open(self.path(out, name), "rb") as f:
            return f.read()


class SizeFormsTest(GeometryCase):
    def test_each_form_gives_its_size(self):
        for n, (size, want) in enumerate(EXPECTED.items()):
            with self.subTest(size=size):
                out = "out%d" % n
                r = self.resize(size, out)
                self.assertEqual(len(r.ok), len(INPUTS), helpers.describe(r.proc))
                self.assertEqual(self.sizes(out), want)

    def test_fast_path_and_libvips_agree(self):
        """The fast path takes what shrinks and leaves enlargements to libvips."""
        only = dict(os.environ, IMGBATCH_FAST_PATHS="only")
        off = dict(os.environ, IMGBATCH_FAST_PATHS="0")
        for name in ("pic.png", "small.jpg"):
            os.remove(self.path("in", name))
        for n, size in enumerate(("50%", "100x100!", "150x150^", "6000@", "150x80>", "250x250<")):
            with self.subTest(size=size):
                self.resize(size, "fast%d" % n, env=only)
                self.resize(size, "vips%d" % n, env=off)
                self.assertEqual(self.sizes("fast%d" % n), self.sizes("vips%d" % n))
                self.assertEqual(self.sizes("fast%d" % n)["photo.jpg"], EXPECTED[size]["photo.jpg"])
        # Enlarging is not for the fast path, which leaves the file to libvips.
        r = self.resize("400x400<", "fast-up", env=only, expect_exit=1)
        self.assertIn("not for the JPEG fast path", r.proc.err)

    def test_plain_box_is_unchanged(self):
        """WxH, W, Wx and WxH> are the same fit, to the byte; sizes are Pillow's."""
        self.resize("150x80", "plain")
        self.resize("150x80>", "shrink")
        self.resize("150", "w")
        self.resize("150x", "wx")
        for name, size in INPUTS.items():
            with self.subTest(file=name):
                self.assertEqual(self.read("plain", name), self.read("shrink", name))
                self.assertEqual(self.read("w", name), self.read("wx", name))
                self.assertEqual(self.sizes("plain")[name], pillow_fit(size, (150, 80)))

    def test_thumbnail_takes_cover_as_its_box(self):
        for size in ("64x48", "64x48^"):
            r = run_text(["thumbnail", self.inp, self.path(size), "--size", size])
            self.assertExit(r.proc, 0)
        for name in INPUTS:
            with self.subTest(file=name):
                self.assertEqual(self.read("64x48", name), self.read("64x48^", name))
                self.assertEqual(self.sizes("64x48")[name], (64, 48))
        p = run(["thumbnail", self.inp, self.path("t"), "--size", "64x48!"])
        self.assertExit(p, 2)
        self.assertIn("does not apply to thumbnail", p.err)


class SizeRefusalsTest(GeometryCase):
    def test_bad_size_is_a_usage_error_naming_the_forms(self):
        for size in ("200y3", "200^", "x150!", "50.5%", "0@", "150x150>>", "%"):
            with self.subTest(size=size):
                p = run(["resize", self.inp, self.path("out"), "--size", size])
                self.assertExit(p, 2)
                self.assertIn("--size '%s': not a size %s" % (size, FORMS), p.err)
                self.assertFalse(os.path.exists(self.path("out")))

    def test_exact_or_area_above_max_pixels_refused_before_work(self):
        for size in ("2000x1000!", "3000000@"):
            with self.subTest(size=size):
                p = run(["resize", self.inp, self.path("out"), "--size", size,
                         "--max-pixels", "1"])
                self.assertExit(p, 2)
                self.assertIn("above --max-pixels 1", p.err)
                self.assertFalse(os.path.exists(self.path("out")))

    def test_enlarging_past_max_pixels_fails_each_file_in_words(self):
        r = self.resize("5000%", "out", "--max-pixels", "10", expect_exit=1)
        failed = r.failed_by_name()
        self.assertEqual(sorted(failed), ["photo.jpg", "pic.png"], helpers.describe(r.proc))
        self.assertIn("image too large: --size scales this 300x200 image to 15000x10000, "
                      "above --max-pixels 10", failed["photo.jpg"])
        self.assertEqual(self.sizes("out"), {"small.jpg": (3000, 2000)})


if __name__ == "__main__":
    unittest.main()
