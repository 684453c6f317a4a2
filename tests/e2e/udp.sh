#!/usr/bin/env bash
# tests/e2e/udp.sh - the udp block between two namespaces (issue 11):
#   lana-ud1: u1 10.80.0.1/24, fd80::1/64; lanad runs here with
#     a :: udp(port = 6000)                       the server side: no remote
#     b :: udp(local = "10.80.0.1", port = 6001, remote = "10.80.0.2:7000")
#     a -> b -> a;                                a relay, raw to raw
#   lana-ud2: u2 10.80.0.2/24, fd80::2/64; python3 sockets (peers this
#     project did not write): an echo server on 10.80.0.2:7000, and
#     clients that send datagrams to a (port 6000, IPv4 and IPv6).
# A client's datagram goes a -> b -> echo -> b -> a -> back to the client:
# the server answers the address the last datagram came from, so two
# clients on different ports each get their own replies, byte for byte,
# from port 6000. tap -> udp does not compile (eth is not raw): that is
# tests/lang/bad/095-tap-udp.lana. Needs root, python3. Env: LANARUN,
# LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
command -v python3 >/dev/null || { echo "e2e: python3 missing"; exit 1; }
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
echo_pid=
down() {
	# whatever the script started in its namespaces ends with them
	for n in lana-ud1 lana-ud2; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del lana-ud1 2>/dev/null || true
	ip netns del lana-ud2 2>/dev/null || true
}
cleanup() {
	[ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
# killed (timeout, ^C): still clean up, so no lanad outlives the test
trap "exit 1" INT TERM
lr() { "$L" --socket "$sock" "$@"; }
stat() { lr stats "$1" | sed -n "s/^ *$2 \([0-9][0-9]*\)$/\1/p"; }

down
ip netns add lana-ud1
ip netns add lana-ud2
ip link add u1 netns lana-ud1 type veth peer name u2 netns lana-ud2
for n in 1 2; do
	ip -n "lana-ud$n" link set lo up
	ip -n "lana-ud$n" addr add "10.80.0.$n/24" dev "u$n"
	ip -n "lana-ud$n" addr add "fd80::$n/64" dev "u$n" nodad
	ip -n "lana-ud$n" link set "u$n" up
done

cat >"$tmp/echo.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.80.0.2", 7000))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
EOF
# client.py FAMILY HOST N: send N datagrams of 1..1400 bytes from one
# socket to HOST:6000, expect each back unchanged from port 6000
cat >"$tmp/client.py" <<'EOF'
import os, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
host, n = sys.argv[2], int(sys.argv[3])
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
ok = 0
for i in range(n):
    d = os.urandom(1 + (i * 97) % 1400)
    s.sendto(d, (host, 6000))
    try:
        r, a = s.recvfrom(65535)
    except socket.timeout:
        continue
    if r == d and a[1] == 6000:
        ok += 1
print(ok)
EOF
cat >"$tmp/u.lana" <<'EOF'
a :: udp(port = 6000);
b :: udp(local = "10.80.0.1", port = 6001, remote = "10.80.0.2:7000");
a -> b -> a;
EOF

ip netns exec lana-ud2 python3 "$tmp/echo.py" &
echo_pid=$!
ip netns exec lana-ud1 "${LANAD:-lanad}" -f --socket "$sock" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "apply udp(port = 6000) -> udp(remote = 10.80.0.2:7000) -> back" \
	lr apply "$tmp/u.lana"

c1=$(ip netns exec lana-ud2 python3 "$tmp/client.py" 4 10.80.0.1 20)
e2e_check "client 1 (IPv4): 20 of 20 datagrams echoed byte for byte from port 6000 ($c1)" \
	test "$c1" = 20
c2=$(ip netns exec lana-ud2 python3 "$tmp/client.py" 4 10.80.0.1 10)
e2e_check "client 2 (another port): the server answers it, not client 1 (10 of 10: $c2)" \
	test "$c2" = 10
c6=$(ip netns exec lana-ud2 python3 "$tmp/client.py" 6 fd80::1 10)
e2e_check "client 3 over IPv6 to the dual-stack server (10 of 10: $c6)" \
	test "$c6" = 10
e2e_check "a counted 40 datagrams in and out (rx $(stat a rx), tx $(stat a tx))" \
	test "$(stat a rx)" = 40 -a "$(stat a tx)" = 40
e2e_check "b counted 40 to the echo peer and 40 back (tx $(stat b tx), rx $(stat b rx))" \
	test "$(stat b tx)" = 40 -a "$(stat b rx)" = 40

if [ "$E2E_FAIL" != 0 ]; then
	echo "--- lanad log"; cat "$tmp/lanad.log"
	lr stats a; lr stats b
fi
e2e_summary
