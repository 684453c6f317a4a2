#!/bin/sh
# bench/patch/run.sh - build bench/patch/patch.c against a configured, built
# build directory and run it. Usage:
#   BUILD=/path/to/build sh bench/patch/run.sh [patch args: -n BLOCKS -r ROUNDS -w W]
# BUILD defaults to the current directory's ../.. (started from
# <builddir>/bench/patch) or the current directory if it has runtime/liblanart.a.
set -e
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$BUILD" ]; then
	if [ -f runtime/liblanart.a ]; then BUILD=$(pwd)
	else BUILD=$(cd ../.. && pwd); fi
fi
CC=${CC:-cc}
OUT=${OUT:-$BUILD/bench-patch}
(cd "$BUILD" && make -s lang/liblana.a lang/libgrammar.a blocks/libblocks.a runtime/liblanart.a)
$CC -std=c11 -D_GNU_SOURCE -O2 -I"$SRC" -I"$SRC/lang" -I"$BUILD" \
	-o "$OUT" "$SRC/bench/patch/patch.c" \
	"$BUILD/runtime/liblanart.a" "$BUILD/blocks/libblocks.a" \
	"$BUILD/lang/liblana.a" "$BUILD/lang/libgrammar.a" \
	"$BUILD/runtime/liblanart.a" "$BUILD/blocks/libblocks.a" \
	"$BUILD/lang/liblana.a" \
	$(pkg-config --libs liburcu-qsbr 2>/dev/null || echo -lurcu-qsbr -lurcu-common) \
	-lnl-genl-3 -lnl-3 -lpcap -lz -lpthread
"$OUT" "$@"
