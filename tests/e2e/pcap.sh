#!/usr/bin/env bash
# tests/e2e/pcap.sh - `lanarun run` on a capture (issue 3): tcpdump
# records a veth while ping and iperf3 (TCP on ports 80 and 5201) run;
# pcap_in -> bpf("tcp port 80") -> pcap_out must write exactly the packets
# `tcpdump -r` selects with the same filter, in the same order.
# Needs root. Env: LANARUN, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del lana-pc1 2>/dev/null || true
	ip netns del lana-pc2 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add lana-pc1
ip netns add lana-pc2
ip -n lana-pc1 link add p1 type veth peer name p2 netns lana-pc2
ip -n lana-pc1 addr add 10.78.0.1/24 dev p1
ip -n lana-pc2 addr add 10.78.0.2/24 dev p2
ip -n lana-pc1 link set p1 up
ip -n lana-pc2 link set p2 up

ip netns exec lana-pc2 tcpdump -q -i p2 -w "$tmp/cap.pcap" -U 2>"$tmp/tcpdump.log" &
pids+=($!)
ip netns exec lana-pc2 iperf3 -s -p 80 >/dev/null 2>&1 &
pids+=($!)
ip netns exec lana-pc2 iperf3 -s -p 5201 >/dev/null 2>&1 &
pids+=($!)
sleep 1
ip netns exec lana-pc1 ping -q -c 5 -i 0.2 10.78.0.2 >/dev/null 2>&1
ip netns exec lana-pc1 iperf3 -c 10.78.0.2 -p 80 -t 1 -b 20M >/dev/null 2>&1
ip netns exec lana-pc1 iperf3 -c 10.78.0.2 -p 5201 -t 1 -b 20M >/dev/null 2>&1
sleep 1
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null

total=$(tcpdump -r "$tmp/cap.pcap" 2>/dev/null | wc -l)
want=$(tcpdump -r "$tmp/cap.pcap" 'tcp port 80' 2>/dev/null | wc -l)
e2e_check "capture has traffic ($total packets, $want on tcp port 80)" \
	test "$want" -gt 10 -a "$total" -gt "$want"

cat >"$tmp/filter.lana" <<G
pcap_in(file = "$tmp/cap.pcap") -> bpf(filter = "tcp port 80") -> pcap_out(file = "$tmp/out.pcap");
G
e2e_check "lanarun run ends when the capture is played" \
	timeout 60 "$L" run "$tmp/filter.lana"
tcpdump -nn -tt -r "$tmp/cap.pcap" 'tcp port 80' >"$tmp/want.txt" 2>/dev/null
tcpdump -nn -tt -r "$tmp/out.pcap" >"$tmp/got.txt" 2>/dev/null
e2e_check "pcap_out holds exactly what tcpdump selects ($(wc -l <"$tmp/got.txt") packets)" \
	diff -q "$tmp/want.txt" "$tmp/got.txt"
e2e_summary
