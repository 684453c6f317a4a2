#!/usr/bin/env bash
# tests/e2e/rate.sh - the rate block on real traffic (issue 10): ns1 ->
# ns2 goes through rate, ns2 -> ns1 does not, default offloads on.
#   - police at 10 Mbit/s: iperf3 UDP offered at 50 Mbit/s arrives at
#     9..11 Mbit/s (payload; the bucket counts Ethernet frames, so 1400
#     bytes of payload in 1442-byte frames is 9.7 Mbit/s);
#   - a live `lanarun set r rate=20mbit`: the same at 18..22 Mbit/s, the
#     block's counters kept (no REPLACE);
#   - shape at 10 Mbit/s (REPLACE with mode = shape): iperf3 TCP reaches
#     9..10.5 Mbit/s (MSS 1448 in 1514-byte frames is 9.56 Mbit/s), and
#     the shaper queues instead of dropping: fewer drops than police mode
#     had for the same TCP run at the same rate.
# Figures come from iperf3's receiver (its JSON report), tolerances as the
# issue gives them; a rate limiter's rate is behaviour.
# Needs root, iperf3, python3. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in iperf3 python3; do
	command -v "$t" >/dev/null ||
		{ echo "e2e: $t missing (scripts/install-deps.sh installs it)"; exit 1; }
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	pkill -f "iperf3 -s -1 -p 5298" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }

graph() {	# RATE-BLOCK-ARGS: the graph with rate(ARGS) on ns1 -> ns2
	cat <<EOF
const DEV0 = "veth0";
const DEV1 = "veth1";
a :: eth(dev = DEV0);
b :: eth(dev = DEV1);
a -> r :: rate($1) -> ca :: counter() -> b;
b -> cb :: counter() -> a;
EOF
}

# mbps [iperf3 client options...]: iperf3 from ns1 to ns2 for 5 s; prints
# the receiver's Mbit/s and TCP retransmits ("9.62 0")
mbps() {
	ip netns exec lana-ns2 iperf3 -s -1 -p 5298 >/dev/null 2>&1 &
	local spid=$!
	sleep 0.3
	ip netns exec lana-ns1 timeout 30 iperf3 -J -c 10.77.0.2 -p 5298 -t 5 "$@" \
		>"$tmp/iperf.json" 2>&1
	local rc=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	[ "$rc" = 0 ] || { echo "0 0"; return 1; }
	python3 - "$tmp/iperf.json" <<'P'
import json, sys
e = json.load(open(sys.argv[1]))["end"]
r = e.get("sum_received") or e["sum"]
rt = e.get("sum_sent", {}).get("retransmits", 0)
print("%.2f %d" % (r["bytes"] * 8 / r["seconds"] / 1e6, rt))
P
}
# within A LO HI: A is within [LO, HI]
within() { python3 -c "import sys; a,l,h=map(float,sys.argv[1:]); sys.exit(not l<=a<=h)" "$@"; }
stat() { lr stats r | sed -n "s/^ *$1 \([0-9][0-9]*\)$/\1/p"; }

e2e_netns_up
e2e_static_neigh
e2e_lanad_start "$sock" "$tmp/lanad.log" -f || { echo "FAIL: lanad"; cat "$tmp/lanad.log"; exit 1; }

graph "rate = 10mbit, mode = police" >"$tmp/police.lana"
e2e_check "apply rate(rate = 10mbit, mode = police)" lr apply "$tmp/police.lana"
e2e_check "ping through the rate block" e2e_ping 3

read -r m _ <<<"$(mbps -u -b 50M -l 1400)"
e2e_check "police 10mbit: UDP offered at 50 Mbit/s arrives at $m Mbit/s (9..11)" within "$m" 9 11
d1=$(stat dropped)
e2e_check "police: the excess is dropped and counted ($d1 frames)" test "${d1:-0}" -gt 1000

e2e_check "live set r rate=20mbit" lr set r rate=20mbit
read -r m _ <<<"$(mbps -u -b 50M -l 1400)"
e2e_check "police 20mbit after the SET: UDP at $m Mbit/s (18..22)" within "$m" 18 22
d2=$(stat dropped)
e2e_check "the SET kept the block: its drop count grew from $d1 to $d2" test "${d2:-0}" -gt "${d1:-0}"

e2e_check "live set r rate=10mbit" lr set r rate=10mbit
d0=$(stat dropped) p0=$(stat passed)
read -r mp rtp <<<"$(mbps)"
dp=$(( $(stat dropped) - d0 )) pp=$(( $(stat passed) - p0 ))
echo "info: TCP through police at 10 Mbit/s: $mp Mbit/s, $rtp retransmits, $dp of $((dp + pp)) frames dropped"

graph "rate = 10mbit, mode = shape" >"$tmp/shape.lana"
e2e_check "apply rate(rate = 10mbit, mode = shape) (REPLACE)" lr apply "$tmp/shape.lana"
read -r m rt <<<"$(mbps)"
e2e_check "shape 10mbit: TCP at $m Mbit/s (9..10.5)" within "$m" 9 10.5
q=$(stat passed)
e2e_check "shape: frames went through the queue ($q passed)" test "${q:-0}" -gt 1000
ds=$(stat dropped)
echo "info: TCP through shape at 10 Mbit/s: $m Mbit/s, $rt retransmits, $ds of $((ds + q)) frames dropped"
# as a share of the frames offered: police drops what exceeds the burst
# (TCP then backs off hard), the shaper only what overflows its queue
e2e_check "shape drops a smaller share than police ($ds/$((ds + q)) < $dp/$((dp + pp)))" \
	test $((ds * (dp + pp))) -lt $((dp * (ds + q)))
e2e_check "ping through the shaper" e2e_ping 3

e2e_summary
