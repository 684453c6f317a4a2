#!/usr/bin/env bash
# scripts/build.sh [BUILDDIR [configure args...]] - generate the build system
# if needed and build out of tree (default BUILDDIR: build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-build}
shift || true
cd "$top"
scripts/gen-blocks.sh "$top"	# blocks/blocks.am from blocks/blocks.def
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ] ||
   [ blocks/blocks.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$bdir"
cd "$bdir"
if [ ! -f Makefile ]; then
	"$top/configure" -q "$@"
fi
make -s -j"$(nproc)"
