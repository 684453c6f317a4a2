#!/bin/sh
# bench/classify/run.sh - classify with 8 filters against the same 8
# filters as a chain of bpf blocks (each bpf's reject port into the next),
# on the same frames: ns per packet of each, over the reader's own cost
# (pcap_in -> drop), one worker, from a pcap file in RAM. The frames are
# UDP to ports 1..8 in turn, so frame i matches filter i mod 8: on
# average 4.5 filters run per frame in both graphs.
# Environment: LANARUN, N (default 2000000), ROUNDS (3, median), SHM.
set -eu
L=${LANARUN:-$(command -v lanarun || echo ./lanarun)}
N=${N:-2000000}
ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d "${SHM:-/dev/shm}/lana-bench-classify.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 - "$dir/f.pcap" "$N" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
                                   bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])))
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        udp = struct.pack("!HHHH", 40000, 1 + i % 8, 26, 0) + bytes(18)
        fr = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + bytes(ip) + udp
        f.write(struct.pack("<IIII", 1, i % 1000000, len(fr), len(fr)))
        f.write(fr)
PY

filters=""
for p in 1 2 3 4 5 6 7 8; do
	filters="$filters${filters:+, }\"udp dst port $p\""
done
{
	echo "p :: pcap_in(file = \"$dir/f.pcap\") -> c :: counter() -> drop();"
} >"$dir/base.lana"
{
	echo "p :: pcap_in(file = \"$dir/f.pcap\");"
	echo "k :: classify(filters = [$filters]);"
	echo "p -> k;"
	for i in 0 1 2 3 4 5 6 7; do echo "k[$i] -> drop();"; done
	echo "k[other] -> x :: counter() -> drop();"
} >"$dir/classify.lana"
{
	echo "p :: pcap_in(file = \"$dir/f.pcap\");"
	for p in 1 2 3 4 5 6 7 8; do
		echo "b$p :: bpf(filter = \"udp dst port $p\");"
		echo "b$p -> drop();"
	done
	echo "p -> b1;"
	for p in 1 2 3 4 5 6 7; do echo "b$p[reject] -> b$((p + 1));"; done
	echo "b8[reject] -> x :: counter() -> drop();"
} >"$dir/chain.lana"

median() {
	i=0
	: >"$dir/times"
	while [ $i -lt "$ROUNDS" ]; do
		t0=$(date +%s.%N)
		"$L" run --workers 1 "$1" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; return 1; }
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$dir/times"
		i=$((i + 1))
	done
	sort -n "$dir/times" | sed -n "$(( (ROUNDS + 1) / 2 ))p"
}
per() {
	awk -v b="$1" -v s="$2" -v n="$N" 'BEGIN {
		d = s - b
		if (d <= 0) { print "-"; exit }
		printf "%.1f\n", d * 1e9 / n }'
}
tb=$(median "$dir/base.lana")
tc=$(median "$dir/classify.lana")
grep -q " x  *counter  *0 " "$dir/out" || { echo "classify: frames left at other" >&2; cat "$dir/out" >&2; exit 1; }
tk=$(median "$dir/chain.lana")
grep -q " x  *counter  *0 " "$dir/out" || { echo "chain: frames left unmatched" >&2; cat "$dir/out" >&2; exit 1; }
printf '%-26s %10s\n' graph "ns/pkt"
printf '%-26s %10s\n' "classify, 8 filters" "$(per "$tb" "$tc")"
printf '%-26s %10s\n' "8 chained bpf blocks" "$(per "$tb" "$tk")"
echo "(N = $N frames, median of $ROUNDS runs, over pcap_in -> drop: $tb s)"
