"""What imgbatch prints and where it writes: --json is one valid JSON object per line
whatever the file names hold (spaces, quotes, backslashes, newlines, control bytes,
invalid UTF-8); text mode keeps each file on one line with control characters escaped;
--quiet; summary counts and per-worker lines; INPUT == OUTPUT and two inputs mapping to
one output fail without touching anything; -r mirrors subdirectories; hidden files are
skipped; a single file works as INPUT.
"""

import hashlib
import os
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, open_loaded, run, run_json, run_text

ODD_NAMES = [
    b"with space.png",
    b'quote".png',
    b"back\\slash.png",
    b"new\nline.png",
    b"tab\there.png",
    b"esc\x1b[31mred.png",
    b"bell\x07.png",
    b"caf\xc3\xa9 \xe2\x98\x95.png",          # valid UTF-8: café ☕
    b"bad\xff\xfeutf8.png",                    # invalid UTF-8
    b"lone\xc3.png",                           # truncated sequence
    b"surrogate\xed\xa0\x80.png",              # encoded surrogate: invalid
    b"{\"json\": [1, 2]}.png",
]


def make_png(directory, name, size=(24, 16), colour=(10, 20, 30)):
    """Writes a PNG at directory/name, name being bytes (any bytes but NUL and '/')."""
    d = os.fsencode(directory)
    tmp = os.path.join(d, b"plain-tmp.png")
    Image.new("RGB", size, colour).save(os.fsdecode(tmp), format="PNG")
    os.rename(tmp, os.path.join(d, name))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digests(directory):
    out = {}
    for root, dirs, files in os.walk(os.fsencode(directory)):
        for name in files:
            p = os.path.join(root, name)
            out[os.path.relpath(p, os.fsencode(directory))] = digest(p)
    return out


class OddNamesTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i, name in enumerate(ODD_NAMES):
            make_png(self.inp, name, colour=(i * 20, 0, 0))
        self.out = self.path("out")

    def test_json_lines_valid(self):
        r = run_json(["resize", self.inp, self.out, "-s", "12x12", "-j", "2"])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.proc.err, "")
        self.assertEqual(len(r.records), len(ODD_NAMES))
        self.assertEqual(r.summary["ok"], len(ODD_NAMES))
        inputs = set()
        for rec in r.records:
            self.assertEqual(rec["status"], "ok", rec)
            for key, kind in (("input", str), ("output", str), ("input_width", int),
                              ("input_height", int), ("width", int), ("height", int),
                              ("ms", (int, float)), ("worker", int)):
                self.assertIsInstance(rec.get(key), kind, (key, rec))
            self.assertEqual((rec["input_width"], rec["input_height"]), (24, 16))
            self.assertEqual((rec["width"], rec["height"]), (12, 8))
            self.assertIn(rec["worker"], (1, 2))
            self.assertGreaterEqual(rec["ms"], 0)
            inputs.add(os.path.basename(rec["input"]))
        # valid UTF-8 names come back exactly; invalid bytes become U+FFFD
        for name in ODD_NAMES:
            try:
                want = name.decode("utf-8")
            except UnicodeDecodeError:
                want = name.decode("utf-8", "replace")
            with self.subTest(name=name):
                if "\ufffd" in want:
                    # how many U+FFFD an invalid sequence becomes may differ; the valid
                    # parts must survive around them
                    stem = name.split(b"\xff")[0].split(b"\xc3.")[0].split(b"\xed")[0]
                    matches = [i for i in inputs if i.startswith(stem.decode())
                               and "\ufffd" in i and i.endswith(".png")]
                    self.assertEqual(len(matches), 1, (name, sorted(inputs)))
                else:
                    self.assertIn(want, inputs)
        # the files on disk have the exact byte names
        self.assertEqual(sorted(os.listdir(os.fsencode(self.out))), sorted(ODD_NAMES))
        self.assertNoTempFiles(self.out, r.proc)

    def test_json_failures_valid(self):
        bad = b"broken \"\n\xff.png"
        with open(os.path.join(os.fsencode(self.inp), bad), "wb") as f:
            f.write(b"not a png")
        r = run_json(["grayscale", self.inp, self.out])
        self.assertExit(r.proc, 1)
        failed = r.by_status("failed")
        self.assertEqual(len(failed), 1)
        self.assertIsInstance(failed[0]["error"], str)
        self.assertTrue(failed[0]["error"])
        self.assertIn("broken \"\n", failed[0]["input"])
        self.assertEqual(r.summary["failed"], 1)

    def test_text_one_line_per_file(self):
        r = run_text(["resize", self.inp, self.out, "-s", "12x12"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.ok), len(ODD_NAMES), helpers.describe(r.proc))
        self.assertEqual(r.other, [], helpers.describe(r.proc))
        self.assertEqual(r.summary["ok"], str(len(ODD_NAMES)))
        # no raw control characters reach the terminal
        for ch in "\x1b\x07\t\r":
            self.assertNotIn(ch, r.proc.out)
        self.assertEqual(r.proc.out.count("\n"), len(ODD_NAMES) + 1 + len(r.workers))
        # Unquoted, every line names exactly one file, and each file is named once.
        inputs = sorted(os.fsencode(os.path.basename(o["input"])) for o in r.ok)
        self.assertEqual(inputs, sorted(ODD_NAMES))
        outputs = sorted(os.fsencode(os.path.basename(o["output"])) for o in r.ok)
        self.assertEqual(outputs, sorted(ODD_NAMES))
        # Plain names stay plain; only the ones that need it are quoted.
        self.assertIn("/with space.png -> ", r.proc.out)
        self.assertIn("/caf\u00e9 \u2615.png -> ", r.proc.out)
        self.assertIn('bad\\xff\\xfeutf8.png"', r.proc.out)

    def test_json_names_exact(self):
        """--json: every name comes back byte for byte, through input_hex where the name
        is not valid UTF-8 (JSON text cannot hold such bytes)."""
        r = run_json(["resize", self.inp, self.out, "-s", "12x12"])
        self.assertExit(r.proc, 0)
        got = []
        for rec in r.records:
            if "input_hex" in rec:
                got.append(os.path.basename(bytes.fromhex(rec["input_hex"])))
                self.assertIn("output_hex", rec)
            else:
                got.append(os.path.basename(rec["input"].encode("utf-8")))
        self.assertEqual(sorted(got), sorted(ODD_NAMES))
        self.assertEqual(sum("input_hex" in rec for rec in r.records), 3)

    def test_leading_dash_names(self):
        """A file called -rf.jpg is a file, not an option, and is shown as it is."""
        Image.new("RGB", (20, 20), (1, 2, 3)).save(os.path.join(self.inp, "-rf.jpg"))
        Image.new("RGB", (20, 20), (1, 2, 3)).save(os.path.join(self.inp, "--json.jpg"))
        r = run_text(["resize", self.inp, self.out, "-s", "12x12"])
        self.assertExit(r.proc, 0)
        names = sorted(os.path.basename(o["input"]) for o in r.ok)
        self.assertIn("-rf.jpg", names)
        self.assertIn("--json.jpg", names)
        self.assertTrue(os.path.exists(os.path.join(self.out, "-rf.jpg")))

    def test_text_failure_line_escaped(self):
        bad = b"evil\n\xe2\x9c\x93 fake.png"
        with open(os.path.join(os.fsencode(self.inp), bad), "wb") as f:
            f.write(b"garbage")
        r = run_text(["grayscale", self.inp, self.out, "--quiet"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.ok, [], "a file name must not forge a success line")
        self.assertEqual(len(r.failed), 1, helpers.describe(r.proc))
        self.assertEqual(os.path.basename(r.failed[0]["input"]), os.fsdecode(bad))
        self.assertIn('"', r.proc.err, "a name with a newline is quoted")
        self.assertEqual(r.other, [], helpers.describe(r.proc))


class LongNameTest(ImgbatchTestCase):
    def test_longest_names(self):
        """Names up to NAME_MAX (255 bytes) are valid outputs; the temporary file used to
        write them atomically must not make them fail."""
        inp = self.mkdir("in")
        names = [b"a" * 251 + b".png", b"b" * 236 + b".png", b"c" * 200 + b".jpg",
                 "\u00e9".encode() * 125 + b".png"]
        for name in names:
            self.assertLessEqual(len(name), 255)
            make_png(inp, name)
        out = self.path("out")
        r = run_json(["resize", inp, out, "-s", "10x10"])
        self.assertEqual([x.get("error") for x in r.by_status("failed")], [])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.proc.err, "")
        self.assertEqual(sorted(os.listdir(os.fsencode(out))), sorted(names))
        self.assertNoTempFiles(out, r.proc)

    def test_suffix_too_long_fails_cleanly(self):
        """An output name over NAME_MAX fails that file, with no leftovers."""
        inp = self.mkdir("in")
        make_png(inp, b"a" * 250 + b".png")
        make_png(inp, b"short.png")
        out = self.path("out")
        r = run_json(["resize", inp, out, "--suffix", "_resized"])
        self.assertExit(r.proc, 1)
        self.assertEqual(len(r.by_status("failed")), 1)
        self.assertEqual(helpers.all_files(out), ["short_resized.png"])
        self.assertNoTempFiles(out, r.proc)


class ManyFilesTest(ImgbatchTestCase):
    def test_three_hundred_files(self):
        inp = self.mkdir("in")
        n = 300
        for i in range(n):
            Image.new("RGB", (8 + i % 13, 8 + i % 7), (i % 256, 0, 0)).save(
                os.path.join(inp, "f%03d.%s" % (i, ("png", "jpg", "gif")[i % 3])))
        out = self.path("out")
        r = run_json(["thumbnail", inp, out, "-s", "4x4", "-j", "2"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.records), n)
        self.assertEqual(len({x["input"] for x in r.records}), n)
        self.assertEqual(r.summary["ok"], n)
        self.assertEqual(sum(w["jobs"] for w in r.summary["per_worker"]), n)
        self.assertEqual(len(helpers.all_files(out)), n)
        self.assertNoTempFiles(out, r.proc)


class SummaryTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i in range(5):
            make_png(self.inp, b"img%d.png" % i, size=(30 + i, 20))
        with open(os.path.join(self.inp, "bad.jpg"), "w") as f:
            f.write("nope")
        for name in ("readme.txt", "list.csv"):
            with open(os.path.join(self.inp, name), "w") as f:
                f.write("x")
        make_png(self.inp, b".hidden.png")
        self.out = self.path("out")

    def test_text_summary(self):
        r = run_text(["resize", self.inp, self.out, "-j", "3"])
        self.assertExit(r.proc, 1)
        self.assertEqual(len(r.ok), 5)
        self.assertEqual(len(r.failed), 1)
        self.assertEqual(r.failed[0]["input"], os.path.join(self.inp, "bad.jpg"))
        s = r.summary
        self.assertEqual((s["op"], s["ok"], s["failed"], s["skipped"]),
                         ("resize", "5", "1", "2"))
        self.assertEqual(sorted(int(w["no"]) for w in r.workers), [1, 2, 3])
        self.assertEqual(sum(int(w["files"]) for w in r.workers), 6)
        for w in r.workers:
            self.assertLessEqual(int(w["busy"]), 100)
        self.assertNotIn(".hidden.png", r.proc.out)
        self.assertEqual(helpers.all_files(self.out), ["img%d.png" % i for i in range(5)])
        # the summary comes after every file line, the worker lines after it
        lines = r.proc.out.rstrip("\n").split("\n")
        self.assertTrue(lines[-4].startswith("resize: "), lines)
        self.assertTrue(all(l.startswith("  worker ") for l in lines[-3:]), lines)

    def test_json_summary(self):
        r = run_json(["sepia", self.inp, self.out, "-j", "3"])
        self.assertExit(r.proc, 1)
        s = r.summary
        self.assertEqual(s["op"], "sepia")
        self.assertEqual(s["workers"], 3)
        self.assertEqual((s["ok"], s["failed"], s["skipped"]), (5, 1, 2))
        self.assertEqual(s["not_started"], 0)
        self.assertEqual(s["total"], s["ok"] + s["failed"] + s["skipped"] + s["not_started"])
        self.assertIsNone(s["interrupted_by"])
        for key in ("seconds", "images_per_sec", "megapixels_per_sec"):
            self.assertIsInstance(s[key], (int, float), key)
            self.assertGreaterEqual(s[key], 0, key)
        self.assertEqual(len(s["per_worker"]), 3)
        self.assertEqual(sum(w["jobs"] for w in s["per_worker"]), 6)
        self.assertEqual(sorted(w["worker"] for w in s["per_worker"]), [1, 2, 3])
        skipped = r.by_status("skipped")
        self.assertEqual(len(skipped), 2, r.records)
        for rec in skipped:
            self.assertNotIn("worker", rec)
            self.assertIn("not an image", rec["reason"])
        for rec in r.records:
            if rec["status"] != "skipped":
                self.assertIn(rec["worker"], (1, 2, 3), rec)

    def test_quiet(self):
        """--quiet with a failure: its line on stderr and nothing else, on either stream."""
        r = run_text(["resize", self.inp, self.out, "--quiet"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.proc.out, "", helpers.describe(r.proc))
        self.assertEqual(len(r.failed), 1)
        self.assertEqual(r.err_other, [], helpers.describe(r.proc))
        self.assertEqual(len(helpers.all_files(self.out)), 5)

    def test_quiet_all_ok(self):
        """--quiet when nothing failed: nothing at all, not even the summary."""
        os.remove(os.path.join(self.inp, "bad.jpg"))
        p = run(["grayscale", self.inp, self.out, "--quiet"])
        self.assertExit(p, 0)
        self.assertEqual((p.out, p.err), ("", ""))
        self.assertEqual(len(helpers.all_files(self.out)), 5)

    def test_quiet_json(self):
        """--json --quiet: nothing when nothing failed; else the failures and the summary,
        all on stdout."""
        r = run_json(["resize", self.inp, self.out, "--quiet"])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.proc.err, "")
        self.assertEqual([rec["status"] for rec in r.records], ["failed"], r.records)
        self.assertEqual((r.summary["ok"], r.summary["failed"]), (5, 1))
        os.remove(os.path.join(self.inp, "bad.jpg"))
        p = run(["resize", self.inp, self.path("out2"), "--quiet", "--json"])
        self.assertExit(p, 0)
        self.assertEqual((p.out, p.err), ("", ""))

    def test_streams(self):
        """Text: the failure lines on stderr, the successes and the summary on stdout."""
        r = run_text(["resize", self.inp, self.out])
        self.assertExit(r.proc, 1)
        self.assertEqual(len(r.ok), 5)
        self.assertEqual(sorted(r.failed_by_name()), ["bad.jpg"])
        self.assertEqual(r.other, [], helpers.describe(r.proc))
        self.assertEqual(r.err_other, [], helpers.describe(r.proc))
        self.assertIsNotNone(r.summary)
        self.assertNotIn("\u2717", r.proc.out)
        self.assertNotIn("\u2713", r.proc.err)

    def test_default_jobs_at_most_files(self):
        inp = self.mkdir("one")
        make_png(inp, b"only.png")
        r = run_json(["resize", inp, self.path("o1")])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["workers"], 1)


class OverwriteTest(ImgbatchTestCase):
    def test_input_equals_output(self):
        """OUTPUT is INPUT, however spelled, and nothing keeps the names apart: refused
        before any work (exit 2).  With --suffix or -f the outputs go beside the
        inputs (test_operands.py)."""
        inp = self.mkdir("in")
        make_png(inp, b"a.png")
        make_png(inp, b"b.png", size=(40, 40))
        Image.new("RGB", (30, 30)).save(os.path.join(inp, "c.jpg"))
        os.symlink(inp, self.path("alias"))
        before = tree_digests(inp)
        for out, extra in ((inp, []), (inp + "/", []), (os.path.join(inp, "."), ["-f", "auto"]),
                           (self.path("alias"), [])):
            with self.subTest(output=out, extra=extra):
                r = run(["resize", inp, out, "-s", "10x10"] + extra)
                self.assertExit(r, 2)
                self.assertEqual(r.out, "")
                self.assertIn("is INPUT", r.err)
                self.assertEqual(r.err.count("\n"), 1, r.err)
                self.assertEqual(tree_digests(inp), before, "an input was modified")

    def test_output_is_hard_link_to_input(self):
        """OUTPUT is another directory holding hard links to the inputs: still refused."""
        inp = self.mkdir("in")
        out = self.mkdir("out")
        make_png(inp, b"a.png")
        os.link(os.path.join(inp, "a.png"), os.path.join(out, "a.png"))
        before = digest(os.path.join(inp, "a.png"))
        r = run_json(["sepia", inp, out])
        self.assertExit(r.proc, 1)
        self.assertIn("overwrite", r.records[0]["error"])
        self.assertEqual(digest(os.path.join(inp, "a.png")), before)

    def test_existing_output_replaced(self):
        inp = self.mkdir("in")
        out = self.mkdir("out")
        make_png(inp, b"a.png", size=(50, 50))
        with open(os.path.join(out, "a.png"), "w") as f:
            f.write("old")
        r = run_json(["resize", inp, out, "-s", "10x10"])
        self.assertExit(r.proc, 0)
        self.assertEqual(open_loaded(os.path.join(out, "a.png")).size, (10, 10))


class ClashTest(ImgbatchTestCase):
    def test_png_and_bmp_clash(self):
        inp = self.mkdir("in")
        make_png(inp, b"a.png", size=(300, 200))
        Image.new("RGB", (300, 200)).save(os.path.join(inp, "a.bmp"))
        make_png(inp, b"b.png")
        Image.new("RGB", (64, 64)).save(os.path.join(inp, "c.jpg"))
        out = self.path("out")
        r = run_json(["resize", inp, out, "-s", "50x50"])
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        for name in ("a.png", "a.bmp"):
            self.assertEqual(recs[name]["status"], "failed", recs[name])
            self.assertIn("clash", recs[name]["error"])
        # reported before any work: they are the first lines
        self.assertEqual(sorted(os.path.basename(x["input"]) for x in r.records[:2]),
                         ["a.bmp", "a.png"])
        self.assertEqual(recs["b.png"]["status"], "ok")
        self.assertEqual(recs["c.jpg"]["status"], "ok")
        self.assertEqual(helpers.all_files(out), ["b.png", "c.jpg"])
        self.assertEqual((r.summary["ok"], r.summary["failed"]), (2, 2))

    def test_clash_from_forced_format_and_text(self):
        inp = self.mkdir("in")
        Image.new("RGB", (20, 20)).save(os.path.join(inp, "x.jpg"))
        Image.new("RGB", (20, 20)).save(os.path.join(inp, "x.jpeg"))
        Image.new("RGB", (20, 20)).save(os.path.join(inp, "y.jpg"))
        out = self.path("out")
        r = run_text(["grayscale", inp, out, "-f", "png"])
        self.assertExit(r.proc, 1)
        self.assertEqual(sorted(r.failed_by_name()), ["x.jpeg", "x.jpg"])
        self.assertEqual(sorted(r.ok_by_name()), ["y.jpg"])
        self.assertEqual(helpers.all_files(out), ["y.png"])
        # both refused before any work: the first two lines of stderr
        lines = r.proc.err.split("\n")
        self.assertTrue(lines[0].startswith("\u2717 ") and lines[1].startswith("\u2717 "),
                        helpers.describe(r.proc))


class RecursiveTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        make_png(self.inp, b"top.png")
        sub = self.mkdir("in", "sub")
        deeper = self.mkdir("in", "sub", "deeper")
        Image.new("RGB", (40, 30)).save(os.path.join(sub, "b.jpg"))
        Image.new("RGB", (40, 30)).save(os.path.join(deeper, "c.gif"))
        hidden = self.mkdir("in", ".git")
        make_png(hidden, b"secret.png")
        self.mkdir("in", "empty")

    def test_mirrors_subdirectories(self):
        out = self.path("out")
        r = run_json(["resize", self.inp, out, "-r", "-s", "20x20"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out),
                         ["sub/b.jpg", "sub/deeper/c.gif", "top.png"])
        recs = {os.path.relpath(x["input"], self.inp): x for x in r.records}
        self.assertEqual(sorted(recs), ["sub/b.jpg", "sub/deeper/c.gif", "top.png"])
        self.assertEqual(recs["sub/deeper/c.gif"]["output"],
                         os.path.join(out, "sub", "deeper", "c.gif"))
        self.assertNoTempFiles(out, r.proc)

    def test_symlink_loop_does_not_hang(self):
        os.symlink("..", os.path.join(self.inp, "sub", "loop"))
        out = self.path("out")
        r = run_json(["resize", self.inp, out, "-r", "-s", "20x20"], timeout=60)
        self.assertExit(r.proc, 0)
        self.assertEqual(r.summary["ok"], 3)

    def test_not_recursive_by_default(self):
        out = self.path("out")
        r = run_json(["resize", self.inp, out])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["top.png"])

    def test_output_inside_input(self):
        """OUTPUT under INPUT is not scanned as input, on a first or a second run."""
        out = os.path.join(self.inp, "out")
        for _ in range(2):
            r = run_json(["thumbnail", self.inp, out, "-r", "-s", "8x8"])
            self.assertExit(r.proc, 0)
            self.assertEqual(r.summary["ok"], 3)
        self.assertEqual(helpers.all_files(out),
                         ["sub/b.jpg", "sub/deeper/c.gif", "top.png"])


class SingleFileTest(ImgbatchTestCase):
    def test_single_file_input(self):
        src = self.path("photo.png")
        Image.new("RGB", (400, 200), (9, 99, 199)).save(src)
        out = self.path("out")
        r = run_text(["resize", src, out, "-s", "100x100"])
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.ok), 1)
        self.assertEqual(r.ok[0]["input"], src)
        self.assertEqual(r.ok[0]["output"], os.path.join(out, "photo.png"))
        self.assertEqual(helpers.all_files(out), ["photo.png"])
        self.assertEqual(open_loaded(os.path.join(out, "photo.png")).size, (100, 50))

    def test_single_file_into_its_own_directory(self):
        src = self.path("photo.png")
        Image.new("RGB", (40, 40), (1, 2, 3)).save(src)
        before = digest(src)
        r = run_json(["resize", src, self.tmp, "-s", "10x10"])
        self.assertExit(r.proc, 1)
        self.assertIn("overwrite", r.records[0]["error"])
        self.assertEqual(digest(src), before)
        r = run_json(["resize", src, self.tmp + "/", "-s", "10x10", "--suffix", "_s"])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.records[0]["output"], os.path.join(self.tmp, "photo_s.png"))

    def test_trailing_slashes(self):
        inp = self.mkdir("in")
        make_png(inp, b"a.png")
        out = self.path("out")
        r = run_text(["resize", inp + "/", out + "/"])
        self.assertExit(r.proc, 0)
        self.assertEqual(r.ok[0]["input"], os.path.join(inp, "a.png"))
        self.assertEqual(r.ok[0]["output"], os.path.join(out, "a.png"))

    def test_single_file_with_suffix_and_format(self):
        src = self.path("photo.gif")
        Image.new("RGB", (40, 40)).save(src)
        out = self.path("deep", "er", "out")  # created with its parents
        r = run_json(["thumbnail", src, out, "-s", "10x10", "--suffix", "_t", "-f", "webp"])
        self.assertExit(r.proc, 0)
        self.assertEqual(helpers.all_files(out), ["photo_t.webp"])


if __name__ == "__main__":
    unittest.main()
