#!/bin/sh
# bench/switch/run.sh - the switch block against Click's EtherSwitch on the
# same frames, one worker, 64-byte frames, K = 1k and 64k learned MACs.
#
# For each K it writes two pcap files to a RAM directory: learn.pcap (K
# frames from hosts A0..A(K-1), entering port 1) and main.pcap (N frames
# from hosts B(i mod K) to A(i mod K), entering port 0: after the first
# K, every lookup hits and every frame is forwarded to port 1). Each
# system replays them from memory, once through the switch and once
# straight into a drop (the reader's own cost), and the difference over N
# is the switch's ns per packet:
#   LANA:  lanarun run --workers 1: pcap_in -> [0]switch(ports = 2)
#   Click: click: FromDump -> [0]EtherSwitch (elements/etherswitch/)
# Click is not part of LANA: build it outside the tree for the measurement
# (see bench/README.md) and give its binary as CLICK; without it only
# LANA's figures are printed.
# Environment: LANARUN (default lanarun on PATH or ./lanarun), CLICK,
# N (frames, default 2000000), KS (default "1024 65536"), ROUNDS (3,
# the median is printed), SHM (default /dev/shm).
set -eu
L=${LANARUN:-$(command -v lanarun || echo ./lanarun)}
N=${N:-2000000}
KS=${KS:-"1024 65536"}
ROUNDS=${ROUNDS:-3}
dir=$(mktemp -d "${SHM:-/dev/shm}/lana-bench-switch.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# mkpcap FILE COUNT K SRC DST: COUNT 64-byte frames, frame i from host
# SRC(i mod K) to host DST(i mod K) (MACs 02:SS:00:xx:xx:xx); DST "ff" is
# broadcast. Classic pcap (pcap-savefile(5)), EtherType 0x88b5.
mkpcap() {
	python3 - "$@" <<'PY'
import struct, sys
path, count, k, s, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def mac(tag, i):
    return bytes([0x02, int(tag, 16), 0, (i >> 16) & 255, (i >> 8) & 255, i & 255])
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    pay = bytes(50)
    for i in range(count):
        j = i % k
        dst = b"\xff" * 6 if d == "ff" else mac(d, j)
        fr = dst + mac(s, j) + b"\x88\xb5" + pay[:46]
        f.write(struct.pack("<IIII", 1, i % 1000000, len(fr), len(fr)))
        f.write(fr)
PY
}

# median of ROUNDS runs of: CMD...; prints seconds
median() {
	i=0
	: >"$dir/times"
	while [ $i -lt "$ROUNDS" ]; do
		t0=$(date +%s.%N)
		"$@" >"$dir/out" 2>&1 || { cat "$dir/out" >&2; return 1; }
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$dir/times"
		i=$((i + 1))
	done
	sort -n "$dir/times" | sed -n "$(( (ROUNDS + 1) / 2 ))p"
}

# per BASE WITH: "ns/pkt Mpps" of the switch alone, from two run times
per() {
	awk -v b="$1" -v s="$2" -v n="$N" 'BEGIN {
		d = s - b
		if (d <= 0) { print "- -"; exit }
		printf "%.1f %.2f\n", d * 1e9 / n, n / d / 1e6 }'
}
fmt_row() { awk '{ printf "%-7s %-6s %12s %12s %12s\n", $1, $2, $3, $4, $5 }'; }

lana_graph() {	# K WITH-SWITCH(0/1)
	if [ "$2" = 1 ]; then
		cat <<E
l :: pcap_in(file = "$dir/learn.pcap");
m :: pcap_in(file = "$dir/main.pcap");
s :: switch(ports = 2, max_entries = $((2 * $1 + 16)));
l -> [1]s;
m -> [0]s;
s[0] -> drop();
s[1] -> c :: counter() -> drop();
E
	else
		cat <<E
l :: pcap_in(file = "$dir/learn.pcap") -> drop();
m :: pcap_in(file = "$dir/main.pcap") -> c :: counter() -> drop();
E
	fi
}

click_conf() {	# WITH-SWITCH(0/1)
	if [ "$1" = 1 ]; then
		cat <<E
l :: FromDump($dir/learn.pcap, STOP false, TIMING false);
m :: FromDump($dir/main.pcap, STOP true, TIMING false);
s :: EtherSwitch;
l -> [1]s;
m -> [0]s;
s[0] -> Discard;
s[1] -> Discard;
E
	else
		cat <<E
l :: FromDump($dir/learn.pcap, STOP false, TIMING false) -> Discard;
m :: FromDump($dir/main.pcap, STOP true, TIMING false) -> Discard;
E
	fi
}

printf '%-7s %-6s %12s %12s %12s\n' system K "ns/pkt" "Mpps(switch)" "s(total)"
for k in $KS; do
	mkpcap "$dir/learn.pcap" "$k" "$k" a0 ff
	mkpcap "$dir/main.pcap" "$N" "$k" b0 a0
	lana_graph "$k" 0 >"$dir/base.lana"
	lana_graph "$k" 1 >"$dir/sw.lana"
	tb=$(median "$L" run --workers 1 "$dir/base.lana")
	ts=$(median "$L" run --workers 1 "$dir/sw.lana")
	# a valid run: every main frame was forwarded (port 1, counter c)
	got=$(awk '$2 == "c" { print $4 }' "$dir/out")
	[ "$got" = "$N" ] || { echo "lana: counter c saw $got frames, want $N" >&2; cat "$dir/out" >&2; exit 1; }
	printf '%-7s %-6s %s %s\n' lana "$k" "$(per "$tb" "$ts")" "$ts" | fmt_row
	if [ -n "${CLICK:-}" ] && [ -x "$CLICK" ]; then
		click_conf 0 >"$dir/base.click"
		click_conf 1 >"$dir/sw.click"
		tb=$(median "$CLICK" "$dir/base.click")
		ts=$(median "$CLICK" "$dir/sw.click")
		printf '%-7s %-6s %s %s\n' click "$k" "$(per "$tb" "$ts")" "$ts" | fmt_row
	else
		printf '%-7s %-6s %12s\n' click "$k" "(CLICK not set: no anchor)"
	fi
done
