"""Reading run files for the Python scripts (plot.py, sweep_report.py,
report.py): one run file as a dict, every run of a results folder in sweep
order, and the one parser of the `sweep_values` attribute. Needs Debian's
python3-h5py. Run files are opened with HDF5 file locking off, so a sweep
may still be writing them.
"""
import glob
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402

METRICS = ("train_ppl", "valid_ppl", "test_ppl")
# a regression run's (d2l 8.1); absent from files written before them
MSE_METRICS = ("train_mse", "valid_mse", "kstep_mse_1", "kstep_mse_4", "kstep_mse_16",
               "kstep_mse_64")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_values(values):
    """"a=1 b={x: 1, y: 2} c=[p, q]" -> {"a": "1", "b": "{x: 1, y: 2}", "c":
    "[p, q]"}: a space ends a value only outside brackets (flow values may
    hold spaces)."""
    out, key, depth, cur = {}, None, 0, ""
    for ch in values + " ":
        if key is None:
            if ch == "=":
                key, cur = cur.strip(), ""
            else:
                cur += ch
        elif ch == " " and depth == 0:
            out[key], key, cur = cur, None, ""
        else:
            depth += ch in "[{"
            depth -= ch in "]}"
            cur += ch
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
            "values": parse_values(values), "axes": axes,
            "status": text(a.get("status", "")), "detail": text(a.get("detail", "")),
            "config": text(a.get("config", "")), "samples": samples,
            "epoch": m["epoch"][:], "metrics": {k: m[k][:] for k in METRICS + MSE_METRICS if k in m},
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
