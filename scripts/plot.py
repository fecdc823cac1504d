#!/usr/bin/python3
"""Perplexity-vs-epoch curves of every run in a results folder, the picture
d2l's Animator draws, into one PNG; or a regression run's k-step-ahead
predictions along its series, the picture of d2l §8.1.

    scripts/plot.py RESULTS [--out FILE.png] [--metric train_ppl|valid_ppl|test_ppl|train_mse|...]
    scripts/plot.py RESULTS --kstep RUN_ID [--out FILE.png]

Needs Debian's python3-h5py and python3-matplotlib (`apt-get install
python3-h5py python3-matplotlib`; /usr/bin/python3, not another python3 on
the PATH). Never needed by make test. Reads the run files directly (finished
and running ones) through scripts/runs.py; scripts/sweep_report.py draws
with the functions here.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator  # noqa: E402

from runs import METRICS, MSE_METRICS, read_runs  # noqa: E402,F401  (sweep_report uses both)


def kstep_table(results, run_id, runner=os.environ.get("RUNNER", "bin/runner")):
    """`runner generate RESULTS RUN_ID` of a regression run, parsed: t, x and
    the predictions {k: [...]} (NaN where a step has no window)."""
    res = subprocess.run([runner, "generate", results, run_id], capture_output=True,
                         text=True)
    if res.returncode != 0:
        sys.exit(f"plot: {res.stderr.strip()}")
    rows = [line.split() for line in res.stdout.splitlines()
            if line and not line.startswith("#")]
    header, body = rows[0], rows[1:]
    cols = {name: [float(r[i]) for r in body] for i, name in enumerate(header)}
    preds = {int(name[5:]): cols[name] for name in header if name.startswith("pred_")}
    return cols["t"], cols["x"], preds


def draw_kstep(ax, t, x, preds):
    """The series and each k-step prediction against time (d2l fig. 8.1.x)."""
    ax.plot(t, x, color="0.7", linewidth=1, label="data")
    for k, p in sorted(preds.items()):
        ax.plot(t, p, linewidth=1, label=f"{k}-step preds")
    ax.set_xlabel("time")
    ax.set_ylabel("x")
    ax.set_xlim(t[0], t[-1])
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)


def curve_metric(runs):
    """valid_ppl when any run measured it, else train_ppl."""
    for r in runs:
        if (r["metrics"]["valid_ppl"] == r["metrics"]["valid_ppl"]).any():
            return "valid_ppl"
    return "train_ppl"


def draw_curves(ax, runs, metric, color=None):
    """Curves of metric per run; color(run) picks each colour (default: the
    cycle). Stopped runs are dashed and end in an x. Returns how many runs
    had values."""
    n = 0
    for r in runs:
        y = r["metrics"][metric]
        keep = y == y  # drop NaN (epochs not evaluated)
        if not keep.any():
            continue
        stopped = r["status"] == "stopped"
        label = r["label"] + ("" if r["status"] == "completed" else f" [{r['status']}]")
        line, = ax.plot(r["epoch"][keep], y[keep], label=label,
                        linestyle="--" if stopped else "-",
                        color=color(r) if color else None)
        if stopped:
            ax.plot(r["epoch"][keep][-1:], y[keep][-1:], "x", color=line.get_color())
        n += 1
    return n


def log_axis(axis):
    """A log axis with plain numbers (a span under a decade still gets
    several labelled ticks)."""
    axis.set_minor_locator(LogLocator(subs=(2, 3, 5)))
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    axis.set_major_formatter(plain)
    axis.set_minor_formatter(plain)


def style_curves(ax, metric, legend=True):
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole
    log_axis(ax.yaxis)
    ax.grid(True, which="both", alpha=0.3)
    if legend:  # outside the axes, so no legend hides a curve
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1),
                  borderaxespad=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--out", default=None, help="PNG path (default RESULTS/perplexity.png)")
    ap.add_argument("--metric", default="train_ppl", choices=list(METRICS + MSE_METRICS))
    ap.add_argument("--kstep", metavar="RUN_ID",
                    help="a regression run: its k-step-ahead predictions along the series")
    args = ap.parse_args()
    if args.kstep:
        out = args.out or os.path.join(args.results, f"kstep_{args.kstep}.png")
        fig, ax = plt.subplots(figsize=(10, 4))
        t, x, preds = kstep_table(args.results, args.kstep)
        draw_kstep(ax, t, x, preds)
        fig.tight_layout()
        fig.savefig(out, dpi=120)
        print(f"plot: k-step predictions of {args.kstep} -> {out}")
        return
    out = args.out or os.path.join(args.results, "perplexity.png")
    fig, ax = plt.subplots(figsize=(10, 5))
    runs = [r for r in read_runs(args.results) if args.metric in r["metrics"]]
    n = draw_curves(ax, runs, args.metric)
    if n == 0:
        sys.exit(f"plot: no run in {args.results} has {args.metric} values")
    style_curves(ax, args.metric)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot: {n} run(s) -> {out}")


if __name__ == "__main__":
    main()
