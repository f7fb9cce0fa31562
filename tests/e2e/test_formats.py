"""Input formats from the corpus: every valid PngSuite file succeeds and every x*.png
fails with a reason; every file of corpus/formats resizes to 8-bit sRGB (no CMYK, no
16-bit); CMYK JPEGs and wide-gamut PNGs are converted through their profiles; animated
GIF/WebP stay animated (test_animation.py has the rest); transparency is kept in PNG/WebP
and flattened onto white for JPEG output.
"""

import io
import os
import shutil
import unittest

from PIL import Image, ImageCms

import helpers
from helpers import ImgbatchTestCase, corpus, open_loaded, run_json

EIGHT_BIT_MODES = ("L", "LA", "RGB", "RGBA")


def modes_for(im, modes):
    """A GIF holds a palette of 8-bit sRGB colours whatever they are: P counts as each."""
    return modes + ("P",) if im.format == "GIF" else modes


def box_diff(a, b, block=10):
    """Mean absolute difference per channel after averaging block x block areas."""
    a, b = a.convert("RGB"), b.convert("RGB")
    small = (max(1, a.width // block), max(1, a.height // block))
    return helpers.mean_abs_diff(a.resize(small, Image.BOX), b.resize(small, Image.BOX))


def to_srgb_with_pillow(im):
    """Pillow/LittleCMS rendering of an image with an embedded profile in sRGB."""
    src = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
    mode = "RGBA" if im.mode == "RGBA" else "RGB"
    return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode=mode)


class PngSuiteTest(ImgbatchTestCase):
    def test_pngsuite(self):
        d = corpus("pngsuite")
        names = sorted(n for n in os.listdir(d) if n.endswith(".png"))
        good = [n for n in names if not n.startswith("x")]
        bad = [n for n in names if n.startswith("x")]
        self.assertGreater(len(good), 100)
        self.assertGreater(len(bad), 5)
        out = self.path("out")
        r = run_json(["resize", d, out, "-j", "2"])
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        self.assertEqual(sorted(recs), names)
        for n in good:
            with self.subTest(file=n):
                rec = recs[n]
                self.assertEqual(rec["status"], "ok", rec)
                im = open_loaded(rec["output"])
                self.assertEqual(im.format, "PNG")
                # palette, 1/2/4-bit and 16-bit inputs all come out 8-bit L/LA/RGB/RGBA
                self.assertIn(im.mode, EIGHT_BIT_MODES, rec)
                self.assertEqual(im.size, (rec["width"], rec["height"]))
                self.assertEqual(im.size, (rec["input_width"], rec["input_height"]))
        for n in bad:
            with self.subTest(file=n):
                rec = recs[n]
                self.assertEqual(rec["status"], "failed", rec)
                self.assertTrue(rec.get("error", "").strip(), rec)
                self.assertNotIn("output", rec)
                self.assertFalse(os.path.exists(os.path.join(out, n)), n)
        s = r.summary
        self.assertEqual((s["ok"], s["failed"], s["skipped"]), (len(good), len(bad), 0))
        self.assertEqual(s["total"], len(names))
        self.assertNoTempFiles(out, r.proc)

    def test_pngsuite_pixels(self):
        """Grayscale keeps the size and matches Pillow's L on a few valid PngSuite
        files of different colour types (8-bit, palette, 16-bit, interlaced)."""
        d = corpus("pngsuite")
        inp = self.mkdir("in")
        names = ["basn2c16.png", "basn3p08.png", "basi0g08.png", "basn0g16.png",
                 "basi2c16.png", "tp0n2c08.png"]
        for n in names:
            with open(os.path.join(d, n), "rb") as f, open(os.path.join(inp, n), "wb") as g:
                g.write(f.read())
        out = self.path("out")
        r = run_json(["grayscale", inp, out])
        self.assertExit(r.proc, 0)
        for n in names:
            with self.subTest(file=n):
                got = open_loaded(os.path.join(out, n))
                self.assertIn(got.mode, ("L", "LA"))
                src = open_loaded(os.path.join(d, n))
                if src.mode in ("I", "I;16"):  # 16-bit grey: Pillow would clip, not scale
                    src = src.point(lambda v: v * (1 / 257.0)).convert("L")
                ref = src.convert("RGB").convert("L")
                self.assertEqual(got.size, ref.size)
                # 16-bit inputs: Pillow reduces by truncation, libvips by rounding
                self.assertLessEqual(helpers.max_abs_diff(got.getchannel(0), ref), 2)


class FormatsDirTest(ImgbatchTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.outdir = tempfile.mkdtemp(prefix="imgbatch-e2e-formats-")
        cls.addClassCleanup(shutil.rmtree, cls.outdir, True)
        cls.result = run_json(["resize", corpus("formats"), cls.outdir, "-j", "2"])
        cls.recs = cls.result.by_name()

    def out(self, name):
        rec = self.recs[name]
        self.assertEqual(rec["status"], "ok", rec)
        return open_loaded(rec["output"])

    def test_all_succeed(self):
        r = self.result
        names = sorted(n for n in os.listdir(corpus("formats")) if not n.startswith("."))
        self.assertExit(r.proc, 0)
        self.assertEqual(sorted(self.recs), names)
        self.assertEqual(r.summary["failed"], 0)
        self.assertEqual(r.summary["ok"], len(names))
        self.assertNoTempFiles(self.outdir, r.proc)

    def test_modes_are_8bit_srgb(self):
        for name, rec in sorted(self.recs.items()):
            with self.subTest(file=name):
                self.assertEqual(rec["status"], "ok", rec)
                im = open_loaded(rec["output"])
                self.assertIn(im.mode, modes_for(im, EIGHT_BIT_MODES), rec)
                self.assertEqual(im.size, (rec["width"], rec["height"]))
                self.assertNotIn("icc_profile", im.info)

    def test_output_formats(self):
        want = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
                ".tif": "TIFF", ".tiff": "TIFF", ".gif": "GIF"}
        for name, rec in sorted(self.recs.items()):
            with self.subTest(file=name):
                stem, ext = os.path.splitext(name)
                if ext.lower() == ".bmp":
                    self.assertEqual(os.path.basename(rec["output"]), stem + ".png")
                else:
                    self.assertEqual(os.path.basename(rec["output"]), name)
                out_ext = os.path.splitext(rec["output"])[1].lower()
                with Image.open(rec["output"]) as im:
                    self.assertEqual(im.format, want[out_ext])

    def test_cmyk_jpeg(self):
        for name in ("Channel_digital_image_CMYK_color.jpg",
                     "Channel_digital_image_CMYK_color_no_profile.jpg"):
            with self.subTest(file=name):
                out = self.out(name)
                self.assertEqual(out.mode, "RGB")
                src = open_loaded(corpus("formats", name))
                self.assertEqual(src.mode, "CMYK")
                self.assertEqual(out.size, src.size)
                # Pillow's naive CMYK->RGB: loose (profiles move colours a little);
                # an inverted or unconverted CMYK would be off by ~100 or more
                self.assertLess(max(box_diff(out, src.convert("RGB"))), 30)
                if "icc_profile" in src.info:
                    self.assertLess(max(box_diff(out, to_srgb_with_pillow(src))), 12)

    def test_wide_gamut_converted(self):
        for name in ("p3.png", "prophoto.png"):
            with self.subTest(file=name):
                out = self.out(name)
                src = open_loaded(corpus("formats", name))
                ref = to_srgb_with_pillow(src)
                self.assertEqual(out.mode, ref.mode)
                self.assertLessEqual(helpers.max_abs_diff(out, ref), 4)

    def test_16bit_inputs(self):
        out = self.out("Flag_of_the_Netherlands-16bit.png")
        self.assertEqual(out.mode, "RGB")
        src = open_loaded(corpus("formats", "Flag_of_the_Netherlands-16bit.png"))
        # 16 bits read as 8 by scaling, not clipping or truncating to the low byte
        self.assertLess(max(box_diff(out, src.resize(out.size, Image.LANCZOS))), 8)
        out = self.out("16-bit-grey-alpha.png")
        self.assertIn(out.mode, ("LA", "RGBA"))

    def test_animations_stay_animated(self):
        """The corpus animations keep their format and every frame, each of the
        animation's size, not a strip of pages."""
        for name in ("animated-loop-3.gif", "animated-loop-3.webp"):
            with self.subTest(file=name):
                out = self.out(name)
                src = Image.open(corpus("formats", name))
                self.assertGreater(src.n_frames, 1)
                self.assertEqual((out.format, out.n_frames, out.size),
                                 (src.format, src.n_frames, src.size))
                rec = self.recs[name]
                self.assertEqual((rec["input_width"], rec["input_height"]), src.size)
                self.assertEqual((rec["input_frames"], rec["frames"]), (10, 10))

    def test_alpha_kept(self):
        for name in ("with-alpha.png", "5_webp_a.webp", "alpha-layer-1-fill.png",
                     "full-transparent.png"):
            with self.subTest(file=name):
                out = self.out(name)
                self.assertIn(out.mode, ("RGBA", "LA"))
        out = self.out("full-transparent.png")
        self.assertEqual(out.getchannel("A").getextrema(), (0, 0))


class FormatsAllOpsTest(ImgbatchTestCase):
    def test_every_op_on_every_format(self):
        """grayscale gives one channel (WebP, which has none, and GIF, a palette: R=G=B),
        sepia colour, thumbnail exactly 150x150; all 8-bit, every file ok."""
        names = sorted(n for n in os.listdir(corpus("formats")) if not n.startswith("."))
        for op in ("grayscale", "sepia", "thumbnail"):
            with self.subTest(op=op):
                out = self.path(op)
                r = run_json([op, corpus("formats"), out, "-j", "2"])
                self.assertExit(r.proc, 0)
                self.assertEqual(r.summary["ok"], len(names))
                self.assertNoTempFiles(out, r.proc)
                for rec in r.records:
                    im = open_loaded(rec["output"])
                    self.assertEqual(im.size, (rec["width"], rec["height"]), rec)
                    if op == "thumbnail":
                        self.assertEqual(im.size, (150, 150), rec)
                        self.assertIn(im.mode, modes_for(im, EIGHT_BIT_MODES), rec)
                    else:
                        self.assertEqual(im.size, (rec["input_width"], rec["input_height"]))
                    if op == "sepia":
                        self.assertIn(im.mode, modes_for(im, ("RGB", "RGBA")), rec)
                    if op == "grayscale" and im.format in ("WEBP", "GIF"):
                        self.assertIn(im.mode, modes_for(im, ("RGB", "RGBA")), rec)
                        r_, g_, b_ = im.convert("RGB").split()
                        self.assertLessEqual(helpers.max_abs_diff(r_, g_), 3, rec)
                        self.assertLessEqual(helpers.max_abs_diff(g_, b_), 3, rec)
                    elif op == "grayscale":
                        self.assertIn(im.mode, ("L", "LA"), rec)


class BmpTest(ImgbatchTestCase):
    def test_bmp_in_png_out(self):
        inp = self.mkdir("in")
        src = helpers.colour_patches(os.path.join(inp, "tmp.png"), [(9, 9, 9), (250, 10, 100),
                                                                    (0, 128, 255)])
        os.remove(os.path.join(inp, "tmp.png"))
        src.save(os.path.join(inp, "pic.bmp"))
        src.convert("L").save(os.path.join(inp, "grey.BMP"), format="BMP")
        out = self.path("out")
        r = run_json(["resize", inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["grey.png", "pic.png"])
        got = open_loaded(os.path.join(out, "pic.png"))
        self.assertEqual(got.format, "PNG")
        self.assertLessEqual(helpers.max_abs_diff(got.convert("RGB"), src), 1)
        got = open_loaded(os.path.join(out, "grey.png"))
        self.assertLessEqual(helpers.max_abs_diff(got.convert("L"), src.convert("L")), 1)

    def test_non_bmp_content_refused(self):
        """A .bmp goes through a wider decoder: script-like contents must not be run."""
        inp = self.mkdir("in")
        contents = {
            "mvg.bmp": b"push graphic-context\nviewbox 0 0 64 64\nfill red\n"
                       b"rectangle 0,0 64,64\npop graphic-context\n",
            "svg.bmp": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                       b'<rect width="10" height="10"/></svg>\n',
            "bmsvg.bmp": b'BM<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                         b'height="10"><rect width="10" height="10"/></svg>\n',
            "ps.bmp": b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
        }
        for name, data in contents.items():
            with open(os.path.join(inp, name), "wb") as f:
                f.write(data)
        out = self.path("out")
        r = run_json(["resize", inp, out])
        self.assertExit(r.proc, 1)
        self.assertEqual(sorted(x["input"] for x in r.by_status("failed")),
                         sorted(os.path.join(inp, n) for n in contents))
        self.assertEqual(helpers.all_files(out), [])


class FlattenTest(ImgbatchTestCase):
    def test_jpeg_output_flattens_onto_white(self):
        inp = self.mkdir("in")
        for name in ("with-alpha.png", "full-transparent.png", "5_webp_a.webp"):
            with open(corpus("formats", name), "rb") as f, \
                    open(os.path.join(inp, name), "wb") as g:
                g.write(f.read())
        # transparent pixels whose colour is black: they must still come out white
        im = Image.new("RGBA", (64, 32), (0, 0, 0, 0))
        im.paste(Image.new("RGBA", (32, 32), (200, 20, 20, 255)), (0, 0))
        im.save(os.path.join(inp, "half.png"))
        out = self.path("out")
        r = run_json(["resize", inp, out, "-f", "jpeg"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out),
                         ["5_webp_a.jpg", "full-transparent.jpg", "half.jpg", "with-alpha.jpg"])
        for name in ("5_webp_a", "full-transparent", "half", "with-alpha"):
            with self.subTest(file=name):
                got = open_loaded(os.path.join(out, name + ".jpg"))
                self.assertEqual(got.format, "JPEG")
                self.assertEqual(got.mode, "RGB")
                src = Image.open(os.path.join(inp, name + (".webp" if name == "5_webp_a"
                                                           else ".png"))).convert("RGBA")
                white = Image.new("RGBA", src.size, (255, 255, 255, 255))
                ref = Image.alpha_composite(white, src).convert("RGB").resize(got.size)
                # loose: colour accuracy is test_operations' business; the background
                # is checked exactly below
                self.assertLess(max(box_diff(got, ref, 4)), 15)
        full = open_loaded(os.path.join(out, "full-transparent.jpg"))
        self.assertGreaterEqual(min(lo for lo, hi in full.getextrema()), 250)
        half = open_loaded(os.path.join(out, "half.jpg"))
        right = half.crop((40, 4, 60, 28))
        self.assertGreaterEqual(min(lo for lo, hi in right.getextrema()), 250)

    def test_grayscale_jpeg_of_alpha_png(self):
        inp = self.mkdir("in")
        im = Image.new("RGBA", (32, 16), (0, 0, 0, 0))
        im.paste(Image.new("RGBA", (16, 16), (0, 0, 0, 255)), (0, 0))
        im.save(os.path.join(inp, "a.png"))
        out = self.path("out")
        r = run_json(["grayscale", inp, out, "-f", "jpeg"])
        self.assertExit(r.proc, 0)
        got = open_loaded(os.path.join(out, "a.jpg"))
        self.assertEqual(got.mode, "L")
        self.assertLessEqual(got.crop((2, 2, 12, 14)).getextrema()[1], 8)  # black stays
        self.assertGreaterEqual(got.crop((20, 2, 30, 14)).getextrema()[0], 247)  # white


if __name__ == "__main__":
    unittest.main()
