#!/bin/bash
# scripts/report.py reads only the runs of each experiment's own config (the
# run ids `runner check` lists), never other runs a user left in the same
# results folder; scripts/plot.py draws a folder's curves. Needs Debian's
# python3-h5py and python3-matplotlib: skipped with a message without them,
# a failure under CI=true. Prints cmocka-style summary lines.
set -u
top=$(pwd)
TEST=test_report
. "$(dirname "$0")/lib.sh"
finish() { summary; exit; }
if ! /usr/bin/python3 -c 'import h5py, matplotlib' 2>/dev/null; then
    if [ "${CI:-}" = true ]; then bad "python3-h5py/python3-matplotlib missing under CI"
    else echo "test_report: SKIPPED: needs Debian's python3-h5py and python3-matplotlib"; fi
    finish
fi
mkdir -p "$T/w/bin" "$T/w/configs"
cp -r "$top/scripts" "$T/w/"
cp "$top"/configs/*.yaml "$T/w/configs/"
cp "$top/$R" "$T/w/bin/runner" 2>/dev/null || cp "$R" "$T/w/bin/runner"
cd "$T/w" || exit 1
sed -i -E 's/(^|[{ ,])epochs: [0-9]+/\1epochs: 3/' configs/timemachine_rnn.yaml
bin/runner sweep configs/timemachine_rnn.yaml --quiet >/dev/null 2>&1 || bad "the sweep failed"
# a stray run a user made by hand in the experiment's folder
bin/runner train configs/timemachine_rnn.yaml model.cell=gru train.epochs=1 --quiet >/dev/null 2>&1
[ "$(ls results/timemachine_rnn/runs/*.h5 | wc -l)" -eq 2 ] || bad "expected two run files"
/usr/bin/python3 scripts/report.py --out "$T/report.md" >/dev/null 2>&1 || bad "report.py failed"
row=$(grep '^| concise RNN 256 ' "$T/report.md")
ours=$(printf '%s\n' "$row" | cut -d'|' -f5 | tr -d ' ')
want=$(bin/runner ls results/timemachine_rnn --csv |
       awk -F, -v id="$(bin/runner check configs/timemachine_rnn.yaml | awk 'NR == 3 {print $2}')" \
           '$2 == id { printf "%.3g", $5 }')
if [ -n "$ours" ] && [ "$ours" = "$want" ] && ! printf '%s\n' "$row" | grep -q seeds; then ok; else
    bad "the report's row '$row' is not the config's one run ($want)"; fi
grep -q '^1 run(s)' <(sed -n '/^## 3. Time Machine, concise/,/^## /p' "$T/report.md") && ok ||
    bad "the report counts the stray run: $(sed -n '/^## 3. Time Machine, concise/,/^| setting/p' "$T/report.md")"
out=$(/usr/bin/python3 scripts/plot.py results/timemachine_rnn --out "$T/p.png" 2>&1)
[ -s "$T/p.png" ] && printf '%s\n' "$out" | grep -q "2 run(s)" && ok || bad "plot.py: $out"
finish
