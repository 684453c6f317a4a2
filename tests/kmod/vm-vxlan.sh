#!/bin/sh
# tests/kmod/vm-vxlan.sh - the vxlan block in the kernel engine against a
# Linux vxlan device (issue 11, scenario 1, kernel side; the userspace
# side is tests/e2e/vxlan.sh, whose graph and layout this follows). Run
# inside the VM by tests/kmod/vm-test.sh; prints "ok: vxlan: NAME",
# "FAIL: vxlan: NAME" or "skip: vxlan: NAME" and exits 1 on a failure.
#
# Two namespaces are two hosts on one underlay veth:
#   lana-vxa (host A): ua 10.79.0.1/24, fd79::1/64; lana.ko runs
#     t0 :: tap -> v0 :: vxlan(vni 42, IPv4 underlay) -> t0   (vxt0)
#     t1 :: tap -> v1 :: vxlan(vni 43, IPv6 underlay) -> t1   (vxt1)
#     t2 :: tap -> v2 :: vxlan(vni 44, v0's address and port) -> t2 (vxt2)
#   lana-vxb (host B): ub 10.79.0.2/24, fd79::2/64, Linux vxlan devices
#     vx0 (id 42), vx1 (id 43, IPv6 underlay), vx2 (id 44), vx9 (id 99:
#     A has none).
# Default offloads everywhere, B's underlay end too (unlike the userspace
# test, which must turn B's tx checksumming off): a kernel tunnel socket
# receives B's TSO super-frames and partial checksums as they are.
# Static neighbours and no IPv6 on the overlay devices, so that the only
# frames are the test's and counts are exact: every expected count is
# the number of pings sent, and Linux's own device counters must agree.
#
# Needs: lana.ko, lanarun, iproute2's ip, the vxlan module (loaded by
# the image), tcpdump (run with -Z root: the image has no tcpdump user;
# a root entry is added to /etc/passwd and /etc/group when missing).
# shellcheck disable=SC2317	# the functions are called through check

KO=${LANA_KO:-/lib/modules/extra/lana.ko}
W=$(mktemp -d /tmp/vm-vxlan.XXXXXX)
failed=0
ok() { echo "ok: vxlan: $*"; }
fail() { echo "FAIL: vxlan: $*"; failed=1; }
skip() { echo "skip: vxlan: $*"; }
check() {	# NAME CMD...: ok when CMD succeeds; its output shows on failure
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name"
		echo "$out" | sed 's/^/    /'
	fi
}
A() { ip netns exec lana-vxa "$@"; }
B() { ip netns exec lana-vxb "$@"; }
lr() { ip netns exec lana-vxa lanarun --engine kernel "$@"; }
# stat BLOCK KEY: counter KEY of BLOCK (`lanarun stats`)
stat() { lr stats "$1" | sed -n "s/^ *$2 \([0-9][0-9]*\)\$/\1/p" | head -n 1; }
# dstat NS DEV rx|tx: the device's packet counter
dstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3_packets"; }
v6off() { ip netns exec "$1" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$2/disable_ipv6"; }

for t in lanarun tcpdump; do
	if ! command -v $t >/dev/null; then
		skip "$t not in the image"
		exit 0
	fi
done
if [ ! -f "$KO" ]; then
	skip "lana.ko not built"
	exit 0
fi
if ! grep -q '^vxlan ' /proc/modules; then
	fail "the vxlan module is loaded (the Linux peer)"
	exit 1
fi
grep -q '^lana ' /proc/modules || insmod "$KO" || { fail "insmod lana.ko"; exit 1; }
# tcpdump -Z looks its user up: the image has no user database
grep -q '^root:' /etc/passwd 2>/dev/null ||
	echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
grep -q '^root:' /etc/group 2>/dev/null || echo 'root:x:0:' >>/etc/group

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
B ip link add vx2 type vxlan id 44 dstport 4789 local 10.79.0.2 remote 10.79.0.1
B ip link add vx9 type vxlan id 99 dstport 4789 local 10.79.0.2 remote 10.79.0.1
B ip addr add 192.168.79.2/24 dev vx0
B ip addr add 192.168.80.2/24 dev vx1
B ip addr add 192.168.82.2/24 dev vx2
B ip addr add 192.168.81.2/24 dev vx9
B ip link set vx0 mtu 1450
B ip link set vx1 mtu 1430
B ip link set vx2 mtu 1450
for d in vx0 vx1 vx2 vx9; do v6off lana-vxb $d; B ip link set "$d" up; done
check "B's underlay end keeps tx checksumming on (default)" \
	sh -c "ip netns exec lana-vxb ethtool -k ub | grep -q '^tx-checksumming: on'"

cat >"$W/a.lana" <<'EOF'
t0 :: tap(name = "vxt0", mtu = 1450, mac = 02:00:00:00:79:01);
v0 :: vxlan(vni = 42, local = "10.79.0.1", remote = ["10.79.0.2"]);
t0 -> v0 -> t0;
t1 :: tap(name = "vxt1", mtu = 1430, mac = 02:00:00:00:80:01);
v1 :: vxlan(vni = 43, local = "fd79::1", remote = ["fd79::2"]);
t1 -> v1 -> t1;
t2 :: tap(name = "vxt2", mtu = 1450, mac = 02:00:00:00:82:01);
v2 :: vxlan(vni = 44, local = "10.79.0.1", remote = ["10.79.0.2"]);
t2 -> v2 -> t2;
EOF
A tcpdump -Z root -i ua -nn -U -w "$W/u.pcap" udp port 4789 >"$W/dump.log" 2>&1 &
dump_pid=$!
sleep 1

check "apply tap -> vxlan (IPv4 and IPv6 underlay) in host A" lr apply "$W/a.lana"
v6off lana-vxa vxt0
v6off lana-vxa vxt1
v6off lana-vxa vxt2
A ip addr add 192.168.79.1/24 dev vxt0
A ip addr add 192.168.80.1/24 dev vxt1
A ip addr add 192.168.82.1/24 dev vxt2
A ip link set vxt0 up
A ip link set vxt1 up
A ip link set vxt2 up
bmac=$(B cat /sys/class/net/vx0/address)
bmac1=$(B cat /sys/class/net/vx1/address)
bmac2=$(B cat /sys/class/net/vx2/address)
A ip neigh replace 192.168.79.2 lladdr "$bmac" nud permanent dev vxt0
A ip neigh replace 192.168.80.2 lladdr "$bmac1" nud permanent dev vxt1
A ip neigh replace 192.168.82.2 lladdr "$bmac2" nud permanent dev vxt2
B ip neigh replace 192.168.79.1 lladdr 02:00:00:00:79:01 nud permanent dev vx0
B ip neigh replace 192.168.80.1 lladdr 02:00:00:00:80:01 nud permanent dev vx1
B ip neigh replace 192.168.82.1 lladdr 02:00:00:00:82:01 nud permanent dev vx2

tx0=$(stat v0 tx); rx0=$(stat v0 rx)
brx0=$(dstat lana-vxb vx0 rx); btx0=$(dstat lana-vxb vx0 tx)
check "ping A -> B over vxlan (IPv4 underlay)" \
	A ping -q -c 5 -i 0.2 -W 2 192.168.79.2
tx1=$(stat v0 tx); rx1=$(stat v0 rx)
brx1=$(dstat lana-vxb vx0 rx); btx1=$(dstat lana-vxb vx0 tx)
check "v0 sent the 5 requests and decapsulated the 5 replies (tx $tx0 -> $tx1, rx $rx0 -> $rx1)" \
	test "$((tx1 - tx0)) $((rx1 - rx0))" = "5 5"
check "Linux vx0 received 5 and sent 5 ($((brx1 - brx0)), $((btx1 - btx0)))" \
	test "$((brx1 - brx0)) $((btx1 - btx0))" = "5 5"
check "ping B -> A over vxlan (IPv4 underlay)" \
	B ping -q -c 3 -i 0.2 -W 2 192.168.79.1
check "ping A -> B over vxlan (IPv6 underlay)" \
	A ping -q -c 3 -i 0.2 -W 2 192.168.80.2
check "ping B -> A over vxlan (IPv6 underlay)" \
	B ping -q -c 3 -i 0.2 -W 2 192.168.80.1
# vni 44 shares v0's socket: its datagrams reach v2 only
tx0=$(stat v0 tx); rx0=$(stat v0 rx); rx20=$(stat v2 rx)
check "ping B -> A over vni 44 (v2, on v0's socket)" \
	B ping -q -c 4 -i 0.2 -W 2 192.168.82.1
tx1=$(stat v0 tx); rx1=$(stat v0 rx); rx21=$(stat v2 rx)
check "v2 decapsulated the 4 requests, v0 none of them (v2 rx $rx20 -> $rx21, v0 rx $rx0 -> $rx1, tx $tx0 -> $tx1)" \
	test "$((rx21 - rx20)) $((rx1 - rx0)) $((tx1 - tx0))" = "4 0 0"
lr stats v0 >"$W/stats0" 2>&1
check "v0's table lists B's MAC $bmac behind 10.79.0.2" \
	grep -q "$bmac.*10.79.0.2" "$W/stats0"

# 5 MB both ways over HTTP (busybox httpd and wget): B -> A carries B's
# TSO super-frames into v0's socket; A -> B the tap's, which the PPE
# segments before v0 (LANA_BT_FINAL)
mkdir -p "$W/www"
head -c 5242880 /dev/urandom >"$W/www/blob"
want=$(sha256sum <"$W/www/blob" | cut -d' ' -f1)
B busybox httpd -p 192.168.79.2:8079 -h "$W/www"
A busybox httpd -p 192.168.79.1:8079 -h "$W/www"
sleep 0.5
A busybox timeout 120 busybox wget -q -O "$W/got-a" http://192.168.79.2:8079/blob
got=$(sha256sum <"$W/got-a" 2>/dev/null | cut -d' ' -f1)
check "5 MB HTTP download B -> A: sha256 matches ($got)" test "$want" = "$got"
B busybox timeout 120 busybox wget -q -O "$W/got-b" http://192.168.79.1:8079/blob
got=$(sha256sum <"$W/got-b" 2>/dev/null | cut -d' ' -f1)
check "5 MB HTTP download A -> B: sha256 matches ($got)" test "$want" = "$got"

# a changed ttl is a REPLACE: the new instance joins the shared socket
# while the old one runs (the newest endpoint of a VNI gets its datagrams)
sed 's/remote = \["10.79.0.2"\]);/remote = ["10.79.0.2"], ttl = 32);/' \
	"$W/a.lana" >"$W/a2.lana"
check "REPLACE v0 (ttl = 32) while it runs" lr apply "$W/a2.lana"
check "ping A -> B after the REPLACE" A ping -q -c 3 -i 0.2 -W 2 192.168.79.2
A busybox timeout 5 tcpdump -Z root -i ua -c 1 -nn -v src 10.79.0.1 and udp port 4789 \
	>"$W/ttl" 2>/dev/null &
tpid=$!
sleep 1
A ping -q -c 1 -W 1 192.168.79.2 >/dev/null
wait $tpid
check "the new instance sends with ttl 32" grep -q "ttl 32" "$W/ttl"

# VNI 99, which A does not serve: counted once each (by one of the
# blocks on the socket, v0 or v2), never on vxt0
b0=$(( $(stat v0 bad_vni) + $(stat v2 bad_vni) ))
t0rx=$(dstat lana-vxa vxt0 rx)
B ip neigh replace 192.168.81.1 lladdr 02:00:00:00:00:99 nud permanent dev vx9
B ping -q -c 5 -i 0.2 -W 1 192.168.81.1 >/dev/null 2>&1
b1=$(( $(stat v0 bad_vni) + $(stat v2 bad_vni) ))
t1rx=$(dstat lana-vxa vxt0 rx)
check "5 frames of VNI 99 counted as bad_vni by v0 and v2 ($b0 -> $b1)" \
	test "$((b1 - b0))" = 5
check "and none reached vxt0 ($t0rx -> $t1rx received)" test "$t0rx" = "$t1rx"

sleep 0.5
kill $dump_pid 2>/dev/null
wait $dump_pid 2>/dev/null
tcpdump -Z root -r "$W/u.pcap" -nn 2>/dev/null >"$W/u.txt"
n42=$(grep -c 'VXLAN.*vni 42' "$W/u.txt")
check "tcpdump -r decodes VXLAN vni 42 on the underlay ($n42 datagrams)" \
	test "$n42" -gt 10
n43=$(grep -c 'IP6 fd79::1.* > fd79::2.4789: VXLAN.*vni 43' "$W/u.txt")
check "and vni 43 from fd79::1 over IPv6 ($n43 datagrams)" test "$n43" -gt 0
nsp=$(grep 'IP 10.79.0.1\.[0-9]* > 10.79.0.2.4789: VXLAN' "$W/u.txt" |
	sed 's/.*IP 10.79.0.1\.\([0-9]*\) .*/\1/' | sort -u | wc -l)
check "A's datagrams come from more than one flow-hashed source port ($nsp)" \
	test "$nsp" -gt 1

# flush releases the tunnel socket: a Linux vxlan device can take A's
# address and port, and the module unloads
check "flush (kernel)" lr flush
check "port 4789 on 10.79.0.1 is free again (a Linux vxlan binds it)" \
	sh -c "ip -n lana-vxa link add vxq type vxlan id 7 dstport 4789 local 10.79.0.1 &&
	       ip -n lana-vxa link set vxq up"
for p in $(ip netns pids lana-vxa) $(ip netns pids lana-vxb); do
	kill "$p" 2>/dev/null
done
ip netns del lana-vxa
ip netns del lana-vxb
check "rmmod lana after the vxlan test" rmmod lana
if [ $failed -ne 0 ]; then
	echo "--- stats v0"; cat "$W/stats0"
	echo "--- tcpdump"; cat "$W/dump.log" "$W/ttl"
	tail -n 20 "$W/u.txt"
fi
rm -rf "$W"
exit $failed
