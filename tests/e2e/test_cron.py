"""imgbatch as a cron job runs it, every ten minutes over a folder that keeps growing:
what it prints and where, what it remembers between runs, how it waits for OUTPUT and
what it cleans up.

- Streams: with --quiet a run where nothing failed prints nothing at all, and a new bad
  file makes exactly one line, on stderr; the next run is silent again (the file failed
  before and has not changed) and exits 0.
- Failures remembered (--incremental): only failures that are the input's own (its
  content, a limit, a decoder that outlasts --timeout on it) are recorded; a write
  error, a worker's death (its library's doing as much as the file's) or a run whose
  workers kept dying records nothing.  A changed file, other limits or --retry-failed
  try it again.
- --wait=SECONDS: gives up with status 75 and says how long it waited; a lock let go
  within the time lets the run go on; "--wait 30" is --wait and an operand.
- --metrics-file: the last success is there on the first, failing run, as 0.
- --prune (with --incremental): removes the outputs it recorded for inputs that are gone,
  one stdout line each ("- IN -> OUT (removed: its input is gone)"), counted in the
  summary, the stats and the metrics; and nothing else: not an input it merely did not
  see (no -r, --files-from, another shard), not another INPUT's outputs, not a file it
  did not write, not a link, a directory, an edited or a replaced output at that name,
  not through a directory turned into a link, never a directory.  --dry-run lists them.
- --state-dir DIR: OUTPUT holds nothing of imgbatch's; DIR holds NAME-HASH.lock and
  NAME-HASH.state[.K-of-N], distinct for OUTPUTs that share DIR, the same for one OUTPUT
  however spelled; links, FIFOs and directories planted at those names are refused and
  left as they are; the lock there keeps runs apart; report files may not name them.
"""

import fcntl
import json
import os
import re
import resource
import signal
import subprocess
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, describe, run

EX_TEMPFAIL = 75
LOCK = ".imgbatch.lock"
STATE = ".imgbatch-state"
BUSY_RE = re.compile(r"^imgbatch: OUTPUT (?P<out>.*) is in use by another imgbatch run "
                     r"\(pid (?P<pid>\d+)(?:, --shard \d+/\d+)?\); not started after waiting "
                     r"(?P<waited>[0-9.]+) s \(--wait=(?P<limit>[0-9.]+)\)$")


def png(path, size=(24, 16), colour=(10, 120, 200)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, colour).save(path, format="PNG")


def truncated_jpeg(path):
    """A JPEG cut off halfway: its decoder says truncated, the file's own fault."""
    tmp = path + ".whole.jpg"
    Image.effect_noise((64, 48), 50).convert("RGB").save(tmp, format="JPEG", quality=90)
    with open(tmp, "rb") as f:
        data = f.read()
    os.unlink(tmp)
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


class CronTestCase(ImgbatchTestCase):
    """Five small PNGs in INPUT; self.cron() runs resize -s 8x8 --incremental --quiet."""

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.out = self.path("out")
        for i in range(5):
            png(self.path("in", "p%d.png" % i), (20 + i, 14), (i * 40, 90, 160))
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)

    def argv(self, *extra, out=None, quiet=True):
        return ["resize", self.inp, out or self.out, "-s", "8x8", "-j", "2", "--incremental"] + \
            (["--quiet"] if quiet else []) + list(extra)

    def cron(self, *extra, expect=0, **kw):
        p = run(self.argv(*extra), **kw)
        self.assertExit(p, expect)
        return p

    def assertSilent(self, p):
        self.assertEqual((p.out, p.err), ("", ""), describe(p))

    def hold_lock(self, out=None):
        out = out or self.out
        os.makedirs(out, exist_ok=True)
        fd = os.open(os.path.join(out, LOCK), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd


class QuietCronTest(CronTestCase):
    def test_cron_pair(self):
        """The complaint: cron mailed every run.  Now: silent when clean; a new bad upload
        makes one stderr line and exit 1; the next run is silent again and exits 0."""
        self.assertSilent(self.cron())
        self.assertSilent(self.cron())
        truncated_jpeg(self.path("in", "upload.jpg"))
        p = self.cron(expect=1)
        self.assertEqual(p.out, "", describe(p))
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        self.assertRegex(lines[0], r"^\u2717 .*/upload\.jpg: truncated JPEG")
        self.assertSilent(self.cron())
        self.assertSilent(self.cron())
        # without --quiet the run says why it skips it, on stdout, and names the option
        p = run(self.argv(quiet=False))
        self.assertExit(p, 0)
        self.assertEqual(p.err, "")
        self.assertRegex(p.out, r"(?m)^= .*/upload\.jpg \(failed before, unchanged since; "
                                r"--retry-failed retries it\): truncated JPEG")
        self.assertRegex(p.out, r"(?m)^resize: 0 ok, 0 failed, 6 skipped \(5 up to date, "
                                r"1 failed before\) in ")
        # replaced by a good upload of the same name: processed, silently
        png(self.path("in", "upload.jpg"))
        os.rename(self.path("in", "upload.jpg"), self.path("in", "upload.png"))
        self.assertSilent(self.cron())
        self.assertIn("upload.png", os.listdir(self.out))

    def test_planted_link_and_fifo_said_once(self):
        """A link or a FIFO named like an image, planted in an upload folder, fails at the
        scan: once, like a bad upload, then silence until it changes; --retry-failed
        reports it again."""
        self.cron()
        os.symlink("/etc/passwd", self.path("in", "evil.jpg"))
        os.mkfifo(self.path("in", "pipe.png"))
        p = self.cron(expect=1)
        self.assertEqual(p.out, "", describe(p))
        self.assertEqual(sorted(l.split(":")[0] for l in p.err.splitlines()),
                         ["\u2717 " + self.path("in", "evil.jpg"),
                          "\u2717 " + self.path("in", "pipe.png")], describe(p))
        self.assertSilent(self.cron())
        p = self.cron("--retry-failed", expect=1)
        self.assertEqual(len(p.err.splitlines()), 2, describe(p))
        # another link in its place is a change: said again
        os.unlink(self.path("in", "evil.jpg"))
        os.symlink("/etc/shadow", self.path("in", "evil.jpg"))
        p = self.cron(expect=1)
        self.assertEqual(len(p.err.splitlines()), 1, describe(p))
        self.assertIn("symbolic link", p.err)
        self.assertNotIn("evil.jpg", os.listdir(self.out))

    def test_interrupted_quiet_run_says_so(self):
        """--quiet, and SIGTERM while a file is in flight: one stderr line says the run was
        interrupted (its status says it too), stdout stays empty."""
        env = helpers.fault_env(IMGBATCH_FAULT_MARKS=self.mkdir("marks"))
        os.rename(self.path("in", "p0.png"), self.path("in", "p0-hang-in-decoder.png"))
        p = subprocess.Popen([helpers.BIN] + self.argv("-j", "1"), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        self.assertTrue(helpers.wait_for(lambda: os.listdir(self.path("marks")), 60),
                        "the hanging file never started")
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, err)
        self.assertEqual(out, b"")
        self.assertRegex(err.decode(), r"(?m)^imgbatch: interrupted by SIGTERM: \d+ files? "
                                       r"not started$")


class FailureMemoryTest(CronTestCase):
    """Which failures a later run leaves be, and what tries them again."""

    def test_limits_and_changes_retry(self):
        png(self.path("in", "big.png"), (300, 200))
        p = self.cron("--max-pixels", "0.05", expect=1)       # 0.06 MP: too large
        self.assertIn("image too large", p.err)
        self.assertSilent(self.cron("--max-pixels", "0.05"))  # same limit: left be
        self.assertSilent(self.cron())                        # default limit: it passes
        self.assertIn("big.png", os.listdir(self.out))
        # a file that fails, then changes (touched): tried again
        truncated_jpeg(self.path("in", "cut.jpg"))
        self.cron(expect=1)
        self.assertSilent(self.cron())
        st = os.stat(self.path("in", "cut.jpg"))
        os.utime(self.path("in", "cut.jpg"), ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        p = self.cron(expect=1)
        self.assertIn("cut.jpg", p.err)
        # --retry-failed: tried again, unchanged
        p = self.cron("--retry-failed", expect=1)
        self.assertIn("cut.jpg", p.err)
        # other options that shape the output: tried again too
        p = run(self.argv()[:-1] + ["-s", "6x6", "--quiet"])
        self.assertExit(p, 1)
        self.assertIn("cut.jpg", p.err)

    def test_write_error_not_remembered(self):
        """A failure writing the output says nothing about the input: retried next run."""
        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

        p = run(self.argv(), preexec_fn=small_files)
        self.assertExit(p, 1)
        self.assertIn("File too large", p.err)
        self.assertSilent(self.cron())
        self.assertEqual(len([n for n in os.listdir(self.out) if n.endswith(".png")]), 5)

    def test_worker_deaths_not_remembered(self):
        """A worker that dies may have died of its image library or of the machine, not of
        the file: a library that crashes as it starts fails every PNG once, and the next,
        healthy run does them all.  So a decoder that really crashes on a file is tried
        again on every run."""
        env = helpers.fault_env(IMGBATCH_FAULT_INIT="crash")
        p = self.cron(expect=1, env=env)
        self.assertEqual(len(re.findall(r"(?m)^\u2717 .*: worker \d+ died: SIGSEGV$", p.err)),
                         5, describe(p))
        self.assertSilent(self.cron())
        self.assertEqual(len([n for n in os.listdir(self.out) if n.endswith(".png")]), 5)
        png(self.path("in", "x-crash-in-decoder.png"))
        for _ in range(2):
            p = self.cron(expect=1, env=helpers.fault_env())
            self.assertRegex(p.err, r"x-crash-in-decoder\.png: worker \d+ died: SIGSEGV")

    def test_timeout_remembered(self):
        """A decoder that outlasts --timeout on a file would again: left be with the same
        --timeout, tried again with another."""
        env = helpers.fault_env()
        png(self.path("in", "x-hang-in-decoder.png"))
        p = self.cron("--timeout", "0.5", expect=1, env=env)
        self.assertRegex(p.err, r"x-hang-in-decoder\.png: timed out after 0\.5 s")
        self.assertSilent(self.cron("--timeout", "0.5", env=env))
        p = self.cron("--timeout", "0.6", expect=1, env=env)
        self.assertIn("timed out after 0.6 s", p.err)

    def test_a_run_that_gave_up_records_nothing(self):
        """A file refused on its content by the first worker, then every other worker dies
        as its image library starts: the run gives up (status 3), and forgets even that
        one failure, as workers that kept dying cast doubt on the whole run."""
        with open(self.path("in", "text.png"), "wb") as f:
            f.write(b"plain text, not a PNG\n" * 20000)   # the largest: first
        for i in range(12):
            png(self.path("in", "more%02d.png" % i))
        env = helpers.fault_env(IMGBATCH_FAULT_INIT="crash")
        p = run(self.argv("-j", "1"), env=env)
        self.assertExit(p, 3)
        self.assertRegex(p.err, r"text\.png: not a PNG file")
        p = self.cron(expect=1)                   # healthy: text.png fails again, once
        self.assertEqual([l for l in p.err.splitlines() if "text.png" in l and
                          l.startswith("\u2717")], [l for l in p.err.splitlines()], describe(p))
        self.assertSilent(self.cron())


class LastSuccessTest(CronTestCase):
    def test_zero_before_any_success(self):
        metrics = self.path("m.prom")
        truncated_jpeg(self.path("in", "cut.jpg"))
        self.cron("--metrics-file", metrics, expect=1)
        with open(metrics) as f:
            text = f.read()
        self.assertRegex(text, r'(?m)^imgbatch_last_success_timestamp_seconds\{op="resize",'
                               r'output="[^"]*"\} 0\.000$')
        # the next run (the bad file left be) succeeds: now it is its finish
        self.cron("--metrics-file", metrics)
        with open(metrics) as f:
            m = re.search(r"(?m)^imgbatch_last_success_timestamp_seconds\{.*\} (\S+)$",
                          f.read())
        self.assertGreater(float(m.group(1)), 1e9)


class WaitLimitTest(CronTestCase):
    def test_gives_up_after_the_limit(self):
        fd = self.hold_lock()
        try:
            for extra in (["--wait=0.6"], ["--wait=0.6", "--shard", "1/2"]):
                with self.subTest(extra=extra):
                    p = run(self.argv(*extra))
                    self.assertExit(p, EX_TEMPFAIL)
                    self.assertEqual(p.out, "", describe(p))
                    lines = p.err.splitlines()
                    self.assertEqual(len(lines), 1, describe(p))
                    m = BUSY_RE.match(lines[0])
                    self.assertTrue(m, describe(p))
                    self.assertEqual((m.group("out"), int(m.group("pid")), m.group("limit")),
                                     (self.out, os.getpid(), "0.6"), describe(p))
                    # it waited its time (the deadline, never before it)
                    self.assertGreaterEqual(float(m.group("waited")), 0.6, describe(p))
            self.assertEqual(helpers.all_files(self.out), [LOCK], "written while held")
        finally:
            os.close(fd)

    def test_runs_when_let_go_in_time(self):
        """The holder lets go while the run waits (seen waiting in /proc/locks): it runs,
        and the timer that bounded its wait does not follow it into the work."""
        fd = self.hold_lock()
        p = subprocess.Popen([helpers.BIN] + self.argv("--wait=600", "-j", "2"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        try:
            self.assertTrue(helpers.wait_for(lambda: p.poll() is not None
                                             or helpers.waiting_for_lock(p.pid), 60),
                            "never seen waiting")
            self.assertIsNone(p.poll(), "exited instead of waiting")
        finally:
            os.close(fd)
        out, err = p.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual((p.returncode, out, err), (0, b"", b""))
        self.assertEqual(len([n for n in os.listdir(self.out) if n.endswith(".png")]), 5)

    def test_separate_word_is_an_operand(self):
        """`--wait 30` is --wait and an operand: 30 is OUTPUT, and the OUTPUT before it
        an INPUT (missing here, so nothing is done), as with any option without a value."""
        p = run(["resize", self.inp, self.out, "--wait", "30"])
        self.assertExit(p, 2)
        self.assertIn("cannot read INPUT %s" % self.out, p.err)
        self.assertFalse(os.path.exists(self.out))
        self.assertFalse(os.path.exists("30"))

    def test_bad_limits(self):
        for value in ("0", "-1", "soon", "", "1e9"):
            with self.subTest(value=value):
                p = run(self.argv("--wait=" + value))
                self.assertExit(p, 2)
                self.assertIn("--wait=SECONDS", p.err)


class PruneTest(CronTestCase):
    """The five PNGs of CronTestCase, and two more in sub/ (runs use -r)."""

    def setUp(self):
        super().setUp()
        for i in range(2):
            png(self.path("in", "sub", "s%d.png" % i), (30, 20 + i), (200, i * 100, 0))
        self.victim_dir = self.mkdir("victims")
        self.victim = os.path.join(self.victim_dir, "p1.png")
        with open(self.victim, "w") as f:
            f.write("not imgbatch's\n")

    def argv(self, *extra, out=None, quiet=True):
        return super().argv("-r", *extra, out=out, quiet=quiet)

    def prune(self, *extra, expect=0):
        """A --prune run, not quiet: {input rel: output path} of the lines, and the run."""
        p = run(self.argv("--prune", *extra, quiet=False))
        self.assertExit(p, expect)
        pruned = {}
        for line in p.out.splitlines():
            m = re.match(r"^- (.*) -> (.*) \(removed: its input is gone\)$", line)
            if m:
                pruned[os.path.relpath(m.group(1), self.inp)] = m.group(2)
        return pruned, p

    def outputs(self):
        return sorted(helpers.all_files(self.out))

    def test_outputs_of_gone_inputs_removed(self):
        self.assertSilent(self.cron())
        os.unlink(self.path("in", "p2.png"))
        os.unlink(self.path("in", "sub", "s1.png"))
        pruned, p = self.prune()
        self.assertEqual(pruned, {"p2.png": os.path.join(self.out, "p2.png"),
                                  os.path.join("sub", "s1.png"):
                                      os.path.join(self.out, "sub", "s1.png")}, describe(p))
        self.assertRegex(p.out, r"(?m)^resize: 0 ok, 0 failed, 5 skipped \(5 up to date\), "
                                r"2 pruned in ")
        self.assertEqual(p.err, "")
        visible = [f for f in self.outputs() if not f.startswith(".")]
        self.assertEqual(visible, ["p0.png", "p1.png", "p3.png", "p4.png",
                                   os.path.join("sub", "s0.png")])
        self.assertTrue(os.path.isdir(os.path.join(self.out, "sub")), "a directory removed")
        # done: the records went with the outputs
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))
        self.assertNotIn("pruned", p.out)

    def test_counted_in_json_stats_and_metrics(self):
        self.cron()
        os.unlink(self.path("in", "p0.png"))
        stats, metrics = self.path("stats.json"), self.path("m.prom")
        p = run(self.argv("--prune", "--json", "--stats-file", stats, "--metrics-file",
                          metrics, quiet=False))
        self.assertExit(p, 0)
        j = helpers.JsonRun(p)
        self.assertEqual(j.by_status("pruned"),
                         [{"input": self.path("in", "p0.png"),
                           "output": os.path.join(self.out, "p0.png"), "status": "pruned"}])
        self.assertEqual((j.summary["pruned"], j.summary["total"]), (1, 6), j.summary)
        with open(stats) as f:
            self.assertEqual(json.load(f)["pruned"], 1)
        with open(metrics) as f:
            self.assertRegex(f.read(), r'(?m)^imgbatch_outputs_pruned\{op="resize",'
                                       r'output="[^"]*"\} 1$')

    def test_quiet_and_dry_run(self):
        self.cron()
        os.unlink(self.path("in", "p3.png"))
        before = self.outputs()
        p = run(self.argv("--prune", "-n", quiet=False))
        self.assertExit(p, 0)
        self.assertIn("prune    %s -> %s" % (self.path("in", "p3.png"),
                                              os.path.join(self.out, "p3.png")), p.out)
        self.assertRegex(p.out, r"(?m)^dry run: 0 to process, 6 to skip \(6 up to date\), "
                                r"1 to prune, 0 refused; nothing written$")
        j = helpers.JsonRun(run(self.argv("--prune", "-n", "--json", quiet=False)))
        self.assertEqual(j.summary["would_prune"], 1, j.summary)
        self.assertEqual([r["status"] for r in j.records if r["input"].endswith("p3.png")],
                         ["would_prune"])
        self.assertEqual(self.outputs(), before, "the dry run removed something")
        # --quiet: removed without a word, as nothing failed
        self.assertSilent(self.cron("--prune"))
        self.assertNotIn("p3.png", self.outputs())

    def test_needs_incremental_and_a_directory(self):
        p = run(["resize", self.inp, self.out, "--prune"])
        self.assertExit(p, 2)
        self.assertIn("--prune goes with --incremental", p.err)
        p = run(["resize", self.path("in", "p0.png"), self.out, "--incremental", "--prune"])
        self.assertExit(p, 2)
        self.assertIn("--prune needs one INPUT, a directory", p.err)
        p = run(["resize", self.inp, self.inp, self.out, "--incremental", "--prune"])
        self.assertExit(p, 2)
        self.assertIn("--prune needs one INPUT, a directory", p.err)
        self.assertFalse(os.path.exists(self.out))

    def test_inputs_not_seen_are_not_gone(self):
        """A run that does not see some inputs (no -r, --files-from) removes nothing of
        theirs: an input is gone only when nothing is at its name."""
        self.cron()
        before = self.outputs()
        p = run(["resize", self.inp, self.out, "-s", "8x8", "--incremental", "--prune"])
        self.assertExit(p, 0)
        self.assertNotIn("pruned", p.out)
        listing = self.path("list")
        with open(listing, "w") as f:
            f.write("p0.png\n")
        p = run(self.argv("--prune", "--files-from", listing))
        self.assertExit(p, 0)
        self.assertEqual(self.outputs(), before)
        # an input replaced by a directory, a link or a FIFO is still something there
        os.unlink(self.path("in", "p1.png"))
        os.mkdir(self.path("in", "p1.png"))
        os.unlink(self.path("in", "p2.png"))
        os.symlink("p0.png", self.path("in", "p2.png"))
        os.unlink(self.path("in", "p3.png"))
        os.mkfifo(self.path("in", "p3.png"))
        pruned, p = self.prune(expect=1)  # the link and the FIFO fail, as files the scan refuses
        self.assertEqual(pruned, {}, describe(p))
        self.assertEqual(self.outputs(), before)

    def test_other_shards_and_other_inputs_left_alone(self):
        # shard 1 of 2 prunes only what its own state recorded
        for k in (1, 2):
            self.assertExit(run(self.argv("--shard", "%d/2" % k)), 0)
        for i in range(5):
            os.unlink(self.path("in", "p%d.png" % i))
        pruned1, p = self.prune("--shard", "1/2")
        pruned2, p = self.prune("--shard", "2/2")
        self.assertEqual(set(pruned1) | set(pruned2), {"p%d.png" % i for i in range(5)})
        self.assertEqual(set(pruned1) & set(pruned2), set())
        for rel in pruned1:
            self.assertEqual(subprocess_shard(rel, 2), 1, rel)
        # another INPUT writing the same OUTPUT: its outputs are not this INPUT's to prune
        other = self.mkdir("other")
        png(os.path.join(other, "o.png"))
        p = run(["resize", other, self.out, "-s", "8x8", "--incremental"])
        self.assertExit(p, 0)
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))
        self.assertIn("o.png", self.outputs())

    def test_what_imgbatch_did_not_write_is_left_alone(self):
        """At the name of an output whose input is gone: a link (to a victim, and the
        victim itself), a directory, an edited file, another file moved in; a directory
        on the way turned into a link; and files of someone else's in OUTPUT."""
        self.cron()
        for name in ("p0.png", "p1.png", "p2.png", "p3.png", os.path.join("sub", "s0.png"),
                     os.path.join("sub", "s1.png")):
            os.unlink(self.path("in", name))
        out = lambda *parts: os.path.join(self.out, *parts)
        os.unlink(out("p0.png"))
        os.mkdir(out("p0.png"))                      # a directory
        os.unlink(out("p1.png"))
        os.symlink(self.victim, out("p1.png"))       # a link to a victim
        with open(out("p2.png"), "ab") as f:         # edited since imgbatch wrote it
            f.write(b"more")
        os.unlink(out("p3.png"))
        os.link(self.victim, out("p3.png"))          # another file, moved (linked) in
        os.rename(out("sub"), self.path("moved-sub"))
        os.symlink(self.path("moved-sub"), out("sub"))  # a directory on the way, now a link
        with open(out("notes.txt"), "w") as f:
            f.write("someone else's\n")
        before = {f: os.lstat(out(f)) for f in os.listdir(self.out)}
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))
        self.assertEqual(p.err, "", describe(p))
        self.assertEqual(sorted(os.listdir(self.out)), sorted(before))
        self.assertTrue(os.path.islink(out("p1.png")) and os.path.isdir(out("p0.png")))
        self.assertTrue(os.path.exists(os.path.join(self.path("moved-sub"), "s0.png")))
        with open(self.victim) as f:
            self.assertEqual(f.read(), "not imgbatch's\n")
        # and their records are forgotten: a later run does not come back to them
        os.unlink(out("p1.png"))
        png(out("p1.png"))
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))
        self.assertTrue(os.path.exists(out("p1.png")))

    def test_output_name_taken_by_a_new_input(self):
        """a.bmp made a.png; a.bmp goes and an a.png input comes: the output is the new
        file's, made again, not removed."""
        Image.new("RGB", (20, 20), (0, 0, 255)).save(self.path("in", "a.bmp"))
        self.cron()
        os.unlink(self.path("in", "a.bmp"))
        png(self.path("in", "a.png"), (20, 20), (255, 0, 0))
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))
        with Image.open(os.path.join(self.out, "a.png")) as im:
            self.assertEqual(im.convert("RGB").getpixel((4, 4))[0] > 200, True)

    def test_state_from_before_inputs_were_recorded(self):
        """A state written before records named their INPUT: an output is pruned only once
        a run has seen its input (and so knows the record is this INPUT's)."""
        self.cron()
        state = os.path.join(self.out, STATE)
        with open(state) as f:
            lines = [l for l in f if not l.startswith("input ")]
        with open(state, "w") as f:
            f.writelines(lines)
        os.unlink(self.path("in", "p0.png"))
        pruned, p = self.prune()
        self.assertEqual(pruned, {}, describe(p))     # unknown INPUT: left alone
        self.assertIn("p0.png", self.outputs())
        os.unlink(self.path("in", "p1.png"))          # seen by the last run: now known
        pruned, p = self.prune()
        self.assertEqual(list(pruned), ["p1.png"], describe(p))


def subprocess_shard(rel, n):
    """The shard of an INPUT-relative path, as shard.c computes it."""
    h = 0xcbf29ce484222325
    for b in rel.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h % n + 1


def stem_of(output):
    """What kept_files.c names OUTPUT's files in a --state-dir: its last component tamed,
    and the 64-bit FNV-1a hash of its real path."""
    real = os.path.realpath(output).encode()
    h = 0xcbf29ce484222325
    for b in real:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    base = real.rsplit(b"/", 1)[-1][:32]
    text = "".join(chr(c) if (chr(c).isascii() and (chr(c).isalnum() or chr(c) in "_-"))
                   or (chr(c) == "." and i > 0) else "_" for i, c in enumerate(base))
    return "%s-%016x" % (text or "root", h)


class StateDirTest(CronTestCase):
    def setUp(self):
        super().setUp()
        self.dir = self.path("var", "lib", "imgbatch")

    def images_in(self, out):
        return sorted(n for n in os.listdir(out) if n.endswith(".png"))

    def test_nothing_of_imgbatch_in_output(self):
        self.cron("--state-dir", self.dir)
        self.assertEqual(helpers.hidden_files(self.out), [], "imgbatch's files in OUTPUT")
        self.assertEqual(len(self.images_in(self.out)), 5)
        stem = stem_of(self.out)
        # the lock file of a run without --shard goes at its end, as in OUTPUT
        self.assertEqual(os.listdir(self.dir), [stem + ".state"])
        # the second run finds its state there: silent, nothing redone
        before = {n: os.stat(os.path.join(self.out, n)).st_ino for n in self.images_in(self.out)}
        self.assertSilent(self.cron("--state-dir", self.dir))
        p = run(self.argv("--state-dir", self.dir, "--json", quiet=False))
        j = helpers.JsonRun(p)
        self.assertEqual(j.summary["up_to_date"], 5, describe(p))
        self.assertEqual(before, {n: os.stat(os.path.join(self.out, n)).st_ino
                                  for n in self.images_in(self.out)})
        # the state in OUTPUT, if any, is another one: without --state-dir all is redone
        p = run(self.argv("--json", quiet=False))
        self.assertEqual(helpers.JsonRun(p).summary["ok"], 5, describe(p))

    def test_outputs_sharing_the_directory(self):
        """Two OUTPUTs with the same last component, and one OUTPUT spelled two ways."""
        out_a = self.path("a", "small")
        out_b = self.path("b", "small")
        for out in (out_a, out_b):
            p = run(self.argv("--state-dir", self.dir, out=out))
            self.assertSilent(p)
        names = sorted(os.listdir(self.dir))
        self.assertEqual(names, sorted([stem_of(out_a) + ".state", stem_of(out_b) + ".state"]))
        self.assertTrue(all(n.startswith("small-") for n in names), names)
        spelled = self.path("a", ".", "..", "a", "small") + "/"
        p = run(self.argv("--state-dir", self.dir, "--json", out=spelled, quiet=False))
        self.assertEqual(helpers.JsonRun(p).summary["up_to_date"], 5, describe(p))
        # shards: one lock for the OUTPUT, a state per split
        for k in (1, 2):
            self.assertExit(run(self.argv("--state-dir", self.dir, "--shard", "%d/2" % k,
                                          out=out_a)), 0)
        stem = stem_of(out_a)
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if n.startswith(stem)),
                         sorted([stem + ".lock", stem + ".state", stem + ".state.1-of-2",
                                 stem + ".state.2-of-2"]))

    def test_lock_in_the_directory(self):
        """A run holds DIR's lock file for OUTPUT: another run on that OUTPUT with the
        same DIR is turned away; one on the same OUTPUT keeping its lock in OUTPUT is not
        (they are separate worlds, which is why a cron job must keep one setting)."""
        os.makedirs(self.dir)
        os.makedirs(self.out)
        lock = os.path.join(self.dir, stem_of(self.out) + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            p = run(self.argv("--state-dir", self.dir))
            self.assertExit(p, EX_TEMPFAIL)
            self.assertIn("in use by another imgbatch run (pid %d)" % os.getpid(), p.err)
            self.assertEqual(os.listdir(self.out), [])
        finally:
            os.close(fd)
        self.assertSilent(self.cron("--state-dir", self.dir))

    def test_planted_files_refused(self):
        """A link, a FIFO or a directory at a name of DIR stops the run (status 2, one
        line) and stays what it was; the link's target is untouched."""
        os.makedirs(self.dir)
        os.makedirs(self.out)
        stem = stem_of(self.out)
        victim = self.path("victim")
        with open(victim, "w") as f:
            f.write("precious\n")
        for name, plant in ((".state", "link"), (".state", "fifo"), (".lock", "link"),
                            (".lock", "fifo"), (".lock", "dir"), (".state", "dir")):
            with self.subTest(name=name, plant=plant):
                target = os.path.join(self.dir, stem + name)
                if plant == "link":
                    os.symlink(victim, target)
                elif plant == "fifo":
                    os.mkfifo(target)
                else:
                    os.mkdir(target)
                try:
                    p = run(self.argv("--state-dir", self.dir), timeout=60)
                    self.assertExit(p, 2)
                    self.assertEqual(len(p.err.splitlines()), 1, describe(p))
                    self.assertIn(target, p.err)
                    self.assertEqual(os.path.islink(target), plant == "link")
                    self.assertEqual(os.path.isdir(target) and not os.path.islink(target),
                                     plant == "dir")
                    with open(victim) as f:
                        self.assertEqual(f.read(), "precious\n")
                finally:
                    (os.rmdir if plant == "dir" else os.unlink)(target)
        self.assertEqual(self.images_in(self.out), [])

    def test_report_files_may_not_name_them(self):
        self.cron("--state-dir", self.dir, "--shard", "1/1")
        stem = stem_of(self.out)
        for option in ("--stats-file", "--metrics-file"):
            for name in (".lock", ".state", ".state.1-of-1", ".state.2-of-3"):
                with self.subTest(option=option, name=name):
                    target = os.path.join(self.dir, stem + name)
                    p = run(self.argv("--state-dir", self.dir, "--shard", "1/1", option,
                                      target))
                    self.assertExit(p, 2)
                    self.assertIn("keeps in --state-dir", p.err)

    def test_dry_run_writes_nothing(self):
        """A dry run creates neither OUTPUT nor DIR, and reads the state once there."""
        p = run(self.argv("--state-dir", self.dir, "--dry-run", quiet=False))
        self.assertExit(p, 0)
        self.assertFalse(os.path.exists(self.dir))
        self.assertFalse(os.path.exists(self.out))
        self.cron("--state-dir", self.dir)
        p = run(["resize", self.inp, self.out, "-s", "8x8", "--incremental", "--state-dir",
                 self.dir, "-n"])
        self.assertExit(p, 0)
        self.assertIn("5 to skip (5 up to date)", p.out)

    def test_without_incremental_the_lock_alone(self):
        self.assertExit(run(["resize", self.inp, self.out, "-s", "8x8", "--state-dir",
                             self.dir, "--shard", "1/1", "--quiet"]), 0)
        self.assertEqual(os.listdir(self.dir), [stem_of(self.out) + ".lock"])
        self.assertEqual(helpers.hidden_files(self.out), [])


if __name__ == "__main__":
    unittest.main()
