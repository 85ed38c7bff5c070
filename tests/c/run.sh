#!/usr/bin/env bash
# Run the C test programs given as arguments (built by `make ctest`) and add up their results.
# Each program ends with "name: N passed, N failed"; one that crashes, is stopped by a sanitizer,
# exits non-zero or prints no such line counts one more failure on top of its own count.
# Ends with "ctest: N passed, N failed" (test cases) and exits 1 if anything failed.
set -uo pipefail

passed=0; failed=0; bad=()
for prog in "$@"; do
    out="$("$prog" 2>&1)"; rc=$?
    printf '%s\n' "$out"
    p=0; f=0
    line="$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_]+: [0-9]+ passed, [0-9]+ failed$' | tail -n1)"
    [ -z "$line" ] || read -r p f < <(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ] || [ -z "$line" ]; then
        f=$((f + 1)); bad+=("$(basename "$prog") (exit $rc)")
    fi
    passed=$((passed + p)); failed=$((failed + f))
done
[ ${#bad[@]} -eq 0 ] || echo "ctest: crashed or gave no summary: ${bad[*]}"
echo "ctest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
