"""The documentation cannot drift from the program: every option `imgbatch --help` prints
is documented in the man page's OPTIONS section and in README.md, every option the man
page documents exists in --help, and so do the commands, the exit statuses and the
version; the three name the formats read and the extensions taken as the program does. The man page renders without a groff warning, and `cmake --install` puts the
program and its man page where they belong.

The build directory comes from IMGBATCH_BUILD_DIR, else the directory of $IMGBATCH.
"""

import os
import re
import shutil
import subprocess
import unittest

from helpers import BIN, REPO, ImgbatchTestCase, describe, run

MAN_PAGE = os.path.join(REPO, "man", "imgbatch.1")
README = os.path.join(REPO, "README.md")
BUILD_DIR = os.environ.get("IMGBATCH_BUILD_DIR") or os.path.dirname(os.path.abspath(BIN))

# An option as a whole token: "-j", "--max-pixels", "-0"; not the "-" of "a -> b" or
# of "up-to-date", and not a lone "-" (stdin).
OPTION_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def plain_troff(text):
    """troff source as the words it prints: comments dropped, \\- as -, font changes,
    zero-width and continuation escapes removed, \\e as a backslash."""
    lines = [l for l in text.split("\n") if not l.startswith('.\\"')]
    text = "\n".join(lines)
    text = re.sub(r"\\f(?:\[[^\]]*\]|\(..|.)", "", text)
    text = text.replace("\\-", "-").replace("\\&", "").replace("\\c", "").replace("\\e", "\\")
    text = text.replace("\\~", " ").replace("\\ ", " ")
    return text


def man_sections(text):
    """{SECTION NAME: [source lines]} of a man page, split at .SH."""
    sections = {}
    name = None
    for line in text.split("\n"):
        if line.startswith(".SH"):
            name = line[3:].strip().strip('"')
            sections[name] = []
        elif name is not None:
            sections[name].append(line)
    return sections


def tags(lines):
    """The tag lines of .TP (and .TQ) paragraphs: the option or value each describes."""
    out = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() in (".TP", ".TQ") or line.startswith(".TP "):
            out.append(lines[i + 1])
    return out


def help_text():
    p = run(["--help"])
    if p.returncode != 0:
        raise AssertionError("imgbatch --help failed\n" + describe(p))
    return p.out


def help_options(text):
    return set(OPTION_RE.findall(text))


class OptionsDocumentedTest(unittest.TestCase):
    """--help, the man page and README.md name the same options."""

    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise AssertionError("imgbatch binary not found at %s" % BIN)
        cls.help = help_text()
        cls.help_opts = help_options(cls.help)
        cls.man_src = read(MAN_PAGE)
        cls.man = plain_troff(cls.man_src)
        cls.sections = man_sections(cls.man)
        cls.readme = read(README)

    def section(self, name):
        self.assertIn(name, self.sections, "the man page has no %s section" % name)
        return self.sections[name]

    def man_option_tags(self):
        found = set()
        for tag in tags(self.section("OPTIONS")):
            found.update(OPTION_RE.findall(tag))
        return found

    def test_help_lists_options(self):
        # A sanity floor, so that a parsing slip cannot make the other tests vacuous.
        for opt in ("-j", "--jobs", "--size", "--fail-on", "--help", "--version", "--repeat"):
            self.assertIn(opt, self.help_opts, self.help)

    def test_help_options_in_man_page(self):
        documented = self.man_option_tags()
        missing = sorted(self.help_opts - documented)
        self.assertEqual(missing, [],
                         "options in --help without an entry in the OPTIONS section of %s"
                         % MAN_PAGE)

    def test_man_page_options_in_help(self):
        unknown = sorted(self.man_option_tags() - self.help_opts)
        self.assertEqual(unknown, [],
                         "options the man page documents that --help does not print:\n"
                         + self.help)

    def test_help_options_in_readme(self):
        missing = [opt for opt in sorted(self.help_opts)
                   if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", self.readme)]
        self.assertEqual(missing, [], "options in --help that README.md never names")

    def test_man_page_options_typed_as_minus(self):
        # An option written "-j" or "--size" in troff prints hyphens (U+2010 in UTF-8),
        # which a shell does not take when copied: they must be "\-".
        bad = []
        for n, line in enumerate(self.man_src.split("\n"), 1):
            if line.startswith('.\\"'):
                continue
            if re.search(r"(?<![\\\w-])--?[A-Za-z0-9]", line):
                bad.append("%d: %s" % (n, line))
        self.assertEqual(bad, [], "plain '-' before an option name in %s" % MAN_PAGE)

    def test_commands_in_man_page(self):
        m = re.search(r"^commands:\n(.*?)\n\n", self.help, re.S | re.M)
        self.assertIsNotNone(m, "no commands: paragraph in --help\n" + self.help)
        commands = {line.split()[0] for line in m.group(1).split("\n")
                    if re.match(r"^  [a-z]", line)}
        self.assertIn("resize", commands)
        documented = {t.strip().split()[-1] for t in tags(self.section("COMMANDS"))}
        self.assertEqual(sorted(commands), sorted(documented))

    def test_exit_statuses_in_man_page(self):
        m = re.search(r"^exit status:(.*)", self.help, re.S | re.M)
        self.assertIsNotNone(m, "no exit status: paragraph in --help\n" + self.help)
        statuses = set(re.findall(r"(?<![\w.-])(\d{1,3})(?![\w.])", m.group(1)))
        self.assertTrue({"0", "1", "2"} <= statuses, statuses)
        documented = set()
        for tag in tags(self.section("EXIT STATUS")):
            documented.update(re.findall(r"\d+", tag))
        self.assertEqual(sorted(statuses - documented, key=int), [],
                         "exit statuses in --help missing from EXIT STATUS")
        self.assertEqual(sorted(documented - statuses, key=int), [],
                         "exit statuses in the man page that --help does not give")

    def test_version_in_man_page(self):
        p = run(["--version"])
        self.assertEqual(p.returncode, 0, describe(p))
        th = [l for l in self.man_src.split("\n") if l.startswith(".TH ")]
        self.assertEqual(len(th), 1, "one .TH line")
        self.assertIn('"%s"' % p.out.split("\n")[0], th[0],
                      ".TH names another version than imgbatch --version")


def format_list(text):
    """"JPEG, PNG and BMP, HEIF (HEIC), AVIF and JPEG XL" as a set of names."""
    text = re.sub(r"\s*\([^)]*\)", "", " ".join(text.split()))
    return {name.strip() for name in re.split(r",| and ", text) if name.strip()}


class FormatsDocumentedTest(ImgbatchTestCase):
    """--help, the man page and README.md name the formats imgbatch reads and the
    extensions it takes as it does."""

    @classmethod
    def setUpClass(cls):
        cls.help = help_text()
        cls.man = plain_troff(read(MAN_PAGE))
        cls.readme = read(README)

    def test_formats_read(self):
        # The program's own list: the refusal of a file that is none of them.
        inp = self.mkdir("in")
        with open(os.path.join(inp, "notes.jpg"), "w") as f:
            f.write("no image\n")
        p = run(["resize", inp, self.path("out")])
        m = re.search(r"formats imgbatch reads: ([^)]*)\)", p.out + p.err)
        self.assertIsNotNone(m, describe(p))
        program = format_list(m.group(1))
        self.assertIn("JPEG XL", program)
        documented = {
            "--help": re.search(r"read by their content: (.*?)\.\n", self.help, re.S),
            "the man page": re.search(r"Files are then read by their content: only (.*?) ever "
                                      r"reach a decoder", self.man, re.S),
            "README.md": re.search(r"^It reads (.*?),\s+and writes", self.readme, re.S | re.M),
        }
        for where, found in documented.items():
            self.assertIsNotNone(found, "%s lists no formats read" % where)
            self.assertEqual(format_list(found.group(1)), program, where)

    def test_extensions(self):
        with open(self.path("notes.txt"), "w") as f:
            f.write("no image\n")
        p = run(["resize", self.path("notes.txt"), self.path("out")])
        m = re.search(r"not an image by its extension \(([^)]*)\)", p.err)
        self.assertIsNotNone(m, describe(p))
        program = m.group(1).split()
        self.assertIn(".heic", program)
        for where, text in (("the man page", self.man), ("README.md", self.readme)):
            found = re.search(r"chosen by extension[^:.]*:(.*?)\.\s", text, re.S | re.I)
            self.assertIsNotNone(found, "%s lists no extensions" % where)
            self.assertEqual(found.group(1).split(), program, where)


class ManPageRendersTest(unittest.TestCase):
    def test_no_groff_warnings(self):
        groff = shutil.which("groff")
        if not groff:
            self.skipTest("groff is not installed (Debian: groff-base)")
        # utf8 is what a terminal gets; ascii is where the check mark and the cross need
        # their stand-ins.
        for device in ("utf8", "ascii"):
            p = subprocess.run([groff, "-man", "-ww", "-z", "-T" + device, MAN_PAGE],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            err = p.stderr.decode("utf-8", "replace")
            self.assertEqual((p.returncode, err), (0, ""),
                             "groff -T%s warns about %s" % (device, MAN_PAGE))


class InstallTest(ImgbatchTestCase):
    def test_cmake_install(self):
        cmake = shutil.which("cmake")
        if not cmake:
            self.skipTest("cmake is not installed")
        if not os.path.exists(os.path.join(BUILD_DIR, "cmake_install.cmake")):
            self.skipTest("no cmake_install.cmake in %s (set IMGBATCH_BUILD_DIR)" % BUILD_DIR)
        prefix = self.path("prefix")
        env = dict(os.environ)
        env.pop("DESTDIR", None)
        p = subprocess.run([cmake, "--install", BUILD_DIR, "--prefix", prefix],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out)
        exe = os.path.join(prefix, "bin", "imgbatch")
        page = os.path.join(prefix, "share", "man", "man1", "imgbatch.1")
        self.assertTrue(os.access(exe, os.X_OK), "no executable bin/imgbatch\n" + out)
        self.assertTrue(os.path.isfile(page), "no share/man/man1/imgbatch.1\n" + out)
        self.assertEqual(read(page), read(MAN_PAGE))
        v = subprocess.run([exe, "--version"], stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(v.returncode, 0)
        self.assertTrue(v.stdout.startswith(b"imgbatch "), v.stdout)
        for installed, source in COMPLETIONS.items():
            path = os.path.join(prefix, *installed.split("/"))
            self.assertTrue(os.path.isfile(path), "no %s\n%s" % (installed, out))
            self.assertEqual(read(path), read(source))


COMPLETIONS_DIR = os.path.join(REPO, "completions")
BASH_COMPLETION = os.path.join(COMPLETIONS_DIR, "imgbatch.bash")
# Where each shell looks under a prefix, and the file that goes there.
COMPLETIONS = {
    "share/bash-completion/completions/imgbatch": BASH_COMPLETION,
    "share/zsh/site-functions/_imgbatch": os.path.join(COMPLETIONS_DIR, "_imgbatch"),
    "share/fish/vendor_completions.d/imgbatch.fish":
        os.path.join(COMPLETIONS_DIR, "imgbatch.fish"),
}


def bash_complete(line):
    """What the bash completion offers for `line` (the cursor at its end) as a list."""
    script = ('source "$1"; read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=("");'
              ' COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _imgbatch;'
              ' printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "--norc", "-c", script, "bash", BASH_COMPLETION, line],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0 or p.stderr:
        raise AssertionError("the completion of %r failed: %s" % (line, p.stderr))
    return [w for w in p.stdout.decode().split("\n") if w]


class CompletionTest(unittest.TestCase):
    """The shell completions know every option --help prints, and answer as they should."""

    def test_bash_lists_every_long_option(self):
        text = read(BASH_COMPLETION)
        words = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
        missing = sorted(o for o in help_options(help_text()) if o.startswith("--")
                         and o not in words)
        self.assertEqual(missing, [], "long options of --help the bash completion lacks")

    def test_zsh_and_fish_list_every_long_option(self):
        zsh = read(COMPLETIONS["share/zsh/site-functions/_imgbatch"])
        fish = read(COMPLETIONS["share/fish/vendor_completions.d/imgbatch.fish"])
        for opt in sorted(o for o in help_options(help_text()) if o.startswith("--")):
            # '--quiet[...]', '--timeout=[...]', or {-n,--dry-run}'[...]'
            self.assertRegex(zsh, r"['{,)]" + re.escape(opt) + r"[=\[,}]",
                             "zsh lacks " + opt)
            self.assertRegex(fish, r"-l " + re.escape(opt[2:]) + r"(?![\w-])",
                             "fish lacks " + opt)

    def test_bash_answers(self):
        if not shutil.which("bash"):
            self.skipTest("bash is not installed")
        self.assertEqual(bash_complete("imgbatch res"), ["resize"])
        self.assertEqual(bash_complete("imgbatch resize --si"), ["--size"])
        # Only what the command takes: grayscale keeps the full size, bench has no --shard.
        self.assertEqual(bash_complete("imgbatch grayscale --si"), [])
        self.assertEqual(bash_complete("imgbatch bench --sh"), [])
        self.assertEqual(bash_complete("imgbatch bench --proc"), ["--procs"])
        # bench measures the encoders too: it takes their options.
        self.assertEqual(bash_complete("imgbatch bench --prog"), ["--progressive"])
        self.assertEqual(bash_complete("imgbatch sepia in out --format "),
                         ["auto", "jpeg", "png", "webp", "tiff", "gif", "avif", "jxl"])
        self.assertEqual(bash_complete("imgbatch resize --chroma "), ["420", "444", "auto"])
        self.assertEqual(bash_complete("imgbatch resize --keep-o"),
                         ["--keep-original-if-smaller"])
        self.assertEqual(bash_complete("imgbatch resize --fail-on t"), ["truncated"])
        self.assertEqual(bash_complete("imgbatch bench in --op g"), ["grayscale"])
        # --op takes a comma list: the word after the last comma is completed.
        self.assertEqual(bash_complete("imgbatch bench in --op resize,th"), ["resize,thumbnail"])
        self.assertEqual(bash_complete("imgbatch bench in --op resize,sepia,c"),
                         ["resize,sepia,convert"])
        # INPUT and OUTPUT: the files and directories there.
        self.assertIn(os.path.join(REPO, "completions"),
                      bash_complete("imgbatch resize " + os.path.join(REPO, "compl")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
