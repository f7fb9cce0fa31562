"""Worker faults and stop signals, made on cue with tests/fault/fault_inject.c preloaded
into imgbatch (LD_PRELOAD): a decoder that crashes, aborts, hangs or is slow on the file
whose name says so, and an image library that crashes as every worker starts.

What a user relies on: a crash fails only its file, named with the signal, and the batch
goes on; workers that keep dying end the run with exit 3 instead of a fork per file; a
hung file times out; a first SIGINT/SIGTERM/SIGHUP lets the files in flight finish and a
second one stops them at once; a reader that goes away (imgbatch ... | head -1) ends the
run with 141.  Never a temporary file, a zombie or a worker left behind.
"""

import os
import re
import signal
import subprocess
import unittest

from PIL import Image

import helpers
from helpers import FAULT_LIB, ImgbatchTestCase, fault_env

WAIT = 60  # seconds: generous bailouts, never expected to be reached


class FaultTestCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(FAULT_LIB), "fault library missing: " + FAULT_LIB)
        self.inp = self.mkdir("in")
        self.out = self.path("out")
        self.marks = self.mkdir("marks")
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)

    def images(self, names, size=(64, 48), same=False):
        """Writes PNGs; with same, identical pixels (and sizes: dispatch is by name)."""
        for i, name in enumerate(names):
            colour = (10, 90, 200) if same else (i * 20 % 256, 90, 200)
            Image.new("RGB", size, colour).save(os.path.join(self.inp, name))
        return names

    def run_faulty(self, args, **extra):
        p = subprocess.run([helpers.BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=fault_env(**extra), timeout=WAIT)
        p.out = p.stdout.decode("utf-8", "surrogateescape")
        p.err = p.stderr.decode("utf-8", "surrogateescape")
        return p

    def start(self, args, **kw):
        p = subprocess.Popen([helpers.BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=fault_env(IMGBATCH_FAULT_MARKS=self.marks), **kw)
        self.procs.append(p)
        return p

    def finish(self, p):
        out, err = p.communicate(timeout=WAIT)
        return helpers.Finished(p.returncode, out, err)

    def wait_in_flight(self, p, n):
        """Waits until n workers are inside a slow or hanging file; returns their pids."""
        def started():
            if p.poll() is not None:
                return None
            marks = os.listdir(self.marks)
            return marks if len(marks) >= n else None
        marks = helpers.wait_for(started, WAIT)
        self.assertIsNotNone(marks, "files never in flight (exit %s)" % p.poll())
        return [int(m.split("-")[1]) for m in marks]

    def wait_taken(self, pid, sig):
        """Waits until pid has taken sig (no longer pending): a second one sent now is a
        second signal, not one merged with the first."""
        def taken():
            with open("/proc/%d/status" % pid) as f:
                fields = dict(l.split(":", 1) for l in f if ":" in l)
            pending = int(fields["ShdPnd"], 16) | int(fields["SigPnd"], 16)
            return not pending & (1 << (sig - 1))
        self.assertTrue(helpers.wait_for(taken, WAIT), "signal never taken")

    def assertGone(self, pids):
        for pid in pids:
            self.assertTrue(helpers.wait_for(lambda: not helpers.alive(pid), 10),
                            "worker %d outlived imgbatch" % pid)


class CrashTest(FaultTestCase):
    def test_crash_and_abort_fail_only_their_file(self):
        self.images(["a%d.png" % i for i in range(8)])
        self.images(["x-crash-in-decoder.png", "y-abort-in-decoder.png"], size=(80, 60))
        p = self.run_faulty(["resize", self.inp, self.out, "-s", "32x32", "-j", "2"])
        r = helpers.TextRun(p)
        self.assertExit(p, 1)
        failed = r.failed_by_name()
        self.assertRegex(failed["x-crash-in-decoder.png"], r"^worker [12] died: SIGSEGV$")
        self.assertRegex(failed["y-abort-in-decoder.png"], r"^worker [12] died: SIGABRT$")
        self.assertEqual(len(r.ok), 8, helpers.describe(p))
        self.assertEqual(helpers.all_files(self.out), sorted("a%d.png" % i for i in range(8)))
        self.assertIn("replaced", p.out)
        self.assertNoTempFiles(self.out, p)

    def test_workers_that_cannot_start_end_the_run(self):
        """Every worker crashes starting: a bounded number of tries, every file a line,
        exit 3 and one clear line on stderr."""
        names = self.images(["f%02d.png" % i for i in range(40)])
        p = self.run_faulty(["resize", self.inp, self.out, "-j", "2"],
                            IMGBATCH_FAULT_INIT="crash")
        self.assertExit(p, 3)
        r = helpers.TextRun(p)
        self.assertEqual(sorted(r.failed_by_name()), names)
        self.assertEqual(r.ok, [])
        stops = [l for l in p.err.splitlines() if l.startswith("imgbatch: stopped:")]
        self.assertEqual(len(stops), 1, p.err)
        self.assertRegex(stops[0], r"workers keep dying: \d+ in a row with no file finished "
                                   r"\(last: worker [12] died: SIGSEGV\)")
        self.assertIn("stopped: workers keep dying", p.out)
        # Bounded: 10 deaths in a row (plus one worker starting as the limit hits).
        replaced = sum(int(x) for x in re.findall(r"replaced (\d+) time", p.out))
        self.assertLessEqual(replaced + 2, 11, p.out)
        not_processed = [e for e in r.failed_by_name().values()
                         if e.startswith("not processed: workers keep dying")]
        self.assertGreaterEqual(len(not_processed), 40 - 11)

    def test_libvips_starts_only_when_a_file_needs_it(self):
        """libvips starts on the first file the JPEG fast path does not take: with a
        libvips that crashes as it starts, plain JPEGs still succeed and only the PNGs
        (which need it) fail, each with its worker's death."""
        for i in range(6):
            Image.new("RGB", (320, 240), (i * 40, 120, 60)).save(
                os.path.join(self.inp, "photo%d.jpg" % i), quality=90)
        pngs = self.images(["p%d.png" % i for i in range(2)])
        p = self.run_faulty(["resize", self.inp, self.out, "-s", "32x32", "-j", "2"],
                            IMGBATCH_FAULT_INIT="crash")
        self.assertExit(p, 1)
        r = helpers.TextRun(p)
        self.assertEqual(sorted(r.ok_by_name()), ["photo%d.jpg" % i for i in range(6)])
        failed = r.failed_by_name()
        self.assertEqual(sorted(failed), pngs)
        for error in failed.values():
            self.assertRegex(error, r"^worker [12] died: SIGSEGV$")
        self.assertNoTempFiles(self.out, p)

    def test_json_reports_giving_up(self):
        self.images(["f%02d.png" % i for i in range(15)])
        p = self.run_faulty(["grayscale", self.inp, self.out, "-j", "1", "--json"],
                            IMGBATCH_FAULT_INIT="crash")
        self.assertExit(p, 3)
        r = helpers.JsonRun(p)
        self.assertEqual(len(r.records), 15)
        self.assertIn("workers keep dying", r.summary["gave_up"])

    def test_crashes_among_successes_never_give_up(self):
        """Twelve crashing files, each between good ones: twelve failures, no giving up."""
        for i in range(12):
            self.images(["%02d-a.png" % i, "%02d-b-crash-in-decoder.png" % i], same=True)
        p = self.run_faulty(["resize", self.inp, self.out, "-s", "16x16", "-j", "1"])
        self.assertExit(p, 1)
        r = helpers.TextRun(p)
        self.assertEqual(len(r.ok), 12)
        self.assertEqual(len(r.failed), 12)
        self.assertNotIn("stopped", p.err)

    def test_hang_times_out(self):
        self.images(["a.png", "b.png", "c-hang-in-decoder.png"])
        p = self.run_faulty(["resize", self.inp, self.out, "-j", "2", "--timeout", "1"])
        self.assertExit(p, 1)
        r = helpers.TextRun(p)
        self.assertRegex(r.failed_by_name()["c-hang-in-decoder.png"],
                         r"^timed out after 1 s \(worker [12] killed\)$")
        self.assertEqual(sorted(r.ok_by_name()), ["a.png", "b.png"])
        self.assertNoTempFiles(self.out, p)


class StopTest(FaultTestCase):
    def setUp(self):
        super().setUp()
        self.images(["s%d.png" % i for i in range(6)])

    def test_files_in_flight_finish(self):
        """Ctrl-C (SIGINT to the whole process group): the two files in flight land, the
        six waiting are not started, exit 130 after the summary."""
        self.images(["big0-slow-decoder.png", "big1-slow-decoder.png"], size=(400, 300))
        p = self.start(["resize", self.inp, self.out, "-s", "40x30", "-j", "2"],
                       start_new_session=True)
        workers = self.wait_in_flight(p, 2)
        os.killpg(p.pid, signal.SIGINT)
        f = self.finish(p)
        self.assertExit(f, 130)
        r = helpers.TextRun(f)
        self.assertEqual(sorted(r.ok_by_name()), ["big0-slow-decoder.png", "big1-slow-decoder.png"])
        self.assertEqual(r.failed, [])
        self.assertIn("interrupted by SIGINT: 6 files not started", f.out)
        for name in ("big0-slow-decoder.png", "big1-slow-decoder.png"):
            with Image.open(os.path.join(self.out, name)) as im:
                self.assertEqual(im.size, (40, 30))
        self.assertNoTempFiles(self.out, f)
        self.assertGone(workers)

    def test_second_signal_stops_at_once(self):
        self.images(["big0-hang-in-decoder.png", "big1-hang-in-decoder.png"], size=(400, 300))
        p = self.start(["resize", self.inp, self.out, "-j", "2", "--json"])
        workers = self.wait_in_flight(p, 2)
        os.kill(p.pid, signal.SIGTERM)
        self.wait_taken(p.pid, signal.SIGTERM)
        os.kill(p.pid, signal.SIGTERM)
        f = self.finish(p)
        self.assertExit(f, 143)
        r = helpers.JsonRun(f)
        errors = sorted(rec["error"] for rec in r.records)
        self.assertEqual(errors, ["interrupted by a second SIGTERM"] * 2)
        self.assertEqual(r.summary["not_started"], 6)
        self.assertEqual(r.summary["interrupted_by"], "SIGTERM")
        self.assertNoTempFiles(self.out, f)
        self.assertGone(workers)

    def test_grace_period_ends(self):
        self.images(["big-hang-in-decoder.png"], size=(400, 300))
        p = self.start(["resize", self.inp, self.out, "-j", "1"])
        workers = self.wait_in_flight(p, 1)
        os.kill(p.pid, signal.SIGHUP)
        f = self.finish(p)
        self.assertExit(f, 129)
        r = helpers.TextRun(f)
        self.assertEqual(r.failed_by_name(), {
            "big-hang-in-decoder.png":
                "interrupted by SIGHUP (still running after the 2 s grace period)"})
        self.assertIn("interrupted by SIGHUP: 6 files not started", f.out)
        self.assertGone(workers)

    def test_no_zombies_while_replacing(self):
        """A worker killed in the middle of a run is reaped at once (no zombie child
        lingers) and replaced; after the run nothing of it is left."""
        self.images(["big%d-slow-decoder.png" % i for i in range(4)], size=(400, 300))
        p = self.start(["resize", self.inp, self.out, "-j", "2"])
        victims = self.wait_in_flight(p, 2)
        os.kill(victims[0], signal.SIGKILL)

        def reaped():
            states = [helpers.proc_stat(k) for k in helpers.children(p.pid)]
            return victims[0] not in helpers.children(p.pid) and \
                all(s and s[0] != "Z" for s in states)
        self.assertTrue(helpers.wait_for(reaped, 10), "a dead worker was not reaped")
        f = self.finish(p)
        self.assertExit(f, 1)
        r = helpers.TextRun(f)
        self.assertEqual(len(r.failed), 1)
        self.assertRegex(r.failed[0]["error"], r"^worker [12] died: SIGKILL$")
        self.assertEqual(len(r.ok), 9)
        self.assertNoTempFiles(self.out, f)


class ClosedReportTest(ImgbatchTestCase):
    def test_head_ends_the_run(self):
        """imgbatch ... | head -1: head gets its line, imgbatch stops, exit 141 (what a
        shell shows for SIGPIPE), no temporary file, no worker left."""
        inp = self.mkdir("in")
        for i in range(400):
            Image.new("RGB", (64, 48), (i % 256, 9, 9)).save(os.path.join(inp, "%03d.png" % i))
        out = self.path("out")
        for extra in ([], ["--json"]):
            with self.subTest(extra=extra):
                script = ('set -o pipefail; "$0" resize "$1" "$2" "${@:3}" | head -1; '
                          'echo "status=${PIPESTATUS[0]}"')
                p = subprocess.run(["bash", "-c", script, helpers.BIN, inp, out] + extra,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT)
                lines = p.stdout.decode().splitlines()
                self.assertEqual(len(lines), 2, p.stdout)
                self.assertEqual(lines[1], "status=141", p.stderr)
                self.assertEqual(p.stderr, b"")
                self.assertNoTempFiles(out)
                # It stopped early: not every file was written.
                self.assertLess(len(os.listdir(out)), 400)


if __name__ == "__main__":
    unittest.main()
