"""What a run reports besides its stdout lines: --stats-file (one JSON object) and
--metrics-file (Prometheus text format), both written atomically; the live progress line
on a terminal (--progress, --no-progress); --dry-run listings; --files-from lists.
"""

import datetime
import fcntl
import json
import math
import os
import pty
import random
import re
import shutil
import signal
import struct
import subprocess
import termios
import threading
import time
import unittest

from PIL import Image

import helpers
from helpers import (BIN, NAME, RUN_TIMEOUT, Finished, ImgbatchTestCase, describe,
                     reap_processes, run, run_json, run_text, unquote_name)

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # Debian package python3-prometheus-client
    text_string_to_metric_families = None


STATS_KEYS = {
    "op", "input", "output", "shard", "started_at", "finished_at", "started_unix",
    "finished_unix", "seconds", "exit_status", "workers", "total", "ok", "failed",
    "skipped", "up_to_date", "failed_before", "not_started", "pruned", "input_bytes",
    "output_bytes",
    "images_per_sec", "megapixels_per_sec", "interrupted_by", "gave_up", "per_worker",
}
METRICS = {
    "imgbatch_files", "imgbatch_files_up_to_date", "imgbatch_files_failed_before",
    "imgbatch_outputs_pruned", "imgbatch_input_bytes",
    "imgbatch_output_bytes", "imgbatch_duration_seconds", "imgbatch_images_per_second",
    "imgbatch_megapixels_per_second", "imgbatch_workers", "imgbatch_exit_status",
    "imgbatch_last_run_timestamp_seconds",
}
LAST_SUCCESS = "imgbatch_last_success_timestamp_seconds"
LAST_RUN = "imgbatch_last_run_timestamp_seconds"
FILE_STATUSES = {"ok", "failed", "skipped", "not_started"}

ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
# The text summary, with the parts the new options add (shard, up to date).
SUMMARY_RE = re.compile(
    r"^(?P<op>resize|grayscale|sepia|thumbnail)(?: \(shard (?P<shard>\d+/\d+)\))?: "
    r"(?P<ok>\d+) ok, (?P<failed>\d+) failed, (?P<skipped>\d+) skipped"
    r"(?: \((?P<up_to_date>\d+) up to date\))? in (?P<seconds>[0-9.]+) s: "
    r"(?P<ips>[0-9.]+) images/s, (?P<mps>[0-9.]+) MP/s, (?P<workers>\d+) workers?$")
PROGRESS_40_RE = re.compile(r"resize \d+/40 \d+% \| [0-9.]+ images/s \| ETA")
PROGRESS_RE = re.compile(
    r"(?P<op>resize|grayscale|sepia|thumbnail) (?P<done>\d+)/(?P<total>\d+) (?P<pct>\d+)% "
    r"\| (?P<ips>[0-9.]+) images/s \| ETA [^|\r\x1b]*?(?: \| (?P<failed>\d+) failed)?"
    r"(?=\r|\x1b|$)")

DRY_PROCESS_RE = re.compile(r"^process  (?P<input>" + NAME + r") -> (?P<output>" + NAME + r")$")
DRY_SKIP_RE = re.compile(r"^skip     (?P<input>" + NAME + r"): (?P<reason>.*)$")
DRY_SKIP_UTD_RE = re.compile(
    r"^skip     (?P<input>" + NAME + r") -> (?P<output>" + NAME + r"): up to date$")
DRY_REFUSE_RE = re.compile(r"^refuse   (?P<input>" + NAME + r"): (?P<error>.*)$")
DRY_SUMMARY_RE = re.compile(
    r"^dry run: (?P<process>\d+) to process, (?P<skip>\d+) to skip"
    r"(?: \((?P<up_to_date>\d+) up to date\))?, (?P<refused>\d+) refused; nothing written$")

NOT_INSIDE = "not inside INPUT (--files-from names are relative to INPUT)"
NO_SUCH = "cannot stat: No such file or directory"


# ---------------------------------------------------------------- images and files

def png(path, size=(40, 30), colour=(10, 20, 30)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, colour).save(path, format="PNG")


def noise_jpeg(path, size, seed=0, quality=95):
    """A JPEG of random pixels: large for its size, so that largest-first order is known."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = random.Random(seed).randbytes(size[0] * size[1] * 3)
    Image.frombytes("RGB", size, data).save(path, format="JPEG", quality=quality)


def damaged_jpeg(path, size=(300, 200), seed=7):
    """A real JPEG cut in half: fails as a truncated JPEG, and is the largest file."""
    noise_jpeg(path, size, seed)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def visible_files(directory):
    """Files under directory, relative, without hidden ones (.imgbatch.lock, state)."""
    return [n for n in helpers.all_files(directory)
            if not any(part.startswith(".") for part in n.split(os.sep))]


def fnv1a_shard(rel, n):
    h = 0xcbf29ce484222325
    for b in os.fsencode(rel):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h % n + 1


def iso_to_unix(text):
    m = ISO_RE.match(text)
    if not m:
        raise AssertionError("not an ISO 8601 UTC time like 2026-11-22T10:00:00Z: %r" % text)
    base = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    frac = float(m.group(1)) if m.group(1) else 0.0
    return base.replace(tzinfo=datetime.timezone.utc).timestamp() + frac


def umask_022():
    os.umask(0o022)


# ---------------------------------------------------------------- a run under a terminal

def run_pty(args, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL, columns=200, env=None,
            during=None):
    """Runs imgbatch with stderr on a pseudo-terminal (200 columns unless told, output
    post-processing off so the bytes come back as written) and stdout on a pipe. Returns a
    Finished whose stderr is everything written to the terminal.  during(p, slave, chunks),
    if given, runs while imgbatch does, with the terminal still open (to resize it, say)
    and chunks the list the terminal's bytes are collected in."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    chunks = []

    def pump():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every process closed the terminal's other end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    env = dict(env or os.environ, TERM="xterm")
    try:
        p = subprocess.Popen([BIN] + list(args), stdin=stdin, stdout=subprocess.PIPE,
                             stderr=slave, env=env)
        try:
            if during:
                during(p, slave, chunks)
        except BaseException:
            reap_processes([p])
            raise
    finally:
        os.close(slave)
    try:
        out, _ = p.communicate(timeout=timeout)
    finally:
        reap_processes([p])
    reader.join(timeout=30)
    os.close(master)
    return Finished(p.returncode, out, b"".join(chunks))


def normalised_report(out):
    """stdout with the timings taken out, one entry per line, sorted."""
    lines = []
    for line in out.split("\n"):
        line = re.sub(r", [0-9.]+ ms\)$", ", _ ms)", line)
        line = re.sub(r" in [0-9.]+ s: [0-9.]+ images/s, [0-9.]+ MP/s,", " in _", line)
        line = re.sub(r", busy \d+%", ", busy _", line)
        lines.append(line)
    return sorted(lines)


# ---------------------------------------------------------------- the metrics format

LINE_RE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")
LABEL_RE = re.compile(
    r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\\n]|\\[\\"n])*)"(?P<sep>,|$)')


def unescape_label(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_metrics_strictly(text):
    """The exposition format read by hand, strictly: every sample after its metric's
    HELP and TYPE lines, each metric's lines together, labels well escaped. Returns
    {name: {"help": str, "type": str, "samples": [(labels, value)]}}; raises
    AssertionError naming the line that breaks a rule."""
    if not text.endswith("\n"):
        raise AssertionError("the file does not end with a newline")
    families = {}
    finished = set()
    current = None
    for no, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (no, line)
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if name in finished:
                    raise AssertionError("%s: %s comes back after other metrics" % (where, name))
                if current is not None and current != name:
                    finished.add(current)
                current = name
                fam = families.setdefault(name, {"help": None, "type": None, "samples": []})
                if fam["samples"]:
                    raise AssertionError("%s: %s after the samples" % (where, parts[1]))
                key = parts[1].lower()
                if fam[key] is not None:
                    raise AssertionError("%s: a second %s line" % (where, parts[1]))
                fam[key] = parts[3] if len(parts) > 3 else ""
            continue
        if line.strip() == "":
            continue
        m = LINE_RE.match(line)
        if not m:
            raise AssertionError("%s: not a sample line" % where)
        name = m.group("name")
        if name != current:
            raise AssertionError("%s: sample of %s without HELP and TYPE just before it "
                                 "(current metric %s)" % (where, name, current))
        labels = {}
        raw = m.group("labels")
        if raw:
            pos = 0
            while pos < len(raw):
                lm = LABEL_RE.match(raw, pos)
                if not lm:
                    raise AssertionError("%s: bad label text at %r" % (where, raw[pos:]))
                if lm.group("key") in labels:
                    raise AssertionError("%s: label %s twice" % (where, lm.group("key")))
                labels[lm.group("key")] = unescape_label(lm.group("value"))
                pos = lm.end()
        try:
            value = float(m.group("value"))
        except ValueError:
            raise AssertionError("%s: value is not a number" % where)
        if not math.isfinite(value):
            raise AssertionError("%s: value is not finite" % where)
        families[name]["samples"].append((labels, value))
    return families


# ---------------------------------------------------------------- tests

class ReportTestCase(ImgbatchTestCase):
    """A batch of 3 good images, one damaged JPEG and one text file; helpers to check
    stats and metrics files against the run."""

    def make_batch(self, damaged=True):
        self.inp = self.mkdir("in")
        noise_jpeg(self.path("in", "big.jpg"), (240, 160), seed=1)
        noise_jpeg(self.path("in", "mid.jpg"), (120, 90), seed=2)
        png(self.path("in", "small.png"), (40, 30))
        write(self.path("in", "notes.txt"), "not an image\n")
        if damaged:
            damaged_jpeg(self.path("in", "broken.jpg"))
        self.out = self.path("out")
        self.reports = self.mkdir("reports")
        return self.inp, self.out

    def run_timed(self, args, **kw):
        t0 = time.time()
        r = run_text(args, preexec_fn=umask_022, **kw)
        t1 = time.time()
        return r, t0, t1

    def ok_bytes(self, text_run):
        inb = sum(os.path.getsize(o["input"]) for o in text_run.ok)
        outb = sum(os.path.getsize(o["output"]) for o in text_run.ok)
        return inb, outb

    def load_stats(self, path, p=None):
        with open(path, "rb") as f:
            data = f.read()
        try:
            stats = json.loads(data.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("stats file is not one JSON object (%s): %r\n%s"
                                 % (e, data[:2000], describe(p) if p else ""))
        self.assertIsInstance(stats, dict, data)
        return stats

    def check_stats(self, stats, r, t0, t1, inp, out, shard=None):
        """stats against the text run r (run between wall-clock times t0 and t1)."""
        p = r.proc
        msg = "%s\n%s" % (json.dumps(stats, indent=1), describe(p))
        self.assertEqual(STATS_KEYS - set(stats), set(), "keys missing\n" + msg)
        summaries = [l for l in p.out.split("\n") if SUMMARY_RE.match(l)]
        self.assertEqual(len(summaries), 1, msg)
        s = SUMMARY_RE.match(summaries[0])
        for key in ("total", "ok", "failed", "skipped", "up_to_date", "not_started",
                    "workers", "exit_status", "input_bytes", "output_bytes"):
            self.assertIs(type(stats[key]), int, "%s is not an integer\n%s" % (key, msg))
        self.assertEqual(stats["op"], s.group("op"), msg)
        self.assertEqual(stats["input"], inp, msg)
        self.assertEqual(stats["inputs"], [inp], msg)
        self.assertEqual(stats["output"], out, msg)
        self.assertEqual(stats["shard"], shard, msg)
        self.assertEqual(stats["ok"], int(s.group("ok")), msg)
        self.assertEqual(stats["failed"], int(s.group("failed")), msg)
        self.assertEqual(stats["skipped"], int(s.group("skipped")), msg)
        self.assertEqual(stats["up_to_date"], int(s.group("up_to_date") or 0), msg)
        self.assertEqual(stats["not_started"], 0, msg)
        self.assertEqual(stats["total"], stats["ok"] + stats["failed"] + stats["skipped"]
                         + stats["not_started"], msg)
        self.assertEqual(stats["workers"], int(s.group("workers")), msg)
        self.assertEqual(stats["exit_status"], p.returncode, msg)
        self.assertIsNone(stats["interrupted_by"], msg)
        self.assertIsNone(stats["gave_up"], msg)
        inb, outb = self.ok_bytes(r)
        self.assertEqual(stats["input_bytes"], inb, msg)
        self.assertEqual(stats["output_bytes"], outb, msg)
        # rates and time: the same figures as the printed summary (printed rounded)
        self.assertAlmostEqual(stats["seconds"], float(s.group("seconds")), delta=0.0051,
                               msg=msg)
        self.assertAlmostEqual(stats["images_per_sec"], float(s.group("ips")),
                               delta=max(0.051, 0.002 * float(s.group("ips"))), msg=msg)
        self.assertAlmostEqual(stats["megapixels_per_sec"], float(s.group("mps")),
                               delta=max(0.051, 0.002 * float(s.group("mps"))), msg=msg)
        # timestamps: ISO 8601 UTC, consistent with the unix times and the wall clock
        started = iso_to_unix(stats["started_at"])
        finished = iso_to_unix(stats["finished_at"])
        self.assertLessEqual(started, finished, msg)
        self.assertLessEqual(stats["started_unix"], stats["finished_unix"], msg)
        self.assertLess(abs(started - stats["started_unix"]), 1.001, msg)
        self.assertLess(abs(finished - stats["finished_unix"]), 1.001, msg)
        self.assertGreaterEqual(stats["started_unix"], t0 - 2, msg)
        self.assertLessEqual(stats["finished_unix"], t1 + 2, msg)
        self.assertAlmostEqual(stats["seconds"], stats["finished_unix"] - stats["started_unix"],
                               delta=1.0, msg=msg)
        # per worker: as printed
        self.assertEqual(len(stats["per_worker"]), stats["workers"], msg)
        self.assertEqual([w["worker"] for w in stats["per_worker"]],
                         list(range(1, stats["workers"] + 1)), msg)
        self.assertEqual([w["jobs"] for w in stats["per_worker"]],
                         [int(w["files"]) for w in r.workers], msg)
        for w in stats["per_worker"]:
            self.assertEqual(set(w), {"worker", "jobs", "busy", "respawns"}, msg)
            self.assertTrue(0 <= w["busy"] <= 1, msg)
            self.assertEqual(w["respawns"], 0, msg)

    def check_mode(self, path):
        mode = os.stat(path).st_mode
        self.assertEqual(mode & 0o777, 0o644, "mode %o of %s" % (mode & 0o777, path))

    def assertOnly(self, directory, names, p=None):
        self.assertEqual(sorted(os.listdir(directory)), sorted(names),
                         "unexpected files (a temporary file left?)\n" + (describe(p) if p else ""))

    def read_metrics(self, path, p=None):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        try:
            fams = parse_metrics_strictly(text)
        except AssertionError as e:
            raise AssertionError("%s\n--- metrics file ---\n%s" % (e, text))
        self.check_with_prometheus_client(text, fams)
        return text, fams

    def check_with_prometheus_client(self, text, fams):
        if text_string_to_metric_families is None:
            return
        got = {}
        for fam in text_string_to_metric_families(text):
            self.assertNotIn(fam.name, got, text)
            got[fam.name] = fam
        self.assertEqual(set(got), set(fams), text)
        for name, fam in got.items():
            self.assertEqual(fam.type, "gauge", "%s\n%s" % (name, text))
            self.assertTrue(fam.documentation, "%s has no HELP text\n%s" % (name, text))
            lib = sorted((sorted(smp.labels.items()), smp.value) for smp in fam.samples)
            mine = sorted((sorted(l.items()), v) for l, v in fams[name]["samples"])
            self.assertEqual(lib, mine, "%s\n%s" % (name, text))
            for smp in fam.samples:
                self.assertEqual(smp.name, name, text)
                self.assertIsNone(smp.timestamp, text)

    def check_metric_shapes(self, text, fams, base, last_success):
        """Every metric a gauge with HELP; labels exactly base (+ status for files). The
        last success is always there (an alert on it must fire for a job that never
        succeeded): 0 when no success has been seen (last_success false)."""
        want = set(METRICS) | {LAST_SUCCESS}
        self.assertEqual(want - set(fams), set(), "metrics missing\n" + text)
        if not last_success:
            self.assertEqual(self.value(fams, LAST_SUCCESS), 0, text)
        else:
            self.assertGreater(self.value(fams, LAST_SUCCESS), 0, text)
        for name, fam in fams.items():
            self.assertTrue(name.startswith("imgbatch_"), text)
            self.assertEqual(fam["type"], "gauge", "%s\n%s" % (name, text))
            self.assertTrue(fam["help"], "%s has no HELP text\n%s" % (name, text))
            if name == "imgbatch_files":
                self.assertEqual(sorted(l["status"] for l, v in fam["samples"]),
                                 sorted(FILE_STATUSES), text)
                for labels, v in fam["samples"]:
                    self.assertEqual({k: x for k, x in labels.items() if k != "status"}, base,
                                     text)
            else:
                self.assertEqual([l for l, v in fam["samples"]], [base], "%s\n%s" % (name, text))

    @staticmethod
    def value(fams, name, status=None):
        for labels, v in fams[name]["samples"]:
            if status is None or labels.get("status") == status:
                return v
        raise KeyError((name, status))

    def check_metrics_against_stats(self, text, fams, stats):
        v = lambda name, status=None: self.value(fams, name, status)
        for status in FILE_STATUSES:
            self.assertEqual(v("imgbatch_files", status), stats[status], text)
        self.assertEqual(v("imgbatch_files_up_to_date"), stats["up_to_date"], text)
        self.assertEqual(v("imgbatch_files_failed_before"), stats["failed_before"], text)
        self.assertEqual(v("imgbatch_outputs_pruned"), stats["pruned"], text)
        self.assertEqual(v("imgbatch_input_bytes"), stats["input_bytes"], text)
        self.assertEqual(v("imgbatch_output_bytes"), stats["output_bytes"], text)
        self.assertEqual(v("imgbatch_workers"), stats["workers"], text)
        self.assertEqual(v("imgbatch_exit_status"), stats["exit_status"], text)
        # the run's wall-clock time: start to finish (stats' "seconds" may leave out the
        # scan before the pool starts, so it is only close)
        self.assertAlmostEqual(v("imgbatch_duration_seconds"),
                               stats["finished_unix"] - stats["started_unix"], delta=0.01,
                               msg=text)
        self.assertAlmostEqual(v("imgbatch_duration_seconds"), stats["seconds"], delta=1.0,
                               msg=text)
        self.assertGreaterEqual(v("imgbatch_duration_seconds"), 0, text)
        self.assertAlmostEqual(v("imgbatch_images_per_second"), stats["images_per_sec"],
                               delta=max(0.01, 0.001 * stats["images_per_sec"]), msg=text)
        self.assertAlmostEqual(v("imgbatch_megapixels_per_second"),
                               stats["megapixels_per_sec"],
                               delta=max(0.01, 0.001 * stats["megapixels_per_sec"]), msg=text)
        self.assertAlmostEqual(v(LAST_RUN), stats["finished_unix"], delta=1.001, msg=text)


class StatsFileTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.make_batch()
        self.stats = os.path.join(self.reports, "stats.json")

    def test_stats_after_a_run(self):
        r, t0, t1 = self.run_timed(["resize", self.inp, self.out, "-s", "16x16", "-j", "2",
                                    "--stats-file", self.stats])
        self.assertExit(r.proc, 1)
        self.assertEqual(r.summary["ok"], "3", describe(r.proc))
        self.assertEqual(r.summary["failed"], "1", describe(r.proc))
        self.assertEqual(r.summary["skipped"], "1", describe(r.proc))
        self.assertEqual(r.err_other, [], describe(r.proc))
        stats = self.load_stats(self.stats, r.proc)
        self.check_stats(stats, r, t0, t1, self.inp, self.out)
        self.assertEqual((stats["ok"], stats["failed"], stats["skipped"], stats["total"]),
                         (3, 1, 1, 5))
        self.assertEqual(stats["exit_status"], 1)
        self.assertEqual(stats["op"], "resize")
        self.assertEqual(stats["input_bytes"],
                         sum(os.path.getsize(self.path("in", n))
                             for n in ("big.jpg", "mid.jpg", "small.png")))
        self.assertEqual(stats["output_bytes"],
                         sum(os.path.getsize(os.path.join(self.out, n))
                             for n in visible_files(self.out)))
        self.check_mode(self.stats)
        self.assertOnly(self.reports, ["stats.json"], r.proc)

    def test_overwritten_by_the_next_run(self):
        r1, _, _ = self.run_timed(["resize", self.inp, self.out, "-s", "16x16",
                                   "--stats-file", self.stats])
        self.assertExit(r1.proc, 1)
        self.assertEqual(self.load_stats(self.stats)["failed"], 1)
        os.unlink(self.path("in", "broken.jpg"))
        out2 = self.path("out2")
        r2, t0, t1 = self.run_timed(["grayscale", self.inp, out2, "-j", "1",
                                     "--stats-file", self.stats])
        self.assertExit(r2.proc, 0)
        stats = self.load_stats(self.stats, r2.proc)  # one object: not appended
        self.check_stats(stats, r2, t0, t1, self.inp, out2)
        self.assertEqual((stats["op"], stats["ok"], stats["failed"], stats["exit_status"]),
                         ("grayscale", 3, 0, 0))
        self.check_mode(self.stats)
        self.assertOnly(self.reports, ["stats.json"], r2.proc)

    def test_mode_ignores_a_tight_umask(self):
        """Mode 0644 (the design's word) even under umask 077: the file is for other
        users' readers (a node_exporter, a dashboard)."""
        p = run(["resize", self.inp, self.out, "-s", "16x16", "--stats-file", self.stats],
                preexec_fn=lambda: os.umask(0o077))
        self.assertExit(p, 1)
        self.check_mode(self.stats)

    def test_not_written_on_usage_errors(self):
        cases = [
            ["resize", self.inp, self.out, "--size", "0x0"],
            ["resize", self.inp, self.out, "--shard", "0/4"],
            ["resize", self.inp, self.out, "--bogus-option"],
            ["resize", self.path("no-such-input"), self.out],
            ["resize", self.inp, self.inp],
            ["bench", self.inp, "--repeat", "1"],
        ]
        for args in cases:
            for existing in (False, True):
                with self.subTest(args=args, existing=existing):
                    if existing:
                        write(self.stats, "previous\n")
                    elif os.path.exists(self.stats):
                        os.unlink(self.stats)
                    p = run(args + ["--stats-file", self.stats])
                    self.assertExit(p, 2)
                    self.assertTrue(p.err.startswith("imgbatch: "), describe(p))
                    if existing:
                        with open(self.stats) as f:
                            self.assertEqual(f.read(), "previous\n", describe(p))
                    else:
                        self.assertFalse(os.path.exists(self.stats), describe(p))
                    self.assertFalse(os.path.exists(self.out), describe(p))
                    self.assertOnly(self.reports, ["stats.json"] if existing else [], p)

    def test_not_written_when_output_is_busy(self):
        os.makedirs(self.out)
        metrics = os.path.join(self.reports, "m.prom")
        with open(os.path.join(self.out, ".imgbatch.lock"), "a+b") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            p = run(["resize", self.inp, self.out, "--stats-file", self.stats,
                     "--metrics-file", metrics])
        self.assertExit(p, 75)
        self.assertEqual(p.out, "")
        self.assertOnly(self.reports, [], p)

    def test_up_to_date_counted(self):
        args = ["resize", self.inp, self.out, "-s", "16x16", "--incremental",
                "--stats-file", self.stats]
        r1, _, _ = self.run_timed(args)
        self.assertExit(r1.proc, 1)
        r2, t0, t1 = self.run_timed(args)
        self.assertExit(r2.proc, 0)  # the damaged file failed before, and has not changed
        stats = self.load_stats(self.stats, r2.proc)
        self.assertEqual((stats["ok"], stats["failed"], stats["up_to_date"],
                          stats["failed_before"]), (0, 0, 3, 1), describe(r2.proc))
        self.assertEqual(stats["skipped"], 5)  # notes.txt, the 3 up to date, the one failed
        self.assertEqual((stats["input_bytes"], stats["output_bytes"]), (0, 0))
        r3, _, _ = self.run_timed(args + ["--retry-failed"])
        self.assertExit(r3.proc, 1)  # retried: it fails again
        stats = self.load_stats(self.stats, r3.proc)
        self.assertEqual((stats["failed"], stats["up_to_date"], stats["failed_before"]),
                         (1, 3, 0), describe(r3.proc))


class MetricsFileTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.make_batch(damaged=False)
        self.metrics = os.path.join(self.reports, "imgbatch.prom")
        self.stats = os.path.join(self.reports, "stats.json")

    def test_metrics_after_a_run(self):
        damaged_jpeg(self.path("in", "broken.jpg"))
        r, t0, t1 = self.run_timed(["resize", self.inp, self.out, "-s", "16x16", "-j", "2",
                                    "--metrics-file", self.metrics, "--stats-file", self.stats])
        self.assertExit(r.proc, 1)
        stats = self.load_stats(self.stats, r.proc)
        self.check_stats(stats, r, t0, t1, self.inp, self.out)
        text, fams = self.read_metrics(self.metrics)
        base = {"op": "resize", "output": self.out}
        # this is the first run and it failed: no success has been seen yet, which says 0
        self.check_metric_shapes(text, fams, base, last_success=False)
        self.assertIn('\n%s{op="resize",output="%s"} 0.000\n' % (LAST_SUCCESS, self.out), text)
        self.check_metrics_against_stats(text, fams, stats)
        self.assertEqual(self.value(fams, "imgbatch_files", "ok"), 3, text)
        self.assertEqual(self.value(fams, "imgbatch_files", "failed"), 1, text)
        self.assertEqual(self.value(fams, "imgbatch_files", "skipped"), 1, text)
        self.assertEqual(self.value(fams, "imgbatch_exit_status"), 1, text)
        self.assertTrue(t0 - 2 <= self.value(fams, LAST_RUN) <= t1 + 2, text)
        self.check_mode(self.metrics)
        self.assertOnly(self.reports, ["imgbatch.prom", "stats.json"], r.proc)

    def test_last_success_carried_over(self):
        args = ["thumbnail", self.inp, self.out, "-s", "8", "--metrics-file", self.metrics]
        # 1: exits 0, so the last success is this run
        r1, t0, t1 = self.run_timed(args)
        self.assertExit(r1.proc, 0)
        text1, fams1 = self.read_metrics(self.metrics)
        self.check_metric_shapes(text1, fams1, {"op": "thumbnail", "output": self.out}, True)
        run1 = self.value(fams1, LAST_RUN)
        success1 = self.value(fams1, LAST_SUCCESS)
        self.assertAlmostEqual(success1, run1, delta=0.001, msg=text1)
        self.assertTrue(t0 - 2 <= run1 <= t1 + 2, text1)
        self.assertEqual(self.value(fams1, "imgbatch_exit_status"), 0, text1)
        # 2: a damaged file makes it exit 1: the last success stays, the last run moves on
        damaged_jpeg(self.path("in", "broken.jpg"))
        r2, t0, t1 = self.run_timed(args)
        self.assertExit(r2.proc, 1)
        text2, fams2 = self.read_metrics(self.metrics)
        self.check_metric_shapes(text2, fams2, {"op": "thumbnail", "output": self.out}, True)
        self.assertEqual(self.value(fams2, LAST_SUCCESS), success1, text2)
        run2 = self.value(fams2, LAST_RUN)
        self.assertGreaterEqual(run2, run1, text2)
        self.assertTrue(t0 - 2 <= run2 <= t1 + 2, text2)
        self.assertEqual(self.value(fams2, "imgbatch_exit_status"), 1, text2)
        self.assertEqual(self.value(fams2, "imgbatch_files", "failed"), 1, text2)
        # 3: the previous file says the last success was long ago (the value is carried
        # over from the file): a failing run keeps it, the last run is now
        old = 1600000000.5
        with open(self.metrics) as f:
            lines = f.read().split("\n")
        lines = [re.sub(r" \S+$", " %r" % old, l)
                 if l.startswith((LAST_SUCCESS + "{", LAST_RUN + "{")) else l for l in lines]
        with open(self.metrics, "w") as f:
            f.write("\n".join(lines))
        r3, t0, t1 = self.run_timed(args)
        self.assertExit(r3.proc, 1)
        text3, fams3 = self.read_metrics(self.metrics)
        self.assertEqual(self.value(fams3, LAST_SUCCESS), old, text3)
        self.assertTrue(t0 - 2 <= self.value(fams3, LAST_RUN) <= t1 + 2, text3)
        # 4: exits 0 again: the last success is this run
        os.unlink(self.path("in", "broken.jpg"))
        r4, t0, t1 = self.run_timed(args)
        self.assertExit(r4.proc, 0)
        text4, fams4 = self.read_metrics(self.metrics)
        self.assertTrue(t0 - 2 <= self.value(fams4, LAST_SUCCESS) <= t1 + 2, text4)
        self.assertAlmostEqual(self.value(fams4, LAST_SUCCESS), self.value(fams4, LAST_RUN),
                               delta=0.001, msg=text4)
        self.assertOnly(self.reports, ["imgbatch.prom"], r4.proc)

    def test_output_label_escaped(self):
        """OUTPUT with a double quote, a backslash followed by n, and a real newline."""
        out = os.path.join(self.tmp, 'we"ird\\na\nme')
        r, t0, t1 = self.run_timed(["resize", self.inp, out, "-s", "16x16",
                                    "--metrics-file", self.metrics, "--stats-file", self.stats])
        self.assertExit(r.proc, 0)
        text, fams = self.read_metrics(self.metrics)
        self.check_metric_shapes(text, fams, {"op": "resize", "output": out}, True)
        self.assertIn('output="%s"' % out.replace("\\", "\\\\").replace('"', '\\"')
                      .replace("\n", "\\n"), text)
        for line in text.split("\n"):
            self.assertTrue(line == "" or line.startswith("#") or line.startswith("imgbatch_"),
                            "a raw newline split a sample line: %r\n%s" % (line, text))
        parsed = {l["output"] for fam in fams.values() for l, v in fam["samples"]}
        self.assertEqual(parsed, {out}, text)
        if text_string_to_metric_families is not None:
            parsed = {smp.labels["output"] for fam in text_string_to_metric_families(text)
                      for smp in fam.samples}
            self.assertEqual(parsed, {out}, text)
        stats = self.load_stats(self.stats, r.proc)
        self.assertEqual(stats["output"], out)
        self.check_metrics_against_stats(text, fams, stats)

    def test_sharded_run_has_a_shard_label(self):
        names = ["s%02d.png" % i for i in range(12)]
        for n in names:
            png(self.path("in", n), (20, 20))
        images = names + ["big.jpg", "mid.jpg", "small.png"]
        want = sorted(n for n in images if fnv1a_shard(n, 2) == 1)
        skipped = int(fnv1a_shard("notes.txt", 2) == 1)
        self.assertTrue(want)
        r, t0, t1 = self.run_timed(["resize", self.inp, self.out, "-s", "8x8", "--shard", "1/2",
                                    "--metrics-file", self.metrics, "--stats-file", self.stats])
        self.assertExit(r.proc, 0)
        self.assertEqual(sorted(os.path.basename(o["input"]) for o in r.ok), want,
                         describe(r.proc))
        stats = self.load_stats(self.stats, r.proc)
        self.check_stats(stats, r, t0, t1, self.inp, self.out, shard="1/2")
        self.assertTrue(r.proc.out.split("\n")[-len(r.workers) - 2].startswith(
            "resize (shard 1/2): "), describe(r.proc))
        self.assertEqual((stats["ok"], stats["skipped"]), (len(want), skipped))
        text, fams = self.read_metrics(self.metrics)
        self.check_metric_shapes(text, fams, {"op": "resize", "output": self.out,
                                              "shard": "1/2"}, True)
        self.check_metrics_against_stats(text, fams, stats)

    @unittest.skipIf(text_string_to_metric_families is None,
                     "prometheus_client is missing (Debian: python3-prometheus-client); "
                     "the other tests check the format by hand only")
    def test_prometheus_client_parses(self):
        damaged_jpeg(self.path("in", "broken.jpg"))
        r, _, _ = self.run_timed(["sepia", self.inp, self.out, "--shard", "2/3",
                                  "--metrics-file", self.metrics])
        self.assertIn(r.proc.returncode, (0, 1), describe(r.proc))
        with open(self.metrics) as f:
            text = f.read()
        fams = {f.name: f for f in text_string_to_metric_families(text)}
        self.assertEqual(set(METRICS) - set(fams), set(), text)
        for name, fam in fams.items():
            self.assertEqual(fam.type, "gauge", text)
            self.assertTrue(fam.documentation, text)
            for smp in fam.samples:
                self.assertEqual(smp.labels.get("shard"), "2/3", text)
                self.assertEqual(smp.labels.get("op"), "sepia", text)
        self.assertEqual(fams["imgbatch_exit_status"].samples[0].value, r.proc.returncode)

    def test_no_shard_label_without_shard(self):
        r, _, _ = self.run_timed(["resize", self.inp, self.out, "--metrics-file", self.metrics])
        self.assertExit(r.proc, 0)
        text, fams = self.read_metrics(self.metrics)
        self.assertNotIn("shard", text)
        self.check_metric_shapes(text, fams, {"op": "resize", "output": self.out}, True)


class AtomicWriteTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.make_batch()

    def check_replaced(self, option, name):
        target = os.path.join(self.reports, name)
        write(target, "old contents, a previous run's\n")
        keep = self.path("keep-" + name)   # keeps the old inode allocated and readable
        os.link(target, keep)
        old_ino = os.stat(target).st_ino
        p = run(["resize", self.inp, self.out, "-s", "16x16", option, target])
        self.assertExit(p, 1)
        self.assertNotEqual(os.stat(target).st_ino, old_ino,
                            "%s rewritten in place, not renamed over" % name)
        with open(keep) as f:
            self.assertEqual(f.read(), "old contents, a previous run's\n",
                             "the old file was written through")
        self.assertOnly(self.reports, [name], p)
        self.assertEqual([n for n in os.listdir(self.reports) if n.endswith(".tmp")], [])
        self.check_mode(target)
        return target

    def test_stats_file_replaced(self):
        target = self.check_replaced("--stats-file", "stats.json")
        self.assertEqual(self.load_stats(target)["failed"], 1)

    def test_metrics_file_replaced(self):
        target = self.check_replaced("--metrics-file", "imgbatch.prom")
        with open(target) as f:
            text = f.read()
        fams = parse_metrics_strictly(text)
        self.assertEqual(self.value(fams, "imgbatch_files", "failed"), 1, text)

    def check_missing_directory(self, option):
        os.unlink(self.path("in", "broken.jpg"))  # else the run fails anyway
        target = self.path("no-such-dir", "report")
        p = run(["resize", self.inp, self.out, "-s", "16x16", option, target])
        self.assertNotEqual(p.returncode, 0, describe(p))
        self.assertIn(p.returncode, (1, 2), describe(p))
        lines = p.err.split("\n")
        self.assertEqual(lines[-1], "", describe(p))
        self.assertEqual(len(lines), 2, "one line on stderr\n" + describe(p))
        self.assertTrue(lines[0].startswith("imgbatch: "), describe(p))
        self.assertIn(target, lines[0], describe(p))
        self.assertFalse(os.path.exists(self.path("no-such-dir")))
        self.assertNoTempFiles(self.reports, p)
        if os.path.isdir(self.out):
            self.assertEqual([n for n in os.listdir(self.out) if n.endswith(".tmp")], [])
        return p

    def test_stats_file_in_missing_directory(self):
        self.check_missing_directory("--stats-file")

    def test_metrics_file_in_missing_directory(self):
        self.check_missing_directory("--metrics-file")


class ProgressTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i in range(40):
            png(self.path("in", "p%02d.png" % i), (16 + i, 12), (i * 6, 50, 100))
        self.out = self.path("out")
        self.args = ["resize", self.inp, self.out, "-s", "8x8", "-j", "1"]

    def test_progress_on_a_terminal(self):
        p = run_pty(self.args)
        self.assertExit(p, 0)
        err = p.err
        self.assertRegex(err, PROGRESS_40_RE)
        self.assertIn("\r", err)
        self.assertIn("\x1b[K", err)
        self.assertNotIn("\n", err, "the progress line is redrawn in place")
        self.assertNotIn("\u2713", err, "report lines belong on stdout")
        # the terminal is left clean: the last thing written erases the line
        self.assertEqual(err[err.rfind("\r") + 1:], "\x1b[K", repr(err[-300:]))
        draws = [m for m in PROGRESS_RE.finditer(err)]
        self.assertTrue(draws, repr(err[:300]))
        done = [int(m.group("done")) for m in draws]
        self.assertEqual(done, sorted(done), "progress goes backwards")
        for m in draws:
            self.assertEqual((m.group("op"), m.group("total")), ("resize", "40"))
            self.assertTrue(0 <= int(m.group("pct")) <= 100, m.group(0))
            self.assertIsNone(m.group("failed"), m.group(0))
        # stdout holds the report alone, with no terminal codes
        self.assertNotIn("\r", p.out)
        self.assertNotIn("\x1b", p.out)
        r = helpers.TextRun(p)
        self.assertEqual(len(r.ok), 40, describe(p))
        self.assertEqual(r.other, [], describe(p))

    def test_window_resized_during_the_run(self):
        """The width is read again on SIGWINCH: once the window narrows from 200 columns to
        40, every redraw fits in 39, the rate gone first.  Two files that take a second each
        (the fault library's slow decoder) keep the run going while the window changes."""
        for n in ("slow-decoder-1.png", "slow-decoder-2.png"):
            png(self.path("in", n), (400, 300), (200, 30, 30))
        narrowed_at = []

        def narrow(p, slave, chunks):
            wide = helpers.wait_for(lambda: b"images/s" in b"".join(chunks), 30)
            self.assertTrue(wide, "no progress line drawn")
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 40, 0, 0))
            narrowed_at.append(len(b"".join(chunks)))
            os.kill(p.pid, signal.SIGWINCH)

        p = run_pty(self.args, env=helpers.fault_env(), during=narrow)
        self.assertEqual(p.returncode, 0, p.out)
        before = p.stderr[:narrowed_at[0]].decode()
        after = p.stderr[narrowed_at[0]:].decode()
        self.assertRegex(before, r"resize \d+/42 \d+% \| [0-9.]+ images/s \| ETA")
        draws = [d for d in re.split(r"\r\x1b\[K", after) if d]
        self.assertTrue(draws, repr(after[:300]))
        for d in draws:
            self.assertLessEqual(len(d), 39, repr(d))
            self.assertNotIn("images/s", d)
        self.assertTrue(any(re.match(r"resize \d+/42 \d+% \| ETA", d) for d in draws),
                        repr(after[:300]))

    def test_report_unchanged_by_progress(self):
        with_progress = run_pty(self.args)
        self.assertExit(with_progress, 0)
        self.assertRegex(with_progress.err, PROGRESS_40_RE)
        plain = run(self.args[:2] + [self.path("out2")] + self.args[3:])
        self.assertExit(plain, 0)
        self.assertEqual(normalised_report(with_progress.out.replace(self.out, "OUT")),
                         normalised_report(plain.out.replace(self.path("out2"), "OUT")))

    def test_failed_count_shown(self):
        damaged_jpeg(self.path("in", "broken.jpg"))  # the largest: sent first with -j 1
        p = run_pty(self.args)
        self.assertExit(p, 1)
        self.assertRegex(p.err, r"resize \d+/41 \d+% \| [0-9.]+ images/s \| ETA [^|\r]*\| "
                                r"1 failed")
        self.assertNotIn("0 failed", p.err)
        # The failure line itself is on the terminal (the progress line, if drawn yet,
        # erased before it).
        self.assertRegex(p.err, r"(?:^|\r\x1b\[K)\u2717 [^\r\n]*broken\.jpg: [^\r\n]*\n")
        self.assertEqual(p.err.count("\n"), 1, repr(p.err[-200:]))
        self.assertEqual(p.err[p.err.rfind("\r") + 1:], "\x1b[K", repr(p.err[-300:]))
        # With --json the failures went to the pipe with the rest: the terminal is told, in
        # one line, once the line is gone.
        p = run_pty(self.args + ["--json"])
        self.assertExit(p, 1)
        self.assertTrue(p.err.endswith("\r\x1b[Kimgbatch: resize: 1 of 41 files failed "
                                       "(see the report)\n"), repr(p.err[-200:]))
        self.assertEqual(p.err.count("\n"), 1, repr(p.err[-200:]))

    def test_fits_a_narrow_terminal(self):
        """At 40 columns no drawing reaches the last column (a wrapped line is never
        erased); the rate goes first.  At 120 everything shows."""
        narrow = run_pty(self.args, columns=40)
        self.assertExit(narrow, 0)
        draws = [d for d in narrow.err.split("\r\x1b[K") if d]
        self.assertTrue(draws, repr(narrow.err[:200]))
        for d in draws:
            self.assertLessEqual(len(d), 39, repr(d))
        self.assertNotIn("images/s", narrow.err)
        self.assertRegex(narrow.err, r"resize \d+/40 \d+% \| ETA ")
        wide = run_pty(self.args, columns=120)
        self.assertExit(wide, 0)
        self.assertRegex(wide.err, PROGRESS_40_RE)

    def test_no_progress_on_a_pipe(self):
        p = run(self.args)
        self.assertExit(p, 0)
        self.assertEqual(p.err, "")

    def test_no_progress_option(self):
        p = run_pty(self.args + ["--no-progress"])
        self.assertExit(p, 0)
        self.assertEqual(p.err, "")

    def test_progress_option_forces_it(self):
        p = run(self.args + ["--progress"])
        self.assertExit(p, 0)
        self.assertRegex(p.err, PROGRESS_40_RE)
        self.assertIn("\r", p.err)
        self.assertIn("\x1b[K", p.err)
        r = helpers.TextRun(p)
        self.assertEqual(len(r.ok), 40, describe(p))
        self.assertEqual(r.other, [], describe(p))


class DryRunTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        noise_jpeg(self.path("in", "a.jpg"), (60, 40))
        png(self.path("in", "b.png"))
        write(self.path("in", "notes.txt"), "text\n")
        write(self.path("in", "fake.jpg"), "this is text, not a JPEG\n")
        os.mkfifo(self.path("in", "fifo.jpg"))
        self.out = self.path("out")

    def parse_dry(self, p):
        found = {"process": {}, "skip": {}, "utd": {}, "refuse": {}, "summary": None}
        for line in p.out.split("\n")[:-1]:
            for kind, rx in (("process", DRY_PROCESS_RE), ("utd", DRY_SKIP_UTD_RE),
                             ("skip", DRY_SKIP_RE), ("refuse", DRY_REFUSE_RE)):
                m = rx.match(line)
                if m:
                    d = m.groupdict()
                    name = os.path.relpath(unquote_name(d["input"]), self.inp)
                    self.assertNotIn(name, found[kind], "listed twice\n" + describe(p))
                    found[kind][name] = d
                    break
            else:
                m = DRY_SUMMARY_RE.match(line)
                self.assertTrue(m, "unexpected line %r\n%s" % (line, describe(p)))
                self.assertIsNone(found["summary"], describe(p))
                found["summary"] = m.groupdict()
        self.assertTrue(p.out.endswith("\n"), describe(p))
        self.assertIsNotNone(found["summary"], describe(p))
        self.assertTrue(DRY_SUMMARY_RE.match(p.out.split("\n")[-2]), "summary last\n"
                        + describe(p))
        return found

    def test_text(self):
        for flag in ("-n", "--dry-run"):
            with self.subTest(flag=flag):
                p = run(["resize", self.inp, self.out, flag], timeout=60)
                self.assertExit(p, 1)
                self.assertEqual(p.err, "")
                d = self.parse_dry(p)
                self.assertEqual(sorted(d["process"]), ["a.jpg", "b.png"], describe(p))
                for name, rec in d["process"].items():
                    self.assertEqual(unquote_name(rec["output"]), os.path.join(self.out, name))
                self.assertEqual({k: v["reason"] for k, v in d["skip"].items()},
                                 {"notes.txt": "not an image file by its extension"})
                self.assertEqual(d["utd"], {})
                self.assertEqual(sorted(d["refuse"]), ["fake.jpg", "fifo.jpg"], describe(p))
                self.assertEqual(d["refuse"]["fifo.jpg"]["error"], "not a regular file: a FIFO")
                self.assertTrue(d["refuse"]["fake.jpg"]["error"].startswith("not a JPEG file"),
                                describe(p))
                self.assertEqual(d["summary"], {"process": "2", "skip": "1",
                                                "up_to_date": None, "refused": "2"},
                                 describe(p))
                self.assertFalse(os.path.exists(self.out), "OUTPUT created by a dry run")

    def test_nothing_refused_exits_0(self):
        os.unlink(self.path("in", "fake.jpg"))
        os.unlink(self.path("in", "fifo.jpg"))
        p = run(["resize", self.inp, self.out, "--dry-run"], timeout=60)
        self.assertExit(p, 0)
        d = self.parse_dry(p)
        self.assertEqual(d["summary"], {"process": "2", "skip": "1", "up_to_date": None,
                                        "refused": "0"})
        self.assertFalse(os.path.exists(self.out))

    def test_json(self):
        r = run_json(["resize", self.inp, self.out, "--dry-run"], timeout=60)
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        self.assertEqual(len(recs), len(r.records), "a file listed twice")
        self.assertEqual({k: v["status"] for k, v in recs.items()},
                         {"a.jpg": "would_process", "b.png": "would_process",
                          "notes.txt": "skipped", "fake.jpg": "refused", "fifo.jpg": "refused"})
        for n in ("a.jpg", "b.png"):
            self.assertEqual(recs[n]["output"], os.path.join(self.out, n))
            self.assertEqual(recs[n]["input"], os.path.join(self.inp, n))
        self.assertEqual(recs["notes.txt"]["reason"], "not an image file by its extension")
        self.assertEqual(recs["fifo.jpg"]["error"], "not a regular file: a FIFO")
        self.assertTrue(recs["fake.jpg"]["error"].startswith("not a JPEG file"))
        want = {"dry_run": True, "op": "resize", "total": 5, "would_process": 2, "skipped": 1,
                "up_to_date": 0, "refused": 2}
        self.assertEqual({k: r.summary.get(k) for k in want}, want, r.summary)
        self.assertFalse(os.path.exists(self.out))

    def test_clash_refused(self):
        png(self.path("in", "c.png"))
        Image.new("RGB", (10, 10)).save(self.path("in", "c.bmp"))
        r = run_json(["resize", self.inp, self.out, "-n"], timeout=60)
        self.assertExit(r.proc, 1)
        recs = r.by_name()
        for n in ("c.png", "c.bmp"):
            self.assertEqual(recs[n]["status"], "refused", recs[n])
            self.assertIn("clash", recs[n]["error"])
        self.assertEqual(r.summary["refused"], 4)

    def test_writes_nothing(self):
        """No OUTPUT changes, no lock, no stats or metrics file."""
        os.makedirs(self.out)
        png(os.path.join(self.out, "unrelated.png"))
        before = os.stat(self.out).st_mtime_ns
        reports = self.mkdir("reports")
        p = run(["resize", self.inp, self.out, "-n", "--incremental",
                 "--stats-file", os.path.join(reports, "s.json"),
                 "--metrics-file", os.path.join(reports, "m.prom")], timeout=60)
        self.assertExit(p, 1)
        self.assertEqual(os.listdir(self.out), ["unrelated.png"])
        self.assertEqual(os.stat(self.out).st_mtime_ns, before)
        self.assertEqual(os.listdir(reports), [])

    def test_up_to_date_listed(self):
        os.unlink(self.path("in", "fake.jpg"))
        os.unlink(self.path("in", "fifo.jpg"))
        p = run(["resize", self.inp, self.out, "-s", "16x16", "--incremental"])
        self.assertExit(p, 0)
        png(self.path("in", "new.png"))
        p = run(["resize", self.inp, self.out, "-s", "16x16", "--incremental", "-n"])
        self.assertExit(p, 0)
        d = self.parse_dry(p)
        self.assertEqual(sorted(d["utd"]), ["a.jpg", "b.png"], describe(p))
        for name, rec in d["utd"].items():
            self.assertEqual(unquote_name(rec["output"]), os.path.join(self.out, name))
        self.assertEqual(sorted(d["process"]), ["new.png"], describe(p))
        self.assertEqual(sorted(d["skip"]), ["notes.txt"], describe(p))
        self.assertEqual(d["summary"], {"process": "1", "skip": "3", "up_to_date": "2",
                                        "refused": "0"}, describe(p))
        self.assertFalse(os.path.exists(self.path("out", "new.png")))
        r = run_json(["resize", self.inp, self.out, "-s", "16x16", "--incremental", "-n"])
        self.assertExit(r.proc, 0)
        recs = r.by_name()
        self.assertEqual((recs["a.jpg"]["status"], recs["a.jpg"]["reason"]),
                         ("skipped", "up to date"))
        self.assertEqual(recs["new.png"]["status"], "would_process")
        want = {"dry_run": True, "total": 4, "would_process": 1, "skipped": 3, "up_to_date": 2,
                "refused": 0}
        self.assertEqual({k: r.summary.get(k) for k in want}, want, r.summary)


class FilesFromTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for n in ("a.jpg", "d.jpg"):
            noise_jpeg(self.path("in", n), (30, 20))
        for n in ("sub/b.png", "c.png", "notlisted.png", "sub/notlisted2.png"):
            png(self.path("in", n))
        noise_jpeg(self.path("escape.jpg"), (30, 20))   # exists, but outside INPUT
        self.out = self.path("out")

    def test_list_file(self):
        absolute = self.path("in", "a.jpg")
        lst = self.path("list.txt")
        write(lst, "a.jpg\nsub/b.png\n./c.png\na.jpg\nmissing.jpg\n../escape.jpg\n"
                   + absolute + "\n\nd.jpg\n")
        r = run_json(["resize", self.inp, self.out, "-s", "10x10", "--files-from", lst])
        self.assertExit(r.proc, 1)
        ok = sorted(os.path.relpath(x["input"], self.inp) for x in r.by_status("ok"))
        self.assertEqual(ok, ["a.jpg", "c.png", "d.jpg", "sub/b.png"], describe(r.proc))
        for x in r.by_status("ok"):
            rel = os.path.relpath(x["input"], self.inp)
            self.assertEqual(x["output"], os.path.join(self.out, rel))
        failed = {x["input"]: x["error"] for x in r.by_status("failed")}
        self.assertEqual(len(failed), 3, describe(r.proc))
        errors = {}
        for name, err in failed.items():
            if name.endswith("missing.jpg"):
                errors["missing"] = err
            elif name.endswith("../escape.jpg"):
                errors["escape"] = err
            elif name.endswith(absolute):
                errors["absolute"] = err
        self.assertEqual(errors, {"missing": NO_SUCH, "escape": NOT_INSIDE,
                                  "absolute": NOT_INSIDE}, describe(r.proc))
        self.assertEqual(r.by_status("skipped"), [])
        self.assertEqual((r.summary["ok"], r.summary["failed"], r.summary["total"]), (4, 3, 7))
        self.assertEqual(visible_files(self.out),
                         ["a.jpg", "c.png", "d.jpg", "sub/b.png"])
        self.assertEqual([n for n in helpers.hidden_files(self.out) if n.endswith(".tmp")], [],
                         describe(r.proc))

    def test_text_wording(self):
        lst = self.path("list.txt")
        write(lst, "missing.jpg\n../escape.jpg\nc.png\n")
        r = run_text(["resize", self.inp, self.out, "--files-from", lst])
        self.assertExit(r.proc, 1)
        self.assertEqual([os.path.basename(x["input"]) for x in r.ok], ["c.png"])
        got = sorted((x["input"], x["error"]) for x in r.failed)
        self.assertEqual(got, sorted([(os.path.join(self.inp, "missing.jpg"), NO_SUCH),
                                      (os.path.join(self.inp, "../escape.jpg"), NOT_INSIDE)]),
                         describe(r.proc))
        self.assertEqual(r.other, [], describe(r.proc))

    def test_stdin(self):
        r = run_json(["resize", self.inp, self.out, "--files-from", "-"],
                     input=b"c.png\nsub/b.png\n")
        self.assertExit(r.proc, 0)
        self.assertEqual(sorted(os.path.relpath(x["input"], self.inp) for x in r.records),
                         ["c.png", "sub/b.png"])
        self.assertEqual(visible_files(self.out), ["c.png", "sub/b.png"])

    def test_null_separated(self):
        odd = "new\nline.png"
        png(self.path("in", odd))
        lst = self.path("list0")
        write(lst, b"c.png\0" + os.fsencode(odd) + b"\0sub/b.png\0")
        for flag in ("-0", "--null"):
            with self.subTest(flag=flag):
                out = self.path("out" + flag)
                r = run_json(["resize", self.inp, out, "--files-from", lst, flag])
                self.assertExit(r.proc, 0)
                self.assertEqual(sorted(os.path.relpath(x["input"], self.inp)
                                        for x in r.records), sorted(["c.png", odd, "sub/b.png"]))
                self.assertEqual(visible_files(out), sorted(["c.png", odd, "sub/b.png"]))
        # and from stdin
        out = self.path("out-stdin")
        with open(lst, "rb") as f:
            r = run_json(["resize", self.inp, out, "-0", "--files-from", "-"], stdin=f)
        self.assertExit(r.proc, 0)
        self.assertEqual(visible_files(out), sorted(["c.png", odd, "sub/b.png"]))

    def test_non_images_and_directories_skipped(self):
        write(self.path("in", "notes.txt"), "x\n")
        lst = self.path("list.txt")
        write(lst, "notes.txt\nsub\nc.png\n")
        r = run_json(["resize", self.inp, self.out, "--files-from", lst])
        self.assertExit(r.proc, 0)
        recs = {os.path.relpath(x["input"], self.inp): x["status"] for x in r.records}
        self.assertEqual(recs, {"notes.txt": "skipped", "sub": "skipped", "c.png": "ok"})
        self.assertEqual(visible_files(self.out), ["c.png"])

    def test_input_must_be_a_directory(self):
        lst = self.path("list.txt")
        write(lst, "a.jpg\n")
        p = run(["resize", self.path("in", "a.jpg"), self.out, "--files-from", lst])
        self.assertExit(p, 2)
        self.assertTrue(p.err.startswith("imgbatch: "), describe(p))
        self.assertIn("--files-from", p.err, describe(p))
        self.assertEqual(p.out, "")
        self.assertEqual(visible_files(self.out) if os.path.isdir(self.out) else [], [])


# ---------------------------------------------------------------- review regressions

STATE_HEADER = "imgbatch-state 1"
# A record of OUTPUT/.imgbatch-state (src/app/state.c): OUT_REL_HEX IN_REL_HEX OPTIONS_HASH
# IN_SIZE IN_MTIME IN_CTIME IN_INO OUT_SIZE OUT_MTIME OUT_INO, times as SECONDS.NANOSECONDS.
STATE_RECORD_RE = re.compile(r"^(?P<out>[0-9a-f]+) [0-9a-f]+ [0-9a-f]+ \d+ \d+\.\d+ \d+\.\d+ "
                             r"\d+ \d+ \d+\.\d+ \d+$")
# A file that failed by its own fault, and which INPUT the records after it were made from.
STATE_FAILED_RE = re.compile(r"^failed (?P<out>[0-9a-f]+) [0-9a-f]+ [0-9a-f]+ \d+ \d+\.\d+ "
                             r"\d+\.\d+ \d+ [0-9a-f]+$")
STATE_INPUT_RE = re.compile(r"^input [0-9a-f]+$")
# The size of the output recorded just before it (for --manifest).
STATE_SIZE_RE = re.compile(r"^size [0-9a-f]+ [1-9]\d* [1-9]\d*$")


def closing(*fds):
    """A preexec_fn that really closes fds in the child (stdin=DEVNULL would leave
    descriptor 0 open, on /dev/null)."""
    def close_them():
        for fd in fds:
            os.close(fd)
    return close_them


def with_umask(mask):
    def set_it():
        os.umask(mask)
    return set_it


def file_mode(path):
    return os.stat(path).st_mode & 0o777


def summary_of(p):
    """The text summary of run p, matched by this file's SUMMARY_RE (which knows the
    shard and up-to-date parts), as a dict of strings."""
    found = [m for m in map(SUMMARY_RE.match, p.out.split("\n")) if m]
    if len(found) != 1:
        raise AssertionError("not one summary line\n" + describe(p))
    return found[0].groupdict()


def run_json_in(cwd, args, **kw):
    """run_json, started in directory cwd (the binary's path made absolute)."""
    p = subprocess.run([os.path.abspath(BIN)] + list(args) + ["--json"], cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT, **kw)
    return helpers.JsonRun(Finished(p.returncode, p.stdout, p.stderr))


class FilesFromMistakesTest(ReportTestCase):
    """Lists that are easy to get wrong: a find -print0 list read without -0, and a
    find over INPUT that also lists last run's outputs in OUTPUT inside INPUT."""

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        noise_jpeg(self.path("in", "a.jpg"), (30, 20), seed=3)
        noise_jpeg(self.path("in", "sub", "c.jpg"), (30, 20), seed=4)
        png(self.path("in", "b.png"))
        self.out = self.path("out")

    def find(self, *args):
        return subprocess.run(["find", "."] + list(args), cwd=self.inp, stdout=subprocess.PIPE,
                              check=True, timeout=RUN_TIMEOUT).stdout

    def test_print0_list_without_null(self):
        """find -print0 read as a newline list would be one name (its first): refused,
        exit 2, one stderr line pointing at -0, nothing processed."""
        listing = self.find("-type", "f", "-print0")
        self.assertEqual(listing.count(b"\0"), 3, listing)
        lst = self.path("list0")
        write(lst, listing)
        for source in ("-", lst):
            with self.subTest(files_from=source):
                out = self.path("out-stdin" if source == "-" else "out-file")
                p = run(["resize", self.inp, out, "--files-from", source],
                        input=listing if source == "-" else None)
                self.assertExit(p, 2)
                self.assertEqual(p.out, "", "nothing is processed or reported")
                lines = p.err.split("\n")
                self.assertEqual(len(lines), 2, "one line on stderr\n" + describe(p))
                self.assertEqual(lines[1], "", describe(p))
                self.assertTrue(lines[0].startswith("imgbatch: "), describe(p))
                self.assertIn("NUL", lines[0], describe(p))
                self.assertIn("-0", lines[0], describe(p))
                if source != "-":
                    self.assertIn(lst, lines[0], describe(p))
                if os.path.isdir(out):
                    self.assertEqual(os.listdir(out), [], "OUTPUT holds something\n" + describe(p))
        # the same list with -0 is fine
        r = run_json(["resize", self.inp, self.out, "--files-from", "-", "-0"], input=listing)
        self.assertExit(r.proc, 0)
        self.assertEqual(visible_files(self.out), ["a.jpg", "b.png", "sub/c.jpg"])

    def test_unreadable_list(self):
        """A list that cannot be read: exit 2, one stderr line, nothing processed (and, in
        the sanitizer build, nothing leaked on the way out)."""
        lst = self.path("no-such-list")
        p = run(["resize", self.inp, self.out, "--files-from", lst])
        self.assertExit(p, 2)
        self.assertEqual(p.out, "")
        self.assertEqual(p.err, "imgbatch: cannot read --files-from %s: No such file or "
                                "directory\n" % lst)
        if os.path.isdir(self.out):
            self.assertEqual(os.listdir(self.out), [], describe(p))

    def test_find_from_input_lists_output_inside_it(self):
        """imgbatch resize in in/thumbs; then a find over in, which sees last run's outputs
        in in/thumbs too: those are skipped ("inside OUTPUT"), as a scan never enters
        OUTPUT; the real inputs are processed, not refused as overwriting an input; no
        in/thumbs/thumbs appears."""
        thumbs = os.path.join(self.inp, "thumbs")
        first = run_json_in(self.tmp, ["resize", "in", "in/thumbs", "-s", "10x10", "-r"])
        self.assertExit(first.proc, 0)
        self.assertEqual(visible_files(thumbs), ["a.jpg", "b.png", "sub/c.jpg"])
        listing = self.find("-name", "*.jpg")
        self.assertEqual(sorted(listing.decode().split("\n")[:-1]),
                         ["./a.jpg", "./sub/c.jpg", "./thumbs/a.jpg", "./thumbs/sub/c.jpg"])
        for dry in (["-n"], []):
            with self.subTest(dry_run=bool(dry)):
                r = run_json_in(self.tmp, ["resize", "in", "in/thumbs", "-s", "10x10",
                                           "--files-from", "-"] + dry, input=listing)
                self.assertExit(r.proc, 0)
                self.assertNotIn("would overwrite an input", r.proc.out, describe(r.proc))
                got = {os.path.relpath(rec["input"], "in"): rec for rec in r.records}
                self.assertEqual(sorted(got), ["a.jpg", "sub/c.jpg", "thumbs/a.jpg",
                                               "thumbs/sub/c.jpg"], describe(r.proc))
                for rel in ("thumbs/a.jpg", "thumbs/sub/c.jpg"):
                    self.assertEqual(got[rel]["status"], "skipped", describe(r.proc))
                    self.assertIn("inside OUTPUT", got[rel]["reason"], describe(r.proc))
                    self.assertNotIn("output", got[rel], describe(r.proc))
                for rel in ("a.jpg", "sub/c.jpg"):
                    self.assertEqual(got[rel]["status"], "would_process" if dry else "ok",
                                     describe(r.proc))
                    self.assertEqual(got[rel]["output"], os.path.join("in", "thumbs", rel))
                if dry:
                    self.assertEqual((r.summary["would_process"], r.summary["skipped"],
                                      r.summary["refused"]), (2, 2, 0), r.summary)
                else:
                    self.assertEqual((r.summary["ok"], r.summary["failed"],
                                      r.summary["skipped"]), (2, 0, 2), r.summary)
                self.assertFalse(os.path.exists(os.path.join(thumbs, "thumbs")),
                                 "an output of an earlier run was processed again\n"
                                 + describe(r.proc))
                self.assertEqual(visible_files(thumbs), ["a.jpg", "b.png", "sub/c.jpg"])


class ClosedStandardDescriptorsTest(ReportTestCase):
    """Started with stdin, stdout or stderr closed (not on /dev/null: closed), the first
    file imgbatch opens would take that number: the report must not end up in the lock
    or state file."""

    NAMES = ["a.jpg", "b.png", "c.png"]

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        noise_jpeg(self.path("in", "a.jpg"), (30, 20), seed=5)
        png(self.path("in", "b.png"))
        png(self.path("in", "c.png"), (20, 30), (90, 90, 0))
        self.out = self.path("out")
        self.lock = os.path.join(self.out, ".imgbatch.lock")

    def test_stdin_closed_reads_an_empty_list(self):
        p = run(["resize", self.inp, self.out, "--files-from", "-"], preexec_fn=closing(0))
        self.assertExit(p, 0)
        self.assertEqual(p.err, "")
        s = summary_of(p)
        self.assertEqual((s["ok"], s["failed"], s["skipped"]), ("0", "0", "0"), describe(p))
        self.assertEqual(helpers.TextRun(p).ok, [], describe(p))
        self.assertFalse(os.path.exists(self.lock),
                         "a run without --shard left its lock file\n" + describe(p))
        self.assertEqual(visible_files(self.out) if os.path.isdir(self.out) else [], [])

    def test_lock_file_stays_empty(self):
        """--shard leaves the lock file: with stdout (or stderr, --progress on it) closed,
        the lines written there did not go into it."""
        cases = [((1,), []), ((2,), ["--progress"]), ((1, 2), ["--progress"])]
        for fds, extra in cases:
            with self.subTest(closed=fds):
                out = self.path("out-%s" % "-".join(map(str, fds)))
                p = run(["resize", self.inp, out, "-s", "10x10", "--shard", "1/1"] + extra,
                        preexec_fn=closing(*fds))
                self.assertExit(p, 0)
                if 1 in fds:
                    self.assertEqual(p.out, "")
                else:
                    self.assertEqual(summary_of(p)["ok"], "3", describe(p))
                if 2 in fds:
                    self.assertEqual(p.err, "")
                lock = os.path.join(out, ".imgbatch.lock")
                self.assertTrue(os.path.exists(lock), "a shard leaves its lock file")
                with open(lock, "rb") as f:
                    data = f.read()
                self.assertEqual(data, b"", "the lock file holds what was meant for a "
                                            "closed descriptor")
                self.assertEqual(visible_files(out), self.NAMES)

    def check_state(self, path):
        """The outputs the state file records as made, and those it records as failed."""
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise AssertionError("state file holds non-ASCII bytes: %r" % data[:2000])
        lines = text.split("\n")
        self.assertEqual(lines[-1], "", repr(text))
        self.assertEqual(lines[0], STATE_HEADER, repr(text))
        outs, failed = set(), set()
        for line in lines[1:-1]:
            if STATE_INPUT_RE.match(line) or STATE_SIZE_RE.match(line):
                continue
            m = STATE_FAILED_RE.match(line)
            if m:
                failed.add(bytes.fromhex(m.group("out")).decode())
                continue
            m = STATE_RECORD_RE.match(line)
            self.assertTrue(m, "stray text in the state file: %r\n%r" % (line, text))
            outs.add(bytes.fromhex(m.group("out")).decode())
        return outs, failed

    def test_state_file_parses(self):
        """stdout and stderr closed, --incremental --progress: the state file holds only
        its header and records. The second run has one file that fails and the others up
        to date: the failure is recorded, and the third run neither redoes it nor fails."""
        args = ["resize", self.inp, self.out, "-s", "10x10", "--incremental", "--progress"]
        state = os.path.join(self.out, ".imgbatch-state")
        p = run(args, preexec_fn=closing(1, 2))
        self.assertExit(p, 0)
        self.assertEqual(self.check_state(state), (set(self.NAMES), set()))
        damaged_jpeg(self.path("in", "broken.jpg"))
        p = run(args, preexec_fn=closing(1, 2))
        self.assertExit(p, 1)
        self.assertEqual((p.out, p.err), ("", ""))
        self.assertEqual(self.check_state(state), (set(self.NAMES), {"broken.jpg"}))
        # and the state still works
        r = run_json(args[:-1])
        self.assertExit(r.proc, 0)
        self.assertEqual(sorted(os.path.basename(x["input"]) for x in r.by_status("skipped")
                                if x.get("reason") == "up to date"), self.NAMES,
                         describe(r.proc))
        self.assertEqual([os.path.basename(x["input"]) for x in r.by_status("skipped")
                          if x.get("reason") == "failed before"], ["broken.jpg"])


class SummaryFileTargetTest(ReportTestCase):
    def setUp(self):
        super().setUp()
        self.make_batch(damaged=False)

    def test_stats_file_is_a_directory(self):
        """The stats cannot be written: exit 1, one stderr line naming the path, and the
        metrics say exit 1 and never claim a success, on the first run (no last success
        at all) as on a later one (the last success stays where it was)."""
        sdir = self.mkdir("reports", "stats-dir")
        metrics = os.path.join(self.reports, "m.prom")
        args = ["resize", self.inp, self.out, "-s", "16x16", "--metrics-file", metrics]
        base = {"op": "resize", "output": self.out}

        def failing_run():
            p = run(args + ["--stats-file", sdir])
            self.assertExit(p, 1)
            self.assertEqual(summary_of(p)["ok"], "3", describe(p))
            lines = p.err.split("\n")
            self.assertEqual(len(lines), 2, "one line on stderr\n" + describe(p))
            self.assertTrue(lines[0].startswith("imgbatch: "), describe(p))
            self.assertIn(sdir, lines[0], describe(p))
            self.assertEqual(os.listdir(sdir), [], describe(p))
            self.assertOnly(self.reports, ["stats-dir", "m.prom"], p)
            text, fams = self.read_metrics(metrics, p)
            self.assertEqual(self.value(fams, "imgbatch_exit_status"), 1, text)
            return text, fams

        text, fams = failing_run()
        self.check_metric_shapes(text, fams, base, last_success=False)
        # a run that succeeds, then one whose stats are lost again
        p = run(args)
        self.assertExit(p, 0)
        text, fams = self.read_metrics(metrics, p)
        success = self.value(fams, LAST_SUCCESS)
        text, fams = failing_run()
        self.check_metric_shapes(text, fams, base, last_success=True)
        self.assertEqual(self.value(fams, LAST_SUCCESS), success, text)
        self.assertGreaterEqual(self.value(fams, LAST_RUN), success, text)

    def test_stats_file_inside_a_new_output(self):
        """OUTPUT does not exist yet and the stats and metrics files go into it: the run
        creates OUTPUT first, so the first run works."""
        stats = os.path.join(self.out, "stats.json")
        metrics = os.path.join(self.out, "m.prom")
        self.assertFalse(os.path.exists(self.out))
        for attempt in (1, 2):
            with self.subTest(attempt=attempt):
                r, t0, t1 = self.run_timed(["resize", self.inp, self.out, "-s", "16x16",
                                            "--stats-file", stats, "--metrics-file", metrics])
                self.assertExit(r.proc, 0)
                self.assertEqual(r.proc.err, "")
                self.check_stats(self.load_stats(stats, r.proc), r, t0, t1, self.inp, self.out)
                text, fams = self.read_metrics(metrics, r.proc)
                self.assertEqual(self.value(fams, "imgbatch_exit_status"), 0, text)
                self.assertEqual(visible_files(self.out),
                                 ["big.jpg", "m.prom", "mid.jpg", "small.png", "stats.json"])
                self.check_mode(stats)
                self.check_mode(metrics)


class GroupWritableOutputTest(ReportTestCase):
    """The lock and state files follow the umask, so the other users of a group-writable
    OUTPUT (umask 002) can take the lock and update the state; the stats and metrics
    files stay 0644 whatever the umask, for node_exporter."""

    def setUp(self):
        super().setUp()
        self.make_batch(damaged=False)
        self.stats = os.path.join(self.reports, "stats.json")
        self.metrics = os.path.join(self.reports, "m.prom")

    def test_state_file_mode(self):
        args = ["resize", self.inp, self.out, "-s", "16x16", "--incremental",
                "--stats-file", self.stats, "--metrics-file", self.metrics]
        state = os.path.join(self.out, ".imgbatch-state")
        for attempt in (1, 2):
            with self.subTest(attempt=attempt):
                if attempt == 2:   # one input changed: redone, the state appended and rewritten
                    st = os.stat(self.path("in", "small.png"))
                    os.utime(self.path("in", "small.png"),
                             ns=(st.st_atime_ns, st.st_mtime_ns - 10 ** 9))
                p = run(args, preexec_fn=with_umask(0o002))
                self.assertExit(p, 0)
                self.assertEqual(summary_of(p)["ok"], "3" if attempt == 1 else "1", describe(p))
                self.assertEqual(oct(file_mode(state)), oct(0o664))
                self.assertEqual(oct(file_mode(self.stats)), oct(0o644))
                self.assertEqual(oct(file_mode(self.metrics)), oct(0o644))

    def test_shard_lock_file_mode(self):
        for mask, want in ((0o002, 0o664), (0o022, 0o644), (0o077, 0o600)):
            with self.subTest(umask=oct(mask)):
                out = self.path("out-%o" % mask)
                stats = os.path.join(self.reports, "stats-%o.json" % mask)
                metrics = os.path.join(self.reports, "m-%o.prom" % mask)
                p = run(["resize", self.inp, out, "-s", "16x16", "--shard", "1/1",
                         "--incremental", "--stats-file", stats, "--metrics-file", metrics],
                        preexec_fn=with_umask(mask))
                self.assertExit(p, 0)
                self.assertEqual(oct(file_mode(os.path.join(out, ".imgbatch.lock"))), oct(want))
                self.assertEqual(oct(file_mode(os.path.join(out, ".imgbatch-state.1-of-1"))),
                                 oct(want))
                self.assertEqual(oct(file_mode(stats)), oct(0o644))
                self.assertEqual(oct(file_mode(metrics)), oct(0o644))


class DryRunReaderLeavesTest(ReportTestCase):
    """imgbatch resize in out -n | head -1: the dry run stops when its reader leaves
    (exit 141, as a process killed by SIGPIPE shows in a shell), and does not go on
    opening every file. 300 files with long names: their lines are far more than a
    pipe holds, so the run must meet the closed pipe whatever the timing."""

    COUNT = 300

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        png(self.path("in", "model.png"), (8, 8))
        with open(self.path("in", "model.png"), "rb") as f:
            data = f.read()
        os.unlink(self.path("in", "model.png"))
        self.names = ["%03d-%s.png" % (i, "x" * 150) for i in range(self.COUNT)]
        for name in self.names:
            write(self.path("in", name), data)
        self.out = self.path("out")
        self.procs = []
        self.addCleanup(reap_processes, self.procs)

    def first_line_then_leave(self, prefix=(), env=None):
        """Runs prefix + imgbatch resize in out -n with stdout on a small pipe, reads its
        first line byte by byte (no more), closes the pipe and waits."""
        rd, wr = os.pipe()
        try:
            fcntl.fcntl(wr, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
        except OSError:
            pass
        try:
            p = subprocess.Popen(list(prefix) + [BIN, "resize", self.inp, self.out, "-n"],
                                 stdout=wr, stderr=subprocess.PIPE, env=env)
            self.procs.append(p)
        finally:
            os.close(wr)
        line = b""
        try:
            while not line.endswith(b"\n"):
                c = os.read(rd, 1)
                if not c:
                    break
                line += c
        finally:
            os.close(rd)
        _, err = p.communicate(timeout=RUN_TIMEOUT)
        return Finished(p.returncode, line, err)

    def test_exit_141(self):
        p = self.first_line_then_leave()
        self.assertTrue(DRY_PROCESS_RE.match(p.out.rstrip("\n")), describe(p))
        self.assertExit(p, 141)
        self.assertEqual(p.err, "")
        self.assertFalse(os.path.exists(self.out))

    def test_stops_opening_files(self):
        if helpers.SANITIZED:
            self.skipTest("not under strace in the sanitizer build (LeakSanitizer cannot "
                          "run under ptrace)")
        strace = shutil.which("strace")
        if not strace or subprocess.run([strace, "-o", os.devnull, "true"],
                                        stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("strace is not installed or may not trace here")
        trace = self.path("trace")
        p = self.first_line_then_leave([strace, "-f", "-e", "trace=?open,openat", "-o", trace])
        self.assertExit(p, 141)
        with open(trace, encoding="utf-8", errors="replace") as f:
            text = f.read()
        opened = {name for name in self.names if name in text}
        self.assertTrue(opened, "no input opened at all? the trace:\n" + text[-3000:])
        self.assertLess(len(opened), self.COUNT,
                        "the dry run went on reading every file after its reader left")


if __name__ == "__main__":
    unittest.main()
