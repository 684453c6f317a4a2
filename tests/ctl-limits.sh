#!/usr/bin/env bash
# tests/ctl-limits.sh - lanad's control plane limits (issue 9): the cases
# are in tests/ctl-limits.py (a protocol client of its own and lanarun,
# against lanads on sockets in a temporary directory; no namespaces).
# Run by `make check` with LANAD, LANARUN and top_srcdir set.
set -uo pipefail
src=${top_srcdir:-.}
export LANAD=${LANAD:-./lanad} LANARUN=${LANARUN:-./lanarun}
if ! command -v python3 >/dev/null; then
	echo "FAIL: python3 is needed"	# a missing tool is not a pass
	exit 1
fi
exec python3 "$src/tests/ctl-limits.py"
