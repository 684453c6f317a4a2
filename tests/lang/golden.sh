#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/lang/golden.sh - golden tests of the .lana compiler through lanarun.
#
# Usage: LANARUN=/path/to/lanarun top_srcdir=/path/to/src tests/lang/golden.sh [--update] [CASE...]
#
# Cases (all paths below tests/lang/; every command runs inside the case's
# directory with the bare file name, so printed paths are stable):
#   bad/NNN-name.lana   `lanarun lint -I ../../../share/lana FILE` must print
#                       exactly bad/NNN-name.expected (stdout and stderr, then
#                       a last line "exit: N"; findings exit 1).
#   good/NAME.lana      `lanarun compile -I ../../../share/lana --emit=disasm
#                       -o - FILE` must print exactly good/NAME.disasm on
#                       stdout, nothing on stderr, and exit 0.
#   diff/NAME.old.lana + NAME.new.lana
#                       `lanarun diff NAME.old.lana NAME.new.lana` must print
#                       exactly diff/NAME.expected (stdout and stderr, then
#                       "exit: N").
#   ../../examples/*.lana  `lanarun lint -I ../share/lana FILE` must print
#                       nothing and exit 0 (no errors, no warnings).
# A case file may carry extra lanarun options on a line of its own:
#   // args: -Werror
# Imported helper files live in bad/inc/ and good/inc/ and are not cases.
#
# Prints one line per failing case and finally "N passed, M failed"; exits 1
# if any case failed, 77 (skipped, for automake) if lanarun is missing.
# --update regenerates the expected files from the current lanarun instead
# of comparing (for developers: review every changed file before
# committing it). CASE arguments (e.g. bad/012-unknown-type) restrict the
# run to those cases.

update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi

abspath() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(dirname "$0")/../..
fi
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 2
LANARUN=$(abspath "${LANARUN:-lanarun}")
if [ ! -x "$LANARUN" ]; then
	echo "golden.sh: lanarun not found at $LANARUN (set LANARUN)" >&2
	exit 77
fi

# Make the environment deterministic: no user search path, no colour.
unset LANA_PATH
NO_COLOR=1
LC_ALL=C
export NO_COLOR LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

passed=0
failed=0

# case_args FILE: the options given on a "// args:" line, if any.
case_args() {
	sed -n 's|^// args: *||p' "$1" | head -n 1
}

# selected NAME: true if NAME (e.g. bad/001-x) was asked for, or no
# cases were named on the command line.
selected() {
	[ -z "$filter" ] && return 0
	for want in $filter; do
		[ "$want" = "$1" ] && return 0
	done
	return 1
}

# check NAME ACTUAL EXPECTED: compare or, with --update, overwrite.
check() {
	if [ "$update" = 1 ]; then
		if ! cmp -s "$2" "$3" 2>/dev/null; then
			cp "$2" "$3"
			echo "updated: $3"
		fi
		passed=$((passed + 1))
		return
	fi
	if [ ! -f "$3" ]; then
		echo "FAIL: $1: missing $(basename "$3")"
		failed=$((failed + 1))
	elif diff -u "$3" "$2" >"$tmp/diff"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $1"
		sed 's/^/    /' "$tmp/diff"
		failed=$((failed + 1))
	fi
}

filter="$*"
lang=$top_srcdir/tests/lang

# bad/: lint diagnostics
for f in "$lang"/bad/*.lana; do
	[ -f "$f" ] || continue
	base=$(basename "$f" .lana)
	selected "bad/$base" || continue
	args=$(case_args "$f")
	# shellcheck disable=SC2086 # $args is a word list on purpose
	(cd "$lang/bad" && "$LANARUN" lint $args -I ../../../share/lana \
		"$base.lana" >"$tmp/out" 2>&1
	 echo "exit: $?" >>"$tmp/out")
	check "bad/$base" "$tmp/out" "$lang/bad/$base.expected"
done

# good/: disassembly of the compiled plan
for f in "$lang"/good/*.lana; do
	[ -f "$f" ] || continue
	base=$(basename "$f" .lana)
	selected "good/$base" || continue
	args=$(case_args "$f")
	# shellcheck disable=SC2086
	(cd "$lang/good" && "$LANARUN" compile $args -I ../../../share/lana \
		--emit=disasm -o - "$base.lana" >"$tmp/out" 2>"$tmp/err"
	 echo "$?" >"$tmp/rc")
	rc=$(cat "$tmp/rc")
	if [ "$rc" != 0 ] || [ -s "$tmp/err" ]; then
		echo "FAIL: good/$base: exit $rc, stderr:"
		sed 's/^/    /' "$tmp/err"
		failed=$((failed + 1))
		continue
	fi
	check "good/$base" "$tmp/out" "$lang/good/$base.disasm"
done

# diff/: edit plans between two versions of a graph
for f in "$lang"/diff/*.old.lana; do
	[ -f "$f" ] || continue
	base=$(basename "$f" .old.lana)
	selected "diff/$base" || continue
	args=$(case_args "$f")
	# shellcheck disable=SC2086
	(cd "$lang/diff" && "$LANARUN" diff $args "$base.old.lana" \
		"$base.new.lana" >"$tmp/out" 2>&1
	 echo "exit: $?" >>"$tmp/out")
	check "diff/$base" "$tmp/out" "$lang/diff/$base.expected"
done

# examples/: must lint clean (no expected files; nothing to update)
for f in "$top_srcdir"/examples/*.lana; do
	[ -f "$f" ] || continue
	base=$(basename "$f" .lana)
	selected "examples/$base" || continue
	(cd "$top_srcdir/examples" && "$LANARUN" lint -I ../share/lana \
		"$base.lana" >"$tmp/out" 2>&1
	 echo "$?" >"$tmp/rc")
	rc=$(cat "$tmp/rc")
	if [ "$rc" != 0 ] || [ -s "$tmp/out" ]; then
		echo "FAIL: examples/$base: exit $rc"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
