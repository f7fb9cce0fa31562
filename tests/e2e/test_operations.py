"""The four operations on generated images with known pixels: resize (Pillow's
thumbnail sizes, never enlarging, one-side boxes), thumbnail (exactly WxH, centre
crop, enlarging small images), grayscale (one channel, BT.601 values, alpha kept)
and sepia (the sepia matrix, clipped), plus output formats, extensions, --suffix
and --quality.  Inputs are PNG so expected values are exact.
"""

import os
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, open_loaded, max_abs_diff, pillow_fit, run, run_text


def expected_sepia(rgb):
    r, g, b = rgb
    return tuple(min(255, int(round(v))) for v in (
        0.393 * r + 0.769 * g + 0.189 * b,
        0.349 * r + 0.686 * g + 0.168 * b,
        0.272 * r + 0.534 * g + 0.131 * b,
    ))


def expected_grey(rgb):
    r, g, b = rgb
    return int(round(0.299 * r + 0.587 * g + 0.114 * b))


PATCH_COLOURS = [
    (0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255),
    (128, 128, 128), (200, 100, 50), (10, 20, 30), (255, 255, 0), (90, 180, 240),
    (1, 254, 127), (77, 77, 200),
]


class OpTestCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.out = self.path("out")

    def process(self, op, *opts, expect_ok=None):
        """Runs op over self.inp into self.out; expects exit 0 and every file ok."""
        r = run_text([op, self.inp, self.out] + list(opts))
        self.assertExit(r.proc, 0)
        self.assertEqual(r.failed, [], helpers.describe(r.proc))
        if expect_ok is not None:
            self.assertEqual(len(r.ok), expect_ok, helpers.describe(r.proc))
        self.assertNoTempFiles(self.out, r.proc)
        return r

    def output(self, name):
        path = os.path.join(self.out, name)
        self.assertTrue(os.path.isfile(path), "missing output %s; have %s"
                        % (name, helpers.all_files(self.out)))
        return open_loaded(path)


class ResizeTest(OpTestCase):
    def test_sizes_follow_pillow_thumbnail(self):
        cases = {
            "land.png": (400, 300),      # exact fit
            "wide.png": (2048, 1365),    # 200x133
            "photo.png": (3264, 2448),   # 200x150
            "tall.png": (1200, 1800),    # 100x150
            "strip.png": (1000, 3),      # the short side rounds to at least 1
            "odd.png": (333, 777),
            "square.png": (500, 500),
        }
        for name, size in cases.items():
            helpers.solid(self.path("in", name), size, (30, 60, 90))
        r = self.process("resize", "--size", "200x150", expect_ok=len(cases))
        by_name = r.ok_by_name()
        for name, size in cases.items():
            want = pillow_fit(size, (200, 150))
            self.assertEqual(self.output(name).size, want, name)
            line = by_name[name]
            self.assertEqual((int(line["iw"]), int(line["ih"])), size, name)
            self.assertEqual((int(line["w"]), int(line["h"])), want, name)
        # the spec's own examples
        self.assertEqual(self.output("wide.png").size, (200, 133))
        self.assertEqual(self.output("photo.png").size, (200, 150))
        self.assertEqual(self.output("tall.png").size, (100, 150))

    def test_size_sweep_matches_pillow(self):
        """Many sizes and boxes (seeded): every output size equals Pillow's thumbnail()."""
        import random
        rnd = random.Random(20240601)
        sizes = {(1, 1000), (1000, 1), (3, 2000), (2000, 3), (201, 151), (199, 149),
                 (400, 301), (301, 400), (1, 1), (150, 200)}
        while len(sizes) < 60:
            sizes.add((rnd.randint(1, 1500), rnd.randint(1, 1500)))
        for i, size in enumerate(sorted(sizes)):
            Image.new("L", size, 128).save(self.path("in", "s%02d.png" % i))
        for box, arg in (((200, 150), "200x150"), ((97, 13), "97x13"), ((64, 640), "64x640"),
                         ((300, 100000), "300"), ((100000, 75), "x75")):
            with self.subTest(size=arg):
                out = self.path("out-" + arg)
                r = run_text(["resize", self.inp, out, "--size", arg, "-j", "2"])
                self.assertExit(r.proc, 0)
                by_name = r.ok_by_name()
                for i, size in enumerate(sorted(sizes)):
                    name = "s%02d.png" % i
                    want = pillow_fit(size, box)
                    line = by_name[name]
                    self.assertEqual((int(line["w"]), int(line["h"])), want, (size, box))
                    with Image.open(os.path.join(out, name)) as im:
                        self.assertEqual(im.size, want, (size, box))

    def test_inside_box_keeps_pixels(self):
        """An untagged sRGB image that needs no resizing comes out with the same pixels."""
        src = helpers.colour_patches(self.path("in", "patches.png"), PATCH_COLOURS)
        self.process("resize", "--size", "800x600", expect_ok=1)
        out = self.output("patches.png")
        self.assertEqual(out.size, src.size)
        self.assertLessEqual(max_abs_diff(out.convert("RGB"), src), 1)

    def test_never_enlarges(self):
        helpers.solid(self.path("in", "small.png"), (120, 80), (10, 200, 30))
        helpers.solid(self.path("in", "exact.png"), (200, 150), (10, 200, 30))
        self.process("resize", "--size", "200x150", expect_ok=2)
        self.assertEqual(self.output("small.png").size, (120, 80))
        self.assertEqual(self.output("exact.png").size, (200, 150))

    def test_default_box_is_800x600(self):
        helpers.solid(self.path("in", "big.png"), (1600, 1600), (1, 2, 3))
        self.process("resize", expect_ok=1)
        self.assertEqual(self.output("big.png").size, (600, 600))

    def test_width_only(self):
        helpers.solid(self.path("in", "a.png"), (400, 300), (0, 0, 0))
        helpers.solid(self.path("in", "b.png"), (300, 3000), (0, 0, 0))
        helpers.solid(self.path("in", "c.png"), (100, 50), (0, 0, 0))
        self.process("resize", "--size", "200", expect_ok=3)
        self.assertEqual(self.output("a.png").size, (200, 150))
        self.assertEqual(self.output("b.png").size, (200, 2000))
        self.assertEqual(self.output("c.png").size, (100, 50))

    def test_height_only(self):
        helpers.solid(self.path("in", "a.png"), (400, 600), (0, 0, 0))
        helpers.solid(self.path("in", "b.png"), (3000, 300), (0, 0, 0))
        helpers.solid(self.path("in", "c.png"), (50, 100), (0, 0, 0))
        self.process("resize", "-s", "x150", expect_ok=3)
        self.assertEqual(self.output("a.png").size, (100, 150))
        self.assertEqual(self.output("b.png").size, (1500, 150))
        self.assertEqual(self.output("c.png").size, (50, 100))

    def test_pixels_survive(self):
        """A solid colour stays that colour; a two-colour split keeps its halves."""
        helpers.solid(self.path("in", "solid.png"), (401, 299), (200, 30, 140))
        helpers.split_lr(self.path("in", "split.png"), (400, 200), (255, 0, 0), (0, 0, 255))
        self.process("resize", "--size", "100x100", expect_ok=2)
        solid = self.output("solid.png")
        self.assertEqual(solid.mode, "RGB")
        self.assertLessEqual(max_abs_diff(solid, Image.new("RGB", solid.size, (200, 30, 140))), 1)
        split = self.output("split.png").convert("RGB")
        self.assertEqual(split.size, (100, 50))
        for y in (0, 25, 49):
            for x in range(0, 45):
                self.assertLessEqual(max_abs_diff(
                    Image.new("RGB", (1, 1), split.getpixel((x, y))),
                    Image.new("RGB", (1, 1), (255, 0, 0))), 2, (x, y))
            for x in range(55, 100):
                self.assertLessEqual(max_abs_diff(
                    Image.new("RGB", (1, 1), split.getpixel((x, y))),
                    Image.new("RGB", (1, 1), (0, 0, 255))), 2, (x, y))

    def test_gradient_close_to_pillow(self):
        src = helpers.gradient(self.path("in", "grad.png"), (256, 256))
        self.process("resize", "--size", "64x64", expect_ok=1)
        out = self.output("grad.png").convert("RGB")
        ref = src.resize((64, 64), Image.LANCZOS)
        self.assertLess(max(helpers.mean_abs_diff(out, ref)), 2.0)

    def test_alpha_kept_in_png(self):
        im = Image.new("RGBA", (200, 100), (255, 0, 0, 255))
        im.paste(Image.new("RGBA", (100, 100), (0, 0, 255, 0)), (100, 0))
        im.save(self.path("in", "alpha.png"))
        self.process("resize", "--size", "100x100", expect_ok=1)
        out = self.output("alpha.png")
        self.assertEqual(out.mode, "RGBA")
        self.assertEqual(out.size, (100, 50))
        self.assertEqual(out.getpixel((10, 25))[3], 255)
        self.assertEqual(out.getpixel((90, 25))[3], 0)


class ThumbnailTest(OpTestCase):
    def test_exact_sizes(self):
        helpers.solid(self.path("in", "land.png"), (400, 200), (9, 9, 9))
        helpers.solid(self.path("in", "port.png"), (200, 400), (9, 9, 9))
        helpers.solid(self.path("in", "small.png"), (30, 20), (9, 9, 9))
        helpers.solid(self.path("in", "tiny.png"), (1, 1), (9, 9, 9))
        helpers.solid(self.path("in", "strip.png"), (1000, 4), (9, 9, 9))
        self.process("thumbnail", "--size", "100x100", expect_ok=5)
        for name in ("land.png", "port.png", "small.png", "tiny.png", "strip.png"):
            self.assertEqual(self.output(name).size, (100, 100), name)

    def test_non_square_box(self):
        helpers.solid(self.path("in", "sq.png"), (300, 300), (9, 9, 9))
        helpers.solid(self.path("in", "port.png"), (100, 300), (9, 9, 9))
        self.process("thumbnail", "--size", "120x80", expect_ok=2)
        self.assertEqual(self.output("sq.png").size, (120, 80))
        self.assertEqual(self.output("port.png").size, (120, 80))

    def test_default_box_is_150x150(self):
        helpers.solid(self.path("in", "a.png"), (640, 480), (9, 9, 9))
        helpers.solid(self.path("in", "b.png"), (50, 70), (9, 9, 9))
        self.process("thumbnail", expect_ok=2)
        self.assertEqual(self.output("a.png").size, (150, 150))
        self.assertEqual(self.output("b.png").size, (150, 150))

    def test_centre_crop(self):
        """Three vertical stripes: a square thumbnail shows only the middle one."""
        im = Image.new("RGB", (300, 100), (255, 0, 0))
        im.paste(Image.new("RGB", (100, 100), (0, 255, 0)), (100, 0))
        im.paste(Image.new("RGB", (100, 100), (0, 0, 255)), (200, 0))
        im.save(self.path("in", "stripes.png"))
        # and horizontally: the middle band of a portrait image
        im = Image.new("RGB", (100, 300), (255, 255, 0))
        im.paste(Image.new("RGB", (100, 100), (0, 255, 255)), (0, 100))
        im.paste(Image.new("RGB", (100, 100), (255, 0, 255)), (0, 200))
        im.save(self.path("in", "bands.png"))
        self.process("thumbnail", "--size", "50x50", expect_ok=2)
        stripes = self.output("stripes.png").convert("RGB")
        bands = self.output("bands.png").convert("RGB")
        self.assertEqual(stripes.size, (50, 50))
        self.assertEqual(bands.size, (50, 50))
        inner = (8, 8, 42, 42)
        self.assertLessEqual(max_abs_diff(stripes.crop(inner),
                                          Image.new("RGB", (34, 34), (0, 255, 0))), 2)
        self.assertLessEqual(max_abs_diff(bands.crop(inner),
                                          Image.new("RGB", (34, 34), (0, 255, 255))), 2)

    def test_small_image_enlarged_keeps_colour(self):
        helpers.solid(self.path("in", "small.png"), (10, 10), (12, 34, 56))
        self.process("thumbnail", "--size", "64x64", expect_ok=1)
        out = self.output("small.png").convert("RGB")
        self.assertEqual(out.size, (64, 64))
        self.assertLessEqual(max_abs_diff(out, Image.new("RGB", (64, 64), (12, 34, 56))), 1)


class GrayscaleTest(OpTestCase):
    def test_values_match_pillow_L(self):
        src = helpers.colour_patches(self.path("in", "patches.png"), PATCH_COLOURS)
        grad = helpers.gradient(self.path("in", "grad.png"), (97, 61))
        self.process("grayscale", expect_ok=2)
        for name, im in (("patches.png", src), ("grad.png", grad)):
            out = self.output(name)
            self.assertEqual(out.mode, "L", name)
            self.assertEqual(out.size, im.size, name)
            self.assertLessEqual(max_abs_diff(out, im.convert("L")), 1, name)
        out = self.output("patches.png")
        for i, c in enumerate(PATCH_COLOURS):
            got = out.getpixel((i * 8 + 4, 4))
            self.assertLessEqual(abs(got - expected_grey(c)), 1, (c, got))

    def test_alpha_kept_as_LA(self):
        im = Image.new("RGBA", (40, 20), (200, 100, 50, 255))
        im.paste(Image.new("RGBA", (20, 20), (10, 250, 90, 77)), (20, 0))
        im.save(self.path("in", "alpha.png"))
        self.process("grayscale", expect_ok=1)
        out = self.output("alpha.png")
        self.assertEqual(out.mode, "LA")
        self.assertEqual(out.size, (40, 20))
        ref = im.convert("LA")
        self.assertEqual(out.getchannel("A").tobytes(), ref.getchannel("A").tobytes())
        self.assertLessEqual(max_abs_diff(out.getchannel("L"), ref.getchannel("L")), 1)

    def test_grey_input_unchanged(self):
        im = Image.linear_gradient("L").resize((64, 64))
        im.save(self.path("in", "grey.png"))
        self.process("grayscale", expect_ok=1)
        out = self.output("grey.png")
        self.assertEqual(out.mode, "L")
        self.assertLessEqual(max_abs_diff(out, im), 0)

    def test_jpeg_stays_jpeg_one_channel(self):
        helpers.gradient(self.path("grad.png"), (120, 90))
        Image.open(self.path("grad.png")).save(self.path("in", "photo.jpg"), quality=95)
        self.process("grayscale", expect_ok=1)
        out = self.output("photo.jpg")
        self.assertEqual(out.format, "JPEG")
        self.assertEqual(out.mode, "L")
        self.assertEqual(out.size, (120, 90))
        ref = open_loaded(self.path("in", "photo.jpg")).convert("L")
        self.assertLess(helpers.mean_abs_diff(out, ref)[0], 3)

    def test_full_size_kept(self):
        helpers.solid(self.path("in", "big.png"), (2001, 1001), (5, 6, 7))
        self.process("grayscale", expect_ok=1)
        self.assertEqual(self.output("big.png").size, (2001, 1001))

    def test_size_option_refused(self):
        helpers.solid(self.path("in", "a.png"), (10, 10), (5, 6, 7))
        p = run(["grayscale", self.inp, self.out, "--size", "10x10"])
        self.assertExit(p, 2)
        self.assertIn("size", p.err)


class SepiaTest(OpTestCase):
    def test_values_match_matrix(self):
        src = helpers.colour_patches(self.path("in", "patches.png"), PATCH_COLOURS)
        grad = helpers.gradient(self.path("in", "grad.png"), (64, 48))
        self.process("sepia", expect_ok=2)
        for name, im in (("patches.png", src), ("grad.png", grad)):
            out = self.output(name)
            self.assertEqual(out.mode, "RGB", name)
            self.assertEqual(out.size, im.size, name)
            ref = Image.new("RGB", im.size)
            ref.putdata([expected_sepia(p) for p in im.getdata()])
            self.assertLessEqual(max_abs_diff(out, ref), 1, name)
        # clipping: white's R' and G' (1.351 and 1.203 x 255) clip at 255
        out = self.output("patches.png")
        self.assertEqual(out.getpixel((4, 4)), (0, 0, 0))
        self.assertEqual(out.getpixel((12, 4))[:2], (255, 255))
        self.assertLessEqual(abs(out.getpixel((12, 4))[2] - 239), 1)

    def test_alpha_kept(self):
        im = Image.new("RGBA", (20, 10), (100, 150, 200, 255))
        im.paste(Image.new("RGBA", (10, 10), (100, 150, 200, 40)), (10, 0))
        im.save(self.path("in", "alpha.png"))
        self.process("sepia", expect_ok=1)
        out = self.output("alpha.png")
        self.assertEqual(out.mode, "RGBA")
        self.assertEqual(out.getchannel("A").tobytes(), im.getchannel("A").tobytes())
        want = expected_sepia((100, 150, 200))
        for x in (2, 15):
            got = out.getpixel((x, 5))[:3]
            for g, w in zip(got, want):
                self.assertLessEqual(abs(g - w), 1, (x, got, want))

    def test_grey_input_gets_colour(self):
        Image.new("L", (16, 16), 100).save(self.path("in", "grey.png"))
        self.process("sepia", expect_ok=1)
        out = self.output("grey.png")
        self.assertEqual(out.mode, "RGB")
        got = out.getpixel((8, 8))
        want = expected_sepia((100, 100, 100))
        for g, w in zip(got, want):
            self.assertLessEqual(abs(g - w), 1, (got, want))


class JpegToJpegTest(OpTestCase):
    """JPEG in and JPEG out (where a tool may take a faster road): the same results
    as the definitions, within JPEG's loss, for every chroma subsampling and odd sizes."""

    def setUp(self):
        super().setUp()
        grad = helpers.gradient(self.path("grad.png"), (640, 480))
        self.sources = {}
        for name, im, kw in (("s444.jpg", grad, {"subsampling": 0}),
                             ("s422.jpg", grad, {"subsampling": 1}),
                             ("s420.jpg", grad, {"subsampling": 2}),
                             ("prog.jpg", grad, {"progressive": True}),
                             ("odd.jpg", grad.resize((641, 479)), {}),
                             ("grey.jpg", grad.convert("L"), {})):
            im.save(self.path("in", name), quality=95, **kw)
            self.sources[name] = open_loaded(self.path("in", name)).convert("RGB")

    def test_grayscale(self):
        self.process("grayscale", "-q", "95", expect_ok=len(self.sources))
        for name, src in self.sources.items():
            with self.subTest(file=name):
                out = self.output(name)
                self.assertEqual(out.format, "JPEG")
                self.assertEqual(out.mode, "L")
                self.assertEqual(out.size, src.size)
                ref = src.convert("L")
                self.assertLessEqual(max_abs_diff(out, ref), 4)
                self.assertLess(helpers.mean_abs_diff(out, ref)[0], 1.0)

    def test_sepia(self):
        self.process("sepia", "-q", "95", expect_ok=len(self.sources))
        matrix = (0.393, 0.769, 0.189, 0, 0.349, 0.686, 0.168, 0, 0.272, 0.534, 0.131, 0)
        for name, src in self.sources.items():
            with self.subTest(file=name):
                out = self.output(name)
                self.assertEqual(out.mode, "RGB")
                self.assertEqual(out.size, src.size)
                ref = src.convert("RGB", matrix)
                self.assertLessEqual(max_abs_diff(out, ref), 12)
                self.assertLess(max(helpers.mean_abs_diff(out, ref)), 2.0)

    def test_resize_and_thumbnail(self):
        from PIL import ImageOps
        for op, box in (("resize", (200, 150)), ("thumbnail", (120, 80))):
            out_dir = self.path("out-" + op)
            r = run_text([op, self.inp, out_dir, "-s", "%dx%d" % box, "-q", "95"])
            self.assertExit(r.proc, 0)
            for name, src in self.sources.items():
                with self.subTest(op=op, file=name):
                    out = open_loaded(os.path.join(out_dir, name))
                    self.assertEqual(out.format, "JPEG")
                    if op == "resize":
                        self.assertEqual(out.size, pillow_fit(src.size, box))
                        ref = src.resize(out.size, Image.LANCZOS)
                    else:
                        self.assertEqual(out.size, box)
                        ref = ImageOps.fit(src, box, Image.LANCZOS)
                    self.assertLess(max(helpers.mean_abs_diff(out, ref)), 2.0)


    def test_same_pixels_whichever_path(self):
        """--keep-metadata sends JPEGs down the general libvips path instead of the
        TurboJPEG one, at a quality below 90 (4:2:0 chroma) and above (4:4:4): sepia
        writes the same pixels either way; grayscale the same within rounding (the
        fast path keeps the JPEG's Y, the general one computes L of the decoded RGB,
        and on this gradient no RGB clips: see test_fast_paths.py)."""
        for op in ("grayscale", "sepia"):
            for quality in ("85", "95"):
                fast = self.path("fast-%s-%s" % (op, quality))
                general = self.path("general-%s-%s" % (op, quality))
                for out_dir, extra in ((fast, []), (general, ["--keep-metadata"])):
                    r = run_text([op, self.inp, out_dir, "-q", quality] + extra)
                    self.assertExit(r.proc, 0)
                for name in self.sources:
                    with self.subTest(op=op, quality=quality, file=name):
                        a = open_loaded(os.path.join(fast, name))
                        b = open_loaded(os.path.join(general, name))
                        self.assertEqual((a.mode, a.size), (b.mode, b.size))
                        self.assertLessEqual(max_abs_diff(a, b), 0 if op == "sepia" else 2)


class FormatTest(OpTestCase):
    def test_forced_formats(self):
        helpers.gradient(self.path("in", "pic.png"), (80, 60))
        for fmt, ext, pil in (("png", ".png", "PNG"), ("jpeg", ".jpg", "JPEG"),
                              ("webp", ".webp", "WEBP"), ("tiff", ".tif", "TIFF")):
            out = self.path("out-" + fmt)
            r = run_text(["resize", self.inp, out, "-f", fmt, "--size", "40x40"])
            self.assertExit(r.proc, 0)
            self.assertEqual(helpers.all_files(out), ["pic" + ext], fmt)
            im = open_loaded(os.path.join(out, "pic" + ext))
            self.assertEqual(im.format, pil, fmt)
            self.assertEqual(im.size, (40, 30), fmt)
            self.assertIn(im.mode, ("RGB",), fmt)
            self.assertEqual(r.ok[0]["output"], os.path.join(out, "pic" + ext))

    def test_alpha_and_grey_in_each_format(self):
        """RGBA keeps alpha in PNG, WebP and TIFF; grayscale is one channel in PNG, JPEG
        and TIFF."""
        im = Image.new("RGBA", (40, 20), (200, 100, 50, 255))
        im.paste(Image.new("RGBA", (20, 20), (10, 250, 90, 0)), (20, 0))
        im.save(self.path("in", "alpha.png"))
        for fmt, ext in (("png", ".png"), ("webp", ".webp"), ("tiff", ".tif")):
            with self.subTest(fmt=fmt):
                out = self.path("out-" + fmt)
                r = run_text(["resize", self.inp, out, "-f", fmt])
                self.assertExit(r.proc, 0)
                got = open_loaded(os.path.join(out, "alpha" + ext))
                self.assertEqual(got.mode, "RGBA")
                self.assertEqual(got.getpixel((5, 5))[3], 255)
                self.assertEqual(got.getpixel((35, 5))[3], 0)
        for fmt, ext, mode in (("png", ".png", "LA"), ("tiff", ".tif", "LA"),
                               ("jpeg", ".jpg", "L")):
            with self.subTest(fmt=fmt, op="grayscale"):
                out = self.path("grey-" + fmt)
                r = run_text(["grayscale", self.inp, out, "-f", fmt])
                self.assertExit(r.proc, 0)
                got = open_loaded(os.path.join(out, "alpha" + ext))
                self.assertEqual(got.mode, mode)

    def test_auto_format_and_extensions(self):
        src = Image.new("RGB", (64, 48), (40, 80, 120))
        src.save(self.path("in", "a.jpeg"))
        src.save(self.path("in", "b.JPG"), format="JPEG")
        src.save(self.path("in", "c.webp"))
        src.save(self.path("in", "d.tiff"))
        src.save(self.path("in", "e.tif"))
        src.save(self.path("in", "f.gif"))
        src.save(self.path("in", "g.bmp"))
        src.save(self.path("in", "h.PNG"), format="PNG")
        self.process("resize", "--size", "32x32", expect_ok=8)
        want = {"a.jpeg": "JPEG", "b.JPG": "JPEG", "c.webp": "WEBP", "d.tiff": "TIFF",
                "e.tif": "TIFF", "f.gif": "GIF", "g.png": "PNG", "h.PNG": "PNG"}
        self.assertEqual(helpers.all_files(self.out), sorted(want))
        for name, fmt in want.items():
            im = self.output(name)
            self.assertEqual(im.format, fmt, name)
            self.assertEqual(im.size, (32, 24), name)

    def test_forced_format_of_each_input(self):
        Image.new("RGB", (20, 20), (1, 2, 3)).save(self.path("in", "x.jpg"))
        Image.new("RGB", (20, 20), (1, 2, 3)).save(self.path("in", "y.gif"))
        self.process("sepia", "-f", "webp", expect_ok=2)
        self.assertEqual(helpers.all_files(self.out), ["x.webp", "y.webp"])
        self.assertEqual(self.output("x.webp").format, "WEBP")

    def test_suffix(self):
        helpers.solid(self.path("in", "a.png"), (30, 30), (1, 2, 3))
        Image.new("RGB", (30, 30)).save(self.path("in", "b.jpg"))
        self.process("grayscale", "--suffix", "_processed", expect_ok=2)
        self.assertEqual(helpers.all_files(self.out), ["a_processed.png", "b_processed.jpg"])
        out2 = self.path("out2")
        r = run_text(["thumbnail", self.inp, out2, "--suffix", "-t", "-f", "jpeg"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out2), ["a-t.jpg", "b-t.jpg"])

    def test_suffix_with_slash_refused(self):
        helpers.solid(self.path("in", "a.png"), (30, 30), (1, 2, 3))
        p = run(["resize", self.inp, self.out, "--suffix", "x/y"])
        self.assertExit(p, 2)
        self.assertTrue(p.err.strip(), describe_missing_stderr(p))

    def test_quality(self):
        im = helpers.gradient(self.path("g.png"), (300, 300))
        # noise so that quality matters for the file size
        im = Image.merge("RGB", (im.getchannel("R"), Image.effect_noise((300, 300), 60),
                                 im.getchannel("B")))
        im.save(self.path("in", "noisy.jpg"), quality=98)
        im.save(self.path("in", "noisy.webp"), quality=98)
        lo, hi = self.path("lo"), self.path("hi")
        for q, out in (("10", lo), ("95", hi)):
            r = run_text(["grayscale", self.inp, out, "-q", q])
            self.assertExit(r.proc, 0)
        for name in ("noisy.jpg", "noisy.webp"):
            small = os.path.getsize(os.path.join(lo, name))
            big = os.path.getsize(os.path.join(hi, name))
            self.assertLess(small * 2, big, name)

    def test_bad_quality_refused(self):
        helpers.solid(self.path("in", "a.png"), (30, 30), (1, 2, 3))
        for q in ("0", "101", "abc"):
            p = run(["resize", self.inp, self.out, "-q", q])
            self.assertExit(p, 2)


def describe_missing_stderr(p):
    return "expected a message on stderr\n" + helpers.describe(p)


if __name__ == "__main__":
    unittest.main()
