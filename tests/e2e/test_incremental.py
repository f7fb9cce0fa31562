"""Incremental runs, the OUTPUT lock and dry runs, as a cron job uses them.

--incremental: a second run over unchanged files reports each one as
"= IN -> OUT (up to date)" (--json: status "skipped", reason "up to date"), counts it
as skipped ("N skipped (N up to date)"), starts no worker and leaves the outputs alone.
A file is redone when its input changed (mtime either way, same-size rewrite in place
with the mtime put back, replaced by another inode), when its output is missing,
changed or replaced, when the options that shape the output changed (op, size,
quality, format, rotation, metadata, fail-on; the state keeps only the latest options
per output).  A file that failed through a fault of its own is not redone while it
stays unchanged: "= IN (failed before, unchanged since; --retry-failed retries it): WHY",
skipped, not a failure (test_cron.py has the rest).  Options that do not shape the output (-j,
--timeout, --max-pixels, --quiet, --json) do not redo anything.  The state lives in
OUTPUT/.imgbatch-state: deleting it redoes everything, garbage in it (random bytes, a
truncated last line, a partial line left by a killed run) never crashes a run, and
records are appended as files finish, so a run killed with SIGKILL keeps what it
reported ok and its lock does not block the next run.

Lock: a run takes a POSIX record lock on OUTPUT/.imgbatch.lock; a second run on the
same OUTPUT exits 75 with one stderr line ("... in use by another imgbatch run (pid
N) ...") and writes nothing, or with --wait waits for the first and then runs (and
stops on SIGTERM / SIGINT while it waits).  A run killed with SIGKILL leaves the lock
file but not the lock; a run that ends normally may remove the file.  The lock is held
from Python with fcntl.lockf (the tests never open the lock file otherwise: closing
any descriptor of it drops this process's POSIX lock), or by a real imgbatch run that
is stopped with SIGSTOP while the second one starts (so nothing depends on timing).

--dry-run / -n: lists process / skip (up to date) without writing anything into
OUTPUT (not even creating it) and without taking the lock.

bench refuses --incremental, --wait and --dry-run (exit 2).
"""

import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, NAME, OK_RE, FAIL_RE, WORKER_RE, unquote_name

STATE = ".imgbatch-state"
LOCK = ".imgbatch.lock"
ALLOWED_HIDDEN = {STATE, LOCK}
EX_TEMPFAIL = 75
PROC_TIMEOUT = 120   # for a Popen'ed imgbatch to print or finish: broken, not slow

UP_RE = re.compile(r"^= (?P<input>" + NAME + r") -> (?P<output>" + NAME + r") \(up to date\)$")
BEFORE_RE = re.compile(r"^= (?P<input>" + NAME + r") \(failed before, unchanged since; "
                       r"--retry-failed retries it\): (?P<error>.*)$")
PRUNED_RE = re.compile(r"^- (?P<input>" + NAME + r") -> (?P<output>" + NAME + r") "
                       r"\(removed: its input is gone\)$")
SUMMARY_RE = re.compile(
    r"^(?P<op>resize|grayscale|sepia|thumbnail): (?P<ok>\d+) ok, (?P<failed>\d+) failed, "
    r"(?P<skipped>\d+) skipped(?P<paren> \((?:(?P<up_to_date>\d+) up to date)?(?:, )?"
    r"(?:(?P<failed_before>\d+) failed before)?\))?(?:, (?P<pruned>\d+) pruned)? in "
    r"(?P<seconds>[0-9.]+) s: .*, (?P<workers>\d+) workers?$")
DRY_PROCESS_RE = re.compile(r"^process +(?P<input>" + NAME + r") -> (?P<output>" + NAME + r")$")
DRY_SKIP_UP_RE = re.compile(
    r"^skip +(?P<input>" + NAME + r") -> (?P<output>" + NAME + r"): up to date$")
DRY_SUMMARY_RE = re.compile(
    r"^dry run: (?P<process>\d+) to process, (?P<skip>\d+) to skip"
    r"(?: \((?P<up_to_date>\d+) up to date\))?, (?P<refused>\d+) refused; nothing written$")


# ---------------------------------------------------------------- parsing

class IncRun:
    """A run's output (text or --json), by input path relative to base:
    ok / up (up to date) sets, failed {rel: error}, before {rel: error} (failed before,
    unchanged), pruned {rel: output removed}, outputs {rel: output path}, summary (ints),
    workers (per-worker lines), other (unparsed lines)."""

    def __init__(self, p, base, json_mode=False):
        self.proc = p
        self.base = base
        self.ok = set()
        self.up = set()
        self.failed = {}
        self.before = {}
        self.pruned = {}
        self.outputs = {}
        self.summary = None
        self.summary_line = None
        self.workers = []
        self.other = []
        self.err_other = []      # stderr lines other than failures
        self.order = []          # every ok input, in report order (duplicates kept)
        if json_mode:
            self._parse_json(p)
        else:
            self._parse_text(p)

    def rel(self, path):
        return os.path.relpath(path, self.base)

    def _parse_text(self, p):
        failed, self.err_other = helpers.failure_lines(p.err)
        for f in failed:
            self.failed[self.rel(f["input"])] = f["error"]
        for line in p.out.split("\n"):
            if line == "":
                continue
            m = OK_RE.match(line)
            if m:
                r = self.rel(unquote_name(m.group("input")))
                self.ok.add(r)
                self.order.append(r)
                self.outputs[r] = unquote_name(m.group("output"))
                continue
            m = UP_RE.match(line)
            if m:
                r = self.rel(unquote_name(m.group("input")))
                self.up.add(r)
                self.outputs[r] = unquote_name(m.group("output"))
                continue
            m = BEFORE_RE.match(line)
            if m:
                self.before[self.rel(unquote_name(m.group("input")))] = m.group("error")
                continue
            m = PRUNED_RE.match(line)
            if m:
                self.pruned[self.rel(unquote_name(m.group("input")))] = \
                    unquote_name(m.group("output"))
                continue
            m = SUMMARY_RE.match(line)
            if m:
                self.summary_line = line
                d = m.groupdict()
                self.summary = {k: int(d[k]) for k in ("ok", "failed", "skipped", "workers")}
                for k in ("up_to_date", "failed_before", "pruned"):
                    self.summary[k] = int(d[k] or 0)
                self.summary["paren"] = d["paren"] is not None
                self.summary["op"] = d["op"]
                continue
            if WORKER_RE.match(line):
                self.workers.append(line)
                continue
            self.other.append(line)

    def _parse_json(self, p):
        j = helpers.JsonRun(p)
        self.summary = j.summary
        for rec in j.records:
            r = self.rel(rec["input"])
            st = rec.get("status")
            if st == "ok":
                self.ok.add(r)
                self.order.append(r)
                self.outputs[r] = rec["output"]
            elif st == "skipped" and rec.get("reason") == "up to date":
                self.up.add(r)
                self.outputs[r] = rec.get("output")
            elif st == "skipped" and rec.get("reason") == "failed before":
                self.before[r] = rec.get("error")
            elif st == "pruned":
                self.pruned[r] = rec["output"]
            elif st == "failed":
                self.failed[r] = rec.get("error")
            else:
                self.other.append(json.dumps(rec))


def snapshot(directory):
    """Everything about a tree that a run could change: for each entry (the directory
    itself included) its kind, size, mtime, inode and, for files, a content digest."""
    if not os.path.exists(directory):
        return None
    snap = {}
    for root, dirs, files in os.walk(directory):
        for name in [""] + dirs + files:
            p = os.path.join(root, name) if name else root
            st = os.lstat(p)
            entry = (os.path.isdir(p), st.st_size, st.st_mtime_ns, st.st_ino)
            # never open the lock file: closing any descriptor of it would drop the
            # POSIX lock this process may hold on it
            if os.path.isfile(p) and name != LOCK:
                with open(p, "rb") as f:
                    entry += (hashlib.sha256(f.read()).hexdigest(),)
            snap[os.path.relpath(p, directory)] = entry
    return snap


def output_stats(directory):
    """{relative path: (mtime_ns, inode, size)} of the visible files under directory."""
    out = {}
    for rel in helpers.all_files(directory):
        if any(part.startswith(".") for part in rel.split(os.sep)):
            continue
        st = os.stat(os.path.join(directory, rel))
        out[rel] = (st.st_mtime_ns, st.st_ino, st.st_size)
    return out


def hold_lock(out):
    """Takes the whole-file lock on OUT/.imgbatch.lock as imgbatch would (creating OUT
    and the file); returns the descriptor (release with release_lock)."""
    os.makedirs(out, exist_ok=True)
    fd = os.open(os.path.join(out, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def release_lock(fd):
    fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)


# ---------------------------------------------------------------- images

def save_png(path, size, colour):
    """An uncompressed PNG: its file size depends on its dimensions only, so a rewrite
    with other pixels keeps the size."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, colour).save(path, format="PNG", compress_level=0)


def save_jpeg(path, size, colour):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im = Image.new("RGB", size, colour)
    im.paste(Image.new("RGB", (size[0] // 2, size[1]), (255 - colour[0], 40, 90)), (0, 0))
    im.save(path, format="JPEG", quality=90)


def set_mtime(path, mtime_ns):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, mtime_ns))


# ---------------------------------------------------------------- base

class IncrementalTestCase(ImgbatchTestCase):
    """25 small images: 14 PNG and 6 JPEG in INPUT, 3 PNG in sub/, 2 JPEG in
    sub/deeper/ (-r).  self.go() runs resize -r -s 16x16 -j 2 --incremental."""

    BASE_OPTS = ("-s", "16x16")

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.out = self.path("out")
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)
        names = []
        for i in range(14):
            names.append(("a%02d.png" % i, (30 + i, 20 + i), (i * 17 % 256, 100, 200)))
        for i in range(6):
            names.append(("b%02d.jpg" % i, (40 + 2 * i, 30), (i * 40 % 256, 60, 30)))
        for i in range(3):
            names.append((os.path.join("sub", "c%d.png" % i), (24, 18 + i), (10, i * 80, 10)))
        for i in range(2):
            names.append((os.path.join("sub", "deeper", "d%d.jpg" % i), (32, 24), (200, 0, i * 90)))
        for rel, size, colour in names:
            path = os.path.join(self.inp, rel)
            (save_png if rel.endswith(".png") else save_jpeg)(path, size, colour)
        self.all = {rel for rel, _, _ in names}
        self.pngs = {r for r in self.all if r.endswith(".png")}

    # -- running

    def argv(self, op="resize", opts=None, inc=True, out=None, extra=()):
        args = [op, self.inp, out or self.out, "-r", "-j", "2"]
        args += list(self.BASE_OPTS if opts is None else opts)
        if inc:
            args.append("--incremental")
        return args + list(extra)

    def go(self, op="resize", opts=None, inc=True, out=None, extra=(), json_mode=False,
           expect=0):
        args = self.argv(op, opts, inc, out, extra)
        if json_mode:
            args.append("--json")
        p = helpers.run(args)
        r = IncRun(p, self.inp, json_mode)
        if expect is not None:
            self.assertExit(p, expect)
        return r

    def start(self, args):
        # Unbuffered: read_lines reads stdout line by line, then finish's communicate()
        # reads the pipe itself, past any buffer.  A buffered reader could have taken
        # lines beyond the ones counted, and they would be lost.
        p = subprocess.Popen([helpers.BIN] + list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, bufsize=0)
        self.procs.append(p)
        return p

    def finish(self, p, first=b""):
        """Waits for a Popen'ed imgbatch; first: stdout already read from it."""
        try:
            out, err = p.communicate(timeout=PROC_TIMEOUT)
        except subprocess.TimeoutExpired:
            helpers.reap_processes(self.procs)
            self.fail("imgbatch did not exit within %d s" % PROC_TIMEOUT)
        return helpers.Finished(p.returncode, first + out, err)

    def read_lines(self, p, count, prefix=b"\xe2\x9c\x93 "):
        """Reads stdout lines of a running imgbatch until count of them start with
        prefix (the ok mark); returns the bytes read.  Fails if it does not happen."""
        timer = threading.Timer(PROC_TIMEOUT, p.kill)
        timer.start()
        try:
            data = b""
            seen = 0
            while seen < count:
                line = p.stdout.readline()
                if not line:
                    self.fail("imgbatch ended before printing %d lines: %r" % (count, data))
                data += line
                if line.startswith(prefix):
                    seen += 1
            return data
        finally:
            timer.cancel()

    # -- checks

    def assertRun(self, r, ok=(), up=(), failed=(), workers=None, out=None, before=(),
                  pruned=()):
        """Exactly these inputs ok / up to date / failed / failed before (unchanged) /
        pruned (their outputs removed), and the summary agrees."""
        d = helpers.describe(r.proc)
        self.assertEqual(r.other, [], d)
        self.assertEqual(sorted(r.ok), sorted(ok), d)
        self.assertEqual(sorted(r.up), sorted(up), d)
        self.assertEqual(sorted(r.failed), sorted(failed), d)
        self.assertEqual(sorted(r.before), sorted(before), d)
        self.assertEqual(sorted(r.pruned), sorted(pruned), d)
        self.assertEqual(len(r.order), len(set(r.order)), "a file reported twice\n" + d)
        self.assertIsNotNone(r.summary, d)
        self.assertEqual(r.summary["ok"], len(ok), d)
        self.assertEqual(r.summary["failed"], len(failed), d)
        self.assertEqual(r.summary["skipped"], len(up) + len(before), d)
        self.assertEqual(r.summary.get("up_to_date"), len(up), d)
        self.assertEqual(r.summary.get("failed_before"), len(before), d)
        self.assertEqual(r.summary.get("pruned", 0), len(pruned), d)
        if "paren" in r.summary:  # text: "(N up to date, M failed before)" only when N + M > 0
            self.assertEqual(r.summary["paren"], len(up) + len(before) > 0, d)
        if workers is not None:
            self.assertEqual(r.summary["workers"], workers, d)
        for rel in set(ok) | set(up):
            self.assertEqual(r.outputs[rel], os.path.join(out or self.out, rel), d)

    def assertBusy(self, p, holder_pid, out=None):
        """Exit 75, one stderr line naming OUTPUT and the holder's pid, no stdout."""
        d = helpers.describe(p)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertEqual(p.stdout, b"", d)
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, d)
        self.assertTrue(lines[0].startswith("imgbatch: "), d)
        self.assertIn("in use", lines[0], d)
        self.assertIn("(pid %d)" % holder_pid, lines[0], d)
        self.assertIn(out or self.out, lines[0], d)

    def assertOnlyStateHidden(self, out=None, p=None):
        out = out or self.out
        left = set(helpers.hidden_files(out)) - ALLOWED_HIDDEN
        self.assertEqual(sorted(left), [], "unexpected hidden files in %s\n%s"
                         % (out, helpers.describe(p) if p is not None else ""))

    def go_checked(self, ok=(), up=(), failed=(), workers=None, out=None, before=(), pruned=(),
                   **kw):
        """go() then assertRun(); exit 1 expected when something fails."""
        kw.setdefault("expect", 1 if failed else 0)
        r = self.go(out=out, **kw)
        self.assertRun(r, ok, up, failed, workers, out, before, pruned)
        self.assertEqual(r.err_other, [], helpers.describe(r.proc))
        return r

    def first_run(self, **kw):
        return self.go_checked(ok=self.all, **kw)

    def touch_newer(self, rel, seconds=10):
        path = os.path.join(self.inp, rel)
        set_mtime(path, os.stat(path).st_mtime_ns + seconds * 10**9)


# ---------------------------------------------------------------- incremental

class UpToDateTest(IncrementalTestCase):
    def test_second_run_skips_everything(self):
        r1 = self.first_run()
        self.assertNotIn("up to date", r1.summary_line)
        self.assertEqual(r1.summary["workers"], 2)
        before = output_stats(self.out)
        self.assertEqual(sorted(before), sorted(self.all))
        r2 = self.go_checked(up=self.all, workers=0)
        self.assertEqual(r2.workers, [], helpers.describe(r2.proc))
        self.assertRegex(r2.summary_line,
                         r"^resize: 0 ok, 0 failed, 25 skipped \(25 up to date\) in ")
        self.assertEqual(output_stats(self.out), before, "outputs were rewritten")
        self.assertTrue(os.path.isfile(os.path.join(self.out, STATE)))
        self.assertOnlyStateHidden(p=r2.proc)
        # and again: still nothing to do
        self.go_checked(up=self.all, workers=0)
        self.assertEqual(output_stats(self.out), before)

    def test_json(self):
        r1 = self.first_run(json_mode=True)
        self.assertEqual(r1.summary["up_to_date"], 0, r1.summary)
        before = output_stats(self.out)
        r2 = self.go_checked(up=self.all, workers=0, json_mode=True)
        j = helpers.JsonRun(r2.proc)
        self.assertEqual(len(j.records), len(self.all))
        for rec in j.records:
            self.assertEqual(rec["status"], "skipped", rec)
            self.assertEqual(rec["reason"], "up to date", rec)
            rel = os.path.relpath(rec["input"], self.inp)
            self.assertEqual(rec["output"], os.path.join(self.out, rel), rec)
            self.assertNotIn("worker", rec)
        s = j.summary
        self.assertEqual((s["ok"], s["failed"], s["skipped"], s["up_to_date"], s["total"],
                          s["not_started"], s["workers"]), (0, 0, 25, 25, 25, 0, 0), s)
        self.assertEqual(s["per_worker"], [], s)
        self.assertEqual(output_stats(self.out), before)

    def test_quiet_prints_nothing(self):
        """A cron job's run with nothing new: not a byte on either stream."""
        self.first_run()
        p = helpers.run(self.argv(extra=["--quiet"]))
        self.assertExit(p, 0)
        self.assertEqual((p.out, p.err), ("", ""))

    def test_options_that_do_not_shape_outputs(self):
        """-j, --timeout, --max-pixels and the report format leave files up to date."""
        self.first_run()
        before = output_stats(self.out)
        for extra in (["-j", "1"], ["--timeout", "100"], ["--max-pixels", "50"]):
            with self.subTest(extra=extra):
                self.go_checked(up=self.all, workers=0, extra=extra)
        self.go_checked(up=self.all, workers=0, json_mode=True)
        self.assertEqual(output_stats(self.out), before)

    def test_without_incremental_redoes_everything(self):
        self.first_run()
        before = output_stats(self.out)
        self.go_checked(ok=self.all, inc=False)
        after = output_stats(self.out)
        for rel in self.all:
            self.assertNotEqual(after[rel][1], before[rel][1], "%s not rewritten" % rel)
        # an incremental run afterwards neither fails nor reports a file twice
        r = self.go()
        self.assertEqual(r.ok | r.up, self.all, helpers.describe(r.proc))
        self.assertEqual(r.ok & r.up, set())
        self.assertEqual(r.failed, {})
        self.go_checked(up=self.all, workers=0)


class PathsTest(IncrementalTestCase):
    def test_other_spellings_of_input_and_output(self):
        """The state is relative to INPUT and OUTPUT: "in", "in/", "./in/." all match."""
        self.first_run()
        t = self.tmp
        for inp, out in ((t + "/in/", t + "/out/"), (t + "/./in/.", t + "/sub/../out"),
                         (t + "//in//", t + "/out/./")):
            with self.subTest(inp=inp, out=out):
                os.makedirs(self.path("sub"), exist_ok=True)
                p = helpers.run(["resize", inp, out, "-r", "-s", "16x16", "--incremental"])
                self.assertExit(p, 0)
                self.assertEqual(p.err, "")
                lines = p.out.splitlines()
                self.assertEqual(sum(1 for l in lines if UP_RE.match(l)), 25, helpers.describe(p))
                self.assertRegex(lines[-1], r"^resize: 0 ok, 0 failed, 25 skipped "
                                            r"\(25 up to date\) in .*, 0 workers$")

    def test_single_file_input(self):
        src = os.path.join(self.inp, "b00.jpg")
        p = helpers.run(["resize", src, self.out, "-s", "16x16", "--incremental"])
        self.assertExit(p, 0)
        self.assertRegex(p.out, r"(?m)^resize: 1 ok, 0 failed, 0 skipped in ")
        p = helpers.run(["resize", src, self.out, "-s", "16x16", "--incremental"])
        self.assertExit(p, 0)
        self.assertEqual(p.out.splitlines()[0],
                         "= %s -> %s (up to date)" % (src, os.path.join(self.out, "b00.jpg")))
        self.assertRegex(p.out, r"(?m)^resize: 0 ok, 0 failed, 1 skipped \(1 up to date\) in "
                                r".*, 0 workers$")
        self.touch_newer("b00.jpg")
        p = helpers.run(["resize", src, self.out, "-s", "16x16", "--incremental"])
        self.assertRegex(p.out, r"(?m)^resize: 1 ok, 0 failed, 0 skipped in ")

    def test_odd_names(self):
        """Names with a newline, a quote, a space, invalid UTF-8: recorded and matched
        exactly, and their "=" lines are quoted like the ok lines."""
        odd = [b"new\nline.png", b'quo"te.png', b" lead space.png", b"bad\xff.png",
               b"caf\xc3\xa9.png", b"a -> b.png", b"c: d.png"]
        d = os.fsencode(self.inp)
        for i, name in enumerate(odd):
            tmp = os.path.join(self.inp, "tmp.png")
            save_png(tmp, (20 + i, 10), (i * 30, 0, 0))
            os.rename(tmp, os.path.join(d, name))
        names = {os.fsdecode(n) for n in odd}
        self.go_checked(ok=self.all | names)
        r = self.go_checked(up=self.all | names, workers=0)
        self.assertEqual(len(r.proc.out.splitlines()), len(self.all) + len(names) + 1)
        self.touch_newer(os.fsdecode(b"bad\xff.png"))
        self.go_checked(ok={os.fsdecode(b"bad\xff.png")},
                        up=self.all | names - {os.fsdecode(b"bad\xff.png")})

    def test_summary_with_other_skipped_files(self):
        """Files skipped for their extension count in "skipped" but not "up to date"."""
        with open(os.path.join(self.inp, "notes.txt"), "w") as f:
            f.write("notes\n")
        p = helpers.run(self.argv())
        self.assertExit(p, 0)
        self.assertRegex(p.out, r"(?m)^resize: 25 ok, 0 failed, 1 skipped in ")
        p = helpers.run(self.argv())
        self.assertExit(p, 0)
        self.assertRegex(p.out, r"(?m)^resize: 0 ok, 0 failed, 26 skipped \(25 up to date\) in ")
        j = helpers.JsonRun(helpers.run(self.argv(extra=["--json"])))
        self.assertEqual((j.summary["skipped"], j.summary["up_to_date"], j.summary["total"]),
                         (26, 25, 26), j.summary)
        self.assertEqual(j.by_name()["notes.txt"]["reason"], "not an image file by its extension")


class InputChangeTest(IncrementalTestCase):
    def test_touched_input_newer(self):
        self.first_run()
        before = output_stats(self.out)
        self.touch_newer("a03.png")
        self.go_checked(ok={"a03.png"}, up=self.all - {"a03.png"}, workers=1)
        after = output_stats(self.out)
        self.assertNotEqual(after["a03.png"], before["a03.png"])
        for rel in self.all - {"a03.png"}:
            self.assertEqual(after[rel], before[rel], rel)
        self.go_checked(up=self.all, workers=0)

    def test_touched_input_older(self):
        """Any mtime change counts, not just a newer one (not make's rule)."""
        self.first_run()
        self.touch_newer(os.path.join("sub", "deeper", "d1.jpg"), seconds=-3600)
        self.go_checked(ok={os.path.join("sub", "deeper", "d1.jpg")},
                        up=self.all - {os.path.join("sub", "deeper", "d1.jpg")})

    def test_rewritten_in_place_same_size_same_mtime(self):
        """Same size, same inode, mtime put back: the ctime still tells."""
        self.first_run()
        rel = "a05.png"
        path = os.path.join(self.inp, rel)
        st = os.stat(path)
        tmp = self.path("new.png")
        with Image.open(path) as im:
            size = im.size
        save_png(tmp, size, (1, 250, 3))
        with open(tmp, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), st.st_size, "test setup: the rewrite changes the size")
        with open(path, "r+b") as f:
            f.write(data)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        st2 = os.stat(path)
        self.assertEqual((st2.st_size, st2.st_mtime_ns, st2.st_ino),
                         (st.st_size, st.st_mtime_ns, st.st_ino))
        self.go_checked(ok={rel}, up=self.all - {rel})
        with Image.open(os.path.join(self.out, rel)) as im:
            self.assertEqual(im.convert("RGB").getpixel((0, 0)), (1, 250, 3))

    def test_replaced_by_another_inode_same_size_same_mtime(self):
        self.first_run()
        rel = os.path.join("sub", "c1.png")
        path = os.path.join(self.inp, rel)
        st = os.stat(path)
        tmp = os.path.join(self.inp, "sub", ".new.png")
        with Image.open(path) as im:
            size = im.size
        save_png(tmp, size, (250, 2, 3))
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.rename(tmp, path)
        st2 = os.stat(path)
        self.assertEqual((st2.st_size, st2.st_mtime_ns), (st.st_size, st.st_mtime_ns))
        self.assertNotEqual(st2.st_ino, st.st_ino)
        self.go_checked(ok={rel}, up=self.all - {rel})
        with Image.open(os.path.join(self.out, rel)) as im:
            self.assertEqual(im.convert("RGB").getpixel((0, 0)), (250, 2, 3))

    def test_new_input_processed_alone(self):
        self.first_run()
        save_png(os.path.join(self.inp, "sub", "new.png"), (50, 40), (9, 9, 9))
        new = os.path.join("sub", "new.png")
        self.go_checked(ok={new}, up=self.all, workers=1)
        self.go_checked(up=self.all | {new}, workers=0)

    def test_deleted_input_is_just_gone(self):
        self.first_run()
        os.unlink(os.path.join(self.inp, "b02.jpg"))
        self.go_checked(up=self.all - {"b02.jpg"}, workers=0)
        # the output of a vanished input is left alone
        self.assertTrue(os.path.isfile(os.path.join(self.out, "b02.jpg")))


class OutputChangeTest(IncrementalTestCase):
    def test_deleted_output_redone(self):
        self.first_run()
        os.unlink(os.path.join(self.out, "a07.png"))
        self.go_checked(ok={"a07.png"}, up=self.all - {"a07.png"}, workers=1)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "a07.png")))
        self.go_checked(up=self.all, workers=0)

    def test_deleted_output_subdirectory_redone(self):
        self.first_run()
        shutil.rmtree(os.path.join(self.out, "sub", "deeper"))
        deeper = {r for r in self.all if r.startswith(os.path.join("sub", "deeper", ""))}
        self.go_checked(ok=deeper, up=self.all - deeper)

    def test_modified_output_redone(self):
        self.first_run()
        path = os.path.join(self.out, "b01.jpg")
        with open(path, "rb") as f:
            good = f.read()
        with open(path, "ab") as f:
            f.write(b"appended garbage")
        self.go_checked(ok={"b01.jpg"}, up=self.all - {"b01.jpg"})
        with open(path, "rb") as f:
            self.assertEqual(f.read(), good)  # same options, same input: same bytes

    def test_replaced_output_same_size_same_mtime_redone(self):
        """An output replaced by another file (a copy with the same bytes and mtime:
        only the inode and ctime differ) was not written by imgbatch."""
        self.first_run()
        path = os.path.join(self.out, "sub", "c2.png")
        tmp = os.path.join(self.out, "sub", "c2.copy")
        shutil.copy2(path, tmp)
        os.rename(tmp, path)
        self.go_checked(ok={os.path.join("sub", "c2.png")},
                        up=self.all - {os.path.join("sub", "c2.png")})


class OptionChangeTest(IncrementalTestCase):
    """Each option that shapes the output: base options, then the variant (everything
    redone), again (nothing), back to the base options (everything redone: the state
    keeps only the latest options per output), again (nothing)."""

    def check_variant(self, op, opts):
        self.go_checked(ok=self.all)
        self.go_checked(up=self.all, workers=0)
        self.go_checked(ok=self.all, op=op, opts=opts)
        self.go_checked(up=self.all, op=op, opts=opts, workers=0)
        self.go_checked(ok=self.all)
        self.go_checked(up=self.all, workers=0)

    def test_size(self):
        self.check_variant("resize", ["-s", "20x20"])

    def test_quality(self):
        self.check_variant("resize", ["-s", "16x16", "-q", "50"])

    def test_op(self):
        self.check_variant("thumbnail", ["-s", "16x16"])

    def test_no_rotate(self):
        self.check_variant("resize", ["-s", "16x16", "--no-rotate"])

    def test_keep_metadata(self):
        self.check_variant("resize", ["-s", "16x16", "--keep-metadata"])

    def test_fail_on(self):
        self.check_variant("resize", ["-s", "16x16", "--fail-on", "warning"])

    def test_format(self):
        """-f png: the JPEGs' outputs become .png (new outputs), the PNGs' stay."""
        opts = ["-s", "16x16", "-f", "png"]
        self.go_checked(ok=self.all)
        r = self.go(opts=opts)
        d = helpers.describe(r.proc)
        self.assertEqual((r.ok, r.up, r.failed), (self.all, set(), {}), d)
        for rel in self.all:
            self.assertEqual(r.outputs[rel], os.path.join(self.out, os.path.splitext(rel)[0]
                                                          + ".png"), d)
        r = self.go(opts=opts)
        self.assertEqual((r.ok, r.up), (set(), self.all), helpers.describe(r.proc))
        # back to auto: the PNG inputs' outputs (same names) were last written with
        # -f png, so they are redone; the JPEG inputs' .jpg outputs were not touched by
        # the -f png runs (up to date or redone: either is fine)
        r = self.go()
        d = helpers.describe(r.proc)
        self.assertEqual(r.failed, {}, d)
        self.assertTrue(self.pngs <= r.ok, d)
        self.assertEqual(r.ok | r.up, self.all, d)
        self.assertEqual(r.ok & r.up, set(), d)
        self.go_checked(up=self.all, workers=0)

    def test_size_change_rewrites_outputs(self):
        self.first_run()
        self.go_checked(ok=self.all, opts=["-s", "8x8"])
        with Image.open(os.path.join(self.out, "a00.png")) as im:
            self.assertLessEqual(max(im.size), 8)


class LongNameTest(ImgbatchTestCase):
    def test_record_longer_than_a_state_line(self):
        """A --name template repeating {dir} over a deep tree names a refused link's output
        with more than a state line may hold (1 MiB, in hex).  Its record is not kept: the
        next run refuses the link again, never the state file that imgbatch wrote."""
        inp = self.mkdir("in")
        out = self.path("out")
        fd = os.open(inp, os.O_RDONLY)
        try:
            for _ in range(120):  # 120 folders of 250 bytes: about 30 KB of path
                os.mkdir("d" * 250, dir_fd=fd)
                deeper = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = deeper
            os.symlink("/etc/hostname", "a.jpg", dir_fd=fd)
        finally:
            os.close(fd)
        template = "/".join(["{dir}"] * 18) + "/{name}.{ext}"  # 18 copies: 540 KB of name
        for attempt in range(3):
            with self.subTest(run=attempt + 1):
                p = helpers.run(["resize", inp, out, "-r", "--incremental", "--name", template])
                self.assertExit(p, 1)
                self.assertIn("symbolic link: not followed", p.out + p.err)
                self.assertNotIn("incremental state", p.err)


class FailureRetryTest(IncrementalTestCase):
    def test_failed_file_is_not_retried_until_fixed(self):
        with open(os.path.join(self.inp, "broken.jpg"), "wb") as f:
            f.write(b"this is not an image at all\n" * 10)
        r1 = self.go_checked(ok=self.all, failed={"broken.jpg"})
        self.assertIn("not a JPEG file", r1.failed["broken.jpg"])
        # unchanged: not redone, not a failure, and the line says why it failed
        r2 = self.go_checked(up=self.all, before={"broken.jpg"}, workers=0)
        self.assertEqual(r2.before["broken.jpg"], r1.failed["broken.jpg"])
        self.assertFalse(os.path.exists(os.path.join(self.out, "broken.jpg")))
        # --retry-failed tries it again
        self.go_checked(up=self.all, failed={"broken.jpg"}, workers=1, extra=["--retry-failed"])
        # fixed: processed once, then up to date
        save_jpeg(os.path.join(self.inp, "broken.jpg"), (40, 40), (1, 2, 3))
        self.go_checked(ok={"broken.jpg"}, up=self.all)
        self.go_checked(up=self.all | {"broken.jpg"}, workers=0)

    def test_file_that_turns_bad_fails_once(self):
        self.first_run()
        path = os.path.join(self.inp, "b03.jpg")
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 3])   # truncated JPEG
        r = self.go_checked(up=self.all - {"b03.jpg"}, failed={"b03.jpg"}, workers=1)
        self.assertIn("truncated", r.failed["b03.jpg"])
        r = self.go_checked(up=self.all - {"b03.jpg"}, before={"b03.jpg"}, workers=0)
        self.assertIn("truncated", r.before["b03.jpg"])
        # json: skipped, with the reason and the error
        r = self.go_checked(up=self.all - {"b03.jpg"}, before={"b03.jpg"}, workers=0,
                            json_mode=True)
        self.assertIn("truncated", r.before["b03.jpg"])


class StateFileTest(IncrementalTestCase):
    def state(self):
        return os.path.join(self.out, STATE)

    def test_state_file_exists_and_is_hidden(self):
        r = self.first_run()
        self.assertTrue(os.path.isfile(self.state()))
        self.assertGreater(os.path.getsize(self.state()), 0)
        self.assertOnlyStateHidden(p=r.proc)

    def test_deleted_state_redoes_everything(self):
        self.first_run()
        os.unlink(self.state())
        self.go_checked(ok=self.all)
        self.assertTrue(os.path.isfile(self.state()))
        self.go_checked(up=self.all, workers=0)

    def test_empty_state(self):
        self.first_run()
        open(self.state(), "wb").close()
        self.go_checked(ok=self.all)
        self.go_checked(up=self.all, workers=0)

    def test_random_bytes(self):
        self.first_run()
        rng = random.Random(5)
        for size in (1, 100, 5000):
            with self.subTest(size=size):
                with open(self.state(), "wb") as f:
                    f.write(bytes(rng.randrange(256) for _ in range(size)))
                r = self.go()
                d = helpers.describe(r.proc)
                self.assertEqual(r.failed, {}, d)
                self.assertEqual(r.ok | r.up, self.all, d)
                self.assertEqual(r.ok & r.up, set(), d)
                # the state is sound again afterwards
                self.go_checked(up=self.all, workers=0)

    def test_truncated_last_line(self):
        self.first_run()
        with open(self.state(), "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"), "state is not line-based: %r" % data[-200:])
        start = data.rfind(b"\n", 0, len(data) - 1) + 1   # the last line's start
        last = data[start:-1]
        cut = data[:start] + last[:len(last) // 2]
        with open(self.state(), "wb") as f:
            f.write(cut)
        r = self.go()
        d = helpers.describe(r.proc)
        self.assertEqual(r.failed, {}, d)
        self.assertEqual(r.ok | r.up, self.all, d)
        self.assertEqual(r.ok & r.up, set(), d)
        self.assertLessEqual(len(r.ok), 1, "more than the cut record was lost\n" + d)
        self.go_checked(up=self.all, workers=0)

    def test_partial_line_then_appended_records(self):
        """A killed run can leave half a record; the records appended after it (by
        the next run) must still be read."""
        self.first_run()
        with open(self.state(), "ab") as f:
            f.write(b"\x00\xffnot a record at all\nhalf a rec")
        self.touch_newer("a10.png")
        self.go_checked(ok={"a10.png"}, up=self.all - {"a10.png"})
        self.go_checked(up=self.all, workers=0)
        self.touch_newer("a11.png")
        self.go_checked(ok={"a11.png"}, up=self.all - {"a11.png"})
        self.go_checked(up=self.all, workers=0)

    def test_state_is_per_output(self):
        """Two OUTPUTs from one INPUT keep separate states."""
        other = self.path("out2")
        self.first_run()
        self.go_checked(ok=self.all, out=other)
        self.go_checked(up=self.all, out=other, workers=0)
        self.go_checked(up=self.all, workers=0)


# ---------------------------------------------------------------- slow runs

class SlowRunTestCase(IncrementalTestCase):
    """Adds 60 copies of one 1200x900 JPEG (sepia -j 1: some tens of ms each), in a
    separate INPUT, for runs that must still be going when something happens."""

    SLOW_FILES = 60

    def setUp(self):
        super().setUp()
        self.big = self.mkdir("big")
        first = os.path.join(self.big, "big00.jpg")
        Image.effect_noise((1200, 900), 60).convert("RGB").save(first, quality=90)
        for i in range(1, self.SLOW_FILES):
            shutil.copyfile(first, os.path.join(self.big, "big%02d.jpg" % i))
        self.big_all = {"big%02d.jpg" % i for i in range(self.SLOW_FILES)}

    def slow_argv(self, *extra):
        return ["sepia", self.big, self.out, "-j", "1", "--incremental"] + list(extra)

    def parse(self, p):
        return IncRun(p, self.big)


class KilledRunTest(SlowRunTestCase):
    def test_sigkill_keeps_finished_files(self):
        p = self.start(self.slow_argv())
        first = self.read_lines(p, 3)
        workers = helpers.children(p.pid)
        os.kill(p.pid, signal.SIGKILL)
        killed = self.parse(self.finish(p, first))
        self.assertEqual(killed.proc.returncode, -signal.SIGKILL)
        reported = killed.ok
        self.assertGreaterEqual(len(reported), 3)
        self.assertLess(len(reported), self.SLOW_FILES,
                        "the run finished before it was killed: the test proves nothing")
        self.assertEqual(killed.failed, {})
        for pid in workers:
            self.assertTrue(helpers.wait_for(lambda: not helpers.alive(pid), 30),
                            "worker %d still alive after its master was killed" % pid)
        self.assertTrue(os.path.exists(os.path.join(self.out, LOCK)))

        # the next run is not blocked, and skips what the killed run reported ok
        p2 = helpers.run(self.slow_argv("-j", "2"))
        r = self.parse(p2)
        d = helpers.describe(p2)
        self.assertExit(p2, 0)
        self.assertEqual(r.failed, {}, d)
        self.assertEqual(r.other, [], d)
        self.assertTrue(reported <= r.up, "a file reported ok was not recorded\n" + d)
        # at most the one file in flight may have been recorded without its line
        self.assertLessEqual(len(r.up - reported), 1, d)
        self.assertEqual(r.ok | r.up, self.big_all, d)
        self.assertEqual(r.ok & r.up, set(), d)
        self.assertOnlyStateHidden(p=p2)
        self.assertEqual(set(helpers.all_files(self.out)) - ALLOWED_HIDDEN, self.big_all)
        r3 = self.parse(helpers.run(self.slow_argv()))
        self.assertExit(r3.proc, 0)
        self.assertEqual((r3.ok, r3.up), (set(), self.big_all), helpers.describe(r3.proc))


class LockTest(IncrementalTestCase):
    def test_busy_fresh_output(self):
        fd = hold_lock(self.out)
        before = snapshot(self.out)
        try:
            for args in (self.argv(), self.argv(inc=False), self.argv(extra=["--json"]),
                         ["grayscale", self.inp, self.out, "-r"],
                         ["thumbnail", os.path.join(self.inp, "a00.png"), self.out]):
                with self.subTest(args=args[:1] + args[3:]):
                    p = helpers.run(args)
                    self.assertBusy(p, os.getpid())
                    self.assertEqual(snapshot(self.out), before, "OUTPUT was touched")
        finally:
            release_lock(fd)
        self.first_run()

    def test_busy_after_previous_run(self):
        self.first_run()
        before = snapshot(self.out)
        fd = hold_lock(self.out)
        try:
            self.touch_newer("a01.png")
            os.unlink(os.path.join(self.out, "a02.png"))
            before = snapshot(self.out)
            p = helpers.run(self.argv())
            self.assertBusy(p, os.getpid())
            self.assertEqual(snapshot(self.out), before, "OUTPUT was touched")
        finally:
            release_lock(fd)
        self.go_checked(ok={"a01.png", "a02.png"}, up=self.all - {"a01.png", "a02.png"})

    def test_wait_blocks_until_released(self):
        self.first_run()
        self.touch_newer("b04.jpg")
        fd = hold_lock(self.out)
        released = threading.Event()

        def release():
            released.set()
            release_lock(fd)

        p = self.start(self.argv(extra=["--wait"]))
        timer = threading.Timer(1.0, release)
        timer.start()
        self.addCleanup(timer.cancel)
        # while the lock is held nothing happens
        while not released.is_set():
            if p.poll() is not None:
                break
            time.sleep(0.05)
        exited_early = p.poll() is not None and not released.is_set()
        f = self.finish(p)
        timer.join()
        self.assertFalse(exited_early, "--wait did not wait:\n" + helpers.describe(f))
        r = IncRun(f, self.inp)
        self.assertExit(f, 0)
        self.assertRun(r, ok={"b04.jpg"}, up=self.all - {"b04.jpg"})

    def test_wait_fresh_output(self):
        fd = hold_lock(self.out)
        p = self.start(self.argv(extra=["--wait"]))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        still_waiting = p.poll() is None
        files_meanwhile = helpers.all_files(self.out)
        release_lock(fd)
        f = self.finish(p)
        self.assertTrue(still_waiting, "--wait did not wait:\n" + helpers.describe(f))
        self.assertEqual(files_meanwhile, [LOCK], "written while the lock was held")
        r = IncRun(f, self.inp)
        self.assertExit(f, 0)
        self.assertRun(r, ok=self.all)

    def test_signal_while_waiting(self):
        """A run waiting for the lock (seen as a waiter in /proc/locks) stops on SIGTERM
        or SIGINT like any run, without having written anything."""
        fd = hold_lock(self.out)
        try:
            before = snapshot(self.out)
            for sig in (signal.SIGTERM, signal.SIGINT):
                with self.subTest(signal=sig):
                    p = self.start(self.argv(extra=["--wait"]))
                    waiting = helpers.wait_for(lambda: p.poll() is not None
                                               or helpers.waiting_for_lock(p.pid), 30)
                    self.assertTrue(waiting and p.poll() is None,
                                    "not seen waiting for the lock (exit %s)" % p.poll())
                    p.send_signal(sig)
                    f = self.finish(p)
                    self.assertIn(f.returncode, (-sig, 128 + sig), helpers.describe(f))
                    self.assertEqual(f.stdout, b"", helpers.describe(f))
                    self.assertEqual(snapshot(self.out), before)
        finally:
            release_lock(fd)

    def test_dry_run_takes_no_lock(self):
        self.first_run()
        fd = hold_lock(self.out)
        try:
            p = helpers.run(self.argv(extra=["--dry-run"]))
            self.assertExit(p, 0)
            self.assertNotIn("in use", p.err)
        finally:
            release_lock(fd)

    def test_lock_released_after_run(self):
        """After a run, nobody holds OUTPUT (the lock file itself may be gone)."""
        self.first_run()
        fd = hold_lock(self.out)
        release_lock(fd)
        self.go_checked(up=self.all, workers=0)
        fd = hold_lock(self.out)
        release_lock(fd)

    def test_bench_refuses_the_new_options(self):
        for opt in ("--incremental", "--wait", "--dry-run"):
            with self.subTest(opt=opt):
                p = helpers.run(["bench", self.inp, "-j", "1", "--repeat", "1", opt])
                self.assertExit(p, 2)
                self.assertIn(opt, p.err)


class ConcurrentRunsTest(SlowRunTestCase):
    def start_first(self):
        """Starts a slow run, waits for its first line, and stops it (SIGSTOP) so it
        holds the lock for as long as the test needs."""
        p = self.start(self.slow_argv())
        first = self.read_lines(p, 1)
        os.kill(p.pid, signal.SIGSTOP)
        self.addCleanup(lambda: p.poll() is None and os.kill(p.pid, signal.SIGCONT))
        return p, first

    def check_first(self, p, first):
        os.kill(p.pid, signal.SIGCONT)
        f = self.finish(p, first)
        r = self.parse(f)
        d = helpers.describe(f)
        self.assertExit(f, 0)
        self.assertEqual(r.other, [], d)
        self.assertEqual(len(r.order), self.SLOW_FILES, "a file reported twice?\n" + d)
        self.assertEqual(r.ok, self.big_all, d)
        return r

    def test_second_run_exits_75(self):
        p1, first = self.start_first()
        p2 = helpers.run(self.slow_argv())
        self.assertBusy(p2, p1.pid)
        p3 = helpers.run(["sepia", self.big, self.out, "-j", "1"])  # without --incremental
        self.assertBusy(p3, p1.pid)
        self.check_first(p1, first)
        self.assertOnlyStateHidden()
        self.assertEqual(set(helpers.all_files(self.out)) - ALLOWED_HIDDEN, self.big_all)
        r = self.parse(helpers.run(self.slow_argv()))
        self.assertEqual((r.ok, r.up), (set(), self.big_all), helpers.describe(r.proc))

    def test_second_run_waits_then_finds_everything_done(self):
        p1, first = self.start_first()
        p2 = self.start(self.slow_argv("--wait"))
        self.check_first(p1, first)
        f2 = self.finish(p2)
        r2 = self.parse(f2)
        d = helpers.describe(f2)
        self.assertExit(f2, 0)
        self.assertEqual(r2.ok, set(), "a file processed twice\n" + d)
        self.assertEqual(r2.up, self.big_all, d)


# ---------------------------------------------------------------- dry run

class DryRunTest(IncrementalTestCase):
    def parse_dry(self, p):
        process, skip_up, summary, other = {}, {}, None, []
        for line in p.out.splitlines():
            m = DRY_PROCESS_RE.match(line)
            if m:
                process[os.path.relpath(unquote_name(m.group("input")), self.inp)] = \
                    unquote_name(m.group("output"))
                continue
            m = DRY_SKIP_UP_RE.match(line)
            if m:
                skip_up[os.path.relpath(unquote_name(m.group("input")), self.inp)] = \
                    unquote_name(m.group("output"))
                continue
            m = DRY_SUMMARY_RE.match(line)
            if m and summary is None:
                summary = {k: int(v or 0) for k, v in m.groupdict().items()}
                continue
            other.append(line)
        self.assertEqual(other, [], helpers.describe(p))
        self.assertIsNotNone(summary, helpers.describe(p))
        return process, skip_up, summary

    def test_dry_run_incremental(self):
        self.first_run()
        self.touch_newer("a09.png")
        before = snapshot(self.out)
        for flag in ("--dry-run", "-n"):
            with self.subTest(flag=flag):
                p = helpers.run(self.argv(extra=[flag]))
                self.assertExit(p, 0)
                self.assertEqual(p.err, "", helpers.describe(p))
                process, skip_up, summary = self.parse_dry(p)
                self.assertEqual(process, {"a09.png": os.path.join(self.out, "a09.png")})
                self.assertEqual(sorted(skip_up), sorted(self.all - {"a09.png"}))
                for rel, out in skip_up.items():
                    self.assertEqual(out, os.path.join(self.out, rel))
                self.assertEqual(summary, {"process": 1, "skip": 24, "up_to_date": 24,
                                           "refused": 0})
                self.assertEqual(snapshot(self.out), before, "the dry run wrote into OUTPUT")
        # the dry run recorded nothing: the real run still does a09
        self.go_checked(ok={"a09.png"}, up=self.all - {"a09.png"})

    def test_dry_run_json(self):
        self.first_run()
        self.touch_newer(os.path.join("sub", "c0.png"))
        before = snapshot(self.out)
        p = helpers.run(self.argv(extra=["-n", "--json"]))
        self.assertExit(p, 0)
        j = helpers.JsonRun(p)
        self.assertEqual(len(j.records), 25)
        by = {os.path.relpath(rec["input"], self.inp): rec for rec in j.records}
        c0 = os.path.join("sub", "c0.png")
        self.assertEqual(by[c0]["status"], "would_process", by[c0])
        self.assertEqual(by[c0]["output"], os.path.join(self.out, c0))
        for rel in self.all - {c0}:
            self.assertEqual((by[rel]["status"], by[rel]["reason"]), ("skipped", "up to date"),
                             by[rel])
        summary = dict(j.summary)
        self.assertIsNone(summary.pop("shard", None), j.summary)   # "K/N" when sharded
        self.assertEqual(summary, {"dry_run": True, "op": "resize", "total": 25,
                                     "would_process": 1, "skipped": 24, "up_to_date": 24,
                                     "failed_before": 0, "refused": 0, "would_prune": 0})
        self.assertEqual(snapshot(self.out), before)

    def test_dry_run_fresh_output_is_not_created(self):
        out = self.path("new", "out")
        for inc in (True, False):
            with self.subTest(incremental=inc):
                p = helpers.run(self.argv(out=out, inc=inc, extra=["--dry-run"]))
                self.assertExit(p, 0)
                process, skip_up, summary = self.parse_dry(p)
                self.assertEqual(sorted(process), sorted(self.all))
                for rel, o in process.items():
                    self.assertEqual(o, os.path.join(out, rel))
                self.assertEqual(skip_up, {})
                self.assertEqual(summary, {"process": 25, "skip": 0, "up_to_date": 0,
                                           "refused": 0})
                self.assertFalse(os.path.exists(self.path("new")), "OUTPUT's parent created")

    def test_dry_run_without_incremental_lists_everything(self):
        self.first_run()
        before = snapshot(self.out)
        p = helpers.run(self.argv(inc=False, extra=["--dry-run"]))
        self.assertExit(p, 0)
        process, skip_up, summary = self.parse_dry(p)
        self.assertEqual(sorted(process), sorted(self.all))
        self.assertEqual(skip_up, {})
        self.assertEqual(snapshot(self.out), before)

    def test_dry_run_skips_a_file_that_failed_before(self):
        with open(os.path.join(self.inp, "zz.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)   # a PNG signature, then nothing
        r = self.go_checked(ok=self.all, failed={"zz.png"})
        p = helpers.run(self.argv(extra=["--dry-run"]))
        self.assertExit(p, 0)
        lines = p.out.splitlines()
        before = [l for l in lines if "zz.png" in l]
        self.assertEqual(before, ["skip     %s: failed before, unchanged since (--retry-failed "
                                  "retries it): %s" % (os.path.join(self.inp, "zz.png"),
                                                       r.failed["zz.png"])],
                         helpers.describe(p))
        self.assertEqual(lines[-1], "dry run: 0 to process, 26 to skip (25 up to date, "
                                    "1 failed before), 0 refused; nothing written")
        j = helpers.JsonRun(helpers.run(self.argv(extra=["--dry-run", "--json"])))
        rec = j.by_name()["zz.png"]
        self.assertEqual((rec["status"], rec["reason"], rec["error"]),
                         ("skipped", "failed before", r.failed["zz.png"]))
        self.assertEqual(j.summary["failed_before"], 1, j.summary)
        # --retry-failed: it would be processed again
        p = helpers.run(self.argv(extra=["--dry-run", "--retry-failed"]))
        self.assertExit(p, 0)
        process, skip_up, summary = self.parse_dry(p)
        self.assertEqual(sorted(process), ["zz.png"])
        self.assertEqual(sorted(skip_up), sorted(self.all))

    def test_dry_run_refuses_what_a_run_would_refuse(self):
        self.first_run()
        with open(os.path.join(self.inp, "text.jpg"), "w") as f:
            f.write("just some text, not a JPEG\n")
        with open(os.path.join(self.inp, "notes.txt"), "w") as f:
            f.write("notes\n")
        os.unlink(os.path.join(self.inp, "a00.png"))
        before = snapshot(self.out)
        p = helpers.run(self.argv(extra=["--dry-run"]))
        self.assertExit(p, 1)
        lines = p.out.splitlines()
        refused = [l for l in lines if l.startswith("refuse")]
        self.assertEqual(len(refused), 1, helpers.describe(p))
        self.assertRegex(refused[0], r"^refuse +.*text\.jpg: not a JPEG file")
        skipped = [l for l in lines if l.startswith("skip") and "notes.txt" in l]
        self.assertEqual(len(skipped), 1, helpers.describe(p))
        self.assertRegex(skipped[0], r"^skip +.*notes\.txt: not an image file by its extension$")
        m = DRY_SUMMARY_RE.match(lines[-1])
        self.assertIsNotNone(m, helpers.describe(p))
        self.assertEqual((m.group("process"), m.group("skip"), m.group("up_to_date"),
                          m.group("refused")), ("0", "25", "24", "1"), helpers.describe(p))
        self.assertEqual(snapshot(self.out), before)


class OutputInsideInputTest(IncrementalTestCase):
    def test_output_inside_input(self):
        out = os.path.join(self.inp, "resized")
        self.go_checked(ok=self.all, out=out)
        self.go_checked(up=self.all, out=out, workers=0)
        self.assertOnlyStateHidden(out)


if __name__ == "__main__":
    unittest.main()
