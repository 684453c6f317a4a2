#!/usr/bin/env bash
# tests/e2e/switch.sh - the switch block between four namespaces (issue
# 10): lana-swI (I = 1..4) has vI 10.78.0.I/24, whose peer lana-sI in the
# root namespace is port I-1 of one switch(ports = 4) in lanad.
#   - every pair pings;
#   - once learned, unicast is not flooded: a tcpdump on a third port's
#     interface sees none of a 1 -> 2 ping (and the flooded counters of
#     ports 0 and 1 stay as they were);
#   - a live patch that inserts a rate block before port 0 keeps the
#     table: still no flooding;
#   - a MAC moved to another port is followed at once (ns4 takes ns1's
#     MAC and address, ns1 goes down; ns2 reaches it on port 3 at once);
#   - aging (a live SET of aging to 2 s): after 4 s idle, the next ping
#     floods again (tcpdump on the third port sees it).
# Neighbours are static and IPv6 off, so the only frames are the pings'.
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
		ip link del "lana-s$i" 2>/dev/null || true
		ip netns del "lana-sw$i" 2>/dev/null || true
	done
}
cleanup() {
	[ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { "$L" --socket "$sock" "$@"; }
ns() { local n=$1; shift; ip netns exec "lana-sw$n" "$@"; }
mac() { ip -n "lana-sw$1" -o link show "v$1" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'; }
ping1() { ns "$1" ping -q -c "${3:-2}" -i 0.2 -W 1 "10.78.0.$2" >/dev/null 2>&1; }
stat() { lr stats s | sed -n "s/^ *$1 \([0-9][0-9]*\)$/\1/p"; }

down
for i in 1 2 3 4; do
	ip netns add "lana-sw$i"
	ip link add "lana-s$i" type veth peer name "v$i" netns "lana-sw$i"
	sysctl -qw "net.ipv6.conf.lana-s$i.disable_ipv6=1" 2>/dev/null || true
	ns "$i" sysctl -qw "net.ipv6.conf.v$i.disable_ipv6=1"
	ip link set "lana-s$i" up
	ip -n "lana-sw$i" addr add "10.78.0.$i/24" dev "v$i"
	ip -n "lana-sw$i" link set "v$i" up
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		ip -n "lana-sw$i" neigh replace "10.78.0.$j" lladdr "$(mac "$j")" \
			nud permanent dev "v$i"
	done
done

graph() {	# BEFORE0: what port 0's frames pass before the switch
	echo 's :: switch(ports = 4);'
	for i in 1 2 3 4; do
		echo "e$i :: eth(dev = \"lana-s$i\");"
		echo "s[$((i - 1))] -> e$i;"
	done
	echo "e1 -> $1[0]s;"
	for i in 2 3 4; do echo "e$i -> [$((i - 1))]s;"; done
}
graph "" >"$tmp/sw.lana"
graph "r :: rate(rate = 100mbit) -> " >"$tmp/sw-rate.lana"

"${LANAD:-lanad}" -f --socket "$sock" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "apply switch(ports = 4) on four interfaces" lr apply "$tmp/sw.lana"

all=0
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" -lt "$j" ] || continue
		ping1 "$i" "$j" || { all=1; echo "  no ping $i -> $j"; }
	done
done
e2e_check "every pair of the four namespaces pings (6 pairs)" test "$all" = 0
e2e_check "the table holds the four MACs ($(stat entries))" test "$(stat entries)" = 4

# icmp_seen FILE: ICMP frames tcpdump wrote to FILE (pcap)
icmp_seen() { tcpdump -r "$1" -nn icmp 2>/dev/null | wc -l; }
# watch3 FILE: capture on port 2's interface (ns3's side of the graph);
# --immediate-mode, or frames wait in the ring until tcpdump is killed
watch3() {
	tcpdump -i lana-s3 -nn -U --immediate-mode -w "$1" icmp >"$1.log" 2>&1 &
	dump_pid=$!
	sleep 1
}
unwatch() { sleep 0.5; kill "$dump_pid" 2>/dev/null; wait "$dump_pid" 2>/dev/null; dump_pid=; }

watch3 "$tmp/z.pcap"
ping1 1 3 2
unwatch
# the control: the capture on port 2 does see a ping to ns3 (2 requests,
# 2 replies), so the zero counts below mean something
e2e_check "capture control: a 1 -> 3 ping shows 4 ICMP frames on port 2 ($(icmp_seen "$tmp/z.pcap"))" \
	test "$(icmp_seen "$tmp/z.pcap")" = 4
f0=$(stat flooded0) f1=$(stat flooded1)
watch3 "$tmp/a.pcap"
ping1 1 2 5
unwatch
e2e_check "learned: ns1 <-> ns2 unicast is not flooded to port 2 ($(icmp_seen "$tmp/a.pcap") ICMP frames there)" \
	test "$(icmp_seen "$tmp/a.pcap")" = 0
e2e_check "learned: flooded0/1 unchanged ($f0/$f1 -> $(stat flooded0)/$(stat flooded1))" \
	test "$(stat flooded0)" = "$f0" -a "$(stat flooded1)" = "$f1"

e2e_check "live patch: insert rate before port 0" lr apply "$tmp/sw-rate.lana"
e2e_check "the switch was kept (entries $(stat entries))" test "$(stat entries)" = 4
watch3 "$tmp/b.pcap"
ping1 1 2 5
unwatch
e2e_check "after the patch: still no flooding ($(icmp_seen "$tmp/b.pcap") ICMP frames on port 2)" \
	test "$(icmp_seen "$tmp/b.pcap")" = 0

# ns4 becomes ns1: its MAC and address, ns1's link down
m1=$(mac 1)
ip -n lana-sw1 link set v1 down
ip -n lana-sw4 link set v4 down
ip -n lana-sw4 link set v4 address "$m1"
ip -n lana-sw4 addr flush dev v4
ip -n lana-sw4 addr add 10.78.0.1/24 dev v4
ip -n lana-sw4 link set v4 up
ip -n lana-sw4 neigh replace 10.78.0.2 lladdr "$(mac 2)" nud permanent dev v4
e2e_check "the moved MAC answers from port 3 at once (ns4 -> ns2, then ns2 -> it)" \
	sh -c "ip netns exec lana-sw4 ping -q -c 1 -W 1 10.78.0.2 >/dev/null &&
	       ip netns exec lana-sw2 ping -q -c 3 -i 0.2 -W 1 10.78.0.1 >/dev/null"
e2e_check "no flooding for the moved MAC: tx3 counts ns2's echo requests" \
	test "$(stat tx3)" -ge 3

e2e_check "live set s aging=2s" lr set s aging=2s
watch3 "$tmp/c.pcap"
sleep 4
f1=$(stat flooded1)
ns 2 ping -q -c 1 -W 1 10.78.0.1 >/dev/null 2>&1
unwatch
e2e_check "after 4 s idle, entries aged out: the next ping floods ($(icmp_seen "$tmp/c.pcap") ICMP frame(s) on port 2, flooded1 $f1 -> $(stat flooded1))" \
	test "$(icmp_seen "$tmp/c.pcap")" -ge 1 -a "$(stat flooded1)" -gt "$f1"
# std/vswitch.lana: two TAPs of a VDE-style switch, moved into ns1 and
# ns2, on a subnet of their own
cat >"$tmp/vs.lana" <<'EOF2'
import "std/vswitch.lana";
vs :: vswitch2(tap0 = "lana-vt1", tap1 = "lana-vt2");
EOF2
e2e_check "flush, apply std/vswitch.lana (vswitch2 of two TAPs)" \
	sh -c "'$L' --socket '$sock' flush >/dev/null && '$L' --socket '$sock' apply '$tmp/vs.lana' >/dev/null"
for i in 1 2; do
	ip link set "lana-vt$i" netns "lana-sw$i" &&
		ip -n "lana-sw$i" addr add "10.79.0.$i/24" dev "lana-vt$i" &&
		ip -n "lana-sw$i" link set "lana-vt$i" up
done
e2e_check "the TAPs' namespaces ping through vswitch2 (ARP learned on the way)" \
	sh -c "ip netns exec lana-sw1 ping -q -c 3 -i 0.2 -W 1 10.79.0.2 >/dev/null"
e2e_check "vs/s learned both TAPs' MACs ($(lr stats vs/s | sed -n 's/^ *entries //p'))" \
	test "$(lr stats vs/s | sed -n 's/^ *entries \([0-9]*\)$/\1/p')" = 2
[ "$E2E_FAIL" = 0 ] || lr stats s
e2e_summary
