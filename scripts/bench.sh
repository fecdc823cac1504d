#!/bin/bash
# make bench: whole training steps (forward, backward, clip, optimizer step)
# of each bench config, ours (tests/bench_train) and, when Debian's
# python3-torch is installed, PyTorch's (scripts/bench_torch.py) in the same
# invocation, alternating, at 1 and 2 threads; plus the machine's sgemm rate
# and each config's FLOPs per token. Each figure is the best of ROUNDS runs
# (this machine's speed drifts: compare only figures from one invocation).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-2}
ours() { OPENBLAS_NUM_THREADS=$2 "$BUILD/tests/bench_train" "$1" "train.threads=$2" --batches "$3"; }
torch() { OMP_NUM_THREADS=$2 OPENBLAS_NUM_THREADS=$2 /usr/bin/python3 scripts/bench_torch.py "$1" --threads "$2" --batches "$3"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
best() { printf '%s\n' "$@" | sort -g | tail -n 1; }
have_torch=0
/usr/bin/python3 -c 'import torch, yaml' 2>/dev/null && have_torch=1

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
echo "bench: $(date -u +%Y-%m-%d), $cpu, $(nproc) cores, OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread 2>/dev/null || echo '?')"
g1=$(best $(for r in $(seq "$ROUNDS"); do OPENBLAS_NUM_THREADS=1 "$BUILD/tests/bench_gemm" 1 | field gflops; done))
g2=$(best $(for r in $(seq "$ROUNDS"); do OPENBLAS_NUM_THREADS=2 "$BUILD/tests/bench_gemm" 2 | field gflops; done))
echo "sgemm 2048^3: $g1 GFLOP/s on 1 thread, $g2 GFLOP/s on 2"
[ $have_torch = 1 ] || echo "(PyTorch not installed for /usr/bin/python3: ours only)"
printf '\n%-16s %3s %12s %12s %7s %10s %9s\n' config thr "ours tok/s" "torch tok/s" ratio "MFLOP/tok" "% sgemm"

declare -A BATCHES=([a_rnn256]=300 [b_rnn512]=150 [b_lstm256]=150 [b_gru256]=150
                    [c_jaychou_adam]=150 [d_ptb_lstm]=25 [e_gluon_relu]=300)
for name in a_rnn256 b_rnn512 b_lstm256 b_gru256 c_jaychou_adam d_ptb_lstm e_gluon_relu; do
    cfg=configs/bench/$name.yaml
    n=${BATCHES[$name]}
    best_ours=0 best_torch=0
    for t in 1 2; do
        o=() p=() fpt=0
        for r in $(seq "$ROUNDS"); do
            line=$(ours "$cfg" $t "$n")
            o+=("$(echo "$line" | field tokens_per_s)")
            fpt=$(echo "$line" | field flops_per_token)
            [ $have_torch = 1 ] && p+=("$(torch "$cfg" $t "$n" | field tokens_per_s)")
        done
        bo=$(best "${o[@]}")
        bp=$([ $have_torch = 1 ] && best "${p[@]}" || echo 0)
        ceiling=$([ $t = 1 ] && echo "$g1" || echo "$g2")
        ratio=$(awk -v a="$bo" -v b="$bp" 'BEGIN { print ((b > 0) ? sprintf("%.2fx", a / b) : "-") }')
        frac=$(awk -v a="$bo" -v f="$fpt" -v c="$ceiling" 'BEGIN { printf "%.0f%%", 100 * a * f / (c * 1e9) }')
        printf '%-16s %3s %12.0f %12.0f %7s %10.2f %9s\n' "$name" $t "$bo" "$bp" "$ratio" \
            "$(awk -v f="$fpt" 'BEGIN { print f / 1e6 }')" "$frac"
        best_ours=$(best "$best_ours" "$bo")
        best_torch=$(best "$best_torch" "$bp")
    done
    awk -v n="$name" -v a="$best_ours" -v b="$best_torch" 'BEGIN {
        printf("%-16s %3s %12.0f %12.0f %7s\n", n, "best", a, b,
               (b > 0) ? sprintf("%.2fx", a / b) : "-") }'
done
