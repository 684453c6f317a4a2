#!/usr/bin/env bash
# tests/e2e/xdp.sh - eth(mode = xdp): AF_XDP sockets (issue 8). lanad
# runs examples/bridge.lana with mode = xdp on both eth blocks:
#  - both attach (native XDP, copy mode on veth; the program on the device)
#  - ping; exactly N requests and N replies counted (static ARP entries)
#  - default offloads: the limit docs/runtime.md states still holds (the
#    senders' partial checksums reach the peer unfinished: TCP fails)
#  - checksum offload off on the senders: UDP iperf3 without checksum
#    errors at the receiver (nstat), TCP iperf3 both ways, a 10 MB HTTP
#    download with the sender's sha256
#  - AF_PACKET in, AF_XDP out with default offloads: the partial frames and
#    64 KiB super-frames AF_PACKET delivers are completed and segmented in
#    software before they leave over AF_XDP (HTTP download, sha256)
#  - mode = packet gives the same exact counters, and the program is gone
#  - mode = auto on veth stays on AF_PACKET and says why
#  - a queue another socket holds: AF_PACKET with the reason logged, and
#    the socket that holds it keeps working
#  - two queues per veth: one socket per queue, TCP with 4 streams
# Needs root, iperf3, curl, python3, nstat, ethtool. Env: LANARUN, LANAD.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in iperf3 curl python3 nstat ethtool sha256sum; do
	command -v $t >/dev/null || { echo "xdp.sh: $t missing (scripts/install-deps.sh)"; exit 1; }
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
srv_pid=

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }
packets() { e2e_json_num "$(lr stats --json "$1")" packets; }
# graph MODE_A MODE_B FILE: bridge.lana with eth(..., mode = MODE)
graph() {
	sed -e "s/^a :: eth(dev = DEV0);/a :: eth(dev = DEV0, mode = $1);/" \
	    -e "s/^b :: eth(dev = DEV1);/b :: eth(dev = DEV1, mode = $2);/" \
	    "$src/examples/bridge.lana" >"$3"
	grep -q "mode = $1" "$3" && grep -q "mode = $2" "$3"
}
has_xdp() { ip link show "$1" | grep -q 'prog/xdp'; }
no_xdp_soon() {	# the old instance closes after a grace period
	for _ in $(seq 30); do has_xdp "$1" || return 0; sleep 0.1; done
	return 1
}
# exact N: ping -c N, ca and cb must count N each
exact() {
	local n=$1 ca0 cb0 ca1 cb1
	ca0=$(packets ca); cb0=$(packets cb)
	ip netns exec lana-ns1 ping -q -c "$n" -i 0.02 -W 1 10.77.0.2 >/dev/null 2>&1 || return 1
	sleep 0.2
	ca1=$(packets ca); cb1=$(packets cb)
	echo "ca $ca0 -> $ca1, cb $cb0 -> $cb1"
	[ $((ca1 - ca0)) = "$n" ] && [ $((cb1 - cb0)) = "$n" ]
}
# iperf ARGS...: client in ns1 against a server in ns2; prints receiver Mbit/s
iperf() {
	ip netns exec lana-ns2 iperf3 -s -1 -p 5398 >/dev/null 2>&1 &
	srv_pid=$!
	sleep 0.3
	ip netns exec lana-ns1 timeout 30 iperf3 -J -c 10.77.0.2 -p 5398 "$@" >"$tmp/i.json" 2>/dev/null
	kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=
	python3 -c '
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    s = e.get("sum_received") or e["sum"]
    print(int(s["bits_per_second"] / 1e6))
except Exception:
    print(0)' "$tmp/i.json"
}
# http FROM TO: 10 MB file served in ns FROM, fetched by curl in ns TO
http() {
	local from=$1 to=$2 addr
	addr=10.77.0.${from#lana-ns}
	ip netns exec "$from" python3 -m http.server -b "$addr" -d "$tmp/www" 8097 >/dev/null 2>&1 &
	srv_pid=$!
	for _ in $(seq 30); do
		ip netns exec "$from" ss -ltn | grep -q ":8097 " && break; sleep 0.1
	done
	rm -f "$tmp/got"
	ip netns exec "$to" timeout 30 curl -s -o "$tmp/got" "http://$addr:8097/big"
	kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=
	[ -f "$tmp/got" ] && [ "$(sha256sum <"$tmp/got")" = "$(sha256sum <"$tmp/www/big")" ]
}
tx_csum() {	# on|off: checksum offload of the senders in both namespaces
	ip netns exec lana-ns1 ethtool -K v1 tx "$1" >/dev/null 2>&1
	ip netns exec lana-ns2 ethtool -K v2 tx "$1" >/dev/null 2>&1
}
mkdir -p "$tmp/www"
head -c 10000000 /dev/urandom >"$tmp/www/big"

e2e_netns_up
e2e_neigh_static
e2e_check "lanad starts" e2e_lanad_start "$sock" "$tmp/lanad.log" --workers 1 -v

# --- mode = xdp
graph xdp xdp "$tmp/xdp.lana"
e2e_check "apply bridge.lana with mode = xdp" lr apply "$tmp/xdp.lana"
e2e_check "lana-v1 on AF_XDP (native XDP, copy mode)" \
	grep -q "eth 'lana-v1': AF_XDP (native XDP, copy mode, 1 queue)" "$tmp/lanad.log"
e2e_check "lana-v2 on AF_XDP (native XDP, copy mode)" \
	grep -q "eth 'lana-v2': AF_XDP (native XDP, copy mode, 1 queue)" "$tmp/lanad.log"
e2e_check "libxdp's program is on lana-v1" has_xdp lana-v1
e2e_check "ping through AF_XDP" e2e_ping 5
e2e_check "ping -c 40: ca and cb count exactly 40" exact 40

# Default offloads: the peer veth's partial checksums arrive unfinished
# (XDP has no checksum metadata). If this starts to pass, the kernel
# changed: revisit docs/runtime.md and mode = auto.
nstat -n >/dev/null 2>&1
ip netns exec lana-ns2 nstat -n
ip netns exec lana-ns1 timeout 3 curl -s -o /dev/null "http://10.77.0.2:9/" 2>/dev/null
cs=$(ip netns exec lana-ns2 nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ { print $2 }')
e2e_check "default offloads: TCP SYNs reach ns2 with bad checksums ($cs), as documented" \
	test "${cs:-0}" -gt 0

tx_csum off
ip netns exec lana-ns2 nstat -n
mbps=$(iperf -u -b 300M -t 2)
read -r cerr dgr < <(ip netns exec lana-ns2 nstat -az UdpInCsumErrors UdpInDatagrams |
	awk '/UdpInCsumErrors/ { c = $2 } /UdpInDatagrams/ { d = $2 } END { print c + 0, d + 0 }')
e2e_check "UDP iperf3 through AF_XDP: $mbps Mbit/s, $dgr datagrams, $cerr checksum errors" \
	test "$cerr" = 0 -a "$dgr" -gt 10000
mbps=$(iperf -t 3)
e2e_check "TCP iperf3 ns1 -> ns2 through AF_XDP ($mbps Mbit/s)" test "$mbps" -gt 100
mbps=$(iperf -t 3 -R)
e2e_check "TCP iperf3 ns2 -> ns1 through AF_XDP ($mbps Mbit/s)" test "$mbps" -gt 100
e2e_check "10 MB HTTP download through AF_XDP, sha256 matches" http lana-ns2 lana-ns1
e2e_check "ping -c 40 after the bulk traffic: exactly 40 each way" exact 40

# --- AF_PACKET in (default offloads: partial frames, GSO super-frames),
# AF_XDP out: lanad completes and segments them before AF_XDP
# (ns1 sends the data with its offloads back on; ns2's ACKs must stay
# final: they come in over AF_XDP)
graph packet xdp "$tmp/mixed.lana"
e2e_check "apply a = packet, b = xdp" lr apply "$tmp/mixed.lana"
e2e_check "a = packet: XDP program gone from lana-v1 (GSO back on v1)" no_xdp_soon lana-v1
ip netns exec lana-ns1 ethtool -K v1 tx on tso on gso on >/dev/null 2>&1
e2e_check "ns1 sends TSO super-frames again" \
	sh -c "ip netns exec lana-ns1 ethtool -k v1 | grep -q '^tcp-segmentation-offload: on'"
e2e_check "partial and GSO frames completed before AF_XDP: 10 MB download, sha256 matches" \
	http lana-ns1 lana-ns2
ip netns exec lana-ns1 ethtool -K v1 tx off >/dev/null 2>&1

# --- mode = packet
graph packet packet "$tmp/packet.lana"
e2e_check "apply mode = packet" lr apply "$tmp/packet.lana"
e2e_check "mode = packet: no XDP program left on lana-v1" no_xdp_soon lana-v1
e2e_check "mode = packet: no XDP program left on lana-v2" no_xdp_soon lana-v2
e2e_check "mode = packet: ping -c 40 counts exactly 40 each way" exact 40

# --- mode = auto on veth (no AF_XDP zero-copy): AF_PACKET, reason logged
graph auto auto "$tmp/auto.lana"
e2e_check "apply mode = auto" lr apply "$tmp/auto.lana"
e2e_check "auto on veth: AF_PACKET, because the driver has no zero-copy" \
	grep -q "eth 'lana-v1': mode auto: AF_PACKET instead of AF_XDP: the driver has no AF_XDP zero-copy" "$tmp/lanad.log"
e2e_check "auto on veth: no XDP program" no_xdp_soon lana-v1
e2e_check "auto: ping -c 20 counts exactly 20 each way" exact 20

# --- fallback: the queue is held by another AF_XDP socket
e2e_check "apply mode = xdp again" lr apply "$tmp/xdp.lana"
cp "$tmp/xdp.lana" "$tmp/busy.lana"
printf 'c :: eth(dev = DEV0, mode = xdp);\nc -> drop();\n' >>"$tmp/busy.lana"
e2e_check "apply a second eth(mode = xdp) on lana-v1" lr apply "$tmp/busy.lana"
e2e_check "fallback logged with its reason (queue busy)" \
	grep -q "eth 'lana-v1': mode xdp: AF_PACKET instead of AF_XDP: native XDP, zero-copy: .*native XDP, copy mode: Device or resource busy" "$tmp/lanad.log"
e2e_check "the first socket keeps working: ping -c 20 exactly 20 each way" exact 20
e2e_check "flush" lr flush
e2e_check "flush: no XDP program left" no_xdp_soon lana-v1

kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
rc=$?
lanad_pid=
e2e_check "lanad stops cleanly (exit $rc)" test "$rc" = 0

# --- two queues per device: one AF_XDP socket per queue
E2E_QUEUES=2 e2e_netns_up
e2e_neigh_static
tx_csum off
e2e_check "lanad starts (2 queues)" e2e_lanad_start "$sock" "$tmp/lanad2.log" --workers 1 -v
e2e_check "apply mode = xdp on 2-queue veths" lr apply "$tmp/xdp.lana"
e2e_check "one socket per RX queue" \
	grep -q "eth 'lana-v1': AF_XDP (native XDP, copy mode, 2 queues)" "$tmp/lanad2.log"
e2e_check "2 queues: ping -c 20 exactly 20 each way" exact 20
mbps=$(iperf -t 3 -P 4)
e2e_check "2 queues: TCP iperf3, 4 streams ($mbps Mbit/s)" test "$mbps" -gt 100
e2e_check "2 queues: 10 MB HTTP download, sha256 matches" http lana-ns2 lana-ns1
kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
lanad_pid=
e2e_check "lanad gone: no XDP program left" no_xdp_soon lana-v1
e2e_summary
