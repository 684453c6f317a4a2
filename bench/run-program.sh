#!/bin/sh
# bench/run-program.sh NAME [ARGS...] - build bench/NAME/NAME.c against the
# libraries of a configured, built build directory and run it with ARGS.
# BUILD: the build directory; default: the current directory if it has
# runtime/liblanart.a, else ../.. (started from <builddir>/bench/NAME).
# OUT: the binary (default $BUILD/bench-NAME). CC: the compiler (cc).
set -e
name=$1
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$BUILD" ]; then
	if [ -f runtime/liblanart.a ]; then BUILD=$(pwd)
	else BUILD=$(cd ../.. && pwd); fi
fi
CC=${CC:-cc}
OUT=${OUT:-$BUILD/bench-$name}
(cd "$BUILD" && make -s lang/liblana.a lang/libgrammar.a blocks/libblocks.a runtime/liblanart.a)
$CC -std=c11 -D_GNU_SOURCE -O2 -I"$SRC" -I"$SRC/lang" -I"$BUILD" \
	-o "$OUT" "$SRC/bench/$name/$name.c" \
	"$BUILD/runtime/liblanart.a" "$BUILD/blocks/libblocks.a" \
	"$BUILD/lang/liblana.a" "$BUILD/lang/libgrammar.a" \
	"$BUILD/runtime/liblanart.a" "$BUILD/blocks/libblocks.a" \
	"$BUILD/lang/liblana.a" \
	$(pkg-config --libs liburcu-qsbr 2>/dev/null || echo -lurcu-qsbr -lurcu-common) \
	-lnl-genl-3 -lnl-3 -lpcap -lz -lpthread
"$OUT" "$@"
