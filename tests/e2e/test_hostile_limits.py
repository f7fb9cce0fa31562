"""Hostile limits: imgbatch under limits set against it, and asked for more than it
allows.  A low ulimit -n leaves room for fewer workers than -j asks: the run goes on
with those that started, says so in one line, and its summary counts them.  An
endless --files-from list ends with one line and exit 2, in bounded memory.  A
thumbnail box above --max-pixels is refused before any work.  An error about a file
with a path near PATH_MAX keeps the whole path and its cause.
"""

import os
import resource
import signal
import threading
import time
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


class EndlessListTest(ImgbatchTestCase):
    """--files-from on a stream that never ends: refused once past the bound."""

    # Far more than reading a list up to the bound takes, far less than reading on forever.
    TIMEOUT = 60

    def setUp(self):
        super().setUp()
        self.src = self.mkdir("in")
        solid(os.path.join(self.src, "a.jpg"), (40, 30), (200, 10, 10))

    def check_refused(self, p, started, reason):
        took = time.monotonic() - started
        self.assertExit(p, 2)
        self.assertEqual(len(p.err.splitlines()), 1, helpers.describe(p))
        self.assertRegex(p.err, r"^imgbatch: --files-from .*: " + reason)
        self.assertFalse(os.path.exists(self.path("out", "a.jpg")), helpers.describe(p))
        self.assertLess(took, self.TIMEOUT / 2)

    def test_yes_through_a_fifo(self):
        """<(yes a.jpg): a writer that only stops when imgbatch stops reading."""
        fifo = self.path("list")
        os.mkfifo(fifo)

        def feed():
            chunk = b"a.jpg\n" * 10000
            try:
                with open(fifo, "wb") as w:
                    while True:
                        w.write(chunk)
            except (BrokenPipeError, OSError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        started = time.monotonic()
        try:
            p = run(["resize", self.src, self.path("out"), "--files-from", fifo],
                    timeout=self.TIMEOUT)
        finally:
            # If imgbatch never opened the FIFO, the writer still waits in open(): end it.
            try:
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
            writer.join(10)
        self.check_refused(p, started, r"more than \d+ names, the limit")

    def test_dev_zero_with_null(self):
        """-0 on /dev/zero: endless separators, not one name."""
        started = time.monotonic()
        p = run(["resize", self.src, self.path("out"), "--files-from", "/dev/zero", "-0"],
                timeout=self.TIMEOUT)
        self.check_refused(p, started, r"more than 256 MiB, the limit")

    def test_one_endless_name(self):
        """A name without an end: refused at PATH_MAX, not read until memory runs out."""
        listed = self.path("list")
        with open(listed, "wb") as f:
            f.write(b"a" * 100000)
        started = time.monotonic()
        p = run(["resize", self.src, self.path("out"), "--files-from", listed],
                timeout=self.TIMEOUT)
        self.check_refused(p, started, r"name 1 is longer than 4095 bytes \(PATH_MAX\)")

    def test_long_list_path_keeps_the_cause(self):
        """The list's own path near PATH_MAX: the message still ends with its cause."""
        where = self.tmp
        while len(where) < 3800:
            where = os.path.join(where, "l" * 250)
        os.makedirs(where)
        listed = os.path.join(where, "list")
        with open(listed, "wb") as f:
            f.write(b"a" * 5000)
        started = time.monotonic()
        p = run(["resize", self.src, self.path("out"), "--files-from", listed],
                timeout=self.TIMEOUT)
        self.check_refused(p, started, "")
        self.assertIn(listed, p.err)
        self.assertTrue(p.err.endswith("(PATH_MAX): not a list of file names?\n"),
                        helpers.describe(p))


class HugeThumbnailTest(ImgbatchTestCase):
    """thumbnail --size 100000x100000 would enlarge every file to ten gigapixels."""

    def setUp(self):
        super().setUp()
        self.src = self.mkdir("in")
        solid(os.path.join(self.src, "a.jpg"), (40, 30), (10, 200, 10))

    def test_refused_before_any_work(self):
        out = self.path("out")
        started = time.monotonic()
        p = run(["thumbnail", self.src, out, "--size", "100000x100000"], timeout=60)
        self.assertExit(p, 2)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(p.out, "")
        self.assertEqual(len(p.err.splitlines()), 1, helpers.describe(p))
        self.assertRegex(p.err, r"^imgbatch: --size 100000x100000 makes 10000-megapixel "
                         r"thumbnails, above --max-pixels 200 ")
        self.assertFalse(os.path.exists(out), helpers.describe(p))

    def test_the_limit_is_max_pixels(self):
        """At the limit, or with the limit raised, the box is taken (a dry run: no work)."""
        for args in (["--size", "20000x10000"], ["--size", "20000x10001", "--max-pixels", "201"],
                     ["--size", "100000", "--max-pixels", "0"]):
            with self.subTest(args=args):
                p = run(["thumbnail", self.src, self.path("out"), "--dry-run"] + args)
                self.assertExit(p, 0)
        p = run(["thumbnail", self.src, self.path("out"), "--size", "20000x10001", "--dry-run"])
        self.assertExit(p, 2)


class LongPathErrorTest(ImgbatchTestCase):
    """An output path of nearly PATH_MAX bytes whose write fails: the report says the
    whole path and why.  The cause is a file size limit (ulimit -f), which root hits
    too, with SIGXFSZ ignored so that a write fails with EFBIG instead of killing."""

    def test_cause_kept(self):
        src = self.mkdir("in")
        solid(os.path.join(src, "a.jpg"), (64, 48), (30, 60, 90))
        # Names near NAME_MAX, deep enough for a path of about 3900 bytes.
        out = self.path("out")
        while len(out) < 3800:
            out = os.path.join(out, "d" * 250)
        os.makedirs(out)

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

        for args in ([], ["--json"]):
            with self.subTest(args=args):
                p = run(["resize", src, out] + args, preexec_fn=small_files)
                self.assertExit(p, 1)
                whole = "cannot write %s: File too large" % os.path.join(out, "a.jpg")
                # text failure lines go to stderr, --json keeps them on stdout
                self.assertIn(whole, p.out if args else p.err, helpers.describe(p))
                self.assertNoTempFiles(out, p)


if __name__ == "__main__":
    unittest.main()
