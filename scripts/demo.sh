#!/usr/bin/env bash
# scripts/demo.sh - the main job on a fresh machine, on the embedded default
# (the userspace engine): install what is missing, build, check and compile
# the examples, then run the live demo: two network namespaces joined only
# through a LANA graph in lanad; ping across; patch the running graph with
# a BPF filter (ICMP blocked, counters kept); patch it back.
# Needs root (apt-get, network namespaces).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh build
L="$top/build/lanarun"
D="$top/build/lanad"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint and compile the examples"
$L lint examples/*.lana && echo "examples/*.lana: no findings"
$L compile -o build/bridge.plan examples/bridge.lana --stats
$L disasm build/bridge.plan

. tests/e2e/lib.sh
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { $L --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }

step "two namespaces (10.77.0.1 and 10.77.0.2), joined only through lanad"
e2e_netns_up
$D --socket "$sock" --workers 1 >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

step "lanarun apply examples/bridge.lana"
lr apply examples/bridge.lana
ip netns exec lana-ns1 ping -c 3 -i 0.3 10.77.0.2
lr show

step "what a patch would change: lanarun apply --dry-run examples/bridge_filtered.lana"
lr apply --dry-run examples/bridge_filtered.lana

step "apply it: ICMP from ns1 is dropped by bpf(\"not icmp\"), the counters keep counting"
lr apply examples/bridge_filtered.lana
if ip netns exec lana-ns1 ping -c 2 -W 1 10.77.0.2 >/dev/null; then
	echo "unexpected: ping passed the filter"; exit 1
fi
echo "ping blocked, as expected"
lr show

step "patch back to examples/bridge.lana"
lr apply examples/bridge.lana
ip netns exec lana-ns1 ping -c 3 -i 0.3 10.77.0.2
lr show
echo
echo "demo done: lanad log in $tmp/lanad.log (removed on exit)"
