#!/bin/sh
# Runs every cmocka test binary in a folder (and the shell tests
# tests/test_*.sh and Python tests tests/test_*.py, which print the same
# summary lines) and prints the totals
# as "tests: N passed, M failed". Exits non-zero if any test failed or any
# program crashed or exited non-zero.
set -u
dir=${1:-build/tests}
passed=0 failed=0 broken=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$dir"/test_* tests/test_*.sh tests/test_*.py; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    case "$t" in *.py)
        # Debian's /usr/bin/python3 runs them (its python3-h5py and
        # python3-matplotlib); each skips or fails by itself without those
        if [ ! -x /usr/bin/python3 ]; then
            echo "$t: SKIPPED: no /usr/bin/python3"
            [ "${CI:-}" = true ] && broken=$((broken + 1))
            continue
        fi ;;
    esac
    "$t" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
        echo "$t: exited with status $rc"
        broken=$((broken + 1))
    fi
done
echo
echo "tests: $passed passed, $((failed + broken)) failed"
[ $((failed + broken)) -eq 0 ]
