#!/bin/sh
# tests/kmod/hops.sh - lana.ko's loop guard and engine drops (issue 9),
# the kernel twin of tests/hops.sh.
#
#   hops.sh --host LANARUN OUTDIR   (on the host, by tests/kmod/run.sh)
#       writes OUTDIR/hops.pcap (one IPv4 UDP frame), the chains
#       hops-chain300.lana and hops-chain1000.lana (eth(dev = "hop0") ->
#       N counters -> drop), hops-unbound.lana (eth -> bpf("arp") with its
#       optional reject port unbound) and hops-cycle.plan (eth -> f1 ->
#       f2 -> f1, made by tests/mkcycle.sh: the compiler refuses cycles).
#   hops.sh DIR                     (in the VM, by tests/kmod/vm-test.sh)
#       loads lana.ko, sends K copies of the frame into hop1, the veth
#       peer of hop0, with lana-pcap-send for each graph, and checks
#       `lanarun --engine kernel show --json`:
#        - every counter of both chains counts K, the drop K, no engine
#          drop (a fixed guard of 256 hops dropped every frame);
#        - bpf("arp") rejects the K UDP frames out of its unbound port:
#          K unbound drops;
#        - the cycle, sent as is with lana-plan-send: 4 blocks, one of
#          them a vlink, so each frame makes 4 x 2 = 8 hops (docs/
#          runtime.md), f1, f2, f1, ...: f1 and f2 count 4K each, K loop
#          drops, and the module keeps working.
#       Engine drops add up over the module's life: each step adds to the
#       last (hand-counted from the graphs).
# Prints ok:/FAIL: lines; exit 1 on a failure.

K=500

chain() {	# N: eth -> N counters -> drop
	printf 'nic :: eth(dev = "hop0") -> c1 :: counter()'
	i=2
	while [ $i -le "$1" ]; do
		printf ' -> c%s :: counter()' $i
		i=$((i + 1))
	done
	printf ' -> d :: drop();\n'
}

if [ "${1:-}" = --host ]; then
	[ $# -eq 4 ] || { echo "usage: $0 --host LANARUN MKCYCLE OUTDIR" >&2; exit 2; }
	lanarun=$2
	out=$4
	mkdir -p "$out" || exit 1
	# pcap savefile (LINKTYPE_ETHERNET), one 60-byte IPv4 UDP frame
	{
		printf '\324\303\262\241\002\000\004\000\000\000\000\000'
		printf '\000\000\000\000\377\377\000\000\001\000\000\000'
		printf '\001\000\000\000\000\000\000\000\074\000\000\000\074\000\000\000'
		printf '\002\000\000\000\000\262\002\000\000\000\000\241\010\000'
		printf '\105\000\000\056\000\001\100\000\100\021\000\000'
		printf '\012\102\000\001\012\102\000\002\004\322\000\065\000\032\000\000'
		printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
	} >"$out/hops.pcap" || exit 1
	for n in 300 1000; do
		chain $n >"$out/hops-chain$n.lana"
		"$lanarun" lint "$out/hops-chain$n.lana" || exit 1
	done
	printf '%s\n' 'nic :: eth(dev = "hop0") -> f :: bpf(filter = "arp") -> d :: drop();' \
		>"$out/hops-unbound.lana"
	"$lanarun" lint "$out/hops-unbound.lana" || exit 1
	printf '%s\n' 'nic :: eth(dev = "hop0") -> f1 :: fwd() -> f2 :: counter() -> d :: drop();' \
		>"$out/cycle.lana"
	# IDPs: nic 1, f1 2, f2 3, d 4; f2 -> d becomes f2 -> f1
	"$3" "$lanarun" "$out/cycle.lana" "$out/hops-cycle.plan" 3 4 2 || exit 1
	rm -f "$out/cycle.lana"
	"$lanarun" disasm "$out/hops-cycle.plan" | grep -q 'BIND    3 f2.out -> 2 f1.in' || exit 1
	exit 0
fi

# ------------------------------------------------------------ VM side

dir=${1:-/data}
failed=0
ok() { echo "ok: hops: $*"; }
fail() { echo "FAIL: hops: $*"; failed=1; }
check() {	# NAME CMD...
	what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

for f in hops.pcap hops-chain300.lana hops-chain1000.lana hops-unbound.lana \
	hops-cycle.plan; do
	[ -f "$dir/$f" ] || { fail "$dir/$f missing"; exit 1; }
done
# a fresh module: the engine drops count from 0
if [ -d /sys/module/lana ]; then
	rmmod lana || { fail "rmmod lana (for a fresh module)"; exit 1; }
fi
insmod /lib/modules/extra/lana.ko || { fail "insmod lana.ko"; exit 1; }
ip link add hop0 type veth peer name hop1 || { fail "veth hop0/hop1"; exit 1; }
for d in hop0 hop1; do
	echo 1 >"/proc/sys/net/ipv6/conf/$d/disable_ipv6"
	ip link set "$d" up
done

lr() { lanarun --engine kernel "$@"; }
js() { lr show --json; }
# packets of the blocks of type TYPE that counted exactly WANT
count_type() {	# TYPE WANT
	js | grep -o "\"type\":\"$1\",\"packets\":[0-9]*" | grep -c "\"packets\":$2\$"
}
packets() {	# NAME
	js | grep -o "\"name\":\"$1\",\"type\":\"[a-z_]*\",\"packets\":[0-9]*" |
		sed 's/.*"packets"://'
}
engine() {	# KEY of the engine's record
	js | grep -o '"engine":{[^}]*}' | grep -o "\"$1\":[0-9]*" | sed 's/.*://'
}
send() {	# K frames into hop1
	lana-pcap-send "$dir/hops.pcap" hop1 $K >/tmp/hops.send 2>&1 ||
		{ sed 's/^/    /' /tmp/hops.send; return 1; }
	sleep 1
}

for n in 300 1000; do
	lr flush >/dev/null 2>&1
	check "apply a chain of $n counters" lr apply "$dir/hops-chain$n.lana"
	check "$K frames into hop1" send
	got=$(count_type counter $K)
	check "chain of $n: every counter counted $K ($got of $n)" test "$got" = $n
	got=$(packets d)
	check "chain of $n: the drop counted $K ($got)" test "$got" = $K
	got=$(engine drops)
	check "chain of $n: no engine drop ($got)" test "$got" = 0
done

lr flush >/dev/null 2>&1
check "apply bpf(arp) with its reject port unbound" lr apply "$dir/hops-unbound.lana"
check "$K frames into hop1" send
got=$(engine unbound_drops)
check "unbound drops $got = $K" test "$got" = $K
got=$(engine drops)
check "engine drops $got = $K" test "$got" = $K
got=$(lr show | head -n 1)
want="engine drops $K: loop_drops 0, unbound_drops $K, nomem_drops 0, stale_drops 0"
check "show's first line: '$got'" test "$got" = "$want"

lr flush >/dev/null 2>&1
check "a plan with a cycle, sent as is" sh -c "lana-plan-send -k '$dir/hops-cycle.plan' | grep -qx applied"
check "$K frames into hop1" send
got=$(packets f1)
check "f1 counted 4 x $K ($got)" test "$got" = $((4 * K))
got=$(packets f2)
check "f2 counted 4 x $K ($got)" test "$got" = $((4 * K))
got=$(engine loop_drops)
check "loop drops $got = $K" test "$got" = $K
got=$(engine drops)
check "engine drops $got = $K unbound + $K loop" test "$got" = $((2 * K))
check "flush after the cycle" lr flush
check "the module still takes a graph" lr apply "$dir/hops-chain300.lana"
lr flush >/dev/null 2>&1
ip link del hop0
rmmod lana || fail "rmmod lana"
exit $failed
