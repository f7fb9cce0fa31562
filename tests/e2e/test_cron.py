"""imgbatch as a cron job runs it, every ten minutes over a folder that keeps growing:
what it prints and where, what it remembers between runs, how it waits for OUTPUT and
what it cleans up.

- Streams: with --quiet a run where nothing failed prints nothing at all, and a new bad
  file makes exactly one line, on stderr; the next run is silent again (the file failed
  before and has not changed) and exits 0.
- Failures remembered (--incremental): only failures that are the input's own (its
  content, a limit, a decoder crash or timeout on it) are recorded; a write error or a
  run whose workers kept dying records nothing.  A changed file, other limits or
  --retry-failed try it again.
- --wait=SECONDS: gives up with status 75 and says how long it waited; a lock let go
  within the time lets the run go on; "--wait 30" is --wait and an operand.
- --metrics-file: the last success is there on the first, failing run, as 0.
"""

import fcntl
import os
import re
import resource
import signal
import subprocess
import time
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


def waiting_for_lock(pid):
    """True if /proc/locks shows pid blocked waiting for a POSIX lock ("->" lines)."""
    with open("/proc/locks") as f:
        for line in f:
            fields = line.split()
            if "->" in fields:
                rest = fields[fields.index("->") + 1:]
                if len(rest) >= 4 and rest[0] == "POSIX" and rest[3] == str(pid):
                    return True
    return False


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

    def argv(self, *extra, out=None):
        return ["resize", self.inp, out or self.out, "-s", "8x8", "-j", "2", "--incremental",
                "--quiet"] + list(extra)

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
                                             or waiting_for_lock(p.pid), 60),
                            "never seen waiting")
            self.assertIsNone(p.poll(), "exited instead of waiting")
        finally:
            os.close(fd)
        out, err = p.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual((p.returncode, out, err), (0, b"", b""))
        self.assertEqual(len([n for n in os.listdir(self.out) if n.endswith(".png")]), 5)

    def test_separate_word_is_an_operand(self):
        p = run(["resize", self.inp, self.out, "--wait", "30"])
        self.assertExit(p, 2)
        self.assertIn("unexpected argument '30'", p.err)
        self.assertFalse(os.path.exists(self.out))

    def test_bad_limits(self):
        for value in ("0", "-1", "soon", "", "1e9"):
            with self.subTest(value=value):
                p = run(self.argv("--wait=" + value))
                self.assertExit(p, 2)
                self.assertIn("--wait=SECONDS", p.err)


if __name__ == "__main__":
    unittest.main()
