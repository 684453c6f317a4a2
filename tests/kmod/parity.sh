#!/bin/sh
# tests/kmod/parity.sh - engine parity: the same graph fed the same frames
# gives the per-block counters computed by hand from the frames and the
# graph, on the userspace engine and on lana.ko; and both engines agree.
#
#   parity.sh --host LANARUN OUTDIR   (on the host, by tests/kmod/run.sh)
#       writes OUTDIR/parity.pcap (a fixed sequence of frames: ARP, IPv4
#       UDP and ICMP, IPv6 UDP, 802.1Q-tagged IPv4), the graph twice
#       (parity-user.lana with pcap_in as the source, parity-kernel.lana
#       with eth(dev = "par0")), the counters of every block but the
#       source computed from the frames (expected() below: no engine runs)
#       to OUTDIR/parity.expected; then runs the user graph with `lanarun
#       run`, writes its counters to OUTDIR/parity.user and fails if they
#       are not the expected ones.
#   parity.sh DIR                     (in the VM, by tests/kmod/vm-test.sh)
#       loads lana.ko, applies DIR/parity-kernel.lana, sends the frames of
#       DIR/parity.pcap into the veth peer of par0 with lana-pcap-send
#       (tests/kmod/pcap-send.c) and compares `lanarun --engine kernel show
#       --json` with DIR/parity.expected (hand computed) and, as a second
#       check, with DIR/parity.user (the userspace engine's run).
# Prints ok:/FAIL: lines; exit 1 on a failure.
#
# The graph is the thesis's appendix C example (examples/arp_ip_split.lana)
# with a third, VLAN branch: nic -> tee(4) -> bpf(ip|arp|vlan) -> counter
# -> drop. The VLAN frame also checks that the kernel's eth block hands
# the graph the frame as it was on the wire (tag re-inserted). A fourth
# branch rewrites both MAC addresses (ether) and checks the frames it
# puts out with a bpf that matches only the new pair of addresses: every
# frame must leave ether rewritten (none is shorter than 14 bytes). A
# fifth polices the frames with rate (a 600-byte bucket that does not
# refill in time): the frames that pass follow from their sizes. A sixth
# classifies them (classify: the first matching of three filters), a
# seventh switches them (switch: all from one source, to be flooded),
# an eighth switches them in VLAN mode into a trunk port (switch(vlans =
# true): only the tagged frame is of the trunk's VLAN; it floods to an
# access port, untagged, and a trunk, tagged as it came).

LOOPS=5			# passes over the file
FRAMES_PER_PASS=8
EW_SRC=02:00:00:00:00:c3	# the addresses the ether branch writes
EW_DST=02:00:00:00:00:d4
# the police branch: a bucket of RT_BURST bytes that refills at 1 bit/s
# (under 1 byte in the 8 s a run may take), so which frames pass follows
# from their sizes alone
RT_BURST=600

graph() {	# SOURCE: the parity graph with that source block
	cat <<EOF
// parity graph (tests/kmod/parity.sh): generated, do not edit
nic :: $1;
t :: tee(n = 8);
nic -> t;
t[0] -> ip :: bpf(filter = "ip") -> cip :: counter() -> drop();
t[1] -> arp :: bpf(filter = "arp") -> carp :: counter() -> drop();
t[2] -> vl :: bpf(filter = "vlan") -> cvl :: counter() -> drop();
t[3] -> ew :: ether(src = $EW_SRC, dst = $EW_DST)
  -> ewm :: bpf(filter = "ether src $EW_SRC and ether dst $EW_DST")
  -> cew :: counter() -> drop();
t[4] -> rt :: rate(rate = 1bit, burst = $RT_BURST) -> crt :: counter() -> drop();
t[5] -> k :: classify(filters = ["arp", "ip and icmp", "ip"]);
k[0] -> ck0 :: counter() -> drop();
k[1] -> ck1 :: counter() -> drop();
k[2] -> ck2 :: counter() -> drop();
k[other] -> cko :: counter() -> drop();
t[6] -> [0]sw :: switch(ports = 3);
sw[0] -> cs0 :: counter() -> drop();
sw[1] -> cs1 :: counter() -> drop();
sw[2] -> cs2 :: counter() -> drop();
t[7] -> [2]sv :: switch(ports = 3, vlans = true,
  port_vlans = ["access 100", "trunk 20,100", "trunk 100"]);
sv[0] -> cv0 :: counter() -> drop();
sv[1] -> cv1 :: counter() -> drop();
sv[2] -> cv2 :: counter() -> drop();
EOF
}

# normalize JSON: one line "NAME packets=P bytes=B drops=D stats={...}" per
# block object ({"idp":..,"name":..,"packets":..,...,"stats":{..}}, the
# format of `lanarun run --format json` and `lanarun show --json`), sorted,
# without the source block "nic"
normalize() {
	awk '{ s = s $0 }
	function num(p, k) {
		if (match(p, "\"" k "\":[0-9]+"))
			return substr(p, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		return "?"
	}
	END {
		n = split(s, parts, /\{"idp":/)
		for (i = 2; i <= n; i++) {
			p = parts[i]
			if (!match(p, /"name":"[^"]*"/))
				continue
			name = substr(p, RSTART + 8, RLENGTH - 9)
			if (name == "nic")
				continue
			st = "{}"
			if (match(p, /"stats":\{[^}]*\}/))
				st = substr(p, RSTART + 8, RLENGTH - 8)
			printf "%s packets=%s bytes=%s drops=%s stats=%s\n", name,
			       num(p, "packets"), num(p, "bytes"), num(p, "drops"), st
		}
	}' | sort
}

# ------------------------------------------------------------ host side

hex2bin() {	# HEX...: write the bytes
	for h in "$@"; do
		while [ -n "$h" ]; do
			b=${h%"${h#??}"}
			h=${h#??}
			# shellcheck disable=SC2059
			printf "\\$(printf %03o "0x$b")"
		done
	done
}

le32() {	# N: 4 bytes little endian, as hex
	printf '%02x%02x%02x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

pad() {	# N: N zero bytes as hex
	i=0
	while [ $i -lt "$1" ]; do printf 00; i=$((i + 1)); done
}

A=0200000000a1
B=0200000000b2
IP_UDP="45 00 002e 0001 4000 40 11 0000 0a420001 0a420002 04d2 0035 001a 0000 $(pad 18)"
F_ARP="ffffffffffff $A 0806 0001 0800 06 04 0001 $A 0a420001 000000000000 0a420002 $(pad 18)"
F_UDP="$B $A 0800 $IP_UDP"
F_ICMP="$B $A 0800 45 00 0036 0002 4000 40 01 0000 0a420001 0a420002 08 00 0000 1234 0001 $(pad 26)"
F_IP6="$B $A 86dd 60000000 0012 11 40 fe800000000000000000000000000001 fe800000000000000000000000000002 04d2 0035 0012 0000 $(pad 10)"
F_VLAN="$B $A 8100 0064 0800 $IP_UDP"

# The frames of one pass, in order, each with the filter of the graph it
# matches by its EtherType at offset 12 (pcap-filter(7): "ip" is 0x0800,
# "arp" 0x0806, "vlan" an 802.1Q tag, 0x8100; IPv6, 0x86dd, matches none).
FRAMES="arp:F_ARP ip:F_UDP ip:F_ICMP none:F_IP6 vlan:F_VLAN ip:F_UDP ip:F_ICMP arp:F_ARP"

flen() {	# VAR: length in bytes of frame $VAR
	eval "h=\$$1"
	h=$(echo "$h" | tr -d ' ')
	echo $((${#h} / 2))
}

# expected: the counters of every block but the source after LOOPS passes,
# in normalize()'s format, derived from FRAMES and the graph alone:
# t (tee) gets every frame once and sends it on 4 ports; each bpf gets
# every frame, passes its matches to its counter and its drop, and drops
# the rest itself (reject unconnected, docs/blocks.md); counter and drop
# see the matches. ether (ew) rewrites every frame (all are longer than
# 14 bytes), so its bpf (ewm), matching the new addresses only, passes
# them all to cew and drop3. The named counters are the types'
# (docs/blocks.md).
expected() {
	n=0 b=0
	for f in ip arp vlan; do eval "n_$f=0 b_$f=0"; done
	for fr in $FRAMES; do
		cls=${fr%%:*}
		len=$(flen "${fr#*:}")
		n=$((n + LOOPS)) b=$((b + LOOPS * len))
		case $cls in
		ip|arp|vlan)
			eval "n_$cls=\$((n_$cls + LOOPS)) b_$cls=\$((b_$cls + LOOPS * len))" ;;
		esac
	done
	echo "t packets=$n bytes=$b drops=0 stats={\"nomem\":0}"
	# branch: bpf name, filter class, counter name, drop name
	for br in ip:ip:cip:drop0 arp:arp:carp:drop1 vl:vlan:cvl:drop2; do
		IFS=: read -r bp cls cn dn <<EOF2
$br
EOF2
		eval "m=\$n_$cls mb=\$b_$cls"
		echo "$bp packets=$n bytes=$b drops=$((n - m)) stats={\"matched\":$m,\"rejected\":$((n - m))}"
		echo "$cn packets=$m bytes=$mb drops=0 stats={\"packets\":$m,\"bytes\":$mb}"
		echo "$dn packets=$m bytes=$mb drops=$m stats={}"
	done
	echo "ew packets=$n bytes=$b drops=0 stats={\"rewritten\":$n,\"dropped\":0}"
	echo "ewm packets=$n bytes=$b drops=0 stats={\"matched\":$n,\"rejected\":0}"
	echo "cew packets=$n bytes=$b drops=0 stats={\"packets\":$n,\"bytes\":$b}"
	echo "drop3 packets=$n bytes=$b drops=$n stats={}"
	# rate, police: in arrival order, a frame passes when the bucket
	# (RT_BURST bytes at first) still holds its size, which it then costs
	tok=$RT_BURST rp=0 rb=0 loop=0
	while [ $loop -lt $LOOPS ]; do
		for fr in $FRAMES; do
			len=$(flen "${fr#*:}")
			if [ "$len" -le "$tok" ]; then
				tok=$((tok - len)) rp=$((rp + 1)) rb=$((rb + len))
			fi
		done
		loop=$((loop + 1))
	done
	echo "rt packets=$n bytes=$b drops=$((n - rp)) stats={\"passed\":$rp,\"dropped\":$((n - rp)),\"queued\":0}"
	echo "crt packets=$rp bytes=$rb drops=0 stats={\"packets\":$rp,\"bytes\":$rb}"
	echo "drop4 packets=$rp bytes=$rb drops=$rp stats={}"
	# classify: the first of "arp", "ip and icmp", "ip" that matches; the
	# IPv6 and the tagged frame match none (other)
	for k in 0 1 2 o; do eval "kn_$k=0 kb_$k=0"; done
	for fr in $FRAMES; do
		len=$(flen "${fr#*:}")
		case ${fr#*:} in
		F_ARP) k=0 ;;
		F_ICMP) k=1 ;;
		F_UDP) k=2 ;;
		*) k=o ;;
		esac
		eval "kn_$k=\$((kn_$k + LOOPS)) kb_$k=\$((kb_$k + LOOPS * len))"
	done
	echo "k packets=$n bytes=$b drops=0 stats={\"out0\":$kn_0,\"out1\":$kn_1,\"out2\":$kn_2,\"other\":$kn_o}"
	d=5
	for k in 0 1 2 o; do
		eval "kn=\$kn_$k kb=\$kb_$k"
		echo "ck$k packets=$kn bytes=$kb drops=0 stats={\"packets\":$kn,\"bytes\":$kb}"
		echo "drop$d packets=$kn bytes=$kb drops=$kn stats={}"
		d=$((d + 1))
	done
	# switch: every frame comes from A into port 0 and is to B (never
	# seen as a source) or broadcast: A is learned, each frame floods to
	# ports 1 and 2 (one the frame, one a copy), none to port 0
	z=0
	echo "sw packets=$n bytes=$b drops=0 stats={\"entries\":1,\"table_full\":0,\"rx0\":$n,\"rx1\":$z,\"rx2\":$z,\"tx0\":$z,\"tx1\":$n,\"tx2\":$n,\"flooded0\":$n,\"flooded1\":$z,\"flooded2\":$z,\"dropped0\":$z,\"dropped1\":$z,\"dropped2\":$z,\"vlan_dropped\":$z}"
	echo "cs0 packets=0 bytes=0 drops=0 stats={\"packets\":0,\"bytes\":0}"
	echo "drop9 packets=0 bytes=0 drops=0 stats={}"
	for p in 1 2; do
		echo "cs$p packets=$n bytes=$b drops=0 stats={\"packets\":$n,\"bytes\":$b}"
		echo "drop$((9 + p)) packets=$n bytes=$b drops=$n stats={}"
	done
	# switch, VLAN mode: every frame enters trunk port 2 (VLAN 100);
	# only F_VLAN (TCI 0x0064: VID 100) is accepted, the untagged rest is
	# vlan_dropped. From A to B, unknown in VLAN 100: A learned, the frame
	# floods to VLAN 100's other ports, 0 (access: untagged, 4 bytes
	# shorter) and 1 (trunk: the tag as it came)
	vn=0
	for fr in $FRAMES; do
		[ "${fr#*:}" = F_VLAN ] && vn=$((vn + LOOPS))
	done
	vl=$(flen F_VLAN)
	vd=$((n - vn))
	echo "sv packets=$n bytes=$b drops=$vd stats={\"entries\":1,\"table_full\":0,\"rx0\":$z,\"rx1\":$z,\"rx2\":$n,\"tx0\":$vn,\"tx1\":$vn,\"tx2\":$z,\"flooded0\":$z,\"flooded1\":$z,\"flooded2\":$vn,\"dropped0\":$z,\"dropped1\":$z,\"dropped2\":$vd,\"vlan_dropped\":$vd}"
	echo "cv0 packets=$vn bytes=$((vn * (vl - 4))) drops=0 stats={\"packets\":$vn,\"bytes\":$((vn * (vl - 4)))}"
	echo "drop12 packets=$vn bytes=$((vn * (vl - 4))) drops=$vn stats={}"
	echo "cv1 packets=$vn bytes=$((vn * vl)) drops=0 stats={\"packets\":$vn,\"bytes\":$((vn * vl))}"
	echo "drop13 packets=$vn bytes=$((vn * vl)) drops=$vn stats={}"
	echo "cv2 packets=0 bytes=0 drops=0 stats={\"packets\":0,\"bytes\":0}"
	echo "drop14 packets=0 bytes=0 drops=0 stats={}"
}

record() {	# SEC HEX...: one pcap record
	sec=$1
	shift
	frame=$(echo "$@" | tr -d ' ')
	len=$((${#frame} / 2))
	hex2bin "$(le32 "$sec")" "$(le32 0)" "$(le32 $len)" "$(le32 $len)" "$frame"
}

write_pcap() {	# FILE: pcap (libpcap savefile, LINKTYPE_ETHERNET)
	{
		hex2bin d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
		sec=1
		for fr in $FRAMES; do
			eval "record $sec \"\$${fr#*:}\""
			sec=$((sec + 1))
		done
	} >"$1"
}

host() {	# LANARUN OUTDIR
	lanarun=$1
	out=$2
	mkdir -p "$out" || exit 1
	write_pcap "$out/parity.pcap" || exit 1
	graph "pcap_in(file = \"$out/parity.pcap\", loop = $LOOPS)" \
		>"$out/parity-user.lana"
	graph 'eth(dev = "par0")' >"$out/parity-kernel.lana"
	"$lanarun" lint "$out/parity-kernel.lana" || exit 1
	expected | sort >"$out/parity.expected"
	# the hand computation covers every frame of the file
	[ "$(echo $FRAMES | wc -w)" -eq "$FRAMES_PER_PASS" ] || exit 1
	grep -q "^t packets=$((LOOPS * FRAMES_PER_PASS)) " \
		"$out/parity.expected" || exit 1
	"$lanarun" run --format json "$out/parity-user.lana" >"$out/user.json" ||
		exit 1
	normalize <"$out/user.json" >"$out/parity.user"
	rm -f "$out/user.json" "$out/parity-user.lana"
	cat "$out/parity.expected"
	# parity.user is kept even when it differs: the VM still checks lana.ko
	if ! cmp -s "$out/parity.expected" "$out/parity.user"; then
		echo "parity: the userspace engine's counters are not the expected ones:" >&2
		diff "$out/parity.expected" "$out/parity.user" >&2
		exit 1
	fi
}

if [ "${1:-}" = --host ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --host LANARUN OUTDIR" >&2; exit 2; }
	host "$2" "$3"
	exit 0
fi

# ------------------------------------------------------------ VM side

dir=${1:-/data}
failed=0
ok() { echo "ok: parity: $*"; }
fail() { echo "FAIL: parity: $*"; failed=1; }

for f in parity.pcap parity-kernel.lana parity.expected parity.user; do
	[ -f "$dir/$f" ] || { fail "$dir/$f missing"; exit 1; }
done
loaded=0
if [ ! -d /sys/module/lana ]; then
	insmod /lib/modules/extra/lana.ko || { fail "insmod lana.ko"; exit 1; }
	loaded=1
fi
ip link add par0 type veth peer name par1 || { fail "veth par0/par1"; exit 1; }
for d in par0 par1; do
	echo 1 >"/proc/sys/net/ipv6/conf/$d/disable_ipv6"
	ip link set "$d" up
done

if lanarun --engine kernel apply "$dir/parity-kernel.lana" >/tmp/parity.apply 2>&1; then
	ok "apply the parity graph"
else
	sed 's/^/    /' /tmp/parity.apply
	fail "apply the parity graph"
fi
if lana-pcap-send "$dir/parity.pcap" par1 $LOOPS >/tmp/parity.send 2>&1; then
	ok "frames into par1: $(cat /tmp/parity.send)"
else
	sed 's/^/    /' /tmp/parity.send
	fail "send the frames"
fi
sleep 1
lanarun --engine kernel show --json | normalize >/tmp/parity.kernel
if cmp -s "$dir/parity.expected" /tmp/parity.kernel; then
	ok "per-block counters are the hand-computed ones ($(wc -l </tmp/parity.kernel) blocks, $(sed -n 's/^t packets=\([0-9]*\) .*/\1/p' /tmp/parity.kernel) frames)"
else
	fail "per-block counters differ (expected: computed from the frames, got: kernel)"
	diff "$dir/parity.expected" /tmp/parity.kernel | sed 's/^/    /'
fi
if cmp -s "$dir/parity.user" /tmp/parity.kernel; then
	ok "per-block counters equal the userspace engine's"
else
	fail "per-block counters differ (expected: userspace engine, got: kernel)"
	diff "$dir/parity.user" /tmp/parity.kernel | sed 's/^/    /'
fi
# ether's live parameters in lana.ko: a group address as src is refused
# by its live op (the transaction fails, the message reaches lanarun), an
# individual one is taken, and the running plan then holds it
if lanarun --engine kernel set ew src=01:00:5e:00:00:01 >/tmp/parity.set 2>&1; then
	fail "set ew src=01:00:5e:00:00:01 (a group address) was accepted"
elif grep -q "group" /tmp/parity.set; then
	ok "set ew src=01:00:5e:00:00:01 refused: $(tail -n 1 /tmp/parity.set)"
else
	fail "set ew src=01:00:5e:00:00:01 refused without the reason"
	sed 's/^/    /' /tmp/parity.set
fi
sed "s/src = $EW_SRC/src = 02:00:00:00:00:e5/" "$dir/parity-kernel.lana" \
	>/tmp/parity-e5.lana
if lanarun --engine kernel set ew src=02:00:00:00:00:e5 >/tmp/parity.set 2>&1 &&
   grep -q 'src = 02:00:00:00:00:e5' /tmp/parity-e5.lana &&
   lanarun --engine kernel apply -n /tmp/parity-e5.lana 2>&1 |
	tee -a /tmp/parity.set | grep -q 'no changes'; then
	ok "set ew src=02:00:00:00:00:e5 (live) in the running plan"
else
	fail "set ew src=02:00:00:00:00:e5"
	sed 's/^/    /' /tmp/parity.set
fi
lanarun --engine kernel flush >/dev/null 2>&1
ip link del par0
[ $loaded -eq 0 ] || rmmod lana || fail "rmmod lana"
exit $failed
