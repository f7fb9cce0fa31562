"""Failures: broken corpus files (truncated, corrupt header, decompression bomb) fail
one by one with a reason while the batch goes on and exits 1; broken-EXIF files
succeed; fake and empty image files fail; --max-pixels refuses big inputs before
decoding; no temporary or partial output is left.  Usage and setup errors (unknown
option, bad values, missing INPUT, OUTPUT not creatable) exit 2 with a message on stderr.
"""

import os
import shutil
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, corpus, run, run_json, run_text


def copy(src, dst):
    shutil.copyfile(src, dst)
    return dst


class BrokenCorpusTest(ImgbatchTestCase):
    MUST_FAIL = ("truncated.jpg", "truncated.png", "corrupt-header.jpg",
                 "65536-uint32-limit.png", "giant-image.jpg")

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.outdir = tempfile.mkdtemp(prefix="imgbatch-e2e-broken-")
        cls.addClassCleanup(shutil.rmtree, cls.outdir, True)
        cls.text = run_text(["resize", corpus("broken"), cls.outdir, "-j", "2"])

    def test_exit_and_summary(self):
        r = self.text
        self.assertExit(r.proc, 1)
        self.assertIsNotNone(r.summary, helpers.describe(r.proc))
        names = sorted(os.listdir(corpus("broken")))
        self.assertEqual(int(r.summary["ok"]) + int(r.summary["failed"]), len(names))
        self.assertEqual(int(r.summary["failed"]), len(r.failed))
        self.assertEqual(int(r.summary["ok"]), len(r.ok))
        self.assertEqual(r.other, [], helpers.describe(r.proc))
        self.assertNoTempFiles(self.outdir, r.proc)

    def test_broken_files_fail_with_reason(self):
        failed = self.text.failed_by_name()
        for name in self.MUST_FAIL:
            with self.subTest(file=name):
                self.assertIn(name, failed, helpers.describe(self.text.proc))
                reason = failed[name]
                self.assertTrue(reason.strip())
                self.assertNotIn("unknown", reason)
                self.assertFalse(os.path.exists(os.path.join(self.outdir, name)),
                                 "output written for a failed file")
        # the line names the file: "✗ INPUT: reason"
        for f in self.text.failed:
            self.assertTrue(f["input"].startswith(corpus("broken") + "/"), f)
        self.assertRegex(failed["truncated.jpg"].lower(), "truncat|premature")
        self.assertIn("too large", failed["65536-uint32-limit.png"])

    def test_broken_exif_succeeds(self):
        ok = self.text.ok_by_name()
        exif = [n for n in os.listdir(corpus("broken")) if n.startswith("exif_image")]
        self.assertGreater(len(exif), 3)
        for name in exif:
            with self.subTest(file=name):
                self.assertIn(name, ok, helpers.describe(self.text.proc))
                with Image.open(os.path.join(self.outdir, name)) as im:
                    im.load()
                    self.assertEqual(im.size, (int(ok[name]["w"]), int(ok[name]["h"])))

    def test_giant_refused_by_default(self):
        """280 MP is beyond any camera: refused by the default limit (200 MP)."""
        failed = self.text.failed_by_name()
        self.assertIn("giant-image.jpg", failed, helpers.describe(self.text.proc))
        self.assertEqual(failed["giant-image.jpg"],
                         "image too large: 20000x14000 is 280 megapixels "
                         "(limit 200, see --max-pixels)")

    def test_giant_with_limit_raised_and_memory_bounded(self):
        """With --max-pixels raised, the giant is processed, and within a 200 MB memory
        limit per worker: it is decoded shrunk (JPEG DCT scaling), never whole."""
        inp = self.mkdir("in")
        copy(corpus("broken", "giant-image.jpg"), os.path.join(inp, "giant.jpg"))
        out = self.path("out")
        # AddressSanitizer's shadow memory alone is far above any data limit.
        memory = [] if helpers.SANITIZED else ["--max-memory", "200"]
        for limit in ("300", "0"):
            with self.subTest(max_pixels=limit):
                r = run_text(["resize", inp, out, "--max-pixels", limit] + memory)
                self.assertExit(r.proc, 0)
                line = r.ok_by_name()["giant.jpg"]
                self.assertEqual((line["iw"], line["ih"], line["w"], line["h"]),
                                 ("20000", "14000", "800", "560"))
                with Image.open(os.path.join(out, "giant.jpg")) as im:
                    self.assertEqual(im.size, (800, 560))


class LimitTest(ImgbatchTestCase):
    def test_bomb_alone_fails_too_large(self):
        inp = self.mkdir("in")
        copy(corpus("broken", "65536-uint32-limit.png"), os.path.join(inp, "bomb.png"))
        out = self.path("out")
        for op in ("resize", "grayscale"):
            with self.subTest(op=op):
                r = run_json([op, inp, out], timeout=60)
                self.assertExit(r.proc, 1)
                rec = r.records[0]
                self.assertEqual(rec["status"], "failed")
                self.assertIn("too large", rec["error"])
                self.assertEqual(helpers.all_files(out), [])
                self.assertNoTempFiles(out, r.proc)

    def test_max_pixels_option(self):
        inp = self.mkdir("in")
        copy(corpus("broken", "giant-image.jpg"), os.path.join(inp, "giant.jpg"))
        Image.new("RGB", (1000, 1000), (1, 2, 3)).save(os.path.join(inp, "onemp.png"))
        Image.new("RGB", (999, 1000), (1, 2, 3)).save(os.path.join(inp, "under.png"))
        out = self.path("out")
        r = run_json(["resize", inp, out, "--max-pixels", "0.9995"])
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        self.assertEqual(recs["giant.jpg"]["status"], "failed")
        self.assertIn("too large", recs["giant.jpg"]["error"])
        self.assertEqual(recs["onemp.png"]["status"], "failed")
        self.assertEqual(recs["under.png"]["status"], "ok")
        r = run_json(["resize", inp, self.path("out2"), "--max-pixels", "1"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.by_name()["onemp.png"]["status"], "ok")
        self.assertEqual(r.by_name()["giant.jpg"]["status"], "failed")
        r = run_json(["resize", inp, self.path("out3"), "--max-pixels", "0"])
        self.assertExit(r.proc, 0)


class FakeFilesTest(ImgbatchTestCase):
    def test_fakes_fail_batch_continues(self):
        inp = self.mkdir("in")
        with open(os.path.join(inp, "text.jpg"), "w") as f:
            f.write("this is not a JPEG, just some text\n" * 20)
        with open(os.path.join(inp, "svg.png"), "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                    '<rect width="10" height="10"/></svg>\n')
        open(os.path.join(inp, "empty.png"), "wb").close()
        with open(os.path.join(inp, "junk.webp"), "wb") as f:
            f.write(os.urandom(0) + bytes(range(256)) * 8)
        with open(os.path.join(inp, "half.gif"), "wb") as f:
            f.write(b"GIF89a\x10\x00")
        for i in range(4):
            Image.new("RGB", (50 + i, 40), (i * 50, 100, 150)).save(
                os.path.join(inp, "good%d.png" % i))
        bad = ["empty.png", "half.gif", "junk.webp", "svg.png", "text.jpg"]
        good = ["good%d.png" % i for i in range(4)]
        for op in ("resize", "grayscale", "sepia", "thumbnail"):
            with self.subTest(op=op):
                out = self.path("out-" + op)
                r = run_text([op, inp, out, "-j", "2"])
                self.assertExit(r.proc, 1)
                failed = r.failed_by_name()
                self.assertEqual(sorted(failed), bad, helpers.describe(r.proc))
                for name, reason in failed.items():
                    self.assertTrue(reason.strip(), name)
                self.assertEqual(sorted(r.ok_by_name()), good, helpers.describe(r.proc))
                self.assertEqual(helpers.all_files(out), good)
                self.assertEqual((r.summary["ok"], r.summary["failed"]), ("4", "5"))
                self.assertNoTempFiles(out, r.proc)

    def test_single_broken_file_input(self):
        path = self.path("text.jpg")
        with open(path, "w") as f:
            f.write("hello\n")
        out = self.path("out")
        r = run_text(["resize", path, out])
        self.assertExit(r.proc, 1)
        self.assertEqual(len(r.failed), 1, helpers.describe(r.proc))
        self.assertEqual(r.failed[0]["input"], path)
        self.assertEqual(helpers.all_files(out), [])

    def test_temp_named_files_in_input_are_ignored(self):
        """Hidden files (leftover temporaries among them) are never inputs."""
        inp = self.mkdir("in")
        Image.new("RGB", (8, 8)).save(os.path.join(inp, ".a.png.imgbatch-1.tmp.png"))
        Image.new("RGB", (8, 8)).save(os.path.join(inp, ".hidden.jpg"))
        Image.new("RGB", (8, 8)).save(os.path.join(inp, "seen.jpg"))
        out = self.path("out")
        r = run_json(["resize", inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual([os.path.basename(x["input"]) for x in r.records], ["seen.jpg"])
        self.assertEqual(helpers.all_files(out), ["seen.jpg"])


class OutputObstacleTest(ImgbatchTestCase):
    def test_directory_in_the_way(self):
        inp = self.mkdir("in")
        for name in ("a.png", "b.png", "c.png"):
            Image.new("RGB", (20, 20)).save(os.path.join(inp, name))
        out = self.mkdir("out")
        os.mkdir(os.path.join(out, "b.png"))
        r = run_text(["resize", inp, out])
        self.assertExit(r.proc, 1)
        self.assertEqual(sorted(r.failed_by_name()), ["b.png"])
        self.assertEqual(sorted(r.ok_by_name()), ["a.png", "c.png"])
        self.assertTrue(os.path.isdir(os.path.join(out, "b.png")))
        self.assertNoTempFiles(out, r.proc)

    def test_file_where_a_mirrored_directory_goes(self):
        inp = self.mkdir("in")
        self.mkdir("in", "sub")
        Image.new("RGB", (20, 20)).save(os.path.join(inp, "top.png"))
        Image.new("RGB", (20, 20)).save(os.path.join(inp, "sub", "x.png"))
        out = self.mkdir("out")
        with open(os.path.join(out, "sub"), "w") as f:
            f.write("in the way")
        r = run_json(["resize", inp, out, "-r"])
        self.assertExit(r.proc, 1)
        recs = {os.path.relpath(x["input"], inp): x for x in r.records}
        self.assertEqual(recs["top.png"]["status"], "ok")
        self.assertEqual(recs["sub/x.png"]["status"], "failed")
        self.assertTrue(recs["sub/x.png"]["error"])
        with open(os.path.join(out, "sub")) as f:
            self.assertEqual(f.read(), "in the way")


class EmptyInputTest(ImgbatchTestCase):
    def test_empty_dir(self):
        inp = self.mkdir("in")
        out = self.path("out")
        r = run_text(["resize", inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual((r.summary["ok"], r.summary["failed"], r.summary["skipped"]),
                         ("0", "0", "0"))

    def test_only_non_images(self):
        inp = self.mkdir("in")
        for name in ("notes.txt", "data.csv", "noext", "photo.jpg.bak"):
            with open(os.path.join(inp, name), "w") as f:
                f.write("x")
        out = self.path("out")
        r = run_json(["grayscale", inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["skipped"], 4)
        self.assertEqual(r.summary["ok"], 0)
        self.assertEqual(helpers.all_files(out), [])


class UsageErrorTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        Image.new("RGB", (20, 20), (1, 2, 3)).save(os.path.join(self.inp, "a.png"))
        self.out = self.path("out")

    def assertUsage(self, args):
        p = run(args)
        self.assertExit(p, 2)
        self.assertTrue(p.err.strip(), "no message on stderr\n" + helpers.describe(p))
        self.assertNotIn("\u2713", p.out)
        return p

    def test_bad_options(self):
        cases = [
            ["resize", self.inp, self.out, "--bogus"],
            ["resize", self.inp, self.out, "-z"],
            ["resize", self.inp, self.out, "--size", "abc"],
            ["resize", self.inp, self.out, "--size", "0x100"],
            ["resize", self.inp, self.out, "--size", "100y"],
            ["resize", self.inp, self.out, "--size", "100^"],
            ["thumbnail", self.inp, self.out, "--size", "100x100!"],
            ["resize", self.inp, self.out, "--size", "-5x10"],
            ["resize", self.inp, self.out, "--size", "10x10x10"],
            ["resize", self.inp, self.out, "--size", ""],
            ["resize", self.inp, self.out, "--size"],
            ["thumbnail", self.inp, self.out, "-s", "x"],
            ["resize", self.inp, self.out, "-j", "0"],
            ["resize", self.inp, self.out, "-j", "two"],
            ["resize", self.inp, self.out, "-f", "bmp"],
            ["resize", self.inp, self.out, "--timeout", "-1"],
            ["resize", self.inp, self.out, "--max-pixels", "lots"],
            ["sepia", self.inp, self.out, "--size", "10x10"],
            ["frobnicate", self.inp, self.out],
            ["resize", self.inp],
            ["resize"],
            [],
            ["resize", self.inp, self.out, "extra"],
        ]
        for args in cases:
            with self.subTest(args=args[3:] if len(args) > 3 else args):
                self.assertUsage(args)
        self.assertFalse(os.path.exists(self.out), "OUTPUT created by a usage error")

    def test_unknown_option_named(self):
        p = self.assertUsage(["resize", self.inp, self.out, "--bogus"])
        self.assertIn("--bogus", p.err)
        p = self.assertUsage(["resize", self.inp, self.out, "--size", "abc"])
        self.assertIn("abc", p.err)

    def test_missing_input(self):
        p = self.assertUsage(["resize", self.path("nope"), self.out])
        self.assertIn("nope", p.err)

    def test_output_under_regular_file(self):
        blocker = self.path("file.txt")
        with open(blocker, "w") as f:
            f.write("x")
        p = self.assertUsage(["resize", self.inp, os.path.join(blocker, "out")])
        self.assertIn("file.txt", p.err)
        p = self.assertUsage(["resize", self.inp, blocker])
        with open(blocker) as f:
            self.assertEqual(f.read(), "x")

    def test_help_and_version(self):
        for args in (["--help"], ["-h"]):
            p = run(args)
            self.assertExit(p, 0)
            for word in ("resize", "grayscale", "sepia", "thumbnail", "--json", "--size"):
                self.assertIn(word, p.out)
        p = run(["--version"])
        self.assertExit(p, 0)
        self.assertTrue(p.out.startswith("imgbatch"), p.out)


if __name__ == "__main__":
    unittest.main()
