#!/usr/bin/env bash
# tests/docs.sh - docs/blocks.md must be exactly what the catalogue
# generates (`lanarun types --markdown`), and the man page must render.
set -uo pipefail
L=${LANARUN:-./lanarun}
src=${top_srcdir:-.}
pass=0 fail=0
if "$L" types --markdown | diff -u "$src/docs/blocks.md" - ; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: docs/blocks.md is stale: run 'make docs' (lanarun types --markdown > docs/blocks.md)"
fi
if command -v man >/dev/null; then
	for page in lanarun.8 lanad.8; do
		if out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l "$src/docs/$page" 2>&1 >/dev/null) && [ -z "$out" ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: docs/$page renders with warnings:"; echo "$out"
		fi
	done
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
