#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - build the libFuzzer targets (tests/fuzz/*.c)
# with clang against an instrumented build of the libraries, and run each
# for SECONDS (default 30), seeded with the golden corpus (tests/lang/),
# the examples and their compiled plans. Fails on any crash, leak or
# sanitizer report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
out=$top/build-fuzz
cd "$top"
scripts/build.sh build >/dev/null
scripts/build.sh "$out" CC=clang \
	CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	LDFLAGS="-fsanitize=address,undefined" >/dev/null

# the libraries of the instrumented build and their link line
libs=$(make -s -C "$out" print-libs)

targets=()
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	clang -g -O1 -std=c11 -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(pkg-config --cflags libnl-3.0 2>/dev/null) \
		-I"$top" -I"$out" -o "$out/$t" "$src" $libs
	targets+=("$t")
done

# seeds: .lana sources for the parser, compiled plans for the plan loader
mkdir -p "$out/corpus-fuzz_parser" "$out/corpus-fuzz_plan" "$out/corpus-fuzz_ctl"
find tests/lang examples share -name '*.lana' -exec cp {} "$out/corpus-fuzz_parser/" \; 2>/dev/null || true
for f in tests/lang/good/*.lana examples/*.lana; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .lana)
	(cd "$(dirname "$f")" && "$top/build/lanarun" -I "$top/share/lana" compile \
		-o "$out/corpus-fuzz_plan/$b.plan" "$(basename "$f")") 2>/dev/null || true
done

# the filter target starts from the same plans (their filters run)
mkdir -p "$out/corpus-fuzz_bpf"
cp "$out"/corpus-fuzz_plan/*.plan "$out/corpus-fuzz_bpf/" 2>/dev/null || true

for t in "${targets[@]}"; do
	mkdir -p "$out/corpus-$t"
	echo "$t: ${secs} s"
	if ! "$out/$t" -max_total_time="$secs" -print_final_stats=0 \
		-max_len=65536 "$out/corpus-$t" >"$out/$t.log" 2>&1; then
		echo "$t: FAILED"
		tail -50 "$out/$t.log"
		exit 1
	fi
	tail -1 "$out/$t.log"
done
