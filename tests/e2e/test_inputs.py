"""Bad and odd inputs, each with its own clear outcome, none able to hang the run:
empty files, text named .jpg, SVG and PDF named like images (never handed to a libvips
loader), a PNG named .jpg (read by its content), FIFOs and directories named like images,
dangling links and link loops; --fail-on from none to warning on damaged files; and
--max-memory, a real limit that fails a file needing more instead of the machine swapping.
"""

import os
import shutil
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, corpus, run_json, run_text

NOT_OURS = ("its content is none of the formats imgbatch reads: "
            "JPEG, PNG, GIF, WebP, TIFF, BMP, HEIF, AVIF, JPEG XL)")
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
       b'<rect width="8" height="8"/></svg>')


class OddInputTest(ImgbatchTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.root = tempfile.mkdtemp(prefix="imgbatch-e2e-inputs-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        inp = os.path.join(cls.root, "in")
        os.makedirs(inp)

        def put(name, data):
            with open(os.path.join(inp, name), "wb") as f:
                f.write(data)
        put("empty.jpg", b"")
        put("text.jpg", b"hello, I am not a picture\n")
        put("drawing.jpg", SVG)
        put("doc.png", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        put("heif.jpg", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic")
        # A real PDF, valid, named .png: libvips could render it, imgbatch must not.
        Image.new("RGB", (30, 20), (200, 10, 10)).save(os.path.join(inp, "real-pdf.png"), "PDF")
        Image.new("RGB", (30, 20), (10, 200, 10)).save(os.path.join(inp, "png-inside.jpg"), "PNG")
        Image.new("RGB", (30, 20), (10, 10, 200)).save(os.path.join(inp, "good.jpg"))
        os.mkfifo(os.path.join(inp, "pipe.jpg"))
        os.makedirs(os.path.join(inp, "folder.png"))
        Image.new("RGB", (30, 20)).save(os.path.join(inp, "folder.png", "inner.png"))
        os.symlink("missing.jpg", os.path.join(inp, "dangling.jpg"))
        os.symlink("loop-b.jpg", os.path.join(inp, "loop-a.jpg"))
        os.symlink("loop-a.jpg", os.path.join(inp, "loop-b.jpg"))
        os.symlink("good.jpg", os.path.join(inp, "link-to-good.jpg"))
        os.symlink(".", os.path.join(inp, "self"))  # a directory loop for -r
        cls.inp = inp
        cls.json = run_json(["resize", inp, os.path.join(cls.root, "out"), "-s", "16x16"],
                            timeout=60)
        cls.recs = cls.json.by_name()

    def error_of(self, name):
        rec = self.recs[name]
        self.assertEqual(rec["status"], "failed", rec)
        self.assertNotIn("\n", rec["error"])
        return rec["error"]

    def test_exit_and_counts(self):
        self.assertExit(self.json.proc, 1)
        s = self.json.summary
        self.assertEqual((s["ok"], s["failed"], s["skipped"]), (2, 11, 1), self.recs)

    def test_empty_and_not_images(self):
        self.assertEqual(self.error_of("empty.jpg"), "empty file (0 bytes)")
        self.assertEqual(self.error_of("text.jpg"), "not a JPEG file (" + NOT_OURS)
        # A HEIF signature with nothing after it: read as HEIF, as a PNG named .jpg is
        # read as PNG, and failed as one.
        self.assertEqual(self.error_of("heif.jpg"), "corrupt HEIF (Invalid input: No 'meta' box)")

    def test_svg_and_pdf_never_reach_a_loader(self):
        """An SVG or PDF parser would run on untrusted input: refused on the signature,
        with the same words for a damaged and a valid PDF (no parser ever saw them)."""
        self.assertEqual(self.error_of("drawing.jpg"), "not a JPEG file (" + NOT_OURS)
        self.assertEqual(self.error_of("doc.png"), "not a PNG file (" + NOT_OURS)
        self.assertEqual(self.error_of("real-pdf.png"), "not a PNG file (" + NOT_OURS)

    def test_content_decides_not_the_extension(self):
        rec = self.recs["png-inside.jpg"]
        self.assertEqual(rec["status"], "ok")
        with Image.open(rec["output"]) as im:
            self.assertEqual(im.format, "JPEG")  # the output follows the name
            self.assertEqual(im.size, (16, 11))

    def test_special_files(self):
        self.assertEqual(self.error_of("pipe.jpg"), "not a regular file: a FIFO")
        # No link inside INPUT is followed, wherever it leads: one could lead outside.
        for name in ("dangling.jpg", "loop-a.jpg", "link-to-good.jpg"):
            self.assertEqual(self.error_of(name), "symbolic link: not followed (imgbatch reads "
                             "no links inside INPUT; they could lead outside it)")
        skipped = self.recs["folder.png"]
        self.assertEqual(skipped["status"], "skipped")
        self.assertIn("-r descends", skipped["reason"])

    def test_recursive_with_loops_ends(self):
        """-r walks folder.png, and the self link loop is not followed."""
        r = run_json(["resize", self.inp, self.path("out"), "-s", "16x16", "-r"], timeout=60)
        self.assertExit(r.proc, 1)
        names = [os.path.relpath(rec["input"], self.inp) for rec in r.records]
        self.assertIn("folder.png/inner.png", names)
        self.assertFalse([n for n in names if n.startswith("self/")], names)
        self.assertNoTempFiles(self.path("out"), r.proc)

    def test_text_lines(self):
        r = run_text(["resize", self.inp, self.path("out"), "-s", "16x16"], timeout=60)
        self.assertExit(r.proc, 1)
        self.assertEqual(r.other, [], helpers.describe(r.proc))
        self.assertEqual(len(r.failed), 11)
        self.assertEqual(len(r.ok), 2)


class FailOnTest(ImgbatchTestCase):
    """truncated.jpg and truncated.png from the corpus at each --fail-on level."""

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for name in ("truncated.jpg", "truncated.png"):
            shutil.copyfile(corpus("broken", name), os.path.join(self.inp, name))
        Image.new("RGB", (40, 30), (1, 2, 3)).save(os.path.join(self.inp, "fine.jpg"))

    def outcome(self, level, op="resize"):
        out = self.path("out-%s-%s" % (level, op))
        args = [op, self.inp, out] + (["--fail-on", level] if level else [])
        r = run_json(args)
        return r, {k: v["status"] for k, v in r.by_name().items()}, out

    def test_default_fails_damage(self):
        r, st, out = self.outcome(None)
        self.assertExit(r.proc, 1)
        self.assertEqual(st, {"truncated.jpg": "failed", "truncated.png": "failed",
                              "fine.jpg": "ok"})
        self.assertRegex(r.by_name()["truncated.jpg"]["error"], "^truncated JPEG")
        self.assertEqual(helpers.all_files(out), ["fine.jpg"])

    def test_levels(self):
        for level in ("truncated", "error", "warning"):
            with self.subTest(level=level):
                r, st, out = self.outcome(level)
                self.assertExit(r.proc, 1)
                self.assertEqual(st["truncated.jpg"], "failed")
                self.assertEqual(st["truncated.png"], "failed")
                self.assertEqual(st["fine.jpg"], "ok")

    def test_none_decodes_what_it_can(self):
        """--fail-on none: the readable part is kept (the rest grey), as viewers show it."""
        for op in ("resize", "sepia"):
            with self.subTest(op=op):
                r, st, out = self.outcome("none", op)
                self.assertExit(r.proc, 0)
                self.assertEqual(set(st.values()), {"ok"})
                with Image.open(os.path.join(out, "truncated.jpg")) as im:
                    im.load()
                    self.assertGreater(im.size[0], 0)

    def test_broken_exif_passes_by_default(self):
        inp = self.mkdir("exif")
        names = sorted(n for n in os.listdir(corpus("broken")) if n.startswith("exif_image"))
        for n in names:
            shutil.copyfile(corpus("broken", n), os.path.join(inp, n))
        r = run_json(["resize", inp, self.path("exif-out")])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.records), len(names))


@unittest.skipIf(helpers.SANITIZED, "AddressSanitizer's shadow memory exceeds any data limit")
class MemoryLimitTest(ImgbatchTestCase):
    def test_file_needing_more_fails_alone(self):
        """sepia on the 280 MP giant under 100 MB a worker: that file fails saying it ran
        out of memory and naming the limit; the small files go on; no temporary file."""
        inp = self.mkdir("in")
        shutil.copyfile(corpus("broken", "giant-image.jpg"), os.path.join(inp, "giant.jpg"))
        for i in range(4):
            Image.new("RGB", (60, 40), (i, 2, 3)).save(os.path.join(inp, "s%d.jpg" % i))
        out = self.path("out")
        r = run_json(["sepia", inp, out, "--max-pixels", "0", "--max-memory", "100", "-j", "1"],
                     timeout=120)
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        err = recs["giant.jpg"]["error"]
        self.assertTrue(err.startswith("out of memory decoding JPEG"), err)
        self.assertTrue(err.endswith("the limit is 100 MB per worker (--max-memory)"), err)
        self.assertEqual(sorted(n for n, v in recs.items() if v["status"] == "ok"),
                         ["s0.jpg", "s1.jpg", "s2.jpg", "s3.jpg"])
        self.assertEqual(helpers.all_files(out), ["s0.jpg", "s1.jpg", "s2.jpg", "s3.jpg"])
        self.assertNoTempFiles(out, r.proc)


if __name__ == "__main__":
    unittest.main()
