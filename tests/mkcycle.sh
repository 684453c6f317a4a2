#!/bin/sh
# tests/mkcycle.sh LANARUN GRAPH.lana OUT.plan SRC DST NEWDST - compile
# GRAPH and turn its BIND SRC.out[0] -> DST.in[0] into SRC.out[0] ->
# NEWDST.in[0] (IDPs, as `lanarun disasm` shows them), then fix the plan's
# CRC-32 (docs/plan-format.md: bytes [24, length) at offset 20,
# little-endian): a plan with a cycle, which the compiler refuses to make
# (lang/check.c) but which can be sent to an engine as is (tests/plan-send).
# The CRC is the one gzip writes in its trailer (RFC 1952: CRC-32 of the
# data, little-endian), as in tests/mkbadbpf.sh. IDPs below 256 only.
# Used by tests/hops.sh and tests/kmod/run.sh. Needs GNU grep and gzip.
set -eu
[ $# = 6 ] || { echo "usage: $0 LANARUN GRAPH.lana OUT.plan SRC DST NEWDST" >&2; exit 2; }
"$1" compile -o "$3" "$2"
oct() { printf '\\%03o' "$1"; }
# BIND: u16 len 16, u8 opcode 3, u8 0, u32 src, u16 port 0, u16 dport 0, u32 dst
pat=$(printf '\\x10\\x00\\x03\\x00\\x%02x\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x%02x\\x00\\x00\\x00' "$4" "$5")
off=$(LC_ALL=C grep -obUaP "$pat" "$3" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || { echo "$0: no BIND $4.0 -> $5.0 in $3" >&2; exit 1; }
# shellcheck disable=SC2059
printf "$(oct "$6")" | dd of="$3" bs=1 seek=$((off + 12)) conv=notrunc 2>/dev/null
tail -c +25 "$3" | gzip -c | tail -c 8 | head -c 4 |
	dd of="$3" bs=1 seek=20 conv=notrunc 2>/dev/null
