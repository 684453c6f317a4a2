#!/usr/bin/env bash
# tests/fleet/fleet.sh - a fleet model distributed through a real etcd
# cluster (issue 12; docs/fleet.md). A 3-member etcd cluster on 127.0.0.1
# (Debian etcd-server), two hosts as namespaces (lana-fl1, lana-fl2) on
# one underlay veth, each with its lanad; the agents run beside etcd and
# talk to their lanad over its Unix socket. Checks:
#  - fleet apply --wait: every host reports the revision; fleet status
#    (text and JSON) says so; ping across the tunnels, c1/c2 count it;
#  - --revision of a stale read, and two applies racing: exactly one wins;
#  - a host whose engine refuses its plan (an eth on a missing device): the
#    apply fails naming the host and the device, every host is back on the
#    previous model (their graphs as before) at revision + 2;
#  - an agent killed: the apply times out naming it, its status goes with
#    its lease; restarted, it converges; an engine killed and restarted:
#    the agent puts its graph back;
#  - an etcd member killed: applies and agents go on with the others.
# Needs root, etcd and etcdctl. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in etcd etcdctl python3; do
	command -v $t >/dev/null ||
		{ echo "fleet: $t missing (scripts/install-deps.sh installs etcd-server, etcd-client)"; exit 1; }
done
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
pids=()
etcd_pid=()
agent1= agent2= lanad1= lanad2=
down() {
	for n in lana-fl1 lana-fl2; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del lana-fl1 2>/dev/null || true
	ip netns del lana-fl2 2>/dev/null || true
}
cleanup() {
	for p in $agent1 $agent2 "${etcd_pid[@]}"; do kill "$p" 2>/dev/null; done
	for p in $lanad1 $lanad2; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM
URLS=http://127.0.0.1:23791,http://127.0.0.1:23792,http://127.0.0.1:23793
F() { "$L" --etcd "$URLS" "$@"; }
H1() { ip netns exec lana-fl1 "$@"; }
H2() { ip netns exec lana-fl2 "$@"; }
st() { "$L" --socket "$tmp/$1.sock" stats "$2" | sed -n "s/^ *$3 \([0-9][0-9]*\)$/\1/p" | head -n 1; }
# graph N: host N's running blocks as "name type" lines (counters left out)
graph() {
	"$L" --socket "$tmp/$1.sock" -f json show |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(sorted("%s %s" % (b["name"], b["type"]) for b in d["blocks"])))'
}
# wait_status HOST REV: fleet status shows HOST at REV, health ok (10 s)
wait_status() {
	for _ in $(seq 100); do
		F --model m -f json fleet status >"$tmp/st.json" 2>/dev/null
		python3 - "$tmp/st.json" "$1" "$2" <<'PY' && return 0
import json, sys
d = {h["host"]: h for h in json.load(open(sys.argv[1]))}
h = d.get(sys.argv[2])
sys.exit(0 if h and h["applied"] == int(sys.argv[3]) and h["health"] == "ok" else 1)
PY
		sleep 0.1
	done
	cat "$tmp/st.json"
	return 1
}
both_at() { wait_status h1 "$1" && wait_status h2 "$1"; }
start_lanad() {	# N
	ip netns exec "lana-fl$1" "${LANAD:-lanad}" -f --socket "$tmp/$1.sock" \
		>>"$tmp/lanad$1.log" 2>&1 &
	eval "lanad$1=\$!"
	for _ in $(seq 50); do [ -S "$tmp/$1.sock" ] && break; sleep 0.1; done
}
start_agent() {	# N
	"$L" --socket "$tmp/$1.sock" agent --etcd "$URLS" --model m --host "h$1" \
		>>"$tmp/agent$1.log" 2>&1 &
	eval "agent$1=\$!"
}

# ------------------------------------------------------------ etcd cluster
cluster=m1=http://127.0.0.1:23891,m2=http://127.0.0.1:23892,m3=http://127.0.0.1:23893
for i in 1 2 3; do
	etcd --name "m$i" --data-dir "$tmp/etcd$i" \
		--listen-client-urls "http://127.0.0.1:2379$i" \
		--advertise-client-urls "http://127.0.0.1:2379$i" \
		--listen-peer-urls "http://127.0.0.1:2389$i" \
		--initial-advertise-peer-urls "http://127.0.0.1:2389$i" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		>"$tmp/etcd$i.log" 2>&1 &
	etcd_pid+=($!)
done
ok_etcd=1
for _ in $(seq 100); do
	etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793 \
		endpoint health >/dev/null 2>&1 && { ok_etcd=0; break; }
	sleep 0.2
done
e2e_check "a 3-member etcd cluster on 127.0.0.1 is healthy" test $ok_etcd = 0

# ------------------------------------------------------------ two hosts
down
ip netns add lana-fl1
ip netns add lana-fl2
ip link add fl1 netns lana-fl1 type veth peer name fl2 netns lana-fl2
for n in 1 2; do
	ip -n "lana-fl$n" link set lo up
	ip -n "lana-fl$n" addr add "10.85.0.$n/24" dev "fl$n"
	ip -n "lana-fl$n" link set "fl$n" up
	start_lanad $n
	start_agent $n
done

cat >"$tmp/m.lana" <<'EOF'
host h1(underlay = 10.85.0.1) {
	v1 :: tap(name = "flv1", mtu = 1450, mac = 02:00:00:00:85:01);
	c1 :: counter();
}
host h2(underlay = 10.85.0.2) {
	v2 :: tap(name = "flv2", mtu = 1450, mac = 02:00:00:00:85:02);
	c2 :: counter();
}
v1 -> c1 -> v2;
v2 -> c2 -> v1;
EOF

e2e_check "fleet apply --wait: revision 1 on every host" \
	F fleet apply --wait 20 "$tmp/m.lana"
e2e_check "fleet status: h1 applied 1" wait_status h1 1
e2e_check "fleet status: h2 applied 1" wait_status h2 1
F --model m fleet status >"$tmp/status.txt"
e2e_check "fleet status (text) lists both hosts ok" \
	sh -c "grep -q '^h1 *1 *1 *ok' '$tmp/status.txt' && grep -q '^h2 *1 *1 *ok' '$tmp/status.txt'"
for n in 1 2; do
	ip netns exec "lana-fl$n" sh -c "echo 1 >/proc/sys/net/ipv6/conf/flv$n/disable_ipv6"
	ip -n "lana-fl$n" addr add "192.168.85.$n/24" dev "flv$n"
	ip -n "lana-fl$n" link set "flv$n" up
done
H1 ip neigh replace 192.168.85.2 lladdr 02:00:00:00:85:02 nud permanent dev flv1
H2 ip neigh replace 192.168.85.1 lladdr 02:00:00:00:85:01 nud permanent dev flv2
c10=$(st 1 c1 packets); c20=$(st 2 c2 packets)
e2e_check "ping h1 -> h2 through the model the agents applied" \
	H1 ping -q -c 5 -i 0.2 -W 2 192.168.85.2
c11=$(st 1 c1 packets); c21=$(st 2 c2 packets)
e2e_check "c1 counted 5 requests, c2 5 replies ($c10 -> $c11, $c20 -> $c21)" \
	test "$((c11 - c10)) $((c21 - c20))" = "5 5"

# ------------------------------------------------------------ one winner
F fleet apply --wait 0 --revision 0 "$tmp/m.lana" >"$tmp/out" 2>&1
rc=$?
e2e_check "apply --revision 0 of a model at 1 is refused (exit $rc)" \
	sh -c "[ $rc = 1 ] && grep -q \"changed since you read it\" '$tmp/out'"
sed 's|c1 :: counter();|c1 :: fwd();|' "$tmp/m.lana" >"$tmp/ma.lana"
sed 's|c2 :: counter();|c2 :: fwd();|' "$tmp/m.lana" >"$tmp/mb.lana"
F --model m fleet apply --wait 0 --revision 1 "$tmp/ma.lana" >"$tmp/ra" 2>&1 &
pa=$!
F --model m fleet apply --wait 0 --revision 1 "$tmp/mb.lana" >"$tmp/rb" 2>&1 &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
e2e_check "two applies from revision 1 at once: exactly one wins ($ra, $rb)" \
	test "$((ra + rb))" = 1
e2e_check "the loser was told the model changed" \
	sh -c "cat '$tmp/ra' '$tmp/rb' | grep -q 'changed since'"
e2e_check "both hosts converge on revision 2" both_at 2
# the winner's change runs, the loser's does not
winner_runs() {
	local w=1 l=2
	[ "$ra" = 0 ] || { w=2; l=1; }
	"$L" --socket "$tmp/$w.sock" show | grep -q "c$w *fwd" &&
		! "$L" --socket "$tmp/$l.sock" show | grep -q "c$l *fwd"
}
e2e_check "the winner's model is the one running" winner_runs

# ------------------------------------------------------------ a refusal
graph 1 >"$tmp/g1.before"; graph 2 >"$tmp/g2.before"
planof() { etcdctl --endpoints=127.0.0.1:23791,127.0.0.1:23792 get --print-value-only "/lana/v1/m/hosts/$1/plan" | sha256sum; }
p2=$(planof h2)
sed 's|c2 :: counter();|c2 :: counter(); nic :: eth(dev = "lana-nosuch0"); nic -> drop();|' \
	"$tmp/m.lana" >"$tmp/mbad.lana"
"$L" lint "$tmp/mbad.lana" >/dev/null 2>&1 || echo "fleet.sh: mbad.lana does not compile" >&2
F fleet apply --model m --wait 20 "$tmp/mbad.lana" >"$tmp/out" 2>&1
rc=$?
e2e_check "a host refusing its plan fails the apply (exit $rc)" test $rc = 1
e2e_check "the error names host h2 and the missing device" \
	sh -c "grep -q 'host h2 failed revision 3' '$tmp/out' && grep -q 'lana-nosuch0' '$tmp/out'"
e2e_check "and says every host is back (revision 4)" \
	grep -q "every host is back at revision 2's model (now revision 4)" "$tmp/out"
e2e_check "both hosts report the restored model (revision 4)" both_at 4
e2e_check "h2's plan in etcd is revision 2's again" test "$(planof h2)" = "$p2"
graph 1 >"$tmp/g1.after"; graph 2 >"$tmp/g2.after"
e2e_check "h1 runs the graph it ran before" cmp -s "$tmp/g1.before" "$tmp/g1.after"
e2e_check "h2 runs the graph it ran before" cmp -s "$tmp/g2.before" "$tmp/g2.after"

# ------------------------------------------------------------ agent and engine restarts
kill -9 "$agent2"; wait "$agent2" 2>/dev/null
sed 's|c1 :: counter();|c1 :: rate(rate = 100000);|' "$tmp/m.lana" >"$tmp/m5.lana"
F fleet apply --model m --wait 3 "$tmp/m5.lana" >"$tmp/out" 2>&1
rc=$?
e2e_check "with h2's agent dead the apply times out naming h2 (exit $rc)" \
	sh -c "[ $rc = 1 ] && grep -q 'host h2 did not report revision 5' '$tmp/out'"
gone=1
for _ in $(seq 150); do
	F --model m fleet status >"$tmp/status.txt" 2>/dev/null
	grep -q '^h2 .* down' "$tmp/status.txt" && { gone=0; break; }
	sleep 0.1
done
e2e_check "h2's status goes with its agent's lease (health down)" test $gone = 0
start_agent 2
e2e_check "h2's restarted agent converges on revision 5" wait_status h2 5
e2e_check "h1 applied revision 5 (c1 is a rate block)" \
	sh -c "'$L' --socket '$tmp/1.sock' show | grep -q 'c1 *rate'"
kill -9 "$lanad1"; wait "$lanad1" 2>/dev/null
rm -f "$tmp/1.sock"
start_lanad 1
back=1
for _ in $(seq 50); do
	"$L" --socket "$tmp/1.sock" show 2>/dev/null | grep -q 'c1 *rate' && { back=0; break; }
	sleep 0.1
done
e2e_check "after h1's engine restarts, its agent puts the graph back" test $back = 0
ip -n lana-fl1 addr add 192.168.85.1/24 dev flv1 2>/dev/null
ip netns exec lana-fl1 sh -c "echo 1 >/proc/sys/net/ipv6/conf/flv1/disable_ipv6"
ip -n lana-fl1 link set flv1 up
H1 ip neigh replace 192.168.85.2 lladdr 02:00:00:00:85:02 nud permanent dev flv1
e2e_check "and ping crosses again" H1 ping -q -c 3 -i 0.2 -W 2 192.168.85.2

# ------------------------------------------------------------ an etcd member dies
kill -9 "${etcd_pid[0]}"
e2e_check "with etcd member 1 dead, an apply still completes" \
	F fleet apply --model m --wait 20 "$tmp/m.lana"
e2e_check "and both agents report it (revision 6)" both_at 6

if [ "$E2E_FAIL" != 0 ]; then
	for n in 1 2; do echo "--- agent$n"; tail -20 "$tmp/agent$n.log"; done
	for n in 1 2; do echo "--- lanad$n"; tail -5 "$tmp/lanad$n.log"; done
	echo "--- last output"; cat "$tmp/out"
fi
e2e_summary
