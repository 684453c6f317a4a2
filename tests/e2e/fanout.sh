#!/usr/bin/env bash
# tests/e2e/fanout.sh - one interface spread over two workers (issue 8):
# lanad --workers 2 runs examples/bridge.lana between the namespaces of
# lib.sh; each eth has one AF_PACKET socket per worker in a PACKET_FANOUT
# group (runtime/dev.c "Fanout").
#   - 32 UDP flows (source ports 41000..41031) of 200 datagrams each, with
#     sequence numbers, sent in bursts of 50 per flow (tests/e2e/udp_flows.py):
#     the receiver in ns2 gets 32 x 200 = 6400 datagrams, each exactly
#     once, and within each flow in order; with static neighbours and no
#     IPv6 these are the only frames, so counter ca counts exactly 6400,
#     and eth a's per-worker figures rx_w0 and rx_w1 are both > 0 and sum
#     to 6400 (both workers received);
#   - TCP, iperf3 -P 4 both ways, no checksum error in either namespace
#     (nstat), and a 20 MB HTTP download whose sha256 is the file's;
#   - IP fragments (ping -s 3000) cross as they are;
#   - the interface deleted and re-created under the graph: the sockets
#     are rebuilt in a new group ("is back" logged), and the UDP flows
#     again arrive exactly once and in order, over both workers; deleted
#     again, lanad sleeps (the new sockets' errors are watched: CPU time);
#   - eth(mode = xdp) on veths with 2 queues: one AF_XDP socket per queue,
#     the queues spread over the two workers (logged), flows exact and in
#     order again.
# Expected values are hand-computed (32 x 200) or come from the kernel
# (nstat) and sha256sum. Needs root, python3, iperf3, curl, nstat, jq,
# ethtool.
# Env: LANARUN, LANAD (binaries), top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in python3 iperf3 curl nstat jq ethtool; do
	if ! command -v "$t" >/dev/null; then
		echo "e2e: $t missing (scripts/install-deps.sh installs it)"
		exit 1
	fi
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
log=$tmp/lanad.log
lanad_pid=
srv_pid=
FLOWS=32
COUNT=200
TOTAL=$((FLOWS * COUNT))	# 6400

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }
# snap: one `show --json` snapshot; num BLOCK FIELD reads it
snap() { lr show --json >"$tmp/snap"; }
num() {
	jq -r --arg b "$1" --arg k "$2" \
		'.blocks[] | select(.name == $b) | (.[$k] // .stats[$k] // "none")' "$tmp/snap"
}

# flows: the 32 x 200 datagrams ns1 -> ns2; the receiver's summary in
# $tmp/flows, ca's and eth a's counts before and after in $before/$after
flows() {
	rm -f "$tmp/ready"
	ip netns exec lana-ns2 python3 "$src/tests/e2e/udp_flows.py" recv \
		10.77.0.2 9999 "$TOTAL" "$tmp/ready" >"$tmp/flows" &
	local rpid=$!
	for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
	snap
	before="$(num ca packets) $(num a rx_w0) $(num a rx_w1)"
	ip netns exec lana-ns1 python3 "$src/tests/e2e/udp_flows.py" send \
		10.77.0.2 9999 "$FLOWS" "$COUNT" 50
	wait "$rpid"
	snap
	after="$(num ca packets) $(num a rx_w0) $(num a rx_w1)"
	echo "receiver: $(cat "$tmp/flows"); ca rx_w0 rx_w1: $before -> $after"
}
# check_flows WHAT: the last flows run was exact, in order, over 2 workers
check_flows() {
	local b0 b1 b2 a0 a1 a2
	read -r b0 b1 b2 <<<"$before"
	read -r a0 a1 a2 <<<"$after"
	e2e_check "$1: $TOTAL datagrams arrive, each once, none missing ($(cat "$tmp/flows"))" \
		grep -qx "total=$TOTAL dup=0 missing=0 reordered=[0-9]* flows=$FLOWS" "$tmp/flows"
	e2e_check "$1: within each flow in order" grep -q "reordered=0 " "$tmp/flows"
	e2e_check "$1: counter ca counted $TOTAL ($b0 -> $a0)" test $((a0 - b0)) = "$TOTAL"
	e2e_check "$1: worker 0 received on eth a (rx_w0 +$((a1 - b1)))" test $((a1 - b1)) -gt 0
	e2e_check "$1: worker 1 received on eth a (rx_w1 +$((a2 - b2)))" test $((a2 - b2)) -gt 0
	e2e_check "$1: rx_w0 + rx_w1 = $TOTAL" test $((a1 - b1 + a2 - b2)) = "$TOTAL"
}

e2e_netns_up
e2e_neigh_static
e2e_check "lanad --workers 2 starts" e2e_lanad_start "$sock" "$log" --workers 2
e2e_check "apply bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping through the graph" e2e_ping 3
snap
e2e_check "eth a reports rx_w0 and rx_w1" test "$(num a rx_w1)" != none

# ------------------------------------------------------- UDP flows
flows
check_flows "AF_PACKET fanout"

# ------------------------------------------------------------- TCP
for ns in lana-ns1 lana-ns2; do ip netns exec "$ns" nstat -n >/dev/null 2>&1; done
b=$(e2e_iperf lana-ns2 10.77.0.2 -t 3 -P 4)
e2e_check "TCP, 4 streams ns1 -> ns2 (${b:-0} bytes)" test "${b:-0}" -gt 10000000
b=$(e2e_iperf lana-ns2 10.77.0.2 -t 3 -P 4 -R)
e2e_check "TCP, 4 streams ns2 -> ns1 (${b:-0} bytes)" test "${b:-0}" -gt 10000000
head -c 20000000 /dev/urandom >"$tmp/blob"
want=$(sha256sum <"$tmp/blob" | cut -d' ' -f1)
(cd "$tmp" && exec ip netns exec lana-ns2 python3 -m http.server 8099 \
	--bind 10.77.0.2 >/dev/null 2>&1) &
srv_pid=$!
for _ in $(seq 50); do
	ip netns exec lana-ns2 ss -ltn 2>/dev/null | grep -q ':8099 ' && break
	sleep 0.1
done
got=$(ip netns exec lana-ns1 timeout 60 curl -sf http://10.77.0.2:8099/blob | sha256sum | cut -d' ' -f1)
kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=
e2e_check "20 MB over HTTP arrive intact (sha256 ${got:0:12}.. = ${want:0:12}..)" \
	test "$got" = "$want"
e1=$(e2e_csum_errors lana-ns1); e2=$(e2e_csum_errors lana-ns2)
e2e_check "no TCP/UDP checksum error in ns1 ($e1) or ns2 ($e2)" \
	test "$e1" = 0 -a "$e2" = 0

# ------------------------------------------------------ fragments
# ping -s 3000: 3028-byte datagrams, three IP fragments each way, which
# must cross as they are (a group that reassembled them, FLAG_DEFRAG,
# would hand the graph datagrams larger than the egress MTU)
frag_ping() {
	ip netns exec lana-ns1 ping -q -c 5 -i 0.2 -W 1 -s 3000 10.77.0.2 >/dev/null 2>&1
}
e2e_check "fragmented ping (-s 3000) crosses the graph" frag_ping

# ------------------------------------------------- gone and back
mac1=$(cat /sys/class/net/lana-v1/address)
peer1=$(e2e_mac lana-ns1 v1)
ip link del lana-v1
for _ in $(seq 30); do grep -q "interface lana-v1 is gone" "$log" && break; sleep 0.1; done
e2e_check "deleting lana-v1 is logged" grep -q "eth a: interface lana-v1 is gone" "$log"
ip link add lana-v1 address "$mac1" type veth peer name v1 address "$peer1" netns lana-ns1
sysctl -qw net.ipv6.conf.lana-v1.disable_ipv6=1
ip -n lana-ns1 sysctl -qw net.ipv6.conf.v1.disable_ipv6=1 2>/dev/null ||
	ip netns exec lana-ns1 sysctl -qw net.ipv6.conf.v1.disable_ipv6=1
ip -n lana-ns1 addr add 10.77.0.1/24 dev v1
ip -n lana-ns1 link set v1 up
ip link set lana-v1 up
e2e_static_neigh
for _ in $(seq 50); do grep -q "interface lana-v1 is back" "$log" && break; sleep 0.1; done
e2e_check "lana-v1 is back (logged)" grep -q "eth a: interface lana-v1 is back" "$log"
e2e_check "ping through the reattached graph" e2e_ping 3
flows
check_flows "after the reattach"
# gone again: the new sockets' errors are watched too (the monitor adds
# them within its 1 s tick), so no worker wakes round after round
sleep 1.5
ip link del lana-v1
for _ in $(seq 30); do
	[ "$(grep -c "interface lana-v1 is gone" "$log")" = 2 ] && break; sleep 0.1
done
e2e_check "deleting lana-v1 again is logged" \
	test "$(grep -c "eth a: interface lana-v1 is gone" "$log")" = 2
sleep 0.5
c=$(e2e_cpu_pct "$lanad_pid" 2)
e2e_check "lana-v1 gone again: the workers sleep (${c}% CPU over 2 s)" test "$c" -lt 20
kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
rc=$?
lanad_pid=
e2e_check "lanad stops cleanly (exit $rc)" test "$rc" = 0

# ---------------------------------------------- AF_XDP, 2 queues
E2E_QUEUES=2 e2e_netns_up
e2e_neigh_static
# XDP frames carry no checksum metadata: the sender finishes its own
# checksums (tests/e2e/xdp.sh, docs/runtime.md)
ip netns exec lana-ns1 ethtool -K v1 tx off >/dev/null 2>&1
sed 's/eth(dev = DEV\([01]\))/eth(dev = DEV\1, mode = xdp)/' \
	"$src/examples/bridge.lana" >"$tmp/xdp.lana"
e2e_check "lanad --workers 2 starts (xdp)" e2e_lanad_start "$sock" "$log.xdp" --workers 2 -v
log=$log.xdp
e2e_check "apply bridge.lana with mode = xdp" lr apply "$tmp/xdp.lana"
e2e_check "lana-v1: one AF_XDP socket per queue" \
	grep -q "eth 'lana-v1': AF_XDP (native XDP, copy mode, 2 queues)" "$log"
e2e_check "lana-v1: its queues spread over the 2 workers" \
	grep -q "eth 'lana-v1': AF_XDP queues over 2 workers" "$log"
e2e_check "ping through the AF_XDP graph" e2e_ping 3
flows
check_flows "AF_XDP, 2 queues"
e2e_summary
