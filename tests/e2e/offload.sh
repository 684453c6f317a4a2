#!/usr/bin/env bash
# tests/e2e/offload.sh - real traffic with DEFAULT offloads (issue 8): the
# veths and the TAP keep TSO/GSO/GRO and checksum offload on, as a
# container's or a VM's do, and lanad joins them with examples/bridge.lana:
#   - TCP (iperf3) both ways, and a 50 MB HTTP download (python3
#     http.server, curl) whose sha256 matches the file served;
#   - UDP (iperf3) with no checksum error at the receiver: nstat's
#     TcpInCsumErrors and UdpInCsumErrors stay 0 in both namespaces;
#   - a tee into pcap_out during TCP and UDP: tcpdump -vv verifies the
#     checksum of every captured TCP and UDP packet as correct (the graph
#     completed them: pcap_out needs final bytes) and none is larger than
#     the MTU (super-frames were segmented for the capture);
#   - eth <-> tap (the tap moved into a third namespace): TCP both ways.
# Expected values come from outside the graph: the file's sha256, the
# kernel's own checksum counters, tcpdump's checksum verification.
# Needs root, iperf3, python3, curl, tcpdump, nstat (iproute2).
# Env: LANARUN, LANAD (binaries), top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in iperf3 python3 curl tcpdump nstat; do
	if ! command -v "$t" >/dev/null; then
		echo "e2e: $t missing (scripts/install-deps.sh installs it)"
		exit 1
	fi
done
L=${LANARUN:-lanarun}
D=${LANAD:-lanad}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
srv_pid=

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	pkill -f "iperf3 -s -1 -p 5299" 2>/dev/null
	ip netns del lana-ns3 2>/dev/null || true
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }

# offload NS DEV FEATURE: the state ethtool reports (on/off)
offload() {
	ip netns exec "$1" ethtool -k "$2" 2>/dev/null |
		sed -n "s/^$3: \([a-z]*\).*/\1/p"
}

e2e_netns_up
e2e_check "v1 keeps TSO on (default offloads)" \
	test "$(offload lana-ns1 v1 tcp-segmentation-offload)" = on
e2e_check "v2 keeps tx checksumming on" \
	test "$(offload lana-ns2 v2 tx-checksumming)" = on

"$D" --socket "$sock" --workers 1 --pcap-dir "$tmp" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "apply bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping through the graph" e2e_ping 3

for ns in lana-ns1 lana-ns2; do ip netns exec "$ns" nstat -n >/dev/null 2>&1; done

# ------------------------------------------------------------- TCP
b=$(e2e_iperf lana-ns2 10.77.0.2 -t 3)
e2e_check "TCP ns1 -> ns2 through the graph (${b:-0} bytes)" test "${b:-0}" -gt 10000000
b=$(e2e_iperf lana-ns2 10.77.0.2 -t 3 -R)
e2e_check "TCP ns2 -> ns1 through the graph (${b:-0} bytes)" test "${b:-0}" -gt 10000000

# ------------------------------------------------------- HTTP 50 MB
head -c 50000000 /dev/urandom >"$tmp/blob"
want=$(sha256sum <"$tmp/blob" | cut -d' ' -f1)
(cd "$tmp" && exec ip netns exec lana-ns2 python3 -m http.server 8099 \
	--bind 10.77.0.2 >/dev/null 2>&1) &
srv_pid=$!
for _ in $(seq 50); do
	ip netns exec lana-ns2 ss -ltn 2>/dev/null | grep -q ':8099 ' && break
	sleep 0.1
done
got=$(ip netns exec lana-ns1 timeout 60 curl -sf http://10.77.0.2:8099/blob | sha256sum | cut -d' ' -f1)
e2e_check "50 MB over HTTP arrive intact (sha256 ${got:0:12}.. = ${want:0:12}..)" \
	test "$got" = "$want"

# ------------------------------------------------------------- UDP
b=$(e2e_iperf lana-ns2 10.77.0.2 -u -b 300M -l 1400 -t 2)
e2e_check "UDP ns1 -> ns2 through the graph (${b:-0} bytes)" test "${b:-0}" -gt 1000000
b=$(e2e_iperf lana-ns2 10.77.0.2 -u -b 300M -l 1400 -t 2 -R)
e2e_check "UDP ns2 -> ns1 through the graph (${b:-0} bytes)" test "${b:-0}" -gt 1000000
e1=$(e2e_csum_errors lana-ns1); e2=$(e2e_csum_errors lana-ns2)
e2e_check "no TCP/UDP checksum error in ns1 ($e1) or ns2 ($e2)" \
	test "$e1" = 0 -a "$e2" = 0

# ---------------------------------------------- capture with pcap_out
cat >"$tmp/cap.lana" <<G
const DEV0 = "x";
const DEV1 = "y";
a :: eth(dev = DEV0);
b :: eth(dev = DEV1);
a -> ca :: counter() -> t :: tee(n = 2) -> b;
t[1] -> cap :: pcap_out(file = "$tmp/cap.pcap", queue = 256MiB);
b -> cb :: counter() -> a;
G
e2e_check "apply the capturing bridge" lr apply "$tmp/cap.lana"
b=$(e2e_iperf lana-ns2 10.77.0.2 -t 1)
e2e_check "TCP through the capturing bridge (${b:-0} bytes)" test "${b:-0}" -gt 1000000
b=$(e2e_iperf lana-ns2 10.77.0.2 -u -b 50M -l 1400 -t 1)
e2e_check "UDP through the capturing bridge (${b:-0} bytes)" test "${b:-0}" -gt 100000
e2e_check "back to bridge.lana (closes the capture)" lr apply "$src/examples/bridge.lana"
sleep 0.5
tcpdump -nn -vv -r "$tmp/cap.pcap" 2>/dev/null >"$tmp/cap.txt"
tcp_ok=$(grep -c 'Flags .*cksum 0x[0-9a-f]* (correct)' "$tmp/cap.txt")
udp_ok=$(grep -c 'udp sum ok' "$tmp/cap.txt")
bad=$(grep -cE 'incorrect|bad udp cksum|bad cksum' "$tmp/cap.txt")
e2e_check "captured TCP checksums correct ($tcp_ok packets)" test "$tcp_ok" -gt 100
e2e_check "captured UDP checksums correct ($udp_ok packets)" test "$udp_ok" -gt 10
e2e_check "no incorrect checksum in the capture ($bad)" test "$bad" = 0
big=$(tcpdump -nn -e -r "$tmp/cap.pcap" 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) if ($i == "length") { l = $(i + 1) + 0; if (l > m) m = l; break } } END { print m + 0 }')
e2e_check "captured frames are at most 1514 bytes (largest $big)" test "$big" -le 1514 -a "$big" -gt 1000

# ------------------------------------------------------ eth <-> tap
cat >"$tmp/tap.lana" <<'G'
const DEV0 = "x";
const DEV1 = "y";
nic :: eth(dev = DEV0, promisc = true);
host :: tap(name = "lana-t0", mac = 02:4c:41:4e:41:07);
host -> up :: counter() -> nic;
nic -> down :: counter() -> host;
G
e2e_check "apply eth <-> tap" lr apply "$tmp/tap.lana"
ip netns add lana-ns3
ip link set lana-t0 netns lana-ns3 &&
	ip -n lana-ns3 addr add 10.77.0.3/24 dev lana-t0 &&
	ip -n lana-ns3 link set lana-t0 up
e2e_check "the tap offers TSO to its host (default offloads)" \
	test "$(offload lana-ns3 lana-t0 tcp-segmentation-offload)" = on
ip netns exec lana-ns3 nstat -n >/dev/null 2>&1
ip netns exec lana-ns1 nstat -n >/dev/null 2>&1
tap_ping() { ip netns exec lana-ns1 ping -q -c 3 -i 0.2 -W 1 10.77.0.3 >/dev/null 2>&1; }
e2e_check "ns1 pings the tap's namespace" tap_ping
b=$(e2e_iperf lana-ns3 10.77.0.3 -t 2)
e2e_check "TCP eth -> tap (${b:-0} bytes)" test "${b:-0}" -gt 10000000
b=$(e2e_iperf lana-ns3 10.77.0.3 -t 2 -R)
e2e_check "TCP tap -> eth (${b:-0} bytes)" test "${b:-0}" -gt 10000000
e1=$(e2e_csum_errors lana-ns1); e3=$(e2e_csum_errors lana-ns3)
e2e_check "no checksum error in ns1 ($e1) or behind the tap ($e3)" \
	test "$e1" = 0 -a "$e3" = 0

# ------------------------------------------- idle CPU and --busy-poll
e2e_check "back to bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_ping 2
sleep 0.5
c=$(e2e_cpu_pct "$lanad_pid" 2)
e2e_check "idle lanad sleeps: the 200 us linger ends (${c}% CPU over 2 s)" \
	test "$c" -lt 20
kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
"$D" --socket "$sock" --workers 1 --busy-poll >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "lanad --busy-poll runs bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping through the busy-polling graph" e2e_ping 3
c=$(e2e_cpu_pct "$lanad_pid" 2)
e2e_check "--busy-poll: the worker spins while idle (${c}% CPU over 2 s)" \
	test "$c" -ge 50
kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
lanad_pid=
e2e_summary
