# The shared part of the shell tests, sourced by each after setting TEST to
# its name: R (the runner, $RUNNER or bin/runner), T (a scratch folder,
# removed on exit unless the test sets its own EXIT trap, which must remove
# it too), the counters, ok / bad, and the cmocka-style summary lines that
# scripts/run_tests.sh adds up. `summary` returns non-zero on any failure.
R=${RUNNER:-bin/runner}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "[  ERROR   ] $TEST: $*"; }
summary() {
    echo "[==========] $TEST: $((pass + fail)) test(s) run."
    echo "[  PASSED  ] $pass test(s)."
    [ "$skipped" -eq 0 ] || echo "[  SKIPPED ] $skipped test(s)."
    [ "$fail" -eq 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
    [ "$fail" -eq 0 ]
}
