#!/bin/sh
# tests/kmod/vm-core.sh - in-VM test of the kernel engine core (lana.ko:
# registry, builder, transactions, PPE, genl family "lana"), driven with
# `lanarun --engine kernel`. Run inside the VM by tests/kmod/vm-test.sh
# (or as /test.sh itself); prints "ok: NAME", "FAIL: NAME" or "skip: NAME"
# per check and exits 1 if anything failed.
#
# Needs: lana.ko in /lib/modules/extra (not loaded: this script loads and
# unloads it), lanarun in PATH (the lanarun checks are skipped without
# it), iproute2's ip and the veth module for the traffic checks.
# shellcheck disable=SC2317	# the functions are called through check

KO=${LANA_KO:-/lib/modules/extra/lana.ko}
W=$(mktemp -d /tmp/vm-core.XXXXXX)
failed=0
ok() { echo "ok: core: $*"; }
fail() { echo "FAIL: core: $*"; failed=1; }
skip() { echo "skip: core: $*"; }
check() {	# NAME CMD...: ok when CMD succeeds; its output shows on failure
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name"
		echo "$out" | sed 's/^/    /'
	fi
}
L() { lanarun --engine kernel "$@"; }

if [ ! -f "$KO" ]; then
	skip "lana.ko not built"
	exit 0
fi
grep -q '^lana ' /proc/modules && rmmod lana
check "insmod lana.ko" insmod "$KO"
check "genl family lana registered" grep -q '^lana ' /proc/modules

if ! command -v lanarun >/dev/null; then
	skip "lanarun not in the image: lanarun checks"
	check "rmmod lana (empty graph)" rmmod lana
	exit $failed
fi

# ------------------------------------------------ graphs without devices
cat >"$W/a.lana" <<'EOF'
f :: fwd() -> c :: counter() -> t :: tee(n = 2);
t[0] -> d1 :: drop();
t[1] -> v :: vlan(op = push, vid = 5) -> d2 :: drop();
EOF
# b.lana: c and d1 kept, vlan's vid changed live (SET), d2 replaced by a
# counter + drop, fwd f gone
cat >"$W/b.lana" <<'EOF'
c :: counter() -> t :: tee(n = 2);
t[0] -> d1 :: drop();
t[1] -> v :: vlan(op = push, vid = 7) -> c2 :: counter() -> d3 :: drop();
EOF

check "show: empty graph" sh -c "lanarun --engine kernel show >$W/show0"
check "apply a.lana (fwd, counter, tee, vlan, drop)" L apply "$W/a.lana"
show_has() {	# FILE NAME TYPE: show lists block NAME of TYPE
	L show >"$1" || return 1
	grep -Eq "(^|[[:space:]])$2[[:space:]].*$3|$3[[:space:]].*(^|[[:space:]])$2([[:space:]]|$)" "$1" ||
		{ cat "$1"; return 1; }
}
check "show lists f (fwd)" show_has "$W/s1" f fwd
check "show lists v (vlan)" show_has "$W/s1" v vlan
check "show lists d2 (drop)" show_has "$W/s1" d2 drop
check "show --json" sh -c "lanarun --engine kernel show --json >$W/s1.json && grep -q '\"blocks\"' $W/s1.json"
check "stats c" L stats c
stats_unknown() {
	if lanarun --engine kernel stats nosuch >"$W/e0" 2>&1; then
		cat "$W/e0"
		return 1
	fi
	grep -q "no block named 'nosuch'" "$W/e0" || { cat "$W/e0"; return 1; }
}
check "stats of an unknown block fails" stats_unknown
check "apply a.lana again: no changes" sh -c "lanarun --engine kernel apply $W/a.lana | grep -q 'no changes'"
check "apply b.lana (patch: new, set, delete)" L apply "$W/b.lana"
check "patched: f gone" sh -c "! lanarun --engine kernel show | grep -Eq '(^|[[:space:]])f[[:space:]]'"
check "patched: c2 present" show_has "$W/s2" c2 counter
check "set v vid=9 (live)" L set v vid=9
check "set of a non-live parameter is refused" sh -c "! lanarun --engine kernel set v op=pop"
check "round trip: running plan equals b.lana after set" sh -c \
	"sed 's/vid = 7/vid = 9/' $W/b.lana >$W/b9.lana && lanarun --engine kernel apply -n $W/b9.lana | grep -q 'no changes'"

# ------------------------------------------------ refused transactions
cat >"$W/gen.lana" <<'EOF'
s :: gen(count = 3) -> d :: drop();
EOF
refused() {	# FILE PATTERN: apply fails, the message matches PATTERN
	if lanarun --engine kernel apply "$1" >"$W/out" 2>&1; then
		cat "$W/out"
		return 1
	fi
	grep -q "$2" "$W/out" || { cat "$W/out"; return 1; }
}
# lanarun refuses it already when it knows the engine; a plan file is
# checked by the kernel itself, which names the instruction
check "userspace-only block refused" refused "$W/gen.lana" \
	"not supported by the kernel engine\|does not run in the kernel engine"
if lanarun compile -o "$W/gen.plan" "$W/gen.lana" >/dev/null 2>&1; then
	check "userspace-only block in a plan file refused" refused "$W/gen.plan" \
		"not supported by the kernel engine\|instruction [0-9]* (NEW .*gen).*does not run in the kernel engine"
fi
check "refused transaction changed nothing" show_has "$W/s3" c2 counter
cat >"$W/bad.lana" <<'EOF'
c :: counter() -> t :: tee(n = 2);
t[0] -> d1 :: drop();
t[1] -> v :: vlan(op = push, vid = 9) -> c2 :: counter() -> d3 :: drop();
x :: eth(dev = "nosuch0") -> d4 :: drop();
EOF
if L types eth >/dev/null 2>&1; then
	check "eth on a missing device refused, instruction named" refused \
		"$W/bad.lana" "instruction [0-9]* (NEW .*nosuch0\|instruction [0-9]* (NEW .*eth)"
	check "after the refused eth: graph unchanged" show_has "$W/s4" d3 drop
fi

# a bpf filter with an opcode neither libpcap nor the kernel implements
# (0x8006, a RET with an unknown bit; made on the host by
# tests/mkbadbpf.sh): lanarun refuses the plan file itself, so
# lana-malformed --plan sends it as is for the kernel's own validator
if [ -f /data/bpf-bad.plan ] && command -v lana-malformed >/dev/null; then
	bpf_want="instruction 2 (NEW f): parameter 'filter': filter instruction 2: opcode 0x8006 not allowed"
	bpf_bad_raw() {
		if lana-malformed --plan /data/bpf-bad.plan >"$W/out" 2>&1; then
			cat "$W/out"
			return 1
		fi
		grep -qF "$bpf_want" "$W/out" || { cat "$W/out"; return 1; }
	}
	check "bpf opcode 0x8006 refused by lana.ko, filter instruction named" bpf_bad_raw
	check "bpf opcode 0x8006 refused by lanarun" refused /data/bpf-bad.plan \
		"filter instruction 2: opcode 0x8006 not allowed"
	check "after the refused bpf plan: graph unchanged" show_has "$W/s5" d3 drop
else
	skip "bpf opcode 0x8006 plan (no /data/bpf-bad.plan or lana-malformed)"
fi

check "flush" L flush
check "show after flush: no blocks" sh -c "lanarun --engine kernel show | sed 1d | grep -qx 'no blocks'"

# ------------------------------------------------ traffic (needs eth, veth)
# pktgen sends 20 frames out of lk1; they arrive on lk0 and enter the graph
pg() { echo "$2" >"/proc/net/pktgen/$1" || return 1; }
send20() {
	pg kpktgend_0 "rem_device_all" &&
	pg kpktgend_0 "add_device lk1" &&
	pg lk1 "count 20" &&
	pg lk1 "pkt_size 60" &&
	pg lk1 "delay 0" &&
	pg lk1 "dst 10.97.0.2" &&
	pg lk1 "dst_mac $(cat /sys/class/net/lk0/address)" &&
	pg pgctrl "start" || return 1
	pg kpktgend_0 "rem_device_all"
}
# kst BLOCK KEY: counter KEY of BLOCK (`lanarun stats`); pk BLOCK: packets
kst() { lanarun --engine kernel stats "$1" |
	sed -n "s/^ *$2 \([0-9][0-9]*\)\$/\1/p" | head -n 1; }
pk() { kst "$1" packets; }
traffic() {
	ip link add lk0 type veth peer name lk1 || return 1
	echo 1 >/proc/sys/net/ipv6/conf/lk0/disable_ipv6
	echo 1 >/proc/sys/net/ipv6/conf/lk1/disable_ipv6
	ip link set lk0 up && ip link set lk1 up || return 1
	cat >"$W/t.lana" <<'EOF'
a :: eth(dev = "lk0") -> c :: counter() -> t :: tee(n = 3);
t[0] -> d0 :: drop();
t[1] -> v :: vlan(op = push, vid = 5) -> cv :: counter() -> vf :: bpf(filter = "vlan 9");
vf -> c9 :: counter() -> d1 :: drop();
vf[reject] -> cn :: counter() -> d3 :: drop();
t[2] -> l1 :: fwd() -> l2 :: fwd() -> cl :: counter() -> d2 :: drop();
EOF
	lanarun --engine kernel apply "$W/t.lana" || return 1
	send20 || return 1
	lanarun --engine kernel stats c >"$W/c" || return 1
	lanarun --engine kernel stats cv >"$W/cv" || return 1
	lanarun --engine kernel stats cl >"$W/cl" || return 1
	cat "$W/c" "$W/cv" "$W/cl"
	pc=$(sed -n 's/.*packets[^0-9]*\([0-9][0-9]*\).*/\1/p' "$W/c" | head -n 1)
	pv=$(sed -n 's/.*packets[^0-9]*\([0-9][0-9]*\).*/\1/p' "$W/cv" | head -n 1)
	pl=$(sed -n 's/.*packets[^0-9]*\([0-9][0-9]*\).*/\1/p' "$W/cl" | head -n 1)
	bc=$(sed -n 's/^ *bytes \([0-9][0-9]*\).*/\1/p' "$W/c" | head -n 1)
	bv=$(sed -n 's/^ *bytes \([0-9][0-9]*\).*/\1/p' "$W/cv" | head -n 1)
	bl=$(sed -n 's/^ *bytes \([0-9][0-9]*\).*/\1/p' "$W/cl" | head -n 1)
	echo "counter c=$pc/$bc cv=$pv/$bv cl=$pl/$bl (packets/bytes)"
	# exactly pktgen's 20 frames of 60 bytes (IPv6 is off on lk0/lk1 and
	# they have no address: nothing else is sent); tee copies every frame
	# to each port (the copies via the backlog); vlan push adds 4 bytes
	[ "$pc" = 20 ] && [ "$pv" = 20 ] && [ "$pl" = 20 ] &&
		[ "$bc" = 1200 ] && [ "$bv" = 1280 ] && [ "$bl" = 1200 ] ||
		return 1
	# a live SET of the tag: the first 20 were tagged 5 (rejected by
	# "vlan 9"), the next 20 must be tagged 9
	[ "$(pk c9)" = 0 ] && [ "$(pk cn)" = 20 ] ||
		{ echo "before set: c9=$(pk c9) cn=$(pk cn)"; return 1; }
	lanarun --engine kernel set v vid=9 || return 1
	send20 || return 1
	echo "after set v vid=9: cv=$(pk cv) c9=$(pk c9) cn=$(pk cn) (want 40 20 20)"
	[ "$(pk cv)" = 40 ] && [ "$(pk c9)" = 20 ] && [ "$(pk cn)" = 20 ]
}
# rate, mode = shape, in the kernel: a block timer (an hrtimer) sends the
# queued frames. 20 frames of 60 bytes at 4800 bit/s (600 bytes/s, one
# frame per 100 ms) with a 64-byte burst: one passes at once, the other
# 19 leave over 1.9 s, none is lost.
shaping() {
	cat >"$W/shape.lana" <<'EOF'
a :: eth(dev = "lk0") -> r :: rate(rate = 4800bit, burst = 64B, mode = shape)
  -> cs :: counter() -> drop();
EOF
	lanarun --engine kernel apply "$W/shape.lana" || return 1
	send20 || return 1
	early=$(pk cs)
	q=$(kst r queued)
	sleep 3
	late=$(pk cs)
	echo "shaped: $early frames at once ($q bytes queued), $late after 3 s (want < 20, 20)"
	[ "$early" -ge 1 ] && [ "$early" -lt 20 ] && [ "$q" -gt 0 ] &&
		[ "$late" = 20 ] && [ "$(pk r)" = 20 ] &&
		[ "$(kst r dropped)" = 0 ] && [ "$(kst r queued)" = 0 ]
}
# the switch's Filtering Database in `lanarun stats sw` (issue 10):
# pktgen sends 1000 frames from 02:00:00:00:00:10 + i (src_mac_count: its
# offset runs 0, 1, ..., 999, with carries into the fifth byte) into port
# 0. 02:00:00:00:00:aa (:10 + 154) is static on port 1, so not learned:
# 999 rows on port 0 and that one, every address of the range once (1000
# rows at about 110 bytes: several dumpit calls, each row once).
fdb() {
	cat >"$W/sw.lana" <<'EOF'
a :: eth(dev = "lk0") -> [0]sw :: switch(ports = 2,
	static = ["02:00:00:00:00:aa 1"]);
sw[0] -> drop();
sw[1] -> drop();
EOF
	lanarun --engine kernel apply "$W/sw.lana" || return 1
	pg kpktgend_0 "rem_device_all" &&
	pg kpktgend_0 "add_device lk1" &&
	pg lk1 "count 1000" &&
	pg lk1 "pkt_size 60" &&
	pg lk1 "delay 0" &&
	pg lk1 "dst 10.97.0.2" &&
	pg lk1 "dst_mac $(cat /sys/class/net/lk0/address)" &&
	pg lk1 "src_mac 02:00:00:00:00:10" &&
	pg lk1 "src_mac_count 1000" &&
	pg pgctrl "start" || return 1
	pg kpktgend_0 "rem_device_all"
	lanarun --engine kernel stats sw >"$W/sw" || return 1
	lanarun --engine kernel stats --json sw >"$W/swj" || return 1
	i=0
	while [ $i -lt 1000 ]; do
		printf '02:00:00:00:%02x:%02x\n' $(((16 + i) >> 8)) \
			$(((16 + i) & 255))
		i=$((i + 1))
	done | sort >"$W/want"
	sed -n 's/^    \(02:[0-9a-f:]*\) .*/\1/p' "$W/sw" | sort >"$W/got"
	learned=$(grep -c '^    02:[0-9a-f:]*  *-  *0  *[0-9][0-9]*\.[0-9]$' "$W/sw")
	echo "fdb: $(wc -l <"$W/got") rows, $learned learned on port 0"
	grep -q '^    MAC  *VLAN  *PORT  *AGE$' "$W/sw" &&
		cmp "$W/want" "$W/got" && [ "$learned" = 999 ] &&
		grep -q '^    02:00:00:00:00:aa  *-  *1  *static$' "$W/sw" &&
		[ "$(kst sw entries)" = 1000 ] &&
		grep -q '"table":\[{"mac":"02:' "$W/swj" &&
		grep -q '"truncated":false}$' "$W/swj" ||
		{ head -n 30 "$W/sw"; return 1; }
}
if [ -d /proc/net/pktgen ] && L types eth >/dev/null 2>&1 &&
	ip link add lkx type veth peer name lky 2>/dev/null; then
	ip link del lkx
	check "traffic: frames from a veth through eth, tee, vlan, fwd chain" traffic
	check "traffic: rate shapes with a block timer (hrtimer)" shaping
	check "traffic: lanarun stats sw lists the switch's learned MACs" fdb
	check "unload with a graph loaded" rmmod lana
	check "veth still usable after unload" ip link set lk0 down
	ip link del lk0 2>/dev/null
	check "insmod lana.ko again" insmod "$KO"
else
	skip "traffic (no pktgen, eth block type or veth)"
fi

# ------------------------------------------------ teardown with a graph
check "apply a.lana before unload" L apply "$W/a.lana"
check "rmmod lana with a graph loaded" rmmod lana
check "module gone" sh -c "! grep -q '^lana ' /proc/modules"
check "no kernel warning or leak report" sh -c "! dmesg | grep -Eq 'WARNING:|BUG:|kmemleak|UBSAN|KASAN'"
rm -rf "$W"
exit $failed
