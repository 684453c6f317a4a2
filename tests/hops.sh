#!/usr/bin/env bash
# tests/hops.sh - lanad's loop guard and engine drops (issue 9), through
# the control protocol and `lanarun show`:
#  - acyclic chains of 300 and 1000 counters pass every packet: gen(count
#    = K) -> c1 -> ... -> cN -> drop, each counter and the drop count K,
#    no engine drop (the fixed guard of 256 hops dropped them all);
#  - a packet sent out of an unbound port is an engine drop: bpf("arp")
#    rejects every gen frame (EtherType 0x88b5) out of its optional
#    reject port, left unbound: K unbound drops;
#  - a plan with a cycle (made by tests/mkcycle.sh: the compiler refuses
#    cycles, tests/plan-send sends it as is) ends: g -> f1 -> f2 -> f1,
#    and d, no longer bound: 4 blocks, so the guard (docs/runtime.md)
#    lets each packet make 4 hops, f1, f2, f1, f2: each counts 2K, K loop
#    drops; lanad stays alive.
# Expected values are counted from the graphs by hand. The engine drops
# are cumulative over the life of lanad, so each step adds to the last.
# Run by `make check` with LANARUN, LANAD, top_builddir and top_srcdir.
set -uo pipefail
L=${LANARUN:-./lanarun}
D=${LANAD:-./lanad}
S=${top_builddir:-.}/tests/plan-send
src=${top_srcdir:-.}
tmp=$(mktemp -d)
lanad_pid=
cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
K=3000
command -v jq >/dev/null || { echo "FAIL: jq missing (scripts/install-deps.sh installs it)"; exit 1; }

chain() {	# N: the chain of N counters
	local i
	printf 'g :: gen(count = %s) -> c1 :: counter()' "$K"
	for i in $(seq 2 "$1"); do printf ' -> c%s :: counter()' "$i"; done
	printf ' -> d :: drop();\n'
}
show_json() { "$L" --engine user show --json; }
# the named counter KEY of the engine's record in show --json
engine() { show_json | jq -r ".engine.$1"; }
# packets of block NAME
packets() { show_json | jq -r ".blocks[] | select(.name == \"$1\") | .packets"; }
wait_packets() {	# NAME WANT: up to 20 s for NAME to count WANT
	local _
	for _ in $(seq 200); do
		[ "$(packets "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

"$D" -f -s "$tmp/sock" 2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { bad "lanad did not start: $(cat "$tmp/lanad.log")"; echo "$pass passed, $fail failed"; exit 1; }
export LANA_SOCKET=$tmp/sock

# ------------------------------------------------------------- chains
for n in 300 1000; do
	chain "$n" >"$tmp/chain$n.lana"
	"$L" lint "$tmp/chain$n.lana" >"$tmp/out" 2>&1 && ok || bad "lint chain$n: $(cat "$tmp/out")"
	# flushed first: the diff would keep the ended gen and the counters
	"$L" --engine user flush >/dev/null 2>&1
	"$L" --engine user apply "$tmp/chain$n.lana" >"$tmp/out" 2>&1 && ok || bad "apply chain$n: $(cat "$tmp/out")"
	wait_packets d "$K" && ok || bad "chain of $n: drop d counted $(packets d), want $K"
	# every counter counted K (packets, and its own counter)
	got=$(show_json | jq -r "[.blocks[] | select(.type == \"counter\") | select(.packets == $K and .stats.packets == $K)] | length")
	[ "$got" = "$n" ] && ok || bad "chain of $n: $got counters counted $K, want $n"
	[ "$(engine drops)" = 0 ] && ok || bad "chain of $n: engine drops $(engine drops), want 0"
done

# ---------------------------------------------------- unbound port
cat >"$tmp/unbound.lana" <<G
g :: gen(count = $K) -> f :: bpf(filter = "arp") -> d :: drop();
G
"$L" --engine user flush >/dev/null 2>&1
"$L" --engine user apply "$tmp/unbound.lana" >"$tmp/out" 2>&1 && ok || bad "apply unbound.lana: $(cat "$tmp/out")"
wait_packets f "$K" && ok || bad "bpf f counted $(packets f), want $K"
sleep 0.2
[ "$(engine unbound_drops)" = "$K" ] && ok || bad "unbound drops $(engine unbound_drops), want $K"
[ "$(engine drops)" = "$K" ] && ok || bad "engine drops $(engine drops), want $K"
[ "$(engine loop_drops)" = 0 ] && ok || bad "loop drops $(engine loop_drops), want 0"
"$L" --engine user show >"$tmp/show" 2>&1
want="engine drops $K: loop_drops 0, unbound_drops $K, nomem_drops 0"
[ "$(head -n 1 "$tmp/show")" = "$want" ] && ok || bad "show's first line: '$(head -n 1 "$tmp/show")', want '$want'"

# ------------------------------------------------ a cycle, sent raw
cat >"$tmp/cycle.lana" <<G
g :: gen(count = $K) -> f1 :: fwd() -> f2 :: counter() -> d :: drop();
G
# IDPs in order: g 1, f1 2, f2 3, d 4; f2 -> d becomes f2 -> f1
"$src/tests/mkcycle.sh" "$L" "$tmp/cycle.lana" "$tmp/cycle.plan" 3 4 2 && ok || bad "mkcycle.sh"
"$L" disasm "$tmp/cycle.plan" >"$tmp/dis" 2>&1 && grep -q 'BIND    3 f2.out -> 2 f1.in' "$tmp/dis" &&
	ok || bad "the cycle plan decodes with f2 -> f1: $(cat "$tmp/dis")"
"$L" --engine user flush >/dev/null 2>&1
out=$("$S" "$tmp/sock" "$tmp/cycle.plan" 2>&1)
[ "$out" = applied ] && ok || bad "plan-send cycle.plan: $out"
wait_packets f1 $((2 * K)) && ok || bad "f1 counted $(packets f1), want $((2 * K))"
sleep 0.2
[ "$(packets f2)" = $((2 * K)) ] && ok || bad "f2 counted $(packets f2), want $((2 * K))"
[ "$(engine loop_drops)" = "$K" ] && ok || bad "loop drops $(engine loop_drops), want $K"
[ "$(engine drops)" = $((2 * K)) ] && ok || bad "engine drops $(engine drops), want $((2 * K)) ($K unbound before, $K loop)"
kill -0 "$lanad_pid" 2>/dev/null && ok || bad "lanad died: $(tail -5 "$tmp/lanad.log")"
"$L" --engine user flush >"$tmp/out" 2>&1 && ok || bad "flush after the cycle: $(cat "$tmp/out")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
