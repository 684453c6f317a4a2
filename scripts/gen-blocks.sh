#!/bin/sh
# scripts/gen-blocks.sh [TOP] - write TOP/blocks/blocks.am, the userspace
# build's list of block sources, from TOP/blocks/blocks.def (one
# LANA_BLOCK(name, engines) per line). Makefile.am includes the result;
# scripts/build.sh runs this before autoreconf, and make runs it again
# whenever blocks.def changes (automake then regenerates Makefile.in).
# The file is only rewritten when its contents change.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
def=$top/blocks/blocks.def
out=$top/blocks/blocks.am
names=$(sed -n 's/^LANA_BLOCK(\([a-z0-9_]*\), *\(ALL\|USER\|KERNEL\))$/\1/p' "$def")
[ -n "$names" ] || { echo "gen-blocks: no LANA_BLOCK(name, engines) line in $def" >&2; exit 1; }
for n in $names; do
	[ -f "$top/blocks/$n.c" ] ||
		{ echo "gen-blocks: $def names '$n' but blocks/$n.c does not exist" >&2; exit 1; }
done
tmp=$out.tmp.$$
{
	echo "# blocks/blocks.am - generated from blocks/blocks.def by scripts/gen-blocks.sh;"
	echo "# do not edit, do not commit."
	printf 'BLOCK_SOURCES ='
	for n in $names; do printf ' \\\n\tblocks/%s.c' "$n"; done
	echo
} >"$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
