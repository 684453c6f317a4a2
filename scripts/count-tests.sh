#!/usr/bin/env bash
# scripts/count-tests.sh BUILDDIR... - count test cases in the
# logs of `make check`: cmocka's "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)", and script tests' "N passed, M failed" lines;
# a script test that exited 77 (automake's SKIP, e.g. tests/oom.sh with an
# ASan lanad) is counted as skipped, not as passed or failed.
# Prints "N passed, M failed, K skipped".
set -uo pipefail
passed=0 failed=0 skipped=0
for d in "$@"; do
	for log in $(find "$d/tests" -name '*.log' 2>/dev/null); do
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		if [ -z "$p$f" ]; then
			line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
			p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
			f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
			if [ -z "$line" ]; then
				# a test program with no count: judge by its .trs
				trs=${log%.log}.trs
				if grep -q ':test-result: PASS' "$trs" 2>/dev/null; then
					p=1
				elif grep -q ':test-result: SKIP' "$trs" 2>/dev/null; then
					skipped=$((skipped + 1))
				else
					f=1
				fi
			fi
		fi
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
