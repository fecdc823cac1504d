#!/bin/bash
# The ablation table of README "Benchmarks": each optimisation is one commit,
# so its effect is the speed of tests/bench_train built at that commit
# against the one before. Builds bench_train at every commit listed (git
# worktrees under build/ablation/), then runs the (b) LSTM and (d) bench
# configs at 1 and 2 threads, every commit in turn within a round (the
# machine's speed drifts), and prints each figure as the median of ROUNDS
# rounds with its change against the previous commit.
#   scripts/ablation.sh [COMMIT:LABEL ...]   (default: the list below)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
STEPS=(
    "8934509:before (OpenBLAS for every product, serial update)"
    "b675e2b:BLIS for products of <= 16 rows"
    "c34453d:update on the pool, clipping folded into the step"
    "b79d46e:model_forward takes the state (no copies; not a speed change)"
    "0e7d23a:stepgemm: W_hh packed once a sequence, our AVX2 kernel"
    "3b41faa:stepgemm prefetches its output rows"
    "d0a2df2:stepgemm only where it beat every library (BLIS the rest)"
    "53e63de:BLIS out (it allocates in steps): OpenBLAS the rest"
    "7e75bcd:stepgemm for LSTM and GRU 256's backward products too"
    "25a16e7:gradients zeroed as the update uses them"
    "1364316:the pool spins before it sleeps"
    "9b9e496:stepgemm for PTB's LSTM 200 backward product"
    "9884849:one-hot gate inputs gathered step by step"
    "0846c8f:plain SGD updates only the touched table rows"
    "60d2929:stepgemm stores its tiles straight into C"
    "562c236:decoder bias gradient summed in the loss pass"
    "a9a7a83:sparse update split between threads by visited elements"
    "4f38505:stepgemm packs in 8x8 transposes and whole panel rows"
    "d129715:threads share the backward's weight-gradient tasks"
    "f3854fe:stepgemm's AVX-512 tiles"
    "e5b8d0d:libxsmm for the backward per-step products"
    "fac4a42:tngemm for the weight gradients' products"
    "50207c6:RNN and LSTM bias gradients in one pass"
    "bbdc31a:decoder vocabulary-major, its products through bcastgemm"
    "5d54ad0:stepgemm AVX-512 tiles over two panels, RNN 512 and LSTM 256 backward"
    "3d8b8c3:SGD loops vectorised (momentum tested once)"
    "41925fd:bcastgemm reads B's panels packed, h packed once per layer"
    "4b97701:dense input's X W_ih^T and dX through bcastgemm"
    "d05ae02:W_hh packed 2-3x faster (8-row copies, 16x16 transposes)"
    "ad3f78d:decoder A B products to libxsmm (small V; (e)'s forward)"
    "a89d89a:small V's logits as x W^T through libxsmm (x read as it lies)"
    "a9373f6:(e)'s RNN 100 per-step products off OpenBLAS (AVX-512)"
    "bdbc69c:exp and tanh polynomials in fmaf steps"
    "cd5a041:one-hot gate inputs start stepgemm's sums"
    "3de5ed9:gradients and workspace mapped at creation"
    "b0c9ba1:GRU gate pass reads the one-hot rows; one bias pass"
    "58fa17c:bcastgemm 8-row tiles on narrow panels; long K's B in place"
    "75e00fc:decoder dW stored where known zero"
    "708d99b:softmax maxima taken by the logits' tiles"
)
[ $# -gt 0 ] && STEPS=("$@")
CONFIGS=(b_lstm256 d_ptb_lstm)
declare -A BATCHES=([b_lstm256]=100 [d_ptb_lstm]=16)

# two of the commits link BLIS (libblis-serial-dev, which --bench installs)
scripts/install_deps.sh
scripts/install_deps.sh --bench

bins=()
for s in "${STEPS[@]}"; do
    commit=${s%%:*}
    dir=build/ablation/$commit
    if [ ! -x "$dir/build/tests/bench_train" ]; then
        echo "ablation: building bench_train at $commit" >&2
        rm -rf "$dir"
        git worktree prune
        git worktree add -q --detach "$dir" "$commit"
        make -s -C "$dir" build/tests/bench_train >&2
    fi
    bins+=("$dir/build/tests/bench_train")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "ablation: $(date -u +%Y-%m-%d), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores; tokens/s, median of $ROUNDS rounds"
printf '\n| change | commit |'
for c in "${CONFIGS[@]}"; do printf ' %s 1 thr | %s 2 thr |' "$c" "$c"; done
printf '\n|---|---|'
for c in "${CONFIGS[@]}"; do printf -- '---|---|'; done
printf '\n'
declare -A runs
for r in $(seq "$ROUNDS"); do
    for c in "${CONFIGS[@]}"; do
        for t in 1 2; do
            for i in "${!bins[@]}"; do
                v=$(OPENBLAS_NUM_THREADS=1 "${bins[$i]}" "configs/bench/$c.yaml" \
                    "train.threads=$t" --batches "${BATCHES[$c]}" |
                    sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p')
                runs[$i,$c,$t]="${runs[$i,$c,$t]:-} $v"
            done
        done
    done
done
declare -A prev
for i in "${!bins[@]}"; do
    s=${STEPS[$i]}
    printf '| %s | %s |' "${s#*:}" "${s%%:*}"
    for c in "${CONFIGS[@]}"; do
        for t in 1 2; do
            m=$(median ${runs[$i,$c,$t]})
            if [ -n "${prev[$c,$t]:-}" ]; then
                printf ' %s (%s) |' "$m" "$(awk -v a="$m" -v b="${prev[$c,$t]}" \
                    'BEGIN { printf "%+.0f%%", 100 * (a / b - 1) }')"
            else
                printf ' %s |' "$m"
            fi
            prev[$c,$t]=$m
        done
    done
    printf '\n'
done
