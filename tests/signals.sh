#!/usr/bin/env bash
# tests/signals.sh - lanad and signals (issue 13): SIGHUP, SIGUSR1, SIGUSR2
# and SIGALRM, whose default action would end the daemon and lose the
# graph, are logged with the sender's pid and ignored (the graph keeps
# running: its counter keeps counting); SIGTERM stops it with status 0 and
# removes the socket. No namespaces. Env: LANAD, LANARUN.
set -uo pipefail
L=${LANARUN:-./lanarun}
D=${LANAD:-./lanad}
tmp=$(mktemp -d)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$D" -f --socket "$tmp/s" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/s" ] && break; sleep 0.1; done
# gen(count = 0): without end, so the counter moves between two reads
printf 'g :: gen(count = 0, size = 64) -> c :: counter() -> drop();\n' >"$tmp/g.lana"
"$L" --socket "$tmp/s" apply "$tmp/g.lana" >/dev/null && ok "apply" || bad "apply"
pk() { "$L" --socket "$tmp/s" stats c | sed -n 's/^ *packets \([0-9][0-9]*\)$/\1/p' | head -n 1; }
for sig in HUP USR1 USR2 ALRM; do
	before=$(pk)
	kill -s "$sig" "$pid"
	sleep 0.2
	if kill -0 "$pid" 2>/dev/null; then ok "lanad survives SIG$sig"; else bad "SIG$sig killed lanad"; fi
	after=$(pk)
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] &&
		ok "the graph keeps running after SIG$sig (c: $before -> $after)" ||
		bad "the graph after SIG$sig (c: ${before:-?} -> ${after:-?})"
done
for name in Hangup "User defined signal 1" "User defined signal 2" "Alarm clock"; do
	grep -q "notice: $name (from pid $$): ignored" "$tmp/log" &&
		ok "logged: $name from this shell's pid" || bad "no notice for $name: $(cat "$tmp/log")"
done
kill -s TERM "$pid"
wait "$pid"
rc=$?
p=$pid
pid=
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
[ ! -e "$tmp/s" ] && ok "SIGTERM removed the socket" || bad "socket left after SIGTERM"
kill -0 "$p" 2>/dev/null && bad "lanad still running" || ok "lanad is gone"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
