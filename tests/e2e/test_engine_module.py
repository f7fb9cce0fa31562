"""The image engine is two modules: imgbatch-engine.so (the fast paths, on TurboJPEG,
libpng, libdeflate, libwebp), which each worker loads as it starts, and imgbatch-vips.so
(libvips and libheif), which a worker loads for the first file that needs it.

glibc's own loader log (LD_DEBUG=files, one file per process) says which shared objects
each process loaded.  The master never maps an image library: not for --version, --help,
a dry run or a run where everything is up to date, nor for a run with work.  A batch of
JPEGs never loads libvips; a batch of PNGs written as PNG does, in its workers.  A
program without its module says so in one line and exits 2, having written nothing.
"""

import glob
import os
import shutil
import subprocess
import unittest

import helpers
from helpers import ImgbatchTestCase, run, solid

IMAGE_LIBRARIES = ("imgbatch-engine.so", "libvips", "libturbojpeg", "libheif", "libde265")
INSTALLED_MODULE = "/usr/local/lib/imgbatch/imgbatch-engine.so"


class EngineModuleTest(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i in range(4):
            solid(os.path.join(self.inp, "p%d.jpg" % i), (64, 48), (40 * i, 90, 200))
        self.out = self.path("out")

    def loader_logs(self, args):
        """Runs imgbatch under LD_DEBUG=files; returns the run, {pid: what glibc's loader
        did in that process} and the master's pid."""
        logs = self.path("ld-%d" % len(os.listdir(self.tmp)))
        env = dict(os.environ, LD_DEBUG="files", LD_DEBUG_OUTPUT=logs)
        proc = subprocess.Popen([helpers.BIN] + args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        out, err = proc.communicate(timeout=helpers.RUN_TIMEOUT)
        p = helpers.Finished(proc.returncode, out, err)
        # Forked workers write to the master's log, each line led by the writer's pid.
        texts = {}
        for name in glob.glob(logs + ".*"):
            with open(name, encoding="utf-8", errors="replace") as f:
                for line in f:
                    pid, _, rest = line.strip().partition(":")
                    if pid.isdigit():
                        texts[pid] = texts.get(pid, "") + rest + "\n"
        return p, texts, str(proc.pid)

    def run_binary(self, binary, args, env):
        proc = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=helpers.RUN_TIMEOUT)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def assertNothingLoaded(self, texts, what):
        for pid, text in texts.items():
            for lib in IMAGE_LIBRARIES:
                self.assertNotIn(lib, text, "%s: process %s loaded %s" % (what, pid, lib))

    def test_no_image_library_without_work(self):
        for what, args in (("--version", ["--version"]), ("--help", ["--help"]),
                           ("dry run", ["resize", self.inp, self.out, "--dry-run"])):
            with self.subTest(what=what):
                p, texts, _ = self.loader_logs(args)
                self.assertExit(p, 0)
                self.assertTrue(texts, "no loader log: LD_DEBUG_OUTPUT unsupported?")
                self.assertNothingLoaded(texts, what)
        p = run(["resize", self.inp, self.out, "--incremental"])
        self.assertExit(p, 0)
        p, texts, _ = self.loader_logs(["resize", self.inp, self.out, "--incremental"])
        self.assertExit(p, 0)
        self.assertIn("4 up to date", p.out)
        self.assertNothingLoaded(texts, "skip run")

    def test_jpegs_never_load_libvips(self):
        p, texts, master = self.loader_logs(["resize", self.inp, self.out, "-j", "2",
                                             "-s", "32x32"])
        self.assertExit(p, 0)
        self.assertEqual(len(os.listdir(self.out)), 4)
        self.assertNothingLoaded({master: texts[master]}, "the master")
        workers = {pid: text for pid, text in texts.items() if pid != master}
        loaded = [pid for pid, text in workers.items() if "imgbatch-engine.so" in text]
        self.assertTrue(loaded, "no worker loaded the engine")
        for pid, text in workers.items():
            for lib in ("imgbatch-vips.so", "libvips", "libheif"):
                self.assertNotIn(lib, text, "worker %s loaded %s for JPEGs" % (pid, lib))

    def test_libvips_loaded_by_the_workers_that_need_it(self):
        inp = self.mkdir("png")
        for i in range(4):
            solid(os.path.join(inp, "p%d.png" % i), (64, 48), (40 * i, 90, 200))
        p, texts, master = self.loader_logs(["resize", inp, self.out, "-j", "2", "-s", "32x32"])
        self.assertExit(p, 0)
        self.assertEqual(len(os.listdir(self.out)), 4)  # PNGs written as PNG: libvips
        self.assertNothingLoaded({master: texts[master]}, "the master")
        self.assertTrue(any("imgbatch-vips.so" in text and "libvips" in text
                            for pid, text in texts.items() if pid != master))

    def test_missing_module_is_one_line(self):
        if os.path.exists(INSTALLED_MODULE):
            self.skipTest("an installed engine at %s would be found" % INSTALLED_MODULE)
        alone = self.mkdir("alone")
        binary = os.path.join(alone, "imgbatch")
        shutil.copy(helpers.BIN, binary)
        code, out, err = self.run_binary(binary, ["resize", self.inp, self.out], dict(os.environ))
        self.assertEqual(code, 2, err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertRegex(lines[0], r"^imgbatch: cannot load the image engine: .*imgbatch-engine\.so")
        self.assertEqual(os.listdir(self.out) if os.path.exists(self.out) else [], [])
        code, out, err = self.run_binary(binary, ["resize", self.inp, self.out + "-dry",
                                                  "--dry-run"], dict(os.environ))
        self.assertEqual((code, err), (0, ""))


if __name__ == "__main__":
    unittest.main()
