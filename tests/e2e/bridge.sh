#!/usr/bin/env bash
# tests/e2e/bridge.sh - the userspace engine on real traffic (issue 3):
# lanad runs examples/bridge.lana joining two namespaces; ping works; a
# patch inserting bpf("not icmp") blocks ping but not ARP and keeps the
# counters of unchanged blocks; restoring the graph brings ping back; a
# failed apply leaves the running graph and its counters intact.
# Needs root. Env: LANARUN, LANAD (binaries), top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
L=${LANARUN:-lanarun}
D=${LANAD:-lanad}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=

cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }
packets() {	# packets counted by block $1
	e2e_json_num "$(lr stats --json "$1")" packets
}

e2e_netns_up
e2e_check_not "no bridge, no ping" e2e_ping 1

"$D" --socket "$sock" --workers 1 >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "lanad listens on its socket" test -S "$sock"

e2e_check "apply bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping through the graph" e2e_ping 5
ca=$(packets ca); cb=$(packets cb)
e2e_check "counter ca counted the pings ($ca)" test "${ca:-0}" -ge 5
e2e_check "counter cb counted the replies ($cb)" test "${cb:-0}" -ge 5

# patch: bpf "not icmp" between a and ca
lr apply --dry-run "$src/examples/bridge_filtered.lana" >"$tmp/dry" 2>&1
e2e_check "dry run prints the edit script" grep -q "NEW .*nf bpf" "$tmp/dry"
e2e_check "apply the filtered bridge" lr apply "$src/examples/bridge_filtered.lana"
e2e_flush_neigh
e2e_check_not "ping blocked by bpf(not icmp)" e2e_ping 3
e2e_check "ARP still passes (neighbour resolved)" \
	sh -c "ip -n lana-ns1 neigh show 10.77.0.2 | grep -q lladdr"
cb2=$(packets cb)
e2e_check "unchanged counter cb kept its value ($cb -> $cb2)" test "${cb2:-0}" -ge "$cb"
ca2=$(packets ca)
e2e_check "counter ca was rebound, not replaced: kept its value ($ca -> $ca2)" \
	test "${ca2:-0}" -ge "$ca"

# a failed apply changes nothing
cat >"$tmp/broken.lana" <<'G'
a :: eth(dev = "lana-nosuch0");
a -> drop();
G
before=$(lr show --json)
e2e_check_not "apply with an unknown interface fails" lr apply "$tmp/broken.lana"
after=$(lr show --json)
e2e_check "failed apply left the graph and counters intact" \
	test "$(echo "$before" | sed 's/"packets":[0-9]*//g; s/"bytes":[0-9]*//g')" = \
	     "$(echo "$after" | sed 's/"packets":[0-9]*//g; s/"bytes":[0-9]*//g')"
cb3=$(packets cb)
e2e_check "counters still there after the failed apply ($cb3)" test "${cb3:-0}" -ge "$cb2"

e2e_check "restore bridge.lana" lr apply "$src/examples/bridge.lana"
e2e_check "ping works again" e2e_ping 5
cb4=$(packets cb)
e2e_check "cb kept counting across both patches ($cb4)" test "${cb4:-0}" -ge $((cb3 + 5))

e2e_check "flush" lr flush
e2e_check_not "no graph, no ping" e2e_ping 1

kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
rc=$?
lanad_pid=
e2e_check "lanad stops cleanly on SIGTERM (exit $rc)" test "$rc" = 0
e2e_check "lanad removed its socket" test ! -e "$sock"
e2e_summary
