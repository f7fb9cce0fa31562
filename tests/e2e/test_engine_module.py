"""The image engine is a module (imgbatch-engine.so, src/image/engine_module.c) that the
master loads just before it forks the workers, and only when a run has files to process.

--version, --help, a dry run and a run where everything is up to date never map libvips,
TurboJPEG, libheif or the engine: glibc's own loader log (LD_DEBUG=files, one file per
process) says which shared objects each process loaded.  A run with work loads the engine
once, in the master, and the workers inherit it across the fork.  A program without its
module says so in one line and exits 2, having written nothing.
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
        """Runs imgbatch under LD_DEBUG=files; returns the run and {pid: log text}."""
        logs = self.path("ld-%d" % len(os.listdir(self.tmp)))
        p = run(args, env=dict(os.environ, LD_DEBUG="files", LD_DEBUG_OUTPUT=logs))
        texts = {}
        for name in glob.glob(logs + ".*"):
            with open(name, encoding="utf-8", errors="replace") as f:
                texts[name.rsplit(".", 1)[1]] = f.read()
        return p, texts

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
                p, texts = self.loader_logs(args)
                self.assertExit(p, 0)
                self.assertTrue(texts, "no loader log: LD_DEBUG_OUTPUT unsupported?")
                self.assertNothingLoaded(texts, what)
        p = run(["resize", self.inp, self.out, "--incremental"])
        self.assertExit(p, 0)
        p, texts = self.loader_logs(["resize", self.inp, self.out, "--incremental"])
        self.assertExit(p, 0)
        self.assertIn("4 up to date", p.out)
        self.assertNothingLoaded(texts, "skip run")

    def test_work_loads_the_engine_once_before_the_fork(self):
        p, texts = self.loader_logs(["resize", self.inp, self.out, "-j", "2", "-s", "32x32"])
        self.assertExit(p, 0)
        self.assertEqual(len(os.listdir(self.out)), 4)
        loaded = [pid for pid, text in texts.items() if "imgbatch-engine.so" in text]
        self.assertEqual(len(loaded), 1, "the engine was loaded by %d processes" % len(loaded))

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
