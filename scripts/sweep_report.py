#!/usr/bin/python3
"""A sweep's results folder as one self-contained HTML page.

    scripts/sweep_report.py RESULTS [--out report.html]

The page holds the grouped table (one row per sweep point over its seeds,
read from RESULTS/index.h5's /groups, which every sweep rewrites; `runner
index RESULTS` rebuilds it), the perplexity curves of every run coloured by
the first swept key, the final perplexity against each swept key (a log axis
for loguniform keys), early-stopped runs marked (dashed curves ending in an
x; x markers), and the best run's config and samples. Images are embedded
(base64 PNG), so the page opens in a browser with no network.

Needs Debian's python3-h5py and python3-matplotlib (/usr/bin/python3). The
default output is RESULTS/report.html.
"""
import argparse
import base64
import html
import io
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (drawing curves)
import runs as runfiles  # noqa: E402  (reading run files)
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import cm, colors  # noqa: E402

STATS = ("n", "mean", "std", "min", "max")


def read_groups(folder):
    """index.h5's /groups as a list of dicts, and the run ids /summary lists."""
    path = os.path.join(folder, "index.h5")
    if not os.path.exists(path):
        sys.exit(f"sweep_report: {path} is missing: run 'runner index {folder}' first")
    with h5py.File(path, "r") as f:
        if "groups" not in f:
            sys.exit(f"sweep_report: {path} has no /groups (written by an older "
                     f"runner): run 'runner index {folder}'")
        g = f["groups"]
        cols = {k: g[k][:] for k in g}
        ids = {runfiles.text(x) for x in f["summary"]["run_id"][:]}
    rows = []
    for i in range(len(cols["point_id"])):
        rows.append({k: (runfiles.text(v[i]) if v.dtype.kind in "SO" else v[i].item())
                     for k, v in cols.items()})
    return rows, ids


def cell(row, metric):
    """"9.62 ± 0.31 [9.31, 9.93]" from a group's columns."""
    n, mean, std, lo, hi = (row[f"{metric}_{s}"] for s in STATS)
    if not n:
        return "-"
    if n == 1:
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {std:.3f} [{lo:.3f}, {hi:.3f}]"


def group_table(groups, metric):
    head = ["index", "point", "swept values", "runs", "completed", "stopped",
            "diverged", metric.replace("_", " ") + " (mean ± sd [min, max])",
            "best valid ppl", "train ppl"]
    out = ['<table class="groups">', "<tr>" + "".join(f"<th>{h}</th>" for h in head)
           + "</tr>"]
    for g in groups:
        cells = [g["sweep_index"] if g["sweep_index"] >= 0 else "-", g["point_id"],
                 g["values"] or "(none)", g["runs"], g["completed"], g["stopped"],
                 g["diverged"], cell(g, metric), cell(g, "best_valid_ppl"),
                 cell(g, "train_ppl")]
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                   + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def png(fig):
    """The figure as an <img> with its PNG inline."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}">'


def number(text):
    try:
        v = float(text)
        return v if math.isfinite(v) else None
    except ValueError:
        return None


def swept_keys(runs):
    """(key, how) of the sweep, seed last; seeds alone when nothing else."""
    axes = next((r["axes"] for r in runs if r["axes"]), [])
    keys = [a for a in axes if a[1] != "repeat"]
    return keys or axes


def colouring(runs, key, how):
    """color(run) by the key's value, and what to add to the figure (a
    colorbar for numbers, a legend for categories)."""
    vals = [r["values"].get(key, "") for r in runs]
    nums = [number(v) for v in vals]
    if all(v is not None for v in nums) and len(set(nums)) > 1:
        log = how == "loguniform" and min(nums) > 0
        norm = (colors.LogNorm if log else colors.Normalize)(min(nums), max(nums))
        cmap = plt.get_cmap("viridis")
        return (lambda r: cmap(norm(float(r["values"][key])))), ("bar", cm.ScalarMappable(norm, cmap))
    cats = sorted(set(vals))
    cmap = plt.get_cmap("tab10")
    pick = {c: cmap(i % 10) for i, c in enumerate(cats)}
    return (lambda r: pick[r["values"].get(key, "")]), ("legend", pick)


def curves_figure(runs, metric, keys):
    # diverged runs would stretch the axis over decades: counted, not drawn
    diverged = sum(r["status"] == "diverged" for r in runs)
    runs = [r for r in runs if r["status"] != "diverged"]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    key, how = keys[0] if keys else (None, None)
    color, extra = colouring(runs, key, how) if key else (None, None)
    plot.draw_curves(ax, runs, metric, color)
    plot.style_curves(ax, metric, legend=not key)
    if extra and extra[0] == "bar":
        fig.colorbar(extra[1], ax=ax, label=key)
    elif extra:
        handles = [plt.Line2D([], [], color=c, label=f"{key}={v}") for v, c in extra[1].items()]
        handles.append(plt.Line2D([], [], color="grey", linestyle="--", marker="x",
                                  label="stopped early"))
        ax.legend(handles=handles, fontsize="small", loc="upper left",
                  bbox_to_anchor=(1.02, 1), borderaxespad=0)
    ax.set_title(f"{metric.replace('_', ' ')} per epoch, coloured by {key or 'run'}"
                 + (f" ({diverged} diverged run(s) not drawn)" if diverged else ""))
    return png(fig)


def final(run, metric):
    y = run["metrics"][metric]
    y = y[y == y]
    return float(y[-1]) if len(y) else None


def scatter_figure(runs, metric, key, how):
    """Final metric against one swept key; stopped runs as x."""
    fig, ax = plt.subplots(figsize=(6, 4))
    pts = [(r["values"].get(key, ""), final(r, metric), r["status"]) for r in runs
           if r["status"] in ("completed", "stopped") and final(r, metric) is not None]
    nums = [number(v) for v, _, _ in pts]
    numeric = pts and all(v is not None for v in nums)
    cats = sorted({v for v, _, _ in pts})
    for status, marker in (("completed", "o"), ("stopped", "x")):
        xs = [(nums[i] if numeric else cats.index(v)) for i, (v, _, s) in enumerate(pts)
              if s == status]
        ys = [y for _, y, s in pts if s == status]
        if xs:
            ax.scatter(xs, ys, marker=marker, label=status)
    if numeric and how == "loguniform":
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels(cats, rotation=30, ha="right")
    ax.set_yscale("log")
    plot.log_axis(ax.yaxis)
    ax.set_xlabel(key + (" (log scale)" if numeric and how == "loguniform" else ""))
    ax.set_ylabel(f"final {metric.replace('_', ' ')}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return png(fig)


def best_run(runs, metric):
    done = [r for r in runs if r["status"] == "completed" and final(r, metric) is not None]
    return min(done, key=lambda r: final(r, metric)) if done else None


def report(folder):
    runs = runfiles.read_runs(folder, quiet=True)
    if not runs:
        sys.exit(f"sweep_report: no run files in {folder}/runs")
    groups, indexed = read_groups(folder)
    stale = {r["run_id"] for r in runs} - indexed
    metric = plot.curve_metric(runs)
    keys = swept_keys(runs)
    counts = {}
    for r in runs:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    parts = [
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">",
        f"<title>sweep report: {html.escape(folder)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
        "padding:2px 6px;text-align:left}pre{background:#f4f4f4;padding:8px}</style>",
        "</head><body>",
        f"<h1>Sweep report: {html.escape(folder)}</h1>",
        "<p>" + html.escape(f"{len(runs)} run(s): " + ", ".join(
            f"{n} {s}" for s, n in sorted(counts.items()))) + "</p>",
    ]
    if stale:
        parts.append(f"<p><b>index.h5 is older than {len(stale)} run file(s)</b>: run "
                     f"<code>runner index {html.escape(folder)}</code> and report again.</p>")
    parts += ["<h2>Sweep points over their seeds</h2>",
              "<p>Statistics over each point's completed runs (sample standard "
              "deviation); stopped and diverged runs are counted, not averaged.</p>",
              group_table(groups, metric),
              "<h2>Curves</h2>", curves_figure(runs, metric, keys)]
    if keys:
        parts.append(f"<h2>Final {metric.replace('_', ' ')} against each swept key</h2>")
        parts += [scatter_figure(runs, metric, k, how) for k, how in keys]
    best = best_run(runs, metric)
    if best:
        parts.append(f"<h2>Best run: {best['run_id']} ({metric.replace('_', ' ')} "
                     f"{final(best, metric):.4g})</h2>")
        parts.append(f"<p>{html.escape(best['label'])}</p>")
        parts.append(f"<pre>{html.escape(best['config'])}</pre>")
        if best["samples"]:
            parts.append("<h3>Samples</h3><ul>")
            parts += [f"<li>epoch {e}, prefix <code>{html.escape(p)}</code>: "
                      f"{html.escape(t)}</li>" for e, p, t in best["samples"]]
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts), len(runs), len(groups)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--out", default=None, help="HTML path (default RESULTS/report.html)")
    args = ap.parse_args()
    page, nruns, ngroups = report(args.results)
    out = args.out or os.path.join(args.results, "report.html")
    with open(out, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"sweep_report: {nruns} run(s), {ngroups} sweep point(s) -> {out}")


if __name__ == "__main__":
    main()
