#!/usr/bin/env bash
# tests/e2e/vxlan.sh - the vxlan block against a Linux vxlan device (issue
# 11, scenario 1). Two namespaces are two hosts on one underlay veth:
#   lana-vxa (host A): ua 10.79.0.1/24, fd79::1/64; lanad runs here with
#     the graph  t0 :: tap -> v0 :: vxlan(vni 42, IPv4 underlay) -> t0
#     and         t1 :: tap -> v1 :: vxlan(vni 43, IPv6 underlay) -> t1
#     (vxt0 192.168.79.1/24, vxt1 192.168.80.1/24)
#   lana-vxb (host B): ub 10.79.0.2/24, fd79::2/64 and Linux devices
#     vx0 (id 42, remote 10.79.0.1) 192.168.79.2/24,
#     vx1 (id 43, remote fd79::1)   192.168.80.2/24,
#     vx9 (id 99, remote 10.79.0.1) 192.168.81.2/24 (a VNI A does not have)
# Default offloads everywhere (the tap hands GSO super-frames to vxlan,
# which is LANA_BT_FINAL). Checks: ping both ways (IPv4 and IPv6 underlay),
# a 5 MB HTTP download whose sha256 matches, tcpdump -r of the underlay
# decodes "VXLAN ... vni 42", B's MAC learned (`lanarun stats v0` table),
# frames of VNI 99 are counted as bad_vni and never reach vxt0.
# Needs root, tcpdump, curl, python3. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in tcpdump curl python3 ethtool; do
	command -v $t >/dev/null ||
		{ echo "e2e: $t missing (scripts/install-deps.sh installs it)"; exit 1; }
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
dump_pid=
http_pid=
down() {
	# whatever the script started in its namespaces ends with them
	for n in lana-vxa lana-vxb; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del lana-vxa 2>/dev/null || true
	ip netns del lana-vxb 2>/dev/null || true
}
cleanup() {
	[ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
# killed (timeout, ^C): still clean up, so no lanad outlives the test
trap "exit 1" INT TERM
lr() { "$L" --socket "$sock" "$@"; }
A() { ip netns exec lana-vxa "$@"; }
B() { ip netns exec lana-vxb "$@"; }
stat() { lr stats "$1" | sed -n "s/^ *$2 \([0-9][0-9]*\)$/\1/p"; }

down
ip netns add lana-vxa
ip netns add lana-vxb
ip link add ua netns lana-vxa type veth peer name ub netns lana-vxb
A ip link set lo up
B ip link set lo up
A ip addr add 10.79.0.1/24 dev ua
B ip addr add 10.79.0.2/24 dev ub
A ip addr add fd79::1/64 dev ua nodad
B ip addr add fd79::2/64 dev ub nodad
A ip link set ua up
B ip link set ub up
B ip link add vx0 type vxlan id 42 dstport 4789 local 10.79.0.2 remote 10.79.0.1
B ip link add vx1 type vxlan id 43 dstport 4789 local fd79::2 remote fd79::1
B ip link add vx9 type vxlan id 99 dstport 4789 local 10.79.0.2 remote 10.79.0.1
B ip addr add 192.168.79.2/24 dev vx0
B ip addr add 192.168.80.2/24 dev vx1
B ip addr add 192.168.81.2/24 dev vx9
# without a lower dev Linux gives vxlan devices MTU 1500; the taps' MTU
# (1500 - 50 for the IPv4 underlay, - 70 for IPv6) on both ends
B ip link set vx0 mtu 1450
B ip link set vx1 mtu 1430
# no IPv6 on the overlay devices and static neighbours (below): the only
# frames are the test's, so counts are exact (as tests/kmod/vm-vxlan.sh
# checks the kernel engine: both against the same expectation)
v6off() { ip netns exec "$1" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$2/disable_ipv6"; }
for d in vx0 vx1 vx9; do v6off lana-vxb "$d"; B ip link set "$d" up; done
# A veth hands a partial checksum (CHECKSUM_PARTIAL) to the peer
# namespace unfinished, and a UDP socket (A's vxlan block) reads the inner
# frame as it is: its TCP checksum would be the pseudo-header sum only,
# which A's stack then rejects. A real NIC finalizes checksums on the
# wire; turning tx checksumming off on B's underlay end does the same
# here (the inner checksum is completed before the veth). A's own ends
# keep their default offloads.
B ethtool -K ub tx off >/dev/null

cat >"$tmp/a.lana" <<'EOF'
t0 :: tap(name = "vxt0", mtu = 1450, mac = 02:00:00:00:79:01);
v0 :: vxlan(vni = 42, local = "10.79.0.1", remote = ["10.79.0.2"]);
t0 -> v0 -> t0;
t1 :: tap(name = "vxt1", mtu = 1430, mac = 02:00:00:00:80:01);
v1 :: vxlan(vni = 43, local = "fd79::1", remote = ["fd79::2"]);
t1 -> v1 -> t1;
EOF

# lanad runs in host A (its taps are made there); killed by cleanup.
# Started with ip netns exec, not the A function: $! must be lanad itself
# (a function in the background is a subshell, and killing it would leave
# lanad running)
ip netns exec lana-vxa "${LANAD:-lanad}" -f --socket "$sock" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

ip netns exec lana-vxa tcpdump -i ua -nn -U --immediate-mode -w "$tmp/u.pcap" udp port 4789 \
	>"$tmp/dump.log" 2>&1 &
dump_pid=$!
sleep 1

e2e_check "apply tap -> vxlan (IPv4 and IPv6 underlay) in host A" lr apply "$tmp/a.lana"
v6off lana-vxa vxt0
v6off lana-vxa vxt1
A ip addr add 192.168.79.1/24 dev vxt0
A ip addr add 192.168.80.1/24 dev vxt1
A ip link set vxt0 up
A ip link set vxt1 up
bmac=$(B cat /sys/class/net/vx0/address)
bmac1=$(B cat /sys/class/net/vx1/address)
A ip neigh replace 192.168.79.2 lladdr "$bmac" nud permanent dev vxt0
A ip neigh replace 192.168.80.2 lladdr "$bmac1" nud permanent dev vxt1
B ip neigh replace 192.168.79.1 lladdr 02:00:00:00:79:01 nud permanent dev vx0
B ip neigh replace 192.168.80.1 lladdr 02:00:00:00:80:01 nud permanent dev vx1
dstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3_packets"; }

tx0=$(stat v0 tx); rx0=$(stat v0 rx)
brx0=$(dstat lana-vxb vx0 rx); btx0=$(dstat lana-vxb vx0 tx)
e2e_check "ping A -> B over vxlan (IPv4 underlay)" \
	A ping -q -c 5 -i 0.2 -W 2 192.168.79.2
tx1=$(stat v0 tx); rx1=$(stat v0 rx)
brx1=$(dstat lana-vxb vx0 rx); btx1=$(dstat lana-vxb vx0 tx)
e2e_check "v0 sent the 5 requests and decapsulated the 5 replies (tx $tx0 -> $tx1, rx $rx0 -> $rx1)" \
	test "$((tx1 - tx0)) $((rx1 - rx0))" = "5 5"
e2e_check "Linux vx0 received 5 and sent 5 ($((brx1 - brx0)), $((btx1 - btx0)))" \
	test "$((brx1 - brx0)) $((btx1 - btx0))" = "5 5"
e2e_check "ping B -> A over vxlan (IPv4 underlay)" \
	B ping -q -c 3 -i 0.2 -W 2 192.168.79.1
e2e_check "ping A -> B over vxlan (IPv6 underlay)" \
	A ping -q -c 3 -i 0.2 -W 2 192.168.80.2
e2e_check "ping B -> A over vxlan (IPv6 underlay)" \
	B ping -q -c 3 -i 0.2 -W 2 192.168.80.1

# B's vx0 MAC is learned from the outer source 10.79.0.2
lr stats v0 >"$tmp/stats0" 2>&1
e2e_check "v0's table lists the remote 10.79.0.2 and B's MAC $bmac behind it" \
	grep -q "$bmac.*10.79.0.2" "$tmp/stats0"

# 5 MB HTTP download from B to A through the tunnel
head -c 5242880 /dev/urandom >"$tmp/www.bin"
(cd "$tmp" && exec ip netns exec lana-vxb python3 -m http.server 8079 \
	--bind 192.168.79.2 >"$tmp/http.log" 2>&1) &
http_pid=$!
for _ in $(seq 50); do
	A curl -s -o /dev/null --max-time 1 http://192.168.79.2:8079/ && break
	sleep 0.1
done
A curl -s --max-time 60 -o "$tmp/got.bin" http://192.168.79.2:8079/www.bin
want=$(sha256sum <"$tmp/www.bin" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/got.bin" 2>/dev/null | cut -d' ' -f1)
e2e_check "5 MB HTTP download B -> A: sha256 matches ($got)" test "$want" = "$got"

# REPLACE of v0 (ttl is not live): the new instance binds port 4789 while
# the old one still holds it (SO_REUSEPORT), then the old one goes
sed 's/remote = \["10.79.0.2"\]);/remote = ["10.79.0.2"], ttl = 32);/' \
	"$tmp/a.lana" >"$tmp/a2.lana"
e2e_check "REPLACE v0 (ttl = 32) while it runs" lr apply "$tmp/a2.lana"
e2e_check "ping A -> B after the REPLACE" \
	A ping -q -c 3 -i 0.2 -W 2 192.168.79.2
ttl=$(A timeout 3 tcpdump -i ua -c 1 -nn -v src 10.79.0.1 and udp port 4789 2>/dev/null &
	sleep 0.5; A ping -q -c 1 -W 1 192.168.79.2 >/dev/null; wait)
e2e_check "the new instance sends with ttl 32" grep -q "ttl 32" <<<"$ttl"

# a VNI that A does not serve: counted, never delivered to vxt0
ip netns exec lana-vxa tcpdump -i vxt0 -nn -U --immediate-mode -w "$tmp/t0.pcap" \
	icmp and host 192.168.81.2 >"$tmp/dump0.log" 2>&1 &
vpid=$!
sleep 1
b0=$(stat v0 bad_vni)
B ip neigh replace 192.168.81.1 lladdr 02:00:00:00:00:99 nud permanent dev vx9
B ping -q -c 5 -i 0.2 -W 1 192.168.81.1 >/dev/null 2>&1
sleep 0.5
kill "$vpid"; wait "$vpid" 2>/dev/null
b1=$(stat v0 bad_vni)
e2e_check "5 frames of VNI 99 counted as bad_vni by v0 ($b0 -> $b1)" \
	test "$((b1 - b0))" = 5
n99=$(tcpdump -r "$tmp/t0.pcap" -nn 2>/dev/null | wc -l)
e2e_check "and none reached vxt0 ($n99 frames of 192.168.81.2 there)" \
	test "$n99" = 0

sleep 0.5
kill "$dump_pid" 2>/dev/null
wait "$dump_pid" 2>/dev/null
dump_pid=
tcpdump -r "$tmp/u.pcap" -nn 2>/dev/null >"$tmp/u.txt"
n42=$(grep -c 'VXLAN.*vni 42' "$tmp/u.txt")
e2e_check "tcpdump -r decodes VXLAN vni 42 on the underlay ($n42 datagrams)" \
	test "$n42" -gt 10
n43=$(grep -c 'IP6 fd79::1.* > fd79::2.4789: VXLAN.*vni 43' "$tmp/u.txt")
e2e_check "and vni 43 from fd79::1 over IPv6 ($n43 datagrams)" test "$n43" -gt 0
nsp=$(grep 'IP 10.79.0.1\.[0-9]* > 10.79.0.2.4789: VXLAN' "$tmp/u.txt" |
	sed 's/.*IP 10.79.0.1\.\([0-9]*\) .*/\1/' | sort -u | wc -l)
e2e_check "A's datagrams come from more than one flow-hashed source port ($nsp)" \
	test "$nsp" -gt 1

if [ "$E2E_FAIL" != 0 ]; then
	echo "--- lanad log"; cat "$tmp/lanad.log"
	echo "--- stats v0"; lr stats v0
	tail -20 "$tmp/u.txt"
fi
e2e_summary
