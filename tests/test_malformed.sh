#!/bin/bash
# Malformed input by the dozen: every bad config, override and data file gets
# exactly one line on stderr, naming the file, line and key where they
# apply, and exit status 2; nothing is written to the results folder. Also
# the inputs that used to crash or hang (deep nesting, an overflowing grid,
# a FIFO, a folder) and the ones that used to be accepted silently.
# Prints cmocka-style summary lines for scripts/run_tests.sh.
set -u
TEST=test_malformed
. "$(dirname "$0")/lib.sh"
cases=0

# A config body in $T/c.yaml (the common header first, so only the case's
# lines are its own; they start at line 3).
body() {
    printf 'name: m\noutput: {dir: %s/out}\n' "$T" > "$T/c.yaml"
    cat >> "$T/c.yaml"
}

# want STATUS 'exact stderr' CMD...: the whole of stderr is that one line,
# nothing on stdout, and no results folder appeared.
want() {
    local status=$1 line=$2
    shift 2
    cases=$((cases + 1))
    rm -rf "$T/out"
    local got out err
    out=$("$@" 2>"$T/err")
    got=$?
    err=$(cat "$T/err")
    if [ "$got" -ne "$status" ]; then
        bad "case $cases: '$*' exited $got, expected $status and '$line': $err"
    elif [ "$err" != "$line" ]; then
        bad "case $cases: '$*' printed '$err', expected '$line'"
    elif [ -n "$out" ]; then
        bad "case $cases: '$*' printed on stdout: $out"
    elif [ -e "$T/out" ]; then
        bad "case $cases: '$*' left $(ls -R "$T/out")"
    else
        ok
    fi
}
C=$T/c.yaml
E="runner: $C"

# ---- YAML itself -----------------------------------------------------------
printf 'model: {cell: lstm\n' | body
want 2 "$E:4:1: malformed YAML: did not find expected ',' or '}' while parsing a flow mapping" "$R" check "$C"
printf 'model:\n\thidden: 3\n' | body
want 2 "$E:4:1: malformed YAML: found character that cannot start any token while scanning for the next token" "$R" check "$C"
printf 'seed: 1\nseed: 2\n' | body
want 2 "$E:4:1: duplicate key 'seed' (first at line 3)" "$R" check "$C"
printf 'model: {[a]: 1}\n' | body
want 2 "$E:3:9: mapping keys must be plain scalars" "$R" check "$C"
printf 'seed: &s 1\n' | body
want 2 "$E:3:7: YAML anchors (&name) are not supported in configs" "$R" check "$C"
printf 'seed: *s\n' | body
want 2 "$E:3:7: YAML aliases (*name) are not supported in configs" "$R" check "$C"
printf 'seed: 1\n---\nseed: 2\n' | body
want 2 "$E:5:1: a config holds one YAML document, found a second" "$R" check "$C"
printf -- '- a\n- b\n' > "$C"
want 2 "$E:1:1: a config must be a mapping of sections" "$R" check "$C"
printf 'seed: 1\nname: caf\xc3\xa9\nmodel: {cell: \xff}\n' > "$C"
want 2 "$E:3:15: malformed YAML: invalid leading UTF-8 octet (byte 0xff at offset 34)" "$R" check "$C"
: > "$C"
want 2 "$E: the config is empty: it sets no key (an empty file would train every default; write at least the dataset or model you mean)" "$R" check "$C"
printf '# nothing but a comment\n\n' > "$C"
want 2 "$E: the config is empty: it sets no key (an empty file would train every default; write at least the dataset or model you mean)" "$R" train "$C"
printf '{}\n' > "$C"
want 2 "$E: the config is empty: it sets no key (an empty file would train every default; write at least the dataset or model you mean)" "$R" check "$C"
# nested 20,000 deep (a stack overflow before the limit)
{ printf 'a: '; for _ in $(seq 1 20000); do printf '['; done; } > "$C"
want 2 "$E:1:67: mappings and lists nested deeper than 64 levels" "$R" check "$C"
head -c 17000000 /dev/zero | tr '\0' '#' > "$C"
want 2 "$E: config is larger than 16 MiB; a config that large is a mistake" "$R" check "$C"

# ---- the config file itself ------------------------------------------------
want 2 "runner: $T/none.yaml: cannot open config: No such file or directory" "$R" check "$T/none.yaml"
want 2 "runner: $T: cannot open config: it is a folder, not a file" "$R" check "$T"
mkfifo "$T/fifo.yaml"
want 2 "runner: $T/fifo.yaml: cannot open config: not a regular file" "$R" train "$T/fifo.yaml"

# ---- keys, types and ranges ------------------------------------------------
printf 'modle: {cell: lstm}\n' | body
want 2 "$E:3:1: unknown key 'modle' (did you mean 'model'?)" "$R" check "$C"
printf 'model: {hiden: 8}\n' | body
want 2 "$E:3:9: unknown key 'model.hiden' (did you mean 'model.hidden'?)" "$R" check "$C"
printf 'model: {hidden: abc}\n' | body
want 2 "$E:3:17: model.hidden: expected an integer, got 'abc'" "$R" check "$C"
printf 'model: {hidden: 0}\n' | body
want 2 "$E:3:17: model.hidden: 0 is out of range [1, 65536]" "$R" check "$C"
printf 'model: {hidden: 1.5}\n' | body
want 2 "$E:3:17: model.hidden: expected an integer, got '1.5'" "$R" check "$C"
printf 'model: {hidden: "8"}\n' | body
want 2 "$E:3:17: model.hidden: expected an integer, got a quoted string" "$R" check "$C"
printf 'model: {layers: -1}\n' | body
want 2 "$E:3:17: model.layers: -1 is out of range [1, 64]" "$R" check "$C"
printf 'model: {dropout: 1.5}\n' | body
want 2 "$E:3:18: model.dropout: 1.5 is out of range [0, 0.99]" "$R" check "$C"
printf 'model: {cell: lsmt}\n' | body
want 2 "$E:3:15: model.cell: unknown value 'lsmt' (did you mean 'lstm'?)" "$R" check "$C"
printf 'model: {cell: [lstm]}\n' | body
want 2 "$E:3:15: model.cell: expected one of rnn_tanh, rnn_relu, lstm, gru, got a list" "$R" check "$C"
printf 'model: lstm\n' | body
want 2 "$E:3:8: model: expected a mapping of keys, got 'lstm'" "$R" check "$C"
printf 'model: {init: {scheme: normal, range: 0.1}}\n' | body
want 2 "$E:3:32: model.init.range: applies to scheme: uniform only" "$R" check "$C"
printf 'model: {hidden: 8, embed_dim: 4, input: embedding, tie_weights: true}\n' | body
want 2 "$E:3:52: model.tie_weights: needs embed_dim (4) == hidden (8)" "$R" check "$C"
printf 'model: {hidden: 65536, layers: 64, cell: lstm}\n' | body
want 2 "$E:3:1: model: hidden 65536 x 64 layers needs at least 2.2e+12 parameters, above the limit of 1.07e+09 (4 GiB for the parameters alone)" "$R" check "$C"
printf 'sampler: {kind: random, reset_state: never}\n' | body
want 2 "$E:3:25: sampler.reset_state: applies to kind: sequential only" "$R" check "$C"
printf 'sampler: {batch_size: 10000000}\n' | body
want 2 "$E:3:23: sampler.batch_size: 10000000 is out of range [1, 1000000]" "$R" check "$C"
printf 'optimizer: {kind: sgd, betas: [0.9, 0.99]}\n' | body
want 2 "$E:3:24: optimizer.betas: applies to kind: adam or adamw only" "$R" check "$C"
printf 'optimizer: {kind: adam, betas: [0.9]}\n' | body
want 2 "$E:3:32: optimizer.betas: expected a list of two numbers" "$R" check "$C"
printf 'optimizer: {lr: nan}\n' | body
want 2 "$E:3:17: optimizer.lr: expected a finite number, got 'nan'" "$R" check "$C"
printf 'optimizer: {lr: .inf}\n' | body
want 2 "$E:3:17: optimizer.lr: expected a finite number, got '.inf'" "$R" check "$C"
printf 'optimizer: {kind: sgd, nesterov: true}\n' | body
want 2 "$E:3:24: optimizer.nesterov: needs momentum > 0 (as torch.optim.SGD)" "$R" check "$C"
printf 'clip: {max_norm: -1}\n' | body
want 2 "$E:3:18: clip.max_norm: -1 is out of range [1e-12, 1e+12]" "$R" check "$C"
printf 'schedule: {kind: step, gamma: 0.5}\n' | body
want 2 "$E:3:1: schedule: kind step needs exactly one of step_size (every N epochs) or start_epoch (every epoch after it)" "$R" check "$C"
printf 'dataset: {name: text}\n' | body
want 2 "$E:3:1: dataset: path is required when name is 'text'" "$R" check "$C"
printf 'dataset: {name: ptb, tokens: char}\n' | body
want 2 "$E:3:22: dataset.tokens: ptb is a word-level corpus; use tokens: word" "$R" check "$C"
printf 'dataset: {max_tokens: 0}\n' | body
want 2 "$E:3:11: dataset.max_tokens: 0 keeps nothing; use -1 for the whole corpus or a positive count" "$R" check "$C"
printf 'dataset: {name: ptb, valid_fraction: 0.1}\n' | body
want 2 "$E:3:22: dataset.valid_fraction: applies to text datasets without a validation file (not ptb) only" "$R" check "$C"
printf 'dataset: {max_bytes: 0}\n' | body
want 2 "$E:3:22: dataset.max_bytes: 0 is out of range [1, 1099511627776]" "$R" check "$C"
printf 'dataset: {name: text, path: ""}\n' | body
want 2 "$E:3:29: dataset.path: expected a non-empty string" "$R" check "$C"
printf 'generate: {prefixes: "the "}\n' | body
want 2 "$E:3:22: generate.prefixes: expected a list of strings, got a scalar" "$R" check "$C"
printf 'generate: {temperature: 0.5}\n' | body
want 2 "$E:3:12: generate.temperature: applies to strategy: sample only" "$R" check "$C"
printf 'train: {threads: -1}\n' | body
want 2 "$E:3:18: train.threads: -1 is out of range [0, 256]" "$R" check "$C"
printf 'train: {grad_shards: 0}\n' | body
want 2 "$E:3:22: train.grad_shards: 0 is out of range [1, 64]" "$R" check "$C"
printf 'train: {grad_shards: two}\n' | body
want 2 "$E:3:22: train.grad_shards: expected an integer, got 'two'" "$R" check "$C"
printf 'seed: -1\n' | body
want 2 "$E:3:7: seed: -1 is out of range [0, 4294967295]" "$R" check "$C"
printf 'name: ""\nseed: 1\n' > "$C"
want 2 "$E:1:7: name: expected a non-empty string" "$R" check "$C"
printf 'name: %s\n' "$(head -c 300 /dev/zero | tr '\0' n)" > "$C"
want 2 "$E:1:7: name: 300 characters, at most 200" "$R" check "$C"
printf 'seed: 1\noutput: {dir: ""}\n' > "$C"
want 2 "$E:2:15: output.dir: expected a non-empty string" "$R" check "$C"

# ---- regression (d2l 8.1): the sine series and the regression head ----------
printf 'dataset: {name: sine}\n' | body
want 2 "$E:3:11: dataset.name: sine is a regression task: set model.head: regression" "$R" check "$C"
printf 'dataset: {name: sine}\nmodel: {head: lm}\n' | body
want 2 "$E:4:9: model.head: lm does not fit dataset sine, a regression task: set model.head: regression" "$R" check "$C"
printf 'model: {head: regression}\n' | body
want 2 "$E:3:9: model.head: regression needs a numeric series (dataset.name: sine), not the text dataset timemachine" "$R" check "$C"
printf 'model: {head: regresion}\n' | body
want 2 "$E:3:15: model.head: unknown value 'regresion' (did you mean 'regression'?)" "$R" check "$C"
printf 'dataset: {name: sine, tau: 0}\nmodel: {head: regression}\n' | body
want 2 "$E:3:28: dataset.tau: 0 is out of range [1, 10000]" "$R" check "$C"
printf 'dataset: {name: sine, noise: -0.1}\nmodel: {head: regression}\n' | body
want 2 "$E:3:30: dataset.noise: -0.1 is out of range [0, 1e+06]" "$R" check "$C"
printf 'dataset: {name: sine, lenght: 10}\nmodel: {head: regression}\n' | body
want 2 "$E:3:23: unknown key 'dataset.lenght' (did you mean 'dataset.length'?)" "$R" check "$C"
printf 'dataset: {name: sine, length: 100, n_train: 96}\nmodel: {head: regression}\n' | body
want 2 "$E:3:36: dataset.n_train: 96 training examples of tau 4 leave no validation example in a length of 100 (need tau + n_train < length)" "$R" check "$C"
printf 'dataset: {name: sine, max_tokens: 5}\nmodel: {head: regression}\n' | body
want 2 "$E:3:23: dataset.max_tokens: applies to text datasets (timemachine, jaychou, ptb, text) only" "$R" check "$C"
printf 'dataset: {name: sine}\nmodel: {head: regression, input: embedding}\n' | body
want 2 "$E:4:27: model.input: applies to head: lm (language models) only" "$R" check "$C"
printf 'dataset: {name: sine}\nmodel: {head: regression}\nsampler: {num_steps: 5}\n' | body
want 2 "$E:5:11: sampler.num_steps: applies to text datasets (a sine example is tau steps, and the examples are shuffled each epoch) only" "$R" check "$C"
printf 'dataset: {name: sine}\nmodel: {head: regression}\ngenerate: {prefixes: [a]}\n' | body
want 2 "$E:5:12: generate.prefixes: applies to head: lm (language models) only" "$R" check "$C"
printf 'dataset: {name: sine}\nmodel: {head: regression}\ntrain: {max_ppl: 5}\n' | body
want 2 "$E:5:9: train.max_ppl: applies to head: lm (language models) only" "$R" check "$C"
printf 'model: {cell: gru}\ntrain: {max_mse: 5}\n' | body
want 2 "$E:4:9: train.max_mse: applies to head: regression only" "$R" check "$C"
printf 'dataset: {name: sine, tau: x}\nmodel: {head: regression}\n' | body
want 2 "$E:3:28: dataset.tau: expected an integer, got 'x'" "$R" check "$C"

# ---- overrides on the command line -----------------------------------------
printf 'seed: 1\n' | body
want 2 "runner: command line 'train.epochs=many': train.epochs: expected an integer, got 'many'" "$R" check "$C" train.epochs=many
want 2 "runner: bad key path 'model.hidden.': a part between dots is empty" "$R" check "$C" model.hidden.=8
want 2 "runner: bad key path '.model': a part between dots is empty" "$R" check "$C" .model=8
want 2 "runner: command line 'epochs=5': unknown key 'epochs' (did you mean 'train.epochs'?)" "$R" check "$C" epochs=5
want 2 "runner: command line 'model.hidden=[1,': malformed YAML: did not find expected node content while parsing a flow node" "$R" check "$C" "model.hidden=[1,"
want 2 "runner: command line 'dataset.path=': dataset.path: expected a non-empty string" "$R" check "$C" dataset.name=text dataset.path=
want 2 "runner: command line 'sweep.grid.model.hidden=[]': sweep.grid.model.hidden: expected a non-empty list of values" "$R" check "$C" "sweep.grid.model.hidden=[]"

# ---- sweeps ------------------------------------------------------------------
printf 'sweep: {}\n' | body
want 2 "$E:3:8: sweep: expected a mapping with grid, zip, sample and/or repeat, got an empty one" "$R" check "$C"
printf 'sweep: {grid: {}}\n' | body
want 2 "$E:3:15: sweep.grid: expected a mapping of keys to lists, got an empty one" "$R" check "$C"
printf 'sweep: {zip: {}}\n' | body
want 2 "$E:3:14: sweep.zip: expected a mapping of keys to lists, got an empty one" "$R" check "$C"
printf 'sweep: {repeat: "3"}\n' | body
want 2 "$E:3:17: sweep.repeat: expected an integer in [1, 100000], got '3' (quoted: a string)" "$R" check "$C"
printf 'sweep: {repeat: 0}\n' | body
want 2 "$E:3:17: sweep.repeat: expected an integer in [1, 100000], got '0'" "$R" check "$C"
printf 'sweep: {gird: {seed: [1, 2]}}\n' | body
want 2 "$E:3:9: unknown key 'sweep.gird' (did you mean 'grid'?)" "$R" check "$C"
printf 'sweep: {grid: {model.hidden: 8}}\n' | body
want 2 "$E:3:30: sweep.grid.model.hidden: expected a non-empty list of values" "$R" check "$C"
printf 'sweep: {grid: {model: {}}}\n' | body
want 2 "$E:3:23: sweep.grid.model: expected a non-empty list of values, got an empty mapping" "$R" check "$C"
printf 'sweep: {zip: {seed: [1, 2], model.hidden: [8]}}\n' | body
want 2 "$E:3:43: sweep.zip: 'model.hidden' has 1 values but 'seed' has 2" "$R" check "$C"
printf 'name: m\noutput: {dir: /nonexistent}\nsweep: {grid: {seed: [1, 1]}}\n' > "$C"
want 2 "runner: sweep: runs 0 and 1 resolve to the same config (run_id 6eafc32f370a); remove the duplicate value" "$R" check "$C"
printf 'sweep: {grid: {model.hidden: [8, 9, 10]}, max_runs: 2}\n' | body
want 2 "$E:3:8: sweep: 3 runs, above sweep.max_runs (2); raise it if you mean it" "$R" check "$C"
{ printf 'sweep:\n  grid:\n'; for k in $(seq 1 64); do printf '    k%d: [1, 2]\n' "$k"; done; } | body
want 2 "$E:4:3: sweep: more than 2^64 runs, above sweep.max_runs (100000); raise it if you mean it" "$R" check "$C"
{ printf 'sweep:\n  grid:\n'; for k in 1 2 3 4 5 6; do printf '    seed: [%s]\n' "$(seq -s, 1 10)"; done; } | body
want 2 "$E:6:5: duplicate key 'seed' (first at line 5)" "$R" check "$C"
{ printf 'sweep:\n  grid:\n'; for k in 1 2 3 4 5 6; do printf '    model.init.k%d: [%s]\n' "$k" "$(seq -s, 1 10)"; done; } | body
want 2 "$E:4:3: sweep: 1000000 runs, above sweep.max_runs (100000); raise it if you mean it" "$R" check "$C"
printf 'seed: 1\nsweep: {grid: {seed: [1, 2]}}\n' | body
want 2 "$E:4:1: this config has a sweep: section; run it with 'runner sweep' (or remove the section)" "$R" train "$C"

# ---- random search, early stopping, includes ---------------------------------
printf 'sweep: {sample: {count: 2, space: {optimizer.lr: {loguniform: [0, 1]}}}}\n' | body
want 2 "$E:3:63: sweep.sample.space.optimizer.lr: loguniform: the range must lie above 0 (its logarithm is drawn), got [0, 1]" "$R" check "$C"
printf 'sweep: {sample: {count: 2, space: {model.hidden: {uniform: [8, 64]}}}}\n' | body
want 2 "$E:3:51: sweep.sample.space.model.hidden: uniform draws real numbers, but model.hidden takes integers; use int: [lo, hi] or choice: [...]" "$R" check "$C"
printf 'sweep: {sample: {count: 2, space: {model.cell: {choice: [lstm, lsmt]}}}}\n' | body
want 2 "$E:3:64: model.cell: unknown value 'lsmt' (did you mean 'lstm'?)" "$R" check "$C"
printf 'sweep: {sample: {count: 2, space: {model.hiden: {int: [8, 9]}}}}\n' | body
want 2 "$E:3:36: unknown key 'model.hiden' (did you mean 'model.hidden'?)" "$R" check "$C"
printf 'sweep: {grid: {seed: [1, 2]}, early_stop: {metric: valid_ppl, min_epochs: 1, reduction: 2}}\n' | body
want 2 "$E:3:52: sweep.early_stop.metric: valid_ppl needs a validation split (dataset.valid_fraction > 0, or ptb) in run 0" "$R" check "$C"
printf 'train: {epochs: 3}\nsweep: {grid: {seed: [1, 2]}, early_stop: {metric: train_ppl, min_epochs: 3, reduction: 2}}\n' | body
want 2 "$E:4:75: sweep.early_stop.min_epochs: 3 leaves no rung below train.epochs (3) in run 0: no run could be stopped" "$R" check "$C"
printf 'sweep: {grid: {seed: [1, 2]}, early_stop: {metric: valid_mse, min_epochs: 1, reduction: 2}}\n' | body
want 2 "$E:3:52: sweep.early_stop.metric: valid_mse is measured by regression runs only, and run 0 is a language model (use valid_ppl or train_ppl)" "$R" check "$C"
printf 'include: [c.yaml]\n' | body
want 2 "$E:3:11: include 'c.yaml': a cycle: $C includes itself (through 0 file(s))" "$R" check "$C"
printf 'include: [missing.yaml]\n' | body
want 2 "runner: $T/missing.yaml: cannot open config: No such file or directory (included from $C:3:11)" "$R" check "$C"

# ---- data files (bad input: nothing is written) ----------------------------
printf 'dataset: {name: text, path: %s/missing.txt}\nsampler: {batch_size: 2, num_steps: 3}\n' "$T" | body
want 2 "runner: $T/missing.txt: cannot open data file: No such file or directory" "$R" train "$C"
printf 'dataset: {name: text, path: %s}\n' "$T" | body
want 2 "runner: $T: cannot open data file: it is a folder, not a file" "$R" train "$C"
mkfifo "$T/fifo.txt"
printf 'dataset: {name: text, path: %s/fifo.txt}\n' "$T" | body
want 2 "runner: $T/fifo.txt: cannot open data file: not a regular file" "$R" train "$C"
printf 'abc \xff def\n' > "$T/bad.txt"
printf 'dataset: {name: text, path: %s/bad.txt}\n' "$T" | body
want 2 "runner: $T/bad.txt: invalid UTF-8 at byte offset 4" "$R" train "$C"
printf 'hello\n' > "$T/small.txt"
printf 'dataset: {name: text, path: %s/small.txt, max_bytes: 3}\n' "$T" | body
want 2 "runner: $T/small.txt: the file is 6 bytes, above dataset.max_bytes (3); raise it if you mean it" "$R" train "$C"
want 2 "runner: $T/small.txt: the file is 6 bytes, above dataset.max_bytes (3); raise it if you mean it" "$R" data "$C"
printf 'dataset: {name: jaychou, max_bytes: 1000}\n' | body
want 2 "runner: $(pwd)/data/jaychou_lyrics.txt.zip: member 'jaychou_lyrics.txt' is 171182 bytes, above dataset.max_bytes (1000); raise it if you mean it" env RNNLAB_DATA="$(pwd)/data" "$R" train "$C"
head -c 20000 data/jaychou_lyrics.txt.zip > "$T/cut.zip"
printf 'dataset: {name: jaychou, path: %s/cut.zip}\n' "$T" | body
want 2 "runner: $T/cut.zip: not a zip archive, or truncated (no central directory)" "$R" train "$C"
printf 'dataset: {name: text, path: %s, member: nothing.txt}\n' "$(pwd)/data/ptb.zip" | body
want 2 "runner: $(pwd)/data/ptb.zip: archive has no member 'nothing.txt'" "$R" train "$C"
cp data/jaychou_lyrics.txt.zip "$T/flipped.zip"
printf '\x00\x00\x00\x00' | dd of="$T/flipped.zip" bs=1 seek=40000 conv=notrunc 2>/dev/null
printf 'dataset: {name: jaychou, path: %s/flipped.zip}\n' "$T" | body
want 2 "runner: $T/flipped.zip: member 'jaychou_lyrics.txt' is corrupt (CRC mismatch)" "$R" train "$C"
mkdir -p "$T/moddata"
cp data/timemachine.txt data/SHA256SUMS "$T/moddata/"
printf 'x' | dd of="$T/moddata/timemachine.txt" bs=1 seek=100 conv=notrunc 2>/dev/null
printf 'dataset: {name: timemachine}\n' | body
want 2 "runner: $T/moddata/timemachine.txt: checksum mismatch (SHA-256 b3061df837b1..., SHA256SUMS says 8424dbd9532a...): the file is corrupt or was modified" env RNNLAB_DATA="$T/moddata" "$R" train "$C"
: > "$T/empty.txt"
printf 'dataset: {name: text, path: %s/empty.txt}\n' "$T" | body
want 2 "runner: model: the vocabulary has 1 token(s); a language model needs at least 2" "$R" train "$C"

echo "test_malformed: $cases malformed inputs, each with its exact message"
summary
