#!/usr/bin/env bash
# tests/e2e/reattach.sh - interfaces that disappear under a running graph
# (issue 9, "Devices"): lanad runs examples/bridge.lana between the two
# namespaces of lib.sh; deleting lana-v2 (which also destroys its peer v2
# in ns2) is logged once ("eth b: interface lana-v2 is gone; ..."), the
# worker does not spin (lanad's CPU time from /proc/PID/stat), and every
# frame counter ca forwards toward b is counted in b's `dropped`;
# re-creating the pair with the same names and addresses brings ping back
# within seconds, without an apply ("... is back (ifindex N)", N read from
# sysfs). A link set down is not gone: no log, no spin, drops counted, ping
# back when it is up. A tap deleted under the graph (ip link del) is
# logged, its frames counted as drops, and the worker does not spin.
# Needs root, iproute2, iputils-ping, jq. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/install-deps.sh installs it)"; exit 1; }
L=${LANARUN:-lanarun}
D=${LANAD:-lanad}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
log=$tmp/lanad.log
lanad_pid=
MAX_CPU=20	# percent of one core lanad may use, idle, with a device gone

cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	ip link del lana-rt0 2>/dev/null || true
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }

# snap: one `show --json` snapshot into $tmp/snap, so that the numbers
# compared below come from the same moment
snap() { lr show --json >"$tmp/snap"; }
# num BLOCK FIELD: .packets / .drops of BLOCK, or a named counter (stats)
num() {
	jq -r --arg b "$1" --arg k "$2" \
		'.blocks[] | select(.name == $b) | (.[$k] // .stats[$k])' "$tmp/snap"
}

# cpu SECONDS: lanad's CPU over SECONDS, in percent of one core
cpu() { e2e_cpu_pct "$lanad_pid" "$1"; }

# wait_log PATTERN [TENTHS]: the log gets a line matching PATTERN (ERE)
wait_log() {
	local i
	for i in $(seq "${2:-30}"); do
		grep -qE "$1" "$log" && return 0
		sleep 0.1
	done
	return 1
}

# ping_fail COUNT: COUNT pings from ns1 that get no answer (the path is cut)
ping_fail() {
	! ip netns exec lana-ns1 ping -q -c "$1" -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1
}

# ping_within SECONDS: one ping succeeds within SECONDS, then 3 of 3
ping_within() {
	local i
	for i in $(seq "$1"); do
		ip netns exec lana-ns1 ping -q -c 1 -W 1 10.77.0.2 >/dev/null 2>&1 &&
			e2e_ping 3 && return 0
	done
	return 1
}

# drops_match WHAT: ping into the cut path; the frames ca forwarded
# meanwhile (ARP requests, echo requests: at least 5) are exactly the
# frames b counted as dropped (every frame ca forwards goes to b)
drops_match() {
	local ca0 bd0 ca1 bd1
	snap; ca0=$(num ca packets); bd0=$(num b dropped)
	ping_fail 5
	sleep 0.3
	snap; ca1=$(num ca packets); bd1=$(num b dropped)
	e2e_check "$1: ca forwarded the pings toward b ($ca0 -> $ca1)" \
		test $((ca1 - ca0)) -ge 5
	e2e_check "$1: b dropped exactly what ca forwarded ($((bd1 - bd0)) = $((ca1 - ca0)))" \
		test $((bd1 - bd0)) = $((ca1 - ca0))
}

e2e_netns_up
# no IPv6 chatter (router solicitations) crossing the graph meanwhile
ip netns exec lana-ns1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec lana-ns2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
mac2=$(cat /sys/class/net/lana-v2/address 2>/dev/null)
peer2=$(ip netns exec lana-ns2 cat /sys/class/net/v2/address)

# -v: lanad logs every transaction it applies ("... applied: generation N")
"$D" --socket "$sock" --workers 1 -v >"$log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "lanad listens on its socket" test -S "$sock"
e2e_check "apply bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping through the graph" e2e_ping 3
txns() { grep -c 'applied: generation' "$log"; }
n0=$(txns)

# ------------------------------------------------------ gone, and back
ip link del lana-v2
e2e_check "the deletion is logged" \
	wait_log 'eth b: interface lana-v2 is gone; waiting for it to come back'
c=$(cpu 2)
e2e_check "lanad does not spin with lana-v2 gone (${c}% < ${MAX_CPU}%)" \
	test "$c" -lt "$MAX_CPU"
drops_match "lana-v2 gone"
e2e_check "the deletion was logged once" \
	test "$(grep -c 'interface lana-v2 is gone' "$log")" = 1

# the same pair again: names, MAC and IP addresses as e2e_netns_up made them
ip link add lana-v2 address "$mac2" type veth peer name v2 address "$peer2" netns lana-ns2
sysctl -qw net.ipv6.conf.lana-v2.disable_ipv6=1 2>/dev/null || true
ip link set lana-v2 up
ip -n lana-ns2 addr add 10.77.0.2/24 dev v2
ip -n lana-ns2 link set v2 up
idx=$(cat /sys/class/net/lana-v2/ifindex)
e2e_check "the return is logged with the new ifindex ($idx)" \
	wait_log "eth b: interface lana-v2 is back \(ifindex $idx\)"
e2e_check "ping works again within 5 s, without an apply" ping_within 5
e2e_check "no transaction happened meanwhile ($n0 = $(txns) applied)" \
	test "$n0" = "$(txns)" -a "$n0" -ge 1
c=$(cpu 2)
e2e_check "lanad idles after the return (${c}% < ${MAX_CPU}%)" \
	test "$c" -lt "$MAX_CPU"

# ------------------------------------------- down is not gone
ip link set lana-v2 down
sleep 0.3
c=$(cpu 2)
e2e_check "lanad does not spin with lana-v2 down (${c}% < ${MAX_CPU}%)" \
	test "$c" -lt "$MAX_CPU"
drops_match "lana-v2 down"
e2e_check "a link that is down is not reported gone" \
	test "$(grep -c 'interface lana-v2 is gone' "$log")" = 1
ip link set lana-v2 up
e2e_check "ping works again once lana-v2 is up" ping_within 5

# ------------------------------------------- a tap deleted under the graph
cat >"$tmp/tap.lana" <<'G'
a :: eth(dev = "lana-v1");
t :: tap(name = "lana-rt0");
a -> ct :: counter() -> t;
t -> a;
G
e2e_check "apply a graph with tap lana-rt0" lr apply "$tmp/tap.lana"
e2e_check "the tap exists" test -e /sys/class/net/lana-rt0
ip link del lana-rt0
e2e_check "the tap's deletion is logged" \
	wait_log 'tap t: device lana-rt0 is gone'
c=$(cpu 2)
e2e_check "lanad does not spin with the tap gone (${c}% < ${MAX_CPU}%)" \
	test "$c" -lt "$MAX_CPU"
snap; ct0=$(num ct packets); td0=$(num t dropped)
ping_fail 5
sleep 0.3
snap; ct1=$(num ct packets); td1=$(num t dropped)
e2e_check "ct forwarded ARP requests toward the tap ($ct0 -> $ct1)" \
	test $((ct1 - ct0)) -ge 3
e2e_check "t dropped exactly what ct forwarded ($((td1 - td0)) = $((ct1 - ct0)))" \
	test $((td1 - td0)) = $((ct1 - ct0))
e2e_check "flush" lr flush

kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
rc=$?
lanad_pid=
e2e_check "lanad stops cleanly on SIGTERM (exit $rc)" test "$rc" = 0
if [ "$E2E_FAIL" != 0 ]; then echo "--- lanad log"; cat "$log"; fi
e2e_summary
