#!/usr/bin/env bash
# scripts/vm/kver.sh - print the version (uname -r) of the kernel the VM
# harness boots: the one installed by Debian's linux-image-amd64 package,
# which is not the kernel the host runs.  Its image is
# /boot/vmlinuz-<ver>, its modules /lib/modules/<ver>, its headers
# /usr/src/linux-headers-<ver> (from linux-headers-amd64).
#
# Order: $LANA_VM_KVER if set; the version linux-image-amd64 depends on;
# else the newest /boot/vmlinuz-*-amd64 with a module tree.
# Exit status 1 (nothing printed) when no such kernel is installed.
set -euo pipefail

if [ -n "${LANA_VM_KVER:-}" ]; then
	echo "$LANA_VM_KVER"
	exit 0
fi
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
ver=$(sed -n 's/^.*linux-image-\([^ ,|]*-amd64\).*$/\1/p' <<<"$dep")
if [ -n "$ver" ] && [ -e "/boot/vmlinuz-$ver" ] && [ -d "/lib/modules/$ver" ]; then
	echo "$ver"
	exit 0
fi
for img in $(printf '%s\n' /boot/vmlinuz-*-amd64 | sort -V -r); do
	ver=${img#/boot/vmlinuz-}
	if [ -d "/lib/modules/$ver" ]; then
		echo "$ver"
		exit 0
	fi
done
exit 1
