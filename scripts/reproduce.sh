#!/bin/bash
# Runs the reproduction experiments of configs/README.md with runner sweep
# (runs already completed are skipped, so it can be stopped and started
# again), then writes results/REPRODUCTION.md with scripts/report.py.
#
#   scripts/reproduce.sh              every experiment but zaremba_medium
#   scripts/reproduce.sh NAME ...     only these (config names without .yaml)
#   REPORT_ONLY=1 scripts/reproduce.sh   rewrite the report from what exists
#
# The report needs Debian's python3-h5py (the runs themselves do not).
set -euo pipefail
cd "$(dirname "$0")/.."
ALL="timemachine_rnn jaychou_scratch_rnn jaychou_concise_adam timemachine_scratch_rnn
exercise_8_5_2 exercise_8_6_1 exercise_8_5_2_2 exercise_8_5_5 exercise_8_5_4 exercise_8_6_3
zaremba_small gluon_ptb_rnn
exercise_8_6_2"
names=${*:-$ALL}
make --no-print-directory all
if [ -z "${REPORT_ONLY:-}" ]; then
    for name in $names; do
        cfg=configs/$name.yaml
        [ -f "$cfg" ] || { echo "reproduce: no $cfg" >&2; exit 2; }
        # configs that use two BLAS threads per run get the machine to themselves
        jobs=2
        grep -q 'threads: 2' "$cfg" && jobs=1
        echo "== $name ($(bin/runner check "$cfg" | head -n 1 | cut -d: -f2-), $jobs at a time)"
        # a diverged run is a result: exit status 1 only when a run failed
        bin/runner sweep "$cfg" --jobs "$jobs" --quiet || echo "reproduce: $name: some run failed"
    done
fi
/usr/bin/python3 scripts/report.py --out results/REPRODUCTION.md
