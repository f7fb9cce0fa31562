"""Hostile INPUT and OUTPUT (issue 14): what people who may write the folders imgbatch
works on can and cannot make it do.

- A file swapped between the check and the decode (renameat2 RENAME_EXCHANGE in a loop):
  what is decoded is what was sniffed, never an SVG handed to ImageMagick, and
  ImageMagick's temporary files never land in the temporary directory.
- Links: none is followed below INPUT (a link to a file outside, a directory link in a
  --files-from name, a file swapped for a link after the scan) or below OUTPUT (a
  directory of OUTPUT that is a link elsewhere, a link at an output's name).
- A file swapped for a FIFO after the scan fails at once instead of blocking a worker.
- A JPEG that declares 14000x14000 and holds no image data is truncated, not a grey
  196-megapixel success.
- An output name taken by a directory fails before any decode, on every run.

Each test was checked to fail on the code before the fix.
"""

import ctypes
import ctypes.util
import io
import os
import struct
import subprocess
import threading
import time
import unittest

from PIL import Image

import helpers
from helpers import FAULT_LIB, ImgbatchTestCase, fault_env, describe

WAIT = 60

RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def exchange(a, b):
    """Swaps two names atomically, as an attacker's loop would."""
    AT_FDCWD = -100
    if _libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), a)


# An SVG that, rendered, pulls in a file from outside INPUT: 10 wide, 20 high, so an
# output of its shape shows it was decoded.  The BMP it is swapped with is 20 x 10.
def svg_reading(path):
    return ('<?xml version="1.0"?>\n'
            '<s:svg xmlns:s="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="20">'
            '<s:image xlink:href="%s" width="10" height="20"/></s:svg>\n' % path).encode()


def empty_jpeg(width, height, eoi=True):
    """A real JPEG header that declares width x height, and no entropy-coded data."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 130, 140)).save(buf, "JPEG", quality=85)
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    sos = data.index(b"\xff\xda")
    (length,) = struct.unpack(">H", data[sos + 2:sos + 4])
    head = bytes(data[:sos + 2 + length])
    return head + (b"\xff\xd9" if eoi else b"")


class SwapRaceTest(ImgbatchTestCase):
    """A BMP and an SVG exchanged in a loop while imgbatch runs over them, for a bounded
    time: every output is the BMP's (20 x 10 -> 10 x 5) or the file fails as not a BMP;
    nothing lands in the temporary directory."""

    PAIRS = 12
    SECONDS = 6

    def test_swapped_file_is_never_decoded(self):
        inp = self.mkdir("in")
        tmpdir = self.mkdir("tmp")
        secret = self.path("secret.png")
        Image.new("RGB", (10, 20), (0, 255, 0)).save(secret)
        bmp = io.BytesIO()
        Image.new("RGB", (20, 10), (200, 20, 20)).save(bmp, "BMP")
        pairs = []
        for i in range(self.PAIRS):
            a = os.path.join(inp, "p%02d.bmp" % i)
            b = os.path.join(inp, ".swap%02d" % i)  # hidden: never scanned
            with open(a, "wb") as f:
                f.write(bmp.getvalue())
            with open(b, "wb") as f:
                f.write(svg_reading(secret))
            pairs.append((a, b))

        stop = threading.Event()

        def swapper():
            while not stop.is_set():
                for a, b in pairs:
                    exchange(a, b)

        t = threading.Thread(target=swapper, daemon=True)
        t.start()
        env = dict(os.environ, TMPDIR=tmpdir)
        seen = {"ok": 0, "failed": 0}
        deadline = time.monotonic() + self.SECONDS
        runs = 0
        try:
            while time.monotonic() < deadline:
                out = self.path("out%d" % runs)
                r = helpers.run_json(["resize", inp, out, "-s", "10x10"], env=env)
                runs += 1
                self.assertIn(r.proc.returncode, (0, 1), describe(r.proc))
                for rec in r.records:
                    seen[rec["status"]] += 1
                    if rec["status"] == "ok":
                        with Image.open(rec["output"]) as im:
                            self.assertEqual(im.size, (10, 5),
                                             "an SVG was decoded: %s\n%s" %
                                             (rec, describe(r.proc)))
                            self.assertGreater(im.convert("RGB").getpixel((5, 2))[0], 120)
                    else:
                        self.assertEqual(rec["error"], "not a BMP file (its content is none "
                                         "of the formats imgbatch reads: JPEG, PNG, GIF, WebP, "
                                         "TIFF, BMP, HEIF, AVIF, JPEG XL)", describe(r.proc))
        finally:
            stop.set()
            t.join()
        self.assertGreater(seen["ok"], 0, seen)
        self.assertGreater(seen["failed"], 0, "the swap never raced: %s" % seen)
        self.assertEqual(os.listdir(tmpdir), [],
                         "left in the temporary directory after %d runs" % runs)


class PolicyTest(ImgbatchTestCase):
    def test_bmp_reads_and_the_temporary_directory_is_left_empty(self):
        """ImageMagick reads BMP under imgbatch's own policy, and everything the run kept
        in the temporary directory (the policy, ImageMagick's files) is gone after it."""
        inp = self.mkdir("in")
        tmpdir = self.mkdir("tmp")
        Image.new("RGB", (20, 10), (200, 20, 20)).save(os.path.join(inp, "a.bmp"))
        r = helpers.run_json(["resize", inp, self.path("out"), "-s", "10x10", "-j", "2"],
                             env=dict(os.environ, TMPDIR=tmpdir))
        self.assertExit(r.proc, 0)
        self.assertEqual(r.by_name()["a.bmp"]["status"], "ok")
        self.assertEqual(os.listdir(tmpdir), [])


class LinkTest(ImgbatchTestCase):
    NOT_FOLLOWED = ("symbolic link: not followed (imgbatch reads no links inside INPUT; "
                    "they could lead outside it)")

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.outside = self.mkdir("outside")
        Image.new("RGB", (40, 30), (0, 0, 255)).save(os.path.join(self.outside, "secret.png"))
        Image.new("RGB", (40, 30), (255, 0, 0)).save(os.path.join(self.inp, "good.png"))

    def test_link_to_a_file_outside_input(self):
        os.symlink(os.path.join(self.outside, "secret.png"), os.path.join(self.inp, "s.png"))
        out = self.path("out")
        r = helpers.run_json(["resize", self.inp, out, "-s", "20x20"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.by_name()["s.png"]["error"], self.NOT_FOLLOWED)
        self.assertEqual(helpers.all_files(out), ["good.png"])

    def test_files_from_through_a_linked_directory(self):
        os.symlink(self.outside, os.path.join(self.inp, "sub"))
        listing = self.path("list")
        with open(listing, "w") as f:
            f.write("sub/secret.png\ngood.png\n")
        out = self.path("out")
        r = helpers.run_json(["resize", self.inp, out, "-s", "20x20", "--files-from", listing])
        self.assertExit(r.proc, 1)
        rec = r.by_name()["secret.png"]
        self.assertEqual(rec["status"], "failed", describe(r.proc))
        self.assertIn("not followed", rec["error"])
        self.assertEqual(helpers.all_files(out), ["good.png"])

    def test_recursive_output_through_a_linked_directory(self):
        """OUTPUT/sub is a link to a directory elsewhere: -r must not write into it."""
        os.makedirs(os.path.join(self.inp, "sub"))
        Image.new("RGB", (40, 30)).save(os.path.join(self.inp, "sub", "x.png"))
        out = self.mkdir("out")
        elsewhere = self.mkdir("elsewhere")
        os.symlink(elsewhere, os.path.join(out, "sub"))
        r = helpers.run_json(["resize", self.inp, out, "-s", "20x20", "-r"])
        self.assertExit(r.proc, 1)
        rec = [x for x in r.records if x["input"].endswith("sub/x.png")][0]
        self.assertEqual(rec["status"], "failed")
        self.assertIn("a symbolic link is in the way", rec["error"])
        self.assertEqual(os.listdir(elsewhere), [])

    def test_link_at_an_output_name_is_not_replaced(self):
        out = self.mkdir("out")
        victim = self.path("victim.png")
        with open(victim, "wb") as f:
            f.write(b"keep me")
        os.symlink(victim, os.path.join(out, "good.png"))
        r = helpers.run_json(["resize", self.inp, out, "-s", "20x20"])
        self.assertExit(r.proc, 1)
        self.assertIn("is a symbolic link: not replaced", r.by_name()["good.png"]["error"])
        self.assertTrue(os.path.islink(os.path.join(out, "good.png")))
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"keep me")
        self.assertNoTempFiles(out, r.proc)


class SwappedAfterScanTest(ImgbatchTestCase):
    """One worker is held in a slow first file (the fault library sleeps a second on
    it); meanwhile the second file is replaced.  The worker must judge what it opens."""

    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(FAULT_LIB), "fault library missing: " + FAULT_LIB)
        self.inp = self.mkdir("in")
        self.marks = self.mkdir("marks")
        # Largest first: the slow file is dispatched first.
        Image.new("RGB", (400, 300), (9, 9, 9)).save(
            os.path.join(self.inp, "a-slow-decoder.png"))
        self.victim = os.path.join(self.inp, "b.png")
        Image.new("RGB", (40, 30), (250, 0, 0)).save(self.victim)

    def run_with_swap(self, replace):
        out = self.path("out")
        p = subprocess.Popen([helpers.BIN, "resize", self.inp, out, "-s", "20x20", "-j", "1",
                              "--json", "--timeout", "30"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=fault_env(IMGBATCH_FAULT_MARKS=self.marks))
        try:
            self.assertTrue(helpers.wait_for(lambda: os.listdir(self.marks), WAIT),
                            "the slow file never started")
            replace()
            started = time.monotonic()
            stdout, stderr = p.communicate(timeout=WAIT)
            elapsed = time.monotonic() - started
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        r = helpers.JsonRun(helpers.Finished(p.returncode, stdout, stderr))
        return r, out, elapsed

    def test_fifo_swapped_in_fails_at_once(self):
        def to_fifo():
            fifo = self.path("fifo")
            os.mkfifo(fifo)
            os.rename(fifo, self.victim)
        r, out, elapsed = self.run_with_swap(to_fifo)
        self.assertEqual(r.by_name()["b.png"]["error"], "not a regular file: a FIFO",
                         describe(r.proc))
        self.assertLess(elapsed, 10, "a worker blocked on the FIFO")

    def test_link_swapped_in_is_not_followed(self):
        secret = self.path("secret.png")
        Image.new("RGB", (40, 30), (0, 255, 0)).save(secret)

        def to_link():
            link = self.path("link")
            os.symlink(secret, link)
            os.rename(link, self.victim)
        r, out, _ = self.run_with_swap(to_link)
        rec = r.by_name()["b.png"]
        self.assertEqual(rec["status"], "failed", describe(r.proc))
        self.assertIn("symbolic link", rec["error"])
        self.assertFalse(os.path.exists(os.path.join(out, "b.png")))


class DataTest(ImgbatchTestCase):
    def test_jpeg_without_image_data_is_truncated(self):
        """677 bytes claiming 14000 x 14000: a truncated file under the default
        --fail-on error, and no 196-megapixel grey output."""
        inp = self.mkdir("in")
        with open(os.path.join(inp, "empty.jpg"), "wb") as f:
            f.write(empty_jpeg(14000, 14000))
        for op in (["grayscale"], ["resize", "-s", "100x100"]):
            out = self.path("out-" + op[0])
            r = helpers.run_json([op[0], inp, out] + op[1:])
            self.assertExit(r.proc, 1)
            self.assertRegex(r.by_name()["empty.jpg"]["error"], r"^truncated JPEG \(.*premature end")
            self.assertEqual(helpers.all_files(out) if os.path.isdir(out) else [], [])
            self.assertNoTempFiles(out, r.proc)
        # --fail-on none takes what there is, as asked.
        r = helpers.run_json(["resize", inp, self.path("lenient"), "-s", "100x100",
                              "--fail-on", "none"])
        self.assertExit(r.proc, 0)

    def test_thumbnail_of_a_strip_is_bounded(self):
        """The box is small enough, but covering it would scale a 1 x 20000 strip to
        20000 x 400000000: refused in words, not attempted."""
        inp = self.mkdir("in")
        Image.new("RGB", (1, 20000), (1, 2, 3)).save(os.path.join(inp, "strip.png"))
        r = helpers.run_json(["thumbnail", inp, self.path("out"), "-s", "20000x2000"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.by_name()["strip.png"]["error"],
                         "image too large: covering 20000x2000 scales this 1x20000 image to "
                         "20000x400000000, above --max-pixels 200")

    def test_huge_file_that_is_no_image_costs_no_memory(self):
        """A sparse 1 GB "photo" of zeros: refused on its first bytes, not read whole (with
        --max-memory 100 a whole read would fail as out of memory instead)."""
        inp = self.mkdir("in")
        with open(os.path.join(inp, "huge.jpg"), "wb") as f:
            f.truncate(1 << 30)
        r = helpers.run_json(["resize", inp, self.path("out"), "--max-memory", "100"])
        self.assertExit(r.proc, 1)
        self.assertRegex(r.by_name()["huge.jpg"]["error"], r"^not a JPEG file \(")

    def test_deep_tree_is_cut_short(self):
        """-r over a tree made deep on purpose stops at 128 levels, in words."""
        inp = self.mkdir("in")
        Image.new("RGB", (8, 8)).save(os.path.join(inp, "top.png"))
        deep = os.path.join(inp, *(["d"] * 130))
        os.makedirs(deep)
        Image.new("RGB", (8, 8)).save(os.path.join(deep, "bottom.png"))
        r = helpers.run_json(["resize", inp, self.path("out"), "-r", "-s", "4x4"])
        self.assertExit(r.proc, 1)
        failed = r.by_status("failed")
        self.assertEqual(len(failed), 1, describe(r.proc))
        self.assertEqual(failed[0]["error"], "directory too deep: more than 128 levels below "
                         "INPUT (not walked)")
        self.assertEqual(r.by_name()["top.png"]["status"], "ok")

    def test_directory_at_an_output_name_fails_before_any_decode(self):
        """a.bmp -> a.png with a directory a.png/ in OUTPUT: failed before a worker opens
        the input (the fault library marks every decode of a slow-decoder file)."""
        inp = self.mkdir("in")
        marks = self.mkdir("marks")
        Image.new("RGB", (40, 30)).save(os.path.join(inp, "a-slow-decoder.bmp"))
        out = self.mkdir("out")
        os.makedirs(os.path.join(out, "a-slow-decoder.png"))
        for _ in range(2):
            p = subprocess.run([helpers.BIN, "resize", inp, out, "-s", "20x20", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT,
                               env=fault_env(IMGBATCH_FAULT_MARKS=marks))
            r = helpers.JsonRun(helpers.Finished(p.returncode, p.stdout, p.stderr))
            self.assertExit(r.proc, 1)
            rec = r.by_name()["a-slow-decoder.bmp"]
            self.assertEqual(rec["error"], "output %s is a directory: not replaced"
                             % os.path.join(out, "a-slow-decoder.png"))
            self.assertEqual(os.listdir(marks), [], "the input was decoded")


if __name__ == "__main__":
    unittest.main()
