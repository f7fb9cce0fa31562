"""Real filesystem failures, as a user meets them:

- a full disk (ENOSPC, out of blocks or out of inodes): imgbatch runs in a private mount
  namespace where OUTPUT is a small tmpfs; the files that fit are written whole, the
  others fail one by one naming "No space left on device" and leave nothing behind (no
  partial output, no temporary file); exit 1; the summary counts match;
- a read-only filesystem (EROFS): an existing read-only OUTPUT fails every file with one
  line naming "Read-only file system" and writes nothing (exit 1); an OUTPUT to be
  created on it is refused up front (exit 2, one line on stderr naming OUTPUT and cause);
- permissions, as a user without privileges (user nobody through setpriv when the tests
  run as root): an unwritable OUTPUT, an unreadable input file, an unreadable
  subdirectory with -r;
- OUTPUT inside INPUT is never scanned as input, however OUTPUT is spelled.

Two workers racing for the last free space must not produce an ok output with a hole in
it (libvips 8.14's PNG and TIFF savers can report success after a failed write: imgbatch
keeps its own record of write errors), and a PNG or TIFF write error names the output
file, like a JPEG one.

The namespace tests need `unshare -m` (root) or `unshare -rm` (unprivileged user
namespaces); they are skipped, with the reason, where neither can mount a tmpfs.  Each
namespace runs a small shell script that mounts, runs imgbatch (its stdout, stderr and
exit status kept in files outside the mount), then copies what OUTPUT holds out of the
mount before the namespace, and the mount, go away.  The read-only mount is a tmpfs
remounted with "remount,ro,bind" (a per-mount flag, which a user namespace may set).
"""

import os
import random
import shutil
import subprocess
import tempfile
import unittest

from PIL import Image

import helpers
from helpers import BIN, Finished, ImgbatchTestCase, JsonRun, TextRun, describe

IS_ROOT = os.geteuid() == 0
UNSHARE = ["unshare", "-m"] if IS_ROOT else ["unshare", "-rm"]
NOBODY = 65534
SETPRIV = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"]

NOSPC = "No space left on device"
EROFS = "Read-only file system"
EACCES = "Permission denied"

PNG_END = b"IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"


# ---------------------------------------------------------------- inputs

def noisy(path, size, seed, **save_args):
    """An image of random pixels: compresses badly, so its output is big."""
    rnd = random.Random(seed)
    w, h = size
    Image.frombytes("RGB", size, rnd.randbytes(w * h * 3)).save(path, **save_args)


def small(path, size=(400, 300), colour=(200, 100, 50)):
    Image.new("RGB", size, colour).save(path)


def is_temp_name(name):
    return ".imgbatch-" in name and name.endswith(".tmp")


# ---------------------------------------------------------------- namespaces

_NS_PROBLEM = []


def namespace_problem():
    """None when this process can mount a tmpfs in a private mount namespace made with
    UNSHARE, else why not (computed once)."""
    if _NS_PROBLEM:
        return _NS_PROBLEM[0]
    reason = None
    if shutil.which("unshare") is None:
        reason = "unshare(1) not found"
    else:
        d = tempfile.mkdtemp(prefix="imgbatch-e2e-nsprobe-")
        try:
            p = subprocess.run(
                UNSHARE + ["sh", "-c", 'mount -t tmpfs -o size=64k none "$1" && : >"$1/probe"',
                           "sh", d],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            if p.returncode != 0:
                reason = ("cannot mount a tmpfs in a private mount namespace with `%s`: "
                          "exit %d, %s" % (" ".join(UNSHARE), p.returncode,
                                           p.stderr.decode(errors="replace").strip()))
            elif os.path.exists(os.path.join(d, "probe")):
                raise AssertionError("the tmpfs mounted by `%s` was not private: a file "
                                     "written on it is visible outside" % " ".join(UNSHARE))
        finally:
            shutil.rmtree(d, True)
    _NS_PROBLEM.append(reason)
    return reason


SCRIPT_PREAMBLE = r"""
set -u
# where PID and its workers are, for a run that hung: their states, kernel wait channels
# and, where gdb is installed, every thread's stack
where() {
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        echo "== process $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
        grep -E '^(State|Threads)' /proc/$p/status 2>/dev/null
        for t in /proc/$p/task/*; do echo "thread ${t##*/} wchan $(cat $t/wchan 2>/dev/null)"; done
        if command -v gdb >/dev/null; then
            timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(#|Thread)'
        fi
    done
}
# run TAG ARGS...: imgbatch ARGS, its stdout, stderr and exit status kept in $RES/TAG.*;
# after 120 s it is taken for hung: where it was goes to $RES/TAG.hang, and it is killed
run() {
    tag=$1; shift
    "$IMGBATCH" "$@" >"$RES/$tag.out" 2>"$RES/$tag.err" &
    pid=$!
    ticks=0
    while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" != Z ] \
          && [ $ticks -lt 1200 ]; do
        sleep 0.1
        ticks=$((ticks + 1))
    done
    if [ $ticks -ge 1200 ]; then
        where "$pid" >"$RES/$tag.hang" 2>&1
        for p in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do kill -KILL "$p"; done
        kill -KILL "$pid"
        wait "$pid"
        echo 124 >"$RES/$tag.rc"
        return
    fi
    wait "$pid"
    echo $? >"$RES/$tag.rc"
}
"""


class NamespaceTestCase(ImgbatchTestCase):
    def setUp(self):
        super().setUp()
        reason = namespace_problem()
        if reason:
            self.skipTest(reason)
        self.res = self.mkdir("res")

    def in_namespace(self, script, **env):
        """Runs script (sh) in a fresh private mount namespace, with IMGBATCH, RES and
        env set; the script exits non-zero only when its own setup fails."""
        path = self.path("ns.sh")
        with open(path, "w") as f:
            f.write(SCRIPT_PREAMBLE + script)
        full_env = dict(os.environ, IMGBATCH=BIN, RES=self.res, **env)
        p = subprocess.run(UNSHARE + ["sh", path], env=full_env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(p.returncode, 0, "namespace script failed (exit %d): %s\n%s\n%s"
                         % (p.returncode, script, p.stdout.decode(errors="replace"),
                            p.stderr.decode(errors="replace")))

    def result(self, tag):
        """What run TAG ... recorded, as a finished process."""
        base = os.path.join(self.res, tag)
        with open(base + ".rc") as f:
            rc = int(f.read())
        with open(base + ".out", "rb") as f:
            out = f.read()
        with open(base + ".err", "rb") as f:
            err = f.read()
        if rc == 124:
            with open(base + ".hang", errors="replace") as f:
                self.fail("imgbatch hung: killed after 120 s; where its processes were:\n"
                          + f.read())
        return Finished(rc, out, err)

    def listing(self, name="listing.txt"):
        with open(os.path.join(self.res, name), errors="replace") as f:
            return f.read()


# ---------------------------------------------------------------- ENOSPC

FULL_DISK_SCRIPT = r"""
mount -t tmpfs -o "$MOUNT_OPTS" none "$OUT" || exit 99
run full "$OP" "$IN" "$OUT" $ARGS --json
ls -la "$OUT" >"$RES/listing.txt" 2>&1
cp -a "$OUT/." "$SNAP/" || exit 98
"""


class DiskFullTest(NamespaceTestCase):
    """OUTPUT is a tmpfs too small for all the outputs."""

    COUNT = 20

    def fill(self, ext, size, **save_args):
        inp = self.mkdir("in")
        names = []
        for i in range(self.COUNT):
            name = "noise%02d.%s" % (i, ext)
            noisy(os.path.join(inp, name), size, seed=i, **save_args)
            names.append(name)
        return inp, sorted(names)

    def run_full(self, op, inp, mount_opts, args=("-j", "2")):
        out = self.mkdir("out")       # the mount point
        snap = self.path("snapshot")  # what OUTPUT held, copied out before unmounting
        shutil.rmtree(snap, True)
        os.mkdir(snap)
        self.in_namespace(FULL_DISK_SCRIPT, MOUNT_OPTS=mount_opts, OP=op, IN=inp, OUT=out,
                          SNAP=snap, ARGS=" ".join(args))  # plain words: split by sh
        p = self.result("full")
        self.assertEqual(os.listdir(out), [], "the tmpfs leaked out of the namespace")
        return JsonRun(p), out, snap

    def check_full(self, r, names, out, snap, capacity, end_marker=None, out_ext=None,
                   corrupt=None):
        """Everything a user checks after a run on a full disk.  An ok output that is not
        whole fails the test, or, with corrupt (a list), is appended to it instead."""
        p = r.proc
        info = describe(p) + "\n--- OUTPUT listing before unmount ---\n" + self.listing()

        def output_name(rec):
            base = os.path.basename(rec["input"])
            return base if out_ext is None else os.path.splitext(base)[0] + out_ext

        self.assertExit(p, 1)
        self.assertEqual(len(r.records), len(names), info)
        self.assertEqual(sorted(os.path.basename(x["input"]) for x in r.records), names, info)
        ok = r.by_status("ok")
        failed = r.by_status("failed")
        self.assertEqual(len(ok) + len(failed), len(names), info)
        self.assertGreaterEqual(len(ok), 1, "nothing fitted on the disk\n" + info)
        self.assertGreaterEqual(len(failed), 1, "everything fitted: disk not full\n" + info)

        # the summary counts match the records
        s = r.summary
        self.assertIsNotNone(s, info)
        self.assertEqual((s["total"], s["ok"], s["failed"], s["skipped"]),
                         (len(names), len(ok), len(failed), 0), info)

        # every failure names the cause
        for rec in failed:
            self.assertIn(NOSPC, rec["error"], info)

        # OUTPUT holds exactly the ok outputs: no partial file of a failed one, no temporary
        for rec in ok:
            self.assertEqual(rec["output"], os.path.join(out, output_name(rec)), rec)
        self.assertEqual([n for n in os.listdir(snap) if is_temp_name(n)], [], info)
        self.assertNoTempFiles(snap, p)
        self.assertEqual(helpers.all_files(snap), sorted(output_name(x) for x in ok), info)
        for rec in failed:
            self.assertFalse(os.path.lexists(os.path.join(snap, output_name(rec))),
                             "output left for a failed file: %s\n%s" % (rec["input"], info))

        # every ok output is whole: it ends where its format ends, and decodes fully
        total = 0
        for rec in ok:
            name = output_name(rec)
            path = os.path.join(snap, name)
            with open(path, "rb") as f:
                data = f.read()
            total += len(data)
            try:
                if end_marker is not None and not data.endswith(end_marker):
                    raise ValueError("does not end with %r" % end_marker)
                with Image.open(path) as im:
                    im.load()  # raises on a truncated or corrupt file
                    size = im.size
            except Exception as e:
                problem = "%s reported ok but is not a whole image (%d bytes): %s" % (
                    name, len(data), e)
                if corrupt is None:
                    self.fail(problem + "\n" + info)
                corrupt.append(problem)
                continue
            self.assertEqual(size, (rec["width"], rec["height"]), name)
        self.assertLessEqual(total, capacity, info)

    def test_png_outputs_on_a_full_disk(self):
        """Sepia keeps full size: 20 noisy 300x300 PNGs make about 170 KB each, 3.4 MB
        in all, for a 600 KB disk."""
        inp, names = self.fill("png", (300, 300))
        r, out, snap = self.run_full("sepia", inp, "size=600k", ("-j", "1"))
        self.check_full(r, names, out, snap, 600 * 1024, PNG_END)
        self.check_messages(r.by_status("failed"), out)

    def test_jpeg_outputs_on_a_full_disk(self):
        """Grayscale JPEGs of noise: about 70 KB each, 1.4 MB in all, for 600 KB."""
        inp, names = self.fill("jpg", (400, 300), quality=95)
        r, out, snap = self.run_full("grayscale", inp, "size=600k")
        self.check_full(r, names, out, snap, 600 * 1024, JPEG_END)
        self.check_messages(r.by_status("failed"), out)

    def test_out_of_inodes(self):
        """Room for the bytes but only 4 inodes (the root directory takes one): the
        temporary file cannot even be created; at most 3 outputs can exist."""
        inp, names = self.fill("png", (300, 300))
        r, out, snap = self.run_full("sepia", inp, "size=8m,nr_inodes=4")
        self.check_full(r, names, out, snap, 8 * 1024 * 1024, PNG_END)
        self.assertLessEqual(len(r.by_status("ok")), 3, describe(r.proc))
        self.check_messages(r.by_status("failed"), out)

    def test_workers_racing_for_space(self):
        """Two workers on a full disk, PNG and TIFF outputs (written by libvips): a
        worker whose write fails must fail its file even if the other worker frees
        space (by removing its own abandoned temporary file) before the next write.

        libvips 8.14's savers then reported success for a file with a hole in it (a few
        KB missing from the middle, the end intact): about 1 run in 6 for PNG and 1 in 2
        for TIFF before imgbatch kept its own record of write errors, hence the rounds."""
        ROUNDS = 8
        inp, names = self.fill("png", (300, 300))
        corrupt = []
        for n in range(ROUNDS):
            fmt, ext, marker = (("png", ".png", PNG_END), ("tiff", ".tif", None))[n % 2]
            r, out, snap = self.run_full("sepia", inp, "size=600k", ("-j", "2", "-f", fmt))
            self.check_full(r, names, out, snap, 600 * 1024, marker, ext, corrupt)
            self.assertEqual(corrupt, [], "round %d (-f %s): ok outputs that do not decode"
                             % (n + 1, fmt))

    def test_png_disk_full_message_is_clear(self):
        """The error names the output file and the cause, nothing else (libvips' own
        text was "cannot write: write error; unix error: No space left on device; write
        failed; unix error: Unknown error -1")."""
        inp, names = self.fill("png", (300, 300))
        r, out, snap = self.run_full("sepia", inp, "size=600k", ("-j", "2"))
        self.assertExit(r.proc, 1)
        failed = r.by_status("failed")
        self.assertTrue(failed, describe(r.proc))
        self.check_messages(failed, out)

    def check_messages(self, failed, out):
        for rec in failed:
            expected = os.path.join(out, os.path.basename(rec["input"]))
            self.assertEqual(rec["error"], "cannot write %s: %s" % (expected, NOSPC))


# ---------------------------------------------------------------- EROFS

READ_ONLY_SCRIPT = r"""
mount -t tmpfs -o size=1m none "$RO" || exit 99
mkdir "$RO/existing" || exit 98
mount -o remount,ro,bind "$RO" || exit 97
run existing resize "$IN" "$RO/existing" --size 200x150 -j 2
run existing_json resize "$IN" "$RO/existing" --size 200x150 -j 2 --json
run create resize "$IN" "$RO/new" --size 200x150 -j 2
run create_deep resize "$IN" "$RO/existing/a/b" --size 200x150 -j 2
(cd "$RO" && find . | LC_ALL=C sort) >"$RES/tree.txt" 2>&1
"""


class ReadOnlyTest(NamespaceTestCase):
    NAMES = ["a.png", "b.png", "c.jpg", "d.png", "e.jpg"]

    def setUp(self):
        super().setUp()
        self.inp = self.mkdir("in")
        for i, name in enumerate(self.NAMES):
            small(os.path.join(self.inp, name), colour=(40 * i, 100, 50))
        self.ro = self.mkdir("ro")
        self.in_namespace(READ_ONLY_SCRIPT, IN=self.inp, RO=self.ro)

    def test_existing_read_only_output(self):
        """An OUTPUT that cannot be written to is a setup error found before any work: one
        line naming OUTPUT and the cause (the run cannot even take OUTPUT's lock), exit 2,
        no line per file, nothing written."""
        out = os.path.join(self.ro, "existing")
        for tag in ("existing", "existing_json"):
            with self.subTest(run=tag):
                p = self.result(tag)
                self.assertExit(p, 2)
                self.assertEqual(p.out, "", describe(p))
                self.assertEqual(len(p.err.splitlines()), 1, describe(p))
                self.assertIn("cannot write into OUTPUT %s" % out, p.err)
                self.assertIn(EROFS, p.err)


        # nothing at all was written, by any of the runs
        self.assertEqual(self.listing("tree.txt").split(), [".", "./existing"])

    def check_refused(self, tag, output):
        p = self.result(tag)
        self.assertExit(p, 2)
        self.assertEqual(p.out, "", describe(p))
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        self.assertIn(output, lines[0])
        self.assertIn(EROFS, lines[0])
        self.assertTrue(lines[0].startswith("imgbatch: "), lines[0])

    def test_output_to_create_on_read_only_fs(self):
        self.check_refused("create", os.path.join(self.ro, "new"))
        self.check_refused("create_deep", os.path.join(self.ro, "existing", "a", "b"))
        self.assertEqual(self.listing("tree.txt").split(), [".", "./existing"])


# ---------------------------------------------------------------- permissions

class PermissionTest(ImgbatchTestCase):
    """imgbatch run by a user without privileges: nobody when the tests run as root."""

    def setUp(self):
        super().setUp()
        if IS_ROOT:
            if shutil.which("setpriv") is None:
                self.skipTest("running as root and setpriv(1) is missing: cannot drop to "
                              "an unprivileged user")
            self.prefix = SETPRIV
            os.chmod(self.tmp, 0o755)
            probe = subprocess.run(self.prefix + ["sh", "-c", 'test -x "$1" && cd "$2"', "sh",
                                                  BIN, self.tmp],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            if probe.returncode != 0:
                self.skipTest("user nobody cannot run %s in %s: %s"
                              % (BIN, self.tmp, probe.stderr.decode(errors="replace")))
        else:
            self.prefix = []
        # where OUTPUT is created: writable by the unprivileged user
        self.w = self.mkdir("w")
        os.chmod(self.w, 0o777)

    def lock(self, path, mode):
        """chmod path to mode, putting it back before the temporary tree is removed."""
        os.chmod(path, mode)
        self.addCleanup(os.chmod, path, 0o755)

    def run_unprivileged(self, args):
        p = subprocess.run(self.prefix + [BIN] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=helpers.RUN_TIMEOUT)
        return TextRun(Finished(p.returncode, p.stdout, p.stderr))

    def make_inputs(self, names, where="in"):
        inp = self.mkdir(where)
        for i, name in enumerate(names):
            d = os.path.join(inp, os.path.dirname(name))
            os.makedirs(d, exist_ok=True)
            small(os.path.join(inp, name), colour=(30 * i, 80, 160))
        return inp

    def check_outputs(self, out, names):
        self.assertEqual(helpers.all_files(out), sorted(names))
        for name in names:
            with Image.open(os.path.join(out, name)) as im:
                im.load()
                self.assertEqual(im.size, (200, 150))
        self.assertNoTempFiles(out)

    def test_unwritable_output(self):
        """OUTPUT without write permission: one line naming OUTPUT and the cause, exit 2."""
        names = ["a.png", "b.png", "c.jpg", "d.png"]
        inp = self.make_inputs(names)
        out = self.mkdir("w", "out")
        self.lock(out, 0o555)
        r = self.run_unprivileged(["resize", inp, out, "--size", "200x150", "-j", "2"])
        p = r.proc
        self.assertExit(p, 2)
        self.assertEqual(p.out, "", describe(p))
        self.assertEqual(len(p.err.splitlines()), 1, describe(p))
        self.assertIn("cannot write into OUTPUT %s" % out, p.err)
        self.assertIn(EACCES, p.err)
        self.assertEqual(helpers.all_files(out), [])
        self.assertNoTempFiles(out, p)

        # OUTPUT to be created in a directory we may not write: refused up front
        new = os.path.join(out, "new")
        p = self.run_unprivileged(["resize", inp, new, "--size", "200x150"]).proc
        self.assertExit(p, 2)
        self.assertEqual(p.out, "", describe(p))
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        self.assertIn(new, lines[0])
        self.assertIn(EACCES, lines[0])
        self.assertFalse(os.path.lexists(new))

    def test_unreadable_input_file(self):
        good = ["a.png", "b.jpg", "c.png"]
        inp = self.make_inputs(good + ["secret.png"])
        secret = os.path.join(inp, "secret.png")
        self.lock(secret, 0o000)
        out = os.path.join(self.w, "out")
        r = self.run_unprivileged(["resize", inp, out, "--size", "200x150", "-j", "2"])
        p = r.proc
        self.assertExit(p, 1)
        self.assertEqual(r.other, [], describe(p))
        self.assertEqual(len(r.failed), 1, describe(p))
        self.assertEqual(r.failed[0]["input"], secret)
        self.assertIn(EACCES, r.failed[0]["error"])
        self.assertEqual(sorted(r.ok_by_name()), good, describe(p))
        self.assertEqual((r.summary["ok"], r.summary["failed"]), ("3", "1"))
        self.check_outputs(out, good)

    def test_unreadable_subdirectory_recursive(self):
        good = ["a.png", "sub/b.jpg", "sub/deeper/c.png"]
        inp = self.make_inputs(good + ["locked/d.png", "locked/inner/e.png"])
        locked = os.path.join(inp, "locked")
        self.lock(locked, 0o000)
        out = os.path.join(self.w, "out")
        r = self.run_unprivileged(["resize", inp, out, "-r", "--size", "200x150", "-j", "2"])
        p = r.proc
        self.assertExit(p, 1)
        self.assertEqual(r.other, [], describe(p))
        self.assertEqual(len(r.failed), 1, describe(p))
        self.assertEqual(r.failed[0]["input"], locked)
        self.assertIn(EACCES, r.failed[0]["error"])
        self.assertIn("director", r.failed[0]["error"])
        self.assertEqual(sorted(os.path.relpath(o["input"], inp) for o in r.ok), good,
                         describe(p))
        self.assertEqual((r.summary["ok"], r.summary["failed"]), ("3", "1"))
        self.check_outputs(out, good)


# ---------------------------------------------------------------- OUTPUT inside INPUT

class OutputInsideInputTest(ImgbatchTestCase):
    TOP = ["a.png", "b.jpg"]
    NESTED = ["sub/c.png", "sub/deeper/d.jpg"]

    def make_input(self, tag):
        inp = self.mkdir(tag, "in")
        for i, name in enumerate(self.TOP + self.NESTED):
            os.makedirs(os.path.dirname(os.path.join(inp, name)), exist_ok=True)
            small(os.path.join(inp, name), colour=(20 * i, 60, 90))
        return inp

    def check_twice(self, inp, out, recursive):
        expected = sorted(self.TOP + (self.NESTED if recursive else []))
        args = ["resize", inp, out, "--size", "200x150", "-j", "2"] + (["-r"] if recursive else [])
        real_in = os.path.realpath(inp)
        for attempt in (1, 2):
            with self.subTest(run=attempt):
                r = helpers.run_json(args)
                self.assertExit(r.proc, 0)
                inputs = sorted(os.path.relpath(os.path.realpath(x["input"]), real_in)
                                for x in r.records)
                self.assertEqual(inputs, expected, describe(r.proc))
                self.assertEqual(r.summary["total"], len(expected))
                self.assertEqual(r.summary["ok"], len(expected))
                real_out = os.path.realpath(out)
                for x in r.records:
                    self.assertFalse(os.path.realpath(x["input"]).startswith(real_out + os.sep),
                                     "an output was scanned as input: %s" % x["input"])
                self.assertEqual(helpers.all_files(out), expected)
                self.assertNoTempFiles(out, r.proc)

    def test_output_directly_inside_input(self):
        for recursive in (False, True):
            with self.subTest(recursive=recursive):
                inp = self.make_input("direct-%s" % recursive)
                self.check_twice(inp, os.path.join(inp, "out"), recursive)

    def test_output_deep_inside_input(self):
        inp = self.make_input("deep")
        self.check_twice(inp, os.path.join(inp, "sub", "out"), True)

    def test_output_spelled_differently(self):
        """The same directory by another name: with ./ and .., relative, via a symlink."""
        for label in ("dot", "dotdot", "symlink"):
            with self.subTest(spelling=label):
                inp = self.make_input("spelled-" + label)
                if label == "dot":
                    out = inp + "/./out"
                elif label == "dotdot":
                    out = inp + "/sub/../out"
                else:
                    link = self.path("link-to-" + label)
                    os.symlink(inp, link)
                    out = os.path.join(link, "out")
                self.check_twice(inp, out, True)
        # relative INPUT and OUTPUT, from INPUT's parent
        fresh = self.make_input("relative")
        parent = os.path.dirname(fresh)
        expected = sorted(self.TOP + self.NESTED)
        for attempt in (1, 2):
            r = helpers.run_json(["resize", "in", "in/out", "-r", "--size", "200x150"],
                                 cwd=parent)
            self.assertExit(r.proc, 0)
            self.assertEqual(sorted(os.path.relpath(x["input"], "in") for x in r.records),
                             expected, describe(r.proc))
        self.assertEqual(helpers.all_files(os.path.join(fresh, "out")), expected)


if __name__ == "__main__":
    unittest.main()
