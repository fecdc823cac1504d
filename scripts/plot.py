#!/usr/bin/python3
"""Perplexity-vs-epoch curves of every run in a results folder, the picture
d2l's Animator draws, into one PNG.

    scripts/plot.py RESULTS [--out FILE.png] [--metric train_ppl|valid_ppl|test_ppl]

Needs Debian's python3-h5py and python3-matplotlib (`apt-get install
python3-h5py python3-matplotlib`; /usr/bin/python3, not another python3 on
the PATH). Never needed by make test. Reads the run files directly (finished
and running ones), with HDF5 file locking off so a sweep may still be
writing. scripts/sweep_report.py reads and draws runs with the functions
here.
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

METRICS = ("train_ppl", "valid_ppl", "test_ppl")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_values(values, keys):
    """"a=1 b=[x, y] seed=2" with keys [a, b, seed] -> {"a": "1", "b": "[x, y]",
    "seed": "2"}: the values come in the order of the keys, and a flow value
    may hold spaces."""
    out, at = {}, 0
    for i, key in enumerate(keys):
        start = values.find(key + "=", at)
        if start < 0:
            break
        start += len(key) + 1
        end = values.find(" " + keys[i + 1] + "=", start) if i + 1 < len(keys) else -1
        out[key] = values[start:] if end < 0 else values[start:end]
        at = start if end < 0 else end + 1
    return out


def read_run(path):
    """One run file as a dict (KeyError/OSError when it is not one)."""
    with h5py.File(path, "r") as f:
        a = f.attrs
        m = f["metrics"]
        samples = []
        for k in sorted(f.get("samples", {}), key=int):
            d = f["samples"][k]
            samples.append((int(d.attrs["epoch"]), text(d.attrs["prefix"]), text(d[()])))
        axes = [tuple(x.split(":", 1)) for x in text(a.get("sweep_axes", "")).split()]
        values = text(a.get("sweep_values", ""))
        return {
            "path": path, "run_id": text(a["run_id"]),
            "point_id": text(a.get("point_id", a["run_id"])),
            "index": int(a.get("sweep_index", -1)), "label": values or text(a["run_id"]),
            "values": parse_values(values, [k for k, _ in axes]), "axes": axes,
            "status": text(a.get("status", "")), "detail": text(a.get("detail", "")),
            "config": text(a.get("config", "")), "samples": samples,
            "epoch": m["epoch"][:], "metrics": {k: m[k][:] for k in METRICS},
        }


def read_runs(folder, quiet=False):
    """Every run of a results folder, in sweep order (finished files, and the
    .part of runs still training)."""
    files = sorted(glob.glob(os.path.join(folder, "runs", "*.h5")))
    files += [p for p in sorted(glob.glob(os.path.join(folder, "runs", "*.h5.part")))
              if p[:-5] not in files]
    found = []
    for path in files:
        try:
            found.append(read_run(path))
        except (OSError, KeyError) as exc:
            if not quiet:
                print(f"skipping {path}: {exc}", file=sys.stderr)
    return sorted(found, key=lambda r: (r["index"] < 0, r["index"], r["run_id"]))


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
    ap.add_argument("--metric", default="train_ppl", choices=list(METRICS))
    args = ap.parse_args()
    out = args.out or os.path.join(args.results, "perplexity.png")
    fig, ax = plt.subplots(figsize=(10, 5))
    n = draw_curves(ax, read_runs(args.results), args.metric)
    if n == 0:
        sys.exit(f"plot: no run in {args.results} has {args.metric} values")
    style_curves(ax, args.metric)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"plot: {n} run(s) -> {out}")


if __name__ == "__main__":
    main()
