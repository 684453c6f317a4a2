#!/usr/bin/env bash
# tests/e2e/fleet_model.sh - one fleet model (docs/fleet.md), each host
# running its own part (issue 12, the language). Two namespaces are two
# hosts on one underlay veth, each with its own lanad:
#   lana-fm1 (h1): fu1 10.83.0.1/24; taps fv1 192.168.83.1, fw1 192.168.84.1
#   lana-fm2 (h2): fu2 10.83.0.2/24; taps fv2 192.168.83.2, fw2 192.168.84.2
# The model (below) joins v1 -> c1 -> v2 and v2 -> c2 -> v1 (two
# one-way tunnels: the edges join different blocks) and w1 -> w2 -> w1
# (one tunnel carrying both directions). Each host gets
# `lanarun apply --host NAME model.lana`. Checks: ping over both pairs
# both ways; with static neighbours and no IPv6 on the taps, c1 and c2
# count exactly the pings (5 requests, 5 replies); the underlay capture
# decodes VXLAN with the VNIs that tests/fleet_vni.py computes from the
# edges (FNV-1a); a changed model (c1 becomes a rate block) applied to h1
# only REPLACEs c1 there and leaves h2 untouched (no changes), and the
# pings still pass.
# Needs root, tcpdump, python3. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in tcpdump python3; do
	command -v $t >/dev/null ||
		{ echo "e2e: $t missing (scripts/install-deps.sh installs it)"; exit 1; }
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
pid1= pid2= dump_pid=
down() {
	for n in lana-fm1 lana-fm2; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del lana-fm1 2>/dev/null || true
	ip netns del lana-fm2 2>/dev/null || true
}
cleanup() {
	[ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
	for p in $pid1 $pid2; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM
l1() { "$L" --socket "$tmp/1.sock" "$@"; }
l2() { "$L" --socket "$tmp/2.sock" "$@"; }
H1() { ip netns exec lana-fm1 "$@"; }
H2() { ip netns exec lana-fm2 "$@"; }
# st 1|2 BLOCK COUNTER: the first line of that name (a counter block
# lists the engine's packets and its own)
st() { "$L" --socket "$tmp/$1.sock" stats "$2" | sed -n "s/^ *$3 \([0-9][0-9]*\)$/\1/p" | head -n 1; }
v6off() { ip netns exec "$1" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$2/disable_ipv6"; }

down
ip netns add lana-fm1
ip netns add lana-fm2
ip link add fu1 netns lana-fm1 type veth peer name fu2 netns lana-fm2
for n in 1 2; do
	ip -n "lana-fm$n" link set lo up
	ip -n "lana-fm$n" addr add "10.83.0.$n/24" dev "fu$n"
	ip -n "lana-fm$n" link set "fu$n" up
done

cat >"$tmp/model.lana" <<'EOF'
host h1(underlay = 10.83.0.1) {
	v1 :: tap(name = "fv1", mtu = 1450, mac = 02:00:00:00:83:01);
	w1 :: tap(name = "fw1", mtu = 1450, mac = 02:00:00:00:84:01);
	c1 :: counter();
}
host h2(underlay = 10.83.0.2) {
	v2 :: tap(name = "fv2", mtu = 1450, mac = 02:00:00:00:83:02);
	w2 :: tap(name = "fw2", mtu = 1450, mac = 02:00:00:00:84:02);
	c2 :: counter();
}
v1 -> c1 -> v2;
v2 -> c2 -> v1;
w1 -> w2 -> w1;
EOF

for n in 1 2; do
	ip netns exec "lana-fm$n" "${LANAD:-lanad}" -f --socket "$tmp/$n.sock" \
		>"$tmp/lanad$n.log" 2>&1 &
	eval "pid$n=\$!"
done
for _ in $(seq 50); do [ -S "$tmp/1.sock" ] && [ -S "$tmp/2.sock" ] && break; sleep 0.1; done

ip netns exec lana-fm1 tcpdump -i fu1 -nn -U --immediate-mode -w "$tmp/u.pcap" udp port 4789 \
	>"$tmp/dump.log" 2>&1 &
dump_pid=$!
sleep 1

e2e_check "lint the model (every host)" "$L" lint "$tmp/model.lana"
e2e_check "apply --host h1 in h1" l1 apply --host h1 "$tmp/model.lana"
e2e_check "apply --host h2 in h2" l2 apply --host h2 "$tmp/model.lana"
for n in 1 2; do
	for t in v w; do
		v6off "lana-fm$n" "f$t$n"
		ip -n "lana-fm$n" link set "f$t$n" up
	done
	ip -n "lana-fm$n" addr add "192.168.83.$n/24" dev "fv$n"
	ip -n "lana-fm$n" addr add "192.168.84.$n/24" dev "fw$n"
done
H1 ip neigh replace 192.168.83.2 lladdr 02:00:00:00:83:02 nud permanent dev fv1
H2 ip neigh replace 192.168.83.1 lladdr 02:00:00:00:83:01 nud permanent dev fv2
H1 ip neigh replace 192.168.84.2 lladdr 02:00:00:00:84:02 nud permanent dev fw1
H2 ip neigh replace 192.168.84.1 lladdr 02:00:00:00:84:01 nud permanent dev fw2

c10=$(st 1 c1 packets); c20=$(st 2 c2 packets)
e2e_check "ping h1 -> h2 over v1 -> c1 -> v2, v2 -> c2 -> v1" \
	H1 ping -q -c 5 -i 0.2 -W 2 192.168.83.2
c11=$(st 1 c1 packets); c21=$(st 2 c2 packets)
e2e_check "c1 counted the 5 requests, c2 the 5 replies ($c10 -> $c11, $c20 -> $c21)" \
	test "$((c11 - c10)) $((c21 - c20))" = "5 5"
e2e_check "ping h2 -> h1 (v)" H2 ping -q -c 3 -i 0.2 -W 2 192.168.83.1
e2e_check "ping h1 -> h2 over the two-way tunnel w1 <-> w2" \
	H1 ping -q -c 3 -i 0.2 -W 2 192.168.84.2
e2e_check "ping h2 -> h1 (w)" H2 ping -q -c 3 -i 0.2 -W 2 192.168.84.1

# the VNIs on the wire are those of the edges (independent FNV-1a)
"$L" compile --host h1 --emit=disasm -o "$tmp/h1.txt" "$tmp/model.lana"
e2e_check "h1's tunnel VNIs are FNV-1a of their edges (tests/fleet_vni.py)" \
	python3 "$src/tests/fleet_vni.py" "$tmp/h1.txt" \
		"tunnel/c1-v2=c1.0>v2.0" "tunnel/c2-v1=c2.0>v1.0" \
		"tunnel/w1-w2=w1.0>w2.0|w2.0>w1.0"
vni() { sed -n "s|^NEW .* $1 vxlan vni=\([0-9]*\) .*|\1|p" "$tmp/h1.txt"; }

# a changed model: c1 becomes a rate block; only h1's plan changes
sed 's|c1 :: counter();|c1 :: rate(rate = 100000);|' "$tmp/model.lana" >"$tmp/model2.lana"
l2 apply -n --host h2 "$tmp/model2.lana" >"$tmp/h2-dry.txt" 2>&1
e2e_check "h2's part is unchanged (apply -n --host h2: no changes)" \
	grep -q "no changes" "$tmp/h2-dry.txt"
e2e_check "apply the changed model to h1" l1 apply --host h1 "$tmp/model2.lana"
e2e_check "c1 is a rate block on h1 now" sh -c "'$L' --socket '$tmp/1.sock' show | grep -q 'c1.*rate'"
e2e_check "ping h1 -> h2 after the change" H1 ping -q -c 3 -i 0.2 -W 2 192.168.83.2

sleep 0.5
kill "$dump_pid" 2>/dev/null
wait "$dump_pid" 2>/dev/null
dump_pid=
tcpdump -r "$tmp/u.pcap" -nn 2>/dev/null >"$tmp/u.txt"
for t in c1-v2 c2-v1 w1-w2; do
	v=$(vni "tunnel/$t")
	n=$(grep -c "VXLAN.*vni $v\$" "$tmp/u.txt")
	e2e_check "the underlay carries tunnel/$t as VXLAN vni $v ($n datagrams)" \
		test -n "$v" -a "$n" -gt 0
done

if [ "$E2E_FAIL" != 0 ]; then
	for n in 1 2; do echo "--- lanad$n"; cat "$tmp/lanad$n.log"; done
	echo "--- h1 plan"; cat "$tmp/h1.txt"
	tail -20 "$tmp/u.txt"
fi
e2e_summary
