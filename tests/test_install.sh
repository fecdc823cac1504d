#!/bin/bash
# make install PREFIX=... DESTDIR=...: the installed runner finds its data
# beside itself (share/rnnlab/data), not in the build tree, and trains and
# sweeps from the installed configs. Prints cmocka-style summary lines.
set -u
top=$(pwd)
TEST=test_install
. "$(dirname "$0")/lib.sh"
if ! make --no-print-directory -C "$top" install PREFIX=/opt/rnnlab DESTDIR="$T/stage" \
        >"$T/install.log" 2>&1; then
    bad "make install failed: $(tail -n 5 "$T/install.log")"
else
    ok
fi
root=$T/stage/opt/rnnlab
run=$root/bin/runner
share=$root/share/rnnlab
for f in "$run" "$share/data/timemachine.txt" "$share/data/SHA256SUMS" \
         "$share/configs/timemachine_rnn.yaml" "$share/configs/README.md" \
         "$share/scripts/plot.py" "$share/scripts/slurm/sweep.sbatch"; do
    [ -e "$f" ] || bad "not installed: ${f#$T/stage}"
done
cd "$T" || exit 1
# the data it reads is the installed copy
out=$(env -u RNNLAB_DATA "$run" data "$share/configs/timemachine_rnn.yaml" 2>&1)
printf '%s\n' "$out" | grep -q "from $root/bin/../share/rnnlab/data/timemachine.txt" && ok ||
    bad "the installed runner reads its data elsewhere: $(printf '%s\n' "$out" | head -n 1)"
# and it trains from the installed configs
out=$(env -u RNNLAB_DATA "$run" train "$share/configs/timemachine_rnn.yaml" train.epochs=2 \
      "output.dir=$T/results" --quiet 2>&1)
[ $? -eq 0 ] && printf '%s\n' "$out" | grep -q "^run [0-9a-f]\{12\} completed" && ok ||
    bad "training with the installed runner: $out"
# RNNLAB_DATA still wins
mkdir -p "$T/elsewhere"
cp "$share"/data/* "$T/elsewhere/"
RNNLAB_DATA=$T/elsewhere "$run" data "$share/configs/timemachine_rnn.yaml" 2>&1 |
    grep -q "from $T/elsewhere/timemachine.txt" && ok || bad "RNNLAB_DATA is not honoured"
summary
