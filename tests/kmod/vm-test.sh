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

exit $failed
