#!/usr/bin/env bash
# tests/oom.sh - lanad out of memory during an apply (issue 9): with its
# address space limited (prlimit --as, setrlimit(2) RLIMIT_AS) to what it
# uses plus 60 MiB, then plus 150 MiB, an apply of a 200002-block graph (about 300 MiB in
# lanad) must fail with "out of memory", lanad must keep running the
# graph it had (same blocks, same counters) and keep serving, and a later
# apply with enough memory must succeed. tests/unit/test_oom.c fails every
# allocation of the apply path in turn; this is the whole daemon.
# Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
L=${LANARUN:-./lanarun}
D=${LANAD:-./lanad}
command -v python3 >/dev/null || { echo "FAIL: python3 is needed"; exit 1; }
command -v prlimit >/dev/null || { echo "FAIL: prlimit (util-linux) is needed"; exit 1; }
# An ASan binary reserves terabytes of shadow memory: RLIMIT_AS cannot
# limit it (test_oom covers that build's apply path, leaks included).
# (not `ldd | grep -q`: under pipefail, ldd killed by SIGPIPE when grep
# quits early fails the test instead of skipping it)
case "$(ldd "$D" 2>/dev/null)" in
*libasan*)
	echo "skip: $D is built with ASan, whose shadow memory RLIMIT_AS cannot limit"
	exit 77
	;;
esac
tmp=$(mktemp -d)
pass=0 fail=0
lanad_pid=
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { timeout 60 "$L" --socket "$tmp/sock" "$@"; }
vmsize() { sed -n 's/^VmSize:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$lanad_pid/status"; }

# a chain of N counters after a gen of 1 frame, into a drop
chain() {
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
print("g :: gen(count = 1);")
for i in range(n):
    print(f"c{i} :: counter();")
print("g -> c0;")
for i in range(n - 1):
    print(f"c{i} -> c{i + 1};")
print(f"c{n - 1} -> drop();")
PY
}
chain 10 >"$tmp/small.lana"
chain 1000 >"$tmp/medium.lana"
chain 200000 >"$tmp/big.lana"
"$L" compile -o "$tmp/big.plan" "$tmp/big.lana" || { echo "FAIL: compile big.lana"; exit 1; }

"$D" -f -s "$tmp/sock" 2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { echo "FAIL: lanad did not start: $(cat "$tmp/lanad.log")"; exit 1; }
lr apply "$tmp/small.lana" >/dev/null && ok "apply the 12-block graph" ||
	bad "apply small.lana"
sleep 0.3	# gen's one frame goes through
before=$(lr show 2>&1)
c9=$(lr stats c9 2>&1)

# +60 MiB fails while the plan is received and decoded, +150 MiB while
# the instances are made (instruction N (NEW ...): out of memory)
for extra in 60 150; do
	limit=$(( ($(vmsize) + extra * 1024) * 1024 ))
	prlimit --pid "$lanad_pid" --as="$limit:" ||
		bad "prlimit --pid $lanad_pid --as=$limit"
	lr apply "$tmp/big.plan" >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" != 0 ] && grep -q "out of memory" "$tmp/out" &&
		ok "+$extra MiB: apply of 200002 blocks fails: $(tail -1 "$tmp/out")" ||
		bad "+$extra MiB: apply of 200002 blocks: exit $rc: $(head -c 400 "$tmp/out")"
	kill -0 "$lanad_pid" 2>/dev/null && ok "+$extra MiB: lanad still runs" ||
		{ bad "+$extra MiB: lanad died: $(tail -5 "$tmp/lanad.log")"; break; }
	[ -S "$tmp/sock" ] && ok "+$extra MiB: its socket is still there" || bad "socket gone"
	after=$(lr show 2>&1)
	[ "$after" = "$before" ] && ok "+$extra MiB: the running graph is the 12-block one, unchanged" ||
		bad "+$extra MiB: show changed: before: $before after: $after"
	[ "$(lr stats c9 2>&1)" = "$c9" ] && ok "+$extra MiB: counters of c9 unchanged" ||
		bad "+$extra MiB: c9 changed: $c9 -> $(lr stats c9 2>&1)"
done
grep -qi "out of memory" "$tmp/lanad.log" && ! grep -q "lana: out of memory" "$tmp/lanad.log" &&
	ok "lanad logged the refused applies, no abort" ||
	bad "lanad log: $(tail -5 "$tmp/lanad.log")"

prlimit --pid "$lanad_pid" --as=unlimited: ||
	bad "prlimit --pid $lanad_pid --as=unlimited:"
lr apply "$tmp/medium.lana" >"$tmp/out" 2>&1 && grep -q "new" "$tmp/out" &&
	ok "a 1002-block apply that fits succeeds afterwards: $(tail -1 "$tmp/out")" ||
	bad "apply medium.lana: $(cat "$tmp/out")"
n=$(lr show 2>/dev/null | grep -c " counter ")
[ "$n" = 1000 ] && ok "show lists its 1000 counters" || bad "show lists $n counters, want 1000"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
