#!/usr/bin/env bash
# scripts/test.sh - install what is missing, build, and run every test:
# unit tests, golden corpus and CLI tests (normal build, then ASan+UBSan
# build), then the fuzz targets for a bounded time.
# Environment: FUZZ_SECONDS (default 30 per target, 0 to skip).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh

status=0
summary=()

run_suite() {	# NAME BUILDDIR [configure args...]
	local name=$1 bdir=$2
	shift 2
	echo "== $name: build ($bdir)"
	scripts/build.sh "$bdir" "$@"
	echo "== $name: make check"
	if ! make -s -C "$bdir" check -j"$(nproc)" >"$bdir/check.out" 2>&1; then
		status=1
		cat "$bdir/check.out"
		for f in "$bdir"/test-suite.log; do [ -f "$f" ] && cat "$f"; done
	else
		grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP|#)' "$bdir/check.out" || true
	fi
	summary+=("$name: $(scripts/count-tests.sh "$bdir")")
}

run_suite "default" build
run_suite "asan+ubsan" build-asan \
	CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	LDFLAGS="-fsanitize=address,undefined"

echo "== kernel engine in a VM (tests/kmod/run.sh)"
set +e
tests/kmod/run.sh >build/kmod.out 2>&1
krc=$?
set -e
cat build/kmod.out
case $krc in
0) summary+=("kmod: $(grep -E '^[0-9]+ passed, [0-9]+ failed' build/kmod.out | tail -1)") ;;
77) summary+=("kmod: skipped") ;;
*) status=1; summary+=("kmod: $(grep -E '^[0-9]+ passed, [0-9]+ failed' build/kmod.out | tail -1 || echo '0 passed, 1 failed')") ;;
esac

if [ "${FUZZ_SECONDS:-30}" != 0 ]; then
	echo "== fuzz (${FUZZ_SECONDS:-30} s per target)"
	nfuzz=$(ls tests/fuzz/fuzz_*.c | wc -l)
	if ! scripts/fuzz.sh "${FUZZ_SECONDS:-30}"; then
		status=1
		summary+=("fuzz: 0 passed, 1 failed")
	else
		summary+=("fuzz: $nfuzz passed, 0 failed")
	fi
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
# the total over every line above (unit, scripts, VM, fuzz)
printf '%s\n' "${summary[@]}" | awk '
	{ for (i = 1; i < NF; i++) {
		if ($(i + 1) ~ /^passed/) p += $i
		if ($(i + 1) ~ /^failed/) f += $i
		if ($(i + 1) ~ /^skipped/) s += $i } }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
exit $status
