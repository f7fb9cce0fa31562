"""imgbatch bench: its header, table, JSON, CSV and plot, and its progress line.

Small generated photos and one run per process count keep it quick; the
figures themselves are not checked (no timing assertions), only that the
header says what the bench ran on, that the table, the JSON, the CSV and
the picture say the same thing and are well formed, and that every rate
follows from the median seconds as documented.

Every bench here runs with TMPDIR set to the test's own folder, so the
scratch OUTPUT is looked for there, away from other work in /tmp.
"""

import csv
import json
import os
import pty
import re
import statistics
import subprocess
import unittest
import xml.etree.ElementTree as ET

from PIL import Image

import helpers
from helpers import ImgbatchTestCase

SVG = "{http://www.w3.org/2000/svg}"
HEADER = ["op", "processes", "min", "s", "median", "s", "max", "s", "images/s", "MB/s", "MP/s",
          "speedup", "efficiency"]
ROW_RE = re.compile(r"^(?P<op>[a-z]+(?: \S+)?)\s+(?P<procs>\d+)\s+(?P<min>[0-9.]+)\s+"
                    r"(?P<median>[0-9.]+)\s+(?P<max>[0-9.]+)\s+(?P<ips>[0-9.]+)\s+"
                    r"(?P<mbs>[0-9.]+)\s+(?P<mps>[0-9.]+)\s+(?P<speedup>[0-9.]+)\s+"
                    r"(?P<eff>\d+)%$")
ALL_OPS = ["resize", "thumbnail", "grayscale", "sepia", "convert"]


def version_libraries():
    """{name: version} as imgbatch --version prints them."""
    p = helpers.run(["--version"])
    return dict(line.split(" ", 1) for line in p.out.splitlines()[1:])


class BenchTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i in range(6):
            Image.new("RGB", (320 + 8 * i, 240), (40 * i, 90, 160)).save(
                os.path.join(self.inp, "p%d.jpg" % i), quality=85)
        self.input_bytes = sum(os.path.getsize(os.path.join(self.inp, n))
                               for n in os.listdir(self.inp))
        self.tmpdir = self.mkdir("tmpdir")

    def bench(self, *extra, env_extra=None):
        env = dict(os.environ, TMPDIR=self.tmpdir)
        env.update(env_extra or {})
        return helpers.run(["bench", self.inp, "--size", "32x32", "--repeat", "1"] + list(extra),
                           env=env)

    def bench_json(self, *extra):
        p = self.bench("--json", *extra)
        self.assertExit(p, 0)
        return json.loads(p.out)  # one object: the whole of stdout

    def assertScratchRemoved(self):
        self.assertEqual(os.listdir(self.tmpdir), [])

    def table_rows(self, out):
        lines = out.splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("op "))
        self.assertEqual(lines[start].split(), HEADER)
        rows = [ROW_RE.match(l) for l in lines[start + 1:]]
        self.assertTrue(rows and all(rows), out)
        return lines[:start], rows

    def test_header_says_what_it_ran_on(self):
        p = self.bench("--procs", "1,2")
        self.assertExit(p, 0)
        header, _ = self.table_rows(p.out)
        self.assertEqual([l.split(":")[0] for l in header],
                         ["bench", "machine", "libraries", "runs"], p.out)
        self.assertIn("resize 32x32 on 6 files (%.1f MB) from %s" % (self.input_bytes / 1e6,
                                                                   self.inp), header[0])
        machine = header[1]
        self.assertRegex(machine, r", (\d+ physical cores?|physical cores unknown), "
                                  r"(\d+ logical|logical cores unknown), "
                                  r"(\d+\.\d GiB memory|memory unknown), "
                                  r"(load \d+\.\d\d \d+\.\d\d \d+\.\d\d before the run|"
                                  r"load unknown)$")
        self.assertIn(", %d logical" % os.cpu_count(), machine)
        with open("/proc/cpuinfo") as f:
            models = re.findall(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        if models:
            self.assertTrue(machine.startswith("machine: %s, " % models[0].strip()), machine)
        libraries = ", ".join("%s %s" % kv for kv in version_libraries().items())
        self.assertEqual(header[2], "libraries: " + libraries)
        self.assertIn("1 per process count, interleaved", header[3])
        self.assertIn("in %s;" % self.tmpdir, header[3])

    def test_table_csv_and_plot_agree(self):
        csv_path, svg_path = self.path("t.csv"), self.path("p.svg")
        p = self.bench("--procs", "2,1,2", "--csv", csv_path, "--plot", svg_path)
        self.assertExit(p, 0)
        _, rows = self.table_rows(p.out)
        self.assertEqual([int(r["procs"]) for r in rows], [1, 2])  # sorted, each once
        self.assertEqual({r["op"] for r in rows}, {"resize 32x32"})
        self.assertEqual(rows[0]["speedup"], "1.00")
        self.assertEqual(rows[0]["eff"], "100")
        for r in rows:
            # One run: min, median and max are that run.
            self.assertEqual(r["min"], r["median"])
            self.assertEqual(r["max"], r["median"])

        with open(csv_path, newline="") as f:
            table = list(csv.DictReader(f))
        self.assertEqual(list(table[0]), ["op", "size", "processes", "seconds_min",
                                          "seconds_median", "seconds_max", "images_per_sec",
                                          "input_mb_per_sec", "megapixels_per_sec", "speedup",
                                          "efficiency"])
        self.assertEqual([(r["op"], r["size"], int(r["processes"])) for r in table],
                         [("resize", "32x32", 1), ("resize", "32x32", 2)])
        for r, row in zip(table, rows):
            median = float(r["seconds_median"])
            self.assertGreater(median, 0)
            self.assertAlmostEqual(float(r["images_per_sec"]), float(row["ips"]), delta=0.06)
            self.assertAlmostEqual(median, float(row["median"]), delta=0.0006)
            self.assertAlmostEqual(float(r["efficiency"]),
                                   float(r["speedup"]) / int(r["processes"]), delta=0.002)
            # images/s is the 6 files over the median, MB/s the input's bytes over it
            self.assertAlmostEqual(float(r["images_per_sec"]) * median, 6, delta=0.01)
            self.assertAlmostEqual(float(r["input_mb_per_sec"]) * median,
                                   self.input_bytes / 1e6, delta=0.01)
        self.assertEqual(float(table[0]["speedup"]), 1.0)

        svg = ET.parse(svg_path).getroot()
        texts = [t.text or "" for t in svg.iter(SVG + "text")]
        self.assertTrue(any("resize 32x32" in t for t in texts), texts)
        # Each measured rate is labelled on the plot as in the table.
        for row in rows:
            self.assertIn(row["ips"], texts)
        self.assertScratchRemoved()
        self.assertNoTempFiles(self.tmp)

    def test_several_operations_in_one_table(self):
        p = self.bench("--op", ",".join(ALL_OPS), "--procs", "1,2")
        self.assertExit(p, 0)
        header, rows = self.table_rows(p.out)
        self.assertIn("bench: resize 32x32, thumbnail 32x32, grayscale, sepia, convert on 6 files",
                      header[0])
        # The operations in the order given, each on every count.
        self.assertEqual([(r["op"], int(r["procs"])) for r in rows],
                         [(op, n) for op in ("resize 32x32", "thumbnail 32x32", "grayscale",
                                             "sepia", "convert") for n in (1, 2)])
        for r in rows:
            self.assertLessEqual(float(r["min"]), float(r["median"]))
            self.assertLessEqual(float(r["median"]), float(r["max"]))
        for op_rows in (rows[i:i + 2] for i in range(0, len(rows), 2)):
            self.assertEqual(op_rows[0]["speedup"], "1.00")  # each over its own first count
        self.assertScratchRemoved()

    def test_each_operation_its_own_box(self):
        """--size applies to the operations that take one; the others keep the size."""
        doc = self.bench_json("--op", "grayscale,thumbnail,resize", "--procs", "1")
        self.assertEqual([(r["op"], r["size"]) for r in doc["results"]],
                         [("grayscale", None), ("thumbnail", "32x32"), ("resize", "32x32")])
        p = helpers.run(["bench", self.inp, "--op", "grayscale,thumbnail", "--repeat", "1",
                         "--procs", "1", "--json"], env=dict(os.environ, TMPDIR=self.tmpdir))
        self.assertExit(p, 0)
        self.assertEqual([r["size"] for r in json.loads(p.out)["results"]], [None, "150x150"])

    def test_json_document(self):
        doc = self.bench_json("--op", "resize,sepia", "--procs", "1,2,4", "--repeat", "3")
        self.assertEqual(set(doc), {"imgbatch", "machine", "libraries", "settings", "results"})
        self.assertRegex(doc["imgbatch"], r"^\d+\.\d+\.\d+$")

        m = doc["machine"]
        self.assertEqual(set(m), {"cpu_model", "physical_cores", "logical_cores",
                                  "memory_bytes", "load_average"})
        self.assertEqual(m["logical_cores"], os.cpu_count())
        if m["physical_cores"] is not None:
            self.assertTrue(1 <= m["physical_cores"] <= m["logical_cores"], m)
        self.assertGreater(m["memory_bytes"], 0)
        if m["load_average"] is not None:  # null where getloadavg cannot say
            self.assertEqual(len(m["load_average"]), 3)
        self.assertEqual(doc["libraries"], version_libraries())

        s = doc["settings"]
        self.assertEqual(s, {"input": self.inp, "files": 6, "input_bytes": self.input_bytes,
                             "repeat": 3, "processes": [1, 2, 4], "ops": ["resize", "sepia"],
                             "quality": 85, "format": "auto", "tmpdir": self.tmpdir})

        results = doc["results"]
        self.assertEqual([(r["op"], r["processes"]) for r in results],
                         [(op, n) for op in ("resize", "sepia") for n in (1, 2, 4)])
        for r in results:
            with self.subTest(op=r["op"], processes=r["processes"]):
                runs = r["seconds"]
                self.assertEqual(len(runs), 3)
                self.assertTrue(all(t > 0 for t in runs), runs)
                self.assertAlmostEqual(r["seconds_min"], min(runs), delta=1e-6)
                self.assertAlmostEqual(r["seconds_max"], max(runs), delta=1e-6)
                self.assertAlmostEqual(r["seconds_median"], statistics.median(runs), delta=1e-6)
                self.assertLessEqual(r["seconds_min"], r["seconds_median"])
                self.assertLessEqual(r["seconds_median"], r["seconds_max"])
                median = r["seconds_median"]
                self.assertAlmostEqual(r["images_per_sec"], 6 / median,
                                       delta=0.006 + 6 / median * 1e-5)
                self.assertAlmostEqual(r["input_mb_per_sec"], self.input_bytes / 1e6 / median,
                                       delta=0.006 + self.input_bytes / 1e6 / median * 1e-5)
                self.assertAlmostEqual(r["megapixels_per_sec"], r["input_megapixels"] / median,
                                       delta=0.01 + r["megapixels_per_sec"] * 1e-3)
                self.assertEqual((r["files"], r["failed"]), (6, 0))
        for op in ("resize", "sepia"):
            rows = [r for r in results if r["op"] == op]
            base = rows[0]["images_per_sec"]
            for r in rows:
                self.assertAlmostEqual(r["speedup"], r["images_per_sec"] / base, delta=0.002)
                self.assertAlmostEqual(r["efficiency"], r["speedup"] / r["processes"],
                                       delta=0.002)
        # The 6 photos' pixels, decoded once per run: (320 + 8i) x 240.
        expected_mp = sum((320 + 8 * i) * 240 for i in range(6)) / 1e6
        self.assertAlmostEqual(results[0]["input_megapixels"], expected_mp, delta=0.001)
        self.assertScratchRemoved()

    def test_default_counts_stop_at_the_files(self):
        """Without --procs: 1, 2, 4 ... up to twice the CPUs, never more than the files."""
        doc = self.bench_json()
        top = min(2 * os.cpu_count(), 6)
        expected = [c for c in (1, 2, 4, 8, 16, 32, 64, 128) if c < top] + [top]
        self.assertEqual(doc["settings"]["processes"], expected)
        self.assertEqual([r["processes"] for r in doc["results"]], expected)

    def test_counts_above_the_files_refused(self):
        """A worker without a file measures nothing: --procs and -j above the files are
        refused before any run, and say why."""
        for args, said in ((["--procs", "1,2,7"], "--procs 7"), (["-j", "8"], "-j 8")):
            with self.subTest(args=args):
                p = self.bench(*args)
                self.assertExit(p, 2)
                self.assertEqual(p.out, "")
                self.assertEqual(len(p.err.splitlines()), 1, p.err)
                self.assertIn(said + " is more processes than the 6 files of " + self.inp,
                              p.err)
                self.assertIn("give at most 6", p.err)
                self.assertScratchRemoved()
        # As many as the files is measured: 1, 2, 4 and 6 itself.
        doc = self.bench_json("-j", "6")
        self.assertEqual(doc["settings"]["processes"], [1, 2, 4, 6])

    def test_tmpdir_holds_the_scratch_while_it_runs(self):
        """The scratch OUTPUT is made in $TMPDIR and removed at the end: seen there while
        a slow file (tests/fault) is in flight."""
        marks = self.mkdir("marks")
        Image.new("RGB", (64, 48), (1, 2, 3)).save(os.path.join(self.inp, "z-slow-decoder.png"))
        env = helpers.fault_env(TMPDIR=self.tmpdir, IMGBATCH_FAULT_MARKS=marks)
        proc = subprocess.Popen([helpers.BIN, "bench", self.inp, "--repeat", "1", "--procs", "1",
                                 "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env)
        try:
            self.assertTrue(helpers.wait_for(lambda: os.listdir(marks) or proc.poll() is not None,
                                             helpers.RUN_TIMEOUT))
            during = os.listdir(self.tmpdir)
            out, err = proc.communicate(timeout=helpers.RUN_TIMEOUT)
        finally:
            helpers.reap_processes([proc])
        self.assertEqual(proc.returncode, 0, err)
        self.assertTrue(os.listdir(marks), "the slow file never started")
        self.assertTrue(any(n.startswith("imgbatch-bench-") for n in during), during)
        self.assertEqual(json.loads(out)["settings"]["tmpdir"], self.tmpdir)
        self.assertScratchRemoved()

    def test_unusable_tmpdir_is_named(self):
        p = self.bench(env_extra={"TMPDIR": self.path("no", "such")})
        self.assertExit(p, 2)
        self.assertIn("cannot create a temporary directory in %s" % self.path("no", "such"),
                      p.err)

    def test_plot(self):
        """The picture: a log2 process axis, titled axes, one curve per operation with a
        legend, and each ideal kept inside the frame."""
        svg_path = self.path("p.svg")
        p = self.bench("--op", "resize,thumbnail", "--procs", "1,2,3,4,6", "--plot", svg_path)
        self.assertExit(p, 0)
        svg = ET.parse(svg_path).getroot()  # well-formed XML
        self.assertEqual(svg.tag, SVG + "svg")
        texts = [t.text or "" for t in svg.iter(SVG + "text")]
        self.assertIn("processes", texts)
        self.assertIn("images/s", texts)
        self.assertTrue(any("imgbatch bench: resize 32x32, thumbnail 32x32" in t for t in texts))
        for t in svg.iter(SVG + "text"):  # readable: nothing smaller than 12 pixels
            self.assertGreaterEqual(float(t.get("font-size", svg.get("font-size"))), 12)

        ticks = {int(t.text): float(t.get("x")) for t in svg.iter(SVG + "text")
                 if t.get("class") == "xtick"}
        self.assertLessEqual({1, 2, 4, 8}, set(ticks))
        # log2: each doubling the same distance across
        self.assertAlmostEqual(ticks[2] - ticks[1], ticks[4] - ticks[2], delta=0.2)
        self.assertAlmostEqual(ticks[8] - ticks[4], ticks[4] - ticks[2], delta=0.2)

        measured = [e for e in svg.iter(SVG + "polyline") if e.get("class") == "measured"]
        self.assertEqual(len(measured), 2)  # a curve per operation
        colours = {e.get("stroke") for e in measured}
        self.assertEqual(len(colours), 2)
        for e in measured:
            xs = [float(pt.split(",")[0]) for pt in e.get("points").split()]
            self.assertEqual(len(xs), 5)
            for procs, x in zip((1, 2, 4), (xs[0], xs[1], xs[3])):
                self.assertAlmostEqual(x, ticks[procs], delta=0.2)
        legend = [e.get("stroke") for e in svg.iter(SVG + "line") if e.get("class") == "legend"]
        self.assertLessEqual(colours, set(legend))

        frame = next(e for e in svg.iter(SVG + "rect") if e.get("stroke") == "black")
        top = float(frame.get("y"))
        bottom = top + float(frame.get("height"))
        ideal = [e for e in svg.iter(SVG + "polyline") if e.get("class") == "ideal"]
        self.assertEqual(len(ideal), 2)
        for e in ideal + measured:
            ys = [float(pt.split(",")[1]) for pt in e.get("points").split()]
            self.assertTrue(all(top - 0.1 <= y <= bottom + 0.1 for y in ys), ys)
        self.assertScratchRemoved()

    def test_refusals(self):
        for args, word in ((["--plot", self.path("p.png")], ".svg"),
                           (["--procs", "0"], "--procs"),
                           (["--procs", "1,,2"], "--procs"),
                           (["--op", "resize,blur"], "'blur'"),
                           (["--op", "resize,thumbnial"], "did you mean 'thumbnail'?"),
                           (["--op", "grayscale,sepia"], "--size does not apply to grayscale "
                                                         "or sepia")):
            with self.subTest(args=args):
                p = self.bench(*args)
                self.assertExit(p, 2)
                self.assertIn(word, p.err)
                self.assertEqual(len(p.err.splitlines()), 1)
                self.assertEqual(p.out, "")
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
                                    stdout=subprocess.PIPE, stderr=slave,
                                    env=dict(os.environ, TMPDIR=self.tmpdir))
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
