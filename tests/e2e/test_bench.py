"""imgbatch bench: the table, its CSV and its plot, and the progress line.

Small generated photos and one run per process count keep it quick; the
figures themselves are not checked (no timing assertions), only that the
table, the CSV and the picture say the same thing and are well formed.
"""

import csv
import glob
import os
import pty
import re
import subprocess
import unittest
import xml.etree.ElementTree as ET

from PIL import Image

import helpers
from helpers import ImgbatchTestCase

SVG = "{http://www.w3.org/2000/svg}"
ROW_RE = re.compile(r"^\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)%$")


class BenchTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i in range(6):
            Image.new("RGB", (320 + 8 * i, 240), (40 * i, 90, 160)).save(
                os.path.join(self.inp, "p%d.jpg" % i), quality=85)
        self.scratch_before = set(glob.glob("/tmp/imgbatch-bench-*"))

    def bench(self, *extra):
        return helpers.run(["bench", self.inp, "--size", "32x32", "--repeat", "1"] + list(extra))

    def assertScratchRemoved(self):
        self.assertEqual(set(glob.glob("/tmp/imgbatch-bench-*")) - self.scratch_before, set())

    def test_table_csv_and_plot_agree(self):
        csv_path, svg_path = self.path("t.csv"), self.path("p.svg")
        p = self.bench("--procs", "2,1,2", "--csv", csv_path, "--plot", svg_path)
        self.assertExit(p, 0)
        lines = p.out.splitlines()
        self.assertIn("resize 32x32 on 6 files", lines[0])
        self.assertEqual(lines[1].split(),
                         ["processes", "seconds", "images/s", "MP/s", "speedup", "efficiency"])
        rows = [ROW_RE.match(l) for l in lines[2:]]
        self.assertTrue(all(rows), p.out)
        self.assertEqual([int(r.group(1)) for r in rows], [1, 2])  # sorted, each once
        self.assertEqual(rows[0].group(5), "1.00")
        self.assertEqual(rows[0].group(6), "100")

        with open(csv_path, newline="") as f:
            table = list(csv.DictReader(f))
        self.assertEqual([int(r["processes"]) for r in table], [1, 2])
        self.assertEqual(list(table[0]), ["processes", "seconds", "images_per_sec",
                                          "megapixels_per_sec", "speedup", "efficiency"])
        for r, row in zip(table, rows):
            self.assertAlmostEqual(float(r["images_per_sec"]), float(row.group(3)), delta=0.06)
            self.assertAlmostEqual(float(r["seconds"]), float(row.group(2)), delta=0.0006)
            self.assertAlmostEqual(float(r["efficiency"]),
                                   float(r["speedup"]) / int(r["processes"]), delta=0.002)
            self.assertGreater(float(r["seconds"]), 0)
            # images/s is the 6 files over the wall time
            self.assertAlmostEqual(float(r["images_per_sec"]) * float(r["seconds"]), 6,
                                   delta=0.1)
        self.assertEqual(float(table[0]["speedup"]), 1.0)

        svg = ET.parse(svg_path).getroot()
        self.assertEqual(svg.tag, SVG + "svg")
        texts = [t.text or "" for t in svg.iter(SVG + "text")]
        self.assertTrue(any("resize 32x32" in t for t in texts), texts)
        self.assertIn("images/s", texts)
        measured = [e for e in svg.iter(SVG + "polyline") if e.get("class") == "measured"]
        self.assertEqual(len(measured), 1)
        points = [tuple(map(float, pt.split(","))) for pt in measured[0].get("points").split()]
        self.assertEqual(len(points), 2)
        self.assertLess(points[0][0], points[1][0])  # more processes further right
        ideal = [e for e in svg.iter(SVG + "line") if e.get("class") == "ideal"]
        self.assertEqual(len(ideal), 1)
        # Each measured rate is labelled on the plot as in the table.
        for row in rows:
            self.assertIn(row.group(3), texts)
        self.assertScratchRemoved()
        self.assertNoTempFiles(self.tmp)

    def test_json_rows(self):
        p = self.bench("--procs", "1,2", "--json")
        self.assertExit(p, 0)
        rows = [helpers.json.loads(l) for l in p.out.splitlines()]
        self.assertEqual([r["processes"] for r in rows], [1, 2])
        for r in rows:
            self.assertEqual(set(r), {"processes", "seconds", "images_per_sec",
                                      "megapixels_per_sec", "speedup", "efficiency", "files",
                                      "failed"})
            self.assertEqual(r["files"], 6)
            self.assertEqual(r["failed"], 0)
        self.assertEqual(rows[0]["speedup"], 1.0)

    def test_default_counts_stop_at_the_files(self):
        """Without --procs: 1, 2, 4 ... up to twice the CPUs, never more than the files."""
        p = self.bench("--json")
        self.assertExit(p, 0)
        counts = [helpers.json.loads(l)["processes"] for l in p.out.splitlines()]
        top = min(2 * os.cpu_count(), 6)
        expected = [c for c in (1, 2, 4, 8, 16, 32, 64, 128) if c < top] + [top]
        self.assertEqual(counts, expected)

    def test_refusals(self):
        for args, word in ((["--plot", self.path("p.png")], ".svg"),
                           (["--procs", "0"], "--procs"),
                           (["--procs", "1,,2"], "--procs")):
            with self.subTest(args=args):
                p = self.bench(*args)
                self.assertExit(p, 2)
                self.assertIn(word, p.err)
                self.assertEqual(len(p.err.splitlines()), 1)
        p = helpers.run(["resize", self.inp, self.path("out"), "--csv", self.path("c.csv")])
        self.assertExit(p, 2)
        self.assertIn("bench", p.err)

    def test_unwritable_csv_fails_after_the_table(self):
        p = self.bench("--procs", "1", "--csv", self.path("no", "such", "dir.csv"))
        self.assertExit(p, 1)
        self.assertIn("no/such/dir.csv", p.err)
        self.assertIn("processes", p.out)
        self.assertScratchRemoved()

    def test_progress_on_a_terminal(self):
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([helpers.BIN, "bench", self.inp, "--size", "32x32",
                                     "--repeat", "2", "--procs", "1,2"],
                                    stdout=subprocess.PIPE, stderr=slave)
            os.close(slave)
            slave = -1
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            out, _ = proc.communicate(timeout=helpers.RUN_TIMEOUT)
        finally:
            if slave >= 0:
                os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 0)
        text = seen.decode("utf-8", "replace")
        # 6 files x 2 process counts x 2 rounds
        self.assertRegex(text, r"bench \d+/24 \d+% \| [0-9.]+ images/s \| ETA")
        self.assertTrue(text.endswith("\r\x1b[K"), repr(text[-40:]))
        self.assertNotIn(b"\x1b", out)


if __name__ == "__main__":
    unittest.main()
