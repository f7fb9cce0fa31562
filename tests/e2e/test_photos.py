"""The 36 real photos of the corpus (corpus/photos): resize --size 200x150 -j 2 gives one
success line each, a summary and exit 0; every output has the size Pillow's
Image.thumbnail((200, 150)) gives the EXIF-upright original, looks like Pillow's own
downscale of it, and carries no metadata; thumbnail gives exactly 150x150 each.
"""

import os
import shutil
import unittest

from PIL import Image, ImageOps

import helpers
from helpers import ImgbatchTestCase, corpus, open_loaded, pillow_fit, run_json, run_text


def photo_names():
    d = corpus("photos")
    return sorted(n for n in os.listdir(d) if n.lower().endswith((".jpg", ".jpeg")))


def pillow_reference(path, size):
    """Pillow's upright rendering of a photo at size, decoded cheaply (JPEG draft)."""
    with Image.open(path) as im:
        im.draft("RGB", (size[0] * 2, size[1] * 2))
        im = ImageOps.exif_transpose(im)
        return im.convert("RGB").resize(size, Image.LANCZOS)


class PhotosResizeTest(ImgbatchTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.names = photo_names()
        cls.outdir = tempfile.mkdtemp(prefix="imgbatch-e2e-photos-")
        cls.addClassCleanup(shutil.rmtree, cls.outdir, True)
        cls.result = run_text(["resize", corpus("photos"), cls.outdir, "--size", "200x150",
                               "-j", "2"])

    def test_run(self):
        r = self.result
        self.assertEqual(len(self.names), 36)
        self.assertExit(r.proc, 0)
        self.assertEqual(r.failed, [], helpers.describe(r.proc))
        self.assertEqual(len(r.ok), 36, helpers.describe(r.proc))
        self.assertEqual(sorted(os.path.basename(o["input"]) for o in r.ok), self.names)
        self.assertIsNotNone(r.summary, helpers.describe(r.proc))
        self.assertEqual(r.summary["op"], "resize")
        self.assertEqual((r.summary["ok"], r.summary["failed"], r.summary["skipped"]),
                         ("36", "0", "0"))
        self.assertEqual(sorted(w["no"] for w in r.workers), ["1", "2"])
        self.assertEqual(sum(int(w["files"]) for w in r.workers), 36)
        self.assertEqual(r.other, [], "unexpected lines:\n" + helpers.describe(r.proc))
        self.assertEqual(r.proc.err, "")
        self.assertEqual(helpers.all_files(self.outdir), self.names)
        self.assertNoTempFiles(self.outdir)

    def test_sizes_match_pillow(self):
        by_name = self.result.ok_by_name()
        for name in self.names:
            with self.subTest(photo=name):
                src = os.path.join(corpus("photos"), name)
                upright = helpers.upright_size(src)
                want = pillow_fit(upright, (200, 150))
                out = open_loaded(os.path.join(self.outdir, name))
                self.assertEqual(out.size, want)
                self.assertEqual(out.format, "JPEG")
                self.assertIn(out.mode, ("RGB", "L"))
                line = by_name[name]
                self.assertEqual((int(line["iw"]), int(line["ih"])), upright)
                self.assertEqual((int(line["w"]), int(line["h"])), want)

    def test_looks_like_pillow(self):
        """Same picture as Pillow's upright downscale: orientation and colours (no shift).
        Both are box-averaged over 10x10 blocks first, so resampling and sharpening
        differences do not count, a colour cast or a wrong rotation does."""
        for name in self.names:
            with self.subTest(photo=name):
                out = open_loaded(os.path.join(self.outdir, name)).convert("RGB")
                ref = pillow_reference(os.path.join(corpus("photos"), name), out.size)
                small = (max(1, out.width // 10), max(1, out.height // 10))
                diff = helpers.mean_abs_diff(out.resize(small, Image.BOX),
                                             ref.resize(small, Image.BOX))
                self.assertLess(max(diff), 4.0, "mean abs diff per channel %s" % (diff,))

    def test_metadata_stripped(self):
        for name in self.names:
            with self.subTest(photo=name):
                with Image.open(os.path.join(self.outdir, name)) as out:
                    self.assertEqual(len(out.getexif()), 0)
                    self.assertNotIn("icc_profile", out.info)


class PhotosThumbnailTest(ImgbatchTestCase):
    def test_thumbnail_default_150(self):
        out = self.path("thumbs")
        r = run_json(["thumbnail", corpus("photos"), out, "-j", "2"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.by_status("ok")), 36, helpers.describe(r.proc))
        self.assertEqual(r.summary["ok"], 36)
        self.assertEqual(r.summary["failed"], 0)
        self.assertEqual(r.summary["op"], "thumbnail")
        for rec in r.records:
            self.assertEqual((rec["width"], rec["height"]), (150, 150), rec)
            with Image.open(rec["output"]) as im:
                self.assertEqual(im.size, (150, 150), rec)
        self.assertNoTempFiles(out)

    def test_thumbnail_is_centre_crop(self):
        """Same picture as Pillow's ImageOps.fit (cover, centre crop) of the upright photo."""
        out = self.path("thumbs")
        r = run_json(["thumbnail", corpus("photos"), out, "-j", "2", "--size", "150x100"])
        self.assertExit(r.proc, 0)
        for rec in r.records:
            name = os.path.basename(rec["input"])
            with self.subTest(photo=name):
                got = open_loaded(rec["output"]).convert("RGB")
                self.assertEqual(got.size, (150, 100))
                with Image.open(rec["input"]) as src:
                    src.draft("RGB", (600, 600))
                    upright = ImageOps.exif_transpose(src).convert("RGB")
                ref = ImageOps.fit(upright, (150, 100), Image.LANCZOS)
                diff = helpers.mean_abs_diff(got.resize((15, 10), Image.BOX),
                                             ref.resize((15, 10), Image.BOX))
                self.assertLess(max(diff), 5.0, "mean abs diff per channel %s" % (diff,))


if __name__ == "__main__":
    unittest.main()
