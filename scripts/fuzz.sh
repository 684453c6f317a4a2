#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - build the libFuzzer targets (tests/fuzz/) with
# clang and run each for SECONDS (default 30), seeded with the golden corpus
# (tests/lang/) and compiled plans. Fails on any crash, leak or sanitizer
# report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
out=$top/build-fuzz
mkdir -p "$out/gen" "$out/corpus-parser" "$out/corpus-plan"
cd "$top"
scripts/build.sh build >/dev/null

# generated grammar sources come from the normal build
cp build/lang/parser.c build/lang/parser.h build/lang/lexer.c "$out/gen/" 2>/dev/null ||
	cp lang/parser.c lang/parser.h lang/lexer.c "$out/gen/"

CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$top -I$top/lang -I$out/gen -DLANA_DATADIR=\"$top/share/lana\""
LIB_SRCS="lang/util.c lang/source.c lang/value.c lang/compile.c lang/plan_codec.c lang/plan_check.c lang/plan_text.c lang/diff.c lang/apply.c lang/typedoc.c blocks/catalogue.c $(ls blocks/*.c | grep -v catalogue.c | tr '\n' ' ')"
for t in parser plan; do
	clang $CFLAGS -o "$out/fuzz_$t" tests/fuzz/fuzz_$t.c $LIB_SRCS \
		"$out/gen/parser.c" "$out/gen/lexer.c" -lpcap -lz
done

# seeds
find tests/lang examples share -name "*.lana" -exec cp {} "$out/corpus-parser/" \; 2>/dev/null || true
for f in tests/lang/good/*.lana examples/*.lana; do
	b=$(basename "$f" .lana)
	(cd "$(dirname "$f")" && "$top/build/lanarun" -I "$top/share/lana" compile -o "$out/corpus-plan/$b.plan" "$(basename "$f")") 2>/dev/null || true
done

for t in parser plan; do
	echo "fuzz_$t: ${secs} s"
	"$out/fuzz_$t" -max_total_time="$secs" -print_final_stats=0 \
		-max_len=65536 "$out/corpus-$t" >"$out/fuzz_$t.log" 2>&1 || {
		echo "fuzz_$t: FAILED"; tail -50 "$out/fuzz_$t.log"; exit 1; }
	tail -1 "$out/fuzz_$t.log"
done
