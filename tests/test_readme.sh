#!/bin/bash
# The README's commands, pasted as a reader would: every `$ ` line of its
# ```console blocks, taken from README.md itself (so the two cannot drift),
# run in order in one shell on a fresh clone, each expected to exit 0. The
# clone's configs get small epoch counts (every `epochs: N` -> 2, and
# `train.epochs` lists in sweeps -> 2s) so it takes seconds; nothing else
# is changed. Lines that need a cluster, hours, a pager or `make` itself
# (sbatch, scancel, reproduce.sh, less, make) are skipped and counted.
# scripts/plot.py runs when /usr/bin/python3 has h5py and matplotlib
# (under CI=true it must). Prints cmocka-style summary lines.
set -u
top=$(pwd)
TEST=test_readme
. "$(dirname "$0")/lib.sh"

if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    git clone -q "$top" "$T/clone"
    # the working tree's README and configs, so an edit is tested before it is committed
    cp "$top/README.md" "$T/clone/README.md"
    cp "$top"/configs/*.yaml "$T/clone/configs/"
else
    mkdir -p "$T/clone" && cp -r "$top"/README.md "$top"/configs "$top"/scripts "$T/clone/"
fi
cd "$T/clone" || exit 1
mkdir -p bin
cp "$top/$R" bin/runner 2>/dev/null || cp "$R" bin/runner
sed -i -E 's/(^|[{ ,])epochs: [0-9]+/\1epochs: 2/' configs/*.yaml
sed -i -E '/train\.epochs: \[/ s/[0-9]+/2/g' configs/*.yaml
has_python=0
/usr/bin/python3 -c 'import h5py, matplotlib' 2>/dev/null && has_python=1

# the commands: `$ ` lines of console blocks, continuations joined
awk '/^```console/ { on = 1; next } /^```/ { on = 0 }
     on && /^\$ / { cmd = substr($0, 3); while (cmd ~ /\\$/ && (getline line) > 0)
                        cmd = substr(cmd, 1, length(cmd) - 1) " " line
                    print cmd }' README.md > "$T/commands"
n=0
while IFS= read -r cmd; do
    n=$((n + 1))
    case $cmd in
    sbatch*|scancel*|*reproduce.sh*|less*|make*)
        skipped=$((skipped + 1)); continue ;;
    scripts/plot.py*|scripts/sweep_report.py*|/usr/bin/python3*)
        if [ "$has_python" = 0 ]; then
            if [ "${CI:-}" = true ]; then bad "'$cmd': python3-h5py/matplotlib missing under CI"
            else echo "test_readme: skipping '$cmd' (no python3-h5py/matplotlib)"; skipped=$((skipped + 1)); fi
            continue
        fi ;;
    esac
    eval "$cmd" >"$T/out" 2>&1 </dev/null
    status=$?
    if [ "$status" -eq 0 ]; then
        ok
    else
        bad "README command $n '$cmd' exited $status: $(tail -n 3 "$T/out")"
    fi
done < "$T/commands"
[ "$n" -ge 10 ] || bad "only $n commands found in README.md's console blocks"
echo "test_readme: $n README commands, $pass ran and exited 0, $skipped skipped (cluster, hours, pager, make)"
skipped=0 # skipped commands are counted in the line above, not as tests
summary
