#!/bin/sh
# bench/kmod/vm-bench.sh - kernel engine benchmark, run inside the test VM
# as /test.sh (bench/kmod/run.sh boots it through tests/kmod/run.sh with
# LANA_VM_BENCH=1).
#
# pktgen sends COUNT 60-byte UDP frames out of veth bp0; its peer bp1
# receives them in the softirq of the sending CPU (veth -> netif_rx; pktgen
# re-enables BH after every frame, so the receive work is inside pktgen's
# time). Rates, in frames per second of pktgen's run:
#   host:   no graph, bp1 has 10.98.0.1 and no socket on UDP port 9: the
#           host stack receives every frame and drops it (Udp NoPorts).
#   fwd N:  lana.ko graph eth(bp1) -> N x fwd() -> drop(): the rx_handler
#           takes the frame before the IP layer; N = 1, 10, 50.
# Each rate counts only frames that were processed (NoPorts delta, or the
# drop block's counter); the report is "bench:" lines with the ratio of
# each graph's rate to the host stack's. Under QEMU TCG the absolute
# numbers are emulation speed; the ratios are what to compare.

COUNT=${LANA_BENCH_COUNT:-100000}
failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

pg() { echo "$2" >"/proc/net/pktgen/$1"; }

# run pktgen once: prints "PPS SENT"
pktgen_run() {
	pg kpktgend_0 "rem_device_all"
	pg kpktgend_0 "add_device bp0"
	pg bp0 "count $COUNT"
	pg bp0 "pkt_size 60"
	pg bp0 "delay 0"
	pg bp0 "burst 1"
	pg bp0 "dst 10.98.0.1"
	pg bp0 "src_min 10.98.0.2"
	pg bp0 "src_max 10.98.0.2"
	pg bp0 "udp_dst_min 9"
	pg bp0 "udp_dst_max 9"
	pg bp0 "dst_mac $(cat /sys/class/net/bp1/address)"
	pg pgctrl "start"
	res=$(cat /proc/net/pktgen/bp0)
	pps=$(echo "$res" | sed -n 's/.* \([0-9][0-9]*\)pps.*/\1/p' | head -n 1)
	sent=$(echo "$res" | sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' | head -n 1)
	pg kpktgend_0 "rem_device_all"
	echo "${pps:-0} ${sent:-0}"
}

udp_noports() {
	awk '/^Udp:/ { if (h) { print $3; exit } h = 1 }' /proc/net/snmp
}

ip link add bp0 type veth peer name bp1 || { fail "veth bp0/bp1"; exit 1; }
for d in bp0 bp1; do
	echo 1 >"/proc/sys/net/ipv6/conf/$d/disable_ipv6"
	ip link set "$d" up
done
ip addr add 10.98.0.1/24 dev bp1
# no ICMP port unreachable replies in the measurement
echo 0 >/proc/sys/net/ipv4/icmp_msgs_per_sec 2>/dev/null
echo 0 >/proc/sys/net/ipv4/icmp_msgs_burst 2>/dev/null

before=$(udp_noports)
# shellcheck disable=SC2046	# "PPS SENT" is split on purpose
set -- $(pktgen_run)
host_pps=$1
host_got=$(( $(udp_noports) - before ))
if [ "$host_got" -ge $((COUNT * 99 / 100)) ] && [ "$host_pps" -gt 0 ]; then
	ok "bench: host stack received and dropped $host_got of $2"
	echo "bench: host-stack $host_pps pps (1.00)"
else
	fail "bench: host stack run (pps $host_pps, dropped $host_got of $2)"
fi

insmod /lib/modules/extra/lana.ko || { fail "insmod lana.ko"; exit 1; }
for n in 1 10 50; do
	{
		echo 'in :: eth(dev = "bp1");'
		printf 'in'
		i=0
		while [ $i -lt $n ]; do printf ' -> f%d :: fwd()' $i; i=$((i + 1)); done
		echo ' -> sink :: drop();'
	} >/tmp/bench$n.lana
	if ! lanarun --engine kernel apply /tmp/bench$n.lana >/tmp/apply.log 2>&1; then
		sed 's/^/    /' /tmp/apply.log
		fail "bench: apply $n fwd blocks"
		continue
	fi
	# shellcheck disable=SC2046	# "PPS SENT" is split on purpose
	set -- $(pktgen_run)
	pps=$1
	got=$(lanarun --engine kernel stats --json sink |
		sed -n 's/.*"packets":\([0-9]*\).*/\1/p')
	if [ "${got:-0}" -ge $((COUNT * 99 / 100)) ] && [ "$pps" -gt 0 ]; then
		ok "bench: $n fwd blocks: drop block counted $got of $2"
		ratio=$(awk -v a="$pps" -v b="$host_pps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
		echo "bench: fwd x$n $pps pps ($ratio)"
	else
		fail "bench: $n fwd blocks (pps $pps, counted ${got:-none} of $2)"
	fi
	lanarun --engine kernel flush >/dev/null 2>&1
done
rmmod lana || fail "rmmod lana"
ip link del bp0
exit $failed
