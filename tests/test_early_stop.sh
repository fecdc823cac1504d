#!/bin/bash
# sweep.early_stop end to end: ASHA's rule (asha.h) recomputed here from the
# metrics the runs published. One worker: the arrival order is the sweep
# order, so the test knows exactly which runs stop at which rung. Two
# workers on one folder: every decision follows the rule over the runs it
# saw, and the runs seen are consistent with one arrival order. Stopped runs
# carry status, rung and evidence, and a later sweep never resumes them.
# kill -9 at random points (FAULT_SEED replays) changes no decision.
# Prints cmocka-style summary lines.
set -u
TEST=test_early_stop
. "$(dirname "$0")/lib.sh"

cat > "$T/asha.yaml" <<YAML
name: asha
seed: 1
dataset: {name: timemachine, max_tokens: 3000, valid_fraction: 0.1}
model: {cell: gru, hidden: 16}
sampler: {batch_size: 8, num_steps: 10}
train: {epochs: 4, threads: 1}
generate: {prefixes: [], length: 0}
sweep:
  sample:
    count: 10
    space:
      optimizer.lr: {loguniform: [0.05, 4]}
  early_stop: {metric: valid_ppl, min_epochs: 1, reduction: 2}
YAML

# "index id" of every run, in sweep order
plan() { "$R" check "$T/asha.yaml" "output.dir=$1" | awk 'NR > 2 {print $1, $2}'; }
field() { sed -n "s/^$2 //p" "$1"; }

# Checks every decision file of folder $1 against the rule over the ids it
# saw; with $2 = sequential, also that it saw exactly the runs before it in
# sweep order.
check_rule() {
    local dir=$1 mode=$2 k f id n rank thr dec seen
    plan "$dir" > "$T/plan"
    for k in 0 1; do
        [ -d "$dir/rungs/$k" ] || { bad "no rung $k folder in $dir"; continue; }
        local before=""
        while read -r idx id; do
            f=$dir/rungs/$k/$id
            [ -f "$f" ] || continue
            before="$before $id"
            seen=$(field "$f" seen)
            n=$(field "$f" n) rank=$(field "$f" rank) thr=$(field "$f" threshold)
            dec=$(field "$f" decision)
            # the rule, from the values of the runs seen
            want=$(for s in $seen; do echo "$s $(field "$dir/rungs/$k/$s" value)"; done |
                   awk -v self="$id" '
                       { id[NR] = $1; v[NR] = $2 + 0; if ($1 == self) me = NR }
                       END {
                           r = 1
                           for (i = 1; i <= NR; i++)
                               if (i != me && (v[i] < v[me] || (v[i] == v[me] && id[i] < id[me])))
                                   r++
                           t = int(NR / 2); if (t < 1) t = 1
                           printf "%d %d %d %s", NR, r, t, (r > t ? "stop" : "continue")
                       }')
            if [ "$want" = "$n $rank $thr $dec" ]; then ok; else
                bad "$dir rung $k run $id: recorded '$n $rank $thr $dec', the rule gives '$want'"; fi
            if [ "$mode" = sequential ]; then
                got=$(printf '%s\n' $seen | sort | tr '\n' ' ')
                exp=$(printf '%s\n' $before | sort | tr '\n' ' ')
                [ "$got" = "$exp" ] && ok || bad "run $id at rung $k saw '$got', not the runs before it '$exp'"
            fi
        done < "$T/plan"
    done
}

# Every stopped run: status stopped, as many epochs as its rung, the
# evidence in its detail; every other run completed or diverged.
check_status() {
    local dir=$1 id status epochs detail k stops=0
    "$R" ls "$dir" --csv | tail -n +2 > "$T/ls"
    [ "$(wc -l < "$T/ls")" -eq 10 ] && ok || bad "$dir: expected 10 runs, got $(wc -l < "$T/ls")"
    while IFS=, read -r _ id status epochs _ _ _ _ _ _ _ _ detail; do
        k=""
        for r in 0 1; do
            [ "$(field "$dir/rungs/$r/$id" decision 2>/dev/null)" = stop ] && k=$r
        done
        if [ -n "$k" ]; then
            stops=$((stops + 1))
            want_epochs=$((1 << k))
            if [ "$status" = stopped ] && [ "$epochs" = "$want_epochs" ] &&
               printf '%s' "$detail" | grep -q "rung $k (epoch $want_epochs)"; then ok; else
                bad "run $id stopped at rung $k but lists '$status' after $epochs epochs: $detail"; fi
        elif [ "$status" = completed ] || [ "$status" = diverged ]; then ok
        else bad "run $id was never stopped but lists '$status'"; fi
    done < "$T/ls"
    [ "$stops" -ge 3 ] && ok || bad "$dir: only $stops run(s) stopped: the test sweep does not exercise the rule"
}

out=$("$R" check "$T/asha.yaml" | head -n 1)
case $out in *"10 run(s), all valid; early stopping: valid_ppl at epochs 1, 2, the best 1/2 go on") ok ;;
*) bad "runner check: '$out'" ;; esac

# one worker
"$R" sweep "$T/asha.yaml" output.dir="$T/one" --quiet > "$T/one.out" 2>&1 ||
    bad "the sweep failed: $(tail -3 "$T/one.out")"
check_rule "$T/one" sequential
check_status "$T/one"
[ -n "$(ls "$T"/one/rungs/1/ 2>/dev/null)" ] && ok || bad "no run reached rung 1"

# a later sweep resumes nothing: stopped is a result
sums=$(sha256sum "$T"/one/runs/*.h5)
out=$("$R" sweep "$T/asha.yaml" output.dir="$T/one" 2>&1)
printf '%s\n' "$out" | grep -q "10 done already, 0 to run" && ok || bad "a second sweep: $out"
[ "$(sha256sum "$T"/one/runs/*.h5)" = "$sums" ] && ok || bad "a second sweep changed run files"

# kill -9 of the whole sweep at random points, then run to the end: with one
# worker the arrival order is still the sweep order, so every decision and
# every number equals the uninterrupted sweep's (FAULT_SEED replays)
seed=${FAULT_SEED:-$$}
RANDOM=$seed
echo "test_early_stop: kill seed $seed (FAULT_SEED=$seed replays)"
for _ in 1 2 3 4; do
    setsid "$R" sweep "$T/asha.yaml" output.dir="$T/killed" --quiet > /dev/null 2>&1 &
    pid=$!
    sleep "$(printf "0.%02d" $((RANDOM % 13 + 2)))"
    kill -KILL -- -"$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
echo "test_early_stop: $(ls "$T"/killed/runs/*.h5 2>/dev/null | wc -l) of 10 runs finished before the last kill"
"$R" sweep "$T/asha.yaml" output.dir="$T/killed" --quiet > /dev/null 2>&1 || bad "the sweep after the kills failed"
# index, id, status, epochs and the perplexities (not the timings)
table() { "$R" ls "$1" --csv | cut -d, -f1-9,13; }
[ "$(table "$T/killed")" = "$(table "$T/one")" ] && ok ||
    bad "after kills (seed $seed) the table differs: $(diff <(table "$T/one") <(table "$T/killed") | head -5)"
for f in "$T"/one/rungs/*/????????????; do
    g=$T/killed/rungs/${f#"$T"/one/rungs/}
    if [ -f "$g" ] && [ "$(grep -v '^seen' "$f")" = "$(grep -v '^seen' "$g")" ]; then ok
    else bad "after kills (seed $seed) rung file ${f#"$T"/one/} differs"; fi
done

# two workers draining one folder at once
"$R" sweep "$T/asha.yaml" output.dir="$T/two" --quiet > "$T/w1.out" 2>&1 &
p1=$!
"$R" sweep "$T/asha.yaml" output.dir="$T/two" --quiet > "$T/w2.out" 2>&1 &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] && ok || bad "workers exited $s1 and $s2"
check_rule "$T/two" any
check_status "$T/two"
# one arrival order explains every rung: of two runs, one saw the other
for k in 0 1; do
    for a in "$T"/two/rungs/$k/????????????; do
        for b in "$T"/two/rungs/$k/????????????; do
            [ "$a" \< "$b" ] || continue
            ia=$(basename "$a") ib=$(basename "$b")
            if field "$a" seen | grep -qw "$ib" || field "$b" seen | grep -qw "$ia"; then ok
            else bad "rung $k: $ia and $ib each decided without seeing the other"; fi
        done
    done
done
summary
