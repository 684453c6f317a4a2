#!/usr/bin/env bash
# tests/e2e/lsdn.sh - LSDN's example (its Figure 1, Appendix A of
# ../shared/papers/002: four VMs on two physical machines; issue 11,
# scenario 4). Namespaces (all made and deleted here):
#   lana-lsA, lana-lsB: physical hosts A and B, joined by the underlay
#     veth ua 192.168.10.1/24 <-> ub 192.168.10.2/24; one lanad each
#   lana-ls1, lana-ls2 on A, lana-ls3, lana-ls4 on B: the VMs, each with
#     eth0 10.90.0.N/24 (N = 1..4) whose peer hN is in its host
# Tenant net 1 = VMs 1 and 3 (VNI 1), net 2 = VMs 2 and 4 (VNI 2). All
# four VMs are in ONE IP subnet, so only the VNI keeps the tenants apart.
# Host A's graph:  e1 :: eth(h1) -> x1 :: vxlan(vni 1) -> e1
#                  e2 :: eth(h2) -> r2 :: rate(5mbit) -> x2 :: vxlan(vni 2) -> e2
# Host B's: the same without the rate (VMs 3 and 4). Both vxlan blocks of
# a host bind 192.168.10.X:4789: they share one socket, demultiplexed by
# VNI (runtime/udp.c lana_udp_open_keyed()).
# Checks: VM1 <-> VM3 and VM2 <-> VM4 ping; VM1 reaches neither VM4 nor
# VM2, and a capture on VM4 sees no frame from VM1 (the control: VM3's
# does); 300 pings per tenant leave every vxlan block's bad_vni at 0 (the
# bug this catches: one SO_REUSEPORT socket per block, which the kernel
# feeds by 4-tuple hash, so about half of each tenant's datagrams land on
# the other tenant's block); UDP at 20 Mbit/s from VM2 to VM4 arrives at
# the rate's figure +- 15 %.
# Needs root, tcpdump, iperf3, python3. Env: LANARUN, LANAD,
# top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in tcpdump iperf3 python3; do
	command -v $t >/dev/null ||
		{ echo "e2e: $t missing (scripts/install-deps.sh installs it)"; exit 1; }
done
L=${LANARUN:-lanarun}
NS="lana-lsA lana-lsB lana-ls1 lana-ls2 lana-ls3 lana-ls4"
tmp=$(mktemp -d)
pa=
pb=
down() {
	# whatever the script started in its namespaces ends with them
	for n in $NS; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for n in $NS; do ip netns del "$n" 2>/dev/null; done
	true
}
cleanup() {
	[ -n "$pa" ] && kill "$pa" 2>/dev/null && wait "$pa" 2>/dev/null
	[ -n "$pb" ] && kill "$pb" 2>/dev/null && wait "$pb" 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
# killed (timeout, ^C): still clean up, so no lanad outlives the test
trap "exit 1" INT TERM
la() { "$L" --socket "$tmp/a.sock" "$@"; }
lb() { "$L" --socket "$tmp/b.sock" "$@"; }
vm() { local n=$1; shift; ip netns exec "lana-ls$n" "$@"; }
stat() { "$L" --socket "$tmp/$1.sock" stats "$2" | sed -n "s/^ *$3 \([0-9][0-9]*\)$/\1/p"; }

down
for n in $NS; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip link add ua netns lana-lsA type veth peer name ub netns lana-lsB
ip -n lana-lsA addr add 192.168.10.1/24 dev ua
ip -n lana-lsB addr add 192.168.10.2/24 dev ub
ip -n lana-lsA link set ua up
ip -n lana-lsB link set ub up
for n in 1 2 3 4; do
	h=lana-lsA
	[ "$n" -gt 2 ] && h=lana-lsB
	ip link add eth0 netns "lana-ls$n" type veth peer name "h$n" netns "$h"
	vm "$n" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip netns exec "$h" sysctl -qw "net.ipv6.conf.h$n.disable_ipv6=1"
	# room for the 50 bytes of VXLAN over IPv4 on the 1500-byte underlay
	ip -n "lana-ls$n" link set eth0 mtu 1450
	ip -n "$h" link set "h$n" mtu 1450
	ip -n "lana-ls$n" addr add "10.90.0.$n/24" dev eth0
	ip -n "lana-ls$n" link set eth0 up
	ip -n "$h" link set "h$n" up
done

# $1: this host's underlay address, $2: the other's, $3 $4: VM numbers
# of tenants 1 and 2, $5: the element between VM tenant 2 and x2
graph() {
	cat <<EOF
e$3 :: eth(dev = "h$3", promisc = true);
e$4 :: eth(dev = "h$4", promisc = true);
x1 :: vxlan(vni = 1, local = "$1", remote = ["$2"]);
x2 :: vxlan(vni = 2, local = "$1", remote = ["$2"]);
e$3 -> x1 -> e$3;
$5
EOF
}
graph 192.168.10.1 192.168.10.2 1 2 \
	'r2 :: rate(rate = 5mbit); e2 -> r2 -> x2 -> e2;' >"$tmp/A.lana"
graph 192.168.10.2 192.168.10.1 3 4 'e4 -> x2 -> e4;' >"$tmp/B.lana"

# one lanad per host, killed by cleanup; ip netns exec directly, so that
# $! is lanad itself
ip netns exec lana-lsA "${LANAD:-lanad}" -f --socket "$tmp/a.sock" >"$tmp/a.log" 2>&1 9>&- &
pa=$!
ip netns exec lana-lsB "${LANAD:-lanad}" -f --socket "$tmp/b.sock" >"$tmp/b.log" 2>&1 9>&- &
pb=$!
for _ in $(seq 50); do [ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break; sleep 0.1; done

e2e_check "apply host A's graph (VMs 1, 2; rate on VM 2)" la apply "$tmp/A.lana"
e2e_check "apply host B's graph (VMs 3, 4)" lb apply "$tmp/B.lana"

e2e_check "tenant 1: VM1 -> VM3 ping" vm 1 ping -q -c 3 -i 0.2 -W 2 10.90.0.3
e2e_check "tenant 1: VM3 -> VM1 ping" vm 3 ping -q -c 3 -i 0.2 -W 2 10.90.0.1
e2e_check "tenant 2: VM2 -> VM4 ping" vm 2 ping -q -c 3 -i 0.2 -W 2 10.90.0.4
e2e_check "tenant 2: VM4 -> VM2 ping" vm 4 ping -q -c 3 -i 0.2 -W 2 10.90.0.2

# cross-tenant: VM1 tries VM4 (other host) and VM2 (same host); captures
# of frames from VM1's MAC on VM4 (must stay empty) and on VM3 (the
# control: VM1's ARP requests are broadcast in tenant 1)
m1=$(vm 1 cat /sys/class/net/eth0/address)
ip netns exec lana-ls4 tcpdump -i eth0 -nn -U --immediate-mode -w "$tmp/vm4.pcap" \
	ether src "$m1" >"$tmp/d4.log" 2>&1 &
d4=$!
ip netns exec lana-ls3 tcpdump -i eth0 -nn -U --immediate-mode -w "$tmp/vm3.pcap" \
	ether src "$m1" >"$tmp/d3.log" 2>&1 &
d3=$!
sleep 1
e2e_check_not "VM1 cannot reach VM4 (tenant 2, host B)" \
	vm 1 ping -q -c 3 -i 0.3 -W 1 10.90.0.4
e2e_check_not "VM1 cannot reach VM2 (tenant 2, same host A)" \
	vm 1 ping -q -c 3 -i 0.3 -W 1 10.90.0.2
sleep 0.5
kill "$d4" "$d3"; wait "$d4" "$d3" 2>/dev/null
n4=$(tcpdump -r "$tmp/vm4.pcap" -nn 2>/dev/null | wc -l)
n3=$(tcpdump -r "$tmp/vm3.pcap" -nn 2>/dev/null | wc -l)
e2e_check "no frame from VM1 ($m1) reached VM4 ($n4 captured)" test "$n4" = 0
e2e_check "control: VM3's capture saw VM1's frames ($n3)" test "$n3" -gt 0

# 300 pings per tenant, both tenants at once: the ICMP checksum changes
# with the sequence number, so the outer source port (a hash of the inner
# flow incl. the first 4 L4 bytes) takes many values
vm 1 ping -q -c 300 -i 0.01 -W 1 10.90.0.3 >"$tmp/p1.txt" 2>&1 &
q1=$!
vm 2 ping -q -c 300 -i 0.01 -W 1 10.90.0.4 >"$tmp/p2.txt" 2>&1 &
q2=$!
wait "$q1" "$q2"
r1=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/p1.txt")
r2=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/p2.txt")
e2e_check "300 pings VM1 -> VM3: at least 295 answered (${r1:-0})" test "${r1:-0}" -ge 295
e2e_check "300 pings VM2 -> VM4: at least 295 answered (${r2:-0})" test "${r2:-0}" -ge 295
for h in a b; do
	for x in x1 x2; do
		bv=$(stat "$h" "$x" bad_vni)
		e2e_check "host ${h^^} $x: bad_vni = ${bv:-?} (want 0)" test "${bv:-x}" = 0
	done
done

# the rate: police at 5 Mbit/s of Ethernet frame bytes without FCS
# (blocks/rate.c). iperf3 datagrams of 1000 payload bytes are frames of
# 1000 + 8 (UDP) + 20 (IPv4) + 14 (Ethernet) = 1042 bytes = 8336 bits:
# 5e6 / 8336 = 599.8 frames/s = 4.798 Mbit/s of iperf3 payload, what
# iperf3 reports as received. (The 16 KiB burst adds 131 kbit over the
# 10 s run: 0.3 %.)
ip netns exec lana-ls4 iperf3 -s -1 -p 5201 >"$tmp/iperf_s.log" 2>&1 &
ips=$!
sleep 1
vm 2 timeout 30 iperf3 -c 10.90.0.4 -p 5201 -u -b 20M -l 1000 -t 10 -J >"$tmp/iperf.json" 2>&1
kill "$ips" 2>/dev/null; wait "$ips" 2>/dev/null	# if the client never came
got=$(python3 - "$tmp/iperf.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))["end"]
s = e.get("sum_received") or e["sum"]
# received = sent - lost, over the run's seconds (iperf3's receiver side)
rx = (s["packets"] - s["lost_packets"]) * 1000 * 8 / s["seconds"]
print("%.3f %.3f" % (rx / 1e6, e["sum"].get("bits_per_second", 0) / 1e6))
EOF
)
rx=${got%% *}
echo "iperf3 UDP VM2 -> VM4: received ${rx:-?} Mbit/s (sent ${got#* } Mbit/s); predicted 4.798"
e2e_check "rate holds: ${rx:-?} Mbit/s within 4.798 +- 15 % (4.078 .. 5.518)" \
	python3 -c "import sys; r = float(sys.argv[1]); sys.exit(not 4.078 <= r <= 5.518)" "${rx:-0}"

if [ "$E2E_FAIL" != 0 ]; then
	echo "--- lanad A"; cat "$tmp/a.log"
	echo "--- lanad B"; cat "$tmp/b.log"
	for x in x1 x2; do echo "--- A $x"; la stats "$x"; echo "--- B $x"; lb stats "$x"; done
	echo "--- iperf3"; tail -40 "$tmp/iperf.json"
fi
e2e_summary
