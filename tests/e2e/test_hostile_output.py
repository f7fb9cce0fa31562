"""A cron job's OUTPUT is often a shared, group-writable directory where other users may
plant files and symbolic links (issue 14). imgbatch must never be led to write a file it
did not mean to:

- Links planted at the temporary names a pid would give (the stats, metrics and state
  files are written beside their target and renamed), at OUTPUT/.imgbatch-state and at
  OUTPUT/.imgbatch.lock leave their targets untouched: a link at the state or lock name
  stops the run (exit 2, one line naming the file), temporary names are random.
- A --stats-file or --metrics-file that is an input, an output or the other report file
  is a usage error before any work; a link at its name is not replaced (the write fails,
  exit 1); "-" writes it to stdout, after the report; bench's --csv likewise.
- Runs of different splits (--shard 1/2 and --shard 3/3) never share OUTPUT: the second
  exits 75 naming the first's pid and split, or waits with --wait.
- A FIFO at the state file's name does not hang the run, a link to /dev/zero is not read,
  a state file bigger than imgbatch ever writes is refused, and one with a second hard
  link is not appended to.
"""

import fcntl
import json
import os
import struct
import subprocess
import time
import unittest

from PIL import Image

import helpers
from helpers import BIN, ImgbatchTestCase, describe, run, wait_for

IMGBATCH = os.path.abspath(BIN)
VICTIM_TEXT = b"precious: not imgbatch's to write\n"
# Quick: a run that refuses must do so at once, not after a timeout.
PROMPT = 15


def visible_files(directory):
    """The files under directory, relative, hidden ones left out."""
    found = set()
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if not f.startswith("."):
                found.add(os.path.relpath(os.path.join(root, f), directory))
    return found


def lock_holder(path, start, length):
    """The pid of a lock conflicting with a write lock on [start, start + length), or None."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        arg = struct.pack("hhqqii", fcntl.F_WRLCK, os.SEEK_SET, start, length, 0, 0)
        l_type, _, _, _, pid, _ = struct.unpack("hhqqii", fcntl.fcntl(fd, fcntl.F_GETLK, arg))
        return None if l_type == fcntl.F_UNLCK else pid
    finally:
        os.close(fd)


def last_pid():
    """The pid the kernel gave last (Linux), or None where it does not say."""
    try:
        with open("/proc/sys/kernel/ns_last_pid") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class HostileOutputTestCase(ImgbatchTestCase):
    """INPUT with two small images; OUTPUT made; a victim file outside OUTPUT."""

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        Image.new("RGB", (24, 16), (200, 30, 30)).save(os.path.join(self.inp, "a.jpg"))
        Image.new("RGB", (16, 24), (30, 200, 30)).save(os.path.join(self.inp, "b.png"))
        self.out = self.mkdir("out")
        self.victim = self.path("victim.txt")
        with open(self.victim, "wb") as f:
            f.write(VICTIM_TEXT)
        os.chmod(self.victim, 0o600)
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def assertVictimUntouched(self, p=None):
        st = os.stat(self.victim)
        self.assertEqual(self.read(self.victim), VICTIM_TEXT,
                         "the victim was written\n" + (describe(p) if p else ""))
        self.assertEqual(st.st_mode & 0o7777, 0o600, "the victim was chmod'ed")

    def assertRefused(self, p, code, *words):
        """Exit code, and one line on stderr, from imgbatch, holding every word."""
        self.assertExit(p, code)
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        self.assertTrue(lines[0].startswith("imgbatch: "), describe(p))
        for w in words:
            self.assertIn(w, lines[0], describe(p))


class PlantedLinksTest(HostileOutputTestCase):
    """Point 2: links planted where imgbatch creates files."""

    def test_links_at_the_next_pids_temporary_names(self):
        """Links at .NAME.imgbatch-PID.tmp for the next few thousand pids, for the stats,
        metrics and state files, all leading to the victim: it stays as it was, and the
        run writes its files all the same."""
        first = last_pid()
        if first is None:
            self.skipTest("/proc/sys/kernel/ns_last_pid is not readable here")
        names = ("stats.json", "metrics.prom", ".imgbatch-state")
        for pid in range(first + 1, first + 3001):
            for name in names:
                os.symlink(self.victim,
                           os.path.join(self.out, ".%s.imgbatch-%d.tmp" % (name, pid)))
        stats = os.path.join(self.out, "stats.json")
        metrics = os.path.join(self.out, "metrics.prom")
        proc = subprocess.Popen([IMGBATCH, "resize", self.inp, self.out, "--size", "8x8",
                                 "--incremental", "--json", "--stats-file", stats,
                                 "--metrics-file", metrics],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(proc)
        p = helpers.Finished(proc.returncode, *proc.communicate(timeout=helpers.RUN_TIMEOUT))
        p.returncode = proc.returncode
        if not first < proc.pid <= first + 3000:
            self.skipTest("pid %d is outside the links planted: too many processes started"
                          % proc.pid)
        self.assertExit(p, 0)
        self.assertVictimUntouched(p)
        self.assertEqual(json.loads(self.read(stats))["exit_status"], 0)
        self.assertIn(b"imgbatch_files{", self.read(metrics))
        self.assertFalse(os.path.islink(os.path.join(self.out, ".imgbatch-state")))
        self.assertEqual(visible_files(self.out), {"a.jpg", "b.png", "stats.json",
                                                   "metrics.prom"})

    def test_link_at_the_state_file(self):
        """OUTPUT/.imgbatch-state is a link to the victim: exit 2 naming it, the victim
        untouched, nothing processed."""
        state = os.path.join(self.out, ".imgbatch-state")
        os.symlink(self.victim, state)
        p = run(["resize", self.inp, self.out, "--incremental"], timeout=PROMPT)
        self.assertRefused(p, 2, state, "symbolic link")
        self.assertVictimUntouched(p)
        self.assertTrue(os.path.islink(state))
        self.assertEqual(visible_files(self.out), set())

    def test_link_at_the_lock_file(self):
        """OUTPUT/.imgbatch.lock is a link to a name outside OUTPUT: exit 2 naming it, and
        nothing is created there; a FIFO at the name is refused at once too."""
        lock = os.path.join(self.out, ".imgbatch.lock")
        target = self.path("made-by-imgbatch")
        os.symlink(target, lock)
        p = run(["resize", self.inp, self.out], timeout=PROMPT)
        self.assertRefused(p, 2, lock, "symbolic link")
        self.assertFalse(os.path.lexists(target), "the lock was created through the link")
        self.assertEqual(visible_files(self.out), set())
        os.unlink(lock)
        os.mkfifo(lock)
        p = run(["resize", self.inp, self.out, "--shard", "1/2"], timeout=PROMPT)
        self.assertRefused(p, 2, lock, "FIFO")


class ReportPathTest(HostileOutputTestCase):
    """Point 4: what --stats-file, --metrics-file and --csv may replace."""

    def test_stats_file_naming_an_input(self):
        """--stats-file INPUT/a.jpg (spelled through ..): exit 2 before any work, the input
        unchanged, no output written."""
        a = os.path.join(self.inp, "a.jpg")
        before = self.read(a)
        spelled = os.path.join(self.out, "..", "in", "a.jpg")
        p = run(["resize", self.inp, self.out, "--stats-file", spelled])
        self.assertRefused(p, 2, "--stats-file", spelled)
        self.assertEqual(self.read(a), before, "the input was replaced")
        self.assertEqual(p.out, "")
        self.assertEqual(visible_files(self.out), set())

    def test_metrics_file_naming_an_output(self):
        """--metrics-file OUTPUT/b.png, the output of in/b.png: exit 2, nothing written."""
        target = os.path.join(self.out, "b.png")
        p = run(["resize", self.inp, self.out, "--metrics-file", target])
        self.assertRefused(p, 2, "--metrics-file", target, "output")
        self.assertEqual(visible_files(self.out), set())

    def test_bench_csv_naming_an_input(self):
        """bench --csv INPUT/a.jpg: exit 2 before any run, the input unchanged."""
        a = os.path.join(self.inp, "a.jpg")
        before = self.read(a)
        p = run(["bench", self.inp, "--procs", "1", "--csv", a])
        self.assertRefused(p, 2, "--csv", a)
        self.assertEqual(self.read(a), before, "the input was replaced")

    def test_both_naming_one_file(self):
        """--stats-file r.json --metrics-file ./r.json: exit 2, nothing written."""
        p = run(["resize", self.inp, self.out, "--stats-file", self.path("r.json"),
                 "--metrics-file", os.path.join(self.tmp, ".", "r.json")])
        self.assertRefused(p, 2, "--stats-file", "--metrics-file")
        self.assertFalse(os.path.exists(self.path("r.json")))
        self.assertEqual(visible_files(self.out), set())

    def test_link_at_the_stats_file_is_not_replaced(self):
        """--stats-file names a link (as /dev/stdout is one): the run's files are done, the
        stats write fails (exit 1, one line naming the file and what it is), the link stays
        a link and its target is untouched."""
        stats = self.path("stats.json")
        os.symlink(self.victim, stats)
        p = run(["resize", self.inp, self.out, "--stats-file", stats, "--quiet"])
        self.assertRefused(p, 1, stats, "symbolic link")
        self.assertTrue(os.path.islink(stats), "the link was replaced")
        self.assertVictimUntouched(p)
        self.assertEqual(visible_files(self.out), {"a.jpg", "b.png"})
        self.assertEqual([f for f in os.listdir(self.tmp) if f.endswith(".tmp")], [])

    def test_dash_is_stdout(self):
        """--stats-file - and --metrics-file -: the JSON follows the --json report's summary
        on stdout, the metrics follow the text report; no file named "-" is made."""
        p = run(["resize", self.inp, self.out, "--json", "--stats-file", "-"], cwd=self.tmp)
        self.assertExit(p, 0)
        lines = p.out.splitlines()
        self.assertIn("summary", json.loads(lines[-2]), describe(p))
        self.assertEqual(json.loads(lines[-1])["exit_status"], 0, describe(p))
        self.assertFalse(os.path.lexists(self.path("-")), "a file named - was written")
        p = run(["resize", self.inp, self.out, "--metrics-file", "-"], cwd=self.tmp)
        self.assertExit(p, 0)
        summary = p.out.index("resize: 2 ok")
        self.assertGreater(p.out.index("imgbatch_files{"), summary, describe(p))
        self.assertFalse(os.path.lexists(self.path("-")), "a file named - was written")

    def test_bench_csv_dash_and_plot_link(self):
        """bench --csv - prints the CSV after the table; a --plot at a link is not written
        through it (exit 1, one line)."""
        plot = self.path("plot.svg")
        os.symlink(self.victim, plot)
        p = run(["bench", self.inp, "--size", "8x8", "--repeat", "1", "--procs", "1",
                 "--csv", "-", "--plot", plot], cwd=self.tmp)
        self.assertExit(p, 1)
        self.assertIn("processes,seconds", p.out, describe(p))
        self.assertIn("symbolic link", p.err, describe(p))
        self.assertTrue(os.path.islink(plot))
        self.assertVictimUntouched(p)
        self.assertFalse(os.path.lexists(self.path("-")), "a file named - was written")


class SplitsTest(HostileOutputTestCase):
    """Point 5: runs of different splits never share OUTPUT."""

    def test_other_split_is_refused_and_waits(self):
        """A --shard 1/2 run held running by a full stdout pipe: --shard 3/3 exits 75
        naming it (pid, --shard 1/2) and writes nothing; 2/2 runs beside it; --shard 1/3
        --wait waits until 1/2 is done, then runs."""
        for i in range(400):
            open(os.path.join(self.inp, "%04d-%s.txt" % (i, "x" * 80)), "w").close()
        rd, wr = os.pipe()
        try:
            fcntl.fcntl(wr, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
        except OSError:
            pass
        blocked = subprocess.Popen([IMGBATCH, "resize", self.inp, self.out, "--json", "-j",
                                    "1", "--shard", "1/2"], stdout=wr, stderr=subprocess.PIPE)
        self.procs.append(blocked)
        os.close(wr)
        reader = os.fdopen(rd, "rb")
        self.addCleanup(reader.close)
        lock = os.path.join(self.out, ".imgbatch.lock")
        # any lock of it will do: the layout is output_lock.c's business
        holder = wait_for(lambda: blocked.poll() is None and lock_holder(lock, 0, 0), 30)
        self.assertEqual(holder, blocked.pid, "the 1/2 run never took its lock")

        p = run(["resize", self.inp, self.out, "--shard", "3/3", "--stats-file",
                 self.path("s.json")], timeout=PROMPT)
        self.assertRefused(p, 75, "(pid %d, --shard 1/2)" % blocked.pid)
        self.assertFalse(os.path.exists(self.path("s.json")))
        p = run(["resize", self.inp, self.out, "--quiet", "--shard", "2/2"], timeout=PROMPT)
        self.assertExit(p, 0)
        waiting = subprocess.Popen([IMGBATCH, "resize", self.inp, self.out, "--quiet",
                                    "--wait", "--shard", "1/3"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(waiting)
        self.assertIsNone(wait_for(lambda: waiting.poll() is not None, 0.5),
                          "--shard 1/3 --wait did not wait for the 1/2 run")
        self.assertIsNone(blocked.poll(), "the 1/2 run ended early: the test proves nothing")

        reader.read()
        blocked.wait(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(blocked.returncode, 0, blocked.stderr.read())
        out, err = waiting.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(waiting.returncode, 0, err)
        self.assertEqual(visible_files(self.out) & {"a.jpg", "b.png"}, {"a.jpg", "b.png"})


class StateFileTest(HostileOutputTestCase):
    """Point 6: what sits at the state file's name cannot hang, bloat or redirect a run."""

    def refused_promptly(self, *words):
        started = time.monotonic()
        try:
            p = run(["resize", self.inp, self.out, "--incremental"], timeout=PROMPT)
        except subprocess.TimeoutExpired:
            self.fail("imgbatch hung on OUTPUT/.imgbatch-state")
        self.assertLess(time.monotonic() - started, PROMPT)
        self.assertRefused(p, 2, os.path.join(self.out, ".imgbatch-state"), *words)
        self.assertEqual(visible_files(self.out), set())
        return p

    def test_fifo(self):
        """A FIFO: exit 2 at once, naming it."""
        os.mkfifo(os.path.join(self.out, ".imgbatch-state"))
        self.refused_promptly("FIFO")

    def test_link_to_dev_zero(self):
        """A link to /dev/zero: exit 2 at once, nothing read from it."""
        os.symlink("/dev/zero", os.path.join(self.out, ".imgbatch-state"))
        self.refused_promptly("symbolic link")

    def test_too_big(self):
        """A (sparse) state file of 2 GiB and a byte: exit 2, asking for its removal."""
        with open(os.path.join(self.out, ".imgbatch-state"), "wb") as f:
            f.truncate((2 << 30) + 1)
        self.refused_promptly("remove it")

    def test_endless_line(self):
        """The header, then 64 MiB of a sparse file's zeros and no newline: exit 2 once the
        line outgrows any imgbatch writes, the master not holding the file."""
        with open(os.path.join(self.out, ".imgbatch-state"), "wb") as f:
            f.write(b"imgbatch-state 1\n")
            f.truncate(64 << 20)
        self.refused_promptly("a line longer than imgbatch ever writes", "remove it")

    def test_hard_link(self):
        """A hard link to the victim: exit 2, the victim not truncated nor appended to."""
        os.link(self.victim, os.path.join(self.out, ".imgbatch-state"))
        p = self.refused_promptly("hard links")
        self.assertVictimUntouched(p)


if __name__ == "__main__":
    unittest.main()
