"""scripts/imgbatch-array.sbatch under a real Slurm: a one-node cluster started here.

Debian's slurm-wlm and munge are installed with apt-get when missing, then munged,
slurmctld and slurmd run as root on this machine, on loopback ports, with a munge key, a
slurm.conf and a cgroup.conf of their own in a temporary folder (SLURM_CONF), and
proctrack/linuxproc, task/none and select/cons_tres: no cgroup, no accounting.

- `sbatch --wait --array=1-4` of the script over a tree of 60 images, 2 non-images and 2
  files that fail: sbatch exits with the highest task's status (1: files failed); OUTPUT
  holds exactly one unsharded run's outputs; the four tasks' stats files add up to its
  summary; `imgbatch report` on their folder says the same and lists its failures; each
  task's Slurm log names its shard.
- `scontrol requeue` of one task, after three of its outputs were deleted: the task runs
  again (Restarts=1) and redoes those three only: its new stats file says 3 ok and the
  rest up to date, the three outputs are back, and no other output was touched (same
  inode, same modification time).

Every daemon it started is stopped, however the test ends: their process groups, then
any process left that carries the cluster's SLURM_CONF (job steps, imgbatch). Skipped,
saying why, only where the daemons cannot run: not root, or no slurm-wlm and no apt-get
to install it. Labelled "slurm" (scripts/test.sh runs it once, not again under the
sanitizers). It prints what it did on stderr: `ctest -R slurm -V` shows it.
"""

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import helpers
from helpers import REPO, describe, run, run_json, wait_for
from test_shards import SIZE, SUMMED, digests, make_tree, shard_of, visible_files

IMGBATCH = os.path.abspath(helpers.BIN)
SCRIPT = os.path.join(REPO, "scripts", "imgbatch-array.sbatch")
PACKAGES = ("slurm-wlm", "munge")
DAEMONS = ("/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd")
N = 4
# Bounds on waits that end as soon as what they wait for happens: a cluster that takes
# longer is broken, not slow.
START_TIMEOUT = 60
JOB_TIMEOUT = 240


def say(text):
    sys.stderr.write("slurm: %s\n" % text)
    sys.stderr.flush()


def missing_packages():
    missing = []
    for p in PACKAGES:
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        if b"install ok installed" not in q.stdout:
            missing.append(p)
    return missing


def install(packages):
    """apt-get install, after an update if the package lists do not know them yet."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    argv = ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + packages
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                       timeout=600)
    if p.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env, timeout=600)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                           timeout=600)
    if p.returncode != 0:
        raise AssertionError("apt-get install %s failed:\n%s"
                             % (" ".join(packages), p.stdout.decode(errors="replace")[-3000:]))


def why_not_here():
    """Why the daemons cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "slurmd and munged must run as root here, and this is uid %d" % os.geteuid()
    if sys.platform != "linux":
        return "Slurm's proctrack/linuxproc needs Linux"
    if missing_packages() and not shutil.which("apt-get"):
        return "%s not installed, and no apt-get to install them" % " and ".join(PACKAGES)
    return None


def die_with_parent():
    """In a daemon about to start: SIGTERM when this test's process dies, however it dies
    (a ctest timeout's SIGKILL included), so that no daemon outlives it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def free_ports(count):
    """Ports free on loopback now (bound and let go: another program could take one
    before the daemons do, which would fail the start loudly, not wrongly)."""
    socks, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Cluster:
    """munged, slurmctld and slurmd for one node, everything under self.dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="imgbatch-e2e-slurm-")
        self.host = socket.gethostname().split(".")[0]
        self.procs = []
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        for key in [k for k in self.env if k.startswith("SLURM_") and k != "SLURM_CONF"]:
            del self.env[key]  # this test itself may run inside a Slurm job

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_config(self):
        for d in ("munge", "spool", "state", "log"):
            os.makedirs(self.path(d), mode=0o700)
        with open(self.path("munge", "munge.key"), "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(self.path("munge", "munge.key"), 0o400)
        ctld_port, slurmd_port = free_ports(2)
        cpus = 2  # two tasks at a time whatever the machine: SlurmdParameters=config_overrides
        settings = [
            "ClusterName=imgbatchtest",
            "SlurmctldHost=%s(127.0.0.1)" % self.host,
            "SlurmctldPort=%d" % ctld_port,
            "SlurmdPort=%d" % slurmd_port,
            "SlurmUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            # The munge socket of our munged; cred_expire bounds the wait of a requeued job
            # (120 s by default), which the test also lifts with StartTime=now.
            "AuthInfo=socket=%s,cred_expire=10" % self.path("munge", "munge.socket"),
            "StateSaveLocation=%s" % self.path("state"),
            "SlurmdSpoolDir=%s" % self.path("spool"),
            "SlurmctldPidFile=%s" % self.path("slurmctld.pid"),
            "SlurmdPidFile=%s" % self.path("slurmd.pid"),
            "SlurmctldLogFile=%s" % self.path("log", "slurmctld.log"),
            "SlurmdLogFile=%s" % self.path("log", "slurmd.log"),
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SchedulerType=sched/builtin",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "ReturnToService=2",
            "SlurmdParameters=config_overrides",
            "NodeName=%s NodeAddr=127.0.0.1 CPUs=%d RealMemory=1000 State=UNKNOWN"
            % (self.host, cpus),
            "PartitionName=test Nodes=%s Default=YES MaxTime=INFINITE State=UP" % self.host,
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(settings) + "\n")
        # Read by cgroup plugins only; none is configured, so it holds nothing but why.
        with open(self.path("cgroup.conf"), "w") as f:
            f.write("# Unused: ProctrackType=proctrack/linuxproc, TaskPlugin=task/none.\n")

    def spawn(self, name, argv):
        log = open(self.path("log", name + ".out"), "wb")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                             start_new_session=True, cwd=self.dir, preexec_fn=die_with_parent)
        log.close()
        p.name = name
        self.procs.append(p)
        return p

    def logs(self):
        out = []
        for name in ("munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"):
            try:
                with open(self.path("log", name), errors="replace") as f:
                    out.append("--- %s ---\n%s" % (name, f.read()[-3000:]))
            except OSError:
                pass
        return "\n".join(out)

    def check_alive(self):
        for p in self.procs:
            if p.poll() is not None:
                raise AssertionError("%s exited with %s\n%s" % (p.name, p.returncode, self.logs()))
        return False

    def command(self, *argv, timeout=60):
        return subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env, timeout=timeout)

    def node_state(self):
        p = self.command("sinfo", "-h", "-N", "-n", self.host, "-o", "%T")
        return p.stdout.decode().strip() if p.returncode == 0 else None

    def start(self):
        self.write_config()
        sock = self.path("munge", "munge.socket")
        self.spawn("munged", ["munged", "-F", "-f", "--socket=" + sock,
                              "--key-file=" + self.path("munge", "munge.key"),
                              "--pid-file=" + self.path("munge", "munged.pid"),
                              "--seed-file=" + self.path("munge", "seed"),
                              "--log-file=" + self.path("log", "munged.log")])
        if not wait_for(lambda: os.path.exists(sock) or self.check_alive(), START_TIMEOUT):
            raise AssertionError("munged made no socket\n" + self.logs())
        self.spawn("slurmctld", ["slurmctld", "-D", "-i"])
        if not wait_for(lambda: self.command("scontrol", "ping").returncode == 0
                        or self.check_alive(), START_TIMEOUT, 0.2):
            raise AssertionError("slurmctld does not answer\n" + self.logs())
        self.spawn("slurmd", ["slurmd", "-D"])
        started = time.monotonic()
        if wait_for(lambda: self.node_state() == "idle" or self.check_alive(), START_TIMEOUT,
                    0.2) is None:
            raise AssertionError("node %s is %s, not idle, after %d s\n%s"
                                 % (self.host, self.node_state(), START_TIMEOUT, self.logs()))
        version = self.command("slurmctld", "-V").stdout.decode().strip()
        say("%s: node %s idle %.1f s after slurmd started (%s)"
            % (version, self.host, time.monotonic() - started, self.conf))

    def stop(self):
        """Everything this cluster started, stopped; never raises."""
        try:
            self.command("scancel", "--user=root", timeout=20)
            self.command("scontrol", "shutdown", timeout=20)
        except (OSError, subprocess.SubprocessError):
            pass
        wait_for(lambda: all(p.poll() is not None for p in self.procs), 10, 0.1)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for p in self.procs:
                try:
                    os.killpg(p.pid, sig)  # start_new_session: its group is its pid
                except OSError:
                    pass
            if wait_for(lambda: all(p.poll() is not None for p in self.procs), 5, 0.1):
                break
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Job steps and their imgbatch leave slurmd's group: find them by SLURM_CONF.
        marker = ("SLURM_CONF=" + self.conf).encode()
        for _ in range(2):
            for pid in [int(d) for d in os.listdir("/proc") if d.isdigit()]:
                if pid == os.getpid():
                    continue
                try:
                    with open("/proc/%d/environ" % pid, "rb") as f:
                        env = f.read().split(b"\0")
                except OSError:
                    continue
                if marker in env:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(0.2)
        shutil.rmtree(self.dir, True)


class SlurmArrayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = why_not_here()
        if why:
            raise unittest.SkipTest("no real Slurm here: " + why)
        missing = missing_packages()
        if missing:
            say("installing %s with apt-get" % " ".join(missing))
            install(missing)
        for daemon in DAEMONS:
            if not os.access(daemon, os.X_OK):
                raise AssertionError("%s missing after installing %s" % (daemon, PACKAGES))
        cls.cluster = Cluster()
        cls.addClassCleanup(cls.cluster.stop)
        cls.cluster.start()
        cls.tmp = cls.cluster.path("work")
        os.makedirs(cls.tmp)
        cls.inp = os.path.join(cls.tmp, "in")
        cls.images, cls.non_images, cls.failing = make_tree(cls.inp)
        cls.everything = cls.images | cls.non_images | cls.failing
        cls.ref_out = os.path.join(cls.tmp, "ref")
        cls.ref = run_json(["resize", cls.inp, cls.ref_out, "-r", "-j", "2"] + SIZE)
        cls.out = os.path.join(cls.tmp, "out")
        cls.submit()

    @classmethod
    def submit(cls):
        """sbatch --wait of the array, as a user runs it, from the folder the stats go
        under (SLURM_SUBMIT_DIR)."""
        env = dict(cls.cluster.env, IMGBATCH=IMGBATCH)
        argv = ["sbatch", "--wait", "--array=1-%d" % N, "--cpus-per-task=1",
                "--mem-per-cpu=64M", "--time=10", SCRIPT, cls.inp, cls.out] + SIZE
        started = time.monotonic()
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                           cwd=cls.tmp, timeout=JOB_TIMEOUT, preexec_fn=die_with_parent)
        p.out = p.stdout.decode(errors="replace")
        p.err = p.stderr.decode(errors="replace")
        cls.sbatch = p
        m = re.search(r"Submitted batch job (\d+)", p.out)
        if not m:
            raise AssertionError("sbatch did not submit\n%s\n%s" % (describe(p),
                                                                     cls.cluster.logs()))
        cls.job = m.group(1)
        cls.stats = os.path.join(cls.tmp, "imgbatch-stats", cls.job)
        say("sbatch --wait --array=1-%d %s: job %s, exit %d after %.1f s"
            % (N, os.path.relpath(SCRIPT, REPO), cls.job, p.returncode,
               time.monotonic() - started))

    def expected_exit(self, k):
        return 1 if any(shard_of(rel, N) == k for rel in self.failing) else 0

    def task_stats(self, k):
        with open(os.path.join(self.stats, "task-%d.json" % k)) as f:
            return json.load(f)

    def job_field(self, task, field):
        p = self.cluster.command("scontrol", "show", "job", "-o", "%s_%d" % (self.job, task))
        m = re.search(r"\b%s=(\S+)" % field, p.stdout.decode())
        return m.group(1) if m else None

    def test_1_array_is_one_run(self):
        p = self.sbatch
        self.assertEqual(p.returncode, max(self.expected_exit(k) for k in range(1, N + 1)),
                         describe(p))
        self.assertEqual(visible_files(self.out), visible_files(self.ref_out))
        self.assertEqual(digests(self.out), digests(self.ref_out))
        self.assertEqual(sorted(os.listdir(self.stats)),
                         sorted(["task-%d.json" % k for k in range(1, N + 1)]
                                + ["task-%d.jsonl" % k for k in range(1, N + 1)]))
        total = dict.fromkeys(SUMMED, 0)
        for k in range(1, N + 1):
            st = self.task_stats(k)
            self.assertEqual((st["shard"], st["exit_status"], st["workers"]),
                             ("%d/%d" % (k, N), self.expected_exit(k), 1), st)
            self.assertEqual(self.job_field(k, "JobState"),
                             "FAILED" if self.expected_exit(k) else "COMPLETED")
            with open(os.path.join(self.tmp, "imgbatch-%s_%d.log" % (self.job, k))) as f:
                self.assertIn("imgbatch-array: task %d/%d on " % (k, N), f.read())
            for key in total:
                total[key] += st[key]
            say("task %d/%d: exit %d, %d ok, %d failed, %d skipped in %.2f s"
                % (k, N, st["exit_status"], st["ok"], st["failed"], st["skipped"],
                   st["seconds"]))
        self.assertEqual(total, {key: self.ref.summary[key] for key in SUMMED})
        self.assertEqual(total["total"], len(self.everything))
        r = run_json(["report", self.stats])
        self.assertExit(r.proc, 1)
        self.assertEqual({key: r.summary[key] for key in SUMMED}, total)
        self.assertEqual(r.summary["missing"], [])
        self.assertEqual(sorted(rec["input"] for rec in r.records),
                         sorted(rec["input"] for rec in self.ref.by_status("failed")))
        text = run(["report", self.stats])
        for line in text.out.splitlines():
            say("report: " + line)

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code, describe(p))

    def test_2_requeue_redoes_only_what_is_missing(self):
        k = max(range(1, N + 1), key=lambda k: sum(shard_of(rel, N) == k for rel in self.images))
        mine = sorted(rel for rel in self.images if shard_of(rel, N) == k)
        gone = mine[:3]
        for rel in gone:
            os.unlink(os.path.join(self.out, rel))
        before = {}
        for rel in visible_files(self.out):
            st = os.stat(os.path.join(self.out, rel))
            before[rel] = (st.st_ino, st.st_mtime_ns)
        task = "%s_%d" % (self.job, k)
        started = time.monotonic()
        for argv in (["scontrol", "requeue", task],
                     # A requeued job waits cred_expire before it may start: not here.
                     ["scontrol", "update", "JobId=" + task, "StartTime=now"]):
            p = self.cluster.command(*argv)
            self.assertEqual(p.returncode, 0, (argv, p.stderr.decode(errors="replace")))
        done = wait_for(lambda: self.job_field(k, "Restarts") == "1"
                        and self.job_field(k, "JobState") in ("COMPLETED", "FAILED"),
                        JOB_TIMEOUT, 0.25)
        self.assertTrue(done, "task %s did not run again: %s\n%s"
                        % (task, self.job_field(k, "JobState"), self.cluster.logs()))
        self.assertEqual(self.job_field(k, "JobState"), "COMPLETED")
        st = self.task_stats(k)
        failing = sum(shard_of(rel, N) == k for rel in self.failing)
        self.assertEqual((st["ok"], st["up_to_date"], st["failed"], st["failed_before"]),
                         (len(gone), len(mine) - len(gone), 0, failing), st)
        self.assertEqual(st["exit_status"], 0)
        say("requeued %s (Restarts=1) after deleting %d of its %d outputs: %d ok, "
            "%d up to date, %d failed before, exit 0, %.1f s after the requeue"
            % (task, len(gone), len(mine), st["ok"], st["up_to_date"], st["failed_before"],
               time.monotonic() - started))
        self.assertEqual(visible_files(self.out), visible_files(self.ref_out))
        self.assertEqual(digests(self.out), digests(self.ref_out))
        for rel, ident in before.items():
            st = os.stat(os.path.join(self.out, rel))
            self.assertEqual((st.st_ino, st.st_mtime_ns), ident, "%s was rewritten" % rel)
        r = run_json(["report", self.stats])
        self.assertEqual(r.summary["ok"], len(self.images) - len(mine) + len(gone))
        self.assertEqual(r.summary["up_to_date"], len(mine) - len(gone))
        self.assertEqual(r.summary["total"], len(self.everything))


if __name__ == "__main__":
    unittest.main(verbosity=2)
