#!/usr/bin/env bash
# tests/e2e/switch_vlan.sh - two VLAN-aware switches joined by a trunk
# (issue 10). One lanad runs two switch(ports = 3, vlans = true) blocks,
# s1 and s2, with port_vlans = ["access 10", "access 20", "trunk 10,20"];
# their trunk ports are the two ends of the veth pair lana-tr1 <-> lana-tr2
# (a cable between two bridges). Namespaces lana-svI (I = 1..4) have
# vI 10.79.0.I/24 (one subnet: only the VLANs keep them apart), whose peer
# lana-svpI is
#   ns1: s1 port 0 (VLAN 10)   ns2: s1 port 1 (VLAN 20)
#   ns3: s2 port 0 (VLAN 10)   ns4: s2 port 1 (VLAN 20)
# Checked, in this order:
#   - with empty tables, ns1 -> ns3 (VLAN 10) pings across the trunk; the
#     trunk carries the echoes tagged (tcpdump -e on lana-tr1: 6 frames
#     with "vlan 10", none untagged or of VLAN 20); the first request
#     flooded, but ns2's port (VLAN 20) saw none of it;
#   - ns2 -> ns4 (VLAN 20) pings, its echoes are "vlan 20" on the trunk;
#   - cross-VLAN pings fail (1 -> 2, 1 -> 4, 3 -> 2, 3 -> 4), though the
#     neighbours are static, so only the switches stop them, and the
#     VLAN 20 ports see none of their (flooded) requests;
#   - an untagged frame sent into the trunk is dropped (vlan_dropped + 1).
# IPv6 is off everywhere, so the only frames are the pings'.
# Needs root, tcpdump. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
command -v tcpdump >/dev/null ||
	{ echo "e2e: tcpdump missing (scripts/install-deps.sh installs it)"; exit 1; }
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
dump_pid=
down() {
	for i in 1 2 3 4; do
		ip link del "lana-svp$i" 2>/dev/null || true
		ip netns del "lana-sv$i" 2>/dev/null || true
	done
	ip link del lana-tr1 2>/dev/null || true
}
cleanup() {
	[ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { "$L" --socket "$sock" "$@"; }
ns() { local n=$1; shift; ip netns exec "lana-sv$n" "$@"; }
mac() { ip -n "lana-sv$1" -o link show "v$1" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'; }
ping1() { ns "$1" ping -q -c "${3:-2}" -i 0.2 -W 1 "10.79.0.$2" >/dev/null 2>&1; }
stat() { lr stats "$1" | sed -n "s/^ *$2 \([0-9][0-9]*\)$/\1/p"; }
noipv6() { sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null || true; }

down
for i in 1 2 3 4; do
	ip netns add "lana-sv$i"
	ip link add "lana-svp$i" type veth peer name "v$i" netns "lana-sv$i"
	noipv6 "lana-svp$i"
	ns "$i" sysctl -qw "net.ipv6.conf.v$i.disable_ipv6=1"
	ip link set "lana-svp$i" up
	ip -n "lana-sv$i" addr add "10.79.0.$i/24" dev "v$i"
	ip -n "lana-sv$i" link set "v$i" up
done
ip link add lana-tr1 type veth peer name lana-tr2
for d in lana-tr1 lana-tr2; do
	noipv6 "$d"
	ip link set "$d" up
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		ip -n "lana-sv$i" neigh replace "10.79.0.$j" lladdr "$(mac "$j")" \
			nud permanent dev "v$i"
	done
done

{
	for k in 1 2; do
		echo "s$k :: switch(ports = 3, vlans = true,"
		echo "  port_vlans = [\"access 10\", \"access 20\", \"trunk 10,20\"]);"
		a=$((2 * k - 1)) b=$((2 * k))
		echo "p$a :: eth(dev = \"lana-svp$a\"); p$a -> [0]s$k; s$k[0] -> p$a;"
		echo "p$b :: eth(dev = \"lana-svp$b\"); p$b -> [1]s$k; s$k[1] -> p$b;"
		echo "tr$k :: eth(dev = \"lana-tr$k\"); tr$k -> [2]s$k; s$k[2] -> tr$k;"
	done
} >"$tmp/sv.lana"

"${LANAD:-lanad}" -f --socket "$sock" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "apply two VLAN switches joined by a trunk veth" lr apply "$tmp/sv.lana"

# watch DEV FILE...: capture everything on each DEV into its FILE (pcap);
# --immediate-mode, or frames wait in the ring until tcpdump is killed
watch() {
	while [ $# -ge 2 ]; do
		tcpdump -i "$1" -nn -U --immediate-mode -w "$2" >"$2.log" 2>&1 &
		dump_pid="$dump_pid $!"
		shift 2
	done
	sleep 1
}
unwatch() { sleep 0.5; kill $dump_pid 2>/dev/null; wait $dump_pid 2>/dev/null; dump_pid=; }
# seen FILE PATTERN: lines of `tcpdump -e` on FILE that match PATTERN
seen() { tcpdump -r "$1" -e -nn 2>/dev/null | grep -c -- "$2"; }
# untagged FILE: ICMP frames on FILE without an 802.1Q tag
untagged() { tcpdump -r "$1" -e -nn 2>/dev/null | grep -v 802.1Q | grep -c ICMP; }

# the tables are empty: the first request floods (within VLAN 10 only)
watch lana-tr1 "$tmp/t10.pcap" lana-svp2 "$tmp/p2a.pcap"
ping1 1 3 3
r13=$?
unwatch
e2e_check "VLAN 10 across the trunk: ns1 -> ns3 pings" test "$r13" = 0
e2e_check "the trunk carries them tagged: 6 ICMP frames with 'vlan 10' on lana-tr1 ($(seen "$tmp/t10.pcap" 'vlan 10,.*ICMP echo'))" \
	test "$(seen "$tmp/t10.pcap" 'vlan 10,.*ICMP echo')" = 6
e2e_check "... and none untagged or of VLAN 20 ($(untagged "$tmp/t10.pcap"), $(seen "$tmp/t10.pcap" 'vlan 20'))" \
	test "$(untagged "$tmp/t10.pcap")" = 0 -a "$(seen "$tmp/t10.pcap" 'vlan 20')" = 0
e2e_check "the first request flooded (s1 flooded0 $(stat s1 flooded0))" \
	test "$(stat s1 flooded0)" -ge 1
e2e_check "... but not to ns2's access port of VLAN 20 ($(seen "$tmp/p2a.pcap" ICMP) ICMP frames there)" \
	test "$(seen "$tmp/p2a.pcap" ICMP)" = 0

watch lana-tr1 "$tmp/t20.pcap"
ping1 2 4 3
r24=$?
unwatch
e2e_check "VLAN 20 across the trunk: ns2 -> ns4 pings" test "$r24" = 0
e2e_check "6 ICMP frames with 'vlan 20' on lana-tr1 ($(seen "$tmp/t20.pcap" 'vlan 20,.*ICMP echo'))" \
	test "$(seen "$tmp/t20.pcap" 'vlan 20,.*ICMP echo')" = 6

# cross-VLAN: ns1 and ns3 (VLAN 10) to ns2 and ns4 (VLAN 20): their MACs
# are unknown in VLAN 10, so the requests flood VLAN 10, never VLAN 20
watch lana-svp2 "$tmp/p2b.pcap" lana-svp4 "$tmp/p4b.pcap"
cross=0
for p in "1 2" "1 4" "3 2" "3 4"; do
	set -- $p
	ping1 "$1" "$2" 1 && { cross=1; echo "  cross-VLAN ping $1 -> $2 passed"; }
done
unwatch
e2e_check "cross-VLAN pings 1->2, 1->4, 3->2, 3->4 all fail" test "$cross" = 0
e2e_check "ns2's and ns4's ports saw none of them ($(seen "$tmp/p2b.pcap" ICMP), $(seen "$tmp/p4b.pcap" ICMP) ICMP frames)" \
	test "$(seen "$tmp/p2b.pcap" ICMP)" = 0 -a "$(seen "$tmp/p4b.pcap" ICMP)" = 0
e2e_check "same-VLAN still pings after them (ns3 -> ns1)" ping1 3 1 2

# an untagged frame into the trunk (sent on lana-tr1 with a packet
# socket, so it reaches lana-tr2, s2's trunk port): s2 drops it
v0=$(stat s2 vlan_dropped)
python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("lana-tr1", 0))
s.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x99" + b"\x08\x00" + bytes(46))
'
sleep 0.5
e2e_check "an untagged frame on the trunk is dropped (s2 vlan_dropped $v0 -> $(stat s2 vlan_dropped))" \
	test "$(stat s2 vlan_dropped)" = $((v0 + 1))
[ "$E2E_FAIL" = 0 ] || { lr stats s1; lr stats s2; cat "$tmp/lanad.log"; }
e2e_summary
