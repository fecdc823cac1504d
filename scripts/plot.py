#!/usr/bin/python3
"""Perplexity-vs-epoch curves of every run in a results folder, the picture
d2l's Animator draws, into one PNG.

    scripts/plot.py RESULTS [--out FILE.png] [--metric train_ppl|valid_ppl|test_ppl]

Needs Debian's python3-h5py and python3-matplotlib (`apt-get install
python3-h5py python3-matplotlib`; /usr/bin/python3, not another python3 on
the PATH). Never needed by make test. Reads the run files directly (finished and running
ones), with HDF5 file locking off so a sweep may still be writing.
"""
import argparse
import glob
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator  # noqa: E402


def runs(folder):
    """(label, status, epochs, metrics) of every run, in sweep order."""
    found = []
    files = sorted(glob.glob(os.path.join(folder, "runs", "*.h5")))
    files += [p for p in sorted(glob.glob(os.path.join(folder, "runs", "*.h5.part")))
              if p[:-5] not in files]
    for path in files:
        try:
            with h5py.File(path, "r") as f:
                label = f.attrs.get("sweep_values", "") or f.attrs["run_id"]
                if isinstance(label, bytes):
                    label = label.decode()
                m = f["metrics"]
                found.append((int(f.attrs.get("sweep_index", -1)), label,
                              str(f.attrs.get("status", "")), m["epoch"][:],
                              {k: m[k][:] for k in ("train_ppl", "valid_ppl", "test_ppl")}))
        except (OSError, KeyError) as exc:
            print(f"plot: skipping {path}: {exc}", file=sys.stderr)
    return [run[1:] for run in sorted(found, key=lambda run: run[0])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--out", default=None, help="PNG path (default RESULTS/perplexity.png)")
    ap.add_argument("--metric", default="train_ppl",
                    choices=["train_ppl", "valid_ppl", "test_ppl"])
    args = ap.parse_args()
    out = args.out or os.path.join(args.results, "perplexity.png")
    fig, ax = plt.subplots(figsize=(10, 5))
    n = 0
    for label, status, epoch, metrics in runs(args.results):
        y = metrics[args.metric]
        keep = ~(y != y)  # drop NaN (epochs not evaluated)
        if keep.any():
            ax.plot(epoch[keep], y[keep], label=label + ("" if status == "completed"
                                                          else f" [{status}]"))
            n += 1
    if n == 0:
        sys.exit(f"plot: no run in {args.results} has {args.metric} values")
    ax.set_xlabel("epoch")
    ax.set_ylabel(args.metric.replace("_", " "))
    ax.set_yscale("log")
    # epochs are whole numbers; a log axis spanning less than a decade
    # (one run, 1.29 to 2.1) gets plain numbers at several ticks
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_minor_locator(LogLocator(subs=(2, 3, 5)))
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.grid(True, which="both", alpha=0.3)
    # outside the axes, so no legend hides a curve
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1),
              borderaxespad=0)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot: {n} run(s) -> {out}")


if __name__ == "__main__":
    main()
