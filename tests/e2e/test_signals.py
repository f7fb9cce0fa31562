"""Processes and signals: a worker killed with SIGKILL fails only its current file
("worker K died: SIGKILL") while the rest succeed; SIGINT / SIGTERM to the master (and
Ctrl-C to the whole process group) while workers are busy stop the run with exit
130 / 143 after printing the summary, leaving no temporary file in OUTPUT and no worker
process alive; --timeout kills a worker stuck on one file and goes on.

Workers are kept busy with sepia on corpus/broken/giant-image.jpg (20000x14000, several
seconds of work); they are found as the children of the imgbatch process that hold the
input open.  Every wait has a generous timeout so a failure fails instead of hanging.
"""

import os
import shutil
import signal
import subprocess
import unittest

from PIL import Image

import helpers
from helpers import ImgbatchTestCase, corpus

START_TIMEOUT = 30   # for the workers to appear and pick up the big job
EXIT_TIMEOUT = 120   # for imgbatch to finish after what we did to it


class SignalTestCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        self.out = self.path("out")
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)

    def add_giants(self, n):
        paths = []
        for i in range(n):
            p = os.path.join(self.inp, "giant%d.jpg" % i)
            shutil.copyfile(corpus("broken", "giant-image.jpg"), p)
            paths.append(p)
        return paths

    def add_small(self, n):
        names = []
        for i in range(n):
            name = "small%d.png" % i
            Image.new("RGB", (64 + i, 48), (i * 40, 90, 200)).save(os.path.join(self.inp, name))
            names.append(name)
        return names

    def start(self, args, **kw):
        # The giants (280 MP) are beyond the default --max-pixels.
        p = subprocess.Popen([helpers.BIN] + args + ["--max-pixels", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, **kw)
        self.procs.append(p)
        return p

    def finish(self, p):
        try:
            out, err = p.communicate(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            helpers.reap_processes(self.procs)
            self.fail("imgbatch did not exit within %d s" % EXIT_TIMEOUT)
        return helpers.Finished(p.returncode, out, err)

    def busy_workers(self, p, inputs, count):
        """Waits until count children of p each hold one of inputs open; returns
        {pid: input}.  Fails the test if that does not happen in time."""
        def check():
            if p.poll() is not None:
                return None
            found = {}
            for kid in helpers.children(p.pid):
                for path in inputs:
                    if helpers.has_open(kid, path):
                        found[kid] = path
            return found if len(found) >= count else None

        found = helpers.wait_for(check, START_TIMEOUT)
        if not found:
            self.fail("no %d busy workers seen (exit %s, children %s)"
                      % (count, p.poll(), helpers.children(p.pid)))
        return found

    def wait_temp_files(self, pids):
        """Waits (a little) until each busy worker has its output open for writing, so
        that the interruption hits a write in progress.  Not an error if it does not.
        The file is unnamed until complete where the file system allows (O_TMPFILE):
        look at what the worker holds open, not at OUTPUT's names."""
        def check():
            return os.path.isdir(self.out) and all(helpers.writes_in(pid, self.out) for pid in pids)
        return helpers.wait_for(check, 5)

    def assertWorkersGone(self, pids):
        for pid in pids:
            self.assertTrue(helpers.wait_for(lambda: not helpers.alive(pid), 10),
                            "worker %d still alive after imgbatch exited" % pid)

    def assertOutputsComplete(self):
        """Whatever is in OUTPUT is a whole image: small ones decode, big JPEGs (too big
        to decode here) have their header and their end-of-image marker."""
        for name in helpers.all_files(self.out):
            path = os.path.join(self.out, name)
            if name.endswith(".jpg") and os.path.getsize(path) > 1000000:
                with open(path, "rb") as f:
                    data = f.read()
                self.assertTrue(data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9"),
                                "%s is not a whole JPEG" % name)
                continue
            with Image.open(path) as im:
                im.load()


class WorkerKilledTest(SignalTestCase):
    def test_sigkill_of_busy_worker(self):
        giants = self.add_giants(1)
        small = self.add_small(6)
        p = self.start(["sepia", self.inp, self.out, "-j", "2", "--json"])
        busy = self.busy_workers(p, giants, 1)
        victim = next(iter(busy))
        self.wait_temp_files([victim])
        os.kill(victim, signal.SIGKILL)
        p = self.finish(p)
        r = helpers.JsonRun(p)
        self.assertExit(p, 1)
        recs = r.by_name()
        giant = recs["giant0.jpg"]
        self.assertEqual(giant["status"], "failed", giant)
        self.assertEqual(giant["error"], "worker %d died: SIGKILL" % giant["worker"])
        for name in small:
            self.assertEqual(recs[name]["status"], "ok", recs[name])
        self.assertEqual((r.summary["ok"], r.summary["failed"]), (6, 1))
        self.assertIsNone(r.summary["interrupted_by"])
        self.assertEqual(helpers.all_files(self.out), sorted(small))
        self.assertNoTempFiles(self.out, p)
        self.assertWorkersGone(busy)
        self.assertOutputsComplete()

    def test_sigkill_text_mode_and_replacement(self):
        """-j 1: the killed worker is replaced, and the files after it still succeed."""
        giants = self.add_giants(1)
        small = self.add_small(3)
        p = self.start(["sepia", self.inp, self.out, "-j", "1"])
        busy = self.busy_workers(p, giants, 1)
        victim = next(iter(busy))
        self.wait_temp_files([victim])
        os.kill(victim, signal.SIGKILL)
        p = self.finish(p)
        r = helpers.TextRun(p)
        self.assertExit(p, 1)
        self.assertEqual(r.failed_by_name(), {"giant0.jpg": "worker 1 died: SIGKILL"},
                         helpers.describe(p))
        self.assertEqual(sorted(r.ok_by_name()), small)
        self.assertEqual([w["files"] for w in r.workers], ["4"])
        self.assertIn("replaced 1 time", p.out)
        self.assertNoTempFiles(self.out, p)
        self.assertWorkersGone(busy)


    def test_replacement_killed_too(self):
        """Each death fails only the file that worker held, however often it happens."""
        giants = self.add_giants(2)
        small = self.add_small(2)
        p = self.start(["sepia", self.inp, self.out, "-j", "1", "--json"])
        pids = []
        for g in giants:  # same size: taken in name order, giant0 first
            busy = self.busy_workers(p, [g], 1)
            victim = next(iter(busy))
            self.assertNotIn(victim, pids, "the killed worker was not replaced")
            pids.append(victim)
            os.kill(victim, signal.SIGKILL)
        p = self.finish(p)
        r = helpers.JsonRun(p)
        self.assertExit(p, 1)
        recs = r.by_name()
        for g in ("giant0.jpg", "giant1.jpg"):
            self.assertEqual(recs[g]["status"], "failed", recs[g])
            self.assertIn("died: SIGKILL", recs[g]["error"])
        for name in small:
            self.assertEqual(recs[name]["status"], "ok", recs[name])
        self.assertEqual(r.summary["per_worker"][0]["respawns"], 2)
        self.assertNoTempFiles(self.out, p)
        self.assertWorkersGone(pids)


class StreamingTest(SignalTestCase):
    def test_lines_arrive_as_files_finish(self):
        """Into a pipe too, each result line is written when its file is done: the small
        files' lines are readable while a worker is still busy with the big one."""
        import select
        import time
        giants = self.add_giants(1)
        small = self.add_small(5)
        p = self.start(["sepia", self.inp, self.out, "-j", "2"])
        self.busy_workers(p, giants, 1)
        buf = b""
        deadline = time.monotonic() + START_TIMEOUT
        fd = p.stdout.fileno()
        while buf.count("\u2713".encode()) < len(small) and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
        still_running = p.poll() is None
        self.assertEqual(buf.count("\u2713".encode()), len(small), buf)
        self.assertTrue(still_running, "lines only arrived when imgbatch exited")
        self.assertTrue(buf.endswith(b"\n"), buf)
        os.kill(p.pid, signal.SIGTERM)
        rest = self.finish(p)
        self.assertExit(rest, 143)
        r = helpers.TextRun(helpers.Finished(rest.returncode, buf + rest.stdout, rest.stderr))
        self.assertEqual(sorted(r.ok_by_name()), small)
        self.assertEqual(sorted(r.failed_by_name()), ["giant0.jpg"])
        self.assertNoTempFiles(self.out, rest)


class InterruptTest(SignalTestCase):
    def setUp(self):
        super().setUp()
        self.giants = self.add_giants(2)
        self.small = self.add_small(4)

    def interrupt(self, sig, json_mode, group=False):
        args = ["sepia", self.inp, self.out, "-j", "2"] + (["--json"] if json_mode else [])
        p = self.start(args, start_new_session=group)
        busy = self.busy_workers(p, self.giants, 2)
        self.wait_temp_files(list(busy))
        if group:
            os.killpg(p.pid, sig)
        else:
            os.kill(p.pid, sig)
        p = self.finish(p)
        self.assertNoTempFiles(self.out, p)
        self.assertWorkersGone(busy)
        self.assertOutputsComplete()
        for g in self.giants:
            self.assertFalse(os.path.exists(os.path.join(self.out, os.path.basename(g))),
                             "interrupted file has an output")
        return p

    def test_sigint_master(self):
        p = self.interrupt(signal.SIGINT, json_mode=False)
        self.assertExit(p, 130)
        r = helpers.TextRun(p)
        self.assertIsNotNone(r.summary, helpers.describe(p))
        self.assertIn("interrupted by SIGINT", p.out)
        self.assertEqual(r.ok, [])
        self.assertEqual(sorted(r.failed_by_name()), ["giant0.jpg", "giant1.jpg"])
        self.assertEqual(len(r.workers), 2)
        # the summary comes after the per-file lines
        lines = p.out.rstrip("\n").split("\n")
        self.assertTrue(lines[-1].startswith("interrupted by SIGINT"), lines)
        self.assertEqual(helpers.all_files(self.out), [])

    def test_sigterm_master(self):
        p = self.interrupt(signal.SIGTERM, json_mode=True)
        self.assertExit(p, 143)
        r = helpers.JsonRun(p)
        s = r.summary
        self.assertIsNotNone(s, helpers.describe(p))
        self.assertEqual(s["interrupted_by"], "SIGTERM")
        self.assertEqual((s["ok"], s["failed"], s["not_started"]), (0, 2, 4))
        self.assertEqual(s["total"], 6)
        self.assertEqual(sorted(os.path.basename(x["input"]) for x in r.records),
                         ["giant0.jpg", "giant1.jpg"])
        for rec in r.records:
            self.assertEqual(rec["status"], "failed")
        self.assertEqual(helpers.all_files(self.out), [])

    def test_sigint_process_group(self):
        """Ctrl-C in a terminal: SIGINT reaches the master and every worker."""
        p = self.interrupt(signal.SIGINT, json_mode=True, group=True)
        self.assertExit(p, 130)
        r = helpers.JsonRun(p)
        self.assertIsNotNone(r.summary, helpers.describe(p))
        self.assertEqual(r.summary["interrupted_by"], "SIGINT")
        self.assertEqual(r.summary["ok"] + r.summary["failed"] + r.summary["not_started"], 6)


class MasterKilledTest(SignalTestCase):
    def test_workers_do_not_outlive_a_killed_master(self):
        """kill -9 of imgbatch itself: its workers, orphaned, end by themselves (at the
        latest once their current file is done), remove what they wrote for the master
        to rename, and what is in OUTPUT is whole."""
        giants = self.add_giants(2)
        self.add_small(4)
        tmpdir = self.mkdir("tmp")
        p = self.start(["sepia", self.inp, self.out, "-j", "2"],
                       env=dict(os.environ, TMPDIR=tmpdir))
        busy = self.busy_workers(p, giants, 2)
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=EXIT_TIMEOUT)
        for pid in busy:
            self.assertTrue(helpers.wait_for(lambda: not helpers.alive(pid), EXIT_TIMEOUT),
                            "orphaned worker %d still running" % pid)
        # The run's private temporary directory goes with the last orphan.
        self.assertEqual(os.listdir(tmpdir), [], "left in the temporary directory")
        # Nobody is left to rename what the orphans wrote: they remove it themselves.
        # The killed master could not remove its lock file; it no longer locks anything.
        left = [f for f in helpers.hidden_files(self.out) if f != ".imgbatch.lock"]
        self.assertEqual(left, [], "temporary files left in %s" % self.out)
        # The next run takes OUTPUT (an empty list: the lock without the work) and tidies up.
        again = helpers.run(["sepia", self.inp, self.out, "--files-from", "/dev/null"])
        self.assertEqual(again.returncode, 0, helpers.describe(again))
        self.assertNoTempFiles(self.out)
        self.assertOutputsComplete()


class TimeoutTest(SignalTestCase):
    def test_timeout_kills_and_goes_on(self):
        self.add_giants(1)
        small = self.add_small(3)
        p = self.start(["sepia", self.inp, self.out, "-j", "1", "--timeout", "0.5", "--json"])
        p = self.finish(p)
        r = helpers.JsonRun(p)
        self.assertExit(p, 1)
        recs = r.by_name()
        self.assertEqual(recs["giant0.jpg"]["status"], "failed")
        self.assertIn("timed out", recs["giant0.jpg"]["error"])
        for name in small:
            self.assertEqual(recs[name]["status"], "ok", recs[name])
        self.assertEqual(helpers.all_files(self.out), sorted(small))
        self.assertNoTempFiles(self.out, p)


if __name__ == "__main__":
    unittest.main()
