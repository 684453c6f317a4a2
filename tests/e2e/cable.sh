#!/usr/bin/env bash
# tests/e2e/cable.sh - an encrypted cable between two hosts (issue 11,
# scenario 3). Two namespaces are two hosts on one underlay veth:
#   lana-cb1 (host A): cu1 10.81.0.1/24, lanad with
#     t :: tap(cbt, 192.168.81.1/24)
#     t -> s :: seal(ab.key) -> u :: udp(10.81.0.1 <-> 10.81.0.2, 7100)
#     u -> o :: unseal(ba.key) -> t
#   lana-cb2 (host B): cu2 10.81.0.2/24, the same with the keys swapped
#     (seal ba.key, unseal ab.key) and cbt 192.168.81.2/24.
# One key per direction (docs/seal.md), made with head -c 32 /dev/urandom
# | base64 in files of mode 0600. Checks: ping both ways; a 5 MB HTTP
# download whose sha256 matches; a ping payload pattern (ping -p) is in
# the frames on B's TAP but nowhere in the bytes of the underlay capture;
# the underlay datagrams carry the key id of ab.key (BLAKE2b-256 computed
# by python's hashlib, docs/seal.md "Key id"); a captured datagram resent
# (scapy) is counted as replayed and delivers nothing; the same datagram
# with one byte flipped is counted as forged; rotating both keys live
# (receivers first, lanarun set) under ping -i 0.05 loses no ping.
# Needs root, tcpdump, curl, python3, python3-scapy. Env: LANARUN, LANAD,
# top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
for t in tcpdump curl python3; do
	command -v $t >/dev/null ||
		{ echo "e2e: $t missing (scripts/install-deps.sh installs it)"; exit 1; }
done
# scapy: the python3 on PATH, or Debian's (python3-scapy) when PATH has
# another one (pyenv)
spy=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import scapy.all' 2>/dev/null && { spy=$p; break; }
done
[ -n "$spy" ] || { echo "e2e: python3-scapy missing"; exit 1; }
L=${LANARUN:-lanarun}
tmp=$(mktemp -d)
pid_a= pid_b= dump_pid= http_pid= ping_pid=
down() {
	# whatever the script started in its namespaces ends with them
	for n in lana-cb1 lana-cb2; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	ip netns del lana-cb1 2>/dev/null || true
	ip netns del lana-cb2 2>/dev/null || true
}
cleanup() {
	for p in $dump_pid $http_pid $ping_pid; do kill "$p" 2>/dev/null; done
	for p in $pid_a $pid_b; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	down
	rm -rf "$tmp"
}
trap cleanup EXIT
# killed (timeout, ^C): still clean up, so no lanad outlives the test
trap "exit 1" INT TERM
la() { "$L" --socket "$tmp/a.sock" "$@"; }
lb() { "$L" --socket "$tmp/b.sock" "$@"; }
A() { ip netns exec lana-cb1 "$@"; }
B() { ip netns exec lana-cb2 "$@"; }
# st a|b BLOCK COUNTER
st() { "$L" --socket "$tmp/$1.sock" stats "$2" | sed -n "s/^ *$3 \([0-9][0-9]*\)$/\1/p"; }
newkey() { (umask 077; head -c 32 /dev/urandom | base64 >"$1"); }

down
ip netns add lana-cb1
ip netns add lana-cb2
ip link add cu1 netns lana-cb1 type veth peer name cu2 netns lana-cb2
for n in 1 2; do
	ip netns exec "lana-cb$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "lana-cb$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "lana-cb$n" link set lo up
	ip -n "lana-cb$n" addr add "10.81.0.$n/24" dev "cu$n"
	ip -n "lana-cb$n" link set "cu$n" up
done

newkey "$tmp/ab.key"
newkey "$tmp/ba.key"
# graph HOST LOCAL REMOTE SEALKEY UNSEALKEY
graph() {
	cat <<EOF
t :: tap(name = "cbt", mac = 02:cb:00:00:00:0$1, mtu = 1400);
u :: udp(local = "$2", remote = "$3", port = 7100);
t -> s :: seal(key_file = "$4") -> u;
u -> o :: unseal(key_file = "$5", grace = 30s) -> t;
EOF
}
graph 1 10.81.0.1 10.81.0.2 "$tmp/ab.key" "$tmp/ba.key" >"$tmp/a.lana"
graph 2 10.81.0.2 10.81.0.1 "$tmp/ba.key" "$tmp/ab.key" >"$tmp/b.lana"

# lanad in each host, started with ip netns exec so that $! is lanad
ip netns exec lana-cb1 "${LANAD:-lanad}" -f --socket "$tmp/a.sock" >"$tmp/a.log" 2>&1 &
pid_a=$!
ip netns exec lana-cb2 "${LANAD:-lanad}" -f --socket "$tmp/b.sock" >"$tmp/b.log" 2>&1 &
pid_b=$!
for _ in $(seq 50); do [ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break; sleep 0.1; done
e2e_check "apply tap -> seal -> udp, udp -> unseal -> tap on host A" la apply "$tmp/a.lana"
e2e_check "and on host B (keys swapped)" lb apply "$tmp/b.lana"
for n in 1 2; do
	ip -n "lana-cb$n" addr add "192.168.81.$n/24" dev cbt
	ip -n "lana-cb$n" link set cbt up
done

e2e_check "ping A -> B over the cable" A ping -q -c 3 -i 0.2 -W 2 192.168.81.2
e2e_check "ping B -> A over the cable" B ping -q -c 3 -i 0.2 -W 2 192.168.81.1

# 5 MB HTTP download from B to A through the cable
head -c 5242880 /dev/urandom >"$tmp/www.bin"
(cd "$tmp" && exec ip netns exec lana-cb2 python3 -m http.server 8081 \
	--bind 192.168.81.2 >"$tmp/http.log" 2>&1) &
http_pid=$!
for _ in $(seq 50); do
	A curl -s -o /dev/null --max-time 1 http://192.168.81.2:8081/ && break
	sleep 0.1
done
A curl -s --max-time 60 -o "$tmp/got.bin" http://192.168.81.2:8081/www.bin
want=$(sha256sum <"$tmp/www.bin" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/got.bin" 2>/dev/null | cut -d' ' -f1)
e2e_check "5 MB HTTP download B -> A: sha256 matches ($got)" test "$want" = "$got"
kill "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null; http_pid=

# no plaintext on the underlay: pings carrying a pattern, captured on A's
# underlay end and on B's TAP (the control: the pattern is in the traffic)
pat=5a3cc3a5e10ff00d
A tcpdump -i cu1 -nn -U --immediate-mode -w "$tmp/u.pcap" udp port 7100 \
	>"$tmp/du.log" 2>&1 &
dump_pid=$!
B tcpdump -i cbt -nn -U --immediate-mode -w "$tmp/t.pcap" icmp >"$tmp/dt.log" 2>&1 &
dump_pid="$dump_pid $!"
sleep 1
e2e_check "ping -p $pat A -> B" A ping -q -c 5 -i 0.2 -W 2 -p "$pat" 192.168.81.2
sleep 0.5
kill $dump_pid 2>/dev/null; wait $dump_pid 2>/dev/null; dump_pid=
# count FILE HEX: occurrences of the bytes HEX anywhere in FILE
count() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(bytes.fromhex(sys.argv[2])))' "$1" "$2"; }
nt=$(count "$tmp/t.pcap" "$pat")
nu=$(count "$tmp/u.pcap" "$pat")
nd=$(tcpdump -r "$tmp/u.pcap" -nn 2>/dev/null | grep -c '10.81.0.1.7100 > 10.81.0.2.7100: UDP')
e2e_check "control: the pattern is in the ICMP frames on B's TAP ($nt times)" \
	test "$nt" -ge 10
e2e_check "the underlay carried the pings ($nd datagrams A -> B)" test "$nd" -ge 5
e2e_check "but the pattern is nowhere in the underlay capture ($nu times)" \
	test "$nu" = 0
# the key id of ab.key, computed from docs/seal.md: BLAKE2b-256 of
# "lana-seal key id v1" || key, first 4 bytes; each datagram's bytes 4..7
# (scapy reads the UDP payloads)
cat >"$tmp/kid.py" <<'EOF'
import base64, hashlib, sys
from scapy.all import rdpcap, UDP, IP
key = base64.b64decode(open(sys.argv[2]).read())
kid = hashlib.blake2b(b"lana-seal key id v1" + key, digest_size=32).digest()[:4]
ps = [bytes(p[UDP].payload) for p in rdpcap(sys.argv[1])
      if UDP in p and p[IP].src == sys.argv[3]]
ok = [d for d in ps if len(d) >= 48 and d[0] == 1 and d[4:8] == kid]
print(len(ok), len(ps))
EOF
read -r nk nall < <("$spy" "$tmp/kid.py" "$tmp/u.pcap" "$tmp/ab.key" 10.81.0.1)
e2e_check "every datagram A -> B is version 1 with ab.key's key id ($nk of $nall)" \
	test "$nall" -ge 5 -a "$nk" = "$nall"

# replay and forgery: one captured datagram A -> B sent again to B's port
# from host A (scapy builds the IP/UDP packet; the payload is the
# captured bytes, unchanged or with one ciphertext byte flipped)
cat >"$tmp/replay.py" <<'EOF'
import sys
from scapy.all import rdpcap, send, IP, UDP, Raw, conf
conf.verb = 0
ps = [p for p in rdpcap(sys.argv[1]) if UDP in p and p[IP].src == "10.81.0.1"]
d = bytearray(bytes(ps[-1][UDP].payload))
if sys.argv[2] == "flip":
    d[40] ^= 0x01       # a byte of the ciphertext (header is 32 bytes)
send(IP(src="10.81.0.1", dst="10.81.0.2") / UDP(sport=7100, dport=7100) / Raw(bytes(d)))
EOF
snap() { echo "$(st b u rx) $(st b o opened) $(st b o replayed) $(st b o forged) $(st b t tx)"; }
read -r urx0 op0 rp0 fg0 ttx0 < <(snap)
A "$spy" "$tmp/replay.py" "$tmp/u.pcap" same
sleep 0.5
read -r urx1 op1 rp1 fg1 ttx1 < <(snap)
e2e_check "the replayed datagram reached B's udp (rx $urx0 -> $urx1)" \
	test "$urx1" = $((urx0 + 1))
e2e_check "unseal counted it replayed ($rp0 -> $rp1), opened nothing ($op0 -> $op1)" \
	test "$rp1" = $((rp0 + 1)) -a "$op1" = "$op0"
e2e_check "and B's TAP got no frame from it (tx $ttx0 -> $ttx1)" test "$ttx1" = "$ttx0"
A "$spy" "$tmp/replay.py" "$tmp/u.pcap" flip
sleep 0.5
read -r urx2 op2 rp2 fg2 ttx2 < <(snap)
e2e_check "the datagram with one byte flipped reached B's udp (rx $urx1 -> $urx2)" \
	test "$urx2" = $((urx1 + 1))
e2e_check "unseal counted it forged ($fg1 -> $fg2), not replayed, opened nothing" \
	test "$fg2" = $((fg1 + 1)) -a "$rp2" = "$rp1" -a "$op2" = "$op1"
e2e_check "and B's TAP got nothing from it (tx $ttx1 -> $ttx2)" test "$ttx2" = "$ttx1"

# live rotation of both keys under ping -i 0.05: receivers first (B's
# unseal takes ab2, A's unseal ba2), then the senders (docs/seal.md)
newkey "$tmp/ab2.key"
newkey "$tmp/ba2.key"
A ping -q -c 100 -i 0.05 -W 2 192.168.81.2 >"$tmp/ping.log" 2>&1 &
ping_pid=$!
sleep 1
e2e_check "B: set o key_file = ab2.key (receiver first)" \
	lb set o key_file="\"$tmp/ab2.key\""
e2e_check "A: set o key_file = ba2.key" la set o key_file="\"$tmp/ba2.key\""
sleep 0.5
e2e_check "A: set s key_file = ab2.key (then the sender)" \
	la set s key_file="\"$tmp/ab2.key\""
e2e_check "B: set s key_file = ba2.key" lb set s key_file="\"$tmp/ba2.key\""
wait "$ping_pid"
prc=$?
ping_pid=
loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$tmp/ping.log")
e2e_check "100 pings -i 0.05 across the rotation: exit $prc, $loss% loss" \
	test "$prc" = 0 -a "$loss" = 0
A tcpdump -i cu1 -nn -U --immediate-mode -w "$tmp/u2.pcap" udp port 7100 \
	>"$tmp/du2.log" 2>&1 &
dump_pid=$!
sleep 1
A ping -q -c 3 -i 0.2 -W 2 192.168.81.2 >/dev/null
sleep 0.5
kill $dump_pid 2>/dev/null; wait $dump_pid 2>/dev/null; dump_pid=
read -r nk nall < <("$spy" "$tmp/kid.py" "$tmp/u2.pcap" "$tmp/ab2.key" 10.81.0.1)
e2e_check "after it A seals with ab2.key ($nk of $nall datagrams with its key id)" \
	test "$nall" -ge 3 -a "$nk" = "$nall"
read -r nk nall < <("$spy" "$tmp/kid.py" "$tmp/u2.pcap" "$tmp/ba2.key" 10.81.0.2)
e2e_check "and B with ba2.key ($nk of $nall)" test "$nall" -ge 3 -a "$nk" = "$nall"
e2e_check "no datagram under an unknown key on either side (A $(st a o unknown_key), B $(st b o unknown_key))" \
	test "$(st a o unknown_key)" = 0 -a "$(st b o unknown_key)" = 0

if [ "$E2E_FAIL" != 0 ]; then
	echo "--- lanad A"; cat "$tmp/a.log"; la stats s; la stats o; la stats u
	echo "--- lanad B"; cat "$tmp/b.log"; lb stats s; lb stats o; lb stats u
	cat "$tmp/ping.log"
fi
e2e_summary
