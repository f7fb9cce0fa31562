"""--shard K/N splits one run into N runs that need no coordination: a file belongs to
shard fnv1a64(INPUT-relative path) % N + 1, and a run with --shard K/N reports and
processes only its own files.

- For N = 1, 3, 4, 7 the N shards report pairwise disjoint sets of inputs (ok, failed
  and skipped alike) whose union is the unsharded run's, write outputs whose union is
  the unsharded run's, and their summaries add up to the unsharded one.
- Each file's shard is the documented 64-bit FNV-1a formula, computed here in Python on
  the path's bytes (UTF-8 names included); it does not depend on -j or on how INPUT is
  spelled.
- --files-from splits the listed (tidied) names as a scan splits the tree.
- Two inputs with one output (a.png, a.gif with -f png) fail even when they fall into different
  shards, as they do in one run.
- An output that would overwrite an input fails even when that input belongs to another
  shard (a link in OUTPUT leading into INPUT), as it does in one run.
- Malformed --shard values are usage errors: exit 2, one line on stderr, nothing written;
  bench refuses --shard.
- Four shards run side by side by GNU parallel into one shared OUTPUT leave exactly the
  unsharded run's outputs and no temporary file; scripts/imgbatch-array.sbatch does the
  same as four array tasks (Slurm's variables faked), twice, the second time with every
  file up to date, and `imgbatch report` adds up its stats files and failure logs
  (tests/e2e/test_slurm.py runs it under a real Slurm).
- The lock on OUTPUT/.imgbatch.lock: a shard takes only its split's byte (shared) and its
  own byte K, a run without --shard the whole file. The test holds those locks itself (fcntl.lockf) to check who is let
  in (exit 75 and the one-line message naming the holder's pid otherwise), and then
  holds a real shard run still with a full stdout pipe to check the same against it.

The tree: 60 small JPEG and PNG images in three levels of directories (-r), two
non-images, a truncated JPEG (fails) and a dangling link (a scan failure).
"""

import fcntl
import hashlib
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

from PIL import Image

import helpers
from helpers import BIN, REPO, ImgbatchTestCase, all_files, describe, run, run_json, wait_for

# Absolute: some runs here start in another directory, and IMGBATCH may be relative.
IMGBATCH = os.path.abspath(BIN)
SIZE = ["--size", "64x64"]
LOCK = ".imgbatch.lock"
BUSY_RE = re.compile(r"^imgbatch: OUTPUT (?P<output>.+) is in use by another imgbatch run "
                     r"\(pid (?P<pid>\d+)(?:, --shard (?P<split>\d+/\d+))?\); not started "
                     r"\(--wait waits for it\)$")
# The lock file's layout (src/app/output_lock.h): byte SPLIT_BASE + N is read-locked by the
# runs of --shard K/N, byte SHARD_BASE + K write-locked by shard K.
SPLIT_BASE = 1
SHARD_BASE = 1000002
SUMMED = ("total", "ok", "failed", "skipped", "not_started")


def fnv1a64(data):
    """64-bit FNV-1a, as README.md documents it."""
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def shard_of(rel, n):
    """The shard (1..n) of an INPUT-relative path (str; hashed as its bytes)."""
    return fnv1a64(os.fsencode(rel)) % n + 1


def make_tree(root):
    """Writes the test tree under root; returns (images, non_images, failing) as sets of
    INPUT-relative paths."""
    rng = random.Random(20261122)
    images = []
    dirs = [("", 20, "img"), ("sub", 20, "s"), ("sub/deeper", 10, "d"), ("other", 8, "o")]
    for d, count, stem in dirs:
        os.makedirs(os.path.join(root, d), exist_ok=True)
        for i in range(count):
            ext = ".jpg" if i % 2 == 0 else ".png"
            images.append(os.path.join(d, "%s%02d%s" % (stem, i, ext)) if d
                          else "%s%02d%s" % (stem, i, ext))
    images += ["other/caf\u00e9 \u2615.png", "other/with space.jpg"]
    for i, rel in enumerate(images):
        size = (40 + rng.randrange(80), 30 + rng.randrange(80))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        Image.new("RGB", size, colour).save(os.path.join(root, rel))
    non_images = ["notes.txt", "sub/readme.md"]
    for rel in non_images:
        with open(os.path.join(root, rel), "w") as f:
            f.write("not a picture\n")
    # A JPEG of noise cut short: fails as "truncated JPEG" with the default --fail-on.
    noise = Image.frombytes("RGB", (160, 120),
                            bytes(rng.randrange(256) for _ in range(160 * 120 * 3)))
    buf = io.BytesIO()
    noise.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    with open(os.path.join(root, "sub", "broken.jpg"), "wb") as f:
        f.write(data[:len(data) * 6 // 10])
    # A scan failure: named like an image, but nothing behind it.
    os.symlink("missing.jpg", os.path.join(root, "other", "dangling.jpg"))
    return set(images), set(non_images), {"sub/broken.jpg", "other/dangling.jpg"}


def visible_files(directory):
    """The files under directory, relative, without hidden ones (lock, state, temporaries)."""
    return {f for f in all_files(directory)
            if not any(part.startswith(".") for part in f.split(os.sep))}


def leftovers(directory):
    """Hidden files other than the lock file and the incremental state files: temporary
    files a run should have renamed or removed."""
    return [f for f in helpers.hidden_files(directory)
            if f != LOCK and not re.fullmatch(r"\.imgbatch-state(\.\d+-of-\d+)?", f)]


def digests(directory):
    out = {}
    for rel in visible_files(directory):
        with open(os.path.join(directory, rel), "rb") as f:
            out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def rel_inputs(records, inp):
    """INPUT-relative paths of the per-file records of a --json run."""
    return [os.path.relpath(os.path.normpath(r["input"]), os.path.normpath(inp)) for r in records]


def lock_holder(path, start, length):
    """The pid holding a POSIX lock that conflicts with a write lock on bytes
    [start, start + length) of path (length 0: to the end), or None. F_GETLK only
    looks: it never takes a lock that a starting imgbatch could trip over. None as well
    when there is no lock file."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        # struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
        # pid_t l_pid (padded to 32 bytes on LP64)
        arg = struct.pack("hhqqii", fcntl.F_WRLCK, os.SEEK_SET, start, length, 0, 0)
        res = fcntl.fcntl(fd, fcntl.F_GETLK, arg)
        l_type, _, _, _, pid, _ = struct.unpack("hhqqii", res)
        return None if l_type == fcntl.F_UNLCK else pid
    finally:
        os.close(fd)


# The tree and the unsharded reference run, made once for the module (first class to need it).
FIXTURE = {}


class ShardTestCase(ImgbatchTestCase):
    """The tree (self.inp) and the unsharded reference run (self.ref into self.ref_out)."""

    @classmethod
    def setUpClass(cls):
        if not FIXTURE:
            root = tempfile.mkdtemp(prefix="imgbatch-e2e-shards-")
            unittest.addModuleCleanup(shutil.rmtree, root, True)
            inp = os.path.join(root, "in")
            images, non_images, failing = make_tree(inp)
            ref_out = os.path.join(root, "ref")
            ref = run_json(["resize", inp, ref_out, "-r", "-j", "2"] + SIZE)
            FIXTURE.update(root=root, inp=inp, images=images, non_images=non_images,
                           failing=failing, ref_out=ref_out, ref=ref)
        for key, value in FIXTURE.items():
            setattr(cls, key, value)
        cls.everything = cls.images | cls.non_images | cls.failing
        cls.ref_outputs = visible_files(cls.ref_out)

    def expected(self, k, n):
        return {rel for rel in self.everything if shard_of(rel, n) == k}

    def expected_exit(self, k, n):
        return 1 if any(shard_of(rel, n) == k for rel in self.failing) else 0


class SplitTest(ShardTestCase):
    def test_reference_run(self):
        """The unsharded run the shards are compared with: 60 ok, 2 failed, 2 skipped."""
        r = self.ref
        self.assertExit(r.proc, 1)
        self.assertEqual(set(rel_inputs(r.records, self.inp)), self.everything)
        self.assertEqual(set(rel_inputs(r.by_status("failed"), self.inp)), self.failing)
        self.assertEqual(set(rel_inputs(r.by_status("skipped"), self.inp)), self.non_images)
        self.assertEqual((r.summary["ok"], r.summary["failed"], r.summary["skipped"]),
                         (len(self.images), 2, 2))
        self.assertEqual(len(self.ref_outputs), len(self.images))

    SPLITS = (1, 3, 4, 7)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Every shard of every split, once for the class and all at once (each into its own
        # OUTPUT; they spend most of their time starting up): {(k, n): (JsonRun, OUTPUT)}.
        procs = {}
        try:
            for n in cls.SPLITS:
                for k in range(1, n + 1):
                    out = os.path.join(cls.root, "out-%d-of-%d" % (k, n))
                    argv = [IMGBATCH, "resize", cls.inp, out, "-r", "-j", "1", "--json",
                            "--shard", "%d/%d" % (k, n)] + SIZE
                    procs[k, n] = (subprocess.Popen(argv, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE), out)
            cls.shards = {}
            for key, (p, out) in procs.items():
                stdout, stderr = p.communicate(timeout=helpers.RUN_TIMEOUT)
                cls.shards[key] = (helpers.JsonRun(helpers.Finished(p.returncode, stdout, stderr)),
                                   out)
        finally:
            helpers.reap_processes([p for p, _ in procs.values()])

    def test_shards_partition_the_run(self):
        """N shards: disjoint inputs and outputs, together the unsharded run; summaries
        add up; each shard's exit status is that of its own files."""
        for n in self.SPLITS:
            with self.subTest(n=n):
                seen = []
                outputs = []
                sums = dict.fromkeys(SUMMED, 0)
                for k in range(1, n + 1):
                    r, out = self.shards[k, n]
                    self.assertExit(r.proc, self.expected_exit(k, n))
                    self.assertEqual(r.proc.err, "", describe(r.proc))
                    self.assertIsNotNone(r.summary, describe(r.proc))
                    self.assertEqual(r.summary.get("shard"), "%d/%d" % (k, n))
                    rels = rel_inputs(r.records, self.inp)
                    self.assertEqual(len(rels), len(set(rels)), "a file reported twice")
                    self.assertTrue(rels, "shard %d/%d is empty" % (k, n))
                    seen.append(set(rels))
                    files = visible_files(out)
                    self.assertEqual(len(files), r.summary["ok"], describe(r.proc))
                    outputs.append(files)
                    for key in SUMMED:
                        sums[key] += r.summary[key]
                    self.assertEqual(r.summary["total"], len(rels))
                    self.assertEqual(leftovers(out), [])
                union = set().union(*seen)
                self.assertEqual(sum(map(len, seen)), len(union), "shards overlap")
                self.assertEqual(union, self.everything)
                self.assertEqual(sum(map(len, outputs)), len(set().union(*outputs)),
                                 "two shards wrote the same output")
                self.assertEqual(set().union(*outputs), self.ref_outputs)
                self.assertEqual(sums, {key: self.ref.summary[key] for key in SUMMED})

    def test_shard_is_fnv1a(self):
        """Every file, image or not, failing or not, lands in fnv1a64(rel) % N + 1."""
        for (k, n), (r, _) in sorted(self.shards.items()):
            with self.subTest(shard="%d/%d" % (k, n)):
                self.assertEqual(set(rel_inputs(r.records, self.inp)), self.expected(k, n),
                                 describe(r.proc))
        # the UTF-8 name is hashed as its bytes, not as characters
        name = "other/caf\u00e9 \u2615.png"
        self.assertEqual(shard_of(name, 7), fnv1a64(name.encode("utf-8")) % 7 + 1)
        # the formula itself, against FNV's published test vectors
        self.assertEqual(fnv1a64(b""), 0xcbf29ce484222325)
        self.assertEqual(fnv1a64(b"a"), 0xaf63dc4c8601ec8c)
        self.assertEqual(fnv1a64(b"foobar"), 0x85944171f73967e8)

    def test_stable(self):
        """The same shard twice is the same set, whatever -j and however INPUT is spelled
        (the hash is of the path relative to INPUT)."""
        want = self.expected(2, 4)
        self.assertEqual(set(rel_inputs(self.shards[2, 4][0].records, self.inp)), want)
        for i, (inp, jobs) in enumerate([("./in/", "3"), (self.inp + "/", "2")]):
            p = subprocess.run([IMGBATCH, "resize", inp, self.path("o%d" % i), "-r", "-j", jobs,
                                "--shard", "2/4", "--json"] + SIZE, cwd=self.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=helpers.RUN_TIMEOUT)
            r = helpers.JsonRun(helpers.Finished(p.returncode, p.stdout, p.stderr))
            self.assertExit(r.proc, self.expected_exit(2, 4))
            # both relative to this process's directory or both absolute: relpath agrees
            inp_here = inp if os.path.isabs(inp) else os.path.join(self.root, inp)
            recs = [dict(rec, input=rec["input"] if os.path.isabs(rec["input"])
                         else os.path.join(self.root, rec["input"])) for rec in r.records]
            self.assertEqual(set(rel_inputs(recs, inp_here)), want, inp)

    def test_files_from_same_split(self):
        """--files-from splits the listed names as a scan splits the tree: by the tidied
        INPUT-relative path, so "./sub//a.jpg" falls where "sub/a.jpg" does."""
        listing = self.path("list")
        with open(listing, "w") as f:
            for i, rel in enumerate(sorted(self.everything)):
                if i % 3 == 0:
                    rel = "./" + rel.replace("/", "//")
                f.write(rel + "\n")
        for k in range(1, 5):
            with self.subTest(shard="%d/4" % k):
                r = run_json(["resize", self.inp, self.path("out%d" % k), "-j", "1",
                              "--files-from", listing, "--shard", "%d/4" % k] + SIZE)
                self.assertExit(r.proc, self.expected_exit(k, 4))
                self.assertEqual(set(rel_inputs(r.records, self.inp)), self.expected(k, 4),
                                 describe(r.proc))
                self.assertEqual(r.summary["shard"], "%d/4" % k)

    def test_text_summary_names_the_shard(self):
        p = run(["resize", self.inp, self.path("out"), "-j", "1", "-r",
                 "--shard", "3/4"] + SIZE)
        self.assertExit(p, self.expected_exit(3, 4))
        lines = p.out.splitlines()
        summary = [l for l in lines if l.startswith("resize")]
        self.assertEqual(len(summary), 1, describe(p))
        m = re.match(r"^resize \(shard 3/4\): (\d+) ok, (\d+) failed, (\d+) skipped", summary[0])
        self.assertTrue(m, describe(p))
        mine = self.expected(3, 4)
        self.assertEqual(int(m.group(1)), len(mine & self.images))
        self.assertEqual(int(m.group(2)), len(mine & self.failing))
        self.assertEqual(int(m.group(3)), len(mine & self.non_images))
        # failure lines (on stderr) only for this shard's failures
        failed = [l for l in p.err.splitlines() if l.startswith("\u2717 ")]
        self.assertEqual(len(failed), len(mine & self.failing), describe(p))


    def test_clash_across_shards(self):
        """With -f png, a.png and a.gif both map to a.png: the unsharded run fails both.
        Split so that they fall into different shards, each shard must still fail its own
        one (the summaries add up), and not write a.png twice into a shared OUTPUT, each
        shard reporting it ok."""
        inp = self.mkdir("clash")
        Image.new("RGB", (30, 20), (200, 0, 0)).save(os.path.join(inp, "clash0.png"))
        Image.new("RGB", (30, 20), (0, 0, 200)).save(os.path.join(inp, "clash0.gif"))
        Image.new("RGB", (30, 20), (0, 200, 0)).save(os.path.join(inp, "fine.png"))
        self.assertNotEqual(shard_of("clash0.png", 2), shard_of("clash0.gif", 2))
        ref = run_json(["resize", inp, self.path("ref"), "-j", "1", "-f", "png"])
        self.assertExit(ref.proc, 1)
        self.assertEqual(sorted(os.path.basename(r["input"]) for r in ref.by_status("failed")),
                         ["clash0.gif", "clash0.png"])
        out = self.path("shared")
        failed = []
        for k in (1, 2):
            r = run_json(["resize", inp, out, "-j", "1", "-f", "png", "--shard", "%d/2" % k])
            failed += [os.path.basename(rec["input"]) for rec in r.by_status("failed")]
            for rec in r.by_status("failed"):
                self.assertIn("clash", rec["error"])
            self.assertExit(r.proc, 1)
        self.assertEqual(sorted(failed), ["clash0.gif", "clash0.png"])
        self.assertEqual(visible_files(out), {"fine.png"})


class BadShardTest(ShardTestCase):
    def test_malformed(self):
        for value in ("0/4", "5/4", "a/b", "3", "1/0", "-1/2", "", "1/", "/4", "2/4x",
                      "2/4/4", "0/0"):
            with self.subTest(value=value):
                out = self.path("out")
                p = run(["resize", self.inp, out, "-r", "--shard", value])
                self.assertExit(p, 2)
                self.assertEqual(p.out, "")
                self.assertTrue(p.err.startswith("imgbatch: "), describe(p))
                self.assertEqual(p.err.count("\n"), 1, describe(p))
                self.assertTrue(p.err.endswith("\n"), describe(p))
                self.assertFalse(os.path.exists(out), "a usage error created OUTPUT")

    def test_missing_value(self):
        p = run(["resize", self.inp, self.path("out"), "--shard"])
        self.assertExit(p, 2)
        self.assertFalse(os.path.exists(self.path("out")))

    def test_bench_refuses_shard(self):
        p = run(["bench", self.inp, "--shard", "1/2", "-j", "1", "--repeat", "1"])
        self.assertExit(p, 2)
        self.assertEqual(p.out, "")
        self.assertTrue(p.err.startswith("imgbatch: "), describe(p))


def gnu_parallel():
    """The path of GNU parallel, or None (moreutils ships another 'parallel')."""
    path = shutil.which("parallel")
    if not path:
        return None
    try:
        v = subprocess.run([path, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if b"GNU parallel" in v.stdout else None


class SharedOutputTest(ShardTestCase):
    """Shards of one split side by side in one OUTPUT."""

    def setUp(self):
        super().setUp()
        self.out = self.path("shared")
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)
        # GNU parallel keeps files in ~/.parallel: not in the real home
        self.env = dict(os.environ, HOME=self.mkdir("home"), TMPDIR=self.mkdir("tmpdir"))

    def check_shared_output(self):
        self.assertEqual(visible_files(self.out), self.ref_outputs)
        self.assertEqual(digests(self.out), digests(self.ref_out))
        self.assertEqual(leftovers(self.out), [])

    def parallel(self):
        """Four shards at once (-j 4) into self.out; per shard: exit status, records and
        summary, from the job log and --tag'ged --json lines."""
        path = gnu_parallel()
        if not path:
            self.skipTest("GNU parallel is not installed (apt-get install parallel)")
        joblog = self.path("joblog")
        argv = [path, "--will-cite", "--halt", "never", "-j", "4", "--tag", "--joblog", joblog,
                "-q", IMGBATCH, "resize", self.inp, self.out, "-r", "-j", "1", "--json",
                "--shard", "{}/4"] + SIZE + [":::", "1", "2", "3", "4"]
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=helpers.RUN_TIMEOUT, env=self.env)
        p.out = p.stdout.decode("utf-8", "surrogateescape")
        p.err = p.stderr.decode("utf-8", "surrogateescape")
        shards = {k: {"records": [], "summary": None} for k in range(1, 5)}
        for line in p.out.splitlines():
            tag, _, text = line.partition("\t")
            obj = json.loads(text)
            if "summary" in obj:
                shards[int(tag)]["summary"] = obj["summary"]
            else:
                shards[int(tag)]["records"].append(obj)
        with open(joblog) as f:
            rows = [l.rstrip("\n").split("\t") for l in f][1:]
        self.assertEqual(len(rows), 4, describe(p))
        for row in rows:
            shards[int(row[0])]["exit"] = int(row[6])
        self.assertEqual(p.returncode, sum(self.expected_exit(k, 4) for k in range(1, 5)),
                         describe(p))
        for k, s in shards.items():
            self.assertEqual(s["exit"], self.expected_exit(k, 4), (k, describe(p)))
            self.assertEqual(set(rel_inputs(s["records"], self.inp)), self.expected(k, 4))
            self.assertIsNotNone(s["summary"], (k, describe(p)))
            self.assertEqual(s["summary"]["shard"], "%d/4" % k)
        return shards

    def test_gnu_parallel_one_output(self):
        shards = self.parallel()
        for key in SUMMED:
            self.assertEqual(sum(s["summary"][key] for s in shards.values()),
                             self.ref.summary[key], key)
        self.check_shared_output()

    def test_sbatch_array_script(self):
        """scripts/imgbatch-array.sbatch as the four tasks of --array=1-4, at once (Slurm's
        variables faked): one shared OUTPUT, one stats file per task; then again, with
        every file up to date, and the broken JPEG and the dangling link (refused by the
        scan) failed before, unchanged: every task exits 0."""
        script = os.path.join(REPO, "scripts", "imgbatch-array.sbatch")
        stats = self.path("stats")
        for attempt in (1, 2):
            procs = []
            for k in range(1, 5):
                env = dict(self.env, SLURM_ARRAY_JOB_ID="4242", SLURM_ARRAY_TASK_ID=str(k),
                           SLURM_ARRAY_TASK_COUNT="4", SLURM_ARRAY_TASK_MIN="1",
                           SLURM_ARRAY_TASK_MAX="4", SLURM_CPUS_PER_TASK="1",
                           SLURM_SUBMIT_DIR=self.tmp, IMGBATCH=IMGBATCH, IMGBATCH_STATS_DIR=stats)
                p = subprocess.Popen(["bash", script, self.inp, self.out] + SIZE, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                self.procs.append(p)
                procs.append(p)
            for k, p in enumerate(procs, 1):
                out, err = p.communicate(timeout=helpers.RUN_TIMEOUT)
                expected = self.expected_exit(k, 4) if attempt == 1 else 0
                self.assertEqual(p.returncode, expected,
                                 (k, out.decode(errors="replace"), err.decode(errors="replace")))
            self.check_shared_output()
            # one incremental state file per shard: the shards never write one file
            states = sorted(f for f in os.listdir(self.out) if f.startswith(".imgbatch-state"))
            self.assertEqual(states, [".imgbatch-state.%d-of-4" % k for k in range(1, 5)])
            # a stats file and a failure log (--json --quiet) per task
            self.assertEqual(sorted(os.listdir(stats)),
                             sorted(["task-%d.json" % k for k in range(1, 5)]
                                    + ["task-%d.jsonl" % k for k in range(1, 5)]))
            total = dict.fromkeys(SUMMED + ("up_to_date", "failed_before"), 0)
            for k in range(1, 5):
                with open(os.path.join(stats, "task-%d.json" % k)) as f:
                    st = json.load(f)
                self.assertEqual(st["shard"], "%d/4" % k)
                self.assertLessEqual(st["workers"], 1, st)
                for key in total:
                    total[key] += st[key]
            self.assertEqual(total["total"], len(self.everything))
            if attempt == 1:
                self.assertEqual(total["ok"], len(self.images))
                self.assertEqual(total["failed"], len(self.failing))
            else:
                self.assertEqual((total["ok"], total["up_to_date"]), (0, len(self.images)))
                self.assertEqual((total["failed"], total["failed_before"]), (0, 2))
            # imgbatch report says the same from the folder, and lists the failures the
            # first time (a rerun skips them as failed before, and its log is empty)
            r = run_json(["report", stats])
            self.assertExit(r.proc, 1 if attempt == 1 else 0)
            self.assertEqual({key: r.summary[key] for key in total}, total)
            self.assertEqual(set(rel_inputs(r.records, self.inp)),
                             self.failing if attempt == 1 else set())


class LockTest(ShardTestCase):
    """Who may start while OUTPUT/.imgbatch.lock is held, and by what."""

    def setUp(self):
        super().setUp()
        self.out = self.mkdir("out")
        self.lock = os.path.join(self.out, LOCK)
        self.fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o644)
        self.addCleanup(os.close, self.fd)
        self.procs = []
        self.addCleanup(helpers.reap_processes, self.procs)

    def hold(self, start=0, length=0):
        """Lock bytes [start, start+length) (length 0: the whole file) in this process."""
        fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start)

    def release(self):
        fcntl.lockf(self.fd, fcntl.LOCK_UN, 0, 0)

    def assertBusy(self, p, holder, stats=None, split=None):
        self.assertExit(p, 75)
        self.assertEqual(p.out, "", "a refused run prints nothing on stdout")
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 1, describe(p))
        m = BUSY_RE.match(lines[0])
        self.assertTrue(m, describe(p))
        self.assertEqual(m.group("output"), self.out)
        self.assertEqual(int(m.group("pid")), holder)
        self.assertEqual(m.group("split"), split, describe(p))
        if stats:
            self.assertFalse(os.path.exists(stats), "a refused run wrote its stats file")

    def test_byte_k_held(self):
        """Shard 2's byte held: shard 2/4 is refused, shards 1, 3 and 4 run, a run without
        --shard is refused; released, shard 2/4 runs and OUTPUT is complete."""
        self.hold(SHARD_BASE + 2, 1)
        stats = self.path("stats.json")
        p = run(["resize", self.inp, self.out, "-r", "--shard", "2/4", "--stats-file", stats]
                + SIZE)
        self.assertBusy(p, os.getpid(), stats)
        self.assertEqual(visible_files(self.out), set(), "a refused run wrote something")
        for k in (1, 3, 4):
            r = run_json(["resize", self.inp, self.out, "-j", "1", "-r", "--shard", "%d/4" % k]
                         + SIZE)
            self.assertExit(r.proc, self.expected_exit(k, 4))
        p = run(["resize", self.inp, self.out, "-r"] + SIZE)
        self.assertBusy(p, os.getpid())
        self.release()
        r = run_json(["resize", self.inp, self.out, "-j", "1", "-r", "--shard", "2/4"] + SIZE)
        self.assertExit(r.proc, self.expected_exit(2, 4))
        self.assertEqual(visible_files(self.out), self.ref_outputs)
        self.assertEqual(leftovers(self.out), [])

    def test_whole_file_held(self):
        """The whole file held, as a run without --shard holds it: every shard and every
        unsharded run is refused."""
        self.hold()
        for args in (["--shard", "1/4"], ["--shard", "4/4"], ["--shard", "1/1"], []):
            with self.subTest(args=args):
                p = run(["resize", self.inp, self.out, "-r"] + SIZE + args)
                self.assertBusy(p, os.getpid())
        self.assertEqual(visible_files(self.out), set())

    def test_wait(self):
        """--wait: shard 3/4 waits while shard 3's byte is held, and runs once it is
        released."""
        self.hold(SHARD_BASE + 3, 1)
        p = subprocess.Popen([IMGBATCH, "resize", self.inp, self.out, "-j", "1", "-r", "--wait",
                              "--shard", "3/4", "--json"] + SIZE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        # still waiting half a second later, having written nothing
        self.assertIsNone(wait_for(lambda: p.poll() is not None, 0.5),
                          "imgbatch --wait did not wait for the lock")
        self.assertEqual(visible_files(self.out), set())
        self.release()
        out, err = p.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(p.returncode, self.expected_exit(3, 4), err)
        recs = [json.loads(l) for l in out.decode().splitlines()]
        got = {os.path.relpath(r["input"], self.inp) for r in recs if "input" in r}
        self.assertEqual(got, self.expected(3, 4))

    def test_finishing_shard_does_not_refuse_its_sibling(self):
        """A shard that finishes while a sibling of its split starts must not turn the
        sibling away: shards of one split run side by side. The finishing run is held,
        with strace, at its unlink() of the lock file (after it has locked the whole
        file to remove it, if that is how it removes it), and the sibling starts then."""
        strace = shutil.which("strace")
        if not strace or subprocess.run([strace, "-o", os.devnull, "true"],
                                        stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("strace is not installed or may not trace here")
        inp = self.mkdir("one")
        Image.new("RGB", (20, 20), (0, 90, 0)).save(os.path.join(inp, "a.png"))
        mine = shard_of("a.png", 2)   # the sibling's file; the finishing shard has none
        other = 3 - mine
        # LeakSanitizer cannot run under ptrace: in the sanitizer build, leaks are left to
        # the other tests.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "detect_leaks=0"]))
        finishing = subprocess.Popen(
            [strace, "-f", "-o", os.devnull, "-e", "trace=unlink,unlinkat",
             "-e", "inject=unlink,unlinkat:delay_enter=1500000",
             IMGBATCH, "resize", inp, self.out, "-j", "1", "--shard", "%d/2" % other],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.procs.append(finishing)
        # in the window: it has finished its work and not yet let go of the lock file
        wait_for(lambda: finishing.poll() is not None
                 or lock_holder(self.lock, SHARD_BASE + mine, 1), 20)
        sibling = run_json(["resize", inp, self.out, "-j", "1", "--shard", "%d/2" % mine])
        out, err = finishing.communicate(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(finishing.returncode, 0, err)
        self.assertExit(sibling.proc, 0)
        self.assertEqual(visible_files(self.out), {"a.png"})

    def test_real_shard_run_holds_its_byte(self):
        """A real shard run (1/2) kept running by a full stdout pipe: a run without
        --shard is refused naming its pid, so is a second 1/2, while 2/2 runs."""
        inp = self.mkdir("many")
        for i in range(6):
            Image.new("RGB", (20 + i, 20), (i * 40, 0, 0)).save(os.path.join(inp, "p%d.png" % i))
        # ~200 skipped lines of ~200 bytes in shard 1/2: more than the 4 KiB pipe and a stdio
        # buffer hold
        for i in range(400):
            open(os.path.join(inp, "%04d-%s.txt" % (i, "x" * 80)), "w").close()
        out = self.out
        rd, wr = os.pipe()
        try:
            fcntl.fcntl(wr, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
        except OSError:
            pass
        blocked = subprocess.Popen([IMGBATCH, "resize", inp, out, "--json", "-j", "1",
                                    "--shard", "1/2"], stdout=wr, stderr=subprocess.PIPE)
        self.procs.append(blocked)
        os.close(wr)
        reader = os.fdopen(rd, "rb")
        self.addCleanup(reader.close)
        holder = wait_for(lambda: blocked.poll() is None
                          and lock_holder(self.lock, SHARD_BASE + 1, 1), 30)
        self.assertEqual(holder, blocked.pid, "the shard run never held shard 1's byte")
        self.assertIsNone(lock_holder(self.lock, SHARD_BASE + 2, 1),
                          "a shard locked more than its byte")
        self.assertIsNone(lock_holder(self.lock, 0, 1), "a shard kept the gate")

        p = run(["resize", inp, out])
        self.assertBusy(p, blocked.pid, split="1/2")
        p = run(["resize", inp, out, "--shard", "1/2"])
        self.assertBusy(p, blocked.pid, split="1/2")
        r = run_json(["resize", inp, out, "-j", "1", "--shard", "2/2"])
        self.assertExit(r.proc, 0)
        self.assertIsNone(blocked.poll(), "the blocked run ended early: the test proves nothing")

        data = reader.read()
        blocked.wait(timeout=helpers.RUN_TIMEOUT)
        self.assertEqual(blocked.returncode, 0, blocked.stderr.read())
        lines = data.decode().splitlines()
        self.assertIn('"shard":"1/2"', lines[-1])
        self.assertEqual(visible_files(out), {"p%d.png" % i for i in range(6)})
        # the last run out may remove the lock file; if it is still there, nobody holds it
        self.assertIsNone(lock_holder(self.lock, 0, 0), "the lock outlived the runs")


class CrossShardOverwriteTest(ImgbatchTestCase):
    """An output must not overwrite an input of another shard. in/x/a.gif writes x/a.png
    (-f png), and OUTPUT's x is a link to ../in/y, so out/x/a.png would be in/y/a.png, an input of
    another shard: the shard of x/a.gif must refuse it as one unsharded run does, though
    that input is none of its own files.  No link below OUTPUT is ever followed, so the
    refusal names the link, whatever the shard."""

    N = 3

    def make_output(self, name):
        out = self.mkdir(name)
        os.symlink(os.path.join("..", "in", "y"), os.path.join(out, "x"))
        return out

    def md5(self, path):
        with open(path, "rb") as f:
            return hashlib.md5(f.read()).hexdigest()

    def check(self, records, victim, digest, p):
        by_rel = {os.path.relpath(r["input"], self.inp): r for r in records}
        self.assertEqual(sorted(by_rel), ["x/a.gif", "y/a.png"], describe(p))
        bad = by_rel["x/a.gif"]
        self.assertEqual(bad["status"], "failed", describe(p))
        self.assertIn("a symbolic link is in the way", bad["error"], describe(p))
        self.assertEqual(by_rel["y/a.png"]["status"], "ok", describe(p))
        self.assertEqual(self.md5(victim), digest, "an input was overwritten\n" + describe(p))
        self.assertEqual(sorted(os.listdir(os.path.dirname(victim))), ["a.png"],
                         "something written into INPUT\n" + describe(p))
        return {rel: r["status"] for rel, r in by_rel.items()}

    def test_link_in_output_to_another_shards_input(self):
        self.inp = self.mkdir("in")
        os.makedirs(os.path.join(self.inp, "x"))
        os.makedirs(os.path.join(self.inp, "y"))
        Image.new("RGB", (20, 20), (200, 0, 0)).save(os.path.join(self.inp, "x", "a.gif"))
        victim = os.path.join(self.inp, "y", "a.png")
        Image.new("RGB", (20, 20), (0, 0, 200)).save(victim)
        digest = self.md5(victim)
        self.assertNotEqual(shard_of("x/a.gif", self.N), shard_of("y/a.png", self.N),
                            "the two files must fall into different shards")

        out = self.make_output("out")
        records = []
        for k in range(1, self.N + 1):
            with self.subTest(shard="%d/%d" % (k, self.N)):
                r = run_json(["resize", self.inp, out, "-r", "-j", "1", "-f", "png",
                              "--shard", "%d/%d" % (k, self.N)])
                records += r.records
                self.assertEqual(self.md5(victim), digest, "an input was overwritten\n"
                                 + describe(r.proc))
                self.assertExit(r.proc, 1 if shard_of("x/a.gif", self.N) == k else 0)
                self.assertEqual(r.summary["shard"], "%d/%d" % (k, self.N))
                self.assertEqual(set(rel_inputs(r.records, self.inp)),
                                 {rel for rel in ("x/a.gif", "y/a.png")
                                  if shard_of(rel, self.N) == k}, describe(r.proc))
        sharded = self.check(records, victim, digest, r.proc)

        ref_out = self.make_output("ref")
        ref = run_json(["resize", self.inp, ref_out, "-r", "-j", "1", "-f", "png"])
        self.assertExit(ref.proc, 1)
        self.assertEqual(self.check(ref.records, victim, digest, ref.proc), sharded)
        self.assertEqual(visible_files(out), {"y/a.png"})
        self.assertEqual(visible_files(ref_out), {"y/a.png"})


if __name__ == "__main__":
    unittest.main()
