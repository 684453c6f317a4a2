#!/bin/sh
# tests/mkbadbpf.sh LANARUN GRAPH.lana OUT.plan - compile GRAPH (which has a
# bpf block whose filter has a `ret #65535`) and turn that return's opcode
# 0x0006 into 0x8006, an opcode neither libpcap's bpf_filter() nor the
# kernel implements, then fix the plan's CRC-32 (docs/plan-format.md: bytes
# [24, length) at offset 20, little-endian), so that only the validators
# stand between the plan and the engines. The CRC is the one gzip writes
# in its trailer (RFC 1952: CRC-32 of the data, little-endian).
# Used by tests/bpf-plan.sh and tests/kmod/run.sh. Needs GNU grep and gzip.
set -eu
[ $# = 3 ] || { echo "usage: $0 LANARUN GRAPH.lana OUT.plan" >&2; exit 2; }
"$1" compile -o "$3" "$2"
# the instruction {code 0x0006, jt 0, jf 0, k 65535}, as the plan stores it
off=$(LC_ALL=C grep -obUaP '\x06\x00\x00\x00\xff\xff\x00\x00' "$3" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || { echo "$0: no 'ret #65535' in $3" >&2; exit 1; }
printf '\200' | dd of="$3" bs=1 seek=$((off + 1)) conv=notrunc 2>/dev/null
tail -c +25 "$3" | gzip -c | tail -c 8 | head -c 4 |
	dd of="$3" bs=1 seek=20 conv=notrunc 2>/dev/null
