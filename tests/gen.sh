#!/usr/bin/env bash
# tests/gen.sh - gen's address ranges and IPv4/UDP frames (issue 10),
# checked by tcpdump, not by LANA: `lanarun run` writes 6 frames to a
# pcap file; tcpdump -vv decodes them and verifies the IPv4 header and
# UDP checksums ("[udp sum ok]"; a bad IPv4 header sum prints "bad
# cksum"). The expected addresses are worked out by hand: frame i comes
# from src + i mod 3 and goes to dst + i mod 2 and ip_dst + i mod 3, with
# the carries (..:fe, ..:ff, ..:01:00; .254, .255, 10.2.1.0). Then the
# plain frames: EtherType 0x88b5, the sequence number after the header.
# Env: LANARUN, top_srcdir.
set -uo pipefail
L=${LANARUN:-./lanarun}
command -v tcpdump >/dev/null || { echo "FAIL: tcpdump is needed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cat >"$tmp/g.lana" <<EOF2
g :: gen(count = 6, size = 100B, src = 02:00:00:00:00:fe, src_count = 3,
	 dst = 02:00:00:00:01:00, dst_count = 2, ip_src = 10.1.0.1,
	 ip_dst = 10.2.0.254, ip_count = 3, udp_sport = 1234, udp_dport = 5678);
g -> pcap_out(file = "$tmp/g.pcap");
EOF2
"$L" run "$tmp/g.lana" >"$tmp/run.out" 2>&1 || { echo "FAIL: lanarun run: $(cat "$tmp/run.out")"; exit 1; }
tcpdump -r "$tmp/g.pcap" -nn -vv -e 2>/dev/null | paste - - >"$tmp/dump"
[ "$(wc -l <"$tmp/dump")" = 6 ] && ok "6 frames written" || bad "$(wc -l <"$tmp/dump") frames: $(cat "$tmp/dump")"
[ "$(grep -c '\[udp sum ok\]' "$tmp/dump")" = 6 ] && ok "tcpdump: 6 UDP checksums ok" ||
	bad "UDP checksums: $(cat "$tmp/dump")"
grep -q "bad cksum" "$tmp/dump" && bad "an IPv4 header checksum is bad" || ok "no bad IPv4 header checksum"
srcs="02:00:00:00:00:fe 02:00:00:00:00:ff 02:00:00:00:01:00"
dsts="02:00:00:00:01:00 02:00:00:00:01:01"
ips="10.2.0.254 10.2.0.255 10.2.1.0"
i=0
while read -r line; do
	s=$(echo "$srcs" | cut -d' ' -f$((i % 3 + 1)))
	d=$(echo "$dsts" | cut -d' ' -f$((i % 2 + 1)))
	a=$(echo "$ips" | cut -d' ' -f$((i % 3 + 1)))
	case $line in
	*"$s > $d, ethertype IPv4 (0x0800), length 100:"*"ttl 64"*"proto UDP (17), length 86)"*"10.1.0.1.1234 > $a.5678: [udp sum ok] UDP, length 58"*)
		ok "frame $i: $s > $d, 10.1.0.1.1234 > $a.5678" ;;
	*) bad "frame $i: want $s > $d, 10.1.0.1.1234 > $a.5678: $line" ;;
	esac
	i=$((i + 1))
done <"$tmp/dump"

# plain frames: the sequence number is the first 8 payload bytes
cat >"$tmp/p.lana" <<EOF2
g :: gen(count = 3, dst_count = 300, dst = 02:00:00:00:00:00);
g -> pcap_out(file = "$tmp/p.pcap");
EOF2
"$L" run "$tmp/p.lana" >/dev/null 2>&1 || bad "lanarun run p.lana"
tcpdump -r "$tmp/p.pcap" -nn -e -xx 2>/dev/null >"$tmp/pdump"
for i in 0 1 2; do
	grep -q "> 02:00:00:00:00:0$i, ethertype Unknown (0x88b5)" "$tmp/pdump" &&
		ok "plain frame $i to 02:00:00:00:00:0$i" || bad "plain frame $i: $(cat "$tmp/pdump")"
done
# frame 2's bytes 14..21: 0000 0000 0000 0002 (tcpdump -xx rows of 16)
tail -n 5 "$tmp/pdump" | grep -q "0x0000: .* 88b5 0000$" &&
	tail -n 5 "$tmp/pdump" | grep -q "0x0010:  0000 0000 0002 0000" &&
	ok "frame 2 carries sequence number 2" || bad "sequence: $(tail -n 5 "$tmp/pdump")"

cat >"$tmp/bad.lana" <<EOF2
g :: gen(count = 1, ip_src = 10.0.0.1) -> drop();
EOF2
"$L" run "$tmp/bad.lana" >"$tmp/bad.out" 2>&1
grep -q "ip_src and ip_dst go together" "$tmp/bad.out" && ok "ip_src without ip_dst refused" ||
	bad "ip_src alone: $(cat "$tmp/bad.out")"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
