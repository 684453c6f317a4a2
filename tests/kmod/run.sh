#!/usr/bin/env bash
# tests/kmod/run.sh [FILE[:DEST]...] - test the kernel engine in a VM.
#
# Builds lana.ko (when kmod/ has sources) against the headers of Debian's
# linux-image-amd64 kernel, lanarun (scripts/build.sh, or $LANARUN), the
# malformed-message sender tests/kmod/malformed.c, tests/plan-send and the
# graphs of tests/kmod/hops.sh (loop guard, engine drops), the expected
# counters of tests/kmod/parity.sh (computed from its frames, checked
# against the userspace engine on the host), builds
# an initramfs running tests/kmod/vm-test.sh as /test.sh (with iproute2's
# ip, ethtool, lana.ko, lanarun, the examples, tests/kmod/vm-core.sh and the
# FILEs, passed on to scripts/vm/mkinitramfs.sh), boots it in QEMU (TCG)
# with scripts/vm/run.sh and prints the in-VM "ok:"/"FAIL:" lines and
# "N passed, M failed, K skipped".  A VM that panics, oopses, warns or
# times out counts as one more failure.
# Exit status: 0 all passed, 1 a failure, 77 (skip) when the kernel
# image, qemu-system-x86_64 or busybox-static is not installed.
# Environment: LANA_VM_TIMEOUT (seconds, default 300), LANA_VM_WORKDIR
# (kept; default a temporary directory removed when everything passed),
# LANA_VM_KVER (kernel version, see scripts/vm/kver.sh), LANARUN (a built
# lanarun to use), LANA_BUILD_DIR (where scripts/build.sh builds it,
# default build/), LANA_VM_BENCH=1 (run bench/kmod/vm-bench.sh instead of
# the test; its report lines are printed).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

skip() { echo "kmod: SKIP: $*"; exit 77; }
kver=$("$top/scripts/vm/kver.sh") ||
	skip "no Debian kernel image (apt-get install linux-image-amd64)"
[ -r "/boot/vmlinuz-$kver" ] || skip "/boot/vmlinuz-$kver not readable"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
command -v busybox >/dev/null ||
	skip "busybox missing (apt-get install busybox-static)"

if [ -n "${LANA_VM_WORKDIR:-}" ]; then
	work=$LANA_VM_WORKDIR
	keep=1
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/lana-kmod.XXXXXX")
	keep=0
fi

passed=0
failed=0
skipped=0
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	if [ $failed -ne 0 ] || [ $keep -eq 1 ]; then
		echo "kmod: logs in $work"
	else
		rm -rf "$work"
	fi
	[ $failed -eq 0 ]
}

files=("$@")
ip=$(command -v ip || true)
if [ -n "$ip" ] && "$ip" -V 2>&1 | grep -q iproute2; then
	files+=("$ip:/usr/local/bin/ip")
else
	echo "kmod: iproute2's ip not found; the VM gets busybox ip only"
fi
# ethtool -k shows the offloads the devices keep (the default-offload test)
ethtool=$(command -v ethtool || true)
if [ -n "$ethtool" ]; then
	files+=("$ethtool:/usr/local/bin/ethtool")
else
	echo "kmod: ethtool not found; the VM cannot show device offloads"
fi

# lanarun (and the test helpers) for the VM, built on the host: $LANARUN
# if set, else scripts/build.sh in $LANA_BUILD_DIR (default build/).
# The in-VM tests skip their lanarun steps when it cannot be built.
bdir=${LANA_BUILD_DIR:-$top/build}
lanarun=${LANARUN:-}
if [ -z "$lanarun" ]; then
	echo "kmod: building lanarun (scripts/build.sh $bdir)"
	if "$top/scripts/build.sh" "$bdir" >"$work/lanarun-build.log" 2>&1; then
		lanarun=$bdir/lanarun
	else
		tail -n 20 "$work/lanarun-build.log"
		echo "FAIL: build lanarun"
		failed=$((failed + 1))
	fi
fi
if [ -n "$lanarun" ]; then
	files+=("$lanarun:/usr/local/bin/lanarun"
		"$top/examples/bridge.lana:/data/bridge.lana"
		"$top/examples/bridge_filtered.lana:/data/bridge_filtered.lana")
	[ -f "$top/tests/kmod/vm-core.sh" ] &&
		files+=("$top/tests/kmod/vm-core.sh:/usr/local/bin/vm-core.sh")
	files+=("$top/tests/kmod/vm-vxlan.sh:/usr/local/bin/vm-vxlan.sh")
	# a plan with a bpf opcode no engine implements, for vm-core.sh
	printf '%s\n' 'c :: counter() -> f :: bpf(filter = "len > 0") -> d :: drop();' \
		>"$work/bpf-bad.lana"
	if "$top/tests/mkbadbpf.sh" "$lanarun" "$work/bpf-bad.lana" \
		"$work/bpf-bad.plan" >"$work/mkbadbpf.log" 2>&1; then
		files+=("$work/bpf-bad.plan:/data/bpf-bad.plan")
	else
		tail -n 20 "$work/mkbadbpf.log"
		echo "FAIL: tests/mkbadbpf.sh"
		failed=$((failed + 1))
	fi
	# engine parity: expected counters computed from the frames; the
	# userspace engine must give them (else a FAIL here), and the kernel
	# is checked in the VM against them and the userspace run even then
	# (a bug of a block both engines share fails in both)
	if ! "$top/tests/kmod/parity.sh" --host "$lanarun" "$work/parity" \
		>"$work/parity-host.log" 2>&1; then
		tail -n 20 "$work/parity-host.log"
		echo "FAIL: parity: userspace engine on the host"
		failed=$((failed + 1))
	fi
	if [ -f "$work/parity/parity.expected" ] &&
	   [ -f "$work/parity/parity.user" ]; then
		files+=("$top/tests/kmod/parity.sh:/usr/local/bin/parity.sh")
		for f in "$work"/parity/*; do
			files+=("$f:/data/$(basename "$f")")
		done
	fi
	# loop guard and engine drops: long chains, a raw plan with a cycle
	# (tests/kmod/hops.sh), sent as is by tests/plan-send
	if make -C "$bdir" tests/plan-send >"$work/plan-send-build.log" 2>&1 &&
		"$top/tests/kmod/hops.sh" --host "$lanarun" "$top/tests/mkcycle.sh" \
			"$work/hops" >"$work/hops-host.log" 2>&1; then
		files+=("$top/tests/kmod/hops.sh:/usr/local/bin/hops.sh"
			"$bdir/tests/plan-send:/usr/local/bin/lana-plan-send")
		for f in "$work"/hops/*; do
			files+=("$f:/data/$(basename "$f")")
		done
	else
		tail -n 20 "$work/plan-send-build.log" "$work/hops-host.log"
		echo "FAIL: hops: plan-send build or graphs made on the host"
		failed=$((failed + 1))
	fi
fi
# malformed-message sender (libnl); the flags are split on purpose
# shellcheck disable=SC2046
if cc -O2 -Wall -Wextra -Werror -o "$work/lana-malformed" \
	"$top/tests/kmod/malformed.c" -I"$top" \
	$(pkg-config --cflags --libs libnl-genl-3.0 2>/dev/null ||
	  echo "-I/usr/include/libnl3 -lnl-genl-3 -lnl-3") \
	>"$work/malformed-build.log" 2>&1; then
	files+=("$work/lana-malformed:/usr/local/bin/lana-malformed")
else
	tail -n 20 "$work/malformed-build.log"
	echo "FAIL: build tests/kmod/malformed.c"
	failed=$((failed + 1))
fi
# tcpdump decodes the underlay of the vxlan test (tests/kmod/vm-vxlan.sh)
tcpdump=$(command -v tcpdump || true)
if [ -n "$tcpdump" ]; then
	files+=("$tcpdump:/usr/local/bin/tcpdump")
else
	echo "kmod: tcpdump not found; the VM's vxlan test is skipped"
fi
# AF_PACKET pcap replayer (libpcap) for parity.sh and the benchmark
if cc -O2 -Wall -Wextra -Werror -o "$work/lana-pcap-send" \
	"$top/tests/kmod/pcap-send.c" -lpcap >"$work/pcap-send-build.log" 2>&1; then
	files+=("$work/lana-pcap-send:/usr/local/bin/lana-pcap-send")
else
	tail -n 20 "$work/pcap-send-build.log"
	echo "FAIL: build tests/kmod/pcap-send.c"
	failed=$((failed + 1))
fi
# the kernel benchmark (bench/kmod/run.sh) runs instead of the test with
# LANA_VM_BENCH=1
test_script=$top/tests/kmod/vm-test.sh
if [ "${LANA_VM_BENCH:-0}" = 1 ]; then
	test_script=$top/bench/kmod/vm-bench.sh
fi

if compgen -G "$top/kmod/*.c" >/dev/null; then
	echo "kmod: building lana.ko for $kver"
	if make -C "$top/kmod" KVER="$kver" BUILD="$work/kmod" \
		>"$work/kmod-build.log" 2>&1; then
		echo "ok: build lana.ko"
		passed=$((passed + 1))
		files+=("$work/kmod/lana.ko")
	else
		tail -n 40 "$work/kmod-build.log"
		echo "FAIL: build lana.ko"
		failed=$((failed + 1))
		summary || exit 1
	fi
else
	echo "kmod: no sources in kmod/, testing the VM only"
fi

# vxlan: the Linux peer of tests/kmod/vm-vxlan.sh
if ! "$top/scripts/vm/mkinitramfs.sh" --kver "$kver" --module vxlan \
	--test "$test_script" "$work/vm.cpio.gz" "${files[@]}"; then
	echo "FAIL: build the initramfs"
	failed=$((failed + 1))
	summary || exit 1
fi
echo "kmod: booting $kver in qemu (TCG)"
set +e
"$top/scripts/vm/run.sh" --kernel "/boot/vmlinuz-$kver" \
	--timeout "${LANA_VM_TIMEOUT:-300}" --log "$work/vm.log" "$work/vm.cpio.gz"
vmrc=$?
set -e

lines=$(tr -d '\r' <"$work/vm.log" | grep -E '^(ok|FAIL|skip|bench): ' || true)
[ -z "$lines" ] || echo "$lines"
p=$(grep -c '^ok: ' <<<"$lines" || true)
f=$(grep -c '^FAIL: ' <<<"$lines" || true)
s=$(grep -c '^skip: ' <<<"$lines" || true)
passed=$((passed + p))
failed=$((failed + f))
skipped=$((skipped + s))
if [ $vmrc -ne 0 ] && [ "$f" -eq 0 ]; then
	echo "FAIL: VM run (scripts/vm/run.sh exit $vmrc)"
	failed=$((failed + 1))
elif [ $vmrc -eq 0 ] && [ "$p" -eq 0 ]; then
	echo "FAIL: VM test printed no result"
	failed=$((failed + 1))
fi
summary || exit 1
