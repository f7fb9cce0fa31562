"""Shared helpers for imgbatch's end-to-end tests: finding the binary and the
corpus, running imgbatch, parsing its text and JSON output, generating images
with known pixels, and checking output directories for leftover temporary files.

Only the standard library and Pillow are used.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from PIL import Image, ImageChops, ImageStat

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

BIN = os.environ.get("IMGBATCH") or os.path.join(REPO, "build", "imgbatch")
CORPUS = os.environ.get("IMGBATCH_CORPUS") or os.path.join(REPO, "..", "shared", "corpus")
TEST_DATA = os.environ.get("IMGBATCH_TEST_DATA") or os.path.join(REPO, "tests", "data")
# Built with AddressSanitizer: memory limits (--max-memory) cannot work there.
SANITIZED = os.environ.get("IMGBATCH_SANITIZED") == "1"

# Generous: a run that takes this long is broken, not slow.
RUN_TIMEOUT = 120

# A name on a text line: as is, or in double quotes with C escapes when it needs them.
NAME = r'(?:"(?:[^"\\]|\\.)*"|[^"].*?)'
OK_RE = re.compile(
    r"^\u2713 (?P<input>" + NAME + r") -> (?P<output>" + NAME + r") "
    r"\((?P<iw>\d+)x(?P<ih>\d+) -> (?P<w>\d+)x(?P<h>\d+), "
    r"(?:(?P<frames>\d+ frames|first of \d+ frames), )?(?P<ms>[0-9.]+) ms"
    r"(?P<kept>, original kept: [^)]*)?\)$"
)
FAIL_RE = re.compile(r"^\u2717 (?P<input>" + NAME + r"): (?P<error>.*)$")
ESCAPES = {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\"}


def unquote_name(text):
    """A name as printed on a text line back to the file name (str, undecodable bytes as
    surrogates, like os.fsdecode).  Raises ValueError on an escape imgbatch never writes."""
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        return text
    raw = text[1:-1].encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        e = raw[i + 1:i + 2].decode("ascii")
        if e == "x":
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        elif e in ESCAPES:
            out += ESCAPES[e]
            i += 2
        else:
            raise ValueError("unknown escape \\%s in %r" % (e, text))
    return out.decode("utf-8", "surrogateescape")
SUMMARY_RE = re.compile(
    r"^(?P<op>resize|grayscale|sepia|thumbnail|convert): (?P<ok>\d+) ok, (?P<failed>\d+) failed, "
    r"(?P<skipped>\d+) skipped in (?P<rest>.*)$"
)
WORKER_RE = re.compile(r"^  worker (?P<no>\d+): (?P<files>\d+) files?, busy (?P<busy>\d+)%")


def corpus(*parts):
    """A path inside the shared corpus; fails the test run if the corpus is missing."""
    path = os.path.join(CORPUS, *parts)
    if not os.path.exists(path):
        raise AssertionError("corpus file missing: %s (IMGBATCH_CORPUS=%s)" % (path, CORPUS))
    return path


def run(args, timeout=RUN_TIMEOUT, **kw):
    """Runs imgbatch with args (str or bytes items); stdout/stderr as str
    (undecodable bytes kept as surrogates)."""
    argv = [BIN] + list(args)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, **kw)
    p.out = p.stdout.decode("utf-8", "surrogateescape")
    p.err = p.stderr.decode("utf-8", "surrogateescape")
    return p


class Finished:
    """A finished process, shaped like run()'s result: returncode, stdout and stderr
    (bytes), out and err (str)."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.out = stdout.decode("utf-8", "surrogateescape")
        self.err = stderr.decode("utf-8", "surrogateescape")


def describe(p):
    """Everything about a run, for assertion messages."""
    return "exit %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (p.returncode, p.out, p.err)


def failure_lines(err):
    """The \u2717 lines of a text run's stderr, as {input, error} dicts, and the other lines
    there ("imgbatch: ..." lines, the progress line's drawings)."""
    failed, other = [], []
    for line in err.split("\n"):
        if line == "":
            continue
        m = FAIL_RE.match(line)
        if m and line.startswith("\u2717 "):
            d = m.groupdict()
            d["input"] = unquote_name(d["input"])
            failed.append(d)
        else:
            other.append(line)
    return failed, other


class TextRun:
    """The text output of a run, parsed: ok lines, summary and workers from stdout, the
    failed lines from stderr (err_other: the rest of stderr).  A failure line on stdout
    lands in other."""

    def __init__(self, p):
        self.proc = p
        self.ok = []
        self.summary = None
        self.workers = []
        self.other = []
        self.failed, self.err_other = failure_lines(p.err)
        for line in p.out.split("\n"):
            if line == "":
                continue
            m = OK_RE.match(line)
            if m:
                d = m.groupdict()
                d["input"] = unquote_name(d["input"])
                d["output"] = unquote_name(d["output"])
                self.ok.append(d)
                continue
            m = SUMMARY_RE.match(line)
            if m:
                self.summary = m.groupdict()
                continue
            m = WORKER_RE.match(line)
            if m:
                self.workers.append(m.groupdict())
                continue
            self.other.append(line)

    def failed_by_name(self):
        return {os.path.basename(f["input"]): f["error"] for f in self.failed}

    def ok_by_name(self):
        return {os.path.basename(o["input"]): o for o in self.ok}


def run_text(args, **kw):
    return TextRun(run(args, **kw))


class JsonRun:
    """The --json output of a run: per-file records and the summary.
    Raises AssertionError if any stdout line is not one JSON object."""

    def __init__(self, p):
        self.proc = p
        self.records = []
        self.summary = None
        raw = p.stdout
        if raw and not raw.endswith(b"\n"):
            raise AssertionError("JSON output does not end with a newline\n" + describe(p))
        for n, line in enumerate(raw.split(b"\n")[:-1] if raw else [], 1):
            try:
                text = line.decode("utf-8")  # strict: every line must be UTF-8
                obj = json.loads(text)
            except (UnicodeDecodeError, ValueError) as e:
                raise AssertionError("stdout line %d is not valid JSON (%s): %r\n%s"
                                     % (n, e, line, describe(p)))
            if not isinstance(obj, dict):
                raise AssertionError("stdout line %d is not an object: %r" % (n, line))
            if "summary" in obj:
                if self.summary is not None:
                    raise AssertionError("two summary objects\n" + describe(p))
                self.summary = obj["summary"]
            else:
                if self.summary is not None:
                    raise AssertionError("a file record after the summary\n" + describe(p))
                self.records.append(obj)

    def by_status(self, status):
        return [r for r in self.records if r.get("status") == status]

    def by_name(self):
        return {os.path.basename(r["input"]): r for r in self.records}


def run_json(args, **kw):
    return JsonRun(run(list(args) + ["--json"], **kw))


def hidden_files(directory):
    """Every file or directory whose name starts with '.' under directory
    (temporary files are .NAME.imgbatch-PID.tmp), as paths relative to it."""
    found = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            if name.startswith("."):
                found.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(found)


def all_files(directory):
    found = []
    for root, dirs, files in os.walk(directory):
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(found)


class ImgbatchTestCase(unittest.TestCase):
    """A test case with a private temporary directory (self.tmp) and helpers."""

    maxDiff = 4000

    def setUp(self):
        self.assertTrue(os.access(BIN, os.X_OK), "imgbatch binary not found at %s" % BIN)
        self.tmp = tempfile.mkdtemp(prefix="imgbatch-e2e-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def mkdir(self, *parts):
        p = self.path(*parts)
        os.makedirs(p, exist_ok=True)
        return p

    def assertNoTempFiles(self, directory, p=None):
        left = hidden_files(directory) if os.path.isdir(directory) else []
        msg = "hidden/temporary files left in %s: %s" % (directory, left)
        if p is not None:
            msg += "\n" + describe(p)
        self.assertEqual(left, [], msg)

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code, describe(p))


# ---------------------------------------------------------------- images

def solid(path, size, colour, mode="RGB"):
    im = Image.new(mode, size, colour)
    im.save(path)
    return im


def split_lr(path, size, left, right, mode="RGB"):
    """Left half one colour, right half another (width should be even)."""
    w, h = size
    im = Image.new(mode, size, left)
    im.paste(Image.new(mode, (w - w // 2, h), right), (w // 2, 0))
    im.save(path)
    return im


def gradient(path, size):
    """R grows left to right, G top to bottom, B constant 60: every value 0..255 met."""
    w, h = size
    im = Image.new("RGB", size)
    px = im.load()
    for y in range(h):
        g = y * 255 // max(h - 1, 1)
        for x in range(w):
            px[x, y] = (x * 255 // max(w - 1, 1), g, 60)
    im.save(path)
    return im


def colour_patches(path, colours, patch=8):
    """One patch x patch square per colour, in a row: for exact per-pixel checks."""
    im = Image.new("RGB", (patch * len(colours), patch))
    for i, c in enumerate(colours):
        im.paste(Image.new("RGB", (patch, patch), c), (i * patch, 0))
    im.save(path)
    return im


def open_loaded(path):
    im = Image.open(path)
    im.load()
    return im


def max_abs_diff(a, b):
    """Largest per-channel absolute difference between two same-size images."""
    assert a.size == b.size, (a.size, b.size)
    assert a.mode == b.mode, (a.mode, b.mode)
    extrema = ImageChops.difference(a, b).getextrema()
    if isinstance(extrema[0], tuple):
        return max(hi for lo, hi in extrema)
    return extrema[1]


def mean_abs_diff(a, b):
    """Mean absolute difference per channel (a list), same size and mode."""
    assert a.size == b.size, (a.size, b.size)
    return ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean


def pillow_fit(size, box):
    """The size Pillow's Image.thumbnail(box) gives an image of this size, computed by
    Pillow itself on a blank stand-in (never enlarges)."""
    im = Image.new("L", size)
    im.thumbnail(box)
    return im.size


def upright_size(path):
    """An image's size after ImageOps.exif_transpose, from its EXIF orientation tag
    (5..8 swap width and height), without decoding the pixels."""
    with Image.open(path) as im:
        try:
            orientation = im.getexif().get(0x0112)
        except Exception:
            orientation = None
        w, h = im.size
    if orientation in (5, 6, 7, 8):
        return h, w
    return w, h


# ---------------------------------------------------------------- other decoders

# The format of a file by its first bytes, and the decoder its makers ship, with the
# Debian package that has it (scripts/setup.sh installs them).
OWN_DECODERS = {"AVIF": ("avifdec", "libavif-bin"), "JPEG XL": ("djxl", "libjxl-tools"),
                "WebP": ("dwebp", "webp")}


def sniff(path):
    """"JPEG", "PNG", "WebP", "AVIF", "JPEG XL", "TIFF" or None, from a file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(32)
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\0\0\0\x0cJXL \r\n\x87\x0a"):
        return "JPEG XL"
    if head[4:8] == b"ftyp" and (head[8:12] == b"avif" or b"avif" in head[16:32]):
        return "AVIF"
    if head[:4] in (b"II*\0", b"MM\0*"):
        return "TIFF"
    return None


def decode_own(path, workdir):
    """An AVIF, JPEG XL or WebP file decoded by its format's own decoder (avifdec, djxl,
    dwebp) to a PNG in workdir, opened with Pillow; AssertionError if the decoder refuses
    it or is not installed."""
    fmt = sniff(path)
    if fmt not in OWN_DECODERS:
        raise AssertionError("%s is %s, not AVIF, JPEG XL or WebP" % (path, fmt))
    tool, package = OWN_DECODERS[fmt]
    exe = shutil.which(tool)
    if not exe:
        raise AssertionError("%s is not installed (Debian: %s; scripts/setup.sh installs it)"
                             % (tool, package))
    png = os.path.join(workdir, os.path.basename(path) + ".%s.png" % tool)
    argv = {"avifdec": [exe, path, png], "djxl": [exe, path, png],
            "dwebp": [exe, "-quiet", path, "-o", png]}[tool]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    if p.returncode != 0 or not os.path.exists(png):
        raise AssertionError("%s refuses %s (exit %d): %s" % (tool, path, p.returncode,
                             p.stderr.decode("utf-8", "replace")))
    return open_loaded(png)


# ---------------------------------------------------------------- processes

def children(pid):
    """Pids of pid's child processes (from /proc/PID/task/*/children, else by
    scanning /proc/*/stat for the parent pid)."""
    kids = set()
    task_dir = "/proc/%d/task" % pid
    try:
        tasks = os.listdir(task_dir)
    except OSError:
        return []
    found_file = False
    for tid in tasks:
        try:
            with open(os.path.join(task_dir, tid, "children")) as f:
                found_file = True
                kids.update(int(x) for x in f.read().split())
        except OSError:
            pass
    if found_file:
        return sorted(kids)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(int(entry))
        if st and st[1] == pid:
            kids.add(int(entry))
    return sorted(kids)


def proc_stat(pid):
    """(state, ppid) of a process, or None if it does not exist."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1])


def alive(pid):
    """True while pid exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def open_files(pid):
    """(fd, what it points at) for each descriptor process pid holds; none if it is gone."""
    fd_dir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return
    for fd in fds:
        try:
            yield fd, os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            pass


def writes_in(pid, directory):
    """True if process pid has an output's temporary file in directory open for
    writing: named (.NAME.imgbatch-PID.tmp) or unnamed (O_TMPFILE, which /proc
    shows as "DIRECTORY/#INODE (deleted)").  Other files open there (a worker
    inherits the master's .imgbatch.lock) do not count."""
    real = os.path.realpath(directory)
    for fd, target in open_files(pid):
        name = os.path.basename(target)
        temp = name.endswith(".imgbatch-%d.tmp" % pid) or (name.startswith("#")
                                                           and name.endswith(" (deleted)"))
        if os.path.dirname(target) != real or not temp:
            continue
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                flags = int(f.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        if flags & (os.O_WRONLY | os.O_RDWR):
            return True
    return False


def has_open(pid, path):
    """True if process pid has path open."""
    real = os.path.realpath(path)
    return any(target == real for _, target in open_files(pid))


def reap_processes(procs):
    """Never leaves an imgbatch (or its workers) behind, whatever failed: kills what
    still runs in procs (Popen objects), workers first, and waits for it."""
    import signal
    for p in procs:
        if p.poll() is None:
            for kid in children(p.pid):
                try:
                    os.kill(kid, signal.SIGKILL)
                except OSError:
                    pass
            p.kill()
        try:
            p.communicate(timeout=30)
        except Exception:
            pass


def waiting_for_lock(pid):
    """True if /proc/locks shows pid blocked waiting for a POSIX lock ("->" lines)."""
    try:
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()
                if "->" in fields:
                    rest = fields[fields.index("->") + 1:]
                    if len(rest) >= 4 and rest[0] == "POSIX" and rest[3] == str(pid):
                        return True
    except OSError:
        pass
    return False


def wait_for(condition, timeout, interval=0.02):
    """Polls condition() until it returns something true (returned) or timeout
    seconds pass (returns None)."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# ---------------------------------------------------------------- fault injection

FAULT_LIB = os.environ.get("IMGBATCH_FAULT_INJECT") or os.path.join(
    REPO, "build", "tests", "libimgbatch_fault_inject.so")


def fault_env(**extra):
    """The environment for imgbatch with tests/fault/fault_inject.c preloaded, plus extra."""
    env = dict(os.environ)
    env["LD_PRELOAD"] = FAULT_LIB
    # A sanitizer build insists on being first in the library list; it is, for imgbatch.
    env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS"),
                                               "verify_asan_link_order=0") if x)
    env.update(extra)
    return env
