#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/compile/run.sh - compiler and diff benchmarks (see bench/README.md).
#
# Usage: [LANARUN=path/to/lanarun] [CC=cc] [SIZES="10000 100000 1000000"]
#        [BENCH_DIR=dir] sh bench/compile/run.sh
#
# LANARUN defaults to ../../lanarun, i.e. the script is meant to be started
# from <builddir>/bench/compile; if that does not exist, ./lanarun and then
# lanarun on $PATH are tried. The generator (gen_graph.c, next to this
# script) is built with $CC -O2 into BENCH_DIR (default: a temporary
# directory, removed at the end unless BENCH_KEEP=1).
#
# For each shape (chain, compound) and size it runs
#   lanarun compile --stats -o X.plan X.lana
# and for two 100k-block chains differing in one block (and two 100k-block
# compound graphs differing in one live parameter)
#   lanarun diff --stats --summary old.plan new.plan
# and prints a table: shape, blocks, compile ms, peak MiB, diff ms.
# "compile ms" and "peak MiB" come from the --stats line on stderr
# ("... total 80.3 ms, peak RSS 61 MiB"); "diff ms" from "diff N ms".
# Exit status 1 if any lanarun run failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
SIZES=${SIZES:-"10000 100000 1000000"}
DIFF_SIZE=${DIFF_SIZE:-100000}

if [ -z "${LANARUN:-}" ]; then
	for c in ../../lanarun ./lanarun; do
		if [ -x "$c" ]; then
			LANARUN=$c
			break
		fi
	done
	: "${LANARUN:=lanarun}"
fi
case "$LANARUN" in
*/*) LANARUN=$(cd "$(dirname "$LANARUN")" && pwd)/$(basename "$LANARUN") ;;
esac
if ! command -v "$LANARUN" >/dev/null 2>&1; then
	echo "run.sh: lanarun not found (set LANARUN)" >&2
	exit 2
fi

if [ -n "${BENCH_DIR:-}" ]; then
	mkdir -p "$BENCH_DIR" || exit 2
	work=$BENCH_DIR
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/lana-bench.XXXXXX") || exit 2
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		trap 'rm -rf "$work"' EXIT INT TERM
	fi
fi

"$CC" -O2 -o "$work/gen_graph" "$here/gen_graph.c" || exit 2

status=0

# stat_num FILE REGEX: the first number inside the first match of REGEX,
# e.g. stat_num f 'total [0-9.]* ms' -> 80.3
stat_num() {
	grep -o "$2" "$1" | head -n 1 | grep -o '[0-9][0-9.]*' | head -n 1
}

# compile NAME: compile NAME.lana to NAME.plan, leave stats in NAME.stats
compile() {
	if ! "$LANARUN" compile --stats -o "$work/$1.plan" "$work/$1.lana" \
		2>"$work/$1.stats"; then
		echo "run.sh: compiling $1 failed:" >&2
		head -n 20 "$work/$1.stats" >&2
		status=1
		return 1
	fi
}

# blocks count of a shape/size after flattening
blocks_of() {
	case "$1" in
	chain) echo $(($2 + 3)) ;;
	compound) echo $(($2 / 10 * 10 + 3)) ;;
	esac
}

printf '%-9s %9s %11s %9s %8s\n' shape blocks "compile ms" "peak MiB" "diff ms"
for shape in chain compound; do
	for n in $SIZES; do
		name=$shape-$n
		"$work/gen_graph" "$shape" "$n" >"$work/$name.lana" || exit 2
		cms=-
		mib=-
		if compile "$name"; then
			cms=$(stat_num "$work/$name.stats" 'total [0-9.]* ms')
			mib=$(stat_num "$work/$name.stats" 'peak RSS [0-9.]* MiB')
		fi
		dms=
		if [ "$n" = "$DIFF_SIZE" ] && [ -f "$work/$name.plan" ]; then
			"$work/gen_graph" "$shape" "$n" --change $((n / 20)) \
				>"$work/$name-changed.lana" || exit 2
			dms=-
			if compile "$name-changed"; then
				# exit 1: the plans differ (as diff(1))
				"$LANARUN" diff --stats --summary \
					"$work/$name.plan" "$work/$name-changed.plan" \
					>"$work/$name.diff" 2>&1
				if [ $? -le 1 ]; then
					dms=$(stat_num "$work/$name.diff" \
						'diff [0-9.]* ms')
				else
					echo "run.sh: diff $name failed:" >&2
					head -n 20 "$work/$name.diff" >&2
					status=1
				fi
			fi
		fi
		printf '%-9s %9s %11s %9s %8s\n' "$shape" "$(blocks_of "$shape" "$n")" \
			"${cms:-?}" "${mib:-?}" "${dms}"
	done
done
exit $status
