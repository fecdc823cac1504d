#!/bin/sh
# Runs the fuzz harnesses built in $1 (make fuzz): first every kept
# regression input (tests/fuzz/regress/NAME/), then a fixed number of
# executions (FUZZ_RUNS, or about a minute's worth each) from FUZZ_SEED, starting from the seed corpus (tests/fuzz/corpus/NAME/:
# the configs and small data files). A crash leaves crash-* in
# build/fuzz/artifacts/ and fails; keep such an input under regress/ once
# fixed. Prints each harness's executions and a summary line.
set -eu
dir=$1
# about a minute each here: the config reader runs ~7x faster than the loaders
config_runs=${FUZZ_RUNS:-400000}
sweep_runs=${FUZZ_RUNS:-40000}
dataset_runs=${FUZZ_RUNS:-80000}
seed=${FUZZ_SEED:-1}
art="$dir/artifacts"
mkdir -p "$art"
passed=0
for name in config sweep dataset; do
    bin="$dir/fuzz_$name"
    regress="tests/fuzz/regress/$name"
    if [ -d "$regress" ] && [ -n "$(ls "$regress")" ]; then
        "$bin" -runs=1 "$regress"/* >"$art/$name-regress.log" 2>&1 ||
            { cat "$art/$name-regress.log"; echo "fuzz: $name: a regression input fails"; exit 1; }
        echo "fuzz: $name: $(ls "$regress" | wc -l) regression input(s) pass"
    fi
    work="$dir/corpus-$name"
    rm -rf "$work"
    mkdir -p "$work"
    cp tests/fuzz/corpus/"$name"/* "$work"/
    start=$(date +%s)
    eval "runs=\$${name}_runs"
    "$bin" -seed="$seed" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$art/$name-" "$work" >"$art/$name.log" 2>&1 ||
        { tail -n 40 "$art/$name.log"; echo "fuzz: $name: FAILED (input in $art/)"; exit 1; }
    execs=$(grep -o 'Done [0-9]* runs' "$art/$name.log" | grep -o '[0-9]*')
    echo "fuzz: $name: ${execs:-?} executions from seed $seed in $(($(date +%s) - start)) s, no crash"
    passed=$((passed + 1))
done
echo "fuzz: $passed passed, 0 failed"
