"""A short stress run: scripts/stress.py on 120 generated files (18 of them damaged,
one of each kind it knows), imgbatch resize -j 2 --json, a busy worker SIGKILLed
every 0.3 s.  stress.py checks that every valid file is produced with Pillow's size
or failed with "died: SIGKILL", that every damaged file failed with a one-line
reason and no output, that the "died: SIGKILL" failures match the kills, that no
temporary file, zombie or worker is left, and that the master's RSS stays flat;
it exits 0 only if every check passes.

The images come from a fixed seed.  When the kills land depends on timing, but
every check stress.py makes holds whatever the timing (see its "Counting kills").
About 10-20 s on 2 cores.
"""

import os
import re
import subprocess
import sys
import unittest

import helpers
from helpers import ImgbatchTestCase

STRESS = os.path.join(helpers.REPO, "scripts", "stress.py")
STRESS_TIMEOUT = 240


class StressTest(ImgbatchTestCase):
    def test_short_stress_run(self):
        argv = [sys.executable, STRESS, "--binary", helpers.BIN,
                "--images", "120", "--damaged", "18", "--kill-every", "0.3",
                "--jobs", "2", "--op", "resize", "--size", "200x150",
                "--min-side", "1600", "--max-side", "3200", "--seed", "7",
                "--run-timeout", "120", "--workdir", self.path("stress")]
        env = dict(os.environ)
        if os.environ.get("IMGBATCH_SANITIZED") == "1":
            # AddressSanitizer's fake stacks (detect_stack_use_after_return) hand out each
            # frame size's slots in turn, touching new pages until every slot was used once:
            # the master's result frames (a PATH_MAX-sized message) grow its RSS that way for
            # the whole run, which the RSS check would take for a leak.  LeakSanitizer still
            # checks for leaks at exit.
            env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS"),
                                                       "detect_stack_use_after_return=0") if x)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=STRESS_TIMEOUT, env=env)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, "stress.py failed:\n" + out)
        self.assertIn("RESULT: PASS", out, out)
        self.assertNotIn("FAIL", out.replace("RESULT: PASS", ""), out)
        m = re.search(r"^kills: (\d+) SIGKILLs", out, re.M)
        self.assertIsNotNone(m, out)
        # Not a stress run if no worker was killed: the run lasts a few seconds.
        self.assertGreaterEqual(int(m.group(1)), 2, out)
        # stress.py removes what it made; the test's own directory goes in cleanup.
        self.assertEqual(sorted(os.listdir(self.path("stress"))), [], out)


if __name__ == "__main__":
    unittest.main()
