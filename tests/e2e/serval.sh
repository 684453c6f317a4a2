#!/usr/bin/env bash
# tests/e2e/serval.sh - a SERVAL-style VLAN switch server (issue 11,
# scenario 5; García Castro et al., "SERVAL: an Internet software VLAN
# switch"): clients anywhere reach one server whose software switch puts
# each client's port in a VLAN. Four namespaces are four hosts:
#   lana-svs (server): s1..s3 10.82.N.254/24, lanad with
#     sw :: switch(ports = 3, vlans = true,
#                  port_vlans = ["access 10", "access 10", "access 20"])
#     and for client N port N-1:  uN :: udp(port = 700N), no remote (it
#     answers the client that sent to it), uN -> unseal -> [N-1]sw,
#     sw[N-1] -> seal -> uN
#   lana-svcN (client N, N = 1..3): cN 10.82.N.1/24 (veth to sN), lanad
#     with t :: tap(svt, mac 02:5e:00:00:00:0N, 192.168.82.N/24),
#     t -> seal -> udp(remote = "10.82.N.254:700N"), udp -> unseal -> t.
# tap -> udp does not compile (eth is not raw: tests/lang/bad/095-tap-udp),
# so every client's link is a sealed cable (docs/seal.md), one key per
# direction per client: SERVAL's clients cross the Internet.
# Checks: clients 1 and 2 (VLAN 10) ping each other; client 3 (VLAN 20)
# reaches neither and is reached by neither; client 1's ICMP to client 3's
# MAC (static neighbour) floods VLAN 10 only: client 2's TAP sees it (the
# control), client 3's does not; the switch's FDB lists the three TAP MACs
# at their ports and VLANs. Needs root, tcpdump. Env: LANARUN, LANAD,
# top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
command -v tcpdump >/dev/null ||
	{ echo "e2e: tcpdump missing (scripts/install-deps.sh installs it)"; exit 1; }
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
pids= dump_pid=
NS="lana-svs lana-svc1 lana-svc2 lana-svc3"
down() {
	# whatever the script started in its namespaces ends with them
	for n in $NS; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for n in $NS; do ip netns del "$n" 2>/dev/null || true; done
}
cleanup() {
	for p in $dump_pid; do kill "$p" 2>/dev/null; done
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
# killed (timeout, ^C): still clean up, so no lanad outlives the test
trap "exit 1" INT TERM
lr() { local h=$1; shift; "$L" --socket "$tmp/$h.sock" "$@"; }
C() { local n=$1; shift; ip netns exec "lana-svc$n" "$@"; }
st() { lr "$1" stats "$2" | sed -n "s/^ *$3 \([0-9][0-9]*\)$/\1/p"; }
mac() { echo "02:5e:00:00:00:0$1"; }
newkey() { (umask 077; head -c 32 /dev/urandom | base64 >"$1"); }
# ping1 FROM TO COUNT: client FROM pings client TO over the TAPs
ping1() { C "$1" ping -q -c "$3" -i 0.2 -W 1 "192.168.82.$2" >/dev/null 2>&1; }

down
ip netns add lana-svs
for n in 1 2 3; do
	ip netns add "lana-svc$n"
	ip link add "s$n" netns lana-svs type veth peer name "c$n" netns "lana-svc$n"
done
for h in $NS; do
	ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$h" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$h" link set lo up
done
for n in 1 2 3; do
	ip -n lana-svs addr add "10.82.$n.254/24" dev "s$n"
	ip -n lana-svs link set "s$n" up
	ip -n "lana-svc$n" addr add "10.82.$n.1/24" dev "c$n"
	ip -n "lana-svc$n" link set "c$n" up
	newkey "$tmp/up$n.key"		# client n -> server
	newkey "$tmp/down$n.key"	# server -> client n
	cat >"$tmp/c$n.lana" <<EOF
t :: tap(name = "svt", mac = $(mac "$n"), mtu = 1400);
u :: udp(local = "10.82.$n.1", remote = "10.82.$n.254:700$n", port = 7000);
t -> seal(key_file = "$tmp/up$n.key") -> u;
u -> o :: unseal(key_file = "$tmp/down$n.key") -> t;
EOF
done
{
	echo 'sw :: switch(ports = 3, vlans = true,'
	echo '	port_vlans = ["access 10", "access 10", "access 20"]);'
	for n in 1 2 3; do
		p=$((n - 1))
		echo "u$n :: udp(port = 700$n);"
		echo "u$n -> o$n :: unseal(key_file = \"$tmp/up$n.key\") -> [$p]sw;"
		echo "sw[$p] -> seal(key_file = \"$tmp/down$n.key\") -> u$n;"
	done
} >"$tmp/s.lana"

# one lanad per host, started with ip netns exec so that $! is lanad
ip netns exec lana-svs "${LANAD:-lanad}" -f --socket "$tmp/s.sock" >"$tmp/s.log" 2>&1 &
pids=$!
for n in 1 2 3; do
	ip netns exec "lana-svc$n" "${LANAD:-lanad}" -f --socket "$tmp/c$n.sock" \
		>"$tmp/c$n.log" 2>&1 &
	pids="$pids $!"
done
for _ in $(seq 50); do
	[ -S "$tmp/s.sock" ] && [ -S "$tmp/c1.sock" ] && [ -S "$tmp/c2.sock" ] &&
		[ -S "$tmp/c3.sock" ] && break
	sleep 0.1
done
e2e_check "apply the server: switch(vlans) over three udp server ports" \
	lr s apply "$tmp/s.lana"
for n in 1 2 3; do
	e2e_check "apply client $n: tap -> seal -> udp(remote 10.82.$n.254:700$n) -> unseal -> tap" \
		lr "c$n" apply "$tmp/c$n.lana"
	C "$n" ip addr add "192.168.82.$n/24" dev svt
	C "$n" ip link set svt up
done

# A server port answers the last sender: until client N has sent, sw's
# frames for port N-1 have nowhere to go (uN no_peer). SERVAL's clients
# connect first; here each announces itself with a gratuitous ARP
# (RFC 5227 sec. 3) written to its TAP with a packet socket
for n in 1 2 3; do
	C "$n" python3 -c '
import socket, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
ip = socket.inet_aton(sys.argv[2])
arp = bytes.fromhex("0001080006040001") + mac + ip + bytes(6) + ip
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("svt", 0))
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp + bytes(18))
' "$(mac "$n")" "192.168.82.$n"
done
sleep 0.5
e2e_check "each client reached its server port (u1 rx $(st s u1 rx), u2 rx $(st s u2 rx), u3 rx $(st s u3 rx))" \
	test "$(st s u1 rx)" -ge 1 -a "$(st s u2 rx)" -ge 1 -a "$(st s u3 rx)" -ge 1
e2e_check "VLAN 10: client 1 pings client 2" ping1 1 2 3
e2e_check "VLAN 10: client 2 pings client 1" ping1 2 1 3
e2e_check "the server's udp ports answered clients 1 and 2 (u1 tx $(st s u1 tx), u2 tx $(st s u2 tx))" \
	test "$(st s u1 tx)" -ge 3 -a "$(st s u2 tx)" -ge 3
cross=0
for p in "1 3" "2 3" "3 1" "3 2"; do
	set -- $p
	ping1 "$1" "$2" 1 && { cross=1; echo "  cross-VLAN ping $1 -> $2 passed"; }
done
e2e_check "cross-VLAN pings 1->3, 2->3, 3->1, 3->2 all fail" test "$cross" = 0
e2e_check "client 3's frames reached the switch (u3 rx $(st s u3 rx), o3 opened $(st s o3 opened))" \
	test "$(st s o3 opened)" -ge 1

# client 1 sends ICMP to client 3's MAC (a static neighbour: no ARP):
# that MAC is known in VLAN 20 only, so in VLAN 10 the frames flood to
# VLAN 10's other port, client 2, and never to client 3's port
C 1 ip neigh replace 192.168.82.3 lladdr "$(mac 3)" nud permanent dev svt
for n in 2 3; do
	C "$n" tcpdump -i svt -nn -U --immediate-mode -w "$tmp/t$n.pcap" \
		icmp and src 192.168.82.1 >"$tmp/d$n.log" 2>&1 &
	dump_pid="$dump_pid $!"
done
sleep 1
ping1 1 3 5
sleep 0.5
kill $dump_pid 2>/dev/null; wait $dump_pid 2>/dev/null; dump_pid=
n2=$(tcpdump -r "$tmp/t2.pcap" -nn 2>/dev/null | grep -c 'ICMP echo request')
n3=$(tcpdump -r "$tmp/t3.pcap" -nn 2>/dev/null | grep -c ICMP)
e2e_check "control: client 2's TAP sees client 1's 5 flooded echo requests to client 3 ($n2)" \
	test "$n2" = 5
e2e_check "client 3's TAP sees none of client 1's ICMP ($n3)" test "$n3" = 0

# the FDB: `lanarun stats sw` lists each entry's mac, vlan and port
lr s stats sw >"$tmp/fdb" 2>&1
fdb() { grep -Eq "$(mac "$1")[^0-9a-f:]+$2[^0-9]+$3( |$)" "$tmp/fdb"; }
e2e_check "the FDB has client 1's MAC $(mac 1) in VLAN 10 at port 0" fdb 1 10 0
e2e_check "and client 2's MAC $(mac 2) in VLAN 10 at port 1" fdb 2 10 1
e2e_check "and client 3's MAC $(mac 3) in VLAN 20 at port 2" fdb 3 20 2
e2e_check_not "and client 3's MAC in no other VLAN" \
	grep -Eq "$(mac 3)[^0-9a-f:]+10[^0-9]" "$tmp/fdb"

if [ "$E2E_FAIL" != 0 ]; then
	cat "$tmp/fdb"
	for h in s c1 c2 c3; do echo "--- lanad $h"; cat "$tmp/$h.log"; done
fi
e2e_summary
