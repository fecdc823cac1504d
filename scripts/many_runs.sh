#!/bin/sh
# Times `runner index` and `runner ls` over a results folder of N run files
# (default 10000): one tiny run is trained, then hard-linked N times under
# distinct run ids (--copy: real copies, for a cold cache). Prints the two
# times. Usage: scripts/many_runs.sh [N] [--copy]
set -eu
n=${1:-10000}
mode=${2:-}
R=${RUNNER:-bin/runner}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/one.yaml" <<YAML
name: one
dataset: {name: timemachine, max_tokens: 2000}
sampler: {batch_size: 8, num_steps: 10}
model: {hidden: 8}
train: {epochs: 10}
output: {dir: $T/src}
YAML
"$R" train "$T/one.yaml" --quiet >/dev/null
src=$(ls "$T"/src/runs/*.h5)
mkdir -p "$T/many/runs"
i=0
while [ "$i" -lt "$n" ]; do
    dst="$T/many/runs/$(printf '%012x' "$i").h5"
    if [ "$mode" = --copy ]; then cp "$src" "$dst"; else ln "$src" "$dst"; fi
    i=$((i + 1))
done
sync
start=$(date +%s.%N)
"$R" index "$T/many" >/dev/null
mid=$(date +%s.%N)
"$R" ls "$T/many" >/dev/null
end=$(date +%s.%N)
awk -v n="$n" -v a="$start" -v b="$mid" -v c="$end" -v s="$(stat -c %s "$T/many/index.h5")" \
    'BEGIN { printf "%d run files: runner index %.1f s (index.h5 %.1f MB), runner ls %.1f s\n", n, b - a, s / 1e6, c - b }'
