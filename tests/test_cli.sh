#!/bin/sh
# End-to-end tests of bin/runner: exit statuses, one-line errors, and a tiny
# train -> generate -> train --from round trip. Prints cmocka-style summary
# lines for scripts/run_tests.sh. Run from the repository root.
set -u
TEST=test_cli
. "$(dirname "$0")/lib.sh"

# expect STATUS PATTERN CMD...: exit status and a line of stderr+stdout
expect() {
    want=$1 pattern=$2
    shift 2
    out=$("$@" 2>&1)
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "'$*' exited $got, expected $want: $out"
    elif ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
        bad "'$*' printed '$out', expected '$pattern'"
    else
        ok
    fi
}

cat > "$T/tiny.yaml" <<YAML
name: tiny
seed: 1
dataset: {name: timemachine, max_tokens: 3000, valid_fraction: 0.1}
sampler: {batch_size: 8, num_steps: 10}
model: {cell: lstm, hidden: 24}
optimizer: {kind: adam, lr: 0.01}
clip: {max_norm: 1}
train: {epochs: 3}
generate: {prefixes: ["the "], length: 12}
output: {dir: $T/out}
YAML

expect 2 "usage: runner VERB" "$R"
expect 2 "unknown verb 'trian'" "$R" trian x.yaml
expect 2 "runner: $T/none.yaml: cannot open config: No such file or directory" \
    "$R" train "$T/none.yaml"
printf 'model:\n  hiden: 3\n' > "$T/typo.yaml"
expect 2 "runner: $T/typo.yaml:2:3: unknown key 'model.hiden' (did you mean 'model.hidden'?)" \
    "$R" train "$T/typo.yaml"
expect 2 "runner: command line 'train.epochs=many': train.epochs: expected an integer, got 'many'" \
    "$R" train "$T/tiny.yaml" train.epochs=many
expect 2 "runner: $T/missing.txt: cannot open data file: No such file or directory" \
    "$R" train "$T/tiny.yaml" dataset.name=text "dataset.path=$T/missing.txt"
expect 2 "sampler: a corpus of 2700 tokens yields no batch" \
    "$R" train "$T/tiny.yaml" sampler.batch_size=300
touch "$T/blocker"
expect 1 "cannot create results folder" "$R" train "$T/tiny.yaml" "output.dir=$T/blocker/x"

# a tiny run: --quiet prints only the result line
out=$("$R" train "$T/tiny.yaml" --quiet 2>&1)
status=$?
id=$(printf '%s\n' "$out" | sed -n 's/^run \([0-9a-f]\{12\}\) completed.*/\1/p')
if [ "$status" -ne 0 ] || [ -z "$id" ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
    bad "quiet train: status $status, output '$out'"
else
    ok
fi
[ -f "$T/out/runs/$id.h5" ] && [ ! -e "$T/out/runs/$id.h5.part" ] && ok ||
    bad "run file $T/out/runs/$id.h5 missing or still .part"
expect 0 "the " "$R" generate "$T/out" "$id" --prefix "the " --length 5
g1=$("$R" generate "$T/out" "$id" --prefix "the " --temperature 0.7 --seed 4)
g2=$("$R" generate "$T/out" "$id" --prefix "the " --temperature 0.7 --seed 4)
[ "$g1" = "$g2" ] && ok || bad "same seed, different text: '$g1' vs '$g2'"
expect 2 "generate: --prefix is required" "$R" generate "$T/out" "$id"
expect 2 "generate: no finished run '000000000000' in $T/out (runner ls $T/out lists them)" \
    "$R" generate "$T/out" 000000000000 --prefix a
# a run file's path, or a unique prefix of its id, will do; swapped
# arguments get a hint
g3=$("$R" generate "$T/out/runs/$id.h5" --prefix "the " --temperature 0.7 --seed 4)
g4=$("$R" generate "$T/out" "$(printf %.6s "$id")" --prefix "the " --temperature 0.7 --seed 4)
[ "$g3" = "$g1" ] && [ "$g4" = "$g1" ] && ok || bad "by path '$g3', by prefix '$g4', expected '$g1'"
expect 2 "generate: '$id' is not a results folder, '$T/out' is: give the folder first" \
    "$R" generate "$id" "$T/out" --prefix a
expect 2 "generate: --length needs a value" "$R" generate "$T/out" "$id" --prefix a --length
# --from names the same run (same resolved config, same id): it is done, so
# nothing is trained unless --force, which re-creates it
expect 0 "run $id already completed" "$R" train --from "$T/out/runs/$id.h5" --quiet
expect 0 "run $id completed" "$R" train --from "$T/out/runs/$id.h5" --quiet --force
# a failed re-train never replaces a result: with the data gone, --force
# (and --from the finished file) fail before touching anything
head -c 3000 data/timemachine.txt > "$T/corpus.txt"
"$R" train "$T/tiny.yaml" dataset.name=text "dataset.path=$T/corpus.txt" --quiet >/dev/null 2>&1
done_file=$(ls "$T"/out/runs/*.h5 | xargs ls -t | head -n 1)
before=$(md5sum "$done_file")
mv "$T/corpus.txt" "$T/corpus.moved"
expect 2 "$T/corpus.txt: cannot open data file: No such file or directory" \
    "$R" train "$T/tiny.yaml" dataset.name=text "dataset.path=$T/corpus.txt" --force
expect 2 "$T/corpus.txt: cannot open data file: No such file or directory" \
    "$R" train --from "$done_file" --force
[ "$(md5sum "$done_file")" = "$before" ] && [ -z "$(ls "$T/out/runs" | grep -E 'part|ckpt')" ] &&
    ! grep -q failed "$T"/out/runs/*.attempts &&
    ok || bad "a failed re-train touched $done_file: $(ls "$T/out/runs")"
# two trainings of one run: the second is refused while the first holds the
# run's claim, and nothing of the first is touched
"$R" train "$T/tiny.yaml" train.epochs=2000 --quiet >/dev/null 2>&1 &
first=$!
for _ in $(seq 1 500); do
    ls "$T"/out/runs/*.h5.part >/dev/null 2>&1 && break
    sleep 0.01
done
expect 1 "is being trained by another process (its claim" \
    "$R" train "$T/tiny.yaml" train.epochs=2000 --quiet
kill -TERM $first
wait $first
[ -n "$(ls "$T"/out/runs/*.h5.part 2>/dev/null)" ] && ok ||
    bad "the interrupted first training left no .part"
rm -f "$T"/out/runs/*.h5.part "$T"/out/runs/*.h5.ckpt
# divergence is a result, not a failure (d2l exercise 8.6.1, exaggerated)
expect 0 "diverged" "$R" train "$T/tiny.yaml" optimizer.kind=sgd optimizer.lr=10000 \
    clip.max_norm=none model.cell=rnn_relu --quiet

# ---- help, and mistakes on the command line ----
for verb in train sweep check data index ls generate; do
    for flag in --help -h; do
        out=$("$R" $verb $flag 2>/dev/null)
        status=$?
        if [ "$status" -eq 0 ] && printf '%s\n' "$out" | grep -q "^usage: runner $verb " &&
            printf '%s\n' "$out" | grep -q "^  -h, --help " &&
            [ "$(printf '%s\n' "$out" | grep -c '^  -')" -ge 1 ]; then ok; else
            bad "runner $verb $flag: exit $status: $out"; fi
    done
done
expect 0 "configs/README.md" "$R" --help
expect 2 "train: unknown option '--fast' (see 'runner train --help')" "$R" train "$T/tiny.yaml" --fast
expect 2 "sweep: --jobs needs a value (a count, e.g. --jobs 2)" "$R" sweep "$T/tiny.yaml" --jobs
expect 2 "sweep: --shard needs a value (I/N, e.g. --shard 0/4)" "$R" sweep "$T/tiny.yaml" --shard
expect 2 "check: unknown option '--jobs' (see 'runner check --help')" "$R" check "$T/tiny.yaml" --jobs 2
expect 2 "ls: --sort needs a column name, e.g. --sort valid_ppl" "$R" ls "$T/out" --sort
expect 2 "train: --from needs a run file" "$R" train --from
expect 2 "unknown key 'epochs' (did you mean 'train.epochs'?)" "$R" train "$T/tiny.yaml" epochs=5
expect 2 "ls: $T/nowhere: no such folder" "$R" ls "$T/nowhere"
expect 2 "index: $T/out/runs is a runs/ folder: give the results folder that holds it" \
    "$R" index "$T/out/runs"
expect 2 "index: $T/nowhere: no such folder" "$R" index "$T/nowhere"
expect 2 "ls: $T is not a results folder (no runs/ in it)" "$R" ls "$T"
expect 2 "$T: cannot open config: it is a folder, not a file" "$R" check "$T"
[ ! -e "$T/out/runs/index.h5" ] && [ ! -e "$T/nowhere" ] && ok ||
    bad "index wrote into a wrong folder"
# a sample after the last epoch even when generate.every does not divide it
"$R" train "$T/tiny.yaml" generate.every=2 --quiet >/dev/null 2>&1
last=$(ls -t "$T"/out/runs/*.h5 | head -n 1)
epochs=$(h5dump -a /samples/1/epoch "$last" 2>/dev/null | grep -o '(0): [0-9]*' | grep -o '[0-9]*$')
[ "$epochs" = 3 ] && ok || bad "the last sample of $last is from epoch '$epochs', expected 3"

# ---- sweeps ----
cat > "$T/sweep.yaml" <<YAML
name: sweep
dataset: {name: timemachine, max_tokens: 3000, valid_fraction: 0.1}
sampler: {batch_size: 8, num_steps: 10}
model: {cell: gru, hidden: 8}
train: {epochs: 150, eval_every: 50}
output: {dir: $T/sweep}
sweep:
  grid:
    model.hidden: [8, 12, 16]
    model.cell: [gru, rnn_tanh]
YAML
expect 2 "this config has a sweep: section; run it with 'runner sweep'" \
    "$R" train "$T/sweep.yaml"
expect 0 "6 run(s), all valid" "$R" check "$T/sweep.yaml"
# an override of a key the sweep varies would be replaced silently: refused
expect 2 "command line 'model.hidden=10': the sweep varies model.hidden (sweep.grid), whose values would replace this; override sweep.grid.model.hidden=[...] to change them" \
    "$R" sweep "$T/sweep.yaml" model.hidden=10
expect 2 "the sweep varies model.hidden (sweep.grid)" "$R" check "$T/sweep.yaml" "model={cell: lstm}"
expect 0 "2 run(s), all valid" "$R" check "$T/sweep.yaml" "sweep.grid.model.hidden=[10]"
# a Slurm array task is a worker over every run, whatever the array's shape
for task in "11 10 12" "3 1 3" "6 0 6"; do
    set -- $task
    listed=$(SLURM_ARRAY_TASK_ID=$1 SLURM_ARRAY_TASK_MIN=$2 SLURM_ARRAY_TASK_MAX=$3 \
             "$R" sweep "$T/sweep.yaml" --dry-run | awk 'NR > 1 {print $1}' | tr '\n' ' ')
    [ "$listed" = "0 1 2 3 4 5 " ] && ok || bad "Slurm task $1 listed '$listed', expected every run"
done
covered=$(for i in 0 1 2; do "$R" sweep "$T/sweep.yaml" --shard $i/3 --dry-run; done |
          awk '$1 ~ /^[0-9]+$/ {print $1}' | sort -n | tr '\n' ' ')
[ "$covered" = "0 1 2 3 4 5 " ] && ok || bad "shards 0-2 of 3 covered '$covered'"
expect 2 "sweep: --shard needs I/N with 0 <= I < N, got '3/3'" \
    "$R" sweep "$T/sweep.yaml" --shard 3/3

# SIGTERM after the first finished run; the second invocation trains only the
# rest (the interrupted one resumes), never a completed run again. The wait
# for that first run ends as soon as it is there; up to 60 s, since 8 s ran
# out on a loaded 2-core machine (CI beside other builds) before any run
# finished, failing the test with 0 runs.
"$R" sweep "$T/sweep.yaml" > "$T/first.log" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
    ls "$T"/sweep/runs/*.h5 >/dev/null 2>&1 && break
    sleep 0.02
done
kill -TERM $pid
wait $pid
first=$?
done1=$(ls "$T"/sweep/runs/*.h5 2>/dev/null | wc -l)
[ "$first" -eq 1 ] && [ "$done1" -ge 1 ] && [ "$done1" -lt 6 ] && ok ||
    bad "interrupted sweep: exit $first, $done1 finished run(s)"
"$R" sweep "$T/sweep.yaml" > "$T/second.log" 2>&1
second=$?
trained=$(grep -cE '^[0-9a-f]{12}  (completed|diverged) in' "$T/second.log")
[ "$second" -eq 0 ] && [ "$trained" -eq $((6 - done1)) ] && ok ||
    bad "restart: exit $second, trained $trained, expected $((6 - done1))"
[ "$(ls "$T"/sweep/runs/*.h5 | wc -l)" -eq 6 ] && [ -z "$(ls "$T"/sweep/runs | grep -E 'part|ckpt')" ] &&
    ok || bad "after the restart: $(ls "$T/sweep/runs")"
# the resumed run's attempts log keeps both attempts
resumed=$(sed -n 's/^\([0-9a-f]\{12\}\)  resuming after epoch.*/\1/p' "$T/second.log" | head -n 1)
if [ -z "$resumed" ] || [ "$(cut -f3 "$T/sweep/runs/$resumed.attempts" | tr '\n' ' ')" = "started interrupted started completed " ]; then
    ok; else bad "attempts of $resumed: $(cat "$T/sweep/runs/$resumed.attempts")"; fi

# two jobs at once leave a consistent index; a failing run does not stop
# the others (its data file is missing), and the sweep exits 1; bad data
# leaves no run file: the failures are in the sweep's summary only
cat > "$T/par.yaml" <<YAML
name: par
dataset: {name: timemachine, max_tokens: 3000}
sampler: {batch_size: 8, num_steps: 10}
model: {hidden: 8}
train: {epochs: 2}
output: {dir: $T/par}
sweep:
  grid:
    dataset: [{name: timemachine, max_tokens: 3000}, {name: text, path: $T/nothing.txt}]
    model.hidden: [4, 6, 8]
YAML
expect 1 "3 of 6 run(s) failed" "$R" sweep "$T/par.yaml" --jobs 2 --quiet
expect 1 "cannot open data file: No such file" "$R" sweep "$T/par.yaml" --jobs 2
links=$(h5dump -H "$T/par/index.h5" | grep -c EXTERNAL_LINK)
rows=$("$R" ls "$T/par" --csv | tail -n +2 | cut -d, -f3 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
[ "$links" -eq 3 ] && [ "$rows" = " 3 completed;" ] &&
    [ "$(ls "$T/par/runs" | grep -vcE '\.(lock|attempts)$')" -eq 3 ] &&
    [ "$(cat "$T"/par/runs/*.attempts | cut -f3 | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 3 completed; 3 started;" ] && ok ||
    bad "parallel sweep index: $links links, statuses '$rows', files $(ls "$T/par/runs")"
expect 2 "ls: unknown column 'valid'" "$R" ls "$T/par" --sort valid
expect 0 "index: 3 run(s)" "$R" index "$T/par"

# a run whose process dies (SIGKILL, as the OOM killer would) is recorded
# failed with its signal, the others go on; the next sweep retries it
cat > "$T/crash.yaml" <<YAML
name: crash
dataset: {name: timemachine, max_tokens: 3000}
sampler: {batch_size: 8, num_steps: 10}
model: {hidden: 8}
train: {epochs: 300}
output: {dir: $T/crash}
sweep:
  grid:
    seed: [1, 2, 3]
YAML
"$R" sweep "$T/crash.yaml" --quiet > "$T/crash.log" 2>&1 &
pid=$!
child=""
for _ in $(seq 1 200); do
    child=$(pgrep -P $pid | head -n 1)
    [ -n "$child" ] && break
    sleep 0.02
done
[ -n "$child" ] && kill -KILL "$child"
wait $pid
status=$?
summary=$("$R" ls "$T/crash" --csv | tail -n +2 | cut -d, -f3 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
if [ "$status" -eq 1 ] && [ "$summary" = " 2 completed; 1 failed;" ] &&
    "$R" ls "$T/crash" | grep -q "killed by signal 9"; then ok; else
    bad "killed run: exit $status, statuses '$summary'"; fi
expect 0 "3 of 3 run(s) in this shard completed" "$R" sweep "$T/crash.yaml" --quiet

# ls --group: one row per point over its seeds, the numbers recomputed here
# from the per-run table (sample standard deviation)
cat > "$T/seeds.yaml" <<YAML
dataset: {name: timemachine, max_tokens: 2000}
sampler: {batch_size: 8, num_steps: 10}
train: {epochs: 2, threads: 1}
generate: {prefixes: [], length: 0}
output: {dir: $T/seeds}
sweep:
  grid: {model.hidden: [8, 12]}
  repeat: 3
YAML
"$R" sweep "$T/seeds.yaml" --quiet > /dev/null 2>&1 || bad "the seeds sweep failed"
want=$("$R" ls "$T/seeds" --csv | tail -n +2 | awk -F, '
    { key = $12; gsub(/"/, "", key); sub(/ seed=[0-9]+$/, "", key); n[key]++; s[key] += $5; v[key, n[key]] = $5 }
    END {
        for (k in n) {
            m = s[k] / n[k]; q = 0
            for (i = 1; i <= n[k]; i++) q += (v[k, i] - m) ^ 2
            printf "%s %d %.6g %.6g\n", k, n[k], m, sqrt(q / (n[k] - 1))
        }
    }' | sort)
got=$("$R" ls "$T/seeds" --group --csv | tail -n +2 |
      awk -F, '{ printf "%s %d %.6g %.6g\n", $38, $3, $9, $10 }' | sort)
# the per-run table prints 6 digits: the sd recomputed from them may differ
# from the full-precision one in the last digit
printf '%s\n' "$want" > "$T/want.txt"
printf '%s\n' "$got" > "$T/got.txt"
if [ "$(printf '%s\n' "$got" | wc -l)" -eq 2 ] && paste -d' ' "$T/want.txt" "$T/got.txt" | awk '
    function near(a, b) { return (a - b) ^ 2 <= (2e-5 * (a > 0 ? a : -a)) ^ 2 }
    $1 != $5 || $2 != $6 || !near($3, $7) || !near($4, $8) { bad = 1 }
    END { exit bad || NR != 2 }'; then ok
else bad "ls --group: got '$got', computed '$want'"; fi
expect 0 "model.hidden=12" "$R" ls "$T/seeds" --group --sort valid_ppl
expect 2 "unknown column 'run_id'" "$R" ls "$T/seeds" --group --sort run_id

# ---- regression (d2l 8.1): a run file without /vocab, MSE columns, and
# generate printing the k-step-ahead predictions ----
cat > "$T/sine.yaml" <<YAML
seed: 0
dataset: {name: sine}
model: {head: regression, hidden: 10}
sampler: {batch_size: 16}
optimizer: {kind: adam, lr: 0.01}
train: {epochs: 3}
output: {dir: $T/sine}
YAML
out=$("$R" train "$T/sine.yaml" 2>&1)
sid=$(printf '%s\n' "$out" | sed -n 's/^run \([0-9a-f]\{12\}\) completed.*/\1/p')
if [ -n "$sid" ] && printf '%s\n' "$out" | grep -q "regression, tau 4, 600 training examples" &&
    printf '%s\n' "$out" | grep -q "epoch 3/3  train mse 0\.0[0-9]*  valid 0\.0" &&
    printf '%s\n' "$out" | grep -q "completed in .*train mse 0\.0.*, valid mse 0\.0"; then ok
else bad "regression train printed: $out"; fi
sfile="$T/sine/runs/$sid.h5"
layout=$(h5dump -H "$sfile" 2>/dev/null)
if ! printf '%s\n' "$layout" | grep -q 'DATASET "vocab"' &&
    printf '%s\n' "$layout" | grep -q 'DATASET "kstep_mse_64"' &&
    printf '%s\n' "$layout" | grep -q 'DATASET "weight_ih_l0"\|"rnn.weight_ih_l0"'; then ok
else bad "regression run file layout: $(printf '%s\n' "$layout" | grep DATASET)"; fi
# the CSV's valid_mse is the file's last valid_mse, and ls says MSE
csv_mse=$("$R" ls "$T/sine" --csv | tail -n 1 | awk -F, '{ print $15 }')
file_mse=$(h5dump -m '%.17g' -d /metrics/valid_mse "$sfile" |
           sed -n 's/^ *([0-9]*): \([0-9.e-]*\).*/\1/p' | tail -n 1)
awk -v a="$csv_mse" -v b="$file_mse" 'BEGIN { exit !(a > 0.03 && a < 0.1 && (a - b) ^ 2 < 1e-18) }' &&
    ok || bad "ls valid_mse '$csv_mse', file '$file_mse'"
expect 0 "train mse valid mse" "$R" ls "$T/sine"
# generate: a header, then t, x and the 1/4/16/64-step predictions of each
# of the 1000 steps (NaN before the first window); the first 1-step
# prediction is at t = 5 (tau 4)
pred=$("$R" generate "$T/sine" "$sid")
rows=$(printf '%s\n' "$pred" | grep -c '^[0-9]')
first=$(printf '%s\n' "$pred" | awk '$1 ~ /^[0-9]+$/ && $3 != "nan" { print $1; exit }')
valid=$(printf '%s\n' "$pred" | sed -n 's/^# mse over validation.* k=1 \([0-9.]*\) .*/\1/p')
if [ "$rows" -eq 1000 ] && [ "$first" = 5 ] &&
    awk -v a="$valid" -v b="$file_mse" 'BEGIN { exit !((a - b) ^ 2 < 1e-12) }'; then ok
else bad "generate on a regression run: $rows rows, first prediction at '$first', valid '$valid' vs '$file_mse'"; fi
expect 2 "is a regression run: it takes no --prefix" "$R" generate "$T/sine" "$sid" --prefix a
expect 2 "model.head: regression needs a numeric series (dataset.name: sine)" \
    "$R" check "$T/tiny.yaml" model.head=regression model.input=onehot
expect 2 "dataset.tokens: applies to text datasets (timemachine, jaychou, ptb, text) only" \
    "$R" check "$T/sine.yaml" dataset.tokens=char
expect 2 "generate.prefixes: applies to head: lm (language models) only" \
    "$R" check "$T/sine.yaml" "generate.prefixes=[a]"
expect 0 "diverged" "$R" train "$T/sine.yaml" train.max_mse=0.001 --quiet
# --group averages a regression point's MSEs over its seeds
cat > "$T/sine_seeds.yaml" <<YAML
dataset: {name: sine, length: 300, n_train: 150}
model: {head: regression, hidden: 8}
sampler: {batch_size: 16}
optimizer: {kind: adam, lr: 0.01}
train: {epochs: 2, threads: 1}
output: {dir: $T/sine_seeds}
sweep: {repeat: 2}
YAML
"$R" sweep "$T/sine_seeds.yaml" --quiet > /dev/null 2>&1 || bad "the regression seeds sweep failed"
want=$("$R" ls "$T/sine_seeds" --csv | awk -F, 'NR > 1 { s += $14; n++ } END { printf "%d %.6g", n, s / n }')
got=$("$R" ls "$T/sine_seeds" --group --csv | awk -F, 'NR == 2 { printf "%d %.6g", $28, $29 }')
if [ -n "$got" ] && echo "$want $got" | awk '$1 != $3 || ($2 - $4) ^ 2 > (2e-5 * $2) ^ 2 { exit 1 }' &&
    "$R" ls "$T/sine_seeds" --group | grep -q "train mse (mean"; then ok
else bad "ls --group on regression runs: got '$got', computed '$want'"; fi
# early stopping judges regression runs by their MSE, and only by it
cat > "$T/sine_asha.yaml" <<YAML
dataset: {name: sine}
model: {head: regression, hidden: 8}
sampler: {batch_size: 16}
optimizer: {kind: adam}
train: {epochs: 4, threads: 1}
output: {dir: $T/sine_asha}
sweep:
  grid: {optimizer.lr: [0.01, 0.0001, 0.00001]}
  early_stop: {metric: valid_mse, min_epochs: 2, reduction: 3}
YAML
expect 0 "3 of 3 run(s) in this shard completed, diverged or stopped" \
    "$R" sweep "$T/sine_asha.yaml" --quiet
[ "$("$R" ls "$T/sine_asha" --csv | grep -c ',stopped,')" -eq 2 ] && ok ||
    bad "regression early stopping: $("$R" ls "$T/sine_asha")"
expect 2 "sweep.early_stop.metric: valid_ppl is measured by language-model runs only, and run 0 is a regression (use valid_mse or train_mse)" \
    "$R" check "$T/sine_asha.yaml" sweep.early_stop.metric=valid_ppl
expect 2 "sweep.early_stop.metric: train_mse is measured by regression runs only, and run 0 is a language model (use valid_ppl or train_ppl)" \
    "$R" check "$T/seeds.yaml" "sweep.early_stop={metric: train_mse, min_epochs: 1, reduction: 2}"

summary
