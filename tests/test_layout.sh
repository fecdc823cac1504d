#!/bin/sh
# The code's layout, as the README's "Layout" section states it: every file
# of core/ is listed there (and nothing listed is missing), core/ includes
# no runner/ header, the include graph of core/ and runner/ has no cycle
# (tsort finds one), and every core/ file opens with a comment saying what
# it is. Run from the repository root.
set -u
TEST=test_layout
. "$(dirname "$0")/lib.sh"

# the names in the README's core/ block: the first column of its lines
awk '/^## Layout/ { on = 1 } on && /^core\/$/ { block = 1; next }
     block && /^[a-z]/ { exit }
     block { n = split(substr($0, 3, 13), w, " "); for (i = 1; i <= n; i++) print w[i] }' \
    README.md | sort -u > "$T/listed"
ls core | sed 's/\.[ch]$//' | sort -u > "$T/files"
if [ ! -s "$T/listed" ]; then
    bad "no core/ block found under README.md's Layout section"
elif cmp -s "$T/listed" "$T/files"; then
    ok
else
    bad "README Layout and core/ differ (< listed only, > file only): $(diff "$T/listed" "$T/files" | grep '^[<>]' | tr '\n' ' ')"
fi

# no arrow from core/ into runner/
into_runner=""
for f in core/*.[ch]; do
    for h in $(sed -n 's/^#include "\(.*\)"/\1/p' "$f"); do
        [ -e "core/$h" ] || into_runner="$into_runner $f:$h"
    done
done
if [ -z "$into_runner" ]; then ok; else bad "core/ includes what core/ lacks:$into_runner"; fi

# no cycle: each file -> each header it includes, through tsort
for f in core/*.[ch] runner/*.[ch]; do
    d=$(dirname "$f")
    for h in $(sed -n 's/^#include "\(.*\)"/\1/p' "$f"); do
        if [ -e "$d/$h" ]; then echo "$f $d/$h"; else echo "$f core/$h"; fi
    done
done > "$T/edges"
if [ "$(wc -l < "$T/edges")" -lt 100 ]; then
    bad "only $(wc -l < "$T/edges") include edges found: the scan is broken"
elif tsort "$T/edges" > /dev/null 2> "$T/loop"; then
    ok
else
    bad "the include graph has a cycle: $(tr '\n' ' ' < "$T/loop")"
fi

# every core/ file says what it is in its first line
silent=""
for f in core/*.[ch]; do
    head -n 1 "$f" | grep -q '^/\* [a-z0-9_]*: ' || silent="$silent $f"
done
if [ -z "$silent" ]; then ok; else bad "no '/* name: what it is' first line:$silent"; fi

summary
