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
libs=$(cd "$BUILD" && make -s print-libs)
$CC -std=c11 -D_GNU_SOURCE -O2 -I"$SRC" -I"$BUILD" \
	-o "$OUT" "$SRC/bench/$name/$name.c" $libs
"$OUT" "$@"
