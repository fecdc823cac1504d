# The shared part of the shell tests, sourced by each after setting TEST to
# its name: the counters, ok / bad, and the cmocka-style summary lines that
# scripts/run_tests.sh adds up. `summary` returns non-zero on any failure.
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
