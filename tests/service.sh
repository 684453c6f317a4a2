#!/usr/bin/env bash
# tests/service.sh - lanad as a service (issue 13): the units pass
# systemd-analyze verify; lanad runs from the unit's own ExecStart line,
# socket-activated (systemd-socket-activate --seqpacket) and reporting
# readiness on $NOTIFY_SOCKET as under systemd (the test machine's PID 1 is
# not systemd); --config applied at start, SIGHUP applies the changed file
# as a diff (a kept counter keeps counting), a broken file changes nothing
# and is reported at file:line:col; after kill -9 a restart brings the
# same graph back from --state-dir; a member of the socket's group may
# show but not apply, another user cannot connect; a corrupt state file is
# set aside. Root (users, chown). Env: LANAD, LANARUN, top_srcdir.
set -uo pipefail
L=${LANARUN:-./lanarun}
D=$(readlink -f "${LANAD:-./lanad}")
src=${top_srcdir:-.}
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (users, groups)"; exit 77; fi
for t in systemd-analyze systemd-socket-activate useradd setpriv python3; do
	command -v "$t" >/dev/null || { echo "FAIL: $t missing (scripts/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d)
chmod 755 "$tmp"
grp=lanat$$ ro=lanaro$$ other=lanaot$$
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	pkill -9 -f "$tmp/" 2>/dev/null
	userdel "$ro" 2>/dev/null; userdel "$other" 2>/dev/null
	groupdel "$grp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
groupadd "$grp" && useradd -M -N -g nogroup -G "$grp" "$ro" &&
	useradd -M -N -g nogroup "$other" || { echo "FAIL: cannot create users"; exit 1; }

# --- the units
mkdir "$tmp/units"
sed "s|@bindir@|${D%/*}|g" "$src/share/systemd/lanad.service.in" >"$tmp/units/lanad.service"
cp "$src/share/systemd/lanad.socket" "$tmp/units/"
out=$(cd "$tmp/units" && systemd-analyze verify --man=no ./lanad.socket ./lanad.service 2>&1)
[ -z "$out" ] && ok "systemd-analyze verify: no findings" || bad "systemd-analyze verify: $out"
grep -q '^Type=notify$' "$tmp/units/lanad.service" && ok "Type=notify" || bad "not Type=notify"
grep -q '^SocketGroup=lana$' "$tmp/units/lanad.socket" && grep -q '^SocketMode=0660$' "$tmp/units/lanad.socket" &&
	ok "socket: group lana, mode 0660" || bad "socket unit's group/mode"
exec_line=$(sed -n 's/^ExecStart=//p' "$tmp/units/lanad.service")
[ -n "$exec_line" ] || bad "no ExecStart"

# --- graphs: c counts gen's frames; the reload adds c2 behind it
g1='g :: gen(count = 0, size = 64B, rate = 1mbit) -> c :: counter() -> drop();'
g2='g :: gen(count = 0, size = 64B, rate = 1mbit) -> c :: counter() -> c2 :: counter() -> drop();'
echo "$g1" >"$tmp/lana.lana"
S=$tmp/sock
LR() { "$L" --socket "$S" "$@"; }
pk() { LR stats "$1" 2>/dev/null | sed -n 's/^ *packets \([0-9][0-9]*\)$/\1/p' | head -n 1; }

# readiness messages, as systemd's notify socket receives them
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n"); f.flush()
' "$tmp/notify" "$tmp/notified" &
pids+=($!)
disown $!
for _ in $(seq 50); do [ -S "$tmp/notify" ] && break; sleep 0.1; done

# the journal: stderr to a file named by $JOURNAL_STREAM (device:inode)
: >"$tmp/log"
js=$(stat -c '%d:%i' "$tmp/log")
LANAD_OPTS="--config $tmp/lana.lana --state-dir $tmp/state -v"
eval "set -- $exec_line"	# $LANAD_OPTS split on blanks, as systemd does
[ "$1" = "$D" ] && ok "ExecStart runs this build's lanad" || bad "ExecStart: $exec_line"
NOTIFY_SOCKET=$tmp/notify JOURNAL_STREAM=$js \
	systemd-socket-activate --seqpacket -E NOTIFY_SOCKET -E JOURNAL_STREAM \
	-l "$S" "$@" 2>>"$tmp/log" &
apid=$!
pids+=($apid)
for _ in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
chgrp "$grp" "$S" && chmod 0660 "$S"	# SocketGroup=, SocketMode=
LR show >"$tmp/show0" 2>&1 && ok "the first connection starts lanad (socket activation)" ||
	bad "show through the activated socket: $(cat "$tmp/show0")"
for _ in $(seq 50); do grep -q READY=1 "$tmp/notified" 2>/dev/null && break; sleep 0.1; done
grep -q '^READY=1 STATUS=serving' "$tmp/notified" && ok "READY=1 sent" || bad "no READY=1: $(cat "$tmp/notified" 2>&1)"
lpid=$(pgrep -f "^$D --foreground")
[ -n "$lpid" ] && ok "lanad runs (pid $lpid)" || bad "no lanad process"
grep -q 'socket from systemd' "$tmp/log" && ok "lanad took systemd's socket" || bad "log: $(cat "$tmp/log")"
grep -q '^<5>notice: applied .*lana.lana: 3 new, 2 bound' "$tmp/log" &&
	ok "config applied at start, logged at priority 5 (journal prefix)" || bad "start log: $(cat "$tmp/log")"
sleep 0.3
for _ in $(seq 30); do [ -f "$tmp/state/running.plan" ] && break; sleep 0.1; done
[ -f "$tmp/state/running.plan" ] && [ "$(stat -c %a "$tmp/state/running.plan")" = 600 ] &&
	ok "graph saved in the state directory (mode 600)" || bad "no saved graph"

# --- SIGHUP with a changed file: the diff, kept counters keep counting
before=$(pk c)
echo "$g2" >"$tmp/lana.lana"
kill -HUP "$lpid"
for _ in $(seq 50); do grep -q 'reloaded' "$tmp/log" && break; sleep 0.1; done
grep -q "notice: reloaded $tmp/lana.lana: 1 new, 1 bound, 1 rebound" "$tmp/log" &&
	ok "SIGHUP: the diff applied (1 new, 1 bound, 1 rebound)" || bad "reload log: $(cat "$tmp/log")"
sleep 0.3
after=$(pk c) c2=$(pk c2)
[ -n "$before" ] && [ -n "$after" ] && [ "$before" -gt 0 ] && [ "$after" -gt "$before" ] &&
	ok "c kept its count across the reload ($before -> $after)" || bad "c: ${before:-?} -> ${after:-?}"
[ -n "$c2" ] && [ "$c2" -gt 0 ] && [ "$c2" -lt "$after" ] &&
	ok "c2 is new and counts from zero ($c2 < $after)" || bad "c2: ${c2:-?} (c $after)"
grep -q '^RELOADING=1 .*MONOTONIC_USEC=' "$tmp/notified" &&
	[ "$(grep -c '^READY=1' "$tmp/notified")" = 2 ] && ok "RELOADING=1, then READY=1" ||
	bad "notify: $(cat "$tmp/notified")"

# --- a broken file: reported with its location, nothing changes
printf 'g :: gen(count = 0) -> c :: counter( -> drop();\n' >"$tmp/lana.lana"
kill -HUP "$lpid"
for _ in $(seq 50); do grep -q 'not applied' "$tmp/log" && break; sleep 0.1; done
grep -q "^<3>error: $tmp/lana.lana:1:[0-9]*: error:" "$tmp/log" &&
	ok "broken file: error at file:line:col, priority 3" || bad "broken reload log: $(tail -5 "$tmp/log")"
grep -q 'not applied (errors above); the running graph stays' "$tmp/log" &&
	ok "broken file: 'not applied'" || bad "no 'not applied'"
echo "$g2" >"$tmp/g2.lana"
kill -0 "$lpid" && [ "$(LR apply "$tmp/g2.lana")" = "no changes" ] &&
	ok "the running graph is still the last good one" || bad "graph changed by a broken file"
echo "$g2" >"$tmp/lana.lana"

# --- access: the socket's group reads, others cannot connect
as() { local u=$1; shift; setpriv --reuid "$u" --regid nogroup --init-groups "$@"; }
as "$ro" "$L" --socket "$S" show >"$tmp/ro.show" 2>&1 && grep -q ' c2 ' "$tmp/ro.show" &&
	ok "a member of the socket's group can show" || bad "group member show: $(cat "$tmp/ro.show")"
echo "$g1" >"$tmp/g1.lana"
as "$ro" "$L" --socket "$S" apply "$tmp/g1.lana" >"$tmp/ro.apply" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q 'permission denied: uid [0-9]* may read the graph but not change it' "$tmp/ro.apply" &&
	ok "... but not apply (exit $rc)" || bad "group member apply: exit $rc, $(cat "$tmp/ro.apply")"
as "$ro" "$L" --socket "$S" flush >/dev/null 2>&1 && bad "group member could flush" || ok "... nor flush"
[ "$(LR apply "$tmp/g2.lana")" = "no changes" ] && ok "the refused edits changed nothing" || bad "graph changed"
as "$other" "$L" --socket "$S" show >"$tmp/ot" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q 'Permission denied' "$tmp/ot" && ok "another user cannot connect (exit $rc)" ||
	bad "other user: exit $rc, $(cat "$tmp/ot")"
setpriv --reuid "$other" --regid "$grp" --clear-groups --inh-caps +net_admin --ambient-caps +net_admin \
	"$L" --socket "$S" apply "$tmp/g1.lana" >"$tmp/cap" 2>&1 &&
	ok "a non-root user with CAP_NET_ADMIN may change the graph" || bad "CAP_NET_ADMIN apply: $(cat "$tmp/cap")"
LR apply "$tmp/g2.lana" >/dev/null

# --- kill -9 and restart: the same graph comes back from the state
sleep 0.5
kill -9 "$lpid"
wait "$apid" 2>/dev/null
S=$tmp/sock2
"$D" --foreground --socket "$S" --state-dir "$tmp/state" >"$tmp/log2" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
grep -q "notice: graph restored from $tmp/state/running.plan" "$tmp/log2" &&
	ok "restart: graph restored" || bad "restart log: $(cat "$tmp/log2")"
[ "$(LR apply "$tmp/g2.lana")" = "no changes" ] && ok "restart: the same graph runs (apply: no changes)" ||
	bad "restored graph differs: $(LR show)"
sleep 0.2
[ "$(pk c2)" -gt 0 ] 2>/dev/null && ok "restart: the restored graph counts" || bad "restored c2: $(pk c2)"
kill -TERM "${pids[-1]}"
wait "${pids[-1]}"
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"

# --- a corrupt state file: set aside, start empty
printf 'LANAPLAN garbage' >"$tmp/state/running.plan"
"$D" --foreground --socket "$S" --state-dir "$tmp/state" >"$tmp/log3" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
grep -q "error: cannot restore the graph" "$tmp/log3" && [ -f "$tmp/state/running.plan.failed" ] &&
	[ ! -e "$tmp/state/running.plan" ] && ok "corrupt state: logged, kept as running.plan.failed" ||
	bad "corrupt state: $(cat "$tmp/log3"; ls "$tmp/state")"
[ -z "$(LR show | grep -v '^engine drops\|^no blocks$')" ] && ok "corrupt state: started empty" || bad "not empty: $(LR show)"
kill -TERM "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null

# --- a broken config at start: lanad refuses to start
printf 'drop( ;\n' >"$tmp/bad.lana"
"$D" --foreground --socket "$tmp/sock3" --no-state --config "$tmp/bad.lana" >"$tmp/log4" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "$tmp/bad.lana:1:[0-9]*: error" "$tmp/log4" && [ ! -e "$tmp/sock3" ] &&
	ok "broken --config at start: exit 1, error at file:line:col, no socket left" ||
	bad "broken start: exit $rc, $(cat "$tmp/log4")"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
