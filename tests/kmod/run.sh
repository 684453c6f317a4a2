#!/usr/bin/env bash
# tests/kmod/run.sh [FILE[:DEST]...] - test the kernel engine in a VM.
#
# Builds lana.ko (when kmod/ has sources) against the headers of Debian's
# linux-image-amd64 kernel, builds an initramfs running
# tests/kmod/vm-test.sh as /test.sh (with iproute2's ip, lana.ko and the
# FILEs, passed on to scripts/vm/mkinitramfs.sh), boots it in QEMU (TCG)
# with scripts/vm/run.sh and prints the in-VM "ok:"/"FAIL:" lines and
# "N passed, M failed, K skipped".  A VM that panics, oopses, warns or
# times out counts as one more failure.
# Exit status: 0 all passed, 1 a failure, 77 (skip) when the kernel
# image, qemu-system-x86_64 or busybox-static is not installed.
# Environment: LANA_VM_TIMEOUT (seconds, default 300), LANA_VM_WORKDIR
# (kept; default a temporary directory removed when everything passed),
# LANA_VM_KVER (kernel version, see scripts/vm/kver.sh).
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

if ! "$top/scripts/vm/mkinitramfs.sh" --kver "$kver" \
	--test "$top/tests/kmod/vm-test.sh" "$work/vm.cpio.gz" "${files[@]}"; then
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

lines=$(tr -d '\r' <"$work/vm.log" | grep -E '^(ok|FAIL|skip): ' || true)
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
