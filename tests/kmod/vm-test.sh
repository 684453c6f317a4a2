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
	[ "$sent" = "$PKTGEN_COUNT" ] && [ $((after - before)) -ge "$PKTGEN_COUNT" ]
}
if [ -d /proc/net/pktgen ]; then
	check "pktgen sends $PKTGEN_COUNT frames over veth" pktgen_send
else
	fail "pktgen loaded (/proc/net/pktgen)"
fi

# ------------------------------------------------- lana.ko
if [ -f /lib/modules/extra/lana.ko ]; then
	check "insmod lana.ko" insmod /lib/modules/extra/lana.ko
	check "lana module live" test -d /sys/module/lana
	check "rmmod lana" rmmod lana
else
	skip "lana.ko not built"
fi

exit $failed
