"""`imgbatch report` adds up what the shards of a split left behind, as the Slurm array
script, the GNU parallel script and the Kubernetes Job leave it: a stats file per shard
(--stats-file) and a --json --quiet log per shard. Real shard runs of one tree, checked
against one unsharded run of it:

- The folder of a 4-way split: the summary's counts are the unsharded run's, one line
  per shard, and the failed files' lines are exactly the unsharded text run's failure
  lines (a name that is not UTF-8 included); exit 1, since files failed. --json says the
  same as records and one summary object.
- A split where nothing failed: exit 0. One run without --shard: its own summary.
- A shard missing: named, exit 1. Stats files without logs: the failures are counted and
  the report says where their names are.
- A shard rerun (--incremental, as a requeued task reruns): its new stats file counts.
- Refused with exit 2, one line on stderr and nothing on stdout: a missing file, a stats
  file cut short, a file that is none of imgbatch's, one shard twice, two splits, two
  operations, an empty folder, an option of the runs.
"""

import json
import os
import re
import shutil
import subprocess
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, describe, run
from test_shards import SIZE, make_tree, shard_of

N = 4


def shard_runs(inp, out, stats_dir, n=N, extra=(), shards=None):
    """Runs shards K/n (all, or those listed) as the cluster scripts do, one after the
    other: --stats-file STATS/task-K.json and the --json --quiet log in task-K.jsonl.
    Returns {K: exit status}."""
    os.makedirs(stats_dir, exist_ok=True)
    statuses = {}
    for k in shards or range(1, n + 1):
        with open(os.path.join(stats_dir, "task-%d.jsonl" % k), "wb") as log:
            p = subprocess.run([helpers.BIN, "resize", inp, out, "-r", "-j", "1", "--quiet",
                                "--json", "--incremental", "--shard", "%d/%d" % (k, n),
                                "--stats-file", os.path.join(stats_dir, "task-%d.json" % k)]
                               + SIZE + list(extra), stdout=log, stderr=subprocess.PIPE,
                               timeout=helpers.RUN_TIMEOUT)
        statuses[k] = p.returncode
    return statuses


class MergeTestCase(ImgbatchTestCase):
    def assertRefused(self, args, message_re):
        p = run(["report"] + args)
        self.assertExit(p, 2)
        self.assertEqual(p.out, "", describe(p))
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        self.assertRegex(lines[0], r"^imgbatch: " + message_re)


class SplitReportTest(MergeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = helpers.tempfile.mkdtemp(prefix="imgbatch-e2e-report-")
        unittest.addModuleCleanup(shutil.rmtree, cls.root, True)
        cls.inp = os.path.join(cls.root, "in")
        cls.images, cls.non_images, cls.failing = make_tree(cls.inp)
        # A failing file whose name is not UTF-8: its line must name it exactly.
        bad_name = os.fsdecode(b"sub/bad\xff.png")
        with open(os.path.join(cls.inp, bad_name), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
        cls.failing = cls.failing | {bad_name}
        cls.ref = run(["resize", cls.inp, os.path.join(cls.root, "ref"), "-r", "-j", "2"]
                      + SIZE)
        cls.ref_json = helpers.run_json(["resize", cls.inp, os.path.join(cls.root, "ref2"),
                                         "-r", "-j", "2"] + SIZE)
        cls.stats = os.path.join(cls.root, "stats")
        cls.statuses = shard_runs(cls.inp, os.path.join(cls.root, "out"), cls.stats)

    def setUp(self):
        super().setUp()
        # Each test works on its own copy: some remove or add files.
        self.dir = self.path("stats")
        shutil.copytree(self.stats, self.dir)

    def ref_counts(self):
        s = self.ref_json.summary
        return {k: s[k] for k in ("total", "ok", "failed", "skipped")}

    def test_the_split_is_the_run(self):
        self.assertEqual(sorted(self.statuses.values()), sorted(
            1 if any(shard_of(rel, N) == k for rel in self.failing) else 0
            for k in range(1, N + 1)))
        p = run(["report", self.dir])
        self.assertExit(p, 1)
        self.assertEqual(p.err, "")
        lines = p.out.splitlines()
        m = re.match(r"^resize \(4 shards of 4\): (\d+) ok, (\d+) failed, (\d+) skipped in "
                     r"[0-9.]+ s: [0-9.]+ images/s$", lines[0])
        self.assertTrue(m, describe(p))
        ref = self.ref_counts()
        self.assertEqual([int(x) for x in m.groups()], [ref["ok"], ref["failed"], ref["skipped"]])
        shard_lines = [l for l in lines if l.startswith("  shard ")]
        self.assertEqual([l.split(":")[0] for l in shard_lines],
                         ["  shard %d/4" % k for k in range(1, N + 1)])
        for k, line in enumerate(shard_lines, 1):
            self.assertIn(", exit %d (" % self.statuses[k], line)
            self.assertTrue(line.endswith("task-%d.json)" % k), line)
        # The failures, as the unsharded run printed them (its stderr), whatever the order.
        failed = sorted(l for l in lines if l.startswith("\u2717 "))
        self.assertEqual(failed, sorted(self.ref.err.splitlines()), describe(p))
        self.assertEqual(len(failed), len(self.failing))

    def test_json(self):
        r = helpers.run_json(["report", self.dir])
        self.assertExit(r.proc, 1)
        s = r.summary
        for key, value in self.ref_counts().items():
            self.assertEqual(s[key], value, key)
        self.assertEqual((s["op"], s["shards"], s["missing"]), ("resize", 4, []))
        self.assertEqual((s["failures_listed"], s["exit_status"]), (len(self.failing), 1))
        self.assertEqual([x["shard"] for x in s["per_shard"]], ["%d/4" % k for k in range(1, 5)])
        self.assertEqual([x["exit_status"] for x in s["per_shard"]],
                         [self.statuses[k] for k in range(1, 5)])
        self.assertRegex(s["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # The records are the unsharded --json run's failures, input_hex included.
        want = sorted(json.dumps(rec, sort_keys=True) for rec in
                      ({k: v for k, v in x.items() if k != "worker"}
                       for x in self.ref_json.by_status("failed")))
        self.assertEqual(sorted(json.dumps(rec, sort_keys=True) for rec in r.records), want)

    def test_missing_shard(self):
        os.unlink(os.path.join(self.dir, "task-3.json"))
        os.unlink(os.path.join(self.dir, "task-3.jsonl"))
        p = run(["report", self.dir])
        self.assertExit(p, 1)
        self.assertIn("  shard 3/4: missing (no stats file or log given)\n", p.out)
        self.assertIn("1 of 4 shards missing: the run is not complete\n", p.out)
        self.assertTrue(p.out.startswith("resize (3 shards of 4): "), p.out)
        r = helpers.run_json(["report", self.dir])
        self.assertEqual(r.summary["missing"], [3])

    def test_stats_files_alone(self):
        files = sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir)
                       if f.endswith(".json"))
        p = run(["report"] + files)
        self.assertExit(p, 1)
        self.assertNotIn("\u2717", p.out)
        self.assertIn("%d failed files not listed: give the shards' --json logs to list them\n"
                      % len(self.failing), p.out)

    def test_logs_alone(self):
        """--json --quiet logs carry a summary only where something failed: the shards
        where nothing did are missing then, and said to be."""
        files = sorted(os.path.join(self.dir, f) for f in os.listdir(self.dir)
                       if f.endswith(".jsonl"))
        r = helpers.run_json(["report"] + files)
        self.assertExit(r.proc, 1)
        failing_shards = sorted({shard_of(rel, N) for rel in self.failing})
        self.assertEqual(r.summary["missing"],
                         [k for k in range(1, N + 1) if k not in failing_shards])
        self.assertEqual(r.summary["failed"], len(self.failing))
        self.assertEqual([x["exit_status"] for x in r.summary["per_shard"]],
                         [None] * len(failing_shards))

    def test_rerun_shard_counts_its_new_stats(self):
        """A shard rerun (a requeued task) replaces its stats file: what it found up to
        date is counted as such, and the files it redid as ok."""
        out = self.path("out")
        shutil.rmtree(self.dir)
        shard_runs(self.inp, out, self.dir)
        k = max(range(1, N + 1),
                key=lambda k: sum(shard_of(rel, N) == k for rel in self.images))
        mine = sorted(rel for rel in self.images if shard_of(rel, N) == k)
        for rel in mine[:2]:
            os.unlink(os.path.join(out, rel))
        shard_runs(self.inp, out, self.dir, shards=[k])
        r = helpers.run_json(["report", self.dir])
        self.assertIsNotNone(r.summary, describe(r.proc))
        shard = r.summary["per_shard"][k - 1]
        self.assertEqual((shard["ok"], shard["up_to_date"]), (2, len(mine) - 2), shard)
        self.assertEqual(r.summary["up_to_date"], len(mine) - 2)
        self.assertEqual(r.summary["total"], self.ref_counts()["total"])

    def test_refused(self):
        stats1 = os.path.join(self.dir, "task-1.json")
        self.assertRefused([self.path("nowhere.json")],
                           r"cannot read .*nowhere\.json: No such file or directory$")
        self.assertRefused([stats1, stats1],
                           r"shard 1/4 twice: in .*task-1\.json and in .*task-1\.json$")
        with open(stats1, "rb") as f:
            data = f.read()
        cut = self.path("cut.json")
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2])
        self.assertRefused([cut], r".*cut\.json: line 1 is not JSON \(at byte \d+: .*\); a log "
                                  r"cut short by a killed run\?$")
        notes = self.path("notes.json")
        with open(notes, "w") as f:
            f.write("{\"name\": \"not ours\"}\n")
        self.assertRefused([notes], r".*notes\.json: line 1: neither a stats file")
        os.makedirs(self.path("empty"))
        self.assertRefused([self.path("empty")], r".*empty holds no \.json or \.jsonl file")
        # Another split, and another operation, next to this one.
        other = self.path("other")
        shard_runs(self.inp, self.path("out3"), other, n=3, shards=[1])
        self.assertRefused([stats1, os.path.join(other, "task-1.json")], r".* two splits$")
        sepia = self.path("sepia.json")
        subprocess.run([helpers.BIN, "sepia", self.inp, self.path("out-sepia"), "-j", "1",
                        "--shard", "2/4", "--stats-file", sepia], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=helpers.RUN_TIMEOUT)
        self.assertRefused([stats1, sepia], r".*sepia\.json is of a sepia run and .* of a resize "
                                            r"run: not one run$")
        self.assertRefused(["--size", "10x10", self.dir],
                           r"--size is not for 'imgbatch report' \(it takes --json\)$")
        self.assertRefused([], r"report needs the stats files")


class CleanRunReportTest(MergeTestCase):
    def test_all_went_well(self):
        inp = self.mkdir("in")
        for i in range(6):
            Image.new("RGB", (20 + i, 20), (40 * i, 0, 0)).save(os.path.join(inp, "p%d.png" % i))
        stats = self.path("stats")
        self.assertEqual(shard_runs(inp, self.path("out"), stats, n=2), {1: 0, 2: 0})
        p = run(["report", stats])
        self.assertExit(p, 0)
        self.assertTrue(p.out.startswith("resize (2 shards of 2): 6 ok, 0 failed, 0 skipped in "),
                        p.out)
        self.assertEqual(len(p.out.splitlines()), 3, describe(p))

    def test_one_run_without_shard(self):
        inp = self.mkdir("in")
        Image.new("RGB", (20, 20), (0, 0, 0)).save(os.path.join(inp, "a.png"))
        stats = self.path("run.json")
        subprocess.run([helpers.BIN, "grayscale", inp, self.path("out"), "--stats-file", stats],
                       stdout=subprocess.DEVNULL, timeout=helpers.RUN_TIMEOUT, check=True)
        p = run(["report", stats])
        self.assertExit(p, 0)
        lines = p.out.splitlines()
        self.assertTrue(lines[0].startswith("grayscale: 1 ok, 0 failed, 0 skipped in "), p.out)
        self.assertTrue(lines[1].startswith("  run: 1 ok, 0 failed, 0 skipped in "), p.out)


if __name__ == "__main__":
    unittest.main()
