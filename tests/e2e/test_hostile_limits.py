"""Hostile limits: imgbatch under limits set against it, and asked for more than it
allows.  A low ulimit -n leaves room for fewer workers than -j asks: the run goes on
with those that started, says so in one line, and its summary counts them.
"""

import os
import resource
import unittest

import helpers
from helpers import ImgbatchTestCase, run, run_json, run_text, solid


def with_open_files(n):
    """A preexec_fn that leaves imgbatch n descriptors (ulimit -n n)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return limit


class FewDescriptorsTest(ImgbatchTestCase):
    """ulimit -n 16 with -j 8: 16 descriptors cannot hold 8 workers' pipes."""

    FILES = 12

    def setUp(self):
        super().setUp()
        self.src = self.mkdir("in")
        for i in range(self.FILES):
            solid(os.path.join(self.src, "img%02d.jpg" % i), (40, 30), (10 * i, 80, 160))

    def check_run(self, p, workers_said):
        err_lines = p.err.splitlines()
        self.assertEqual(len(err_lines), 1, helpers.describe(p))
        self.assertRegex(err_lines[0], r"^imgbatch: started [1-7] of 8 workers, going on with "
                         r"them: .*Too many open files$")
        started = int(err_lines[0].split()[2])
        self.assertEqual(workers_said, started, helpers.describe(p))
        self.assertLess(workers_said, 8)

    def test_text(self):
        r = run_text(["resize", self.src, self.path("out"), "-j", "8"],
                     preexec_fn=with_open_files(16))
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.ok), self.FILES, helpers.describe(r.proc))
        self.assertIsNotNone(r.summary, helpers.describe(r.proc))
        workers = int(r.summary["rest"].rsplit(", ", 1)[1].split()[0])
        self.check_run(r.proc, workers)
        self.assertEqual(len(r.workers), workers)
        self.assertEqual(sum(int(w["files"]) for w in r.workers), self.FILES)

    def test_json(self):
        r = run_json(["resize", self.src, self.path("out"), "-j", "8"],
                     preexec_fn=with_open_files(16))
        self.assertExit(r.proc, 0)
        self.assertEqual(len(r.by_status("ok")), self.FILES, helpers.describe(r.proc))
        self.check_run(r.proc, r.summary["workers"])
        self.assertEqual(len(r.summary["per_worker"]), r.summary["workers"])
        self.assertEqual(sum(w["jobs"] for w in r.summary["per_worker"]), self.FILES)

    def test_no_room_for_any_worker(self):
        """Descriptors for the report and OUTPUT's lock, none for a worker's pipes."""
        p = None
        for n in range(4, 16):
            p = run(["resize", self.src, self.path("out%d" % n), "-j", "2"],
                    preexec_fn=with_open_files(n))
            if "cannot start any worker" in p.err:
                break
        self.assertExit(p, 2)
        self.assertEqual(len(p.err.splitlines()), 1, helpers.describe(p))
        self.assertRegex(p.err, r"^imgbatch: cannot start any worker: .*Too many open files\n$")


if __name__ == "__main__":
    unittest.main()
