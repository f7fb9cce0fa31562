"""scripts/imgbatch-indexed-job.yaml, the Kubernetes Indexed Job, without a cluster:

- Its structure: the fields a batch/v1 Job needs and the constraints the API server
  checks (Indexed completion mode, restartPolicy Never under a podFailurePolicy, exit code
  values ordered, unique and not 0, FailIndex only with backoffLimitPerIndex, a rule's
  container among the pod's), IMGBATCH_SHARDS equal to completions, and INPUT, OUTPUT and
  the stats folder on the one shared volume.
- What its podFailurePolicy does with each exit status, read as Kubernetes reads it
  (first matching rule): 1 not retried (FailIndex), 2 stops the Job (FailJob), 3, 75 and
  the signals retried (counted), a disruption retried without counting, as the README's
  table says.
- Its container's script, run here with the local imgbatch for every JOB_COMPLETION_INDEX
  (0..completions-1) with /data mapped to a scratch folder: the shards' outputs are one
  unsharded run's, each pod's exit status is that of its own files, and `imgbatch report`
  on the stats folder adds up to the unsharded run.

The manifest is read with PyYAML (Debian's python3-yaml; scripts/setup.sh installs it).
"""

import os
import re
import subprocess
import unittest

import helpers
from helpers import REPO, ImgbatchTestCase, describe, run, run_json
from test_shards import digests, make_tree, shard_of, visible_files

MANIFEST = os.path.join(REPO, "scripts", "imgbatch-indexed-job.yaml")
README = os.path.join(REPO, "README.md")


def load_manifest():
    try:
        import yaml
    except ImportError:
        raise AssertionError("PyYAML is not installed (Debian: python3-yaml; scripts/setup.sh "
                             "installs it)")
    with open(MANIFEST) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    if len(docs) != 1:
        raise AssertionError("%s holds %d documents, not one Job" % (MANIFEST, len(docs)))
    return docs[0]


def rule_matches(rule, exit_code=None, condition=None):
    """Whether one podFailurePolicy rule matches a pod whose container 'imgbatch' exited
    with exit_code, or which has the pod condition (type True), as the Job controller
    matches them."""
    on_codes = rule.get("onExitCodes")
    if on_codes is not None and exit_code is not None:
        if on_codes.get("containerName") not in (None, "imgbatch"):
            return False
        inside = exit_code in on_codes["values"]
        return inside if on_codes["operator"] == "In" else not inside
    if condition is not None:
        return any(c["type"] == condition and c.get("status", "True") == "True"
                   for c in rule.get("onPodConditions") or [])
    return False


def action_for(job, exit_code=None, condition=None):
    """The action the Job takes for a failed pod: the first matching rule's, else Count
    (the pod counts against the backoff limit, and is retried while it allows)."""
    for rule in job["spec"]["podFailurePolicy"]["rules"]:
        if rule_matches(rule, exit_code, condition):
            return rule["action"]
    return "Count"


class ManifestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.job = load_manifest()
        cls.spec = cls.job["spec"]
        cls.pod = cls.spec["template"]["spec"]
        cls.container = cls.pod["containers"][0]
        cls.env = {e["name"]: e for e in cls.container["env"]}

    def test_job(self):
        self.assertEqual((self.job["apiVersion"], self.job["kind"]), ("batch/v1", "Job"))
        self.assertRegex(self.job["metadata"]["name"], r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        self.assertEqual(self.spec["completionMode"], "Indexed")
        n = self.spec["completions"]
        self.assertIsInstance(n, int)
        self.assertGreaterEqual(n, 1)
        self.assertLessEqual(self.spec.get("parallelism", 1), n)
        self.assertEqual(self.env["IMGBATCH_SHARDS"]["value"], str(n),
                         "IMGBATCH_SHARDS must be the completions count: the N of K/N")
        self.assertEqual(self.pod["restartPolicy"], "Never",
                         "podFailurePolicy needs restartPolicy Never")
        self.assertEqual([c["name"] for c in self.pod["containers"]], ["imgbatch"])
        self.assertTrue(self.container.get("image"))
        self.assertEqual(self.container["command"][:2], ["/bin/sh", "-c"])
        for name in ("IMGBATCH_OP", "IMGBATCH_INPUT", "IMGBATCH_OUTPUT", "IMGBATCH_STATS_DIR"):
            self.assertIn("value", self.env[name], name)
        self.assertEqual(self.env["JOB_NAME"]["valueFrom"]["fieldRef"]["fieldPath"],
                         "metadata.labels['batch.kubernetes.io/job-name']")
        self.assertEqual(self.env["IMGBATCH_JOBS"]["valueFrom"]["resourceFieldRef"],
                         {"containerName": "imgbatch", "resource": "requests.cpu"})
        self.assertIn("cpu", self.container["resources"]["requests"])

    def test_policy_is_valid(self):
        """What the API server refuses a podFailurePolicy for."""
        rules = self.spec["podFailurePolicy"]["rules"]
        self.assertTrue(rules)
        containers = {c["name"] for c in self.pod["containers"]}
        for rule in rules:
            self.assertIn(rule["action"], ("FailJob", "FailIndex", "Ignore", "Count"))
            self.assertEqual(("onExitCodes" in rule) + ("onPodConditions" in rule), 1, rule)
            if rule["action"] == "FailIndex":
                self.assertIn("backoffLimitPerIndex", self.spec, "FailIndex needs it")
            codes = rule.get("onExitCodes")
            if codes:
                self.assertIn(codes["operator"], ("In", "NotIn"))
                values = codes["values"]
                self.assertTrue(1 <= len(values) <= 255)
                self.assertEqual(values, sorted(set(values)), "ordered, without duplicates")
                self.assertTrue(all(isinstance(v, int) for v in values))
                if codes["operator"] == "In":
                    self.assertNotIn(0, values)
                if "containerName" in codes:
                    self.assertIn(codes["containerName"], containers)
        self.assertGreaterEqual(self.spec["backoffLimitPerIndex"], 1)

    def test_exit_statuses(self):
        """The README's table, as the Job acts on it."""
        self.assertEqual(action_for(self.job, 1), "FailIndex")
        self.assertEqual(action_for(self.job, 2), "FailJob")
        for retried in (3, 75, 129, 130, 137, 141, 143):
            self.assertEqual(action_for(self.job, retried), "Count", retried)
        self.assertEqual(action_for(self.job, condition="DisruptionTarget"), "Ignore")
        with open(README) as f:
            readme = f.read()
        table = re.search(r"^\| status \| meaning \| retry \|\n((?:\|.*\n)+)", readme, re.M)
        self.assertIsNotNone(table, "README.md has no exit-code table for schedulers")
        rows = [r.split("|")[1:-1] for r in table.group(1).splitlines()[1:]]
        for cells in rows:
            codes = [int(c) for c in re.findall(r"\b\d+\b", cells[0])]
            again = cells[2].strip().lower().startswith("yes")
            for code in (c for c in codes if c != 0):  # 0 is no failure
                want = ("Count",) if again else ("FailIndex", "FailJob")
                self.assertIn(action_for(self.job, code), want, (code, cells))

    def test_shared_volume(self):
        """INPUT, OUTPUT and the stats folder are on one volume every pod mounts: a claim,
        not a pod's own emptyDir."""
        mounts = {m["mountPath"].rstrip("/"): m["name"] for m in self.container["volumeMounts"]}
        volumes = {v["name"]: v for v in self.pod["volumes"]}
        for name in ("IMGBATCH_INPUT", "IMGBATCH_OUTPUT", "IMGBATCH_STATS_DIR"):
            path = self.env[name]["value"]
            under = [m for m in mounts if path == m or path.startswith(m + "/")]
            self.assertTrue(under, "%s=%s is on no mounted volume" % (name, path))
            volume = volumes[mounts[under[0]]]
            self.assertIn("persistentVolumeClaim", volume, "%s is not on a shared claim" % name)


class ScriptTest(ImgbatchTestCase):
    """The container's script, run for every index with the local imgbatch."""

    def test_every_index(self):
        job = load_manifest()
        spec = job["spec"]
        container = spec["template"]["spec"]["containers"][0]
        n = spec["completions"]
        mount = container["volumeMounts"][0]["mountPath"].rstrip("/")
        data = self.mkdir("data")
        env_values = {e["name"]: e["value"].replace(mount, data, 1) if e["name"].endswith(
            ("_INPUT", "_OUTPUT", "_DIR")) else e["value"]
            for e in container["env"] if "value" in e}
        inp = env_values["IMGBATCH_INPUT"]
        images, non_images, failing = make_tree(inp)
        everything = images | non_images | failing
        ref_out = self.path("ref")
        ref = run_json([env_values["IMGBATCH_OP"], inp, ref_out, "-r"]
                       + container["args"][2:])
        self.assertExit(ref.proc, 1)
        # What Kubernetes would set: the index, the Job's name (its label), the CPUs.
        base = dict(os.environ, JOB_NAME=job["metadata"]["name"], IMGBATCH_JOBS="1",
                    PATH=os.path.dirname(os.path.abspath(helpers.BIN)) + os.pathsep
                    + os.environ.get("PATH", ""), **env_values)
        script, argv0, rest = container["args"][0], container["args"][1], container["args"][2:]
        for index in range(n):
            k = index + 1
            p = subprocess.run(container["command"] + [script, argv0] + rest,
                               env=dict(base, JOB_COMPLETION_INDEX=str(index)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=helpers.RUN_TIMEOUT)
            p.out = p.stdout.decode(errors="replace")
            p.err = p.stderr.decode(errors="replace")
            expected = 1 if any(shard_of(rel, n) == k for rel in failing) else 0
            self.assertEqual(p.returncode, expected, (index, describe(p)))
            self.assertEqual(action_for(job, p.returncode) if p.returncode else None,
                             "FailIndex" if expected else None)
        out = env_values["IMGBATCH_OUTPUT"]
        self.assertEqual(visible_files(out), visible_files(ref_out))
        self.assertEqual(digests(out), digests(ref_out))
        stats = os.path.join(env_values["IMGBATCH_STATS_DIR"], job["metadata"]["name"])
        self.assertEqual(sorted(os.listdir(stats)),
                         sorted(["task-%d.json" % k for k in range(1, n + 1)]
                                + ["task-%d.jsonl" % k for k in range(1, n + 1)]))
        r = run_json(["report", stats])
        self.assertExit(r.proc, 1)
        for key in ("total", "ok", "failed", "skipped"):
            self.assertEqual(r.summary[key], ref.summary[key], key)
        self.assertEqual(r.summary["total"], len(everything))
        self.assertEqual(r.summary["missing"], [])
        self.assertEqual(sorted(rec["input"] for rec in r.records),
                         sorted(rec["input"] for rec in ref.by_status("failed")))


if __name__ == "__main__":
    unittest.main()
