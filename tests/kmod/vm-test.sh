#!/bin/sh
# tests/kmod/vm-test.sh - the in-VM test of the kernel engine, run as
# /test.sh by the initramfs /init (scripts/vm/mkinitramfs.sh) under
# busybox sh.  Prints one "ok: NAME" or "FAIL: NAME" line per check (and
# "skip: NAME" for checks that cannot run); tests/kmod/run.sh counts them.
# Exit status: 0 when nothing failed, else 1.
#
# The image provides: busybox, iproute2's ip (with "ip netns"), the veth
# and pktgen modules (already loaded), and lana.ko in /lib/modules/extra
# when it was built.  Add end-to-end steps at the end.
# shellcheck disable=SC2317	# the functions are called through check

failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }
skip() { echo "skip: $*"; }
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

# ------------------------------------------------- the VM itself
check "iproute2 ip with netns support" ip netns list

# two namespaces joined by a veth pair: 10.99.0.1 <-> 10.99.0.2
setup_netns() {
	ip netns add lana-a &&
	ip netns add lana-b &&
	ip link add va type veth peer name vb &&
	ip link set va netns lana-a &&
	ip link set vb netns lana-b &&
	ip -n lana-a addr add 10.99.0.1/24 dev va &&
	ip -n lana-b addr add 10.99.0.2/24 dev vb &&
	ip -n lana-a link set va up &&
	ip -n lana-b link set vb up &&
	ip -n lana-a link set lo up &&
	ip -n lana-b link set lo up
}
check "veth pair between two netns" setup_netns
check "ping across veth" ip netns exec lana-a ping -c 3 -W 2 10.99.0.2
check "ping back across veth" ip netns exec lana-b ping -c 1 -W 2 10.99.0.1
ip netns del lana-a 2>/dev/null
ip netns del lana-b 2>/dev/null

# pktgen sends COUNT frames out of pg0; its veth peer pg1 receives them
PKTGEN_COUNT=100
pktgen_send() {
	ip link add pg0 type veth peer name pg1 || return 1
	# no IPv6 router solicitations or DAD frames in the count
	echo 1 >/proc/sys/net/ipv6/conf/pg0/disable_ipv6
	echo 1 >/proc/sys/net/ipv6/conf/pg1/disable_ipv6
	ip link set pg0 up && ip link set pg1 up || return 1
	mac=$(cat /sys/class/net/pg1/address)
	before=$(cat /sys/class/net/pg1/statistics/rx_packets)
	pg() { echo "$2" >"/proc/net/pktgen/$1" || return 1; }
	pg kpktgend_0 "rem_device_all" &&
	pg kpktgend_0 "add_device pg0" &&
	pg pg0 "count $PKTGEN_COUNT" &&
	pg pg0 "pkt_size 60" &&
	pg pg0 "delay 0" &&
	pg pg0 "dst 10.98.0.2" &&
	pg pg0 "dst_mac $mac" &&
	pg pgctrl "start" || return 1
	after=$(cat /sys/class/net/pg1/statistics/rx_packets)
	sent=$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' /proc/net/pktgen/pg0)
	echo "pktgen sent $sent, pg1 received $((after - before)) of $PKTGEN_COUNT"
	pg kpktgend_0 "rem_device_all"
	ip link del pg0
	# IPv6 off and no address on pg0/pg1: pktgen's frames are all there is
	[ "$sent" = "$PKTGEN_COUNT" ] && [ $((after - before)) = "$PKTGEN_COUNT" ]
}
if [ -d /proc/net/pktgen ]; then
	check "pktgen sends $PKTGEN_COUNT frames over veth" pktgen_send
else
	fail "pktgen loaded (/proc/net/pktgen)"
fi

# ------------------------------------------------- lana.ko
if [ ! -f /lib/modules/extra/lana.ko ]; then
	skip "lana.ko not built"
	exit $failed
fi
check "insmod lana.ko" insmod /lib/modules/extra/lana.ko
check "lana module live" test -d /sys/module/lana
check "rmmod lana" rmmod lana

# K1's core checks (registry, builder, transactions without devices); it
# loads and unloads lana.ko itself.
if [ -x /usr/local/bin/vm-core.sh ]; then
	sh /usr/local/bin/vm-core.sh || failed=1
else
	skip "vm-core.sh not in the image"
fi

if ! command -v lanarun >/dev/null; then
	skip "lanarun not in the image: no end-to-end checks"
	exit $failed
fi

# ------------------------------------------------- end to end (kernel)
# The steps of tests/e2e/bridge.sh, with lana.ko instead of lanad:
#   ns lana-ns1: v1 10.77.0.1/24  <-veth->  lana-v1 (root ns, DEV0)
#   ns lana-ns2: v2 10.77.0.2/24  <-veth->  lana-v2 (root ns, DEV1)
# joined only through the graph examples/bridge.lana. IPv6 is off on all
# four ends and the neighbours are static (static_neigh), so `ping -c N` is
# N requests and N replies of 14 + 20 + 8 + 56 = 98 bytes and the counts
# are exact; only while ARP runs (the filtered phase) are they lower bounds.
check_not() {	# NAME CMD...: ok when CMD fails
	name=$1
	shift
	if out=$("$@" 2>&1); then
		fail "$name"
		echo "$out" | sed 's/^/    /'
	else
		ok "$name"
	fi
}
lr() { lanarun --engine kernel -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }
json_num() {	# JSON KEY: first numeric value of "KEY":
	# shellcheck disable=SC2020	# three characters to newlines
	printf '%s' "$1" | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$2\": *\([0-9][0-9]*\).*/\1/p" | head -n 1
}
packets() { json_num "$(lr stats --json "$1")" packets; }
bytes() { json_num "$(lr stats --json "$1")" bytes; }
own_agrees() {	# COUNTER...: their own packets and bytes are the engine's
	for c in "$@"; do
		j=$(lr stats --json "$c")
		o=$(printf '%s' "$j" | sed 's/.*"stats"://')
		[ "$(json_num "$o" packets) $(json_num "$o" bytes)" = \
		  "$(json_num "$j" packets) $(json_num "$j" bytes)" ] ||
			{ echo "$j"; return 1; }
	done
}
PING_LEN=98
stat_of() { json_num "$(lr stats --json "$1")" "$2"; }
e2e_ping() {	# COUNT: every reply came back
	ip netns exec lana-ns1 ping -q -c "$1" -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1
}
mac_of() {	# NS DEV: MAC address of DEV in namespace NS
	ip -n "$1" -o link show "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'
}
static_neigh() {	# permanent neighbours: no ARP frame from then on
	ip -n lana-ns1 neigh replace 10.77.0.2 lladdr "$(mac_of lana-ns2 v2)" \
		nud permanent dev v1 &&
	ip -n lana-ns2 neigh replace 10.77.0.1 lladdr "$(mac_of lana-ns1 v1)" \
		nud permanent dev v2
}
flush_neigh() {	# permanent entries too: the next ping uses ARP
	ip -n lana-ns1 neigh del 10.77.0.2 dev v1 2>/dev/null
	ip -n lana-ns2 neigh del 10.77.0.1 dev v2 2>/dev/null
	true
}
netns_down() {
	ip link del lana-v1 2>/dev/null
	ip link del lana-v2 2>/dev/null
	ip netns del lana-ns1 2>/dev/null
	ip netns del lana-ns2 2>/dev/null
	true
}
netns_up() {
	netns_down
	ip netns add lana-ns1 && ip netns add lana-ns2 &&
	ip link add lana-v1 type veth peer name v1 netns lana-ns1 &&
	ip link add lana-v2 type veth peer name v2 netns lana-ns2 || return 1
	for d in lana-v1 lana-v2; do
		echo 1 >"/proc/sys/net/ipv6/conf/$d/disable_ipv6"
		ip link set "$d" up || return 1
	done
	ip netns exec lana-ns1 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/v1/disable_ipv6' &&
	ip netns exec lana-ns2 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/v2/disable_ipv6' &&
	ip -n lana-ns1 addr add 10.77.0.1/24 dev v1 &&
	ip -n lana-ns2 addr add 10.77.0.2/24 dev v2 &&
	ip -n lana-ns1 link set v1 up && ip -n lana-ns2 link set v2 up &&
	ip -n lana-ns1 link set lo up && ip -n lana-ns2 link set lo up
}
show_has() {	# NAME...: `lanarun show` lists every NAME
	out=$(lr show) || return 1
	for n in "$@"; do
		echo "$out" | grep -qw "$n" || { echo "$out"; return 1; }
	done
}

check "insmod lana.ko (end to end)" insmod /lib/modules/extra/lana.ko
check "lanarun --engine kernel show: empty graph" lr show
check "veth pairs to two namespaces" netns_up
check "static neighbours in both namespaces" static_neigh
check_not "no graph, no ping" e2e_ping 1
# the host's own address on lana-v1: reachable only while no graph takes
# the frames lana-v1 receives (static neighbours both ways: no ARP)
host_ping() { ip netns exec lana-ns1 ping -q -c 1 -W 1 10.77.0.254 >/dev/null 2>&1; }
ip addr add 10.77.0.254/24 dev lana-v1
ip -n lana-ns1 neigh replace 10.77.0.254 \
	lladdr "$(cat /sys/class/net/lana-v1/address)" nud permanent dev v1
ip neigh replace 10.77.0.1 lladdr "$(mac_of lana-ns1 v1)" nud permanent dev lana-v1
check "no graph: ns1 reaches the host on lana-v1" host_ping

check "apply bridge.lana (kernel)" lr apply /data/bridge.lana
check "show lists a, b, ca, cb" show_has a b ca cb
check "ping through the kernel graph" e2e_ping 5
ca=$(packets ca)
cb=$(packets cb)
check "counter ca counted the 5 pings (${ca:-none})" test "${ca:-x}" = 5
check "counter cb counted the 5 replies (${cb:-none})" test "${cb:-x}" = 5
check "ca and cb bytes: 5 x $PING_LEN each ($(bytes ca), $(bytes cb))" \
	test "$(bytes ca) $(bytes cb)" = "$((5 * PING_LEN)) $((5 * PING_LEN))"
check "ca's and cb's own counters: the same" own_agrees ca cb
arx=$(stat_of a rx)
check "eth a counts received frames (${arx:-none})" test "${arx:-x}" = 5
check_not "frames taken by the graph do not reach the host stack" host_ping
# its one echo request went through ca (to ns2, which drops it: not its MAC)
ca=$(packets ca)
check "the host ping crossed ca (${ca:-none} = 6)" test "${ca:-x}" = 6

check "apply the filtered bridge (bpf \"not icmp\")" lr apply /data/bridge_filtered.lana
# no frame has moved since: the counts are the same
cb2=$(packets cb)
check "unchanged counter cb kept its value ($cb -> ${cb2:-none})" test "${cb2:-x}" = "$cb"
ca2=$(packets ca)
check "counter ca was rebound, not replaced ($ca -> ${ca2:-none})" test "${ca2:-x}" = "$ca"
flush_neigh
check_not "ping blocked by bpf(not icmp)" e2e_ping 3
check "ARP still passes (neighbour resolved)" \
	sh -c "ip -n lana-ns1 neigh show 10.77.0.2 | grep -q lladdr"
# ns1's only frames that are not ARP: the 3 echo requests
nfr=$(stat_of nf rejected)
check "bpf nf rejected exactly the 3 pings (${nfr:-none})" test "${nfr:-x}" = 3
# Lower bounds: how many ARP requests, replies and probes cross ca and cb
# depends on the neighbour timers; at least one request and one reply did.
ca2=$(packets ca)
cb2=$(packets cb)
check "ARP request through ca ($ca -> ${ca2:-none})" test "${ca2:-0}" -gt "$ca"
check "ARP reply through cb ($cb -> ${cb2:-none})" test "${cb2:-0}" -gt "$cb"
check "static neighbours again (no ARP from here on)" static_neigh
ca2=$(packets ca)
cb2=$(packets cb)

cat >/tmp/broken.lana <<'G'
a :: eth(dev = "lana-nosuch0");
a -> drop();
G
sf() {	# the running graph with its counters (nothing moves meanwhile)
	lr show --json
}
before=$(sf)
lr apply /tmp/broken.lana >/tmp/broken.out 2>&1
rc=$?
check "apply with an unknown interface fails (exit $rc)" test $rc -ne 0
check "the error names the instruction and the device" \
	sh -c "grep -i 'instruction' /tmp/broken.out && grep -q 'lana-nosuch0' /tmp/broken.out || { cat /tmp/broken.out; false; }"
after=$(sf)
same_graph() {
	[ "$before" = "$after" ] || { echo "before: $before"; echo "after:  $after"; false; }
}
check "failed apply left the graph and its counters intact" same_graph
ca3=$(packets ca)
cb3=$(packets cb)
check "counters still there after the failed apply (${cb3:-none} = $cb2)" test "${cb3:-x}" = "$cb2"

check "restore bridge.lana" lr apply /data/bridge.lana
check "ping works again" e2e_ping 5
ca4=$(packets ca)
cb4=$(packets cb)
check "cb kept counting across both patches (${cb4:-none} = $cb3 + 5)" test "${cb4:-x}" = $((${cb3:-0} + 5))
check "ca kept counting across both patches (${ca4:-none} = $ca3 + 5)" test "${ca4:-x}" = $((${ca3:-0} + 5))

check "live set: promisc on eth a" lr set a promisc=true
# promiscuity set by the kernel (not by the user) shows as a count, not as
# the PROMISC flag (dev_get_flags())
promisc() { ip -d link show lana-v1 | grep -q "promiscuity $1 "; }
check "lana-v1 promiscuous (promiscuity 1)" promisc 1
check "live set: promisc off" lr set a promisc=false
check "lana-v1 not promiscuous (promiscuity 0)" promisc 0

check "flush" lr flush
check_not "flushed: no graph, no ping" e2e_ping 1
check "flushed: the host stack gets lana-v1's frames again" host_ping
ip addr del 10.77.0.254/24 dev lana-v1

# tap: the host reaches ns1 through a device owned by the graph
cat >/tmp/tap.lana <<'G'
t :: tap(name = "lanatap0", mac = 02:00:00:00:77:03);
a :: eth(dev = "lana-v1");
t -> ct :: counter() -> a;
a -> ca :: counter() -> t;
G
check "apply a tap graph" lr apply /tmp/tap.lana
check "tap device lanatap0 exists" test -d /sys/class/net/lanatap0
check "lanatap0 has the given MAC" \
	grep -q 02:00:00:00:77:03 /sys/class/net/lanatap0/address
# before it is up: no IPv6 on it, static neighbours both ways (no ARP), so
# the host's 3 echo requests are all ct sees and the replies all ca sees
echo 1 >/proc/sys/net/ipv6/conf/lanatap0/disable_ipv6
ip addr add 10.77.0.3/24 dev lanatap0 2>/dev/null
ip neigh replace 10.77.0.1 lladdr "$(mac_of lana-ns1 v1)" nud permanent dev lanatap0
ip -n lana-ns1 neigh replace 10.77.0.3 lladdr 02:00:00:00:77:03 nud permanent dev v1
ip link set lanatap0 up
check "host pings ns1 through the tap graph" ping -c 3 -W 2 10.77.0.1
ct=$(packets ct)
check "counter ct counted the host's 3 requests (${ct:-none})" test "${ct:-x}" = 3
ca=$(packets ca)
check "counter ca counted the 3 replies (${ca:-none})" test "${ca:-x}" = 3
# replacing the tap block (new mtu) keeps the device and its address
sed 's/mac = 02:00:00:00:77:03/mac = 02:00:00:00:77:03, mtu = 1400/' \
	/tmp/tap.lana >/tmp/tap2.lana
check "apply a REPLACE of the tap block" lr apply /tmp/tap2.lana
check "lanatap0 kept its address" sh -c "ip addr show lanatap0 | grep -q 10.77.0.3"
check "lanatap0 has mtu 1400" grep -qx 1400 /sys/class/net/lanatap0/mtu
check "ping through the replaced tap" ping -c 2 -W 2 10.77.0.1
ct=$(packets ct)
check "counter ct kept counting across the REPLACE of t (${ct:-none} = 5)" test "${ct:-x}" = 5
check "flush removes the tap device" sh -c "lanarun --engine kernel flush && ! test -d /sys/class/net/lanatap0"

# unloading with a graph loaded tears it down (no warning: panic_on_warn)
check "apply bridge.lana again" lr apply /data/bridge.lana
check "ping before unload" e2e_ping 2
check "rmmod lana with a graph loaded" rmmod lana
check_not "no ping after unload" e2e_ping 1
ip addr add 10.77.0.254/24 dev lana-v1
check "unloaded: no rx_handler left, the host stack gets the frames" host_ping
check "veth deletion with lana.ko reloaded and graph on it" sh -c "
	insmod /lib/modules/extra/lana.ko &&
	lanarun --engine kernel -D DEV0=lana-v1 -D DEV1=lana-v2 apply /data/bridge.lana &&
	ip link del lana-v1 && lanarun --engine kernel flush && rmmod lana"
netns_down

# ------------------------------------------------- malformed messages
if [ -x /usr/local/bin/lana-malformed ]; then
	insmod /lib/modules/extra/lana.ko
	# a running graph, so that "the module keeps working" commits a real plan
	ip link add mf0 type veth peer name mf1 && ip link set mf0 up
	printf '%s\n' 'a :: eth(dev = "mf0") -> c :: counter() -> t :: tee(n = 2);' \
		't[0] -> drop();' 't[1] -> f :: fwd() -> drop();' >/tmp/mf.lana
	check "apply a graph for the malformed-message test" \
		lanarun --engine kernel apply /tmp/mf.lana
	lana-malformed || failed=1
	check "graph intact after malformed messages" \
		sh -c "lanarun --engine kernel show | grep -qw f"
	check "rmmod lana after malformed messages" rmmod lana
	ip link del mf0
else
	skip "lana-malformed not in the image"
fi

# ---------------------------------------- loop guard and engine drops
if [ -x /usr/local/bin/hops.sh ] && [ -x /usr/local/bin/lana-plan-send ]; then
	sh /usr/local/bin/hops.sh /data || failed=1
else
	skip "hops.sh or lana-plan-send not in the image"
fi

# ------------------------------------------------- engine parity
if [ -x /usr/local/bin/parity.sh ]; then
	sh /usr/local/bin/parity.sh /data || failed=1
else
	skip "parity.sh not in the image"
fi

# ------------------------------------------------- default offloads (kernel)
# Issue 8: TCP streams through the kernel graph with the veths' DEFAULT
# offloads (TSO, GSO, tx checksum offload; nothing here turns them off), so
# the graph carries GSO super-frames with partial checksums:
#   eth -> eth: ns1 <-> ns2 joined by examples/bridge.lana, both ways;
#   eth -> tap: ns1 -> this namespace's tap, and back (tap -> eth).
# Each stream is an 8 MiB file from /dev/urandom that the receiver
# downloads (busybox httpd and wget); its sha256 must match the sender's. The receiving
# namespace's /proc/net/snmp Tcp and Udp InCsumErrors (the kernel's own
# checksum verdicts) must stay 0. The proof that super-frames crossed the
# graph: the counter between the two eth blocks saw more bytes per packet
# than an MTU-sized frame can have (1514 = 1500 + Ethernet header).
OFF_SIZE=8388608	# bytes per stream
OFF_FRAME=1514		# the largest frame without GSO on an MTU-1500 veth
in_ns() {	# NS CMD...: CMD in network namespace NS ("-": this one)
	ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}
# NS: Tcp InCsumErrors + Udp InCsumErrors of /proc/net/snmp in NS ("none"
# when the kernel does not report the field); each protocol has a header
# line naming the fields, then a line of values
csum_errors() {
	in_ns "$1" cat /proc/net/snmp | awk '
		$1 == "Tcp:" || $1 == "Udp:" {
			if (!($1 in hdr)) {
				hdr[$1] = 1
				for (i = 2; i <= NF; i++) col[$1 $i] = i
				next
			}
			i = col[$1 "InCsumErrors"]
			if (i) { s += $i; n++ }
		}
		END { if (n == 2) print s + 0; else print "none" }'
}
# offload NS DEV FEATURE: on/off as ethtool -k reports it
offload() {
	in_ns "$1" ethtool -k "$2" 2>/dev/null | sed -n "s/^$3: \([a-z]*\).*/\1/p"
}
# xfer FROM_NS TO_NS ADDR PORT: TO_NS downloads /tmp/off-www/blob from a
# busybox httpd on ADDR:PORT in FROM_NS, into /tmp/off-got; true when the
# download ended in time. httpd sends the file with one sendfile(), so the
# sender's TCP builds super-frames as large as its window allows (busybox
# nc writes 1 KiB at a time: its frames stay below the MSS).
xfer() {
	rm -f /tmp/off-got
	if [ "$1" = - ]; then
		httpd -f -p "$3:$4" -h /tmp/off-www &
	else
		ip netns exec "$1" httpd -f -p "$3:$4" -h /tmp/off-www &
	fi
	hpid=$!
	i=0
	until in_ns "$1" netstat -ltn 2>/dev/null | grep -q ":$4 "; do
		i=$((i + 1))
		[ "$i" -le 50 ] || { kill "$hpid"; echo "no server on port $4"; return 1; }
		sleep 0.1
	done
	in_ns "$2" timeout 20 wget -q -O /tmp/off-got "http://$3:$4/blob"
	rc=$?
	kill "$hpid"
	wait "$hpid" 2>/dev/null
	echo "received $(wc -c </tmp/off-got 2>/dev/null || echo none); wget exit $rc"
	[ "$rc" = 0 ]
}
same_sha() {
	got=$(sha256sum </tmp/off-got | cut -d' ' -f1)
	[ "$got" = "$off_want" ] || { echo "sent $off_want, received $got"; false; }
}
# rxstat NS DEV: "BYTES PACKETS" that DEV (in NS) has received
rxstat() {
	echo "$(in_ns "$1" cat "/sys/class/net/$2/statistics/rx_bytes")" \
		"$(in_ns "$1" cat "/sys/class/net/$2/statistics/rx_packets")"
}
# per BYTES1 PACKETS1 BYTES0 PACKETS0: bytes per packet in between
per() {
	p=$((${2:-0} - ${4:-0}))
	[ "$p" -gt 0 ] || p=1
	echo $(((${1:-0} - ${3:-0}) / p))
}
# npk BYTES1 PACKETS1 BYTES0 PACKETS0: packets in between
npk() {
	echo $((${2:-0} - ${4:-0}))
}
# size_check NAME WHAT PACKETS AVG gso|seg: the check that frames of AVG
# bytes on average were GSO super-frames (gso: above OFF_FRAME bytes) or
# MTU-sized (seg: at most OFF_FRAME)
size_check() {
	if [ "$5" = gso ]; then
		check "$1: GSO super-frames $2 ($3 frames, $4 bytes/frame > $OFF_FRAME)" \
			test "$4" -gt $OFF_FRAME
	else
		check "$1: MTU-sized frames $2 ($3 frames, $4 bytes/frame <= $OFF_FRAME)" \
			test "$4" -le $OFF_FRAME -a "$4" -gt 1000
	fi
}
# stream NAME FROM_NS TO_NS ADDR PORT COUNTER OUT RXDEV gso|seg|final:
# one stream (the server in FROM_NS on ADDR:PORT), through the graph's
# COUNTER and out of its block OUT to the receiver's device RXDEV (in
# TO_NS). Checks: the download, its sha256, no checksum error at the
# receiver, OUT dropped nothing; frame sizes (gso: super-frames through
# COUNTER and at RXDEV; seg: MTU-sized frames at both; final: super-frames
# through COUNTER, segments at RXDEV, as a LANA_BT_FINAL block needs).
# RXDEV's counters count what reached the receiver, not what the graph
# meant to send (a veth's are the veth driver's; the tap's count the
# frames dev_forward_skb() took).
stream() {
	c0="$(stat_of "$6" bytes) $(stat_of "$6" packets)"
	o0=$(stat_of "$7" dropped)
	r0=$(rxstat "$3" "$8")
	t0=$(cut -d' ' -f1 /proc/uptime)
	xo=$(xfer "$2" "$3" "$4" "$5" 2>&1)
	xrc=$?
	xo=$(echo "$xo" | tr '\n' ' ' | sed 's/ *$//')
	t1=$(cut -d' ' -f1 /proc/uptime)
	dt=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	check "$1: $OFF_SIZE bytes in $dt s ($xo)" test "$xrc" = 0
	check "$1: sha256 of the received file matches" same_sha
	e=$(csum_errors "$3")
	check "$1: no Tcp/Udp InCsumErrors at the receiver ($e)" test "$e" = 0
	o1=$(stat_of "$7" dropped)
	check "$1: $7 dropped nothing ($((${o1:-0} - ${o0:-0})))" \
		test -n "$o1" -a "${o1:-0}" = "${o0:-0}"
	c1="$(stat_of "$6" bytes) $(stat_of "$6" packets)"
	r1=$(rxstat "$3" "$8")
	case $9 in
	gso) kc=gso kr=gso ;;
	seg) kc=seg kr=seg ;;
	*) kc=gso kr=seg ;;
	esac
	# shellcheck disable=SC2086	# "BYTES PACKETS" pairs as 2 words
	size_check "$1" "through $6" "$(npk $c1 $c0)" "$(per $c1 $c0)" $kc
	# shellcheck disable=SC2086
	size_check "$1" "received on $8" "$(npk $r1 $r0)" "$(per $r1 $r0)" $kr
}

test -d /sys/module/lana || insmod /lib/modules/extra/lana.ko
check "offloads: veth pairs to two namespaces" netns_up
if command -v ethtool >/dev/null; then
	check "offloads: v1 keeps TSO on (default)" \
		test "$(offload lana-ns1 v1 tcp-segmentation-offload)" = on
	check "offloads: v1 keeps tx checksumming on (default)" \
		test "$(offload lana-ns1 v1 tx-checksumming)" = on
	check "offloads: lana-v2 keeps TSO on (default)" \
		test "$(offload - lana-v2 tcp-segmentation-offload)" = on
else
	skip "offloads: ethtool not in the image (features not shown)"
fi
mkdir -p /tmp/off-www
head -c $OFF_SIZE /dev/urandom >/tmp/off-www/blob
off_want=$(sha256sum </tmp/off-www/blob | cut -d' ' -f1)
check "offloads: apply bridge.lana (kernel)" lr apply /data/bridge.lana
check "offloads: ping through the kernel graph" e2e_ping 2
stream "eth -> eth (ns1 -> ns2)" lana-ns1 lana-ns2 10.77.0.1 5401 ca b v2 gso
stream "eth -> eth (ns2 -> ns1)" lana-ns2 lana-ns1 10.77.0.2 5402 cb a v1 gso
# a bpf block reads final bytes (LANA_BT_FINAL): the PPE segments the
# super-frames for it and the segments carry checksums made in software,
# which the receiver verifies (a partial checksum it would take on trust)
cat >/tmp/off-bpf.lana <<'G'
a :: eth(dev = "lana-v1");
b :: eth(dev = "lana-v2");
a -> cin :: counter() -> f :: bpf(filter = "tcp or arp") -> b;
b -> cb :: counter() -> a;
G
check "offloads: apply eth -> bpf -> eth" lr apply /tmp/off-bpf.lana
stream "eth -> bpf -> eth (ns1 -> ns2)" lana-ns1 lana-ns2 10.77.0.1 5405 cin b v2 final

cat >/tmp/off-tap.lana <<'G'
nic :: eth(dev = "lana-v1");
host :: tap(name = "lanatap1", mac = 02:00:00:00:77:04);
host -> up :: counter() -> nic;
nic -> down :: counter() -> host;
G
check "offloads: apply eth <-> tap" lr apply /tmp/off-tap.lana
ip addr add 10.77.0.4/24 dev lanatap1 && ip link set lanatap1 up
check "offloads: ns1 pings the tap" \
	ip netns exec lana-ns1 ping -q -c 2 -W 2 10.77.0.4
stream "eth -> tap (ns1 -> host)" lana-ns1 - 10.77.0.1 5403 down host lanatap1 gso
# the tap offers no offload to its host: frames reach the graph segmented
stream "tap -> eth (host -> ns1)" - lana-ns1 10.77.0.4 5404 up nic v1 seg
check "offloads: flush" lr flush
check "offloads: rmmod lana" rmmod lana
netns_down
rm -rf /tmp/off-www /tmp/off-got

# ------------------------------------------------- vxlan (issue 11)
if [ -x /usr/local/bin/vm-vxlan.sh ]; then
	sh /usr/local/bin/vm-vxlan.sh || failed=1
else
	skip "vm-vxlan.sh not in the image"
fi

exit $failed
