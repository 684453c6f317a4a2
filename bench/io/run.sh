#!/usr/bin/env bash
# bench/io/run.sh - LANA's userspace engine against the kernel on the same
# veths (issue 8). Two namespaces, ns1 (10.78.0.1) and ns2 (10.78.0.2),
# each behind a veth whose root-namespace ends (bio-v1, bio-v2) are joined
#   direct   by nothing: ns1 and ns2 share one veth pair instead (anchor)
#   bridge   by a Linux bridge (the anchor LANA is compared with)
#   lana     by lanad running examples/bridge.lana (eth mode = packet:
#            AF_PACKET)
#   lana-xdp the same with eth mode = xdp (AF_XDP; native XDP in copy mode
#            on veth); with offloads on, TCP does not work through it
#            (partial checksums, docs/runtime.md): its row shows 0 there
#   lana-bp  the same with lanad --busy-poll (workers never sleep)
#   lana-w2  lana with lanad --workers 2: each eth has one AF_PACKET
#            socket per worker in a PACKET_FANOUT group (flows hashed over
#            the workers, docs/runtime.md); one flow stays on one worker
# each with offloads on (the veth default) and off (ethtool -K ... tx off
# tso off gso off gro off), alternating configurations within each round.
# Measured per configuration: TCP Gbit/s (iperf3, one stream, and four
# streams: -P 4), ping RTT
# (median of PINGS pings, 10 ms apart), UDP pps received with 64-byte
# payloads (iperf3 -u -l 64 -b 0), and for lana the CPU lanad used during
# the TCP run per Gbit/s moved. Prints one table: medians over ROUNDS.
#
# Usage: bench/io/run.sh   (root; env: LANAD, LANARUN binaries, default
#        build/lanad and build/lanarun; ROUNDS=3 SECONDS_TCP=5
#        SECONDS_UDP=3 PINGS=200 WORKERS=1 CONFIGS="direct bridge lana
#        lana-bp lana-xdp lana-w2" OFFLOADS="on off"; WORKERS is lanad's
#        for all lana configs but lana-w2, which has 2)
# Needs: iproute2, iperf3, ethtool, ping. Uses only its own namespaces.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
D=${LANAD:-$top/build/lanad}
L=${LANARUN:-$top/build/lanarun}
ROUNDS=${ROUNDS:-3}
T_TCP=${SECONDS_TCP:-5}
T_UDP=${SECONDS_UDP:-3}
PINGS=${PINGS:-200}
WORKERS=${WORKERS:-1}
CONFIGS=${CONFIGS:-direct bridge lana lana-bp lana-xdp lana-w2}
OFFLOADS=${OFFLOADS:-on off}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=

[ "$(id -u)" = 0 ] || { echo "bench/io: needs root" >&2; exit 1; }
for t in iperf3 ethtool ping ip; do
	command -v $t >/dev/null || { echo "bench/io: $t missing" >&2; exit 1; }
done
[ -x "$D" ] && [ -x "$L" ] || { echo "bench/io: build lanad and lanarun first ($D)" >&2; exit 1; }

down() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	lanad_pid=
	ip link del bio-br 2>/dev/null
	ip link del bio-v1 2>/dev/null
	ip link del bio-v2 2>/dev/null
	ip netns del bio-ns1 2>/dev/null
	ip netns del bio-ns2 2>/dev/null
	true
}
trap 'down; rm -rf "$tmp"' EXIT

# setup CONFIG OFFLOADS(on|off)
setup() {
	down
	ip netns add bio-ns1
	ip netns add bio-ns2
	if [ "$1" = direct ]; then
		ip -n bio-ns1 link add v1 type veth peer name v2 netns bio-ns2
	else
		ip link add bio-v1 type veth peer name v1 netns bio-ns1
		ip link add bio-v2 type veth peer name v2 netns bio-ns2
		for d in bio-v1 bio-v2; do
			sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
			[ "$2" = off ] && ethtool -K $d tx off tso off gso off gro off >/dev/null 2>&1
			ip link set $d up
		done
	fi
	ip -n bio-ns1 addr add 10.78.0.1/24 dev v1
	ip -n bio-ns2 addr add 10.78.0.2/24 dev v2
	for n in 1 2; do
		[ "$2" = off ] && ip netns exec bio-ns$n ethtool -K v$n tx off tso off gso off gro off >/dev/null 2>&1
		ip -n bio-ns$n link set v$n up
		ip -n bio-ns$n link set lo up
	done
	case $1 in
	bridge)
		ip link add bio-br type bridge
		ip link set bio-br up
		ip link set bio-v1 master bio-br
		ip link set bio-v2 master bio-br ;;
	lana|lana-bp|lana-xdp|lana-w2)
		local mode=packet bp= w=$WORKERS
		[ "$1" = lana-xdp ] && mode=xdp
		[ "$1" = lana-bp ] && bp=--busy-poll
		[ "$1" = lana-w2 ] && w=2
		sed "s/eth(dev = \(DEV[01]\))/eth(dev = \1, mode = $mode)/" \
			"$top/examples/bridge.lana" >"$tmp/bridge.lana"
		"$D" --socket "$sock" --workers "$w" $bp >"$tmp/lanad.log" 2>&1 &
		lanad_pid=$!
		for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
		"$L" --socket "$sock" -D DEV0=bio-v1 -D DEV1=bio-v2 apply \
			"$tmp/bridge.lana" >/dev/null || return 1 ;;
	esac
	ip netns exec bio-ns1 ping -c 3 -i 0.2 -W 1 10.78.0.2 >/dev/null
}

cpu_ticks() {	# utime + stime of lanad, in clock ticks
	[ -n "$lanad_pid" ] || { echo 0; return; }
	awk '{ print $14 + $15 }' "/proc/$lanad_pid/stat"
}

# iperf CLIENT-ARGS...: receiver's bits/s and packets (UDP) from the JSON
iperf() {
	ip netns exec bio-ns2 iperf3 -s -1 -p 5399 >/dev/null 2>&1 &
	local spid=$!
	sleep 0.3
	ip netns exec bio-ns1 timeout 60 iperf3 -J --connect-timeout 3000 -c 10.78.0.2 -p 5399 "$@" >"$tmp/i.json" 2>/dev/null
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	python3 - "$tmp/i.json" <<'P'
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    s = e.get("sum_received") or e["sum"]
    pk = s.get("packets", 0) - s.get("lost_packets", 0)
    print(s["bits_per_second"], pk / s["seconds"] if s.get("seconds") else 0)
except Exception:
    print("0 0")
P
}

rtt_median() {	# ms
	ip netns exec bio-ns1 ping -c "$PINGS" -i 0.01 -W 1 10.78.0.2 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'
}

hz=$(getconf CLK_TCK)
: >"$tmp/results"
for r in $(seq "$ROUNDS"); do
	for off in $OFFLOADS; do
		for cfg in $CONFIGS; do
			echo "round $r/$ROUNDS: $cfg, offloads $off" >&2
			if ! setup $cfg $off; then
				echo "bench/io: $cfg/$off: setup failed" >&2
				continue
			fi
			c0=$(cpu_ticks)
			read -r bps _ < <(iperf -t "$T_TCP")
			c1=$(cpu_ticks)
			read -r bps4 _ < <(iperf -t "$T_TCP" -P 4)
			rtt=$(rtt_median)
			read -r _ pps < <(iperf -u -l 64 -b 0 -t "$T_UDP")
			echo "$cfg $off $bps $rtt $pps $(( c1 - c0 )) $bps4" >>"$tmp/results"
		done
	done
done
down

echo
echo "bench/io: $ROUNDS rounds, TCP ${T_TCP} s, UDP 64 B ${T_UDP} s, $PINGS pings; lanad --workers $WORKERS (lana-w2: 2); $(nproc) CPUs, kernel $(uname -r)"
printf '%-8s %-9s %10s %10s %12s %14s %16s\n' config offloads "TCP Gbit/s" "TCPx4 Gb/s" "RTT med ms" "UDP 64B pps" "lanad CPU%/Gbps"
for off in $OFFLOADS; do
	for cfg in $CONFIGS; do
		awk -v c=$cfg -v o=$off -v hz="$hz" -v t="$T_TCP" '
			function med(a, n,   i, j, x) {
				for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
				return n ? a[int((n + 1) / 2)] : 0 }
			$1 == c && $2 == o { n++; b[n] = $3 / 1e9; r[n] = $4; p[n] = $5; b4[n] = $7 / 1e9;
				u[n] = ($3 > 0) ? ($6 / hz / t * 100) / ($3 / 1e9) : 0 }
			END {
				if (!n) { printf "%-8s %-9s %10s\n", c, o, "failed"; exit }
				cpu = (c ~ /^lana/) ? sprintf("%.1f", med(u, n)) : "-"
				printf "%-8s %-9s %10.2f %10.2f %12.3f %14.0f %16s\n", c, o, med(b, n), med(b4, n), med(r, n), med(p, n), cpu }' "$tmp/results"
	done
done
