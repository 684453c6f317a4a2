#!/usr/bin/env bash
# tests/bpf-plan.sh - a plan whose bpf filter has an opcode no engine
# implements (a RET of 0x8006 instead of 0x0006, CRC fixed up: made by
# tests/mkbadbpf.sh) is refused, naming the filter instruction: by lanarun
# before it sends anything, and by lanad itself when the plan is sent as
# is (tests/plan-send), with the running graph unchanged and lanad alive.
# Before plan/bpf_check.c, lanad applied it and aborted in bpf_filter() at
# the first frame of the graph's gen. Run by `make check`.
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
want="instruction 3 (NEW f): parameter 'filter': filter instruction 2: opcode 0x8006 not allowed"

cat >"$tmp/good.lana" <<'G'
s :: gen(rate = 1mbit) -> c :: counter() -> d :: drop();
G
# "len > 0": ld len; jgt #0 (jt 1, jf 2); ret #65535; ret #0 - every frame
# of the endless gen (which the diff keeps running across applies) reaches
# instruction 2
cat >"$tmp/g.lana" <<'G'
s :: gen(rate = 1mbit) -> c :: counter() -> f :: bpf(filter = "len > 0") -> d :: drop();
G
"$src/tests/mkbadbpf.sh" "$L" "$tmp/g.lana" "$tmp/bad.plan" && ok || bad "mkbadbpf.sh"
"$L" disasm "$tmp/bad.plan" >"$tmp/dis" 2>&1 && grep -q 'bpf filter="len > 0"' "$tmp/dis" &&
	ok || bad "the crafted plan decodes (its CRC is right): $(cat "$tmp/dis")"

# lanad on a private socket
"$D" -f -s "$tmp/sock" 2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { bad "lanad did not start: $(cat "$tmp/lanad.log")"; echo "$pass passed, $fail failed"; exit 1; }
export LANA_SOCKET=$tmp/sock

"$L" --engine user apply "$tmp/good.lana" >"$tmp/out" 2>&1 && ok || bad "apply good.lana: $(cat "$tmp/out")"
"$L" --engine user show >"$tmp/show0" 2>&1 && ok || bad "show"

# lanarun validates the plan file before it connects
if "$L" --engine user apply "$tmp/bad.plan" >"$tmp/out" 2>&1; then
	bad "lanarun apply of the bad plan succeeded: $(cat "$tmp/out")"
else
	grep -qF "$want" "$tmp/out" && ok || bad "lanarun names the instruction: $(cat "$tmp/out")"
fi
# lanad's own validator, the plan sent as is
"$S" "$tmp/sock" "$tmp/bad.plan" >"$tmp/out" 2>&1
rc=$?
[ "$rc" = 1 ] && ok || bad "plan-send: exit $rc, want 1 (refused): $(cat "$tmp/out")"
grep -qF "$want" "$tmp/out" && ok || bad "lanad names the instruction: $(cat "$tmp/out")"
sleep 0.3
kill -0 "$lanad_pid" 2>/dev/null && ok || bad "lanad died: $(tail -5 "$tmp/lanad.log")"
# the blocks (IDP, name, type) and bindings; the counters move with gen
blocks() { awk '$1 ~ /^[0-9]+$/ { print $1, $2, $3 } /->/' "$1"; }
"$L" --engine user show >"$tmp/show1" 2>&1 &&
	[ "$(blocks "$tmp/show0")" = "$(blocks "$tmp/show1")" ] &&
	ok || bad "running graph unchanged: $(cat "$tmp/show1")"
! grep -q "bpf" "$tmp/show1" && ok || bad "no bpf block in the running graph"
# the same graph with the filter as compiled is applied and runs
"$L" --engine user apply "$tmp/g.lana" >"$tmp/out" 2>&1 && ok || bad "apply g.lana: $(cat "$tmp/out")"
sleep 0.3
kill -0 "$lanad_pid" 2>/dev/null && ok || bad "lanad died running the good filter"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
