#!/usr/bin/env bash
# tests/e2e/flyif.sh - an exported interface (issue 11, scenario 6; Flying
# Interfaces, docs/flyif.md) between three namespaces:
#   lana-fiL  the LAN host: fi-lan 10.80.0.9/24, MTU 1400
#   lana-fiO  the owner: fi-own (fi-lan's veth peer, MTU 1400, no
#             address), exported by lanad with std/export_if.lana over
#             udp from fi-uo 10.81.0.1/24 to ...
#   lana-fiI  the importer: fi-ui 10.81.0.2/24, where lanad runs
#             std/import_if.lana: the TAP fi0, 10.80.0.5/24.
# Checked:
#   - the TAP takes fi-own's MAC address and MTU (1400, not tap's 1500);
#   - the importer pings the LAN host through it (every reply, none
#     doubled), and the owner's counters reach it in LINK messages;
#   - fi-own down on the owner -> the TAP's carrier down within 1 s, up
#     -> up within 1 s; the same for the LAN side's end (carrier lost);
#   - the owner's lanad killed -> carrier down within 1 s (no LINK for
#     3 x 200 ms), the TAP stays; no malformed message anywhere.
# Needs root. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
L=${LANARUN:-lanarun}
if ! "$L" types udp >/dev/null 2>&1; then
	echo "e2e: this build has no udp block (blocks/udp.c)"
	exit 1
fi
tmp=$(mktemp -d)
sock_o=$tmp/owner.sock
sock_i=$tmp/importer.sock
pid_o=
pid_i=
down() {
	for n in lana-fiL lana-fiO lana-fiI; do
		ip netns del "$n" 2>/dev/null || true
	done
}
stop() {	# PIDVAR
	local p=${!1}
	[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	eval "$1="
}
cleanup() {
	stop pid_o
	stop pid_i
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
in_ns() { local n=$1; shift; ip netns exec "lana-fi$n" "$@"; }
lr_o() { "$L" --socket "$sock_o" "$@"; }
lr_i() { "$L" --socket "$sock_i" "$@"; }
stat_i() { lr_i stats i/m | sed -n "s/^ *$1 \([0-9][0-9]*\)$/\1/p"; }
stat_o() { lr_o stats x/x | sed -n "s/^ *$1 \([0-9][0-9]*\)$/\1/p"; }
carrier() { in_ns I cat /sys/class/net/fi0/carrier 2>/dev/null; }
mac_of() { ip -n "lana-fi$1" -o link show "$2" |
	   sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p'; }
mtu_of() { ip -n "lana-fi$1" -o link show "$2" |
	   sed -n 's|.* mtu \([0-9]*\) .*|\1|p'; }
# carrier_within MS VALUE: the TAP's carrier reads VALUE within MS ms;
# prints how long it took
carrier_within() {
	local t0 now
	t0=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		[ "$(carrier)" = "$2" ] && { echo $(((now - t0) / 1000000)); return 0; }
		[ $(((now - t0) / 1000000)) -ge "$1" ] && { echo "$1+"; return 1; }
		sleep 0.02
	done
}
# lanad NS SOCK PIDVAR: lanad in namespace NS (outside any flock: the
# script holds only the e2e lock's fd 9, closed for the daemon)
lanad_in() {
	ip netns exec "lana-fi$1" "${LANAD:-lanad}" -f --socket "$2" \
		>"$tmp/lanad-$1.log" 2>&1 9>&- &
	eval "$3=$!"
	for _ in $(seq 50); do [ -S "$2" ] && return 0; sleep 0.1; done
	return 1
}

down
for n in L O I; do
	ip netns add "lana-fi$n"
	in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_ns "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "lana-fi$n" link set lo up
done
ip -n lana-fiO link add fi-own mtu 1400 type veth peer name fi-lan mtu 1400 \
	netns lana-fiL
ip -n lana-fiO link add fi-uo type veth peer name fi-ui netns lana-fiI
ip -n lana-fiL addr add 10.80.0.9/24 dev fi-lan
ip -n lana-fiO addr add 10.81.0.1/24 dev fi-uo
ip -n lana-fiI addr add 10.81.0.2/24 dev fi-ui
ip -n lana-fiL link set fi-lan up
ip -n lana-fiO link set fi-own up
ip -n lana-fiO link set fi-uo up
ip -n lana-fiI link set fi-ui up
own_mac=$(mac_of O fi-own)

# udp(local, remote, port): one datagram per frame (issue 11)
cat >"$tmp/owner.lana" <<'EOF'
import "std/export_if.lana";
x :: export_if(dev = "fi-own", interval = 200ms);
u :: udp(local = "10.81.0.1", remote = "10.81.0.2", port = 4790);
x -> u;
u -> x;
EOF
cat >"$tmp/importer.lana" <<'EOF'
import "std/import_if.lana";
i :: import_if(name = "fi0");
u :: udp(local = "10.81.0.2", remote = "10.81.0.1", port = 4790);
i -> u;
u -> i;
EOF

e2e_check "lanad in the importer" lanad_in I "$sock_i" pid_i
e2e_check "apply import_if over udp" lr_i apply -I "$src/share/lana" "$tmp/importer.lana"
ip -n lana-fiI addr add 10.80.0.5/24 dev fi0
ip -n lana-fiI link set fi0 up
t=$(carrier_within 1000 0)
e2e_check "before any LINK message the TAP has no carrier ($t ms)" \
	test "$(carrier)" = 0
e2e_check "lanad in the owner" lanad_in O "$sock_o" pid_o
e2e_check "apply export_if over udp" lr_o apply -I "$src/share/lana" "$tmp/owner.lana"
t=$(carrier_within 1000 1)
e2e_check "carrier up within 1 s of the exporter's start ($t ms)" test "$(carrier)" = 1
e2e_check "the TAP has fi-own's MAC address ($(mac_of I fi0) = $own_mac)" \
	test "$(mac_of I fi0)" = "$own_mac"
e2e_check "the TAP has fi-own's MTU ($(mtu_of I fi0) = 1400)" \
	test "$(mtu_of I fi0)" = 1400

out=$(in_ns I ping -c 5 -i 0.2 -W 1 10.80.0.9 2>&1)
echo "$out" | tail -2 | sed 's/^/  /'
e2e_check "the importer pings the LAN host through the TAP (5/5)" \
	grep -q "5 packets transmitted, 5 received, 0% packet loss" <<<"$out"
e2e_check_not "no reply doubled" grep -q duplicates <<<"$out"
sleep 0.5	# a LINK message with the counters after the ping
e2e_check "the owner's counters arrived: remote_rx_packets $(stat_i remote_rx_packets) >= 5" \
	test "$(stat_i remote_rx_packets)" -ge 5

ip -n lana-fiO link set fi-own down
t=$(carrier_within 1000 0)
e2e_check "fi-own down on the owner -> no carrier within 1 s ($t ms)" test "$(carrier)" = 0
ip -n lana-fiO link set fi-own up
t=$(carrier_within 1000 1)
e2e_check "fi-own up -> carrier within 1 s ($t ms)" test "$(carrier)" = 1
ip -n lana-fiL link set fi-lan down
t=$(carrier_within 1000 0)
e2e_check "the LAN's end down (fi-own loses carrier) -> no carrier within 1 s ($t ms)" \
	test "$(carrier)" = 0
ip -n lana-fiL link set fi-lan up
t=$(carrier_within 1000 1)
e2e_check "the LAN's end up -> carrier within 1 s ($t ms)" test "$(carrier)" = 1
e2e_check "ping after the flaps (3/3)" \
	in_ns I ping -q -c 3 -i 0.2 -W 1 10.80.0.9 >/dev/null
e2e_check "no malformed message at the importer ($(stat_i malformed))" \
	test "$(stat_i malformed)" = 0
e2e_check "no malformed message at the owner ($(stat_o malformed))" \
	test "$(stat_o malformed)" = 0

stop pid_o
t=$(carrier_within 1000 0)
e2e_check "the owner's lanad killed -> no carrier within 1 s ($t ms)" test "$(carrier)" = 0
e2e_check "counted as a timeout ($(stat_i timeouts))" test "$(stat_i timeouts)" = 1
e2e_check "the TAP stays" ip -n lana-fiI link show fi0 >/dev/null
e2e_summary
