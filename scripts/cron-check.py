#!/usr/bin/python3
"""cron-check.py: what --incremental and the OUTPUT lock buy a cron job, measured.

It generates --files small JPEGs (64x48, varied content, fixed seed) in a temporary
folder, then runs, as a cron job would,

    imgbatch resize IN OUT --incremental --quiet --size 32x32 -j JOBS

  1. first run: every file is processed (N ok);
  2. second run, --repeat times: every file is up to date (0 ok, 0 failed, N skipped,
     N up to date, 0 workers), not a byte is printed (--quiet: a cron job mails
     nothing) and no output is rewritten; the median time is the one compared with the
     first run's (the ratio first/second);
  3. one input touched (mtime + 10 s): exactly 1 file redone, N-1 up to date;
  4. --size 24x24: every file redone;
  5. a damaged upload: one stderr line and exit 1, then, unchanged, left be: silent and
     exit 0; an upload processed then deleted: --prune removes its output and nothing
     else;
  6. two concurrent runs on a fresh OUTPUT: the second is started once the first holds
     the lock (seen in /proc/locks, or its state file appears); the second exits 75
     with one stderr line and no stdout, the first exits 0 with N ok;
  7. the second run is faster than the first by at least --min-ratio.

The counts come from each run's --stats-file (with --quiet a run that goes well prints
nothing). Each check is printed as PASS or FAIL, then "RESULT: PASS" or "RESULT: FAIL";
the exit status is 0 when every check passes, 1 otherwise, 2 for a usage or setup error.

    /usr/bin/python3 scripts/cron-check.py [--binary build/imgbatch] [--files 2000] [--jobs J]
"""

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EX_TEMPFAIL = 75
RUN_TIMEOUT = 600
STATS_NAMES = itertools.count(1)  # each run its own --stats-file


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=None,
                    help="imgbatch binary (default: build/imgbatch of this checkout)")
    ap.add_argument("--files", type=int, default=2000, help="images to generate (2000)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes, -j (default: online CPUs)")
    ap.add_argument("--repeat", type=int, default=5,
                    help="second runs timed; the median is used (5)")
    # The target of the unattended-runs work: an unchanged folder costs a small fraction.
    ap.add_argument("--min-ratio", type=float, default=10.0,
                    help="the first run must take at least this many times the second (10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None, help="where to make the temporary folder")
    ap.add_argument("--keep", action="store_true", help="keep the generated folder")
    a = ap.parse_args()
    if a.files < 2 or a.jobs < 1 or a.repeat < 1:
        ap.error("--files must be >= 2, --jobs and --repeat >= 1")
    if a.binary is None:
        a.binary = os.path.join(REPO, "build", "imgbatch")
        if os.access("build/imgbatch", os.X_OK):
            a.binary = "build/imgbatch"
    if not os.access(a.binary, os.X_OK):
        ap.error("no imgbatch binary at %s" % a.binary)
    return a


def make_images(directory, count, seed):
    """count 64x48 JPEGs: a random background, a few random shapes, some noise."""
    rng = random.Random(seed)
    noise = Image.effect_noise((64, 48), 40).convert("RGB")
    for i in range(count):
        bg = tuple(rng.randrange(256) for _ in range(3))
        im = Image.new("RGB", (64, 48), bg)
        draw = ImageDraw.Draw(im)
        for _ in range(3):
            x0, y0 = rng.randrange(64), rng.randrange(48)
            x1, y1 = x0 + rng.randrange(4, 40), y0 + rng.randrange(4, 30)
            colour = tuple(rng.randrange(256) for _ in range(3))
            if rng.random() < 0.5:
                draw.rectangle((x0, y0, x1, y1), fill=colour)
            else:
                draw.ellipse((x0, y0, x1, y1), fill=colour)
        if i % 3 == 0:
            im = Image.blend(im, noise, 0.25)
        im.save(os.path.join(directory, "img%05d.jpg" % i), quality=rng.choice((75, 85, 95)))


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, detail=""):
        print("%-46s %s%s" % (name, "PASS" if ok else "FAIL",
                              ("  " + detail) if detail and not ok else ""))
        if not ok:
            self.failed += 1
        sys.stdout.flush()
        return ok


def stats_path(work):
    return os.path.join(work, "stats-%d.json" % next(STATS_NAMES))


def read_summary(p, stats):
    """The run's summary from its --stats-file, or None (not written: a busy OUTPUT)."""
    p.summary = None
    try:
        with open(stats) as f:
            p.summary = json.load(f)
        os.unlink(stats)
    except (OSError, ValueError):
        pass


def run(binary, args, work, timeout=RUN_TIMEOUT):
    stats = stats_path(work)
    t0 = time.perf_counter()
    p = subprocess.run([binary] + args + ["--stats-file", stats], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    p.seconds = time.perf_counter() - t0
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    read_summary(p, stats)
    return p


def counts(p):
    """(ok, failed, skipped, up to date, workers) of a run, or None."""
    s = p.summary
    if s is None:
        return None
    return (s["ok"], s["failed"], s["skipped"], s["up_to_date"], s["workers"])


def show(p):
    text = (p.out + p.err).strip().replace("\n", " | ")
    return "exit %s: %s" % (p.returncode, text[:300])


def output_stats(directory):
    out = {}
    for name in os.listdir(directory):
        if not name.startswith("."):
            st = os.stat(os.path.join(directory, name))
            out[name] = (st.st_mtime_ns, st.st_ino, st.st_size)
    return out


def lock_held_by(pid, lock_path):
    """True if /proc/locks shows a POSIX lock of pid on lock_path's inode."""
    try:
        ino = os.stat(lock_path).st_ino
        with open("/proc/locks") as f:
            for line in f:
                fields = line.split()
                # "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" ("->" for waiters)
                if "->" in fields or len(fields) < 6 or fields[1] != "POSIX":
                    continue
                if fields[4] == str(pid) and fields[5].split(":")[-1] == str(ino):
                    return True
    except OSError:
        pass
    return False


def concurrent(binary, inp, out, base, work):
    """Starts a run on a fresh OUTPUT, then a second one once the first holds the
    lock.  Returns (first, second, overlapped, how)."""
    stats = stats_path(work)
    p1 = subprocess.Popen([binary, "resize", inp, out] + base + ["--stats-file", stats],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lock = os.path.join(out, ".imgbatch.lock")
    state = os.path.join(out, ".imgbatch-state")
    how = None
    deadline = time.monotonic() + 60
    while p1.poll() is None and time.monotonic() < deadline:
        if lock_held_by(p1.pid, lock):
            how = "lock seen in /proc/locks"
            break
        if os.path.exists(state):
            how = "state file appeared"
            break
        time.sleep(0.002)
    p2 = run(binary, ["resize", inp, out] + base, work)
    overlapped = p1.poll() is None
    o1, e1 = p1.communicate(timeout=RUN_TIMEOUT)
    first = subprocess.CompletedProcess(p1.args, p1.returncode, o1, e1)
    first.out = o1.decode("utf-8", "replace")
    first.err = e1.decode("utf-8", "replace")
    read_summary(first, stats)
    return first, p2, overlapped, how


def main():
    a = parse_args()
    work = tempfile.mkdtemp(prefix="imgbatch-cron-", dir=a.workdir)
    rep = Report()
    try:
        inp = os.path.join(work, "in")
        out = os.path.join(work, "out")
        os.makedirs(inp)
        t0 = time.perf_counter()
        make_images(inp, a.files, a.seed)
        n = a.files
        base = ["--incremental", "--quiet", "--size", "32x32", "-j", str(a.jobs)]
        print("cron-check: %d files (64x48 JPEG, generated in %.1f s), binary %s"
              % (n, time.perf_counter() - t0, a.binary))
        print("command: imgbatch resize IN OUT %s" % " ".join(base))
        print()

        # 1. first run
        first = run(a.binary, ["resize", inp, out] + base, work)
        rep.check("first run: %d ok" % n,
                  first.returncode == 0 and counts(first) is not None
                  and counts(first)[:4] == (n, 0, 0, 0), show(first) if first.returncode
                  or counts(first) is None or counts(first)[0] != n else "")
        print("  first run: %.3f s" % first.seconds)
        stats_before = output_stats(out)

        # 2. second runs
        seconds = []
        bad = None
        for _ in range(a.repeat):
            p = run(a.binary, ["resize", inp, out] + base, work)
            seconds.append(p.seconds)
            if p.returncode != 0 or counts(p) != (0, 0, n, n, 0) or p.out or p.err:
                bad = bad or p
        rep.check("second run: %d up to date, 0 workers, silent (x%d)" % (n, a.repeat),
                  bad is None, show(bad) if bad else "")
        rep.check("second run: no output rewritten", output_stats(out) == stats_before)
        second = statistics.median(seconds)
        print("  second run: median %.3f s of %d (%.3f .. %.3f)"
              % (second, len(seconds), min(seconds), max(seconds)))
        ratio = first.seconds / second if second > 0 else float("inf")
        print("  ratio first/second: %.1fx" % ratio)

        # 3. one input touched
        victim = os.path.join(inp, "img%05d.jpg" % (n // 2))
        st = os.stat(victim)
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 10 * 10**9))
        p = run(a.binary, ["resize", inp, out] + base, work)
        rep.check("one input touched: exactly 1 redone",
                  p.returncode == 0 and counts(p) == (1, 0, n - 1, n - 1, 1), show(p))
        changed = [k for k, v in output_stats(out).items() if stats_before.get(k) != v]
        rep.check("  ... and only its output rewritten",
                  changed == [os.path.basename(victim)], "rewritten: %s" % changed[:5])

        # 4. options changed
        opts = [x if x != "32x32" else "24x24" for x in base]
        p = run(a.binary, ["resize", inp, out] + opts, work)
        rep.check("--size 24x24: all %d redone" % n,
                  p.returncode == 0 and counts(p) is not None and counts(p)[:4] == (n, 0, 0, 0),
                  show(p))
        p = run(a.binary, ["resize", inp, out] + opts, work)
        rep.check("--size 24x24 again: all up to date",
                  p.returncode == 0 and counts(p) == (0, 0, n, n, 0), show(p))

        # 5. a damaged upload is reported once; a deleted input's output is pruned
        with open(os.path.join(inp, "img%05d.jpg" % 0), "rb") as f:
            whole = f.read()
        damaged = os.path.join(inp, "zz-damaged.jpg")
        with open(damaged, "wb") as f:
            f.write(whole[:len(whole) // 2])
        p = run(a.binary, ["resize", inp, out] + opts, work)
        rep.check("a damaged upload: exit 1, one stderr line",
                  p.returncode == 1 and p.out == "" and len(p.err.splitlines()) == 1
                  and "zz-damaged.jpg" in p.err, show(p))
        p = run(a.binary, ["resize", inp, out] + opts, work)
        rep.check("  ... then left be: exit 0, silent",
                  p.returncode == 0 and p.out == "" and p.err == ""
                  and counts(p) == (0, 0, n + 1, n, 0) and p.summary["failed_before"] == 1,
                  show(p))
        gone = "zz-deleted.jpg"
        with open(os.path.join(inp, gone), "wb") as f:
            f.write(whole)
        run(a.binary, ["resize", inp, out] + opts, work)
        os.unlink(os.path.join(inp, gone))
        before = set(output_stats(out))
        p = run(a.binary, ["resize", inp, out] + opts + ["--prune"], work)
        rep.check("--prune: a deleted input's output removed, nothing else",
                  p.returncode == 0 and p.summary is not None and p.summary["pruned"] == 1
                  and gone in before and set(output_stats(out)) == before - {gone}, show(p))
        os.unlink(damaged)

        # 6. two concurrent runs on a fresh OUTPUT
        out2 = os.path.join(work, "out2")
        p1, p2, overlapped, how = concurrent(a.binary, inp, out2, base, work)
        print("  concurrent: second started after: %s; first still running when the "
              "second ended: %s" % (how, "yes" if overlapped else "no"))
        busy_line = p2.err.strip()
        rep.check("concurrent: second exits 75, one stderr line",
                  p2.returncode == EX_TEMPFAIL and p2.out == "" and len(p2.err.splitlines()) == 1
                  and "in use" in p2.err, show(p2))
        if busy_line:
            print("  second: %s" % busy_line)
        rep.check("concurrent: first exits 0 with %d ok" % n,
                  p1.returncode == 0 and p1.summary is not None
                  and (p1.summary["ok"], p1.summary["failed"]) == (n, 0), show(p1))
        # after both: everything up to date in out2
        p = run(a.binary, ["resize", inp, out2] + base, work)
        rep.check("concurrent: afterwards all up to date",
                  p.returncode == 0 and counts(p) == (0, 0, n, n, 0), show(p))

        # 7. the point of it all
        rep.check("second run >= %.1fx faster than the first" % a.min_ratio,
                  ratio >= a.min_ratio, "%.1fx" % ratio)
        print()
        print("summary: first %.3f s, second %.3f s (median of %d), ratio %.1fx, %d files, -j %d"
              % (first.seconds, second, len(seconds), ratio, n, a.jobs))
        print("RESULT: %s" % ("PASS" if rep.failed == 0 else "FAIL (%d checks)" % rep.failed))
        return 0 if rep.failed == 0 else 1
    finally:
        if a.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.TimeoutExpired as e:
        print("cron-check: a run took longer than %s s: %s" % (e.timeout, e.cmd), file=sys.stderr)
        sys.exit(2)
