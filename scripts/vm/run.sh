#!/usr/bin/env bash
# scripts/vm/run.sh - boot an initramfs from mkinitramfs.sh in QEMU and
# report the exit code of its /test.sh.
#
# usage: run.sh [--kernel VMLINUZ] [--timeout SECS] [--log FILE] [-v] INITRAMFS
#   --kernel   kernel image (default /boot/vmlinuz-<scripts/vm/kver.sh>)
#   --timeout  seconds before qemu is killed (default 300)
#   --log      serial console log (default INITRAMFS with .log for .cpio.gz)
#   -v         also copy the console to stdout while it runs
#
# Boots qemu-system-x86_64 -accel tcg (no KVM needed) with 1 GiB, 2 CPUs,
# no display, no network, no disk, and the kernel command line
#   console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet
# so that any oops or WARN turns into a panic, and the panic into an
# immediate exit of qemu (-no-reboot).
# Exit status: the number on the "LANA-VM-RESULT: N" line /init prints;
# 1 if that line is missing (timeout, panic, crash) or the log has a
# kernel report line (Oops, BUG:, WARNING:, Kernel panic, kmemleak, UBSAN,
# KASAN), even when the test passed; 2 on usage errors.  On failure the
# tail of the log is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "vm/run: $*" >&2; exit 2; }

kernel=
timeout_s=300
log=
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: run.sh [--kernel VMLINUZ] [--timeout SECS] [--log FILE] [-v] INITRAMFS"
initrd=$1
[ -f "$initrd" ] || die "$initrd: no such file"
if [ -z "$kernel" ]; then
	kver=$("$here/kver.sh") || die "no Debian kernel image installed"
	kernel=/boot/vmlinuz-$kver
fi
[ -r "$kernel" ] || die "$kernel: not readable"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
[ -n "$log" ] || log=${initrd%.cpio.gz}.log
[ "$log" != "$initrd" ] || log=$initrd.log

# shellcheck disable=SC2054	# the commas are qemu's
cmd=(qemu-system-x86_64 -accel tcg,thread=multi -m 1024 -smp 2
	-nographic -no-reboot -nodefaults -serial stdio -nic none
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet")
start=$(date +%s.%N)
set +e
if [ $verbose -eq 1 ]; then
	timeout -k 5 "$timeout_s" "${cmd[@]}" </dev/null 2>&1 | tee "$log"
	qrc=${PIPESTATUS[0]}
else
	timeout -k 5 "$timeout_s" "${cmd[@]}" </dev/null >"$log" 2>&1
	qrc=$?
fi
set -e
secs=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }')

# the serial console ends lines with \r\n
result=$(tr -d '\r' <"$log" | sed -n 's/^LANA-VM-RESULT: \([0-9][0-9]*\)$/\1/p' | tail -n 1)
reports=$(tr -d '\r' <"$log" |
	grep -E 'Oops|BUG:|WARNING:|Kernel panic|kmemleak|UBSAN|KASAN' || true)

status=0
why=
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	status=1
	why="timed out after $timeout_s s"
elif [ -n "$reports" ]; then
	status=1
	why="kernel reported a problem"
elif [ -z "$result" ]; then
	status=1
	why="no LANA-VM-RESULT line (qemu exit $qrc)"
elif [ "$result" -ne 0 ]; then
	status=$result
	[ "$status" -le 255 ] || status=1
	why="test exited $result"
fi
if [ "$status" -ne 0 ]; then
	echo "vm/run: FAILED: $why (${secs} s, log $log)" >&2
	if [ -n "$reports" ]; then
		echo "vm/run: kernel reports:" >&2
		head -n 20 <<<"$reports" >&2
	fi
	if [ $verbose -eq 0 ]; then
		echo "vm/run: --- last 60 lines of $log ---" >&2
		tr -d '\r' <"$log" | tail -n 60 >&2
	fi
else
	echo "vm/run: ok (${secs} s, log $log)" >&2
fi
exit "$status"
