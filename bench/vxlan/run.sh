#!/usr/bin/env bash
# bench/vxlan/run.sh - TCP throughput over VXLAN between two namespaces on
# one veth underlay (the topology of tests/e2e/vxlan.sh), in one run:
#   linux: Linux vxlan device <-> Linux vxlan device (id 42)
#   lana:  LANA tap -> vxlan in lanad (host A) <-> Linux vxlan device (B)
# iperf3 -t SECS (default 10), A -> B and B -> A (-R), one stream each.
# Needs root, iperf3, ethtool. Run under `flock /tmp/lana-heavy.lock`.
# Env: LANAD, LANARUN (default: on $PATH), SECS.
set -uo pipefail
L=${LANARUN:-lanarun}
secs=${SECS:-10}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
A() { ip netns exec lana-vxa "$@"; }
B() { ip netns exec lana-vxb "$@"; }
down() {
	# whatever the script started in its namespaces ends with them
	for n in lana-vxa lana-vxb; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	lanad_pid=
	ip netns del lana-vxa 2>/dev/null || true
	ip netns del lana-vxb 2>/dev/null || true
}
trap 'down; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
up() {	# the underlay and B's vx0
	down
	ip netns add lana-vxa
	ip netns add lana-vxb
	ip link add ua netns lana-vxa type veth peer name ub netns lana-vxb
	A ip link set lo up; B ip link set lo up
	A ip addr add 10.79.0.1/24 dev ua; B ip addr add 10.79.0.2/24 dev ub
	A ip link set ua up; B ip link set ub up
	B ethtool -K ub tx off >/dev/null	# see tests/e2e/vxlan.sh
	B ip link add vx0 type vxlan id 42 dstport 4789 local 10.79.0.2 remote 10.79.0.1
	B ip link set vx0 mtu 1450
	B ip addr add 192.168.79.2/24 dev vx0
	B ip link set vx0 up
}
iperf() {	# LABEL
	local r
	B iperf3 -s -D -B 192.168.79.2 -1 >/dev/null 2>&1; sleep 0.5
	r=$(A iperf3 -c 192.168.79.2 -t "$secs" -J | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
	echo "$1 A->B: $r Mbit/s"
	B iperf3 -s -D -B 192.168.79.2 -1 >/dev/null 2>&1; sleep 0.5
	r=$(A iperf3 -c 192.168.79.2 -t "$secs" -R -J | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
	echo "$1 B->A: $r Mbit/s"
}

up
A ip link add vx0 type vxlan id 42 dstport 4789 local 10.79.0.1 remote 10.79.0.2
A ip link set vx0 mtu 1450
A ip addr add 192.168.79.1/24 dev vx0
A ip link set vx0 up
iperf linux

up
cat >"$tmp/a.lana" <<'G'
t0 :: tap(name = "vxt0", mtu = 1450);
v0 :: vxlan(vni = 42, local = "10.79.0.1", remote = ["10.79.0.2"]);
t0 -> v0 -> t0;
G
ip netns exec lana-vxa "${LANAD:-lanad}" -f --socket "$sock" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
"$L" --socket "$sock" apply "$tmp/a.lana" >/dev/null
A ip addr add 192.168.79.1/24 dev vxt0
A ip link set vxt0 up
iperf lana
