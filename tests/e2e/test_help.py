"""Help that guides: a mistyped command or option gets one "did you mean" line and exit 2
(and nothing else: not getopt's own complaint besides); `imgbatch COMMAND --help` shows
that command and the options it takes, not the whole help; --version names the libraries
imgbatch runs on, with the versions pkg-config gives.
"""

import os
import re
import shutil
import subprocess
import unittest

from helpers import ImgbatchTestCase, run

# An option as a whole token, as test_docs reads --help.
OPTION_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")


class DidYouMeanTest(ImgbatchTestCase):
    def assertSuggests(self, args, line):
        out = self.mkdir("out")
        p = run(args(self.tmp, out) if callable(args) else args)
        self.assertExit(p, 2)
        self.assertEqual(p.err, "imgbatch: %s\n" % line)
        self.assertEqual(p.out, "")
        self.assertEqual(os.listdir(out), [], "OUTPUT touched")

    def test_mistyped_command(self):
        self.assertSuggests(lambda i, o: ["resise", i, o],
                            "unknown command 'resise'; did you mean 'resize'?")

    def test_synonym_is_suggested_not_accepted(self):
        self.assertSuggests(lambda i, o: ["grey", i, o],
                            "unknown command 'grey'; did you mean 'grayscale'?")
        self.assertSuggests(lambda i, o: ["thumb", i, o],
                            "unknown command 'thumb'; did you mean 'thumbnail'?")
        self.assertSuggests(lambda i, o: ["shrink", i, o],
                            "unknown command 'shrink'; did you mean 'resize'?")

    def test_mistyped_option(self):
        self.assertSuggests(lambda i, o: ["resize", i, o, "--szie", "10x10"],
                            "unknown option '--szie'; did you mean '--size'?")
        self.assertSuggests(lambda i, o: ["resize", "--szie=10x10", i, o],
                            "unknown option '--szie=10x10'; did you mean '--size'?")

    def test_far_off_words_get_no_guess(self):
        self.assertSuggests(lambda i, o: ["frobnicate", i, o],
                            "unknown command 'frobnicate' (try 'imgbatch --help')")
        self.assertSuggests(lambda i, o: ["resize", i, o, "--xyzzy"],
                            "unknown option '--xyzzy'")


def options_in(text):
    return set(OPTION_RE.findall(text))


class CommandHelpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = run(["--help"])
        assert p.returncode == 0, p.err
        cls.full = p.out

    def command_help(self, command):
        p = run([command, "--help"])
        self.assertEqual((p.returncode, p.err), (0, ""), command)
        self.assertTrue(p.out.startswith("usage: imgbatch %s " % command), p.out)
        self.assertLess(len(p.out.splitlines()), len(self.full.splitlines()), p.out)
        return p.out

    def test_resize(self):
        text = self.command_help("resize")
        opts = options_in(text)
        self.assertIn("--size", opts)
        self.assertIn("--incremental", opts)
        for refused in ("--op", "--repeat", "--procs", "--csv", "--plot"):
            self.assertNotIn(refused, opts, text)

    def test_grayscale_and_sepia_have_no_size(self):
        for command in ("grayscale", "sepia"):
            text = self.command_help(command)
            self.assertNotIn("--size", options_in(text), text)
            self.assertIn("--quality", options_in(text), text)

    def test_thumbnail(self):
        self.assertIn("--size", options_in(self.command_help("thumbnail")))

    def test_bench(self):
        text = self.command_help("bench")
        opts = options_in(text)
        for wanted in ("--op", "--procs", "--repeat", "--jobs"):
            self.assertIn(wanted, opts, text)
        for refused in ("--incremental", "--shard", "--dry-run", "--files-from"):
            self.assertNotIn(refused, opts, text)

    def test_report(self):
        """report takes files and --json: the options of the runs are not listed for it."""
        text = self.command_help("report")
        self.assertTrue(text.startswith("usage: imgbatch report FILE... [--json]\n"), text)
        listed = options_in(text.split("options:")[1])
        self.assertEqual(listed, {"--json", "-h", "--help", "-V", "--version"}, text)

    def test_every_option_a_command_lists_is_accepted_by_it(self):
        # What a command's help lists must be what the whole help lists: no stray name.
        for command in ("resize", "grayscale", "sepia", "thumbnail", "bench", "report"):
            self.assertLessEqual(options_in(self.command_help(command)), options_in(self.full))

    def test_help_alone_is_the_whole_help(self):
        for opt in ("--procs", "--shard", "--size"):
            self.assertIn(opt, options_in(self.full))


def pkg_version(module):
    pkg_config = shutil.which("pkg-config")
    if not pkg_config:
        return None
    p = subprocess.run([pkg_config, "--modversion", module], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=30)
    return p.stdout.decode().strip() if p.returncode == 0 else None


class VersionTest(unittest.TestCase):
    def test_libraries(self):
        p = run(["--version"])
        self.assertEqual((p.returncode, p.err), (0, ""))
        lines = p.out.splitlines()
        self.assertRegex(lines[0], r"^imgbatch \d+\.\d+\.\d+$")
        versions = dict(line.split(" ", 1) for line in lines[1:])
        self.assertEqual(sorted(versions), ["lcms2", "libde265", "libheif", "libjpeg-turbo",
                                            "libpng", "libvips"])
        for name, module in (("libvips", "vips"), ("libjpeg-turbo", "libturbojpeg"),
                             ("libpng", "libpng"), ("lcms2", "lcms2"), ("libheif", "libheif"),
                             ("libde265", "libde265")):
            self.assertRegex(versions[name], r"^\d+\.\d+(\.\d+)?$", name)
            expected = pkg_version(module)
            if expected is None:
                continue
            self.assertEqual(versions[name], expected,
                             "%s: --version and pkg-config --modversion %s differ"
                             % (name, module))


if __name__ == "__main__":
    unittest.main(verbosity=2)
