#!/usr/bin/python3
"""scripts/sweep_report.py on a small sweep (random search, two seeds, early
stopping): the grouped table has one row per point of `runner ls --group`
with the same counts and numbers, stopped runs are counted, every embedded
image decodes, and the best run's config is there. Also scripts/plot.py
--kstep on a regression run: the table it parses from `runner generate` and
the PNG it draws.

Run by `make test` (scripts/run_tests.sh) with Debian's python3-h5py and
python3-matplotlib; without them it is skipped with a message, and under
CI=true it fails. Prints cmocka-style summary lines."""
import base64
import csv
import html.parser
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(TOP, os.environ.get("RUNNER", "bin/runner"))

CONFIG = """\
name: report
seed: 2
dataset: {name: timemachine, max_tokens: 3000, valid_fraction: 0.1}
model: {cell: gru, hidden: 16}
sampler: {batch_size: 8, num_steps: 10}
train: {epochs: 4, threads: 1}
generate: {prefixes: [time], length: 10}
output: {dir: %s}
sweep:
  sample:
    count: 4
    space:
      optimizer.lr: {loguniform: [0.2, 3]}
      model.hidden: {int: [8, 24]}
  repeat: 2
  early_stop: {metric: valid_ppl, min_epochs: 1, reduction: 2}
"""


class Page(html.parser.HTMLParser):
    """The table rows of class "groups" and every <img> source."""

    def __init__(self):
        super().__init__()
        self.rows, self.images, self.text = [], [], []
        self.in_groups = self.in_cell = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == "groups":
            self.in_groups = True
        elif tag == "tr" and self.in_groups:
            self.rows.append([])
        elif tag == "td" and self.in_groups:
            self.in_cell = True
            self.rows[-1].append("")
        elif tag == "img":
            self.images.append(a.get("src", ""))

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_groups = False
        elif tag == "td":
            self.in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self.in_cell:
            self.rows[-1][-1] += data


def train_in_tmp(cls, verb, config_text, name):
    """A temporary folder (cls.tmp) with config_text written into it, its
    results folder at cls.results, trained by `runner VERB --quiet`; the
    runner's output."""
    cls.tmp = tempfile.mkdtemp()
    cls.results = os.path.join(cls.tmp, name)
    config = os.path.join(cls.tmp, name + ".yaml")
    with open(config, "w") as f:
        f.write(config_text % cls.results)
    return subprocess.run([RUNNER, verb, config, "--quiet"], check=True,
                          capture_output=True, text=True).stdout


class SweepReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        train_in_tmp(cls, "sweep", CONFIG, "results")
        cls.out = os.path.join(cls.tmp, "report.html")
        done = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "sweep_report.py"),
                               cls.results, "--out", cls.out], capture_output=True, text=True)
        if done.returncode:
            raise AssertionError(f"sweep_report.py failed: {done.stderr}")
        cls.page = Page()
        with open(cls.out, encoding="utf-8") as f:
            cls.page.feed(f.read())
        ls = subprocess.run([RUNNER, "ls", cls.results, "--group", "--csv"], check=True,
                            capture_output=True, text=True).stdout
        cls.groups = list(csv.DictReader(io.StringIO(ls)))
        runs = subprocess.run([RUNNER, "ls", cls.results, "--csv"], check=True,
                              capture_output=True, text=True).stdout
        cls.runs = list(csv.DictReader(io.StringIO(runs)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_one_row_per_point_as_runner_ls_group(self):
        rows = [r for r in self.page.rows if r]
        self.assertEqual(len(rows), 4)
        self.assertEqual(len(rows), len(self.groups))
        by_point = {g["point_id"]: g for g in self.groups}
        for r in rows:
            g = by_point[r[1]]
            self.assertEqual(r[2], g["values"])
            self.assertEqual([int(x) for x in r[3:7]],
                             [int(g[k]) for k in ("runs", "completed", "stopped", "diverged")])
            if int(g["valid_ppl_n"]) == 1:
                self.assertEqual(r[7], f"{float(g['valid_ppl_mean']):.3f}")
            elif int(g["valid_ppl_n"]) > 1:
                self.assertTrue(r[7].startswith(f"{float(g['valid_ppl_mean']):.3f} ± "
                                                f"{float(g['valid_ppl_std']):.3f} ["), r[7])

    def test_stopped_runs_counted(self):
        stopped = sum(r["status"] == "stopped" for r in self.runs)
        self.assertGreater(stopped, 0, "the test sweep stops no run")
        self.assertEqual(sum(int(r[5]) for r in self.page.rows if r), stopped)

    def test_every_image_decodes(self):
        import matplotlib.image
        # the curves and one scatter per swept key (optimizer.lr, model.hidden)
        self.assertEqual(len(self.page.images), 3)
        for src in self.page.images:
            self.assertTrue(src.startswith("data:image/png;base64,"))
            data = base64.b64decode(src.split(",", 1)[1], validate=True)
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
            pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
            self.assertGreater(pixels.shape[0], 100)
            self.assertGreater(pixels.shape[1], 100)

    def test_best_run_and_no_network(self):
        text = "".join(self.page.text)
        self.assertIn("Best run:", text)
        self.assertIn("name: \"report\"", text)
        with open(self.out, encoding="utf-8") as f:
            page = f.read()
        self.assertNotIn("http://", page)
        self.assertNotIn("https://", page)


SINE = """\
seed: 1
dataset: {name: sine, length: 300, n_train: 150}
model: {head: regression, hidden: 8}
sampler: {batch_size: 16}
optimizer: {kind: adam, lr: 0.01}
train: {epochs: 2, threads: 1}
output: {dir: %s}
"""


class KstepPlot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.run_id = train_in_tmp(cls, "train", SINE, "sine").split()[1]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_table(self):
        sys.path.insert(0, os.path.join(TOP, "scripts"))
        from plot import kstep_table
        t, x, preds = kstep_table(self.results, self.run_id, RUNNER)
        self.assertEqual(len(t), 300)
        self.assertEqual(t[:2], [1.0, 2.0])
        self.assertEqual(sorted(preds), [1, 4, 16, 64])
        # tau 4: the first 1-step prediction is of t = 5, the first 64-step
        # one of t = 4 + 64
        for k, first in ((1, 5), (64, 68)):
            finite = [ti for ti, p in zip(t, preds[k]) if p == p]
            self.assertEqual(finite[0], first)
            self.assertEqual(finite[-1], 300)

    def test_png(self):
        import matplotlib.image
        out = os.path.join(self.tmp, "kstep.png")
        subprocess.run([sys.executable, os.path.join(TOP, "scripts", "plot.py"), self.results,
                        "--kstep", self.run_id, "--out", out], check=True, cwd=TOP,
                       capture_output=True)
        pixels = matplotlib.image.imread(out)
        self.assertGreater(pixels.shape[1], 500)
        # more than the white background and one colour: several curves
        self.assertGreater(len({tuple(p) for p in pixels.reshape(-1, pixels.shape[2])}), 20)


def main():
    try:
        import h5py  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            print("[  ERROR   ] test_sweep_report: python3-h5py/python3-matplotlib missing under CI")
            print("[==========] test_sweep_report: 1 test(s) run.")
            print("[  FAILED  ] 1 test(s), listed above.")
            sys.exit(1)
        print("test_sweep_report: SKIPPED: needs Debian's python3-h5py and python3-matplotlib")
        print("[==========] test_sweep_report: 0 test(s) run.")
        print("[  PASSED  ] 0 test(s).")
        return
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"[==========] test_sweep_report: {result.testsRun} test(s) run.")
    print(f"[  PASSED  ] {result.testsRun - failed} test(s).")
    if failed:
        print(f"[  FAILED  ] {failed} test(s), listed above.")
        sys.exit(1)


if __name__ == "__main__":
    main()
