#!/bin/sh
# bench/ppe/run.sh - build bench/ppe/ppe.c against a configured, built
# build directory and run it. Usage:
#   BUILD=/path/to/build sh bench/ppe/run.sh [ppe args: -n N -w W K ...]
# BUILD defaults to the current directory's ../.. (started from
# <builddir>/bench/ppe) or the current directory if it has runtime/liblanart.a.
# (bench/run-program.sh builds and runs it.)
exec sh "$(dirname "$0")/../run-program.sh" ppe "$@"
