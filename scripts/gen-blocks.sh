#!/bin/sh
# scripts/gen-blocks.sh [TOP] - write TOP/blocks/blocks.am from
# TOP/blocks/blocks.def (one LANA_BLOCK(name, engines) per line):
#   BLOCK_SOURCES  the userspace build's block sources, blocks/NAME.c
#   BLOCK_TESTS    the block test program's sources: the harness and
#                  tests/blocks/test_NAME.c of every type that has one
# Makefile.am includes the result; scripts/build.sh runs this before
# autoreconf, and make runs it again whenever blocks.def changes (automake
# then regenerates Makefile.in): after adding a test file for a type that
# is already listed, run scripts/build.sh (or this script) once.
# The file is only rewritten when its contents change.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
def=$top/blocks/blocks.def
out=$top/blocks/blocks.am
names=$(sed -n 's/^LANA_BLOCK(\([a-z0-9_]*\), *\(ALL\|USER\|KERNEL\))$/\1/p' "$def")
[ -n "$names" ] || { echo "gen-blocks: no LANA_BLOCK(name, engines) line in $def" >&2; exit 1; }
tests=
for n in $names; do
	[ -f "$top/blocks/$n.c" ] ||
		{ echo "gen-blocks: $def names '$n' but blocks/$n.c does not exist" >&2; exit 1; }
	if [ -f "$top/tests/blocks/test_$n.c" ]; then tests="$tests $n"; fi
done
for f in "$top"/tests/blocks/test_*.c; do
	[ -f "$f" ] || continue
	n=${f##*/test_}
	n=${n%.c}
	case " $(echo $names) " in *" $n "*) ;; *)
		echo "gen-blocks: tests/blocks/test_$n.c tests no block type of $def" >&2; exit 1 ;;
	esac
done
tmp=$out.tmp.$$
{
	echo "# blocks/blocks.am - generated from blocks/blocks.def by scripts/gen-blocks.sh;"
	echo "# do not edit, do not commit."
	printf 'BLOCK_SOURCES ='
	for n in $names; do printf ' \\\n\tblocks/%s.c' "$n"; done
	echo
	printf 'BLOCK_TESTS = tests/blocks/harness.c tests/blocks/harness.h'
	for n in $tests; do printf ' \\\n\ttests/blocks/test_%s.c' "$n"; done
	echo
} >"$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
