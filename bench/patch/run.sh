#!/bin/sh
# bench/patch/run.sh - build bench/patch/patch.c against a configured, built
# build directory and run it. Usage:
#   BUILD=/path/to/build sh bench/patch/run.sh [patch args: -n BLOCKS -r ROUNDS -w W]
# BUILD defaults to the current directory's ../.. (started from
# <builddir>/bench/patch) or the current directory if it has runtime/liblanart.a.
# (bench/run-program.sh builds and runs it.)
exec sh "$(dirname "$0")/../run-program.sh" patch "$@"
