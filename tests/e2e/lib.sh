# tests/e2e/lib.sh - helpers for the end-to-end tests (sourced).
# Two network namespaces joined only through a LANA graph:
#   ns lana-ns1: v1 10.77.0.1/24  <-veth->  lana-v1 (root ns, the graph's DEV0)
#   ns lana-ns2: v2 10.77.0.2/24  <-veth->  lana-v2 (root ns, the graph's DEV1)
# Traffic goes only to these addresses, inside the namespaces. IPv6 is off
# on all four ends (no router solicitations, DAD or MLD reports), so with
# e2e_static_neigh (no ARP either) a `ping -c N` is exactly N echo requests
# and N replies through the graph.

E2E_PASS=0
E2E_FAIL=0

e2e_ok() { E2E_PASS=$((E2E_PASS + 1)); echo "ok: $*"; }
e2e_bad() { E2E_FAIL=$((E2E_FAIL + 1)); echo "FAIL: $*"; }
e2e_check() {	# DESC CMD... : ok if CMD succeeds
	local d=$1; shift
	if "$@"; then e2e_ok "$d"; else e2e_bad "$d"; fi
}
e2e_check_not() {	# DESC CMD... : ok if CMD fails
	local d=$1; shift
	if "$@"; then e2e_bad "$d"; else e2e_ok "$d"; fi
}
e2e_summary() {
	echo "$E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" = 0 ]
}

e2e_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "e2e: needs root (network namespaces); skipped"
		exit 77
	fi
	# The e2e tests share namespace and interface names: one at a time,
	# even under `make check -j`.
	exec 9>/tmp/lana-e2e.lock
	flock 9
}

# E2E_QUEUES=N: veth pairs with N RX and N TX queues on both ends
e2e_netns_up() {
	local q=()
	[ -n "${E2E_QUEUES:-}" ] && q=(numrxqueues "$E2E_QUEUES" numtxqueues "$E2E_QUEUES")
	e2e_netns_down
	ip netns add lana-ns1
	ip netns add lana-ns2
	ip link add lana-v1 "${q[@]}" type veth peer name v1 "${q[@]}" netns lana-ns1
	ip link add lana-v2 "${q[@]}" type veth peer name v2 "${q[@]}" netns lana-ns2
	for d in lana-v1 lana-v2; do
		sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1" 2>/dev/null || true
		ip link set "$d" up
	done
	ip netns exec lana-ns1 sysctl -qw net.ipv6.conf.v1.disable_ipv6=1
	ip netns exec lana-ns2 sysctl -qw net.ipv6.conf.v2.disable_ipv6=1
	ip -n lana-ns1 addr add 10.77.0.1/24 dev v1
	ip -n lana-ns2 addr add 10.77.0.2/24 dev v2
	ip -n lana-ns1 link set v1 up
	ip -n lana-ns2 link set v2 up
	ip -n lana-ns1 link set lo up
	ip -n lana-ns2 link set lo up
}

e2e_netns_down() {
	ip link del lana-v1 2>/dev/null || true
	ip link del lana-v2 2>/dev/null || true
	ip netns del lana-ns1 2>/dev/null || true
	ip netns del lana-ns2 2>/dev/null || true
}

# e2e_ping COUNT: ping from ns1 to ns2; succeeds if every reply came back
e2e_ping() {
	ip netns exec lana-ns1 ping -q -c "$1" -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1
}

# e2e_neigh_static: permanent ARP entries both ways and no IPv6 in the
# namespaces, so that a ping -c N puts exactly N requests and N replies on
# the wire and nothing else
e2e_neigh_static() {
	ip netns exec lana-ns1 sysctl -qw net.ipv6.conf.v1.disable_ipv6=1
	ip netns exec lana-ns2 sysctl -qw net.ipv6.conf.v2.disable_ipv6=1
	e2e_static_neigh
}

# e2e_lanad_start SOCK LOG [ARGS...]: lanad in the background (pid in
# $lanad_pid), waiting until it listens
e2e_lanad_start() {
	local s=$1 log=$2
	shift 2
	"${LANAD:-lanad}" --socket "$s" "$@" >"$log" 2>&1 &
	lanad_pid=$!
	for _ in $(seq 50); do [ -S "$s" ] && break; sleep 0.1; done
	test -S "$s"
}

# e2e_mac NS DEV: the MAC address of DEV in namespace NS
e2e_mac() {
	ip -n "$1" -o link show "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'
}

# e2e_static_neigh: permanent neighbour entries for each other in ns1 and
# ns2 (ip-neighbour(8) "nud permanent"): no ARP frame from then on
e2e_static_neigh() {
	ip -n lana-ns1 neigh replace 10.77.0.2 lladdr "$(e2e_mac lana-ns2 v2)" \
		nud permanent dev v1 &&
	ip -n lana-ns2 neigh replace 10.77.0.1 lladdr "$(e2e_mac lana-ns1 v1)" \
		nud permanent dev v2
}

# e2e_flush_neigh: no neighbour entry left, permanent ones included: the
# next ping resolves its destination with ARP
e2e_flush_neigh() {
	ip -n lana-ns1 neigh del 10.77.0.2 dev v1 2>/dev/null || true
	ip -n lana-ns2 neigh del 10.77.0.1 dev v2 2>/dev/null || true
	ip -n lana-ns1 neigh flush dev v1 2>/dev/null || true
	ip -n lana-ns2 neigh flush dev v2 2>/dev/null || true
}

# e2e_cpu_pct PID SECONDS: the CPU time process PID used over SECONDS
# (utime + stime, /proc/PID/stat fields 14 and 15, proc(5)), in percent
# of one core
e2e_cpu_pct() {
	local a b hz
	hz=$(getconf CLK_TCK)
	a=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	sleep "$2"
	b=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	echo $(( (b - a) * 100 / ($2 * hz) ))
}

# e2e_json_num JSON KEY: first numeric value of "KEY": in JSON text
e2e_json_num() {
	printf '%s' "$1" | tr ',{}' '\n\n\n' | sed -n "s/^ *\"$2\": *\([0-9][0-9]*\).*/\1/p" | head -1
}

# e2e_iperf NS_SERVER ADDR [iperf3 client options...]: one iperf3 run from
# ns1 to a server in NS_SERVER (port 5299; ns2 -> ns1 with -R); prints the
# receiver's bytes from the JSON report (iperf3 -J)
e2e_iperf() {
	local ns=$1 addr=$2 out rc spid
	shift 2
	out=$(mktemp)
	ip netns exec "$ns" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	spid=$!
	sleep 0.3
	ip netns exec lana-ns1 timeout 20 iperf3 -J -c "$addr" -p 5299 "$@" \
		>"$out" 2>&1
	rc=$?
	kill "$spid" 2>/dev/null	# a client that failed leaves it waiting
	wait "$spid" 2>/dev/null
	[ "$rc" = 0 ] && python3 - "$out" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))["end"]
s = r.get("sum_received") or r.get("sum")
print(int(s["bytes"]))
P
	rc=$?
	rm -f "$out"
	return "$rc"
}

# e2e_csum_errors NS: TcpInCsumErrors + UdpInCsumErrors since the last
# reset (nstat -n), from the kernel's own counters
e2e_csum_errors() {
	ip netns exec "$1" nstat -a 2>/dev/null | awk '
		$1 == "TcpInCsumErrors" || $1 == "UdpInCsumErrors" { s += $2 }
		END { print s + 0 }'
}
